//! Answering donors: one function per work request. Every answer that tells a peer about a change
//! (a grant, an accepted submission) is given only after the change is flushed to sled, so a crash
//! right after answering loses nothing the peer was told.

use std::sync::Arc;

use proofgrid_protocol::{
    reason, Ack, Capacity, Grant, JobId, PeerId, Role, ShardIndex, Verdict, WorkRequest, WorkResponse,
};
use tracing::{debug, info, warn};

use super::lease::{NotClaimable, Settled};
use super::store::{self, peer_key, LeaseRecord, ProofRecord, ReleaseRecord, Store, StoredVerdict, TraceRecord};
use super::verifier::Task;
use super::{now, Org};

/// How long a donor should wait before asking again when nothing is claimable.
const RETRY_SECS: u32 = 15;

/// Answers one request. `None` when our own storage failed: the request is then left unanswered,
/// which the donor sees as a transient failure and retries, whereas a `Refused` would tell it to
/// give up on a submission that was fine.
pub async fn handle(org: &Arc<Org>, peer: PeerId, request: WorkRequest) -> Option<WorkResponse> {
    let name = request.name();
    let peer_s = peer.to_base58();
    let result = match request {
        WorkRequest::ListJobs => list_jobs(org),
        WorkRequest::GetProgram { hash } => match org.store.programs.get(hash.0) {
            Ok(Some(bytes)) => Ok(WorkResponse::Program { hash, bytes: bytes.to_vec() }),
            Ok(None) => Ok(refused(format!("this org has no program with hash {hash}"))),
            Err(e) => Err(e.into()),
        },
        WorkRequest::Claim { job, role, capacity } => claim(org, &peer_s, job, role, capacity).await,
        WorkRequest::SubmitProof { job, shard, proof } => {
            submit_proof(org, &peer_s, job, shard, proof).await.map(WorkResponse::Ack)
        }
        WorkRequest::SubmitTrace { job, shard, trace } => {
            submit_trace(org, &peer_s, job, shard, trace).await.map(WorkResponse::Ack)
        }
        WorkRequest::GetVerdict { job, shard } => verdict(org, &peer_s, job, shard).map(WorkResponse::Verdict),
        WorkRequest::Release { job, shard, reason } => give_back(org, &peer_s, job, shard, &reason).await,
    };
    match result {
        Ok(response) => {
            debug!(%peer, request = name, response = ?short(&response), "answered");
            Some(response)
        }
        Err(e) => {
            warn!(%peer, request = name, error = %e, "request failed on our side; leaving it unanswered so the donor retries");
            None
        }
    }
}

fn refused(why: String) -> WorkResponse {
    WorkResponse::Refused { reason: reason(why) }
}

fn short(r: &WorkResponse) -> String {
    match r {
        WorkResponse::Program { bytes, .. } => format!("Program({} bytes)", bytes.len()),
        WorkResponse::Grant(g) => format!("Grant(shard {}, {:?})", g.shard, g.role),
        other => format!("{other:?}"),
    }
}

fn list_jobs(org: &Org) -> store::Result<WorkResponse> {
    let jobs = org.open_jobs()?.into_iter().map(|(job, open)| org.announcement(&job, open)).collect();
    Ok(WorkResponse::Jobs(jobs))
}

