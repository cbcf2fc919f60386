//! What `status` and `results` show, computed from the store. The serving process also writes it
//! to `status.json` in the data dir whenever something changes, because sled lets only one
//! process open the database: while an org is serving, `status` and `results` read that snapshot.

use std::path::{Path, PathBuf};

use proofgrid_protocol::JobId;
use serde::{Deserialize, Serialize};

use super::encoding::args_from_bytes;
use super::lease::Phase;
use super::store::{self, ProofRecord, Store, StoredVerdict};

pub const SNAPSHOT_FILE: &str = "status.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counts {
    pub open: u32,
    pub leased: u32,
    pub executed: u32,
    pub proven: u32,
    /// Shards the program cannot run on (see `failed` in the job report).
    #[serde(default)]
    pub failed: u32,
}

/// A shard marked failed: its arguments and the VM's error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailedShard {
    pub shard: u32,
    pub args: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DonorReport {
    pub peer: String,
    pub leases: u64,
    pub proofs_verified: u64,
    pub proofs_rejected: u64,
    pub traces_accepted: u64,
    pub traces_bad: u64,
    /// Why its work was rejected, refused or given back, latest last ("shard N: ...").
    pub last_rejections: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardResult {
    pub shard: u32,
    pub args: Vec<String>,
    /// The whole proven output (it begins with the args).
    pub output: Vec<String>,
    /// The output after the args: the shard's answer.
    pub result: Vec<String>,
    pub prover: String,
    pub verified_at: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobReport {
    pub job: String,
    pub name: String,
    pub description: String,
    pub program: String,
    pub program_hash: String,
    pub shards_total: u32,
    pub counts: Counts,
    /// Proofs rejected so far (each names its check in the donor's record).
    pub rejected_proofs: u64,
    pub bad_traces: u64,
    pub pending_verification: u64,
    pub donors: Vec<DonorReport>,
    #[serde(default)]
    pub failed: Vec<FailedShard>,
    /// Shards proven per minute since the first proof.
    pub shards_per_minute: Option<f64>,
    /// Seconds left at that rate.
    pub eta_secs: Option<u64>,
    pub created_at: u64,
    pub results: Vec<ShardResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub written_at: u64,
    pub pid: u32,
    pub jobs: Vec<JobReport>,
}

pub fn job_report(store: &Store, job_id: &JobId, now: u64) -> store::Result<Option<JobReport>> {
    let Some(job) = store.job(job_id)? else { return Ok(None) };
    let mut counts = Counts { open: 0, leased: 0, executed: 0, proven: 0, failed: 0 };
    let mut shard_args = Vec::new();
    let mut failed = Vec::new();
    for (index, mut s) in store.shards(job_id)? {
        s.state.settle(now); // show expired leases as open, as the next claim will
        let args = args_from_bytes(&s.args).map(|a| proofgrid_cairo::args::to_decimal(&a)).unwrap_or_default();
        match s.state.phase {
            Phase::Open => counts.open += 1,
            Phase::Leased { .. } => counts.leased += 1,
            Phase::Executed => counts.executed += 1,
            Phase::Proven { .. } => counts.proven += 1,
            Phase::Failed { reason, .. } => {
                counts.failed += 1;
                failed.push(FailedShard { shard: index, args: args.clone(), reason });
            }
        }
        shard_args.push(args);
    }
    let mut results = Vec::new();
    for (shard, r) in store.results(job_id)? {
        let args = shard_args.get(shard as usize).cloned().unwrap_or_default();
        let result = r.output.get(args.len()..).unwrap_or(&[]).to_vec();
        results.push(ShardResult { shard, args, output: r.output, result, prover: r.prover, verified_at: r.verified_at });
    }
    let proofs = Store::per_peer::<ProofRecord>(&store.proofs, "proofs", job_id)?;
    let pending = proofs.iter().filter(|(_, _, p)| p.verdict == StoredVerdict::Pending).count() as u64;
    let donors: Vec<DonorReport> = store
        .peers(job_id)?
        .into_iter()
        .map(|(peer, p)| DonorReport {
            peer,
            leases: p.leases,
            proofs_verified: p.proofs_verified,
            proofs_rejected: p.proofs_rejected,
            traces_accepted: p.traces_accepted,
            traces_bad: p.traces_bad,
            last_rejections: p.last_rejections,
        })
        .collect();
    let (rate, eta) = rate_and_eta(&results, job.shards_total - counts.failed, now);
    Ok(Some(JobReport {
        job: job.id.to_hex(),
        name: job.name,
        description: job.description,
        program: job.program_path,
        program_hash: format!("0x{}", hex::encode(job.program_hash)),
        shards_total: job.shards_total,
        counts,
        rejected_proofs: donors.iter().map(|d| d.proofs_rejected).sum(),
        bad_traces: donors.iter().map(|d| d.traces_bad).sum(),
        pending_verification: pending,
        donors,
        failed,
        shards_per_minute: rate,
        eta_secs: eta,
        created_at: job.created_at,
        results,
    }))
}

/// Throughput since the first verified proof, and the time left at that rate.
fn rate_and_eta(results: &[ShardResult], total: u32, now: u64) -> (Option<f64>, Option<u64>) {
    let Some(first) = results.iter().map(|r| r.verified_at).min() else { return (None, None) };
    let left = total as u64 - results.len() as u64;
    if left == 0 {
        return (None, Some(0));
    }
    // Count the first proof's own duration as at least a second so a burst does not read as infinite.
    let minutes = (now.saturating_sub(first).max(1)) as f64 / 60.0;
    let rate = results.len() as f64 / minutes;
    (Some(rate), Some((left as f64 / rate * 60.0).ceil() as u64))
}

pub fn snapshot(store: &Store, now: u64) -> store::Result<Snapshot> {
    let mut jobs = Vec::new();
    for job in store.all_jobs()? {
        jobs.extend(job_report(store, &job.id, now)?);
    }
    Ok(Snapshot { written_at: now, pid: std::process::id(), jobs })
}

pub fn snapshot_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SNAPSHOT_FILE)
}

