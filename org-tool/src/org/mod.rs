//! The organization side of proofgrid: the job store, the shard lifecycle, serving donors,
//! verifying what they send, and reporting. libp2p stays inside `proofgrid-protocol`; `peer`
//! is the only module here that talks to the network.

pub mod aggregate;
pub mod control;
pub mod encoding;
pub mod lease;
pub mod peer;
pub mod plot;
pub mod publish;
pub mod report;
pub mod serve;
pub mod store;
pub mod verifier;

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use proofgrid_protocol::{JobAnnouncement, JobId, Multiaddr, PeerId};
use tokio::sync::{mpsc, Notify};

use store::{JobRecord, Store};
use verifier::Task;

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// One running org: its store, its identity, and the queue to its verifiers. Shared by the
/// request handlers and the verifier pool.
pub struct Org {
    pub store: Store,
    pub me: PeerId,
    /// Serialises read-modify-write of shard state between request handlers and verdicts.
    /// Held only around synchronous store calls, never across an await.
    pub(crate) lock: Mutex<()>,
    pub(crate) verify: mpsc::UnboundedSender<Task>,
    /// Pinged whenever a shard's state changes (progress bar, snapshot, exit-when-done).
    pub changed: Notify,
    pub addrs: Mutex<Vec<Multiaddr>>,
    pub max_leases_per_peer: usize,
    /// Runs of given-back shards (serve::check_shard_runs) take turns: each may take as long as
    /// the job's step cap allows, and any donor can ask for one.
    pub(crate) shard_checks: tokio::sync::Semaphore,
    /// Given-back shards our own run showed to be fine: not run again.
    pub(crate) runs_here: Mutex<std::collections::HashSet<(JobId, u32)>>,
    /// `results.jsonl`, once serving: every new result is appended (report::RESULTS_LOG).
    pub(crate) results_log: Mutex<Option<std::fs::File>>,
    /// Seconds added to the wall clock: tests move time forward with it to expire leases
    /// without waiting (zero otherwise).
    clock_skew: std::sync::atomic::AtomicU64,
}

impl Org {
    pub fn new(store: Store, me: PeerId, verify: mpsc::UnboundedSender<Task>, max_leases_per_peer: usize) -> Org {
        Org {
            store,
            me,
            lock: Mutex::new(()),
            verify,
            shard_checks: tokio::sync::Semaphore::new(1),
            runs_here: Mutex::new(Default::default()),
            changed: Notify::new(),
            results_log: Mutex::new(None),
            clock_skew: Default::default(),
            addrs: Mutex::new(Vec::new()),
            max_leases_per_peer,
        }
    }

    /// Unix seconds now, on this org's clock (see `clock_skew`).
    pub fn now(&self) -> u64 {
        now() + self.clock_skew.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves this org's clock forward (for tests of expiry).
    pub fn advance_clock(&self, secs: u64) {
        self.clock_skew.fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        // A handler that panicked while holding the lock left the store as sled wrote it,
        // which is consistent record by record; carry on.
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Jobs with at least one shard neither proven nor failed, with how many (from the counts).
    pub fn open_jobs(&self) -> store::Result<Vec<(JobRecord, u32)>> {
        let mut out = Vec::new();
        for job in self.store.all_jobs()? {
            let unfinished = self.store.counts(&job.id)?.unfinished();
            if unfinished > 0 {
                out.push((job, unfinished.min(u32::MAX as u64) as u32));
            }
        }
        Ok(out)
    }

    pub fn announcement(&self, job: &JobRecord, unproven: u32) -> JobAnnouncement {
        JobAnnouncement {
            job: job.id,
            org: self.me,
            org_addrs: self.addrs.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            name: job.name.clone(),
            description: job.description.clone(),
            program_hash: proofgrid_protocol::ProgramHash(job.program_hash),
            shards_total: job.shards_total,
            shards_open: unproven,
            est_steps_per_shard: job.est_steps,
            est_memory_per_shard: job.est_memory,
            min_security_bits: job.min_security,
            issued_at: self.now(),
        }
    }

    /// Whether every shard of every job in the store is proven or failed.
    pub fn all_done(&self) -> store::Result<bool> {
        Ok(self.open_jobs()?.is_empty())
    }
}

/// Failed shards over every job in the store (from the counts).
pub fn failed_count(store: &Store) -> store::Result<u64> {
    let mut n = 0;
    for job in store.all_jobs()? {
        n += store.counts(&job.id)?.failed;
    }
    Ok(n)
}
