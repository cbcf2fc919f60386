//! The verification pool: proofs and traces are checked on blocking threads (at most `threads`
//! at a time), never on the task that answers donors, taken from the fair queue
//! ([`super::verify_queue`]) one peer at a time, and each verdict is recorded and flushed with
//! its effect on the peer's standing. On start, every submission still `Pending` in the store is
//! queued again: a crash between the ack and the verdict loses nothing. A verdict that cannot be
//! written is retried (and counted in the org's health) rather than left pending until a restart.

use std::sync::Arc;
use std::time::Duration;

use proofgrid_cairo::{args, DecodeLimits, Execution, Felt, ProgramIdentity, Statement};
use proofgrid_prover::{public, trace, verify_bytes_for};
use proofgrid_protocol::JobId;
use tokio::sync::Semaphore;
use tracing::{info, warn};

use super::encoding::args_from_bytes;
use super::serve::{charge_rejection, Submission};
use super::standing;
use super::store::{self, peer_key, JobRecord, ProofRecord, ResultRecord, Store, StoredVerdict, TraceRecord, T};
use super::Org;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    Proof { job: JobId, shard: u32, peer: String },
    Trace { job: JobId, shard: u32, peer: String },
}

impl Task {
    /// The peer that submitted it.
    pub fn peer(&self) -> &str {
        match self {
            Task::Proof { peer, .. } | Task::Trace { peer, .. } => peer,
        }
    }
}

/// How long a verdict that could not be written waits before it is tried again.
const RETRY_AFTER_STORAGE_ERROR: Duration = Duration::from_secs(5);

/// Runs forever, taking tasks from the org's queue. Each check runs in `spawn_blocking`.
pub async fn run(org: Arc<Org>, threads: usize) {
    let permits = Arc::new(Semaphore::new(threads.max(1)));
    loop {
        let task = org.queue.pop().await;
        let Ok(permit) = permits.clone().acquire_owned().await else { break };
        let org = org.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match check(&org, &task) {
                Ok(()) => org.changed.notify_one(),
                Err(e) => {
                    // Still Pending in the store: queue it again after a pause.
                    org.storage_error("could not record a verdict; retrying", &e);
                    let org = org.clone();
                    tokio::runtime::Handle::current().spawn(async move {
                        tokio::time::sleep(RETRY_AFTER_STORAGE_ERROR).await;
                        org.queue.push_admitted(task);
                    });
                }
            }
        });
    }
}

/// Checks one submission and records its verdict durably (flushed); the pool runs this on a
/// blocking thread.
pub fn check(org: &Org, task: &Task) -> store::Result<()> {
    match task {
        Task::Proof { job, shard, peer } => check_proof(org, job, *shard, peer),
        Task::Trace { job, shard, peer } => check_trace(org, job, *shard, peer),
    }?;
    org.store.flush_blocking()
}

/// Queues every submission that has no verdict yet (read off the pending index).
pub fn requeue_pending(org: &Org) -> store::Result<usize> {
    let pending = org.store.pending()?;
    for (job, shard, peer, is_proof) in &pending {
        let (job, shard, peer) = (*job, *shard, peer.clone());
        org.queue.push_admitted(if *is_proof { Task::Proof { job, shard, peer } } else { Task::Trace { job, shard, peer } });
    }
    Ok(pending.len())
}

/// The job's program identity and the shard's arguments: what a proof must be about.
fn statement_for(store: &Store, job: &JobId, shard: u32) -> store::Result<(JobRecord, ProgramIdentity, Vec<Felt>)> {
    let corrupt = |detail: String| store::StoreError::Corrupt { tree: "shards", detail };
    let record = store.job(job)?.ok_or_else(|| corrupt(format!("job {job} vanished")))?;
    let shard_rec = store.shard(job, shard)?.ok_or_else(|| corrupt(format!("shard {shard} vanished")))?;
    let args = args_from_bytes(&shard_rec.args).map_err(corrupt)?;
    Ok((record.clone(), record.program_identity(), args))
}