async fn claim(org: &Arc<Org>, peer: &str, job_id: JobId, role: Role, cap: Capacity) -> store::Result<WorkResponse> {
    let Some(job) = org.store.job(&job_id)? else {
        return Ok(refused(format!("this org has no job {job_id}")));
    };
    if cap.security_bits < job.min_security {
        return Ok(refused(format!(
            "job {} needs proofs of at least {} security bits; your prover is set to {}",
            job.name, job.min_security, cap.security_bits
        )));
    }
    if cap.max_steps < job.est_steps {
        return Ok(refused(format!(
            "job {} needs about {} steps per shard; you accept at most {}",
            job.name, job.est_steps, cap.max_steps
        )));
    }
    if cap.max_memory < job.est_memory {
        return Ok(refused(format!(
            "job {} needs about {} MiB per shard to prove; you allow at most {} MiB",
            job.name,
            job.est_memory >> 20,
            cap.max_memory >> 20
        )));
    }
    let now = now();
    let granted = {
        let _g = org.guard();
        pick_and_grant(org, peer, &job, role, now)?
    };
    // Settling may have expired leases or dropped a trace even when nothing is granted.
    org.store.flush().await?;
    org.changed.notify_one();
    let response = match granted {
        Pick::Granted { shard, role, args, deadline, trace } => {
            info!(job = %job.name, shard, %peer, ?role, "leased shard");
            WorkResponse::Grant(Grant {
                job: job.id,
                shard,
                role,
                program_hash: proofgrid_protocol::ProgramHash(job.program_hash),
                args,
                lease_secs: job.lease_secs.min(u32::MAX as u64) as u32,
                lease_deadline: deadline,
                max_steps: job.max_steps,
                trace,
            })
        }
        Pick::AllProven => refused(format!("job {} is complete: every shard is proven (or cannot run)", job.name)),
        Pick::TooMany(n) => {
            debug!(%peer, leases = n, "peer holds the most leases allowed");
            WorkResponse::NoWork { retry_after_secs: RETRY_SECS }
        }
        Pick::Nothing => WorkResponse::NoWork { retry_after_secs: RETRY_SECS },
    };
    Ok(response)
}

enum Pick {
    /// `role` is the claim's, or Prove for a full donor handed a held trace.
    Granted { shard: u32, role: Role, args: Vec<u8>, deadline: u64, trace: Vec<u8> },
    AllProven,
    TooMany(usize),
    Nothing,
}

/// Settles expired leases, then leases the first shard `role` can take. Runs under the lock.
fn pick_and_grant(org: &Org, peer: &str, job: &store::JobRecord, role: Role, now: u64) -> store::Result<Pick> {
    let store = &org.store;
    let mut held = 0;
    let mut unproven = 0;
    let (mut candidate, mut fallback) = (None, None);
    for (index, mut record) in store.shards(&job.id)? {
        match record.state.settle(now) {
            Settled::Nothing => {}
            Settled::Expired { peer: p, role: r } => {
                info!(job = %job.name, shard = index, peer = %p, role = ?r, "lease expired; shard back in the pool");
                store.put_shard(&job.id, index, &record)?;
            }
            Settled::TraceAbandoned { executor } => {
                abandon_trace(store, &job.id, index, &executor, now, "no prover delivered a proof of it")?;
                store.put_shard(&job.id, index, &record)?;
            }
        }
        if record.state.is_final() {
            continue;
        }
        unproven += 1;
        if matches!(&record.state.phase, super::lease::Phase::Leased { peer: p, .. } if p == peer) {
            held += 1;
        }
        if candidate.is_none() {
            // A full donor can also prove a held trace; it gets one only when no shard is left to
            // execute, so the traces executors deliver do not wait on the prove-only donors alone.
            let as_role = if record.state.claimable(role).is_ok() {
                Some(role)
            } else if role == Role::Full && fallback.is_none() && record.state.claimable(Role::Prove).is_ok() {
                Some(Role::Prove)
            } else {
                None
            };
            // A prove task must not go back to the peer that executed it: the split is there so
            // two peers look at each shard. Nor does a shard go back to a peer whose work on it
            // was rejected, or (for a lease period) to one that gave it back: someone else gets
            // the next try.
            if let Some(as_role) = as_role {
                let own_trace = as_role == Role::Prove && record.state.trace_from.as_deref() == Some(peer);
                if !own_trace && !barred(store, job, index, peer, now)? {
                    if as_role == role {
                        candidate = Some((index, record, role));
                    } else {
                        fallback = Some((index, record, as_role));
                    }
                }
            }
        }
    }
    let candidate = candidate.or(fallback);
    if unproven == 0 {
        return Ok(Pick::AllProven);
    }
    if held >= org.max_leases_per_peer {
        return Ok(Pick::TooMany(held));
    }
    let Some((index, mut record, role)) = candidate else { return Ok(Pick::Nothing) };
    let trace = if role == Role::Prove {
        let executor = record.state.trace_from.clone().expect("claimable for prove means a trace is held");
        match store.traces.get(peer_key(&job.id, index, &executor))? {
            Some(bytes) => store::decode::<TraceRecord>("traces", &bytes)?.bytes,
            None => {
                // The trace record is gone (should not happen): give the shard back to execution.
                record.state.on_trace_bad();
                store.put_shard(&job.id, index, &record)?;
                return Ok(Pick::Nothing);
            }
        }
    } else {
        Vec::new()
    };
    let deadline = record.state.grant(peer, role, now, job.lease_secs).map_err(|e| store::StoreError::Corrupt {
        tree: "shards",
        detail: format!("claimable shard refused the grant: {e:?}"),
    })?;
    store.put_shard(&job.id, index, &record)?;
    let key = peer_key(&job.id, index, peer);
    let lease = match Store::get::<LeaseRecord>(&store.leases, "leases", &key)? {
        Some(l) => LeaseRecord { role, deadline, grants: l.grants + 1, ..l },
        None => LeaseRecord { role, first_granted: now, deadline, grants: 1 },
    };
    Store::put(&store.leases, &key, &lease)?;
    store.update_peer(&job.id, peer, now, |p| p.leases += 1)?;
    Ok(Pick::Granted { shard: index, role, args: record.args, deadline, trace })
}

