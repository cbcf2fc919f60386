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
//! | `proofs` | job, shard, peer | [`ProofRecord`]: proof bytes and verdict |
//! | `results` | job, shard | [`ResultRecord`]: the verified output |
//! | `traces` | job, shard, peer | [`TraceRecord`]: an executor's trace and its check |
//! | `peers` | job, peer | [`PeerRecord`]: what each donor did for the job |
//! | `released` | job, shard, peer | [`ReleaseRecord`]: when and why the peer gave the shard back |
//!
//! sled holds an exclusive lock on its directory; we add `org.pid` beside it so a second process
//! can say who holds the lock.

use std::path::{Path, PathBuf};

use proofgrid_protocol::{JobId, Role};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::lease::ShardState;

const PID_FILE: &str = "org.pid";
const DB_DIR: &str = "org.sled";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the data dir {dir} is in use by {holder}; stop that process first, or use another --data-dir"
    )]
    Locked { dir: PathBuf, holder: String },
    #[error("cannot open the org database in {dir}: {source}")]
    Open { dir: PathBuf, source: sled::Error },
    #[error("database error: {0}")]
    Db(#[from] sled::Error),
    #[error("corrupt {tree} record: {detail}")]
    Corrupt { tree: &'static str, detail: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: JobId,
    pub name: String,
    pub description: String,
    /// The program hash felt, 32 bytes big-endian (it covers the builtin list and the bytecode).
    pub program_hash: [u8; 32],
    /// The builtins the program declares, in order: a proof must state exactly these.
    pub builtins: Vec<proofgrid_cairo::Builtin>,
    /// Where the program was published from (for people; the bytes are in `programs`).
    pub program_path: String,
    pub shards_total: u32,
    pub lease_secs: u64,
    pub max_steps: u64,
    pub min_security: u16,
    pub est_steps: u64,
    pub est_memory: u64,
    pub created_at: u64,
}

impl JobRecord {
    /// What every proof of one of this job's shards must be about, from the job alone.
    pub fn program_identity(&self) -> proofgrid_cairo::ProgramIdentity {
        proofgrid_cairo::ProgramIdentity {
            hash: proofgrid_cairo::Felt::from_bytes_be(&self.program_hash),
            builtins: self.builtins.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// Line of the shard file it came from.
    pub line: u64,
    /// Arguments, 32-byte big-endian felts concatenated (the `Grant.args` encoding).
    pub args: Vec<u8>,
    pub state: ShardState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRecord {
    pub role: Role,
    pub first_granted: u64,
    pub deadline: u64,
    pub grants: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredVerdict {
    Pending,
    Verified,
    Rejected(String),
    /// A trace that passed its checks but that no prover delivered a proof of: given up on
    /// without blaming its executor (it is not barred from the shard).
    Abandoned(String),
}

/// A lease given back (`Release`): the shard is not leased to that peer again for one lease
/// period, so someone else gets the next try while a passing problem (a crash, a busy owner)
/// does not bar the peer for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub at: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRecord {
    pub bytes: Vec<u8>,
    pub received_at: u64,
    pub verdict: StoredVerdict,
    pub decided_at: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// The proven output, felts as decimal strings (it begins with the args).
    pub output: Vec<String>,
    pub prover: String,
    pub verified_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRecord {
    pub bytes: Vec<u8>,
    pub received_at: u64,
    /// `Verified` means the trace passed its checks and is (or was) offered to provers.
    pub verdict: StoredVerdict,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRecord {
    pub first_seen: u64,
    pub last_seen: u64,
    pub leases: u64,
    pub proofs_verified: u64,
    pub proofs_rejected: u64,
    pub traces_accepted: u64,
    pub traces_bad: u64,
    /// The latest reasons this peer's work was rejected, refused or given back (bounded), each
    /// starting "shard N:", for the audit trail.
    pub last_rejections: Vec<String>,
}

/// The open database plus the pid file that names its holder.
pub struct Store {
    db: sled::Db,
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

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).expect("records always encode")
}

pub fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| StoreError::Corrupt { tree, detail: e.to_string() })
}

impl Store {
    /// Opens (or creates) the org database in `dir`, refusing clearly if another process has it.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
        let pid_file = dir.join(PID_FILE);
        let db = match sled::Config::new().path(dir.join(DB_DIR)).open() {
            Ok(db) => db,
            Err(sled::Error::Io(e)) if is_lock_error(&e) => {
                return Err(StoreError::Locked { dir: dir.to_path_buf(), holder: describe_holder(&pid_file) })
            }
            Err(source) => return Err(StoreError::Open { dir: dir.to_path_buf(), source }),
        };
        let me = format!("{}\n{}\n", std::process::id(), command_line(std::process::id()).unwrap_or_default());
        std::fs::write(&pid_file, me).map_err(|source| StoreError::Io { path: pid_file.clone(), source })?;
        let tree = |name: &str| db.open_tree(name);
        Ok(Store {
            jobs: tree("jobs")?,
            programs: tree("programs")?,
            shards: tree("shards")?,
            leases: tree("leases")?,
            proofs: tree("proofs")?,
            results: tree("results")?,
            traces: tree("traces")?,
            released: tree("released")?,
            peers: tree("peers")?,
            db,
            pid_file,
        })
    }

    /// Makes every change so far durable. Called before telling a peer about a change.
    pub async fn flush(&self) -> Result<()> {
        self.db.flush_async().await?;
        Ok(())
    }

    pub fn flush_blocking(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    pub fn get<T: DeserializeOwned>(tree: &sled::Tree, name: &'static str, key: &[u8]) -> Result<Option<T>> {
        tree.get(key)?.map(|v| decode(name, &v)).transpose()
    }

    pub fn put<T: Serialize>(tree: &sled::Tree, key: &[u8], value: &T) -> Result<()> {
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

    pub fn put_shard(&self, job: &JobId, shard: u32, record: &ShardRecord) -> Result<()> {
        Self::put(&self.shards, &shard_key(job, shard), record)
    }

    pub fn shards(&self, job: &JobId) -> Result<Vec<(u32, ShardRecord)>> {
        self.shards
            .scan_prefix(job.0)
            .map(|kv| {
                let (k, v) = kv?;
                let index = u32::from_be_bytes(k[32..36].try_into().expect("shard keys are 36 bytes"));
                Ok((index, decode("shards", &v)?))
            })
            .collect()
    }

    /// Every `job, shard, peer` record of a tree for one job.
    pub fn per_peer<T: DeserializeOwned>(tree: &sled::Tree, name: &'static str, job: &JobId) -> Result<Vec<(u32, String, T)>> {
        tree.scan_prefix(job.0)
            .map(|kv| {
                let (k, v) = kv?;
                let (shard, peer) =
                    split_peer_key(&k).ok_or(StoreError::Corrupt { tree: name, detail: "bad key".into() })?;
                Ok((shard, peer, decode(name, &v)?))
            })
            .collect()
    }

    pub fn results(&self, job: &JobId) -> Result<Vec<(u32, ResultRecord)>> {
        self.results
            .scan_prefix(job.0)
            .map(|kv| {
                let (k, v) = kv?;
                let index = u32::from_be_bytes(k[32..36].try_into().expect("result keys are 36 bytes"));
                Ok((index, decode("results", &v)?))
            })
            .collect()
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

    /// Applies `f` to a peer's record for a job (creating it).
    pub fn update_peer(&self, job: &JobId, peer: &str, now: u64, f: impl FnOnce(&mut PeerRecord)) -> Result<()> {
        let key = job_peer_key(job, peer);
        let mut record: PeerRecord = Self::get(&self.peers, "peers", &key)?.unwrap_or(PeerRecord { first_seen: now, ..Default::default() });
        record.last_seen = now;
        f(&mut record);
        Self::put(&self.peers, &key, &record)
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
