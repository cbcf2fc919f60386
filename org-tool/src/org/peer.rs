//! The org peer: starts the network (through `proofgrid-protocol`), registers its open jobs with
//! the bootstrap directory and keeps them fresh, gossips announcements, hands each work request
//! to its own task, keeps the progress display and the status snapshot current, and answers
//! the control socket (`org-tool status --live`, `org-tool stop`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use proofgrid_protocol::{
    multiaddr_with_peer, Client, DirectoryRequest, DirectoryResponse, Event, Multiaddr, NetError, NetworkConfig,
    PeerId, PeerKind,
};
use proofgrid_daemon::control::Server;
use proofgrid_daemon::links::{Links, Loudness};
use proofgrid_daemon::logging::LogHandle;
use proofgrid_daemon::notify;
use proofgrid_daemon::signals::{Received, Signals};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::control::{self, Live};
use super::report::{self, Snapshot};
use super::verifier;
use super::{serve, Org};

pub struct ServeConfig {
    pub data_dir: PathBuf,
    /// Reopened on SIGHUP (logrotate).
    pub log: LogHandle,
    pub listen: Vec<Multiaddr>,
    pub bootstrap: Vec<Multiaddr>,
    pub addr_file: Option<PathBuf>,
    pub announce_every: Duration,
    pub exit_when_done: bool,
    /// After the last shard is proven, keep answering this long so donors learn their verdicts.
    pub linger: Duration,
    pub verify_threads: usize,
    /// Bytes of bulk requests (proofs, traces) received at once, over all peers.
    pub receive_budget: usize,
}

