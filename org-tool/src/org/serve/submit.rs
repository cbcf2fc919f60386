//! `SubmitProof` and `SubmitTrace`: admitting a submission, storing it durably before the ack,
//! and queueing it for the verifier.

use std::sync::Arc;

use proofgrid_protocol::{reason, Ack, JobId, Role, ShardIndex};
use tracing::{info, warn};

use crate::org::store::index::{PENDING_PROOF, PENDING_TRACE};
use crate::org::store::{self, peer_key, LeaseRecord, ProofRecord, Store, StoredVerdict, TraceRecord, T};
use crate::org::verifier::Task;
use crate::org::Org;
use super::push_reason;

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

pub(super) async fn submit_proof(org: &Arc<Org>, peer: &str, job: JobId, shard: ShardIndex, proof: Vec<u8>) -> store::Result<Ack> {
    let name = match admit(org, peer, &job, shard, &[Role::Full, Role::Prove])? {
        Ok(name) => name,
        Err(ack) => return Ok(ack),
    };
    let key = peer_key(&job, shard, peer);
    let digest = store::digest(&proof);
    if let Some(old) = Store::get::<ProofRecord>(&org.store.proofs, "proofs", &key)? {
        if old.digest == digest && old.verdict != StoredVerdict::Verified {
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
        reopen_after_refusal(org, peer, &job, shard, &why, Some((&key, digest))).await?;
        return Ok(Ack::Refused(reason(why)));
    }
    {
        let _g = org.guard();
        // Re-check under the lock: a verdict may have landed while we decoded.
        if org.store.shard(&job, shard)?.is_some_and(|s| s.state.is_proven()) {
            return Ok(Ack::Duplicate);
        }
        let record = ProofRecord { bytes: proof, digest, received_at: org.now(), verdict: StoredVerdict::Pending, decided_at: None };
        org.store.transact(|tx| {
            tx.put(T::Proofs, &key, &record)?;
            tx.set_pending(&job, shard, peer, PENDING_PROOF)
        })?;
    }
    org.store.flush().await?;
    info!(job = %name, shard, %peer, "proof received; queued for verification");
    let _ = org.verify.send(Task::Proof { job, shard, peer: peer.to_string() });
    Ok(Ack::Accepted)
}

pub(super) async fn submit_trace(org: &Arc<Org>, peer: &str, job: JobId, shard: ShardIndex, trace: Vec<u8>) -> store::Result<Ack> {
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
    let decoded = tokio::task::spawn_blocking(move || crate::org::encoding::execution_from_bytes(&bytes).map(|_| ()))
        .await
        .map_err(|e| store::StoreError::Corrupt { tree: "traces", detail: format!("decoder task failed: {e}") })?;
    if let Err(e) = decoded {
        warn!(job = %name, shard, %peer, error = %e, "refused a garbled trace; peer recorded");
        let why = format!("garbled trace: {e}");
        let record = TraceRecord { bytes: Vec::new(), received_at: org.now(), verdict: StoredVerdict::Rejected(why.clone()) };
        org.store.transact(|tx| tx.put(T::Traces, &key, &record))?;
        reopen_after_refusal(org, peer, &job, shard, &why, None).await?;
        return Ok(Ack::Refused(reason(why)));
    }
    let record = TraceRecord { bytes: trace, received_at: org.now(), verdict: StoredVerdict::Pending };
    org.store.transact(|tx| {
        tx.put(T::Traces, &key, &record)?;
        tx.set_pending(&job, shard, peer, PENDING_TRACE)
    })?;
    org.store.flush().await?;
    info!(job = %name, shard, %peer, "trace received; queued for checking");
    let _ = org.verify.send(Task::Trace { job, shard, peer: peer.to_string() });
    Ok(Ack::Accepted)
}

/// A submission from the lease holder was refused: it will not deliver a good one on this lease
/// (a donor treats a refusal as final), so the shard goes back to the pool now rather than at
/// the lease's end, and the refusal is recorded against the peer; with `proof_key`, a garbled
/// proof is kept as a rejected one (without its bytes) so the shard is not leased to this peer
/// again, unless that would overwrite a proof of its still awaiting verification. All in one
/// transaction.
async fn reopen_after_refusal(
    org: &Org,
    peer: &str,
    job: &JobId,
    shard: ShardIndex,
    why: &str,
    proof_key: Option<(&[u8], [u8; 32])>,
) -> store::Result<()> {
    {
        let _g = org.guard();
        let now = org.now();
        org.store.transact(|tx| {
            if let Some((key, digest)) = proof_key {
                let pending = tx.get::<ProofRecord>(T::Proofs, key)?.is_some_and(|p| p.verdict == StoredVerdict::Pending);
                if !pending {
                    let record = ProofRecord {
                        bytes: Vec::new(),
                        digest,
                        received_at: now,
                        verdict: StoredVerdict::Rejected(why.to_string()),
                        decided_at: Some(now),
                    };
                    tx.put(T::Proofs, key, &record)?;
                }
            }
            let Some(old) = tx.shard(job, shard)? else { return Ok(()) };
            let mut new = old.clone();
            new.state.on_rejected(peer);
            tx.put_shard(job, shard, Some(&old), &new)?;
            tx.update_peer(job, peer, now, |p| push_reason(p, format!("shard {shard}: {why}")))
        })?;
    }
    org.store.flush().await?;
    org.changed.notify_one();
    Ok(())
}