/// Verifies one stored proof and records the verdict, with everything it changes (the proof's
/// record, the shard, its result, the donor's record, the pending index) in one transaction.
fn check_proof(org: &Org, job: &JobId, shard: u32, peer: &str) -> store::Result<()> {
    let key = peer_key(job, shard, peer);
    let Some(record) = Store::get::<ProofRecord>(&org.store.proofs, "proofs", &key)? else { return Ok(()) };
    if record.verdict != StoredVerdict::Pending {
        return Ok(());
    }
    let (job_rec, program, args) = statement_for(&org.store, job, shard)?;
    let started = std::time::Instant::now();
    let outcome = verify_bytes(&record.bytes, &program, &args, job_rec.min_security as u32);
    let elapsed = started.elapsed();
    let now = org.now();
    let _g = org.guard();
    let decided = org.store.transact(|tx| {
        // Still pending: the same proof is never decided twice.
        let Some(current) = tx.get::<ProofRecord>(T::Proofs, &key)?.filter(|r| r.verdict == StoredVerdict::Pending) else {
            return Ok(None);
        };
        let old = tx.existing_shard(job, shard)?;
        let mut new = old.clone();
        let (verdict, proven) = match &outcome {
            Ok(output) => {
                let proven = new.state.on_verified(peer, now);
                if proven {
                    let result = ResultRecord { output: args::to_decimal(output), prover: peer.to_string(), verified_at: now };
                    tx.put(T::Results, &store::shard_key(job, shard), &result)?;
                }
                tx.update_peer(job, peer, now, |p| p.proofs_verified += 1)?;
                standing::update(tx, peer, now, |s| s.verified += 1)?;
                (StoredVerdict::Verified, proven)
            }
            Err(why) => {
                charge_rejection(tx, job, shard, peer, now, Submission::Proof, &format!("proof rejected: {why}"), &mut new.state)?;
                (StoredVerdict::Rejected(why.clone()), false)
            }
        };
        tx.put_shard(job, shard, Some(&old), &new)?;
        // A rejected proof keeps only its digest; a verified one what the job's policy says.
        let keep = verdict == StoredVerdict::Verified && job_rec.keep_proofs.keeps(shard);
        let bytes = if keep { current.bytes } else { Vec::new() };
        tx.put(T::Proofs, &key, &ProofRecord { bytes, verdict: verdict.clone(), decided_at: Some(now), ..current })?;
        tx.clear_pending(job, shard, peer)?;
        Ok(Some((verdict, proven)))
    })?;
    if let (Some((StoredVerdict::Verified, true)), Ok(output)) = (&decided, &outcome) {
        let line = super::report::LoggedResult {
            job: job.to_hex(),
            shard,
            args: args::to_decimal(&args),
            output: args::to_decimal(output),
            prover: peer.to_string(),
            verified_at: now,
        };
        if let Some(file) = org.results_log.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            if let Err(e) = super::report::log_result(file, &line) {
                warn!(error = %e, "cannot append to the results log (the store has the result)");
            }
        }
    }
    match decided {
        Some((StoredVerdict::Verified, true)) => info!(job = %job_rec.name, shard, %peer, ?elapsed, "proof VERIFIED"),
        Some((StoredVerdict::Verified, false)) => info!(job = %job_rec.name, shard, %peer, "proof verified (shard was already proven)"),
        Some((StoredVerdict::Rejected(why), _)) => warn!(job = %job_rec.name, shard, %peer, check = %why, "proof REJECTED; peer recorded"),
        _ => {}
    }
    Ok(())
}

/// Decodes and verifies proof bytes for a statement, cheapest checks first; the error names the
/// failed check.
pub fn verify_bytes(bytes: &[u8], program: &ProgramIdentity, args: &[Felt], min_security: u32) -> Result<Vec<Felt>, String> {
    verify_bytes_for(program, args, bytes, min_security).map_err(|e| e.to_string())
}

/// What a trace of this job may be: the job's bytecode length and step cap, checked before the
/// trace is decoded in full.
pub fn trace_limits(job: &JobRecord) -> DecodeLimits {
    DecodeLimits {
        max_bytes: proofgrid_protocol::Limits::default().bulk,
        max_steps: job.max_steps,
        bytecode_len: Some(job.bytecode_len as usize),
    }
}

/// The most memory (as `cost::address_space_for` counts it) the org spends checking one trace:
/// four times the job's estimate per shard (taken from the dry run), at least the smallest cap.
pub fn trace_check_budget(job: &JobRecord) -> u64 {
    job.est_memory.saturating_mul(4).max(proofgrid_prover::cost::MIN_ADDRESS_SPACE)
}