/// Serves until Ctrl-C / SIGTERM, or until every shard is proven with `exit_when_done`.
pub async fn serve(org: Arc<Org>, cfg: ServeConfig) -> anyhow::Result<()> {
    // Before anything tells the world we are up (the address file): a signal from then on must
    // reach the loop below, not the default action (SIGHUP's would kill us when the terminal
    // closes). The streams live for the whole run, so a signal that arrives while a branch is
    // busy waits for the next turn of the loop.
    let mut signals = Signals::install()?;
    let mut config = NetworkConfig::new(org.key.clone(), PeerKind::Org).with_bootstrap(cfg.bootstrap.clone());
    config.limits.inflight_bulk = cfg.receive_budget.max(2 * config.limits.bulk);
    let (client, mut events, event_loop) = proofgrid_protocol::new(config)?;
    let network = tokio::spawn(event_loop.run());

    let mut first = None;
    for addr in &cfg.listen {
        let bound = client.listen_on(addr.clone()).await?;
        first.get_or_insert(bound);
    }
    let mut addrs: Vec<Multiaddr> = client
        .listen_addrs()
        .await?
        .into_iter()
        .filter(|a| !is_wildcard(a))
        .collect();
    if let Some(f) = &first {
        addrs.retain(|a| a != f);
        addrs.insert(0, f.clone());
    }
    addrs.truncate(proofgrid_protocol::limits::MAX_ANNOUNCED_ADDRS);
    *org.addrs.lock().unwrap_or_else(|p| p.into_inner()) = addrs.clone();
    let me = client.local_peer_id();
    if let (Some(path), Some(addr)) = (&cfg.addr_file, addrs.first()) {
        write_atomic(path, &format!("{}\n", multiaddr_with_peer(addr, me)))?;
    }
    for a in &addrs {
        info!(addr = %multiaddr_with_peer(a, me), "org peer listening");
    }
    let mut links = Links::default();
    for addr in &cfg.bootstrap {
        if let Some(peer) = proofgrid_protocol::peer_id_of(addr) {
            links.expect_bootstrap(&peer.to_string(), &addr.to_string());
        }
    }
    let live = Arc::new(Live {
        peer_id: me.to_string(),
        data_dir: cfg.data_dir.clone(),
        started_at: super::now(),
        exit_when_done: cfg.exit_when_done,
        listen_addrs: std::sync::Mutex::new(addrs.iter().map(|a| multiaddr_with_peer(a, me).to_string()).collect()),
        links: std::sync::Mutex::new(links),
        snapshot: std::sync::Mutex::new(None),
        stop: tokio::sync::Notify::new(),
    });
    // The data dir is ours (the store holds its lock): a socket left there is a dead org's.
    let control = match Server::start(&cfg.data_dir, control::INFO, control::handler(live.clone())) {
        Ok(server) => Some(server),
        Err(e) => {
            warn!("{e:#}: `org-tool status --live` and `org-tool stop` cannot reach this org (stop it with SIGTERM)");
            None
        }
    };
    if cfg.bootstrap.is_empty() {
        warn!("no --bootstrap peer: donors find this job only if they dial this org themselves (its address is above)");
    }

    *org.results_log.lock().unwrap_or_else(|p| p.into_inner()) = Some(report::rewrite_results_log(&org.store, &cfg.data_dir)?);
    let pending = verifier::requeue_pending(&org)?;
    if pending > 0 {
        info!(pending, "re-queued submissions received before the restart");
    }
    let verifier = tokio::spawn(verifier::run(org.clone(), cfg.verify_threads));

    let progress = progress_bar(&org)?;
    notify::ready();
    let mut tick = tokio::time::interval(cfg.announce_every);
    let mut refresh = tokio::time::interval(Duration::from_secs(1));
    let mut registered_at: Option<(Instant, Duration)> = None;
    let mut dirty = true;
    let (reg_tx, mut reg_rx) = mpsc::unbounded_channel::<Duration>();
    // Check once at start: with --exit-when-done a finished job must not wait for a change.
    org.changed.notify_one();

    let reason = loop {
        tokio::select! {
            event = events.recv() => match event {
                None => break "the network stopped",
                Some(Event::WorkRequest { peer, ip, request, responder }) => {
                    let org = org.clone();
                    tokio::spawn(async move {
                        if let Some(response) = serve::handle(&org, serve::Requester { peer, ip }, request).await {
                            if let Err(e) = responder.send(response).await {
                                debug!(%peer, error = %e, "could not answer (the donor gave up or left)");
                            }
                        }
                    });
                }
                Some(Event::BootstrapConnected { peer }) => {
                    let failures = live.links.lock().unwrap_or_else(|p| p.into_inner()).bootstrap_ok(&peer.to_string());
                    if failures > 0 {
                        info!(%peer, failures, "reached the bootstrap peer");
                    }
                    register(&org, &client, peer, reg_tx.clone())
                }
                Some(Event::BootstrapUnreachable { addr, peer, error, retry_in }) => {
                    let loud = live.links.lock().unwrap_or_else(|p| p.into_inner()).bootstrap_failed(&peer.to_string(), &error);
                    if loud == Loudness::Warn {
                        warn!(%addr, "cannot reach the bootstrap peer: {error}; donors cannot find this job through it until it answers (retrying every {}s at most; check the address and that it runs)", retry_in.as_secs().max(1));
                    }
                }
                Some(Event::PeerDisconnected { peer }) => live.links.lock().unwrap_or_else(|p| p.into_inner()).bootstrap_lost(&peer.to_string()),
                Some(Event::Subscribed { .. }) => announce(&org, &client).await,
                // A wildcard listener reports each interface's address as it comes up: announce
                // those too, so donors on other interfaces can dial us.
                Some(Event::Listening { addr }) => {
                    let mut known = org.addrs.lock().unwrap_or_else(|p| p.into_inner());
                    if !known.contains(&addr) && !is_wildcard(&addr) && known.len() < proofgrid_protocol::limits::MAX_ANNOUNCED_ADDRS {
                        live.listen_addrs.lock().unwrap_or_else(|p| p.into_inner()).push(multiaddr_with_peer(&addr, me).to_string());
                        known.push(addr);
                    }
                }
                Some(_) => {}
            },
            Some(ttl) = reg_rx.recv() => registered_at = Some((Instant::now(), ttl)),
            _ = tick.tick() => {
                dirty = true; // leases may have expired since the last change
                announce(&org, &client).await;
                // Refresh the directory entry well before the bootstrap forgets it.
                let stale = registered_at.is_none_or(|(at, ttl)| at.elapsed() >= (ttl / 2).min(cfg.announce_every * 4));
                if stale {
                    for peer in client.connected_bootstrap_peers().await.unwrap_or_default() {
                        register(&org, &client, peer, reg_tx.clone());
                    }
                }
            }
            _ = org.changed.notified() => {
                dirty = true;
                if cfg.exit_when_done && org.all_done()? {
                    break "every shard is proven or failed";
                }
            }
            _ = refresh.tick() => {
                // Expired leases go back to the pool even when nobody claims.
                if settle_all(&org).await > 0 {
                    dirty = true;
                }
                if dirty {
                    dirty = false;
                    update(&org, &cfg, &progress, &live);
                }
            }
            _ = live.stop.notified() => break "stopped by org-tool stop",
            signal = signals.recv() => match signal {
                Received::Hangup => match cfg.log.reopen() {
                    Ok(()) => info!("SIGHUP: log file reopened (org-tool has no config file to reload)"),
                    Err(e) => warn!("SIGHUP: {e:#}"),
                },
                Received::Interrupt => break "interrupted",
                Received::Terminate => break "terminated",
            },
        }
    };
    info!(reason, "org peer stopping");
    notify::stopping();
    update(&org, &cfg, &progress, &live);
    drop(control);
    progress.finish();
    if reason == "every shard is proven or failed" {
        unregister_all(&org, &client).await;
        // Donors poll for their verdicts; answer them a little longer.
        let until = tokio::time::Instant::now() + cfg.linger;
        loop {
            tokio::select! {
                Some(Event::WorkRequest { peer, ip, request, responder }) = events.recv() => {
                    if let Some(response) = serve::handle(&org, serve::Requester { peer, ip }, request).await {
                        let _ = responder.send(response).await;
                    }
                }
                _ = tokio::time::sleep_until(until) => break,
            }
        }
    }
    client.shutdown().await;
    let _ = network.await;
    verifier.abort();
    org.store.flush().await?;
    let failed = super::failed_count(&org.store)?;
    if cfg.exit_when_done && reason == "every shard is proven or failed" && failed > 0 {
        anyhow::bail!(
            "the job ended with {failed} shard(s) failed: the program cannot run on their arguments \
             (org-tool status lists them with the VM's error); every other shard is verified"
        );
    }
    if reason == "the network stopped" {
        anyhow::bail!("the org's network layer stopped unexpectedly (see the log above); run the same command again to resume");
    }
    // With --exit-when-done, a caller waits for "done": being stopped short of it is not success.
    if cfg.exit_when_done && reason != "every shard is proven or failed" {
        let open: u32 = org.open_jobs()?.iter().map(|(_, open)| *open).sum();
        let signal = match reason {
            "interrupted" => "SIGINT",
            "terminated" => "SIGTERM",
            _ => "org-tool stop",
        };
        return Err(StoppedEarly { signal, open_shards: open }.into());
    }
    Ok(())
}

