//! Answering donors: one function per work request. Every answer that tells a peer about a change
//! (a grant, an accepted submission) is given only after the change is flushed to sled, so a crash
//! right after answering loses nothing the peer was told.
//!
//! One module per kind of exchange: `claim` (leasing a shard), `submit` (receiving proofs and
//! traces), `give_back` (a donor returning a lease, and checking whether the shard can run at all).

pub(crate) mod claim;
mod give_back;
mod submit;

use std::net::IpAddr;

pub use proofgrid_protocol::IpPrefix;
use std::sync::Arc;

use proofgrid_protocol::{reason, Ack, JobId, PeerId, ShardIndex, Verdict, WorkRequest, WorkResponse};
use tracing::{debug, warn};

use super::lease::NotClaimable;
use super::store::{self, peer_key, ProofRecord, Store, StoredVerdict, TraceRecord, Tx, T};
use super::Org;

/// How long a donor should wait before asking again when nothing is claimable.
const RETRY_SECS: u32 = 15;

/// How long a donor is told to wait when the org is too busy to take its request now.
const BUSY_RETRY_MS: u32 = 5_000;

/// Who sent a request: its peer id, and the address its connection comes from (when known).
#[derive(Debug, Clone, Copy)]
pub struct Requester {
    pub peer: PeerId,
    pub ip: Option<IpAddr>,
}

impl From<PeerId> for Requester {
    fn from(peer: PeerId) -> Self {
        Requester { peer, ip: None }
    }
}

/// Answers one request. `None` when our own storage failed: the request is then left unanswered,
/// which the donor sees as a transient failure and retries, whereas a `Refused` would tell it to
/// give up on a submission that was fine.
///
/// Before anything else: at most `Policy::concurrent_requests` are handled at once (beyond, the
/// donor is told to come back), and a peer the org refuses for its strikes gets the reason
/// without its request touching the store.
pub async fn handle(org: &Arc<Org>, from: impl Into<Requester>, request: WorkRequest) -> Option<WorkResponse> {
    let Requester { peer, ip } = from.into();
    let name = request.name();
    let peer_s = peer.to_base58();
    let Ok(_running) = org.handlers.clone().try_acquire_owned() else {
        debug!(%peer, request = name, "too many requests in progress; asking the donor to retry");
        return Some(WorkResponse::RateLimited { retry_after_ms: BUSY_RETRY_MS });
    };
    if matches!(request, WorkRequest::Claim { .. } | WorkRequest::SubmitProof { .. } | WorkRequest::SubmitTrace { .. }) {
        match super::standing::read(&org.store, &peer_s) {
            Ok(s) => {
                if let Some(why) = s.refusal(org.now()) {
                    debug!(%peer, request = name, "refused: {why}");
                    return Some(match request {
                        WorkRequest::Claim { .. } => refused(why),
                        _ => WorkResponse::Ack(Ack::Refused(reason(why))),
                    });
                }
            }
            Err(e) => {
                warn!(%peer, error = %e, "cannot read the peer's standing");
                return None;
            }
        }
    }
    let result = match request {
        WorkRequest::ListJobs => list_jobs(org),
        WorkRequest::GetProgram { hash } => match org.store.programs.get(hash.0) {
            Ok(Some(bytes)) => Ok(WorkResponse::Program { hash, bytes: bytes.to_vec() }),
            Ok(None) => Ok(refused(format!("this org has no program with hash {hash}"))),
            Err(e) => Err(e.into()),
        },
        WorkRequest::Claim { job, role, capacity } => {
            claim::claim(org, &peer_s, ip.map(IpPrefix::of), job, role, capacity).await
        }
        WorkRequest::SubmitProof { job, shard, proof } => submit::submit_proof(org, &peer_s, job, shard, proof).await,
        WorkRequest::SubmitTrace { job, shard, trace } => submit::submit_trace(org, &peer_s, job, shard, trace).await,
        WorkRequest::GetVerdict { job, shard } => verdict(org, &peer_s, job, shard).map(WorkResponse::Verdict),
        WorkRequest::Release { job, shard, reason } => give_back::give_back(org, &peer_s, job, shard, &reason).await,
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
    Ok(WorkResponse::Jobs(org.announcements()?))
}

/// Drops a held trace and records its executor as having supplied one that could not be proven,
/// inside the transaction that changes the shard.
pub(crate) fn abandon_trace(tx: &Tx<'_>, job: &JobId, shard: u32, executor: &str, now: u64, why: &str) -> store::TxResult<()> {
    let key = peer_key(job, shard, executor);
    if let Some(mut t) = tx.get::<TraceRecord>(T::Traces, &key)? {
        t.verdict = StoredVerdict::Abandoned(format!("trace could not be proven: {why}"));
        t.bytes = Vec::new();
        tx.put(T::Traces, &key, &t)?;
    }
    tx.update_peer(job, executor, now, |p| {
        p.traces_bad += 1;
        push_reason(p, format!("shard {shard}: trace could not be proven: {why}"));
    })
}

/// What a peer sent that was judged bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Submission {
    Proof,
    Trace,
}

/// Charges a bad submission to its peer, inside the transaction that changes the shard: the
/// shard stops counting on the peer (`state`, which the caller writes), the peer's record counts
/// it and keeps `why`, and the peer takes a strike. Refusals at receipt and the verifier's
/// rejections go through here alike.
pub(crate) fn charge_rejection(
    tx: &Tx<'_>,
    job: &JobId,
    shard: ShardIndex,
    peer: &str,
    now: u64,
    what: Submission,
    why: &str,
    state: &mut super::lease::ShardState,
) -> store::TxResult<()> {
    state.on_rejected(peer);
    let why = format!("shard {shard}: {why}");
    tx.update_peer(job, peer, now, |p| {
        match what {
            Submission::Proof => p.proofs_rejected += 1,
            Submission::Trace => p.traces_bad += 1,
        }
        push_reason(p, why.clone());
    })?;
    super::standing::update(tx, peer, now, |s| s.strike(now, &why))
}

pub(crate) fn push_reason(p: &mut store::PeerRecord, why: String) {
    p.last_rejections.push(why);
    let excess = p.last_rejections.len().saturating_sub(16);
    p.last_rejections.drain(..excess);
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
