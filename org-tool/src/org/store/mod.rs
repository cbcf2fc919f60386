//! The org's state in sled (DESIGN.md section 8). One tree per concept; every key starts with the
//! 32-byte job id, then the shard index (4 bytes big-endian), then, where several peers can hold a
//! record for one shard, the peer id's base58 text. Values are bincode.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `jobs` | job | [`JobRecord`] |
//! | `programs` | program hash | compiled program JSON (served by `GetProgram`) |
//! | `shards` | job, shard | [`ShardRecord`]: args and lifecycle state |
//! | `leases` | job, shard, peer | [`LeaseRecord`]: every lease ever granted (a late proof needs one) |
//! | `proofs` | job, shard, peer | [`ProofRecord`]: proof bytes (or digest) and verdict |
//! | `results` | job, shard | [`ResultRecord`]: the verified output |
//! | `traces` | job, shard, peer | [`TraceRecord`]: an executor's trace and its check |
//! | `peers` | job, peer | [`PeerRecord`]: what each donor did for the job |
//! | `released` | job, shard, peer | [`ReleaseRecord`]: when and why the peer gave the shard back |
//! | `standing` | peer | [`Standing`]: the peer's verified work, strikes and refusal, over every job |
//! | `meta` | name | the store's format and index versions |
//!
//! Indexes beside the records ([`index`]), so that no claim, expiry, verdict or status walks every
//! shard: `open` and `executed` (job, shard) for the shards claimable to execute and to prove,
//! `failed` (job, shard), `deadlines` (job, deadline, shard → peer) for the leases by expiry,
//! `counts` (job → [`index::Counts`]) per phase, `peer_leases` (job, peer → leases held), `pending`
//! (job, shard, peer → proof or trace) for what awaits verification. Every change to a shard goes
//! through [`Tx::put_shard`], inside one sled transaction with the indexes and whatever else the
//! change writes (a verdict, a result, a peer record), so they never disagree, even after kill -9.
//!
//! sled holds an exclusive lock on its directory; we add `org.pid` beside it so a second process
//! can say who holds the lock.

mod group_flush;
pub mod index;
mod records;

use std::path::{Path, PathBuf};

use proofgrid_protocol::JobId;
use serde::{de::DeserializeOwned, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

pub use records::*;

const PID_FILE: &str = "org.pid";
/// The records' format, bumped when a record's layout changes (records are positional bincode).
const FORMAT: &[u8] = b"3";
const FORMAT_KEY: &[u8] = b"format";
const DB_DIR: &str = "org.sled";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the data dir {dir} is in use by {holder}; stop that process first, or use another --data-dir"
    )]
    Locked { dir: PathBuf, holder: String },
    #[error("cannot open the org database in {dir}: {source}")]
    Open { dir: PathBuf, source: sled::Error },
    #[error(
        "the data dir {dir} holds an org database in format {found}, this org-tool writes format {}: \
         finish its jobs with the org-tool that created it, or publish into a new --data-dir",
        String::from_utf8_lossy(FORMAT)
    )]
    Format { dir: PathBuf, found: String },
    #[error("database error: {0}")]
    Db(#[from] sled::Error),
    #[error("corrupt {tree} record: {detail}")]
    Corrupt { tree: &'static str, detail: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The trees, in the order [`Store::all`] holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum T {
    Jobs,
    Programs,
    Shards,
    Leases,
    Proofs,
    Results,
    Traces,
    Released,
    Peers,
    Open,
    Executed,
    Failed,
    Deadlines,
    Counts,
    PeerLeases,
    Pending,
    Meta,
    Standing,
}

const TREES: [(T, &str); 18] = [
    (T::Jobs, "jobs"),
    (T::Programs, "programs"),
    (T::Shards, "shards"),
    (T::Leases, "leases"),
    (T::Proofs, "proofs"),
    (T::Results, "results"),
    (T::Traces, "traces"),
    (T::Released, "released"),
    (T::Peers, "peers"),
    (T::Open, "idx_open"),
    (T::Executed, "idx_executed"),
    (T::Failed, "idx_failed"),
    (T::Deadlines, "idx_deadlines"),
    (T::Counts, "idx_counts"),
    (T::PeerLeases, "idx_peer_leases"),
    (T::Pending, "idx_pending"),
    (T::Meta, "meta"),
    (T::Standing, "standing"),
];

impl T {
    pub fn name(self) -> &'static str {
        TREES[self as usize].1
    }
}