/// `--exit-when-done` was asked for, but a signal stopped the org before every shard was
/// proven. Nothing is lost (everything acknowledged is on disk); the exit status says "not done".
#[derive(Debug, thiserror::Error)]
#[error("stopped by {signal} before the job was done ({open_shards} shards not yet verified); run the same command again to resume")]
pub struct StoppedEarly {
    pub signal: &'static str,
    pub open_shards: u32,
}

impl StoppedEarly {
    /// The shell's convention for a process ended by a signal: 128 + its number (`org-tool
    /// stop` counts as SIGTERM).
    pub fn exit_code(&self) -> u8 {
        if self.signal == "SIGINT" { 130 } else { 143 }
    }
}

fn progress_bar(org: &Org) -> anyhow::Result<ProgressBar> {
    let jobs = org.store.all_jobs()?;
    let total: u64 = jobs.iter().map(|j| j.shards_total as u64).sum();
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} shards verified  {msg}")?,
    );
    bar.enable_steady_tick(Duration::from_millis(250));
    proofgrid_daemon::progress::show(&bar);
    Ok(bar)
}

/// Settles a bounded number of expired leases of every job; returns how many.
async fn settle_all(org: &Arc<Org>) -> usize {
    let jobs = match org.store.all_jobs() {
        Ok(j) => j,
        Err(e) => {
            warn!(error = %e, "cannot list jobs to settle expired leases");
            return 0;
        }
    };
    let now = org.now();
    let mut settled = 0;
    for job in jobs {
        let name = job.name.clone();
        match org.locked(move |org| serve::claim::settle_expired(&org.store, &job, now, 256)).await {
            Ok(n) => settled += n,
            Err(e) => warn!(job = %name, error = %e, "cannot settle expired leases"),
        }
    }
    settled
}

