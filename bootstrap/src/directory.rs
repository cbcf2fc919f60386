//! The directory of open jobs: what each org registered (or gossiped), until it stops refreshing.
//!
//! It is a meeting point, not an authority: an entry is accepted only from the org it names
//! (the requester is authenticated by noise, a gossip copy by its signature), only if the org
//! signed it and the job id is derived from the org's key (so nobody can hold another org's
//! job id), and the newest copy by the org's own sequence number wins. Donors check the same
//! signature again, so a bootstrap cannot forge an entry either.
//!
//! Space is shared fairly among the networks registrants connect from: when the directory is
//! full, a registrant from a network holding fewer entries than the largest holder takes the
//! oldest entry of that holder. A thousand peer ids behind one /24 share one network's share.

use std::collections::HashMap;
use std::time::Duration;

use proofgrid_protocol::limits::MAX_JOBS_PER_REGISTER;
use proofgrid_protocol::{DirectoryEntry, IpPrefix, JobAnnouncement, JobId, PeerId};
use tokio::time::Instant;

/// Bounds chosen so a full listing (entries of at most `MAX_ANNOUNCEMENT_BYTES`) always fits the
/// default directory-listing frame cap of 4 MiB: 200 x 16 KiB = 3.2 MiB.
pub const MAX_ENTRIES: usize = 200;
pub const MAX_ENTRIES_PER_ORG: usize = 32;

/// Where a registration came from, for fair sharing: a network, or gossip (one share for every
/// copy that arrived that way, since a relayed copy has no address of its org).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Network(IpPrefix),
    Gossip,
}