/// Writes the snapshot atomically (temp file, then rename) so a reader never sees half of it.
pub fn write_snapshot(data_dir: &Path, snap: &Snapshot) -> std::io::Result<()> {
    let tmp = data_dir.join(format!("{SNAPSHOT_FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(snap).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, snapshot_path(data_dir))
}

/// Finds a job by full or prefix hex id, or by exact name.
pub fn find<'a>(jobs: &'a [JobReport], key: &str) -> anyhow::Result<&'a JobReport> {
    let key_l = key.to_ascii_lowercase();
    let matches: Vec<&JobReport> =
        jobs.iter().filter(|j| j.name == key || (key_l.len() >= 4 && j.job.starts_with(&key_l))).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => {
            let known: Vec<String> = jobs.iter().map(|j| format!("{} ({})", j.name, &j.job[..12])).collect();
            anyhow::bail!(
                "no job named or with id {key:?} in this data dir; jobs here: {}",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )
        }
        many => anyhow::bail!(
            "{key:?} matches {} jobs ({}); use more of the job id",
            many.len(),
            many.iter().map(|j| &j.job[..12]).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Reports for every job in a data dir: from the database when no process holds it, else from
/// the serving process's snapshot. The note says which, for people.
pub fn load(data_dir: &Path) -> anyhow::Result<(Vec<JobReport>, Option<String>)> {
    if !data_dir.exists() {
        anyhow::bail!("no org data in {}; publish a job first (org-tool publish --help)", data_dir.display());
    }
    match Store::open(data_dir) {
        Ok(store) => Ok((snapshot(&store, super::now())?.jobs, None)),
        Err(store::StoreError::Locked { holder, .. }) => {
            let path = snapshot_path(data_dir);
            let text = std::fs::read(&path).map_err(|e| {
                anyhow::anyhow!("the data dir is in use by {holder} and its status file {} is unreadable: {e}", path.display())
            })?;
            let snap: Snapshot = serde_json::from_slice(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a status snapshot: {e}", path.display()))?;
            let age = super::now().saturating_sub(snap.written_at);
            Ok((snap.jobs, Some(format!("live status from the running org ({holder}), {age}s old"))))
        }
        Err(e) => Err(e.into()),
    }
}
