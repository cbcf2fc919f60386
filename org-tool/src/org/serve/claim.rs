//! `Claim`: settling expired leases and leasing the shard a claimant can take.

use std::sync::Arc;

use proofgrid_protocol::{Capacity, Grant, JobId, Role, WorkResponse};
use tracing::{debug, info};

use crate::org::lease::Settled;
use crate::org::store::{self, peer_key, LeaseRecord, ProofRecord, ReleaseRecord, Store, StoredVerdict, TraceRecord};
use crate::org::{now, Org};
use super::{abandon_trace, refused, RETRY_SECS};

pub(super) async fn claim(org: &Arc<Org>, peer: &str, job_id: JobId, role: Role, cap: Capacity) -> store::Result<WorkResponse> {
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
        if matches!(&record.state.phase, crate::org::lease::Phase::Leased { peer: p, .. } if p == peer) {
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
