//! `SubmitProof` and `SubmitTrace`: admitting a submission, storing it durably before the ack,
//! and queueing it for the verifier.
//!
//! Cheapest checks first, and nothing durable for what fails them: the job, the shard and the
//! peer's lease (one submission per grant; the same bytes again are a duplicate), then a place in
//! the verification queue (the peer's line is as long as its lease allowance), then the
//! submission's header (a proof's statement and parameters against the job, a trace's bytecode
//! length and step count). Only then is it stored and acknowledged. A garbled submission, or one
//! about another statement, is a strike against the peer ([`crate::org::standing`]).

use std::sync::Arc;

use proofgrid_cairo::Execution;
use proofgrid_protocol::{reason, Ack, JobId, Role, ShardIndex, WorkResponse};
use tracing::{info, warn};

use crate::org::encoding::args_from_bytes;
use crate::org::standing;
use crate::org::store::index::{PENDING_PROOF, PENDING_TRACE};
use crate::org::store::{self, peer_key, JobRecord, LeaseRecord, ProofRecord, Store, StoredVerdict, TraceRecord, T};
use crate::org::verifier::{trace_limits, Task};
use crate::org::verify_queue::Slot;
use crate::org::Org;
use super::{charge_rejection, Submission};

/// Seconds a donor is asked to wait when the verification queue has no room for it.
const QUEUE_RETRY_MS: u32 = 30_000;

fn ack(a: Ack) -> WorkResponse {
    WorkResponse::Ack(a)
}

/// The checks every submission passes before anything else: the job and shard exist, the shard
/// still needs it, the shard was leased to this peer for a role that submits it, and this grant
/// has not had its submission yet. `same` says whether the peer's stored submission for the
/// shard is these very bytes (a retry after a lost ack).
fn admit(
    org: &Org,
    peer: &str,
    job_id: &JobId,
    shard: ShardIndex,
    roles: &[Role],
    same: impl FnOnce() -> store::Result<bool>,
) -> store::Result<Result<JobRecord, WorkResponse>> {
    let refuse = |why: String| Ok(Err(ack(Ack::Refused(reason(why)))));
    let Some(job) = org.store.job(job_id)? else {
        return refuse(format!("this org has no job {job_id}"));
    };
    let Some(record) = org.store.shard(job_id, shard)? else {
        return refuse(format!(
            "job {} has no shard {shard} (it has shards 0 to {})",
            job.name,
            job.shards_total.saturating_sub(1)
        ));
    };
    if record.state.is_proven() {
        return Ok(Err(ack(Ack::Duplicate)));
    }
    let lease: Option<LeaseRecord> = Store::get(&org.store.leases, "leases", &peer_key(job_id, shard, peer))?;
    let Some(lease) = lease else {
        return refuse(format!("shard {shard} of job {} was never leased to you; claim it first", job.name));
    };
    if !roles.contains(&lease.role) {
        return refuse(format!(
            "shard {shard} of job {} was leased to you as {:?}, which does not submit this",
            job.name, lease.role
        ));
    }
    if same()? {
        return Ok(Err(ack(Ack::Duplicate)));
    }
    if lease.submissions > 0 {
        return refuse(format!(
            "you already sent a submission on your lease of shard {shard} of job {}; claim the shard again to send another",
            job.name
        ));
    }
    Ok(Ok(job))
}

/// A place in the verification queue for `peer`, or the answer that asks it to come back.
fn queue_slot(org: &Org, peer: &str) -> store::Result<Result<Slot, WorkResponse>> {
    let allowance = standing::read(&org.store, peer)?.lease_allowance(org.policy.max_leases_per_peer);
    Ok(org.queue.reserve(peer, allowance as usize).map_err(|full| {
        info!(%peer, "no room to verify a submission now ({full}); asking the donor to retry");
        WorkResponse::RateLimited { retry_after_ms: QUEUE_RETRY_MS }
    }))
}

