//! Discovery: consumes the network's events. Gossip announcements are the fast push; the
//! bootstrap directory (asked on every (re)connection and every minute) and each org's own
//! `ListJobs` (asked when the org is first seen and every minute) are the truth, so a node that
//! joins late still sees every open job.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proofgrid_protocol::{DirectoryRequest, DirectoryResponse, Event, PeerId, WorkRequest, WorkResponse};
use tokio::sync::mpsc;

use super::Ctx;

const REFRESH: Duration = Duration::from_secs(60);

pub async fn run(ctx: Ctx, mut events: mpsc::Receiver<Event>) {
    let mut asked_orgs: HashMap<PeerId, Instant> = HashMap::new();
    let mut tick = tokio::time::interval(REFRESH);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                None => return,
                Some(Event::Announcement { announcement, .. }) => {
                    let org = announcement.org;
                    ctx.org_back(org);
                    let new = ctx.jobs.lock().expect("jobs lock").upsert(announcement);
                    if new {
                        ctx.new_jobs.notify_one();
                    }
                    ask_org_if_due(&ctx, org, &mut asked_orgs);
                }
                Some(Event::BootstrapConnected { peer }) => list_directory(&ctx, peer, &mut asked_orgs),
                Some(Event::PeerConnected { peer, .. }) => ctx.org_back(peer),
                Some(Event::WorkRequest { responder, .. }) => {
                    // A donor serves no work; answering at once lets the asker move on.
                    tokio::spawn(async move {
                        let _ = responder.send(WorkResponse::Refused { reason: "this peer is a donor node, not an organization".into() }).await;
                    });
                }
                Some(_) => {}
            },
            _ = tick.tick() => {
                if let Ok(peers) = ctx.client.connected_bootstrap_peers().await {
                    for peer in peers {
                        list_directory(&ctx, peer, &mut asked_orgs);
                    }
                }
                let orgs = ctx.jobs.lock().expect("jobs lock").orgs();
                for org in orgs {
                    ask_org_if_due(&ctx, org, &mut asked_orgs);
                }
            }
        }
    }
}

fn ask_org_if_due(ctx: &Ctx, org: PeerId, asked: &mut HashMap<PeerId, Instant>) {
    if asked.get(&org).is_some_and(|t| t.elapsed() < REFRESH) {
        return;
    }
    asked.insert(org, Instant::now());
    tokio::spawn(ask_org(ctx.clone(), org));
}

/// `ListJobs` to one org: its answer replaces what we knew of its jobs.
async fn ask_org(ctx: Ctx, org: PeerId) {
    match ctx.client.work(org, WorkRequest::ListJobs).await {
        Ok(WorkResponse::Jobs(anns)) => {
            let new = ctx.jobs.lock().expect("jobs lock").replace_org(org, anns);
            if new > 0 {
                ctx.new_jobs.notify_one();
            }
        }
        Ok(other) => tracing::debug!(%org, ?other, "unexpected answer to ListJobs"),
        Err(e) => tracing::debug!(%org, error = %e, "cannot list the org's jobs"),
    }
}

/// `ListOpen` to a bootstrap, then `ListJobs` to every org it names.
fn list_directory(ctx: &Ctx, bootstrap: PeerId, asked: &mut HashMap<PeerId, Instant>) {
    let ctx = ctx.clone();
    let orgs_known: Vec<PeerId> = asked.keys().copied().collect();
    tokio::spawn(async move {
        match ctx.client.directory(bootstrap, DirectoryRequest::ListOpen).await {
            Ok(DirectoryResponse::Open { entries }) => {
                let mut orgs = Vec::new();
                let new = {
                    let mut jobs = ctx.jobs.lock().expect("jobs lock");
                    let mut new = false;
                    for e in entries {
                        orgs.push(e.announcement.org);
                        new |= jobs.upsert(e.announcement);
                    }
                    new
                };
                if new {
                    ctx.new_jobs.notify_one();
                }
                orgs.sort();
                orgs.dedup();
                for org in orgs.into_iter().filter(|o| !orgs_known.contains(o)) {
                    tokio::spawn(ask_org(ctx.clone(), org));
                }
            }
            Ok(other) => tracing::debug!(?other, "unexpected directory answer"),
            Err(e) => tracing::debug!(error = %e, "cannot list the directory"),
        }
    });
}
