//! What `status` and `results` show, computed from the store's counts and indexes (never by
//! walking every shard). The serving process also writes it to `status.json` in the data dir (at
//! most once a second), and appends every new result to `results.jsonl`, because sled lets only
//! one process open the database: while an org is serving, `status` reads that snapshot and
//! `results` that log.

use std::path::{Path, PathBuf};

use proofgrid_protocol::JobId;
use serde::{Deserialize, Serialize};

use super::encoding::args_from_bytes;
use super::lease::Phase;
use super::store::{self, Store, T};

pub const SNAPSHOT_FILE: &str = "status.json";

pub use super::store::index::Counts;

pub const RESULTS_LOG: &str = "results.jsonl";

/// Failed shards listed in a report (the count covers them all).
pub const MAX_LISTED_FAILED: usize = 100;

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
    /// Which verified proofs are kept (all, sample:N, none).
    #[serde(default)]
    pub keep_proofs: String,
    /// Every result, when asked for (`results`); empty in `status` and the snapshot.
    #[serde(default)]
    pub results: Vec<ShardResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub written_at: u64,
    pub pid: u32,
    /// The database's size on disk.
    #[serde(default)]
    pub store_bytes: u64,
    /// The org's own failures (storage errors, retried) and its verify queue.
    #[serde(default)]
    pub health: crate::org::Health,
    pub jobs: Vec<JobReport>,
}

/// A job's report; its results (every one: O(results)) only `with_results`.
pub fn job_report(store: &Store, job_id: &JobId, now: u64, with_results: bool) -> store::Result<Option<JobReport>> {
    let Some(job) = store.job(job_id)? else { return Ok(None) };
    let counts = store.counts(job_id)?;
    let args_of = |shard: u32| -> store::Result<Vec<String>> {
        Ok(store
            .shard(job_id, shard)?
            .map(|s| args_from_bytes(&s.args).map(|a| proofgrid_cairo::args::to_decimal(&a)).unwrap_or_default())
            .unwrap_or_default())
    };
    let mut failed = Vec::new();
    for shard in store.indexed(T::Failed, job_id).take(MAX_LISTED_FAILED) {
        let shard = shard?;
        if let Some(s) = store.shard(job_id, shard)? {
            if let Phase::Failed { reason, .. } = s.state.phase {
                failed.push(FailedShard { shard, args: args_of(shard)?, reason });
            }
        }
    }
    let mut results = Vec::new();
    let mut first_verified: Option<u64> = None;
    if with_results {
        for r in store.results(job_id) {
            let (shard, r) = r?;
            results.push(shard_result(shard, args_of(shard)?, r));
        }
        first_verified = results.iter().map(|r| r.verified_at).min();
    } else if let Some(first) = store.results(job_id).next() {
        first_verified = Some(first?.1.verified_at);
    }
    let pending = store.pending()?.iter().filter(|(j, ..)| j == job_id).count() as u64;
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
    let (rate, eta) = rate_and_eta(first_verified, counts.proven, job.shards_total as u64 - counts.failed, now);
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
        keep_proofs: job.keep_proofs.to_string(),
        results,
    }))
}

fn shard_result(shard: u32, args: Vec<String>, r: super::store::ResultRecord) -> ShardResult {
    let result = r.output.get(args.len()..).unwrap_or(&[]).to_vec();
    ShardResult { shard, args, output: r.output, result, prover: r.prover, verified_at: r.verified_at }
}

/// Throughput since the first verified proof, and the time left at that rate.
fn rate_and_eta(first: Option<u64>, proven: u64, total: u64, now: u64) -> (Option<f64>, Option<u64>) {
    let Some(first) = first else { return (None, None) };
    let left = total.saturating_sub(proven);
    if left == 0 {
        return (None, Some(0));
    }
    // Count the first proof's own duration as at least a second so a burst does not read as infinite.
    let minutes = (now.saturating_sub(first).max(1)) as f64 / 60.0;
    let rate = proven as f64 / minutes;
    (Some(rate), Some((left as f64 / rate * 60.0).ceil() as u64))
}