/// Refreshes the progress bar, the status snapshot (file and control socket) and systemd's
/// status line.
fn update(org: &Org, cfg: &ServeConfig, bar: &ProgressBar, live: &Live) {
    let mut snap = match report::snapshot(&org.store, org.now()) {
        Ok(s) => s,
        Err(e) => return warn!(error = %e, "cannot compute status"),
    };
    snap.health = org.health();
    let proven: u64 = snap.jobs.iter().map(|j| j.counts.proven as u64).sum();
    let total: u64 = snap.jobs.iter().map(|j| j.shards_total as u64).sum();
    bar.set_position(proven);
    bar.set_message(summary(&snap));
    notify::status(&format!("{proven}/{total} shards verified; {}", summary(&snap)));
    if let Err(e) = report::write_snapshot(&cfg.data_dir, &snap) {
        warn!(error = %e, "cannot write the status snapshot in {}", cfg.data_dir.display());
    }
    *live.snapshot.lock().unwrap_or_else(|p| p.into_inner()) = Some(snap);
}

fn summary(snap: &Snapshot) -> String {
    let sum = |f: fn(&report::JobReport) -> u64| snap.jobs.iter().map(f).sum::<u64>();
    format!(
        "{} leased, {} executed, {} rejected, {} failed, {} donors",
        sum(|j| j.counts.leased as u64),
        sum(|j| j.counts.executed as u64),
        sum(|j| j.rejected_proofs),
        sum(|j| j.counts.failed as u64),
        sum(|j| j.donors.len() as u64)
    )
}

async fn announce(org: &Org, client: &Client) {
    let jobs = match org.announcements() {
        Ok(j) => j,
        Err(e) => return warn!(error = %e, "cannot list open jobs"),
    };
    for ann in jobs {
        let (name, open) = (ann.name.clone(), ann.shards_open);
        match client.publish(ann).await {
            Ok(()) => debug!(job = %name, open, "announced"),
            Err(NetError::NoSubscribers) => debug!(job = %name, "nobody subscribed yet; announcing later"),
            Err(e) => warn!(job = %name, error = %e, "cannot announce"),
        }
    }
}

/// Registers every open job with a bootstrap's directory, in the background.
fn register(org: &Org, client: &Client, bootstrap: PeerId, done: mpsc::UnboundedSender<Duration>) {
    let jobs: Vec<_> = match org.announcements() {
        Ok(j) => j,
        Err(e) => return warn!(error = %e, "cannot list open jobs"),
    };
    if jobs.is_empty() {
        return;
    }
    let client = client.clone();
    tokio::spawn(async move {
        for chunk in jobs.chunks(proofgrid_protocol::limits::MAX_JOBS_PER_REGISTER) {
            match client.directory(bootstrap, DirectoryRequest::Register { jobs: chunk.to_vec() }).await {
                Ok(DirectoryResponse::Registered { ttl_secs }) => {
                    info!(%bootstrap, jobs = chunk.len(), ttl_secs, "registered with the directory");
                    let _ = done.send(Duration::from_secs(ttl_secs.max(2) as u64));
                }
                Ok(other) => warn!(%bootstrap, response = ?other, "the directory did not register our jobs"),
                Err(e) => warn!(%bootstrap, error = %e, "cannot reach the directory; will retry"),
            }
        }
    });
}

async fn unregister_all(org: &Org, client: &Client) {
    let jobs: Vec<_> = org.store.all_jobs().unwrap_or_default().into_iter().map(|j| j.id).collect();
    for peer in client.connected_bootstrap_peers().await.unwrap_or_default() {
        let request = DirectoryRequest::Unregister { jobs: jobs.clone() };
        match tokio::time::timeout(Duration::from_secs(5), client.directory(peer, request)).await {
            Ok(Ok(_)) => info!(%peer, "removed our finished jobs from the directory"),
            _ => debug!(%peer, "could not unregister (the entry will expire)"),
        }
    }
}

fn write_atomic(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A wildcard listen address is no use to a donor; the concrete ones arrive as `Listening`.
fn is_wildcard(addr: &Multiaddr) -> bool {
    let s = addr.to_string();
    s.starts_with("/ip4/0.0.0.0/") || s.starts_with("/ip6/::/")
}
