//! Claiming a shard: pick a chosen job that fits this node's caps and is not waiting out a
//! `NoWork`, ask its org for a lease, fetch and check the program, and record the claim.

use std::time::{Duration, Instant};

use anyhow::Context;
use proofgrid_cairo::args::to_decimal;
use proofgrid_protocol::{
    Capacity, Grant, JobAnnouncement, JobId, ProgramHash, Role, WorkRequest, WorkResponse,
};
use proofgrid_prover::ProofOptions;

use super::{jobs, Ctx};
use crate::payload::decode_args;
use crate::store::write_atomic;
use crate::supervisor::{Controlled, Exit};
use crate::worker::{Task, TaskKind};
use crate::store::{Phase, WorkItem};

/// Wait after an org could not be reached or refused a claim.
const UNREACHABLE_BACKOFF: Duration = Duration::from_secs(30);
const REFUSED_BACKOFF: Duration = Duration::from_secs(600);

/// Tries each eligible job once; true if a shard was claimed.
pub async fn claim_one(ctx: &Ctx) -> anyhow::Result<bool> {
    for ann in eligible(ctx) {
        if ctx.stopping() {
            return Ok(false);
        }
        if claim_from(ctx, &ann).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Chosen, open, within caps, not blocked and not waiting: least recently tried first is not
/// tracked, so jobs are tried in name order and `retry_at` spreads the load. Caps are checked
/// at every pass: the owner may raise them (`node set`) at any time.
fn eligible(ctx: &Ctx) -> Vec<JobAnnouncement> {
    let now = Instant::now();
    let settings = ctx.settings();
    let mut jobs = ctx.jobs.lock().expect("jobs lock");
    let mut out = Vec::new();
    let views: Vec<JobId> = jobs
        .all()
        .iter()
        .filter(|v| jobs.chosen(&v.ann, &settings.projects) && v.ann.shards_open > 0)
        .map(|v| v.ann.job)
        .collect();
    for job in views {
        let Some(view) = jobs.get_mut(&job) else { continue };
        let why_not = jobs::why_not(view, &settings);
        if why_not != view.skip_logged {
            if let Some(reason) = &why_not {
                tracing::info!(job = %view.ann.name, "skipping: {reason}");
            }
            view.skip_logged = why_not.clone();
        }
        if why_not.is_some() || view.retry_at.is_some_and(|t| t > now) {
            continue;
        }
        out.push(view.ann.clone());
    }
    out
}

fn retry_later(ctx: &Ctx, job: &JobId, after: Duration) {
    if let Some(v) = ctx.jobs.lock().expect("jobs lock").get_mut(job) {
        v.retry_at = Some(Instant::now() + after);
    }
}

fn block(ctx: &Ctx, ann: &JobAnnouncement, reason: String) {
    ctx.error(format!("not helping {} any more: {reason}", ann.name));
    if let Some(v) = ctx.jobs.lock().expect("jobs lock").get_mut(&ann.job) {
        v.blocked = Some(reason);
    }
    let _ = ctx.store.update_stats(&ann.job, &ann.name, |s| s.failed += 1);
}

async fn claim_from(ctx: &Ctx, ann: &JobAnnouncement) -> anyhow::Result<bool> {
    let s = ctx.settings();
    let capacity = Capacity {
        max_steps: s.max_steps,
        max_memory: s.max_memory,
        security_bits: ProofOptions { queries: super::queries_for(ann.min_security_bits), ..ProofOptions::DEFAULT }.security_bits() as u16,
    };
    let request = WorkRequest::Claim { job: ann.job, role: s.role, capacity };
    let answer = ctx.client.work(ann.org, request).await;
    if answer.is_ok() {
        ctx.org_reached(&ann.org);
    }
    let grant = match answer {
        Ok(WorkResponse::Grant(g)) => g,
        Ok(WorkResponse::NoWork { retry_after_secs }) => {
            tracing::debug!(job = %ann.name, retry_after_secs, "no work");
            retry_later(ctx, &ann.job, Duration::from_secs(u64::from(retry_after_secs).clamp(1, 3600)));
            return Ok(false);
        }
        Ok(WorkResponse::RateLimited { retry_after_ms }) => {
            retry_later(ctx, &ann.job, Duration::from_millis(u64::from(retry_after_ms).max(100)));
            return Ok(false);
        }
        Ok(WorkResponse::Refused { reason }) => {
            ctx.error(format!("{} refused a claim: {reason}", ann.name));
            retry_later(ctx, &ann.job, REFUSED_BACKOFF);
            return Ok(false);
        }
        Ok(other) => {
            ctx.error(format!("{} answered a claim with {other:?}", ann.name));
            retry_later(ctx, &ann.job, REFUSED_BACKOFF);
            return Ok(false);
        }
        Err(e) => {
            ctx.org_unreachable(&ann.org, &ann.name, &net_error_text(&e));
            retry_later(ctx, &ann.job, UNREACHABLE_BACKOFF);
            return Ok(false);
        }
    };
    accept_grant(ctx, ann, grant).await
}

/// Checks a grant, makes sure the program is cached (and is the announced one), and records the
/// claim. A grant this node must not run blocks the job (its lease will expire at the org).
async fn accept_grant(ctx: &Ctx, ann: &JobAnnouncement, g: Grant) -> anyhow::Result<bool> {
    let s = ctx.settings();
    // A full donor may be handed a prove task: someone else's trace, when nothing is left to execute.
    let role_ok = g.role == s.role || (s.role == Role::Full && g.role == Role::Prove);
    if g.job != ann.job || !role_ok {
        block(ctx, ann, format!("the org granted job {} as {:?} for a claim of {} as {:?}", g.job, g.role, ann.job, s.role));
        return Ok(false);
    }
    if g.program_hash != ann.program_hash {
        block(ctx, ann, format!("the grant names program {} but the job announced {}", g.program_hash, ann.program_hash));
        return Ok(false);
    }
    let args = match decode_args(&g.args) {
        Ok(a) => a,
        Err(e) => {
            block(ctx, ann, e);
            return Ok(false);
        }
    };
    if g.role != Role::Prove {
        match ensure_program(ctx, ann, &g.program_hash).await {
            Ok(()) => {}
            Err(Fetch::Unreachable(e)) => {
                tracing::info!(job = %ann.name, error = %format!("{e:#}"), "cannot fetch the program yet; will retry");
                retry_later(ctx, &ann.job, UNREACHABLE_BACKOFF);
                return Ok(false);
            }
            Err(Fetch::Bad(e)) => {
                block(ctx, ann, format!("{e:#}"));
                return Ok(false);
            }
            Err(Fetch::NeedsMemory(reason)) => {
                let cap = s.max_memory;
                let why = format!("{reason}; raise max_memory (node set max_memory 4G) to help this job");
                ctx.error(format!("not helping {} under this cap: {why}", ann.name));
                if let Some(view) = ctx.jobs.lock().expect("jobs lock").get_mut(&ann.job) {
                    view.needs_memory = Some((cap, why));
                }
                return Ok(false);
            }
        }
    }
    let lease_secs = u64::from(g.lease_secs);
    let mut item = WorkItem {
        job: ann.job,
        project: ann.name.clone(),
        org: ann.org.to_string(),
        org_addrs: ann.org_addrs.iter().map(|a| a.to_string()).collect(),
        shard: g.shard,
        role: g.role,
        program_hash: g.program_hash,
        args: to_decimal(&args),
        max_steps: g.max_steps.min(s.max_steps),
        lease_expires: crate::status::unix_now() + lease_secs,
        phase: Phase::Claimed,
        crashes: 0,
        deliveries: 0,
        next_delivery_ms: 0,
        last_error: None,
    };
    if g.role == Role::Prove {
        // The trace is the grant's payload: keep it on disk, then the shard is "executed".
        let path = super::runner::trace_file(ctx, &item);
        crate::store::write_atomic(&path, &g.trace)?;
        item.phase = Phase::Executed;
    }
    ctx.store.put_work(&item)?;
    tracing::info!(job = %ann.name, shard = g.shard, role = ?g.role, lease_secs, "claimed a shard");
    Ok(true)
}

enum Fetch {
    /// The org could not be asked: try again later.
    Unreachable(anyhow::Error),
    /// The org sent something this node must not run.
    Bad(anyhow::Error),
    /// Checking the program needs more memory than this node's cap: skip the job until the
    /// owner raises it.
    NeedsMemory(String),
}

/// Fetches the program by hash unless cached; refuses bytes that hash to anything else.
async fn ensure_program(ctx: &Ctx, ann: &JobAnnouncement, hash: &ProgramHash) -> Result<(), Fetch> {
    let bad = |e: anyhow::Error| Fetch::Bad(e);
    if ctx.store.program(hash).map_err(bad)?.is_some() {
        return Ok(());
    }
    let response = ctx
        .client
        .work(ann.org, WorkRequest::GetProgram { hash: *hash })
        .await
        .context("cannot fetch the program")
        .map_err(Fetch::Unreachable)?;
    let bytes = match response {
        WorkResponse::Program { hash: h, bytes } if h == *hash => bytes,
        WorkResponse::Program { hash: h, .. } => return Err(bad(anyhow::anyhow!("asked for program {hash} and got {h}"))),
        WorkResponse::RateLimited { .. } => return Err(Fetch::Unreachable(anyhow::anyhow!("rate-limited"))),
        other => return Err(bad(anyhow::anyhow!("the org answered GetProgram with {other:?}"))),
    };
    check_in_worker(ctx, hash, &bytes).await?;
    ctx.store.put_checked_program(hash, &bytes).map_err(bad)?;
    tracing::info!(job = %ann.name, program = %hash, bytes = bytes.len(), "program fetched and its hash checked");
    Ok(())
}

/// Longest a program check may run: parsing 16 MiB of JSON takes well under a second.
const CHECK_DEADLINE: Duration = Duration::from_secs(120);

/// Parses the program and checks its hash in a worker process under the memory cap: up to
/// 16 MiB of JSON from a peer is parsed there, never in the daemon, which has no cap and keeps
/// answering its control socket and the network meanwhile. A failure of this node's own (a
/// file it cannot write, a worker it cannot start, the node stopping) is retried later, not
/// blamed on the org; the check's files are removed on every path.
async fn check_in_worker(ctx: &Ctx, hash: &ProgramHash, bytes: &[u8]) -> Result<(), Fetch> {
    let dir = ctx.store.files_dir();
    let program = dir.join(format!("{}.fetched.json", hash.to_hex()));
    let output = dir.join(format!("{}.checked", hash.to_hex()));
    let task_path = dir.join(format!("{}.check.task.json", hash.to_hex()));
    let s = ctx.settings();
    let task = Task {
        kind: TaskKind::CheckProgram { program: program.clone() },
        program_hash: hash.to_hex(),
        max_steps: 0,
        max_memory: s.max_memory,
        threads: 1,
        output: output.clone(),
    };
    let files = [program.clone(), output.clone(), task_path.clone(), task.err_file()];
    let result = run_check(ctx, &task, (&program, &task_path), bytes, s.max_memory).await;
    for f in &files {
        let _ = std::fs::remove_file(f);
    }
    match result.map_err(Fetch::Unreachable)? {
        Exit::Success => Ok(()),
        Exit::TaskFailed(why) => Err(Fetch::Bad(anyhow::Error::msg(why))),
        Exit::NeedsMemory(why) => Err(Fetch::NeedsMemory(format!("reading its program needs more memory than max_memory allows ({why})"))),
        Exit::Crashed(why) => Err(Fetch::Bad(anyhow::anyhow!("checking its program crashed the worker: {why}"))),
    }
}

/// Writes the program and the task (off the async workers: up to 16 MiB, synced), runs the
/// check until it ends, the deadline passes or the node stops.
async fn run_check(
    ctx: &Ctx,
    task: &Task,
    (program, task_path): (&std::path::Path, &std::path::Path),
    bytes: &[u8],
    max_memory: u64,
) -> anyhow::Result<Exit> {
    let (t, program, path, payload) = (task.clone(), program.to_path_buf(), task_path.to_path_buf(), bytes.to_vec());
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let _ = std::fs::remove_file(t.err_file());
        write_atomic(&program, &payload)?;
        write_atomic(&path, &serde_json::to_vec_pretty(&t)?)
    })
    .await
    .context("writing the program check")??;
    let mut worker = Controlled::spawn_worker(&ctx.exe, task_path, max_memory, 1)?;
    let deadline = Instant::now() + CHECK_DEADLINE;
    loop {
        if let Some(exit) = worker.try_exit(Some(&task.output))? {
            return Ok(exit);
        }
        if ctx.stopping() {
            worker.kill();
            anyhow::bail!("the node is stopping");
        }
        if Instant::now() > deadline {
            worker.kill();
            return Ok(Exit::Crashed(format!("no answer within {}s", CHECK_DEADLINE.as_secs())));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A network error for people: the request's failure without the peer id (the caller names the
/// org or project).
pub fn net_error_text(e: &proofgrid_protocol::NetError) -> String {
    match e {
        proofgrid_protocol::NetError::Request { failure, .. } => failure.to_string(),
        other => other.to_string(),
    }
}