/// Whether `peer` sent a proof or a trace of this shard that was rejected (for good), or gave
/// it back less than a lease period ago.
fn barred(store: &Store, job: &store::JobRecord, shard: u32, peer: &str, now: u64) -> store::Result<bool> {
    let key = peer_key(&job.id, shard, peer);
    if let Some(r) = Store::get::<ReleaseRecord>(&store.released, "released", &key)? {
        if now < r.at.saturating_add(job.lease_secs) {
            return Ok(true);
        }
    }
    let proof = Store::get::<ProofRecord>(&store.proofs, "proofs", &key)?.map(|p| p.verdict);
    let trace = Store::get::<TraceRecord>(&store.traces, "traces", &key)?.map(|t| t.verdict);
    Ok([proof, trace].iter().any(|v| matches!(v, Some(StoredVerdict::Rejected(_)))))
}

/// Drops a held trace and records its executor as having supplied one that could not be proven.
pub(crate) fn abandon_trace(store: &Store, job: &JobId, shard: u32, executor: &str, now: u64, why: &str) -> store::Result<()> {
    let key = peer_key(job, shard, executor);
    if let Some(mut t) = Store::get::<TraceRecord>(&store.traces, "traces", &key)? {
        t.verdict = StoredVerdict::Abandoned(format!("trace could not be proven: {why}"));
        t.bytes = Vec::new();
        Store::put(&store.traces, &key, &t)?;
    }
    warn!(job = %job, shard, %executor, why, "trace given up; shard back to execution; executor recorded");
    store.update_peer(job, executor, now, |p| {
        p.traces_bad += 1;
        push_reason(p, format!("shard {shard}: trace could not be proven: {why}"));
    })
}

pub(crate) fn push_reason(p: &mut store::PeerRecord, why: String) {
    p.last_rejections.push(why);
    let excess = p.last_rejections.len().saturating_sub(16);
    p.last_rejections.drain(..excess);
}

