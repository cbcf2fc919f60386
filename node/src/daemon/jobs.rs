//! Every open job this node has heard of, from gossip, the bootstrap directory and the orgs'
//! own `ListJobs` answers (the truth for that org: a job it no longer lists is closed), and
//! which of them this node will work on.

use std::collections::HashMap;
use std::time::Instant;

use proofgrid_protocol::{JobAnnouncement, JobId, Multiaddr, PeerId};

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
    /// When a copy of it last arrived (the least recently heard of is evicted first).
    pub heard_at: Instant,
}

/// Most jobs remembered at once, and per org: announcements come from anyone, so the map is
/// bounded; when full, the job heard of least recently goes first.
pub const MAX_JOBS: usize = 1024;
pub const MAX_JOBS_PER_ORG: usize = 64;

#[derive(Debug, Default)]
pub struct Jobs {
    map: HashMap<JobId, JobView>,
}

impl Jobs {
    /// Adds or refreshes a job from any source (gossip, a directory, an org): only a copy the
    /// org signed, whose job id is the org's, is taken, and of a known job only a newer one by
    /// the org's sequence number. Returns whether the job is new, or why the copy was refused.
    pub fn upsert(&mut self, ann: JobAnnouncement) -> Result<bool, String> {
        ann.validate().map_err(|e| e.to_string())?;
        if let Some(view) = self.map.get_mut(&ann.job) {
            view.heard_at = Instant::now();
            if ann.supersedes(&view.ann) {
                view.ann = ann;
            }
            return Ok(false);
        }
        let of_org = self.map.values().filter(|v| v.ann.org == ann.org).count();
        if of_org >= MAX_JOBS_PER_ORG {
            return Err(format!("org {} already has {MAX_JOBS_PER_ORG} jobs known here", ann.org));
        }
        if self.map.len() >= MAX_JOBS {
            let stalest = self.map.values().min_by_key(|v| v.heard_at).map(|v| v.ann.job);
            if let Some(old) = stalest {
                self.map.remove(&old);
            }
        }
        let view = JobView { ann, blocked: None, needs_memory: None, skip_logged: None, retry_at: None, heard_at: Instant::now() };
        self.map.insert(view.ann.job, view);
        Ok(true)
    }