/// The open database plus the pid file that names its holder.
/// sled's page cache for the org store.
const CACHE_BYTES: u64 = 64 << 20;

pub struct Store {
    db: sled::Db,
    all: Vec<sled::Tree>,
    pub jobs: sled::Tree,
    pub programs: sled::Tree,
    pub shards: sled::Tree,
    pub leases: sled::Tree,
    pub proofs: sled::Tree,
    pub results: sled::Tree,
    pub traces: sled::Tree,
    pub released: sled::Tree,
    pub peers: sled::Tree,
    pid_file: PathBuf,
    group_flush: group_flush::GroupFlush,
}

pub fn shard_key(job: &JobId, shard: u32) -> Vec<u8> {
    let mut k = job.0.to_vec();
    k.extend(shard.to_be_bytes());
    k
}

pub fn peer_key(job: &JobId, shard: u32, peer: &str) -> Vec<u8> {
    let mut k = shard_key(job, shard);
    k.extend(peer.as_bytes());
    k
}

pub fn job_peer_key(job: &JobId, peer: &str) -> Vec<u8> {
    let mut k = job.0.to_vec();
    k.extend(peer.as_bytes());
    k
}

/// Splits a `job, shard, peer` key.
pub fn split_peer_key(key: &[u8]) -> Option<(u32, String)> {
    let shard = u32::from_be_bytes(key.get(32..36)?.try_into().ok()?);
    let peer = String::from_utf8(key.get(36..)?.to_vec()).ok()?;
    Some((shard, peer))
}

/// The shard index of a `job, shard[, ...]` key.
pub fn shard_of(key: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(key.get(32..36)?.try_into().ok()?))
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).expect("records always encode")
}

pub fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| StoreError::Corrupt { tree, detail: e.to_string() })
}

/// What a transaction's body can fail with: our own errors abort it; sled's conflicts retry it.
pub type TxResult<R> = std::result::Result<R, ConflictableTransactionError<StoreError>>;

/// One transaction's view of every tree.
pub struct Tx<'a> {
    trees: &'a [TransactionalTree],
}

fn corrupt(tree: T, detail: String) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(StoreError::Corrupt { tree: tree.name(), detail })
}

impl Tx<'_> {
    fn tree(&self, t: T) -> &TransactionalTree {
        &self.trees[t as usize]
    }

    pub fn get<V: DeserializeOwned>(&self, t: T, key: &[u8]) -> TxResult<Option<V>> {
        match self.tree(t).get(key)? {
            Some(bytes) => decode(t.name(), &bytes).map(Some).map_err(ConflictableTransactionError::Abort),
            None => Ok(None),
        }
    }

    pub fn get_raw(&self, t: T, key: &[u8]) -> TxResult<Option<sled::IVec>> {
        Ok(self.tree(t).get(key)?)
    }

    pub fn put<V: Serialize>(&self, t: T, key: &[u8], value: &V) -> TxResult<()> {
        self.tree(t).insert(key, encode(value))?;
        Ok(())
    }

    pub fn put_raw(&self, t: T, key: &[u8], value: &[u8]) -> TxResult<()> {
        self.tree(t).insert(key, value)?;
        Ok(())
    }

    pub fn remove(&self, t: T, key: &[u8]) -> TxResult<()> {
        self.tree(t).remove(key)?;
        Ok(())
    }

    pub fn shard(&self, job: &JobId, shard: u32) -> TxResult<Option<ShardRecord>> {
        self.get(T::Shards, &shard_key(job, shard))
    }

    /// Applies `f` to a peer's record for a job (creating it).
    pub fn update_peer(&self, job: &JobId, peer: &str, now: u64, f: impl FnOnce(&mut PeerRecord)) -> TxResult<()> {
        let key = job_peer_key(job, peer);
        let mut record: PeerRecord = self.get(T::Peers, &key)?.unwrap_or(PeerRecord { first_seen: now, ..Default::default() });
        record.last_seen = now;
        f(&mut record);
        self.put(T::Peers, &key, &record)
    }

    /// A shard that must exist (its job's records say it does).
    pub fn existing_shard(&self, job: &JobId, shard: u32) -> TxResult<ShardRecord> {
        self.shard(job, shard)?.ok_or_else(|| corrupt(T::Shards, format!("shard {shard} of job {job} vanished")))
    }
}