/// The checks every submission passes before anything is stored: the job and shard exist, the
/// shard still needs it, and the shard was leased to this peer for a role that submits it.
fn admit(org: &Org, peer: &str, job_id: &JobId, shard: ShardIndex, roles: &[Role]) -> store::Result<Result<String, Ack>> {
    let Some(job) = org.store.job(job_id)? else {
        return Ok(Err(Ack::Refused(reason(format!("this org has no job {job_id}")))));
    };
    let Some(record) = org.store.shard(job_id, shard)? else {
        return Ok(Err(Ack::Refused(reason(format!(
            "job {} has no shard {shard} (it has shards 0 to {})",
            job.name,
            job.shards_total.saturating_sub(1)
        )))));
    };
    if record.state.is_proven() {
        return Ok(Err(Ack::Duplicate));
    }
    let lease: Option<LeaseRecord> = Store::get(&org.store.leases, "leases", &peer_key(job_id, shard, peer))?;
    match lease {
        Some(l) if roles.contains(&l.role) => Ok(Ok(job.name)),
        Some(l) => Ok(Err(Ack::Refused(reason(format!(
            "shard {shard} of job {} was leased to you as {:?}, which does not submit this",
            job.name, l.role
        ))))),
        None => Ok(Err(Ack::Refused(reason(format!(
            "shard {shard} of job {} was never leased to you; claim it first",
            job.name
        ))))),
    }
}

async fn submit_proof(org: &Arc<Org>, peer: &str, job: JobId, shard: ShardIndex, proof: Vec<u8>) -> store::Result<Ack> {
    let name = match admit(org, peer, &job, shard, &[Role::Full, Role::Prove])? {
        Ok(name) => name,
        Err(ack) => return Ok(ack),
    };
    let key = peer_key(&job, shard, peer);
    if let Some(old) = Store::get::<ProofRecord>(&org.store.proofs, "proofs", &key)? {
        if old.bytes == proof && old.verdict != StoredVerdict::Verified {
            // The same bytes again (a retry after a lost ack): one verification is enough.
            return Ok(Ack::Duplicate);
        }
    }
    // Decoding is the garble check: what does not decode is refused here and never queued for
    // the verifier. It runs off this task since a proof is megabytes.
    let bytes = proof.clone();
    let decoded = tokio::task::spawn_blocking(move || proofgrid_prover::CairoProof::from_bytes(&bytes).map(|_| ()))
        .await
        .map_err(|e| store::StoreError::Corrupt { tree: "proofs", detail: format!("decoder task failed: {e}") })?;
    if let Err(e) = decoded {
        warn!(job = %name, shard, %peer, error = %e, "refused a garbled proof; peer recorded");
        let why = format!("garbled proof: {e}");
        // Kept as a rejected proof (without its bytes) so the shard is not leased to this peer
        // again, unless that would overwrite a proof of its still awaiting verification.
        let pending = Store::get::<ProofRecord>(&org.store.proofs, "proofs", &key)?.is_some_and(|p| p.verdict == StoredVerdict::Pending);
        if !pending {
            let record = ProofRecord { bytes: Vec::new(), received_at: now(), verdict: StoredVerdict::Rejected(why.clone()), decided_at: Some(now()) };
            Store::put(&org.store.proofs, &key, &record)?;
        }
        release(org, peer, &job, shard, &why).await?;
        return Ok(Ack::Refused(reason(why)));
    }
    {
        let _g = org.guard();
        // Re-check under the lock: a verdict may have landed while we decoded.
        if org.store.shard(&job, shard)?.is_some_and(|s| s.state.is_proven()) {
            return Ok(Ack::Duplicate);
        }
        let record = ProofRecord { bytes: proof, received_at: now(), verdict: StoredVerdict::Pending, decided_at: None };
        Store::put(&org.store.proofs, &key, &record)?;
    }
    org.store.flush().await?;
    info!(job = %name, shard, %peer, "proof received; queued for verification");
    let _ = org.verify.send(Task::Proof { job, shard, peer: peer.to_string() });
    Ok(Ack::Accepted)
}