/// Every job's report, without results (the snapshot a serving org writes).
pub fn snapshot(store: &Store, now: u64) -> store::Result<Snapshot> {
    let mut jobs = Vec::new();
    for job in store.all_jobs()? {
        jobs.extend(job_report(store, &job.id, now, false)?);
    }
    Ok(Snapshot { written_at: now, pid: std::process::id(), store_bytes: store.size_on_disk()?, health: Default::default(), jobs })
}

/// One line of `results.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoggedResult {
    pub job: String,
    pub shard: u32,
    pub args: Vec<String>,
    pub output: Vec<String>,
    pub prover: String,
    pub verified_at: u64,
}

/// Rewrites `results.jsonl` from the store (streamed: a line per result) and returns it open for
/// appending: the serving org then adds each new result as it is verified.
pub fn rewrite_results_log(store: &Store, data_dir: &Path) -> anyhow::Result<std::fs::File> {
    use std::io::Write;
    let tmp = data_dir.join(format!("{RESULTS_LOG}.tmp"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    for job in store.all_jobs()? {
        for r in store.results(&job.id) {
            let (shard, r) = r?;
            let args = store
                .shard(&job.id, shard)?
                .and_then(|s| args_from_bytes(&s.args).ok())
                .map(|a| proofgrid_cairo::args::to_decimal(&a))
                .unwrap_or_default();
            let line = LoggedResult { job: job.id.to_hex(), shard, args, output: r.output, prover: r.prover, verified_at: r.verified_at };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    let path = data_dir.join(RESULTS_LOG);
    std::fs::rename(&tmp, &path)?;
    Ok(std::fs::OpenOptions::new().append(true).open(&path)?)
}

/// Appends one new result to the log.
pub fn log_result(file: &mut std::fs::File, line: &LoggedResult) -> std::io::Result<()> {
    use std::io::Write;
    let mut bytes = serde_json::to_vec(line).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    file.write_all(&bytes)
}

/// A job's results from the log a serving org keeps (the last line per shard wins).
fn logged_results(data_dir: &Path, job: &JobReport) -> anyhow::Result<Vec<ShardResult>> {
    use std::io::BufRead;
    let path = data_dir.join(RESULTS_LOG);
    let file = std::fs::File::open(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut by_shard = std::collections::BTreeMap::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        let Ok(r) = serde_json::from_str::<LoggedResult>(&line) else { continue };
        if r.job == job.job {
            by_shard.insert(r.shard, r);
        }
    }
    Ok(by_shard
        .into_values()
        .map(|r| {
            let record = super::store::ResultRecord { output: r.output, prover: r.prover, verified_at: r.verified_at };
            shard_result(r.shard, r.args, record)
        })
        .collect())
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
/// the serving process's snapshot (and, `with_results`, its results log). The note says which,
/// for people.
pub fn load(data_dir: &Path, with_results: bool) -> anyhow::Result<(Vec<JobReport>, Option<String>)> {
    if !data_dir.exists() {
        anyhow::bail!("no org data in {}; publish a job first (org-tool publish --help)", data_dir.display());
    }
    match Store::open(data_dir) {
        Ok(store) => {
            let now = super::now();
            let mut jobs = Vec::new();
            for job in store.all_jobs()? {
                jobs.extend(job_report(&store, &job.id, now, with_results)?);
            }
            Ok((jobs, None))
        }
        Err(store::StoreError::Locked { holder, .. }) => {
            let path = snapshot_path(data_dir);
            let text = std::fs::read(&path).map_err(|e| {
                anyhow::anyhow!("the data dir is in use by {holder} and its status file {} is unreadable: {e}", path.display())
            })?;
            let mut snap: Snapshot = serde_json::from_slice(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a status snapshot: {e}", path.display()))?;
            if with_results {
                for job in &mut snap.jobs {
                    job.results = logged_results(data_dir, job)?;
                }
            }
            let age = super::now().saturating_sub(snap.written_at);
            Ok((snap.jobs, Some(format!("live status from the running org ({holder}), {age}s old"))))
        }
        Err(e) => Err(e.into()),
    }
}