struct Entry {
    announcement: JobAnnouncement,
    origin: Origin,
    added: Instant,
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
        origin: Origin,
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
            .filter(|a| a.shards_open > 0 && !self.entries.contains_key(&a.job))
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
        let room = MAX_ENTRIES.saturating_sub(self.entries.len());
        if new.len() > room {
            self.make_room(origin, new.len() - room)?;
        }
        let expires = now + self.ttl;
        for announcement in jobs {
            // An org announcing no open shards is done with the job: list it no longer.
            if announcement.shards_open == 0 {
                self.entries.remove(&announcement.job);
                continue;
            }
            // Keep the newest copy by the org's sequence number: a delayed older refresh, or an
            // old copy replayed by someone else, must not roll back shard counts or addresses.
            match self.entries.get_mut(&announcement.job) {
                Some(e) if !announcement.supersedes(&e.announcement) => e.expires = expires,
                Some(e) => {
                    e.announcement = announcement;
                    e.expires = expires;
                }
                None => {
                    self.entries.insert(
                        announcement.job,
                        Entry {
                            announcement,
                            origin,
                            added: now,
                            expires,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// Frees `needed` entries for a registrant from `origin`, taking each from the origin that
    /// holds the most (its oldest entry), as long as that origin holds more than `origin` will
    /// after the registration; refuses otherwise (the registrant already has its fair share).
    fn make_room(&mut self, origin: Origin, needed: usize) -> Result<(), String> {
        let mut held: HashMap<Origin, usize> = HashMap::new();
        for e in self.entries.values() {
            *held.entry(e.origin).or_default() += 1;
        }
        let mut victims = Vec::with_capacity(needed);
        let mut mine = held.get(&origin).copied().unwrap_or(0);
        for _ in 0..needed {
            let (top, count) = held
                .iter()
                .filter(|(o, _)| **o != origin)
                .max_by_key(|(_, n)| **n)
                .map(|(o, n)| (*o, *n))
                .unwrap_or((origin, 0));
            if count <= mine + 1 {
                return Err(format!(
                    "the directory is full ({MAX_ENTRIES} jobs) and your network already has its \
                     share; try again later"
                ));
            }
            let oldest = self
                .entries
                .iter()
                .filter(|(id, e)| e.origin == top && !victims.contains(*id))
                .min_by_key(|(_, e)| e.added)
                .map(|(id, _)| *id);
            let Some(oldest) = oldest else { break };
            victims.push(oldest);
            *held.entry(top).or_default() -= 1;
            mine += 1;
        }
        for id in victims {
            self.entries.remove(&id);
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
    use libp2p::identity::Keypair;

    /// An org's key, and its job `id` in copy number `seq`.
    fn ann(key: &Keypair, id: u8, seq: u64) -> JobAnnouncement {
        let mut a = JobAnnouncement::example(key, &format!("job {id}"), seq);
        a.shards_total = 10;
        a.shards_open = 10;
        a.sign(key).unwrap();
        a
    }

    fn org(key: &Keypair) -> PeerId {
        key.public().to_peer_id()
    }

    const NET: Origin = Origin::Network(IpPrefix::V4([10, 0, 0]));

    #[test]
    fn entries_expire_unless_refreshed() {
        let k = Keypair::generate_ed25519();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let (a, b) = (ann(&k, 1, 1), ann(&k, 2, 1));
        d.register(org(&k), NET, vec![a.clone(), b], t0).unwrap();
        d.register(org(&k), NET, vec![ann(&k, 1, 2)], t0 + Duration::from_secs(50))
            .unwrap();
        let listed = d.list(t0 + Duration::from_secs(70));
        assert_eq!(listed.len(), 1, "job 2 expired, job 1 was refreshed");
        assert_eq!(listed[0].announcement.job, a.job);
        assert_eq!(listed[0].expires_in_secs, 40);
        assert!(d.list(t0 + Duration::from_secs(111)).is_empty());
    }

    #[test]
    fn only_the_named_org_may_register_or_remove_a_job() {
        let (k, thief) = (Keypair::generate_ed25519(), Keypair::generate_ed25519());
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let mine = ann(&k, 1, 1);
        let err = d.register(org(&thief), NET, vec![mine.clone()], t0).unwrap_err();
        assert!(err.contains("names org"), "{err}");
        d.register(org(&k), NET, vec![mine.clone()], t0).unwrap();
        // The thief's copy of the job id under its own org: the id is not derived from its key.
        let mut squat = mine.clone();
        squat.org = org(&thief);
        squat.sign(&thief).unwrap();
        let err = d.register(org(&thief), NET, vec![squat], t0).unwrap_err();
        assert!(err.contains("not derived"), "{err}");
        // An unsigned or altered copy is refused too.
        let mut altered = ann(&k, 1, 5);
        altered.org_addrs.clear();
        let err = d.register(org(&k), NET, vec![altered], t0).unwrap_err();
        assert!(err.contains("not signed"), "{err}");
        assert_eq!(d.unregister(org(&thief), &[mine.job]), 0);
        assert_eq!(d.unregister(org(&k), &[mine.job]), 1);
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn an_older_copy_does_not_replace_a_newer_one() {
        let k = Keypair::generate_ed25519();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let mut newer = ann(&k, 1, 20);
        newer.shards_open = 3;
        // A copy issued earlier by the wall clock but later by sequence still wins.
        newer.issued_at = 1;
        newer.sign(&k).unwrap();
        d.register(org(&k), NET, vec![newer], t0).unwrap();
        d.register(org(&k), NET, vec![ann(&k, 1, 10)], t0).unwrap();
        assert_eq!(d.list(t0)[0].announcement.shards_open, 3);
        let mut next = ann(&k, 1, 21);
        next.shards_open = 2;
        next.sign(&k).unwrap();
        d.register(org(&k), NET, vec![next], t0).unwrap();
        assert_eq!(d.list(t0)[0].announcement.shards_open, 2);
    }

    #[test]
    fn a_job_with_no_open_shards_leaves_the_directory() {
        let k = Keypair::generate_ed25519();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        d.register(org(&k), NET, vec![ann(&k, 1, 1)], t0).unwrap();
        let mut done = ann(&k, 1, 2);
        done.shards_open = 0;
        done.sign(&k).unwrap();
        d.register(org(&k), NET, vec![done], t0).unwrap();
        assert!(d.list(t0).is_empty());
    }

    #[test]
    fn per_org_bound() {
        let k = Keypair::generate_ed25519();
        let mut d = Directory::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let jobs: Vec<_> = (0..MAX_ENTRIES_PER_ORG as u8).map(|i| ann(&k, i, 1)).collect();
        d.register(org(&k), NET, jobs, t0).unwrap();
        let err = d.register(org(&k), NET, vec![ann(&k, 200, 1)], t0).unwrap_err();
        assert!(err.contains("at most"), "{err}");
    }

    #[test]
    fn sybils_from_one_network_cannot_fill_the_directory_against_others() {
        let mut d = Directory::new(Duration::from_secs(600));
        let t0 = Instant::now();
        // Seven fresh ids from one /24 fill every slot ...
        let sybils: Vec<Keypair> = (0..7).map(|_| Keypair::generate_ed25519()).collect();
        let mut at = t0;
        for k in &sybils {
            let jobs: Vec<_> = (0..MAX_ENTRIES_PER_ORG as u8).map(|i| ann(k, i, 1)).collect();
            at += Duration::from_millis(1);
            let _ = d.register(org(k), NET, jobs, at);
        }
        while d.len() < MAX_ENTRIES {
            let k = Keypair::generate_ed25519();
            d.register(org(&k), NET, vec![ann(&k, 1, 1)], at).unwrap();
        }
        // ... more of them get nothing more ...
        let late = Keypair::generate_ed25519();
        assert!(d.register(org(&late), NET, vec![ann(&late, 1, 1)], at).unwrap_err().contains("share"));
        // ... and an honest org from another network still gets in, evicting a sybil's oldest.
        let honest = Keypair::generate_ed25519();
        let elsewhere = Origin::Network(IpPrefix::V4([192, 168, 7]));
        let mine = ann(&honest, 1, 1);
        d.register(org(&honest), elsewhere, vec![mine.clone()], at).unwrap();
        assert_eq!(d.len(), MAX_ENTRIES);
        assert!(d.list(at).iter().any(|e| e.announcement.job == mine.job));
        // Many honest orgs from many networks each get in while the sybils hold more than them.
        for n in 0..50u8 {
            let k = Keypair::generate_ed25519();
            let o = Origin::Network(IpPrefix::V4([172, 16, n]));
            d.register(org(&k), o, vec![ann(&k, 1, 1)], at).unwrap();
        }
        assert_eq!(d.len(), MAX_ENTRIES);
    }
}
