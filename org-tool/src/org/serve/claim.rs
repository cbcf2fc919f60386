//! `Claim`: settling expired leases and leasing the shard a claimant can take.

use std::sync::Arc;

use proofgrid_protocol::{Capacity, Grant, JobId, Role, WorkResponse};
use tracing::{debug, info, warn};

use crate::org::lease::Settled;
use crate::org::standing;
use crate::org::store::{self, peer_key, LeaseRecord, ProofRecord, ReleaseRecord, Store, StoredVerdict, TraceRecord, T};
use crate::org::Org;
use super::{abandon_trace, refused, IpPrefix, RETRY_SECS};

pub(super) async fn claim(
    org: &Arc<Org>,
    peer: &str,
    prefix: Option<IpPrefix>,
    job_id: JobId,
    role: Role,
    cap: Capacity,
) -> store::Result<WorkResponse> {
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
    let now = org.now();
    let peer_s = peer.to_string();
    let (granted, settled, job) = org
        .locked(move |org| {
            let settled = settle_expired(&org.store, &job, now, SETTLE_PER_CLAIM)?;
            Ok((pick_and_grant(org, &peer_s, prefix, &job, role, now)?, settled, job))
        })
        .await?;
    // A grant is flushed before the donor hears of it; a claim that changed nothing costs
    // nothing durable (settled expiries are flushed too, though losing them would be harmless).
    if matches!(granted, Pick::Granted { .. }) || settled > 0 {
        org.store.flush().await?;
        org.changed.notify_one();
    }
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
        Pick::PrefixFull(n) => {
            debug!(%peer, leases = n, "the unproven peers of this peer's network hold the most leases allowed");
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
    /// The peer holds as many leases as its standing allows.
    TooMany(u64),
    /// The peer is unproven and the unproven peers of its IP prefix hold this many leases.
    PrefixFull(u64),
    Nothing,
}

/// How many expired leases one claim settles, and how many indexed shards it looks at before
/// giving up: both bound a claim's work whatever the job's size (a backlog of expiries is
/// settled by later claims and by the periodic settling in `peer`).
const SETTLE_PER_CLAIM: usize = 64;
const SCAN_PER_CLAIM: usize = 256;

/// Settles up to a bounded number of `job`'s expired leases, each in its own transaction.
pub(crate) fn settle_expired(store: &Store, job: &store::JobRecord, now: u64, limit: usize) -> store::Result<usize> {
    let expired = store.expired(&job.id, now, limit)?;
    for &shard in &expired {
        let settled = store.transact(|tx| {
            let old = tx.existing_shard(&job.id, shard)?;
            let mut new = old.clone();
            let settled = new.state.settle(now);
            match &settled {
                Settled::TraceAbandoned { executor } => {
                    abandon_trace(tx, &job.id, shard, executor, now, "no prover delivered a proof of it")?;
                }
                // A lease let run out counts against the peer's standing.
                Settled::Expired { peer, .. } => standing::update(tx, peer, now, |s| s.expired += 1)?,
                Settled::Nothing => {}
            }
            if settled != Settled::Nothing {
                tx.put_shard(&job.id, shard, Some(&old), &new)?;
            }
            Ok(settled)
        })?;
        match settled {
            Settled::Expired { peer, role } => {
                info!(job = %job.name, shard, %peer, ?role, "lease expired; shard back in the pool");
            }
            Settled::TraceAbandoned { executor } => {
                warn!(job = %job.name, shard, %executor, "trace given up: no prover delivered a proof of it; shard back to execution");
            }
            Settled::Nothing => {}
        }
    }
    Ok(expired.len())
}

/// Leases the first shard `role` can take: the first open shard (for full and execute claims) or
/// the first held trace (for prove claims, and for a full claim when nothing is left to execute)
/// that this peer is not barred from, within the leases its standing allows. Runs under the
/// lock; every step is a bounded number of index reads.
fn pick_and_grant(org: &Org, peer: &str, prefix: Option<IpPrefix>, job: &store::JobRecord, role: Role, now: u64) -> store::Result<Pick> {
    let store = &org.store;
    if store.counts(&job.id)?.unfinished() == 0 {
        return Ok(Pick::AllProven);
    }
    let standing = standing::read(store, peer)?;
    let held = store.peer_leases(&job.id, peer)?;
    if held >= standing.lease_allowance(org.policy.max_leases_per_peer) {
        return Ok(Pick::TooMany(held));
    }
    let unproven_prefix = prefix.filter(|_| !standing.proven());
    if let Some(prefix) = unproven_prefix {
        let shared = prefix_leases(org, &job.id, prefix)?;
        if shared >= org.policy.unproven_leases_per_prefix {
            return Ok(Pick::PrefixFull(shared));
        }
    }
    // A full donor can also prove a held trace; it gets one only when no shard is left to
    // execute, so the traces executors deliver do not wait on the prove-only donors alone.
    let sources: &[(T, Role)] = match role {
        Role::Full => &[(T::Open, Role::Full), (T::Executed, Role::Prove)],
        Role::Execute => &[(T::Open, Role::Execute)],
        Role::Prove => &[(T::Executed, Role::Prove)],
    };
    let mut candidate = None;
    'sources: for &(tree, as_role) in sources {
        for shard in store.indexed(tree, &job.id).take(SCAN_PER_CLAIM) {
            let shard = shard?;
            let Some(record) = store.shard(&job.id, shard)? else { continue };
            if record.state.claimable(as_role).is_err() {
                continue;
            }
            // A prove task must not go back to the peer that executed it: the split is there so
            // two peers look at each shard. Nor does a shard go back to a peer whose work on it
            // was rejected, or (for a lease period) to one that gave it back: someone else gets
            // the next try.
            let own_trace = as_role == Role::Prove && record.state.trace_from.as_deref() == Some(peer);
            if !own_trace && !barred(store, job, shard, peer, now)? {
                candidate = Some((shard, as_role));
                break 'sources;
            }
        }
    }
    let Some((index, role)) = candidate else { return Ok(Pick::Nothing) };
    let granted = store.transact(|tx| {
        let old = tx.existing_shard(&job.id, index)?;
        let mut new = old.clone();
        let trace = if role == Role::Prove {
            let executor = new.state.trace_from.clone().unwrap_or_default();
            match tx.get::<TraceRecord>(T::Traces, &peer_key(&job.id, index, &executor))? {
                Some(t) if !t.bytes.is_empty() => t.bytes,
                _ => {
                    // The trace record is gone (should not happen): give the shard back to execution.
                    new.state.on_trace_bad();
                    tx.put_shard(&job.id, index, Some(&old), &new)?;
                    return Ok(None);
                }
            }
        } else {
            Vec::new()
        };
        let Ok(deadline) = new.state.grant(peer, role, now, job.lease_secs) else { return Ok(None) };
        tx.put_shard(&job.id, index, Some(&old), &new)?;
        let key = peer_key(&job.id, index, peer);
        let lease = match tx.get::<LeaseRecord>(T::Leases, &key)? {
            Some(l) => LeaseRecord { role, deadline, grants: l.grants + 1, submissions: 0, ..l },
            None => LeaseRecord { role, first_granted: now, deadline, grants: 1, submissions: 0 },
        };
        tx.put(T::Leases, &key, &lease)?;
        tx.update_peer(&job.id, peer, now, |p| p.leases += 1)?;
        Ok(Some((new.args.clone(), deadline, trace)))
    })?;
    Ok(match granted {
        Some((args, deadline, trace)) => {
            if let Some(prefix) = unproven_prefix {
                let mut prefixes = org.prefixes.lock().unwrap_or_else(|p| p.into_inner());
                let peers = prefixes.entry((job.id, prefix)).or_default();
                if !peers.iter().any(|p| p == peer) {
                    peers.push(peer.to_string());
                }
            }
            Pick::Granted { shard: index, role, args, deadline, trace }
        }
        None => Pick::Nothing,
    })
}

/// Leases of `job` held by the unproven peers seen leasing from `prefix`; forgets those that
/// hold none any more, so the list is never longer than the prefix's allowance. (Kept in memory:
/// after a restart the leases granted before it are not counted against their prefix.)
fn prefix_leases(org: &Org, job: &JobId, prefix: IpPrefix) -> store::Result<u64> {
    let mut prefixes = org.prefixes.lock().unwrap_or_else(|p| p.into_inner());
    let Some(peers) = prefixes.get_mut(&(*job, prefix)) else { return Ok(0) };
    let mut total = 0;
    let mut keep = Vec::with_capacity(peers.len());
    for p in peers.drain(..) {
        let n = org.store.peer_leases(job, &p)?;
        if n > 0 {
            total += n;
            keep.push(p);
        }
    }
    if keep.is_empty() {
        prefixes.remove(&(*job, prefix));
    } else {
        *peers = keep;
    }
    Ok(total)
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
