//! The donor's durable state, in sled under `<data-dir>/state`:
//!
//! | tree | key | value |
//! |---|---|---|
//! | `programs` | program hash (32 bytes) | program JSON, stored only after its hash was checked |
//! | `work` | job (32) ‖ shard (u32 BE) ‖ role (1) | [`WorkItem`] as JSON: the shard's phase |
//! | `outbox` | same key | proof or trace bytes waiting for the org's ack |
//! | `stats` | job (32) | [`ProjectStats`] as JSON |
//!
//! Every change the org will hear about (a submission) is flushed before it is sent, and phase
//! changes that go with outbox changes are one transaction, so a kill -9 at any instant leaves
//! either the old phase or the new one, never a proof without its phase or the reverse.

use std::path::{Path, PathBuf};

use anyhow::Context;
use proofgrid_protocol::{JobId, ProgramHash, Role, ShardIndex};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

/// Where a claimed shard is. Files a worker wrote are named by [`WorkItem::file_stem`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Leased; nothing run yet (a prove-role grant's trace is already on disk).
    Claimed,
    /// The execution (trace file) is on disk.
    Executed,
    /// The proof or trace is in the outbox, being delivered.
    Submitting,
    /// The org acknowledged receipt of a proof; its verdict is pending.
    Acked,
    /// Finished; nothing more to do.
    Done(Outcome),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Verified,
    Rejected(String),
    /// The org already had a proof (or this trace).
    Duplicate,
    /// A trace the org accepted (execute role: a trace alone never completes a shard).
    TraceAccepted,
    /// The org refused the submission.
    Refused(String),
    /// We gave up on the shard (program failed, crashed too often, lease long gone).
    Abandoned(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    pub job: JobId,
    pub project: String,
    /// The org's peer id, base58, and its addresses (to deliver after a restart even if no one
    /// announces the job again).
    pub org: String,
    pub org_addrs: Vec<String>,
    pub shard: ShardIndex,
    pub role: Role,
    pub program_hash: ProgramHash,
    /// Decimal arguments.
    pub args: Vec<String>,
    pub max_steps: u64,
    /// Unix seconds (local clock) when the lease runs out.
    pub lease_expires: u64,
    pub phase: Phase,
    /// Worker runs that crashed for this shard and phase.
    pub crashes: u32,
    /// Delivery attempts and when the next one is due (unix ms).
    pub deliveries: u32,
    pub next_delivery_ms: u64,
    pub last_error: Option<String>,
}

impl WorkItem {
    pub fn key(&self) -> Vec<u8> {
        work_key(&self.job, self.shard, self.role)
    }

    /// Unique file name stem for this item's trace and proof files.
    pub fn file_stem(&self) -> String {
        format!("{}-{}-{}", &self.job.to_hex()[..16], self.shard, role_byte(self.role))
    }
}

fn role_byte(role: Role) -> u8 {
    match role {
        Role::Full => 0,
        Role::Execute => 1,
        Role::Prove => 2,
    }
}

