//! Discovery: consumes the network's events. Gossip announcements are the fast push; the
//! bootstrap directory (asked on every (re)connection and every minute) and each org's own
//! `ListJobs` (asked when the org is first seen and every minute) are the truth, so a node that
//! joins late still sees every open job. Connectivity to the bootstrap peers and the orgs is
//! recorded here for `node status` (see `links`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proofgrid_protocol::{
    multiaddr_with_peer, DirectoryRequest, DirectoryResponse, Event, Multiaddr, PeerId, WorkRequest, WorkResponse,
};
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
                    if let Err(e) = &new {
                        tracing::debug!(%org, error = %e, "announcement not taken");
                    }
                    if new == Ok(true) {
                        ctx.new_jobs.notify_one();
                    }
                    ask_org_if_due(&ctx, org, &mut asked_orgs);
                }
                Some(Event::BootstrapConnected { peer }) => {
                    let failures = ctx.links.lock().expect("links lock").bootstrap_ok(&peer.to_string());
                    if failures > 0 {
                        tracing::info!(%peer, failures, "reached the bootstrap peer");
                    }
                    list_directory(&ctx, peer, &mut asked_orgs)
                }
                Some(Event::BootstrapUnreachable { peer, addr, error, retry_in }) => {
                    let loud = ctx.links.lock().expect("links lock").bootstrap_failed(&peer.to_string(), &error);
                    if loud == proofgrid_daemon::links::Loudness::Warn {
                        tracing::warn!(%addr, "cannot reach the bootstrap peer: {error}; retrying every {}s at most (check the address, and that the bootstrap runs)", retry_in.as_secs().max(1));
                    }
                }
                Some(Event::PeerConnected { peer, .. }) => ctx.org_back(peer),
                Some(Event::PeerDisconnected { peer }) => {
                    let mut links = ctx.links.lock().expect("links lock");
                    let p = peer.to_string();
                    if links.is_bootstrap(&p) {
                        links.bootstrap_lost(&p);
                    } else {
                        links.org_disconnected(&p);
                    }
                }
                Some(Event::Listening { addr }) => {
                    let me = ctx.client.local_peer_id();
                    if let Some(a) = listen_addr(&addr, me) {
                        ctx.set_status(|s| if !s.listen_addrs.contains(&a) { s.listen_addrs.push(a) });
                    }
                }
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

/// Orgs remembered as asked (by when): anyone may announce, so the map is bounded; past the
/// bound, entries older than a refresh period are dropped and, if still full, the org is not
/// asked now (its jobs are still known from its announcements).
const MAX_ASKED_ORGS: usize = 2048;

fn ask_org_if_due(ctx: &Ctx, org: PeerId, asked: &mut HashMap<PeerId, Instant>) {
    if asked.get(&org).is_some_and(|t| t.elapsed() < REFRESH) {
        return;
    }
    if asked.len() >= MAX_ASKED_ORGS {
        asked.retain(|_, t| t.elapsed() < REFRESH);
        if asked.len() >= MAX_ASKED_ORGS {
            return;
        }
    }
    asked.insert(org, Instant::now());
    tokio::spawn(ask_org(ctx.clone(), org));
}

/// `ListJobs` to one org: its answer replaces what we knew of its jobs.
async fn ask_org(ctx: Ctx, org: PeerId) {
    match ctx.client.work(org, WorkRequest::ListJobs).await {
        Ok(WorkResponse::Jobs(anns)) => {
            let new = ctx.jobs.lock().expect("jobs lock").replace_org(org, anns);
            dial_at_signed_addresses(&ctx, &[org]).await;
            if new > 0 {
                ctx.new_jobs.notify_one();
            }
        }
        Ok(other) => tracing::debug!(%org, ?other, "unexpected answer to ListJobs"),
        Err(e) => {
            let names: Vec<String> = ctx.jobs.lock().expect("jobs lock").all().iter().filter(|v| v.ann.org == org).map(|v| v.ann.name.clone()).collect();
            ctx.org_unreachable(&org, &names.join(", "), &super::claim::net_error_text(&e));
            return;
        }
    }
    ctx.org_reached(&org);
}

/// Gives the network layer the addresses these orgs announced in the copies taken (each passed
/// its org's signature): a listing's or a `ListJobs` answer's own word is never dialed.
async fn dial_at_signed_addresses(ctx: &Ctx, orgs: &[PeerId]) {
    let addrs: Vec<_> = {
        let jobs = ctx.jobs.lock().expect("jobs lock");
        orgs.iter().map(|o| (*o, jobs.addresses_of(*o))).collect()
    };
    for (org, a) in addrs {
        ctx.client.add_addresses(org, a).await.ok();
    }
}

/// A listen address as peers can dial it (with /p2p/), or `None` for a wildcard: the concrete
/// addresses arrive as their own `Listening` events.
pub fn listen_addr(addr: &Multiaddr, me: PeerId) -> Option<String> {
    let text = addr.to_string();
    if text.starts_with("/ip4/0.0.0.0/") || text.starts_with("/ip6/::/") {
        return None;
    }
    Some(multiaddr_with_peer(addr, me).to_string())
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
                        let org = e.announcement.org;
                        match jobs.upsert(e.announcement) {
                            Ok(n) => {
                                orgs.push(org);
                                new |= n;
                            }
                            // A directory relays what orgs registered; a copy that fails the
                            // org's signature was forged by someone, the bootstrap included.
                            Err(e) => tracing::warn!(%bootstrap, %org, error = %e, "the directory listed a job this node refuses"),
                        }
                    }
                    new
                };
                orgs.sort();
                orgs.dedup();
                dial_at_signed_addresses(&ctx, &orgs).await;
                if new {
                    ctx.new_jobs.notify_one();
                }
                for org in orgs.into_iter().filter(|o| !orgs_known.contains(o)) {
                    tokio::spawn(ask_org(ctx.clone(), org));
                }
            }
            Ok(other) => tracing::warn!(%bootstrap, ?other, "the bootstrap answered ListOpen with something else"),
            Err(e) => tracing::warn!(%bootstrap, "cannot list the bootstrap's directory: {}", super::claim::net_error_text(&e)),
        }
    });
}
