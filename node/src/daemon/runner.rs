//! Moving a claimed shard through its phases with the worker:
//!
//! `Claimed --execute--> Executed --prove--> Submitting` (full role),
//! `Claimed --execute--> Executed --> Submitting` (execute role: the trace is the submission),
//! `Executed --prove--> Submitting` (prove role: the grant brought the trace).
//!
//! Every phase's output is a file written atomically before the phase is recorded, so after a
//! kill -9 a phase whose file exists is recorded without running it again.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use proofgrid_protocol::{Role, WorkRequest, WorkResponse};

use super::pacer::Pacer;
use super::{publish_governor, queries_for, Ctx};
use crate::status::{Current, WorkerStatus};
use crate::store::{write_atomic, Outcome, Phase, WorkItem};
use crate::supervisor::{Controlled, Exit};
use crate::worker::{Task, TaskKind};

/// A shard whose worker crashed this many times in one phase is given up.
pub const MAX_CRASHES: u32 = 3;
/// How often the duty cycle is re-decided.
const TICK: Duration = Duration::from_millis(20);

pub fn trace_file(ctx: &Ctx, item: &WorkItem) -> PathBuf {
    ctx.store.files_dir().join(format!("{}.trace", item.file_stem()))
}

pub fn proof_file(ctx: &Ctx, item: &WorkItem) -> PathBuf {
    ctx.store.files_dir().join(format!("{}.proof", item.file_stem()))
}

fn task_file(ctx: &Ctx, item: &WorkItem) -> PathBuf {
    ctx.store.files_dir().join(format!("{}.task.json", item.file_stem()))
}

/// The next item that needs this node's CPU (or only a bookkeeping step).
pub fn next_runnable(ctx: &Ctx) -> anyhow::Result<Option<WorkItem>> {
    Ok(ctx.store.unfinished()?.into_iter().find(|w| matches!(w.phase, Phase::Claimed | Phase::Executed)))
}

/// Whether advancing `item` needs no worker: its output is already on disk (a restart after the
/// worker finished) or it only has to be queued. Such steps run even while paused.
pub fn needs_no_worker(ctx: &Ctx, item: &WorkItem) -> bool {
    match (&item.phase, item.role) {
        (Phase::Claimed, _) => trace_file(ctx, item).exists(),
        (Phase::Executed, Role::Execute) => true,
        (Phase::Executed, _) => proof_file(ctx, item).exists(),
        _ => false,
    }
}

/// Runs the next phase of `item`.
pub async fn advance(ctx: &Ctx, mut item: WorkItem, pacer: &mut Pacer) -> anyhow::Result<()> {
    let trace = trace_file(ctx, &item);
    let proof = proof_file(ctx, &item);
    match (&item.phase, item.role) {
        (Phase::Claimed, Role::Prove) => {
            // A prove grant is recorded as Executed with its trace; without it nothing can go on.
            finish(ctx, &mut item, Outcome::Abandoned("the granted trace is missing".into()))?;
        }
        (Phase::Claimed, _) => {
            if !trace.exists() {
                let program = ctx.store.program_file(&item.program_hash)?;
                let kind = TaskKind::Execute { program, args: item.args.clone() };
                match run_worker(ctx, &item, kind, &trace, "executing", pacer).await? {
                    Some(Exit::Success) => {}
                    Some(exit) => return failed(ctx, item, exit),
                    None => return Ok(()),
                }
            }
            item.phase = Phase::Executed;
            item.crashes = 0;
            ctx.store.put_work(&item)?;
        }
        (Phase::Executed, Role::Execute) => {
            let bytes = std::fs::read(&trace).with_context(|| format!("cannot read {}", trace.display()))?;
            submit(ctx, &item, &bytes)?;
            let _ = std::fs::remove_file(&trace);
        }
        (Phase::Executed, _) => {
            if !proof.exists() {
                let queries = queries_for(announced_security(ctx, &item));
                let kind = TaskKind::Prove { trace: trace.clone(), args: item.args.clone(), queries };
                match run_worker(ctx, &item, kind, &proof, "proving", pacer).await? {
                    Some(Exit::Success) => {}
                    Some(exit) => return failed(ctx, item, exit),
                    None => return Ok(()),
                }
            }
            let mut bytes = std::fs::read(&proof).with_context(|| format!("cannot read {}", proof.display()))?;
            if ctx.settings().lie_about_results {
                bytes = crate::fault::claim_wrong_result(&bytes)?;
            }
            submit(ctx, &item, &bytes)?;
            let _ = std::fs::remove_file(&proof);
            let _ = std::fs::remove_file(&trace);
        }
        _ => {}
    }
    Ok(())
}