pub(super) async fn submit_proof(org: &Arc<Org>, peer: &str, job_id: JobId, shard: ShardIndex, proof: Vec<u8>) -> store::Result<WorkResponse> {
    let key = peer_key(&job_id, shard, peer);
    let digest = store::digest(&proof);
    let same = || -> store::Result<bool> {
        let old = Store::get::<ProofRecord>(&org.store.proofs, "proofs", &key)?;
        Ok(old.is_some_and(|o| o.digest == digest && o.verdict != StoredVerdict::Verified))
    };
    let job = match admit(org, peer, &job_id, shard, &[Role::Full, Role::Prove], same)? {
        Ok(job) => job,
        Err(answer) => return Ok(answer),
    };
    let slot = match queue_slot(org, peer)? {
        Ok(slot) => slot,
        Err(answer) => return Ok(answer),
    };
    // The header check: the statement is the job's and the shard's, the parameters are sane.
    // It reads no STARK, so a proof of anything else costs microseconds to refuse; it runs off
    // this task all the same, since the statement can be megabytes of bytecode.
    let shard_rec = org.store.shard(&job_id, shard)?.ok_or(store::StoreError::Corrupt { tree: "shards", detail: format!("shard {shard} vanished") })?;
    let args = args_from_bytes(&shard_rec.args).map_err(|detail| store::StoreError::Corrupt { tree: "shards", detail })?;
    let identity = job.program_identity();
    // The bytes go to the task and come back: a copy of a large proof per submission would be
    // memory the receive budget does not account for.
    let (header, proof) = tokio::task::spawn_blocking(move || (proofgrid_prover::check_header_for(&identity, &args, &proof), proof))
        .await
        .map_err(|e| store::StoreError::Corrupt { tree: "proofs", detail: format!("header check task failed: {e}") })?;
    if let Err(e) = header {
        warn!(job = %job.name, shard, %peer, error = %e, "refused a proof that is garbled or not of this shard; peer recorded");
        let why = format!("proof refused: {e}");
        refuse_submission(org, peer, job_id, shard, why.clone(), Some((key, digest))).await?;
        return Ok(ack(Ack::Refused(reason(why))));
    }
    let peer_s = peer.to_string();
    let stored = org
        .locked(move |org| {
            // Re-check under the lock: a verdict may have landed while we looked at the header.
            if org.store.shard(&job_id, shard)?.is_some_and(|s| s.state.is_proven()) {
                return Ok(false);
            }
            let record = ProofRecord { bytes: proof, digest, received_at: org.now(), verdict: StoredVerdict::Pending, decided_at: None };
            org.store.transact(|tx| {
                tx.put(T::Proofs, &key, &record)?;
                count_submission(tx, &key)?;
                tx.set_pending(&job_id, shard, &peer_s, PENDING_PROOF)
            })?;
            Ok(true)
        })
        .await?;
    if !stored {
        return Ok(ack(Ack::Duplicate));
    }
    org.store.flush().await?;
    info!(job = %job.name, shard, %peer, "proof received; queued for verification");
    slot.fill(Task::Proof { job: job_id, shard, peer: peer.to_string() });
    Ok(ack(Ack::Accepted))
}

