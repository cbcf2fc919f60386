//! The directory of open jobs: what each org registered (or gossiped), until it stops refreshing.
//!
//! It is a meeting point, not an authority: entries are only accepted from the org they name
//! (the requester is authenticated by noise, a gossip copy by its signature), and a donor still
//! asks the org itself before working.

use std::collections::HashMap;
use std::time::Duration;

use proofgrid_protocol::limits::MAX_JOBS_PER_REGISTER;
use proofgrid_protocol::{DirectoryEntry, JobAnnouncement, JobId, PeerId};
use tokio::time::Instant;

/// Bounds chosen so a full listing (entries of at most `MAX_ANNOUNCEMENT_BYTES`) always fits the
/// default directory-listing frame cap of 4 MiB: 200 x 16 KiB = 3.2 MiB.
pub const MAX_ENTRIES: usize = 200;
pub const MAX_ENTRIES_PER_ORG: usize = 32;

struct Entry {
    announcement: JobAnnouncement,
    expires: Instant,
}

pub struct Directory {
    ttl: Duration,
    entries: HashMap<JobId, Entry>,
}

impl Directory {
    pub fn new(ttl: Duration) -> Self {
        Directory {
            ttl,
            entries: HashMap::new(),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Adds or refreshes `requester`'s jobs, all or nothing.
    pub fn register(
        &mut self,
        requester: PeerId,
        jobs: Vec<JobAnnouncement>,
        now: Instant,
    ) -> Result<(), String> {
        self.purge(now);
        if jobs.len() > MAX_JOBS_PER_REGISTER {
            return Err(format!(
                "{} jobs in one request; at most {MAX_JOBS_PER_REGISTER}",
                jobs.len()
            ));
        }
        for ann in &jobs {
            if ann.org != requester {
                return Err(format!(
                    "job {} names org {}, but the request came from {requester}",
                    ann.job, ann.org
                ));
            }
            ann.validate()
                .map_err(|e| format!("job {}: {e}", ann.job))?;
            if let Some(existing) = self.entries.get(&ann.job) {
                if existing.announcement.org != requester {
                    return Err(format!(
                        "job id {} is already registered by another org",
                        ann.job
                    ));
                }
            }
        }
        let new: Vec<&JobAnnouncement> = jobs
            .iter()
            .filter(|a| !self.entries.contains_key(&a.job))
            .collect();
        let org_count = self
            .entries
            .values()
            .filter(|e| e.announcement.org == requester)
            .count()
            + new.len();
        if org_count > MAX_ENTRIES_PER_ORG {
            return Err(format!(
                "an org may list at most {MAX_ENTRIES_PER_ORG} open jobs"
            ));
        }
        if self.entries.len() + new.len() > MAX_ENTRIES {
            return Err(format!(
                "the directory is full ({MAX_ENTRIES} jobs); try again later"
            ));
        }
        let expires = now + self.ttl;
        for announcement in jobs {
            // An org announcing no open shards is done with the job: list it no longer.
            if announcement.shards_open == 0 {
                self.entries.remove(&announcement.job);
                continue;
            }
            // Keep the newest copy: a delayed older refresh must not roll back shard counts.
            match self.entries.get_mut(&announcement.job) {
                Some(e) if e.announcement.issued_at > announcement.issued_at => e.expires = expires,
                _ => {
                    self.entries.insert(
                        announcement.job,
                        Entry {
                            announcement,
                            expires,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// Removes the requester's own jobs among `jobs`; others' ids are ignored.
    pub fn unregister(&mut self, requester: PeerId, jobs: &[JobId]) -> usize {
        let before = self.entries.len();
        for job in jobs {
            if self
                .entries
                .get(job)
                .is_some_and(|e| e.announcement.org == requester)
            {
                self.entries.remove(job);
            }
        }
        before - self.entries.len()
    }

    pub fn list(&mut self, now: Instant) -> Vec<DirectoryEntry> {
        self.purge(now);
        let mut out: Vec<DirectoryEntry> = self
            .entries
            .values()
            .map(|e| DirectoryEntry {
                announcement: e.announcement.clone(),
                expires_in_secs: e
                    .expires
                    .saturating_duration_since(now)
                    .as_secs()
                    .min(u32::MAX as u64) as u32,
            })
            .collect();
        out.sort_by_key(|e| std::cmp::Reverse(e.announcement.issued_at));
        out
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn purge(&mut self, now: Instant) {
        self.entries.retain(|_, e| e.expires > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proofgrid_protocol::ProgramHash;

    fn ann(org: PeerId, id: u8, issued_at: u64) -> JobAnnouncement {
        JobAnnouncement {
            job: JobId([id; 32]),
            org,
            org_addrs: vec![],
            name: format!("job {id}"),
            description: String::new(),
            program_hash: ProgramHash([0; 32]),
            shards_total: 10,
            shards_open: 10,
            est_steps_per_shard: 1000,
            est_memory_per_shard: 1 << 20,
            min_security_bits: 80,
            issued_at,
        }
    }

    #[test]
    fn entries_expire_unless_refreshed() {
        let org = PeerId::random();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        d.register(org, vec![ann(org, 1, 1), ann(org, 2, 1)], t0)
            .unwrap();
        d.register(org, vec![ann(org, 1, 2)], t0 + Duration::from_secs(50))
            .unwrap();
        let listed = d.list(t0 + Duration::from_secs(70));
        assert_eq!(listed.len(), 1, "job 2 expired, job 1 was refreshed");
        assert_eq!(listed[0].announcement.job, JobId([1; 32]));
        assert_eq!(listed[0].expires_in_secs, 40);
        assert!(d.list(t0 + Duration::from_secs(111)).is_empty());
    }

    #[test]
    fn only_the_named_org_may_register_or_remove_a_job() {
        let (org, other) = (PeerId::random(), PeerId::random());
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let err = d.register(other, vec![ann(org, 1, 1)], t0).unwrap_err();
        assert!(err.contains("names org"), "{err}");
        d.register(org, vec![ann(org, 1, 1)], t0).unwrap();
        let err = d.register(other, vec![ann(other, 1, 1)], t0).unwrap_err();
        assert!(err.contains("already registered"), "{err}");
        assert_eq!(d.unregister(other, &[JobId([1; 32])]), 0);
        assert_eq!(d.unregister(org, &[JobId([1; 32])]), 1);
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn an_older_copy_does_not_replace_a_newer_one() {
        let org = PeerId::random();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let mut newer = ann(org, 1, 20);
        newer.shards_open = 3;
        d.register(org, vec![newer], t0).unwrap();
        d.register(org, vec![ann(org, 1, 10)], t0).unwrap();
        assert_eq!(d.list(t0)[0].announcement.shards_open, 3);
    }

    #[test]
    fn a_job_with_no_open_shards_leaves_the_directory() {
        let org = PeerId::random();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        d.register(org, vec![ann(org, 1, 1)], t0).unwrap();
        let mut done = ann(org, 1, 2);
        done.shards_open = 0;
        d.register(org, vec![done], t0).unwrap();
        assert!(d.list(t0).is_empty());
    }

    #[test]
    fn per_org_bound() {
        let org = PeerId::random();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let jobs: Vec<_> = (0..MAX_ENTRIES_PER_ORG as u8)
            .map(|i| ann(org, i, 1))
            .collect();
        d.register(org, jobs, t0).unwrap();
        let err = d.register(org, vec![ann(org, 200, 1)], t0).unwrap_err();
        assert!(err.contains("at most"), "{err}");
    }
}