async fn submit_trace(org: &Arc<Org>, peer: &str, job: JobId, shard: ShardIndex, trace: Vec<u8>) -> store::Result<Ack> {
    let name = match admit(org, peer, &job, shard, &[Role::Execute, Role::Full])? {
        Ok(name) => name,
        Err(ack) => return Ok(ack),
    };
    if org.store.shard(&job, shard)?.is_some_and(|s| s.state.trace_from.is_some()) {
        return Ok(Ack::Duplicate);
    }
    let key = peer_key(&job, shard, peer);
    if let Some(old) = Store::get::<TraceRecord>(&org.store.traces, "traces", &key)? {
        if old.bytes == trace && old.verdict == StoredVerdict::Pending {
            return Ok(Ack::Duplicate);
        }
    }
    let bytes = trace.clone();
    let decoded = tokio::task::spawn_blocking(move || super::encoding::execution_from_bytes(&bytes).map(|_| ()))
        .await
        .map_err(|e| store::StoreError::Corrupt { tree: "traces", detail: format!("decoder task failed: {e}") })?;
    if let Err(e) = decoded {
        warn!(job = %name, shard, %peer, error = %e, "refused a garbled trace; peer recorded");
        let why = format!("garbled trace: {e}");
        let record = TraceRecord { bytes: Vec::new(), received_at: now(), verdict: StoredVerdict::Rejected(why.clone()) };
        Store::put(&org.store.traces, &key, &record)?;
        release(org, peer, &job, shard, &why).await?;
        return Ok(Ack::Refused(reason(why)));
    }
    let record = TraceRecord { bytes: trace, received_at: now(), verdict: StoredVerdict::Pending };
    Store::put(&org.store.traces, &key, &record)?;
    org.store.flush().await?;
    info!(job = %name, shard, %peer, "trace received; queued for checking");
    let _ = org.verify.send(Task::Trace { job, shard, peer: peer.to_string() });
    Ok(Ack::Accepted)
}

/// A submission from the lease holder was refused: it will not deliver a good one on this lease
/// (a donor treats a refusal as final), so the shard goes back to the pool now rather than at
/// the lease's end, and the refusal is recorded against the peer.
async fn release(org: &Org, peer: &str, job: &JobId, shard: ShardIndex, why: &str) -> store::Result<()> {
    {
        let _g = org.guard();
        let Some(mut record) = org.store.shard(job, shard)? else { return Ok(()) };
        record.state.on_rejected(peer);
        org.store.put_shard(job, shard, &record)?;
        org.store.update_peer(job, peer, now(), |p| push_reason(p, format!("shard {shard}: {why}")))?;
    }
    org.store.flush().await?;
    org.changed.notify_one();
    Ok(())
}

/// A donor gives its lease back: the shard is claimable at once by anyone else (a prove lease
/// counts as one that ran out, towards giving up a trace nobody can prove), and the reason goes
/// in the donor's record.
async fn give_back(org: &Arc<Org>, peer: &str, job_id: JobId, shard: ShardIndex, why: &str) -> store::Result<WorkResponse> {
    let Some(job) = org.store.job(&job_id)? else {
        return Ok(refused(format!("this org has no job {job_id}")));
    };
    let now = now();
    let released = {
        let _g = org.guard();
        let Some(mut record) = org.store.shard(&job_id, shard)? else {
            return Ok(refused(format!("job {} has no shard {shard}", job.name)));
        };
        let settled = record.state.release(peer, now);
        if let Some(Settled::TraceAbandoned { executor }) = &settled {
            abandon_trace(&org.store, &job_id, shard, executor, now, "its provers gave it back or never delivered")?;
        }
        if settled.is_some() {
            org.store.put_shard(&job_id, shard, &record)?;
            let why = proofgrid_protocol::reason(why);
            Store::put(&org.store.released, &peer_key(&job_id, shard, peer), &ReleaseRecord { at: now, reason: why.clone() })?;
            org.store.update_peer(&job_id, peer, now, |p| push_reason(p, format!("shard {shard}: given back: {why}")))?;
        }
        settled.is_some()
    };
    if !released {
        return Ok(WorkResponse::Ack(Ack::Duplicate));
    }
    org.store.flush().await?;
    org.changed.notify_one();
    info!(job = %job.name, shard, %peer, reason = why, "lease given back; shard back in the pool");
    let org = org.clone();
    tokio::spawn(async move {
        if let Err(e) = check_shard_runs(&org, job_id, shard).await {
            warn!(job = %job_id, shard, error = %format!("{e:#}"), "cannot run the given-back shard here");
        }
    });
    Ok(WorkResponse::Ack(Ack::Accepted))
}

