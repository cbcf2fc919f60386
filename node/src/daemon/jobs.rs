//! Every open job this node has heard of, from gossip, the bootstrap directory and the orgs'
//! own `ListJobs` answers (the truth for that org: a job it no longer lists is closed), and
//! which of them this node will work on.

use std::collections::HashMap;
use std::time::Instant;

use proofgrid_protocol::{JobAnnouncement, JobId, PeerId};

use crate::config::Settings;
use crate::units::show_size;

#[derive(Debug, Clone)]
pub struct JobView {
    pub ann: JobAnnouncement,
    /// Why this node will not take its shards (set once; e.g. the program hash did not match).
    pub blocked: Option<String>,
    /// A shard of it needed more memory than the cap it ran under (the cap, and why): the job
    /// is skipped until the owner raises `max_memory` above that cap.
    pub needs_memory: Option<(u64, String)>,
    /// The last reason to skip it that was logged, so a reason is logged once, not per claim.
    pub skip_logged: Option<String>,
    /// Not before this instant (the org said `NoWork`, or could not be reached).
    pub retry_at: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Jobs {
    map: HashMap<JobId, JobView>,
}

impl Jobs {
    /// Adds or refreshes a job; keeps the newest copy. Returns true if the job is new.
    pub fn upsert(&mut self, ann: JobAnnouncement) -> bool {
        match self.map.get_mut(&ann.job) {
            Some(view) => {
                if ann.issued_at >= view.ann.issued_at && ann.org == view.ann.org {
                    view.ann = ann;
                }
                false
            }
            None => {
                self.map.insert(ann.job, JobView { ann, blocked: None, needs_memory: None, skip_logged: None, retry_at: None });
                true
            }
        }
    }

    /// An org's own list: its jobs not in it are closed.
    pub fn replace_org(&mut self, org: PeerId, anns: Vec<JobAnnouncement>) -> usize {
        let listed: Vec<JobId> = anns.iter().filter(|a| a.org == org).map(|a| a.job).collect();
        self.map.retain(|job, v| v.ann.org != org || listed.contains(job));
        anns.into_iter().filter(|a| a.org == org).map(|a| self.upsert(a) as usize).sum()
    }

    pub fn get(&self, job: &JobId) -> Option<&JobView> {
        self.map.get(job)
    }

    pub fn get_mut(&mut self, job: &JobId) -> Option<&mut JobView> {
        self.map.get_mut(job)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn all(&self) -> Vec<&JobView> {
        let mut v: Vec<_> = self.map.values().collect();
        v.sort_by(|a, b| a.ann.name.cmp(&b.ann.name).then(a.ann.job.cmp(&b.ann.job)));
        v
    }

    pub fn orgs(&self) -> Vec<PeerId> {
        let mut v: Vec<PeerId> = self.map.values().map(|j| j.ann.org).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Whether the owner chose this job: `projects` empty means all; an entry matches the job id
/// (or a prefix of at least 8 hex digits) or the project name (case-insensitive).
pub fn chosen(ann: &JobAnnouncement, projects: &[String]) -> bool {
    if projects.is_empty() {
        return true;
    }
    let hex = ann.job.to_hex();
    projects.iter().any(|p| {
        let p = p.trim();
        (p.len() >= 8 && hex.starts_with(&p.to_ascii_lowercase())) || p.eq_ignore_ascii_case(&ann.name)
    })
}

/// Why this node does not take the job's shards now, if it does not: blocked for good, a shard
/// needed more memory than the cap, or the job's declared sizes exceed the caps.
pub fn why_not(view: &JobView, s: &Settings) -> Option<String> {
    if let Some(b) = &view.blocked {
        return Some(b.clone());
    }
    if let Some((cap, why)) = &view.needs_memory {
        if s.max_memory <= *cap {
            return Some(why.clone());
        }
    }
    beyond_caps(&view.ann, s)
}

/// Why this node cannot take the job's shards, if it cannot: they are declared larger than the
/// owner's caps.
pub fn beyond_caps(ann: &JobAnnouncement, s: &Settings) -> Option<String> {
    if ann.est_steps_per_shard > s.max_steps {
        return Some(format!(
            "its shards need {} steps, above this node's max_steps {}",
            ann.est_steps_per_shard, s.max_steps
        ));
    }
    if ann.est_memory_per_shard > s.max_memory {
        return Some(format!(
            "its shards need about {} (the org's estimate), above this node's max_memory {}",
            show_size(ann.est_memory_per_shard),
            show_size(s.max_memory)
        ));
    }
    let most = (proofgrid_prover::ProofOptions { queries: u16::MAX, ..proofgrid_prover::ProofOptions::DEFAULT }).security_bits();
    if u32::from(ann.min_security_bits) > most {
        return Some(format!("it demands {} bits of security, more than this prover offers", ann.min_security_bits));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;
    use proofgrid_protocol::ProgramHash;

    fn ann(name: &str, steps: u64, memory: u64) -> JobAnnouncement {
        JobAnnouncement {
            job: JobId([0xab; 32]),
            org: PeerId::random(),
            org_addrs: vec![],
            name: name.into(),
            description: String::new(),
            program_hash: ProgramHash([1; 32]),
            shards_total: 10,
            shards_open: 10,
            est_steps_per_shard: steps,
            est_memory_per_shard: memory,
            min_security_bits: 100,
            issued_at: 1,
        }
    }

    #[test]
    fn shards_beyond_the_owners_caps_are_refused() {
        let caps = FileConfig { max_steps: Some(10_000), max_memory: Some("200M".into()), ..Default::default() };
        let s = Settings::resolve("/d".into(), caps).unwrap();
        assert_eq!(beyond_caps(&ann("a", 10_000, 200 << 20), &s), None);
        assert!(beyond_caps(&ann("a", 10_001, 1), &s).unwrap().contains("max_steps 10000"));
        assert!(beyond_caps(&ann("a", 1, (200 << 20) + 1), &s).unwrap().contains("max_memory"));
        let mut greedy = ann("a", 1, 1);
        greedy.min_security_bits = 1000;
        assert!(beyond_caps(&greedy, &s).unwrap().contains("security"));
    }

    #[test]
    fn projects_match_by_name_or_id_prefix() {
        let a = ann("Primes", 1, 1);
        assert!(chosen(&a, &[]));
        assert!(chosen(&a, &["primes".into()]));
        assert!(chosen(&a, &["abababab".into()]));
        assert!(!chosen(&a, &["abab".into()]), "short prefixes are ambiguous");
        assert!(!chosen(&a, &["collatz".into()]));
    }

    #[test]
    fn an_orgs_own_list_closes_jobs_it_no_longer_lists() {
        let mut jobs = Jobs::default();
        let a = ann("a", 1, 1);
        let mut b = a.clone();
        b.job = JobId([2; 32]);
        jobs.upsert(a.clone());
        jobs.upsert(b.clone());
        assert_eq!(jobs.len(), 2);
        jobs.replace_org(a.org, vec![b.clone()]);
        assert_eq!(jobs.all().iter().map(|v| v.ann.job).collect::<Vec<_>>(), vec![b.job]);
    }
}