fn announced_security(ctx: &Ctx, item: &WorkItem) -> u16 {
    ctx.jobs.lock().expect("jobs lock").get(&item.job).map_or(0, |v| v.ann.min_security_bits)
}

/// Queues the proof or trace for delivery (durably, before anything is sent).
fn submit(ctx: &Ctx, item: &WorkItem, payload: &[u8]) -> anyhow::Result<()> {
    let cap = proofgrid_protocol::Limits::default().bulk;
    if payload.len() > cap {
        let mut item = item.clone();
        let what = if item.role == Role::Execute { "trace" } else { "proof" };
        let reason = format!("its {what} is {} bytes, over the protocol's {cap}-byte limit; the job's shards are too large", payload.len());
        return finish(ctx, &mut item, Outcome::Abandoned(reason));
    }
    ctx.store.enqueue(item, payload)?;
    ctx.store.update_stats(&item.job, &item.project, |s| s.produced += 1)?;
    ctx.new_outbox.notify_one();
    tracing::info!(job = %item.project, shard = item.shard, bytes = payload.len(), "queued for delivery");
    Ok(())
}

/// Gives a shard up for a local reason.
pub fn give_up(ctx: &Ctx, mut item: WorkItem, reason: String) -> anyhow::Result<()> {
    finish(ctx, &mut item, Outcome::Abandoned(reason))
}

fn finish(ctx: &Ctx, item: &mut WorkItem, outcome: Outcome) -> anyhow::Result<()> {
    if let Outcome::Abandoned(reason) = &outcome {
        ctx.error(format!("gave up shard {} of {}: {reason}", item.shard, item.project));
        ctx.store.update_stats(&item.job, &item.project, |s| s.failed += 1)?;
        if matches!(item.phase, Phase::Claimed | Phase::Executed) {
            give_lease_back(ctx, item, reason);
        }
    }
    item.phase = Phase::Done(outcome);
    ctx.store.put_work(item)
}

/// Tells the org, best effort, that this node will not deliver the shard, so it goes to someone
/// else now rather than when the lease runs out (which is what happens if this message is lost).
fn give_lease_back(ctx: &Ctx, item: &WorkItem, reason: &str) {
    let Ok(org) = item.org.parse::<proofgrid_protocol::PeerId>() else { return };
    let request = WorkRequest::Release { job: item.job, shard: item.shard, reason: proofgrid_protocol::reason(reason) };
    let (client, name, shard) = (ctx.client.clone(), item.project.clone(), item.shard);
    tokio::spawn(async move {
        match client.work(org, request).await {
            Ok(WorkResponse::Ack(_)) => tracing::info!(job = %name, shard, "lease given back to the org"),
            Ok(other) => tracing::info!(job = %name, shard, answer = ?other, "the org did not take the lease back; it will run out"),
            Err(e) => tracing::info!(job = %name, shard, error = %e, "cannot give the lease back; it will run out"),
        }
    });
}

/// A worker that did not succeed: a task failure is final; a crash is retried a few times; a
/// shard beyond the memory cap is handed back and its job skipped until the cap is raised.
fn failed(ctx: &Ctx, mut item: WorkItem, exit: Exit) -> anyhow::Result<()> {
    match exit {
        Exit::TaskFailed(reason) => finish(ctx, &mut item, Outcome::Abandoned(reason)),
        Exit::NeedsMemory(reason) => {
            let cap = ctx.settings().max_memory;
            let why = format!("{reason}; raise max_memory (node set max_memory 4G) to help this job");
            if let Some(view) = ctx.jobs.lock().expect("jobs lock").get_mut(&item.job) {
                view.needs_memory = Some((cap, why.clone()));
            }
            finish(ctx, &mut item, Outcome::Abandoned(why))
        }
        Exit::Crashed(reason) => {
            item.crashes += 1;
            item.last_error = Some(reason.clone());
            if item.crashes >= MAX_CRASHES {
                finish(ctx, &mut item, Outcome::Abandoned(format!("the worker crashed {MAX_CRASHES} times; last: {reason}")))
            } else {
                ctx.error(format!("worker for shard {} of {} crashed ({reason}); retrying", item.shard, item.project));
                ctx.store.put_work(&item)
            }
        }
        Exit::Success => Ok(()),
    }
}