/// Checks a trace as far as possible without proving it: it decodes, it is a run of the job's
/// program on the shard's args within the step cap, its output echoes the args, its statement is
/// one the prover accepts, and its memory and range checks build a trace table.
fn check_trace(org: &Org, job: &JobId, shard: u32, peer: &str) -> store::Result<()> {
    let key = peer_key(job, shard, peer);
    let Some(record) = Store::get::<TraceRecord>(&org.store.traces, "traces", &key)? else { return Ok(()) };
    if record.verdict != StoredVerdict::Pending {
        return Ok(());
    }
    let (job_rec, program, args) = statement_for(&org.store, job, shard)?;
    let outcome = (|| -> Result<(), String> {
        let exec = Execution::decode(&record.bytes, &trace_limits(&job_rec))?;
        check_trace_identity(&exec, &program)?;
        if exec.args != args {
            return Err("the trace is of other arguments than the shard's".into());
        }
        if exec.steps as u64 > job_rec.max_steps {
            return Err(format!("the trace has {} steps, over the job's cap of {}", exec.steps, job_rec.max_steps));
        }
        let statement = Statement::from_execution(&exec);
        statement.check_args_echo().map_err(|e| e.to_string())?;
        // Building the trace tables costs memory in proportion to what the trace claims (a
        // builtin segment's length, not the bytes sent): bounded by the job's own estimate.
        let need = proofgrid_prover::cost::address_space_for(&exec, 1);
        let allowed = trace_check_budget(&job_rec);
        if need > allowed {
            return Err(format!(
                "checking it would need about {} MiB (an estimate), over {} MiB, four times the job's estimate per shard",
                need >> 20,
                allowed >> 20
            ));
        }
        let public = public::public_memory(&statement).map_err(|e| e.to_string())?;
        let options = proofgrid_prover::ProofOptions::DEFAULT;
        trace::build(&exec, &statement, &public, &options, trace::Checks::Honest).map_err(|e| e.to_string())?;
        Ok(())
    })();
    let now = org.now();
    let _g = org.guard();
    let decided = org.store.transact(|tx| {
        let Some(current) = tx.get::<TraceRecord>(T::Traces, &key)?.filter(|r| r.verdict == StoredVerdict::Pending) else {
            return Ok(None);
        };
        let old = tx.existing_shard(job, shard)?;
        let mut new = old.clone();
        let (verdict, offered) = match &outcome {
            Ok(()) => {
                let offered = new.state.on_trace_checked(peer);
                tx.update_peer(job, peer, now, |p| p.traces_accepted += 1)?;
                // A trace that passes is real work on the job's program: it earns trust as a
                // verified proof does (execute-only donors never send proofs).
                standing::update(tx, peer, now, |s| s.verified += 1)?;
                (StoredVerdict::Verified, offered)
            }
            Err(why) => {
                charge_rejection(tx, job, shard, peer, now, Submission::Trace, &format!("bad trace: {why}"), &mut new.state)?;
                (StoredVerdict::Rejected(why.clone()), false)
            }
        };
        tx.put_shard(job, shard, Some(&old), &new)?;
        // A rejected trace's bytes are dropped (its verdict says why); an accepted one's are
        // needed by provers.
        let bytes = if verdict == StoredVerdict::Verified { current.bytes } else { Vec::new() };
        tx.put(T::Traces, &key, &TraceRecord { bytes, verdict: verdict.clone(), ..current })?;
        tx.clear_pending(job, shard, peer)?;
        Ok(Some((verdict, offered)))
    })?;
    match decided {
        Some((StoredVerdict::Verified, true)) => info!(job = %job_rec.name, shard, %peer, "trace accepted; shard offered as a prove task"),
        Some((StoredVerdict::Rejected(why), _)) => warn!(job = %job_rec.name, shard, %peer, check = %why, "trace REJECTED; executor recorded"),
        _ => {}
    }
    Ok(())
}

/// A trace must be of the job's program: its builtin list (names and order, in both places an
/// execution carries it) and its hash, recomputed from its own bytecode, are the job's.
pub fn check_trace_identity(exec: &Execution, program: &ProgramIdentity) -> Result<(), String> {
    let stated: Vec<_> = exec.segments.builtins.iter().map(|(b, _)| *b).collect();
    if stated != program.builtins || exec.builtins != program.builtins {
        return Err("the trace states other builtins than the job's program declares".into());
    }
    let statement = Statement::from_execution(exec);
    if statement.program_hash != program.hash || !statement.check_program_hash() {
        return Err("the trace is of another program".into());
    }
    Ok(())
}