pub fn work_key(job: &JobId, shard: ShardIndex, role: Role) -> Vec<u8> {
    let mut k = job.0.to_vec();
    k.extend(shard.to_be_bytes());
    k.push(role_byte(role));
    k
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectStats {
    pub name: String,
    /// Proofs (or traces) this node produced.
    pub produced: u64,
    /// Submissions the org acknowledged as new.
    pub accepted: u64,
    pub verified: u64,
    pub rejected: u64,
    /// Shards given up on.
    pub failed: u64,
    /// Worker CPU time spent on this project, seconds.
    pub cpu_secs: f64,
    /// CPU seconds of the successful runs of each phase, and how many: their means are what
    /// `node status` expects the next run to take (its progress figure).
    #[serde(default)]
    pub execute_cpu_secs: f64,
    #[serde(default)]
    pub executions: u64,
    #[serde(default)]
    pub prove_cpu_secs: f64,
    #[serde(default)]
    pub proofs_timed: u64,
}

impl ProjectStats {
    /// Mean CPU seconds of a successful run of the phase (`proving` or `executing`), if any ran.
    pub fn expected_cpu(&self, proving: bool) -> Option<f64> {
        let (secs, n) = if proving { (self.prove_cpu_secs, self.proofs_timed) } else { (self.execute_cpu_secs, self.executions) };
        (n > 0).then(|| secs / n as f64)
    }
}

pub struct Store {
    db: sled::Db,
    programs: sled::Tree,
    work: sled::Tree,
    outbox: sled::Tree,
    stats: sled::Tree,
    dir: PathBuf,
}

type TxResult<T> = Result<T, TransactionError<String>>;

fn tx_err(e: TransactionError<String>) -> anyhow::Error {
    match e {
        TransactionError::Abort(s) => anyhow::anyhow!(s),
        TransactionError::Storage(e) => anyhow::Error::new(e).context("state database error"),
    }
}

impl Store {
    /// Opens the state under `data_dir`. The caller holds the data dir's [`crate::lock::DirLock`].
    pub fn open(data_dir: &Path) -> anyhow::Result<Store> {
        let path = data_dir.join("state");
        let db = sled::open(&path).with_context(|| format!("cannot open the node state in {}", path.display()))?;
        let files = data_dir.join("work");
        std::fs::create_dir_all(&files).with_context(|| format!("cannot create {}", files.display()))?;
        Ok(Store {
            programs: db.open_tree("programs")?,
            work: db.open_tree("work")?,
            outbox: db.open_tree("outbox")?,
            stats: db.open_tree("stats")?,
            db,
            dir: files,
        })
    }

    /// The directory workers write traces and proofs to (the outbox's staging area).
    pub fn files_dir(&self) -> &Path {
        &self.dir
    }

    pub fn flush(&self) -> anyhow::Result<()> {
        self.db.flush().context("cannot flush the node state to disk")?;
        Ok(())
    }

    // --- programs ---------------------------------------------------------------------------

    /// Stores program bytes after checking they hash to `hash`; mismatching bytes are refused.
    pub fn put_program(&self, hash: &ProgramHash, bytes: &[u8]) -> anyhow::Result<()> {
        crate::payload::check_program(bytes, hash).map_err(anyhow::Error::msg)?;
        self.programs.insert(hash.0, bytes)?;
        self.flush()
    }

    /// Stores program bytes a worker already checked against `hash` (the daemon never parses a
    /// peer's program itself: see `daemon::claim`).
    pub fn put_checked_program(&self, hash: &ProgramHash, bytes: &[u8]) -> anyhow::Result<()> {
        self.programs.insert(hash.0, bytes)?;
        self.flush()
    }

    pub fn program(&self, hash: &ProgramHash) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.programs.get(hash.0)?.map(|v| v.to_vec()))
    }

    /// The program as a file the worker can load, written once per hash.
    pub fn program_file(&self, hash: &ProgramHash) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(format!("{}.program.json", hash.to_hex()));
        if !path.exists() {
            let bytes = self.program(hash)?.with_context(|| format!("program {} is not cached", hash.to_hex()))?;
            write_atomic(&path, &bytes)?;
        }
        Ok(path)
    }

    // --- work -------------------------------------------------------------------------------

    pub fn put_work(&self, item: &WorkItem) -> anyhow::Result<()> {
        self.work.insert(item.key(), serde_json::to_vec(item)?)?;
        self.flush()
    }

    pub fn work(&self, key: &[u8]) -> anyhow::Result<Option<WorkItem>> {
        self.work.get(key)?.map(|v| decode_work(&v)).transpose()
    }

    /// Every work item, in key order.
    pub fn all_work(&self) -> anyhow::Result<Vec<WorkItem>> {
        self.work.iter().values().map(|v| decode_work(&v?)).collect()
    }

    /// Items not yet finished (resumed after a restart).
    pub fn unfinished(&self) -> anyhow::Result<Vec<WorkItem>> {
        Ok(self.all_work()?.into_iter().filter(|w| !matches!(w.phase, Phase::Done(_))).collect())
    }

    /// Puts the proof or trace in the outbox and moves the item to `Submitting`, atomically,
    /// then flushes: from here on it survives anything until the org acks it.
    pub fn enqueue(&self, item: &WorkItem, payload: &[u8]) -> anyhow::Result<()> {
        let mut item = item.clone();
        item.phase = Phase::Submitting;
        item.deliveries = 0;
        item.next_delivery_ms = 0;
        let value = serde_json::to_vec(&item)?;
        let key = item.key();
        let r: TxResult<()> = (&self.work, &self.outbox).transaction(|(work, outbox)| {
            work.insert(key.as_slice(), value.as_slice())?;
            outbox.insert(key.as_slice(), payload)?;
            Ok::<_, ConflictableTransactionError<String>>(())
        });
        r.map_err(tx_err)?;
        self.flush()
    }

    pub fn outbox_payload(&self, key: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.outbox.get(key)?.map(|v| v.to_vec()))
    }

    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    /// Records the org's answer to a submission: drops the payload and sets the new phase in
    /// one transaction.
    pub fn delivered(&self, item: &WorkItem, phase: Phase) -> anyhow::Result<()> {
        let mut item = item.clone();
        item.phase = phase;
        let value = serde_json::to_vec(&item)?;
        let key = item.key();
        let r: TxResult<()> = (&self.work, &self.outbox).transaction(|(work, outbox)| {
            work.insert(key.as_slice(), value.as_slice())?;
            outbox.remove(key.as_slice())?;
            Ok::<_, ConflictableTransactionError<String>>(())
        });
        r.map_err(tx_err)?;
        self.flush()
    }

    // --- stats ------------------------------------------------------------------------------

    pub fn stats(&self, job: &JobId) -> anyhow::Result<ProjectStats> {
        Ok(match self.stats.get(job.0)? {
            Some(v) => serde_json::from_slice(&v).context("corrupt stats record")?,
            None => ProjectStats::default(),
        })
    }

    pub fn update_stats(&self, job: &JobId, name: &str, f: impl FnOnce(&mut ProjectStats)) -> anyhow::Result<()> {
        let mut s = self.stats(job)?;
        s.name = name.to_string();
        f(&mut s);
        self.stats.insert(job.0, serde_json::to_vec(&s)?)?;
        // The owner's totals are what a volunteer sees of its contribution: they survive a
        // kill -9 like the work itself (a verdict or a delivery happens seconds apart at most).
        self.flush()
    }

    pub fn all_stats(&self) -> anyhow::Result<Vec<(JobId, ProjectStats)>> {
        self.stats
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                let job = JobId(k.as_ref().try_into().context("corrupt stats key")?);
                Ok((job, serde_json::from_slice(&v).context("corrupt stats record")?))
            })
            .collect()
    }
}

fn decode_work(v: &[u8]) -> anyhow::Result<WorkItem> {
    serde_json::from_slice(v).context("corrupt work record in the node state")
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers (and a restart
/// after kill -9) see the whole file or none of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}
