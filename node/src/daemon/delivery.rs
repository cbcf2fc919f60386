//! The outbox: proofs and traces go to their org until it acknowledges them, with bounded
//! exponential backoff (2 s doubling to 5 min, with jitter so donors that lost the same org do
//! not return in lockstep) while it is away; then verdicts are polled until the org has judged.
//! Runs whatever the governor says: uploads never wait for the machine to be idle.

use std::time::Duration;

use proofgrid_protocol::{Ack, NetError, PeerId, Role, Verdict, WorkRequest, WorkResponse};

use super::Ctx;
use crate::status::unix_ms;
use crate::store::{Outcome, Phase, WorkItem};

const BACKOFF_MIN_MS: u64 = 2_000;
const BACKOFF_MAX_MS: u64 = 300_000;
const VERDICT_POLL_MIN_MS: u64 = 1_000;
const VERDICT_POLL_MAX_MS: u64 = 60_000;

/// The delay before attempt `n + 1` after `n` failed ones: doubling, capped, with ±20% jitter
/// from `seed`.
pub fn backoff_ms(failures: u32, seed: u64, min: u64, max: u64) -> u64 {
    let base = min.saturating_mul(1u64 << failures.min(20)).min(max);
    let jitter = (seed % 41) as i64 - 20; // -20..=20 percent
    (base as i64 + base as i64 * jitter / 100).max(min as i64 / 2) as u64
}

