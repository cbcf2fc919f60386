//! What the daemon is doing, as one [`Status`]: the control socket's `status` answer (what
//! `node status` shows, and a dashboard reads), also written to `<data-dir>/status.json` every
//! second so the last state of a stopped daemon can still be shown.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::governor::{Load, PauseReason};
use crate::store::ProjectStats;

pub const STATUS_FILE: &str = "status.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub pid: u32,
    pub peer_id: String,
    /// The addresses it listens on, with /p2p/<peer id>.
    #[serde(default)]
    pub listen_addrs: Vec<String>,
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
    /// Why that share, for people: which setting it comes from and when it changes.
    #[serde(default)]
    pub share_reason: String,
    /// The shard being worked on, with an estimate of how far along it is.
    #[serde(default)]
    pub current: Option<Current>,
    /// The settings in force (after `node set` and reloads).
    #[serde(default)]
    pub caps: Option<Caps>,
    /// Bootstrap and org connectivity.
    #[serde(default)]
    pub network: Network,
    /// Where the config came from, and the control socket.
    #[serde(default)]
    pub config_file: Option<String>,
    #[serde(default)]
    pub control_socket: Option<String>,
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
    /// Conditions the owner has to act on (an unreachable bootstrap, caps that refuse every
    /// job...), each with what to do. Empty when all is well.
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paused {
    pub reason: PauseReason,
    pub explain: String,
}

/// The shard in the worker now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Current {
    pub project: String,
    pub job: String,
    pub shard: u32,
    /// `executing` or `proving`.
    pub phase: String,
    /// Unix seconds the phase started.
    pub started_at: u64,
    /// Worker CPU seconds so far in this phase.
    pub cpu_secs: f64,
    /// CPU seconds this phase is expected to take, from this node's earlier shards of the job
    /// (absent for its first shard).
    pub expected_cpu_secs: Option<f64>,
    /// `cpu_secs / expected_cpu_secs`, at most 0.99: an estimate, not a measurement.
    pub progress: Option<f64>,
}

/// The owner's settings in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caps {
    pub threads: usize,
    pub cores: usize,
    pub cpu_percent: f64,
    pub busy_cpu_percent: f64,
    pub when: String,
    pub idle_cpu_percent: f64,
    pub busy_after_secs: u64,
    pub idle_after_secs: u64,
    pub hours: Option<String>,
    pub pause_on_battery: bool,
    pub max_memory: u64,
    pub max_steps: u64,
    /// Empty: every open job.
    pub projects: Vec<String>,
    /// What the resolver changed from what was asked (threads above the core count...).
    pub adjustments: Vec<String>,
}

/// Who this node can reach.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub bootstrap: Vec<Link>,
    pub orgs: Vec<Link>,
}

pub use proofgrid_daemon::links::Link;

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