pub(super) async fn submit_trace(org: &Arc<Org>, peer: &str, job_id: JobId, shard: ShardIndex, trace: Vec<u8>) -> store::Result<WorkResponse> {
    let key = peer_key(&job_id, shard, peer);
    let same = || -> store::Result<bool> {
        let old = Store::get::<TraceRecord>(&org.store.traces, "traces", &key)?;
        Ok(old.is_some_and(|o| o.bytes == trace && o.verdict == StoredVerdict::Pending))
    };
    let job = match admit(org, peer, &job_id, shard, &[Role::Execute, Role::Full], same)? {
        Ok(job) => job,
        Err(answer) => return Ok(answer),
    };
    if org.store.shard(&job_id, shard)?.is_some_and(|s| s.state.trace_from.is_some()) {
        return Ok(ack(Ack::Duplicate));
    }
    let slot = match queue_slot(org, peer)? {
        Ok(slot) => slot,
        Err(answer) => return Ok(answer),
    };
    // Decoding is the garble check, bounded by the job: a trace of another bytecode length or
    // longer than the step cap is refused before its trace is allocated.
    let limits = trace_limits(&job);
    let (decoded, trace) = tokio::task::spawn_blocking(move || (Execution::decode(&trace, &limits).map(|_| ()), trace))
        .await
        .map_err(|e| store::StoreError::Corrupt { tree: "traces", detail: format!("decoder task failed: {e}") })?;
    if let Err(e) = decoded {
        warn!(job = %job.name, shard, %peer, error = %e, "refused a garbled trace; peer recorded");
        let why = format!("garbled trace: {e}");
        refuse_submission(org, peer, job_id, shard, why.clone(), None).await?;
        return Ok(ack(Ack::Refused(reason(why))));
    }
    let record = TraceRecord { bytes: trace, received_at: org.now(), verdict: StoredVerdict::Pending };
    org.store.transact(|tx| {
        tx.put(T::Traces, &key, &record)?;
        count_submission(tx, &key)?;
        tx.set_pending(&job_id, shard, peer, PENDING_TRACE)
    })?;
    org.store.flush().await?;
    info!(job = %job.name, shard, %peer, "trace received; queued for checking");
    slot.fill(Task::Trace { job: job_id, shard, peer: peer.to_string() });
    Ok(ack(Ack::Accepted))
}

/// Counts a submission against the lease it came on.
fn count_submission(tx: &store::Tx<'_>, key: &[u8]) -> store::TxResult<()> {
    if let Some(mut lease) = tx.get::<LeaseRecord>(T::Leases, key)? {
        lease.submissions = lease.submissions.saturating_add(1);
        tx.put(T::Leases, key, &lease)?;
    }
    Ok(())
}

/// A submission from the lease holder was refused: it will not deliver a good one on this lease
/// (a donor treats a refusal as final), so the shard goes back to the pool now rather than at
/// the lease's end, the lease's one submission is spent, and the peer gets a strike; with
/// `proof_key`, a refused proof is kept as a rejected one (its digest only) so the shard is not
/// leased to this peer again, unless that would overwrite a proof of its still awaiting
/// verification. All in one transaction, and not flushed: losing it in a crash costs nothing
/// the peer was promised, and a flood of garbage does not buy an fsync per submission.
async fn refuse_submission(
    org: &Arc<Org>,
    peer: &str,
    job_id: JobId,
    shard: ShardIndex,
    why: String,
    proof_key: Option<(Vec<u8>, [u8; 32])>,
) -> store::Result<()> {
    let peer = peer.to_string();
    org.locked(move |org| {
        let (job, peer, why) = (&job_id, peer.as_str(), why.as_str());
        let now = org.now();
        let key = peer_key(job, shard, peer);
        org.store.transact(|tx| {
            if let Some((key, digest)) = &proof_key {
                let pending = tx.get::<ProofRecord>(T::Proofs, key)?.is_some_and(|p| p.verdict == StoredVerdict::Pending);
                if !pending {
                    let record = ProofRecord {
                        bytes: Vec::new(),
                        digest: *digest,
                        received_at: now,
                        verdict: StoredVerdict::Rejected(why.to_string()),
                        decided_at: Some(now),
                    };
                    tx.put(T::Proofs, key, &record)?;
                }
            } else {
                let record = TraceRecord { bytes: Vec::new(), received_at: now, verdict: StoredVerdict::Rejected(why.to_string()) };
                tx.put(T::Traces, &key, &record)?;
            }
            count_submission(tx, &key)?;
            let Some(old) = tx.shard(job, shard)? else { return Ok(()) };
            let mut new = old.clone();
            let what = if proof_key.is_some() { Submission::Proof } else { Submission::Trace };
            charge_rejection(tx, job, shard, peer, now, what, why, &mut new.state)?;
            tx.put_shard(job, shard, Some(&old), &new)
        })?;
        org.changed.notify_one();
        Ok(())
    })
    .await
}