/// Runs one worker under the governor until it exits; `None` if the daemon is stopping (the
/// worker is killed; the phase will run again after a restart).
async fn run_worker(
    ctx: &Ctx,
    item: &WorkItem,
    kind: TaskKind,
    output: &std::path::Path,
    doing: &str,
    pacer: &mut Pacer,
) -> anyhow::Result<Option<Exit>> {
    let s = ctx.settings();
    let proving = matches!(kind, TaskKind::Prove { .. });
    let task = Task {
        kind,
        program_hash: item.program_hash.to_hex(),
        max_steps: item.max_steps,
        max_memory: s.max_memory,
        threads: s.threads,
        output: output.to_path_buf(),
    };
    let _ = std::fs::remove_file(task.err_file());
    let task_path = task_file(ctx, item);
    write_atomic(&task_path, &serde_json::to_vec_pretty(&task)?)?;
    let mut worker = Controlled::spawn_worker(&ctx.exe, &task_path, s.max_memory, s.threads)?;
    pacer.new_worker(s.threads);
    let activity = format!("{doing} shard {} of {}", item.shard, item.project);
    tracing::info!(pid = worker.pid(), threads = s.threads, "{activity}");
    let expected = ctx.store.stats(&item.job).ok().and_then(|st| st.expected_cpu(proving));
    let started_at = crate::status::unix_now();
    let mut generation = ctx.live.generation();
    let mut shutdown = ctx.shutdown.clone();
    let mut tick = tokio::time::interval(TICK);
    let (mut cpu, mut peak) = (0.0f64, 0u64);
    let mut last_status = Instant::now() - Duration::from_secs(1);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => {}
        }
        if ctx.stopping() {
            worker.kill();
            return Ok(None);
        }
        if let Some(exit) = worker.try_exit(Some(output))? {
            ctx.store.update_stats(&item.job, &item.project, |st| {
                st.cpu_secs += cpu;
                if exit == Exit::Success {
                    if proving {
                        st.prove_cpu_secs += cpu;
                        st.proofs_timed += 1;
                    } else {
                        st.execute_cpu_secs += cpu;
                        st.executions += 1;
                    }
                }
            })?;
            ctx.set_status(|st| {
                st.cpu_secs += cpu;
                st.worker = None;
                st.current = None;
            });
            tracing::info!(?exit, cpu_secs = format!("{cpu:.1}"), "{activity}: worker finished");
            return Ok(Some(exit));
        }
        if let Some((c, rss)) = worker.usage() {
            cpu = c;
            peak = peak.max(rss);
        }
        super::follow_settings(ctx, pacer, &mut generation);
        if pacer.tick(cpu) {
            worker.resume();
        } else {
            worker.stop();
        }
        if last_status.elapsed() >= Duration::from_secs(1) {
            last_status = Instant::now();
            let decision = pacer.decision;
            publish_governor(ctx, pacer, decision);
            let stopped = worker.is_stopped();
            let pid = worker.pid();
            let current = Current {
                project: item.project.clone(),
                job: item.job.to_hex(),
                shard: item.shard,
                phase: doing.to_string(),
                started_at,
                cpu_secs: cpu,
                expected_cpu_secs: expected,
                progress: expected.filter(|e| *e > 0.0).map(|e| (cpu / e).min(0.99)),
            };
            ctx.set_status(|st| {
                if st.paused.is_none() {
                    st.state = "working".into();
                }
                st.activity = Some(activity.clone());
                st.current = Some(current);
                st.peak_memory = st.peak_memory.max(peak);
                st.worker = Some(WorkerStatus { pid, cpu_secs: cpu, memory: peak, stopped });
            });
        }
    }
}
