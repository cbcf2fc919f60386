//! The status file (`<data-dir>/status.json`): the daemon rewrites it every second and
//! `node status` reads it, so status needs no control socket and works while the state database
//! is locked by the daemon.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::governor::{Load, PauseReason};
use crate::store::ProjectStats;

pub const STATUS_FILE: &str = "status.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub pid: u32,
    pub peer_id: String,
    pub role: String,
    pub threads: usize,
    /// Unix seconds.
    pub started_at: u64,
    pub updated_at: u64,
    /// `starting`, `working`, `paused`, `waiting for work`, `stopped`.
    pub state: String,
    /// What it is doing, for people: "proving shard 3 of primes".
    pub activity: Option<String>,
    pub paused: Option<Paused>,
    /// Share of the worker threads' CPU it may use now (0..1).
    pub cpu_share: f64,
    pub other_cpu_percent: f64,
    pub load: Option<Load>,
    pub on_battery: Option<bool>,
    pub worker: Option<WorkerStatus>,
    /// Worker CPU seconds since this daemon started.
    pub cpu_secs: f64,
    /// Largest worker resident memory seen, bytes.
    pub peak_memory: u64,
    /// Proofs and traces waiting for their org to acknowledge them.
    pub outbox: usize,
    pub jobs_seen: usize,
    pub projects: Vec<ProjectStatus>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paused {
    pub reason: PauseReason,
    pub explain: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerStatus {
    pub pid: u32,
    pub cpu_secs: f64,
    pub memory: u64,
    pub stopped: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectStatus {
    pub job: String,
    // Nested, not flattened: serde's flatten cannot carry floats when serde_json's
    // arbitrary_precision is on (cairo-vm turns it on).
    pub stats: ProjectStats,
    /// Why this node does not take shards of it, if it does not.
    pub skipped: Option<String>,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(STATUS_FILE)
}

/// Replaces the file by rename (readers never see half of it), without fsync: it is rewritten
/// every second and losing the last one to a power cut costs nothing, while a sync a second
/// would keep a laptop's disk awake.
pub fn write(data_dir: &Path, status: &Status) -> anyhow::Result<()> {
    let target = path(data_dir);
    let tmp = target.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(status)?)?;
    std::fs::rename(&tmp, &target)?;
    Ok(())
}

pub fn read(data_dir: &Path) -> anyhow::Result<Option<Status>> {
    match std::fs::read(path(data_dir)) {
        Ok(b) => Ok(Some(serde_json::from_slice(&b)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