/// A donor gave a shard back: run it here (execution alone, cheap next to proving) to tell a
/// program that cannot run on these arguments from a problem of that donor's. If our own run
/// fails too, the shard is marked failed with the VM's error, since no donor could prove it;
/// otherwise it stays in the pool for the others.
async fn check_shard_runs(org: &Arc<Org>, job_id: JobId, shard: ShardIndex) -> anyhow::Result<()> {
    use anyhow::Context;
    if org.runs_here.lock().unwrap_or_else(|p| p.into_inner()).contains(&(job_id, shard)) {
        return Ok(());
    }
    let _turn = org.shard_checks.acquire().await?;
    let job = org.store.job(&job_id)?.context("the job is gone")?;
    let record = org.store.shard(&job_id, shard)?.context("the shard is gone")?;
    // A held trace already shows the program runs on these arguments.
    if record.state.is_final() || record.state.trace_from.is_some() {
        return Ok(());
    }
    let bytes = org.store.programs.get(job.program_hash)?.context("the job's program is not stored")?;
    let args = super::encoding::args_from_bytes(&record.args).map_err(anyhow::Error::msg)?;
    let limits = proofgrid_cairo::Limits { max_steps: job.max_steps as usize, ..Default::default() };
    let outcome = tokio::task::spawn_blocking(move || -> anyhow::Result<Result<(), String>> {
        let program = proofgrid_cairo::Program::from_json(&bytes, std::path::Path::new("the job's program"))?;
        Ok(match proofgrid_cairo::execute(&program, &args, &limits) {
            Ok(_) => Ok(()),
            // Our own memory cap is not the job's (it is not stored with it): not a verdict on
            // the program.
            Err(proofgrid_cairo::Error::MemoryLimit { .. }) => Ok(()),
            Err(e) => Err(e.to_string()),
        })
    })
    .await??;
    let Err(reason) = outcome else {
        debug!(job = %job.name, shard, "the given-back shard runs here; it stays in the pool");
        org.runs_here.lock().unwrap_or_else(|p| p.into_inner()).insert((job_id, shard));
        return Ok(());
    };
    let failed = {
        let _g = org.guard();
        let Some(mut record) = org.store.shard(&job_id, shard)? else { return Ok(()) };
        let failed = record.state.on_failed(&reason, now());
        if failed {
            org.store.put_shard(&job_id, shard, &record)?;
        }
        failed
    };
    if failed {
        org.store.flush().await?;
        org.changed.notify_one();
        warn!(job = %job.name, shard, reason, "the program cannot run on this shard's arguments; shard marked failed");
    }
    Ok(())
}

/// This peer's latest proof verdict for the shard, or its trace's when it sent only a trace.
fn verdict(org: &Org, peer: &str, job: JobId, shard: ShardIndex) -> store::Result<Verdict> {
    let key = peer_key(&job, shard, peer);
    let stored = match Store::get::<ProofRecord>(&org.store.proofs, "proofs", &key)? {
        Some(p) => Some(p.verdict),
        None => Store::get::<TraceRecord>(&org.store.traces, "traces", &key)?.map(|t| t.verdict),
    };
    Ok(match stored {
        None => Verdict::Unknown,
        Some(StoredVerdict::Pending) => Verdict::Pending,
        Some(StoredVerdict::Verified) => Verdict::Verified,
        Some(StoredVerdict::Rejected(why)) | Some(StoredVerdict::Abandoned(why)) => Verdict::Rejected(reason(why)),
    })
}

impl std::fmt::Display for NotClaimable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotClaimable::Proven => "already proven",
            NotClaimable::Failed => "failed: the program cannot run on its arguments",
            NotClaimable::LeasedToOther => "leased to another peer",
            NotClaimable::WrongPhase => "not in a phase this role can take",
        })
    }
}