pub async fn run(ctx: Ctx) {
    loop {
        let next = match pass(&ctx).await {
            Ok(next) => next,
            Err(e) => {
                ctx.error(format!("delivery: {e:#}"));
                Some(unix_ms() + 5_000)
            }
        };
        let wait = next.map_or(Duration::from_secs(3600), |at| Duration::from_millis(at.saturating_sub(unix_ms()).clamp(50, 60_000)));
        tokio::select! {
            _ = ctx.new_outbox.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One pass over everything due; returns when the next item is due (unix ms).
async fn pass(ctx: &Ctx) -> anyhow::Result<Option<u64>> {
    let mut next: Option<u64> = None;
    let back: std::collections::HashSet<String> =
        std::mem::take(&mut *ctx.orgs_back.lock().expect("orgs lock")).into_iter().map(|p| p.to_string()).collect();
    for item in ctx.store.unfinished()? {
        if !matches!(item.phase, Phase::Submitting | Phase::Acked) {
            continue;
        }
        if item.next_delivery_ms > unix_ms() && !back.contains(&item.org) {
            next = Some(next.map_or(item.next_delivery_ms, |n| n.min(item.next_delivery_ms)));
            continue;
        }
        let due = match item.phase {
            Phase::Submitting => deliver(ctx, item).await?,
            _ => poll_verdict(ctx, item).await?,
        };
        if let Some(at) = due {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    Ok(next)
}

/// Records whether the org answered, for the status (and a warning when it stops answering).
fn note_reachability(ctx: &Ctx, org: &PeerId, project: &str, answer: &Result<WorkResponse, NetError>) {
    match answer {
        Ok(_) => ctx.org_reached(org),
        Err(NetError::Request { failure, .. }) if failure.is_transient() => ctx.org_unreachable(org, project, &failure.to_string()),
        Err(_) => {}
    }
}

fn org_of(item: &WorkItem) -> anyhow::Result<PeerId> {
    item.org.parse().map_err(|e| anyhow::anyhow!("work record names org {:?}, not a peer id: {e}", item.org))
}

/// Retries `item` later; returns when.
fn later(ctx: &Ctx, mut item: WorkItem, error: String, min: u64, max: u64) -> anyhow::Result<Option<u64>> {
    let delay = backoff_ms(item.deliveries, unix_ms() ^ u64::from(item.shard), min, max);
    item.deliveries += 1;
    item.next_delivery_ms = unix_ms() + delay;
    tracing::info!(job = %item.project, shard = item.shard, attempt = item.deliveries, retry_in_ms = delay, "{error}");
    item.last_error = Some(error);
    let at = item.next_delivery_ms;
    ctx.store.put_work(&item)?;
    Ok(Some(at))
}

async fn deliver(ctx: &Ctx, item: WorkItem) -> anyhow::Result<Option<u64>> {
    let key = item.key();
    let Some(payload) = ctx.store.outbox_payload(&key)? else {
        // Submitting without a payload cannot happen (one transaction); repair by giving up.
        ctx.store.delivered(&item, Phase::Done(Outcome::Abandoned("the outbox entry is missing".into())))?;
        return Ok(None);
    };
    let org = org_of(&item)?;
    let request = if item.role == Role::Execute {
        WorkRequest::SubmitTrace { job: item.job, shard: item.shard, trace: payload }
    } else {
        WorkRequest::SubmitProof { job: item.job, shard: item.shard, proof: payload }
    };
    let (job, name) = (item.job, item.project.clone());
    let answer = ctx.client.work(org, request).await;
    note_reachability(ctx, &org, &name, &answer);
    match answer {
        Ok(WorkResponse::Ack(Ack::Accepted)) => {
            let phase = if item.role == Role::Execute { Phase::Done(Outcome::TraceAccepted) } else { Phase::Acked };
            let mut acked = item.clone();
            acked.deliveries = 0;
            acked.next_delivery_ms = unix_ms() + VERDICT_POLL_MIN_MS;
            ctx.store.delivered(&acked, phase)?;
            ctx.store.update_stats(&job, &name, |s| s.accepted += 1)?;
            tracing::info!(job = %name, shard = item.shard, "delivered and acknowledged");
            Ok(Some(acked.next_delivery_ms))
        }
        Ok(WorkResponse::Ack(Ack::Duplicate)) => {
            ctx.store.delivered(&item, Phase::Done(Outcome::Duplicate))?;
            tracing::info!(job = %name, shard = item.shard, "the org already had this shard's result");
            Ok(None)
        }
        Ok(WorkResponse::Ack(Ack::Refused(reason))) | Ok(WorkResponse::Refused { reason }) => {
            ctx.error(format!("{name} refused our result for shard {}: {reason}", item.shard));
            ctx.store.delivered(&item, Phase::Done(Outcome::Refused(reason)))?;
            ctx.store.update_stats(&job, &name, |s| s.rejected += 1)?;
            Ok(None)
        }
        Ok(WorkResponse::RateLimited { retry_after_ms }) => {
            later(ctx, item, "the org is rate-limiting us".into(), u64::from(retry_after_ms).max(100), BACKOFF_MAX_MS)
        }
        Ok(other) => later(ctx, item, format!("unexpected answer to a submission: {other:?}"), BACKOFF_MIN_MS, BACKOFF_MAX_MS),
        // Retrying cannot help a submission the wire refuses (over the size cap) or an org that
        // does not speak the protocol: give it up rather than retry it forever.
        Err(NetError::Request { failure, .. }) if !failure.is_transient() => {
            let reason = format!("cannot deliver shard {}'s result to {name}: {failure}", item.shard);
            ctx.error(reason.clone());
            ctx.store.delivered(&item, Phase::Done(Outcome::Abandoned(reason)))?;
            ctx.store.update_stats(&job, &name, |s| s.failed += 1)?;
            Ok(None)
        }
        Err(e) => later(ctx, item, format!("cannot deliver to the org yet: {e}"), BACKOFF_MIN_MS, BACKOFF_MAX_MS),
    }
}

async fn poll_verdict(ctx: &Ctx, item: WorkItem) -> anyhow::Result<Option<u64>> {
    let org = org_of(&item)?;
    let (job, name) = (item.job, item.project.clone());
    let done = |outcome: Outcome| -> anyhow::Result<Option<u64>> {
        let mut item = item.clone();
        item.phase = Phase::Done(outcome);
        ctx.store.put_work(&item)?;
        Ok(None)
    };
    let answer = ctx.client.work(org, WorkRequest::GetVerdict { job, shard: item.shard }).await;
    note_reachability(ctx, &org, &name, &answer);
    match answer {
        Ok(WorkResponse::Verdict(Verdict::Verified)) => {
            ctx.store.update_stats(&job, &name, |s| s.verified += 1)?;
            tracing::info!(job = %name, shard = item.shard, "verified by the org");
            done(Outcome::Verified)
        }
        Ok(WorkResponse::Verdict(Verdict::Rejected(reason))) => {
            ctx.store.update_stats(&job, &name, |s| s.rejected += 1)?;
            ctx.error(format!("{name} rejected our proof of shard {}: {reason}", item.shard));
            done(Outcome::Rejected(reason))
        }
        Ok(WorkResponse::Verdict(Verdict::Unknown)) => {
            ctx.error(format!("{name} no longer knows our proof of shard {}", item.shard));
            done(Outcome::Refused("the org holds no submission from us for this shard".into()))
        }
        Ok(WorkResponse::Verdict(Verdict::Pending)) => later(ctx, item, "verdict pending".into(), VERDICT_POLL_MIN_MS, VERDICT_POLL_MAX_MS),
        Ok(other) => later(ctx, item, format!("unexpected answer to GetVerdict: {other:?}"), VERDICT_POLL_MIN_MS, VERDICT_POLL_MAX_MS),
        Err(e) => later(ctx, item, format!("cannot ask for the verdict yet: {e}"), VERDICT_POLL_MIN_MS, VERDICT_POLL_MAX_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let mid = 20; // seed with zero jitter
        assert_eq!(backoff_ms(0, mid, 2_000, 300_000), 2_000);
        assert_eq!(backoff_ms(3, mid, 2_000, 300_000), 16_000);
        assert_eq!(backoff_ms(30, mid, 2_000, 300_000), 300_000);
        for seed in 0..100 {
            let d = backoff_ms(30, seed, 2_000, 300_000);
            assert!((240_000..=360_000).contains(&d), "{d}");
        }
    }
}