impl Store {
    /// Opens (or creates) the org database in `dir`, refusing clearly if another process has it.
    /// A database written before the indexes existed gets them built once.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
        let pid_file = dir.join(PID_FILE);
        // sled's page cache defaults to 1 GiB and fills with shard records as a big job is
        // published; the org's working set (indexes, recent shards) is far smaller.
        let db = match sled::Config::new().path(dir.join(DB_DIR)).cache_capacity(CACHE_BYTES).open() {
            Ok(db) => db,
            Err(sled::Error::Io(e)) if is_lock_error(&e) => {
                return Err(StoreError::Locked { dir: dir.to_path_buf(), holder: describe_holder(&pid_file) })
            }
            Err(source) => return Err(StoreError::Open { dir: dir.to_path_buf(), source }),
        };
        let me = format!("{}\n{}\n", std::process::id(), command_line(std::process::id()).unwrap_or_default());
        std::fs::write(&pid_file, me).map_err(|source| StoreError::Io { path: pid_file.clone(), source })?;
        let all = TREES.iter().map(|(_, name)| db.open_tree(name)).collect::<std::result::Result<Vec<_>, _>>()?;
        let at = |t: T| all[t as usize].clone();
        let store = Store {
            jobs: at(T::Jobs),
            programs: at(T::Programs),
            shards: at(T::Shards),
            leases: at(T::Leases),
            proofs: at(T::Proofs),
            results: at(T::Results),
            traces: at(T::Traces),
            released: at(T::Released),
            peers: at(T::Peers),
            all,
            db,
            pid_file,
            group_flush: Default::default(),
        };
        store.check_format(dir)?;
        index::ensure(&store)?;
        Ok(store)
    }

    /// The next number of a sequence that grows across restarts (sled's id generator): what
    /// the org numbers its announcements with.
    pub fn next_seq(&self) -> Result<u64> {
        Ok(self.db.generate_id()?)
    }

    /// Records the format of a new database; refuses one written in another format (its
    /// records would not decode), saying what to do.
    fn check_format(&self, dir: &Path) -> Result<()> {
        let meta = self.tree(T::Meta);
        match meta.get(FORMAT_KEY)? {
            Some(v) if v.as_ref() == FORMAT => Ok(()),
            None if self.jobs.is_empty() => {
                meta.insert(FORMAT_KEY, FORMAT)?;
                Ok(())
            }
            found => Err(StoreError::Format {
                dir: dir.to_path_buf(),
                found: found.map_or("1".into(), |v| String::from_utf8_lossy(&v).into_owned()),
            }),
        }
    }

    pub fn tree(&self, t: T) -> &sled::Tree {
        &self.all[t as usize]
    }

    /// Runs `f` as one transaction over every tree: all its writes land together or not at all.
    /// `f` may run more than once (sled retries on a conflict), so it must only read and write
    /// through the `Tx`.
    pub fn transact<R>(&self, f: impl Fn(&Tx<'_>) -> TxResult<R>) -> Result<R> {
        use sled::Transactional;
        self.all[..]
            .transaction(|trees| f(&Tx { trees }))
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => StoreError::Db(e),
            })
    }

    /// Makes every change so far durable. Called before telling a peer about a change.
    ///
    /// A blocking flush on tokio's blocking pool, not sled's `flush_async`: concurrent
    /// `flush_async` calls lock up in sled 0.34 (spacejam/sled#1308, fixed only on its main
    /// branch), which froze the org under a hundred simultaneous claims. Callers share flushes
    /// (`group_flush`): a burst of claims costs one or two fsyncs, not one each.
    pub async fn flush(&self) -> Result<()> {
        let db = self.db.clone();
        self.group_flush
            .flush(
                move || db.flush().map(|_| ()).map_err(StoreError::Db),
                |e| StoreError::Db(sled::Error::ReportableBug(format!("flush task failed: {e}"))),
            )
            .await
    }

    pub fn flush_blocking(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// A scratch tree for one operation's bookkeeping (emptied first).
    pub fn scratch(&self, name: &str) -> Result<sled::Tree> {
        let tree = self.db.open_tree(format!("scratch-{name}"))?;
        tree.clear()?;
        Ok(tree)
    }

    pub fn drop_scratch(&self, name: &str) -> Result<()> {
        self.db.drop_tree(format!("scratch-{name}"))?;
        Ok(())
    }

    /// The database's size on disk, in bytes.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    pub fn get<V: DeserializeOwned>(tree: &sled::Tree, name: &'static str, key: &[u8]) -> Result<Option<V>> {
        tree.get(key)?.map(|v| decode(name, &v)).transpose()
    }

    pub fn put<V: Serialize>(tree: &sled::Tree, key: &[u8], value: &V) -> Result<()> {
        tree.insert(key, encode(value))?;
        Ok(())
    }

    pub fn job(&self, id: &JobId) -> Result<Option<JobRecord>> {
        Self::get(&self.jobs, "jobs", &id.0)
    }

    pub fn all_jobs(&self) -> Result<Vec<JobRecord>> {
        let mut jobs: Vec<JobRecord> =
            self.jobs.iter().values().map(|v| decode("jobs", &v?)).collect::<Result<_>>()?;
        jobs.sort_by_key(|j| j.created_at);
        Ok(jobs)
    }

    pub fn shard(&self, job: &JobId, shard: u32) -> Result<Option<ShardRecord>> {
        Self::get(&self.shards, "shards", &shard_key(job, shard))
    }

    /// Every shard of a job, in order (for audits and tests; the serving paths use the indexes).
    pub fn shards(&self, job: &JobId) -> impl Iterator<Item = Result<(u32, ShardRecord)>> + '_ {
        self.shards.scan_prefix(job.0).map(|kv| {
            let (k, v) = kv?;
            let index = shard_of(&k).ok_or(StoreError::Corrupt { tree: "shards", detail: "bad key".into() })?;
            Ok((index, decode("shards", &v)?))
        })
    }

    /// Every `job, shard, peer` record of a tree for one job.
    pub fn per_peer<V: DeserializeOwned>(tree: &sled::Tree, name: &'static str, job: &JobId) -> Result<Vec<(u32, String, V)>> {
        tree.scan_prefix(job.0)
            .map(|kv| {
                let (k, v) = kv?;
                let (shard, peer) =
                    split_peer_key(&k).ok_or(StoreError::Corrupt { tree: name, detail: "bad key".into() })?;
                Ok((shard, peer, decode(name, &v)?))
            })
            .collect()
    }

    /// A job's results, in shard order, streamed.
    pub fn results(&self, job: &JobId) -> impl Iterator<Item = Result<(u32, ResultRecord)>> + '_ {
        self.results.scan_prefix(job.0).map(|kv| {
            let (k, v) = kv?;
            let index = shard_of(&k).ok_or(StoreError::Corrupt { tree: "results", detail: "bad key".into() })?;
            Ok((index, decode("results", &v)?))
        })
    }

    pub fn peers(&self, job: &JobId) -> Result<Vec<(String, PeerRecord)>> {
        self.peers
            .scan_prefix(job.0)
            .map(|kv| {
                let (k, v) = kv?;
                Ok((String::from_utf8_lossy(&k[32..]).into_owned(), decode("peers", &v)?))
            })
            .collect()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.db.flush();
        let _ = std::fs::remove_file(&self.pid_file);
    }
}

fn is_lock_error(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("lock")
}

/// "process 1234 (org-tool publish ...)" from the pid file, checked against /proc.
fn describe_holder(pid_file: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(pid_file) else {
        return "another process (no pid file beside the database)".into();
    };
    let Some(pid) = text.lines().next().and_then(|l| l.trim().parse::<u32>().ok()) else {
        return "another process (unreadable pid file)".into();
    };
    match command_line(pid) {
        Some(cmd) if !cmd.is_empty() => format!("process {pid} ({cmd})"),
        _ => format!("process {pid}"),
    }
}

fn command_line(pid: u32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let parts: Vec<String> =
        raw.split(|b| *b == 0).filter(|p| !p.is_empty()).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
    Some(parts.join(" "))
}
