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
pub mod standing;
pub mod store;
pub mod verifier;
pub mod verify_queue;

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use proofgrid_protocol::{JobAnnouncement, JobId, Multiaddr, PeerId};
use tokio::sync::Notify;

use store::{JobRecord, Store};
use verify_queue::VerifyQueue;

/// What the org lets peers do; `org-tool publish`'s flags set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Leases a peer with verified work may hold per job (an unproven one holds one).
    pub max_leases_per_peer: u64,
    /// Leases the unproven peers of one IP prefix (/24 for IPv4, /48 for IPv6) may hold per
    /// job, together: a thousand fresh peer ids from one machine share these.
    pub unproven_leases_per_prefix: u64,
    /// Submissions queued for verification at once, over all peers.
    pub verify_queue: usize,
    /// Requests being handled at once; beyond it a request is answered "busy, retry later".
    pub concurrent_requests: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { max_leases_per_peer: 4, unproven_leases_per_prefix: 8, verify_queue: 1024, concurrent_requests: 512 }
    }
}

/// The org's own failures, for status: a verdict or grant that could not be written is retried,
/// and an operator should know it is happening.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Health {
    pub storage_errors: u64,
    pub last_storage_error: Option<String>,
    /// Submissions awaiting verification.
    #[serde(default)]
    pub verify_queue: usize,
}

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// One running org: its store, its identity, and the queue to its verifiers. Shared by the
/// request handlers and the verifier pool.
pub struct Org {
    pub store: Store,
    pub me: PeerId,
    /// The org's identity: it signs every announcement of its jobs.
    pub key: proofgrid_protocol::Keypair,
    /// Serialises read-modify-write of shard state between request handlers and verdicts.
    /// Held only around synchronous store calls, never across an await.
    pub(crate) lock: Mutex<()>,
    pub queue: std::sync::Arc<VerifyQueue>,
    pub policy: Policy,
    pub(crate) health: Mutex<Health>,
    /// Bounds the request handlers running at once (`Policy::concurrent_requests`).
    pub(crate) handlers: std::sync::Arc<tokio::sync::Semaphore>,
    /// The unproven peers seen leasing from each IP prefix (bounded per prefix; see `serve::claim`).
    pub(crate) prefixes: Mutex<std::collections::HashMap<(JobId, serve::IpPrefix), Vec<String>>>,
    /// Pinged whenever a shard's state changes (progress bar, snapshot, exit-when-done).
    pub changed: Notify,
    pub addrs: Mutex<Vec<Multiaddr>>,
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
    pub fn new(store: Store, key: proofgrid_protocol::Keypair, policy: Policy) -> Org {
        Org {
            store,
            me: key.public().to_peer_id(),
            key,
            lock: Mutex::new(()),
            queue: VerifyQueue::new(policy.verify_queue.max(1)),
            policy,
            health: Mutex::new(Health::default()),
            handlers: std::sync::Arc::new(tokio::sync::Semaphore::new(policy.concurrent_requests.max(1))),
            prefixes: Mutex::new(Default::default()),
            shard_checks: tokio::sync::Semaphore::new(1),
            runs_here: Mutex::new(Default::default()),
            changed: Notify::new(),
            results_log: Mutex::new(None),
            clock_skew: Default::default(),
            addrs: Mutex::new(Vec::new()),
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

    /// Records a failure to write our own state (it is retried; status shows it).
    pub(crate) fn storage_error(&self, what: &str, e: &store::StoreError) {
        tracing::error!(error = %e, "{what}");
        let mut h = self.health.lock().unwrap_or_else(|p| p.into_inner());
        h.storage_errors += 1;
        h.last_storage_error = Some(format!("{what}: {e}"));
    }

    pub fn health(&self) -> Health {
        let mut h = self.health.lock().unwrap_or_else(|p| p.into_inner()).clone();
        h.verify_queue = self.queue.len();
        h
    }

    /// Runs `f` under the org's lock on tokio's blocking pool. Request handlers are async
    /// tasks on the runtime's two workers, which also drive the network: a handler waiting for
    /// the lock (or doing the store work it guards) there would stall every peer's answers.
    pub(crate) async fn locked<R: Send + 'static>(
        self: &std::sync::Arc<Self>,
        f: impl FnOnce(&Org) -> store::Result<R> + Send + 'static,
    ) -> store::Result<R> {
        let org = self.clone();
        tokio::task::spawn_blocking(move || {
            let _g = org.guard();
            f(&org)
        })
        .await
        .map_err(|e| store::StoreError::Corrupt { tree: "org", detail: format!("a task under the org's lock failed: {e}") })?
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

    /// A signed copy of `job`'s announcement with `unproven` shards open: each copy has the next
    /// sequence number of this org (sled's ids grow across restarts), so receivers keep the
    /// newest copy and a replayed old one never wins.
    pub fn announcement(&self, job: &JobRecord, unproven: u32) -> Result<JobAnnouncement, String> {
        let seq = self.store.next_seq().map_err(|e| format!("cannot number the announcement: {e}"))?;
        let program_hash = proofgrid_protocol::ProgramHash(job.program_hash);
        let mut ann = JobAnnouncement {
            job: job.id,
            org: self.me,
            org_addrs: self.addrs.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            name: job.name.clone(),
            description: job.description.clone(),
            program_hash,
            shards_total: job.shards_total,
            shards_open: unproven,
            est_steps_per_shard: job.est_steps,
            est_memory_per_shard: job.est_memory,
            min_security_bits: job.min_security,
            issued_at: self.now(),
            salt: job.salt,
            seq,
            public_key: Vec::new(),
            signature: Vec::new(),
        };
        ann.sign(&self.key).map_err(|e| e.to_string())?;
        Ok(ann)
    }

    /// Announcements of every open job (those that cannot be signed are logged and left out).
    pub fn announcements(&self) -> store::Result<Vec<JobAnnouncement>> {
        Ok(self
            .open_jobs()?
            .into_iter()
            .filter_map(|(job, open)| match self.announcement(&job, open) {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::warn!(job = %job.name, error = %e, "cannot announce the job");
                    None
                }
            })
            .collect())
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
