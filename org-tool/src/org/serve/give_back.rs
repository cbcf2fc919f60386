//! `Release`: a donor giving its lease back, and the org's own run of that shard, which tells a
//! program that cannot run on the shard's arguments from a problem of that donor's.

use std::sync::Arc;

use proofgrid_protocol::{Ack, JobId, ShardIndex, WorkResponse};
use tracing::{debug, info, warn};

use crate::org::lease::Settled;
use crate::org::store::{self, peer_key, ReleaseRecord, T};
use crate::org::Org;
use super::{abandon_trace, push_reason, refused};

/// A donor gives its lease back: the shard is claimable at once by anyone else (a prove lease
/// counts as one that ran out, towards giving up a trace nobody can prove), and the reason goes
/// in the donor's record.
pub(super) async fn give_back(org: &Arc<Org>, peer: &str, job_id: JobId, shard: ShardIndex, why: &str) -> store::Result<WorkResponse> {
    let Some(job) = org.store.job(&job_id)? else {
        return Ok(refused(format!("this org has no job {job_id}")));
    };
    let now = org.now();
    if org.store.shard(&job_id, shard)?.is_none() {
        return Ok(refused(format!("job {} has no shard {shard}", job.name)));
    }
    let why = proofgrid_protocol::reason(why);
    let (peer_s, why_s) = (peer.to_string(), why.clone());
    let released = org
        .locked(move |org| {
            let (peer, why) = (peer_s.as_str(), why_s.as_str());
            org.store.transact(|tx| {
                let old = tx.existing_shard(&job_id, shard)?;
                let mut new = old.clone();
                let settled = new.state.release(peer, now);
                if let Some(Settled::TraceAbandoned { executor }) = &settled {
                    abandon_trace(tx, &job_id, shard, executor, now, "its provers gave it back or never delivered")?;
                }
                if settled.is_some() {
                    tx.put_shard(&job_id, shard, Some(&old), &new)?;
                    tx.put(T::Released, &peer_key(&job_id, shard, peer), &ReleaseRecord { at: now, reason: why.to_string() })?;
                    tx.update_peer(&job_id, peer, now, |p| push_reason(p, format!("shard {shard}: given back: {why}")))?;
                }
                Ok(settled.is_some())
            })
        })
        .await?;
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
    let args = crate::org::encoding::args_from_bytes(&record.args).map_err(anyhow::Error::msg)?;
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
    let reason_s = reason.clone();
    let failed = org
        .locked(move |org| {
            let now = org.now();
            org.store.transact(|tx| {
                let Some(old) = tx.shard(&job_id, shard)? else { return Ok(false) };
                let mut new = old.clone();
                let failed = new.state.on_failed(&reason_s, now);
                if failed {
                    tx.put_shard(&job_id, shard, Some(&old), &new)?;
                }
                Ok(failed)
            })
        })
        .await?;
    if failed {
        org.store.flush().await?;
        org.changed.notify_one();
        warn!(job = %job.name, shard, reason, "the program cannot run on this shard's arguments; shard marked failed");
    }
    Ok(())
}