    /// An org's own list: its jobs not in it are closed. Copies naming another org are ignored.
    /// Returns how many jobs are new.
    pub fn replace_org(&mut self, org: PeerId, anns: Vec<JobAnnouncement>) -> usize {
        let listed: Vec<JobId> = anns.iter().filter(|a| a.org == org).map(|a| a.job).collect();
        self.map.retain(|job, v| v.ann.org != org || listed.contains(job));
        anns.into_iter().filter(|a| a.org == org).map(|a| self.upsert(a).unwrap_or(false) as usize).sum()
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

    /// The addresses `org` announced in the copies taken here (each checked against its
    /// signature): what a dial to the org may use.
    pub fn addresses_of(&self, org: PeerId) -> Vec<Multiaddr> {
        let mut v: Vec<Multiaddr> = self.map.values().filter(|j| j.ann.org == org).flat_map(|j| j.ann.org_addrs.iter().cloned()).collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn orgs(&self) -> Vec<PeerId> {
        let mut v: Vec<PeerId> = self.map.values().map(|j| j.ann.org).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Whether the owner chose this job: `projects` empty means all (see [`Choice`]).
    pub fn chosen(&self, ann: &JobAnnouncement, projects: &[String]) -> bool {
        if projects.is_empty() {
            return true;
        }
        projects.iter().any(|p| Choice::parse(p).matches(ann, self))
    }

    /// The orgs that publish jobs under `name` (case-insensitive).
    pub fn orgs_named(&self, name: &str) -> Vec<PeerId> {
        let mut v: Vec<PeerId> = self.map.values().filter(|j| j.ann.name.eq_ignore_ascii_case(name)).map(|j| j.ann.org).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The owner's bare project names that two or more orgs use: none of their jobs is taken
    /// until the owner names one `name@org-peer-id` or by job id. Each with the orgs using it.
    pub fn ambiguous(&self, projects: &[String]) -> Vec<(String, Vec<PeerId>)> {
        projects
            .iter()
            .filter_map(|p| match Choice::parse(p) {
                Choice::Name(name) => {
                    let orgs = self.orgs_named(&name);
                    (orgs.len() > 1).then_some((name, orgs))
                }
                _ => None,
            })
            .collect()
    }
}

/// How the owner names a project (`projects` in the config, `--project`):
/// - a job id, or at least [`MIN_ID_PREFIX`] of its leading hex digits;
/// - `name@org-peer-id`: the job of that name published by that org;
/// - a bare name: the job of that name, as long as only one org publishes one by that name (an
///   impostor using the same name makes it ambiguous, and neither is taken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Id(String),
    NameAt(String, String),
    Name(String),
}

/// Hex digits of a job id prefix: 64 bits, so no org can grind a key whose job shares it.
pub const MIN_ID_PREFIX: usize = 16;

impl Choice {
    pub fn parse(p: &str) -> Choice {
        let p = p.trim();
        if let Some((name, org)) = p.rsplit_once('@') {
            return Choice::NameAt(name.trim().to_string(), org.trim().to_string());
        }
        if p.len() >= MIN_ID_PREFIX && p.len() <= 64 && p.chars().all(|c| c.is_ascii_hexdigit()) {
            return Choice::Id(p.to_ascii_lowercase());
        }
        Choice::Name(p.to_string())
    }

    /// Whether `ann` is the job this choice names, among the `known` jobs (a bare name must
    /// be used by one org only).
    fn matches(&self, ann: &JobAnnouncement, known: &Jobs) -> bool {
        match self {
            Choice::Id(prefix) => ann.job.to_hex().starts_with(prefix.as_str()),
            Choice::NameAt(name, org) => ann.name.eq_ignore_ascii_case(name) && ann.org.to_base58() == *org,
            Choice::Name(name) => ann.name.eq_ignore_ascii_case(name) && known.orgs_named(name).len() <= 1,
        }
    }
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
    use libp2p::identity::Keypair;

    fn ann(name: &str, steps: u64, memory: u64) -> JobAnnouncement {
        signed(&Keypair::generate_ed25519(), name, steps, memory)
    }

    fn signed(key: &Keypair, name: &str, steps: u64, memory: u64) -> JobAnnouncement {
        let mut a = JobAnnouncement::example(key, name, 1);
        a.shards_total = 10;
        a.shards_open = 10;
        a.est_steps_per_shard = steps;
        a.est_memory_per_shard = memory;
        a.min_security_bits = 100;
        a.sign(key).unwrap();
        a
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
    fn projects_match_by_id_prefix_name_at_org_or_an_unambiguous_name() {
        let mut jobs = Jobs::default();
        let a = ann("Primes", 1, 1);
        jobs.upsert(a.clone()).unwrap();
        let hex = a.job.to_hex();
        assert!(jobs.chosen(&a, &[]));
        assert!(jobs.chosen(&a, &["primes".into()]));
        assert!(jobs.chosen(&a, &[hex[..MIN_ID_PREFIX].to_string()]));
        assert!(!jobs.chosen(&a, &[hex[..8].to_string()]), "short prefixes could be ground for");
        assert!(!jobs.chosen(&a, &["collatz".into()]));
        assert!(jobs.chosen(&a, &[format!("primes@{}", a.org)]));
        assert!(!jobs.chosen(&a, &[format!("primes@{}", PeerId::random())]));
        // An impostor publishing the same name: the bare name is ambiguous, neither is taken.
        let impostor = ann("primes", 1, 1);
        jobs.upsert(impostor.clone()).unwrap();
        assert!(!jobs.chosen(&a, &["primes".into()]));
        assert!(!jobs.chosen(&impostor, &["primes".into()]));
        let amb = jobs.ambiguous(&["primes".into(), "collatz".into()]);
        assert_eq!(amb.len(), 1);
        assert_eq!(amb[0].1.len(), 2);
        // Named with its org, the real one still is.
        assert!(jobs.chosen(&a, &[format!("primes@{}", a.org)]));
        assert!(!jobs.chosen(&impostor, &[format!("primes@{}", a.org)]));
    }

    #[test]
    fn an_orgs_own_list_closes_jobs_it_no_longer_lists() {
        let key = Keypair::generate_ed25519();
        let mut jobs = Jobs::default();
        let a = signed(&key, "a", 1, 1);
        let b = signed(&key, "b", 1, 1);
        jobs.upsert(a.clone()).unwrap();
        jobs.upsert(b.clone()).unwrap();
        assert_eq!(jobs.len(), 2);
        jobs.replace_org(a.org, vec![b.clone()]);
        assert_eq!(jobs.all().iter().map(|v| v.ann.job).collect::<Vec<_>>(), vec![b.job]);
    }

    #[test]
    fn forged_stale_and_excess_copies_are_refused() {
        let key = Keypair::generate_ed25519();
        let mut jobs = Jobs::default();
        let mut a = signed(&key, "a", 1, 1);
        a.seq = 5;
        a.sign(&key).unwrap();
        assert_eq!(jobs.upsert(a.clone()), Ok(true));
        // A forged copy (another address, signature not redone) is refused ...
        let mut forged = a.clone();
        forged.org_addrs.clear();
        assert!(jobs.upsert(forged).unwrap_err().contains("not signed"));
        // ... and an older genuine copy does not replace the newer one.
        let mut old = a.clone();
        old.seq = 4;
        old.shards_open = 1;
        old.sign(&key).unwrap();
        assert_eq!(jobs.upsert(old), Ok(false));
        assert_eq!(jobs.get(&a.job).unwrap().ann.shards_open, 10);
        // One org cannot fill the map; many orgs fill it only up to the bound.
        for i in 0..MAX_JOBS_PER_ORG + 5 {
            let _ = jobs.upsert(signed(&key, &format!("j{i}"), 1, 1));
        }
        assert_eq!(jobs.len(), MAX_JOBS_PER_ORG);
        for i in 0..MAX_JOBS + 10 {
            let _ = jobs.upsert(ann(&format!("x{i}"), 1, 1));
        }
        assert_eq!(jobs.len(), MAX_JOBS);
    }
}
