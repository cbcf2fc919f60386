//! `node donate`: the daemon. One loop finds work and runs it in the worker, one task talks to
//! the network's events (discovery), one delivers the outbox and collects verdicts, one writes
//! the status file, one answers the control socket, one handles signals. State lives in the
//! sled [`Store`]; everything resumes from it after a restart.

pub mod claim;
pub mod control;
pub mod delivery;
pub mod discovery;
pub mod jobs;
pub mod live;
pub mod pacer;
pub mod runner;
pub mod warnings;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use proofgrid_daemon::logging::LogHandle;
use proofgrid_daemon::signals::{Received, Signals};
use proofgrid_daemon::{control::Server, notify};
use proofgrid_protocol::{identity, peer_id_of, Client, NetworkConfig, PeerKind, Role};
use proofgrid_prover::ProofOptions;
use tokio::sync::{watch, Notify};

use crate::config::{FileConfig, Settings};
use crate::governor::Decision;
use crate::lock::DirLock;
use crate::status::{self, Paused, Status};
use crate::store::Store;
use control::OwnerPause;
use jobs::Jobs;
use proofgrid_daemon::links::{self, Links};
use live::{ConfigSource, LiveSettings};
use pacer::Pacer;

/// Everything the daemon's tasks share.
#[derive(Clone)]
pub struct Ctx {
    pub live: Arc<LiveSettings>,
    pub data_dir: PathBuf,
    pub store: Arc<Store>,
    pub client: Client,
    pub jobs: Arc<Mutex<Jobs>>,
    pub status: Arc<Mutex<Status>>,
    pub links: Arc<Mutex<Links>>,
    /// Wakes the work loop (a new job was seen, a setting changed, a pause) and the delivery
    /// task (a new outbox entry).
    pub new_jobs: Arc<Notify>,
    pub new_outbox: Arc<Notify>,
    /// Orgs heard from again (announced, connected): their outbox entries are retried at once
    /// instead of waiting out the backoff.
    pub orgs_back: Arc<Mutex<std::collections::HashSet<proofgrid_protocol::PeerId>>>,
    /// `node pause` in force, and what it said.
    pub owner_paused: Arc<AtomicBool>,
    pub pause_note: Arc<Mutex<Option<OwnerPause>>>,
    /// The binary to start workers from.
    pub exe: PathBuf,
    pub shutdown: watch::Receiver<bool>,
    stop: Arc<watch::Sender<bool>>,
}

impl Ctx {
    /// The settings in force now (`node set` and SIGHUP change them).
    pub fn settings(&self) -> Arc<Settings> {
        self.live.get()
    }

    pub fn set_status(&self, f: impl FnOnce(&mut Status)) {
        let mut s = self.status.lock().expect("status lock");
        f(&mut s);
    }

    pub fn error(&self, msg: impl Into<String>) {
        let msg = msg.into();
        tracing::warn!("{msg}");
        self.set_status(|s| s.last_error = Some(msg));
    }

    /// Tells the delivery task that `peer` is reachable again, if we owe it anything.
    pub fn org_back(&self, peer: proofgrid_protocol::PeerId) {
        self.orgs_back.lock().expect("orgs lock").insert(peer);
        self.new_outbox.notify_one();
    }

    /// A request to `org` failed: recorded for the status, and a warning the first time.
    pub fn org_unreachable(&self, org: &proofgrid_protocol::PeerId, project: &str, error: &str) {
        let loud = self.links.lock().expect("links lock").org_failed(&org.to_string(), error);
        if loud == links::Loudness::Warn {
            tracing::warn!(%org, project, "cannot reach the org of {project}: {error}; retrying (node status shows its state)");
        } else {
            tracing::debug!(%org, project, error, "org still unreachable");
        }
    }

    /// `org` answered.
    pub fn org_reached(&self, org: &proofgrid_protocol::PeerId) {
        let failures = self.links.lock().expect("links lock").org_ok(&org.to_string());
        if failures > 0 {
            tracing::info!(%org, failures, "reached the org again");
        }
    }

    pub fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    pub fn request_stop(&self) {
        let _ = self.stop.send(true);
    }

    /// A setting changed: everything that decides from settings looks again.
    pub fn settings_changed(&self) {
        let s = self.settings();
        self.set_status(|st| {
            st.threads = s.threads;
            st.role = role_name(s.role).into();
        });
        self.new_jobs.notify_one();
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Full => "full",
        Role::Execute => "execute",
        Role::Prove => "prove",
    }
}

/// FRI queries for a job's demanded security level (at least the default preset).
pub fn queries_for(min_security_bits: u16) -> u16 {
    let d = ProofOptions::DEFAULT;
    let needed = (u32::from(min_security_bits).saturating_sub(d.grinding_bits as u32)).div_ceil(d.blowup_log.max(1) as u32);
    d.queries.max(needed.min(u16::MAX as u32) as u16)
}

/// Runs the daemon until SIGINT, SIGTERM or `node stop`. `effective` is the config file
/// overlaid with the flags, `settings` its resolution; `source` is kept for reloads.
pub async fn run(settings: Settings, effective: FileConfig, source: ConfigSource, log: LogHandle) -> anyhow::Result<()> {
    // Before anyone can know we are up: from then on a signal must reach us.
    let mut signals = Signals::install()?;
    let data_dir = settings.data_dir.clone();
    let _lock = DirLock::acquire(&data_dir)?;
    let store = Arc::new(Store::open(&data_dir)?);
    let key = identity::load_or_create(&data_dir).context("cannot load this node's identity")?;
    let config = NetworkConfig::new(key, PeerKind::Donor).with_bootstrap(settings.bootstrap.clone());
    let (client, events, event_loop) = proofgrid_protocol::new(config).context("cannot start the network")?;
    let net = tokio::spawn(event_loop.run());
    let bound = client.listen_on(settings.listen.clone()).await.with_context(|| format!("cannot listen on {}", settings.listen))?;
    let exe = std::env::current_exe().context("cannot find this program's own path to start workers")?;
    let me = client.local_peer_id();
    let mut links = Links::default();
    for addr in &settings.bootstrap {
        if let Some(peer) = peer_id_of(addr) {
            links.expect_bootstrap(&peer.to_string(), &addr.to_string());
        }
    }
    let pause = control::load_pause(&data_dir);
    let status = Status {
        pid: std::process::id(),
        peer_id: me.to_string(),
        listen_addrs: discovery::listen_addr(&bound, me).into_iter().collect(),
        role: role_name(settings.role).into(),
        threads: settings.threads,
        started_at: status::unix_now(),
        state: "starting".into(),
        outbox: store.outbox_len(),
        config_file: Some(source.path.display().to_string()),
        ..Default::default()
    };
    tracing::info!(peer_id = %me, data_dir = %data_dir.display(), role = role_name(settings.role), threads = settings.threads, "node started");
    for a in &settings.adjustments {
        tracing::warn!("{a}");
    }
    let (stop, shutdown) = watch::channel(false);
    let ctx = Ctx {
        live: Arc::new(LiveSettings::new(source, effective, settings)),
        data_dir: data_dir.clone(),
        store,
        client: client.clone(),
        jobs: Arc::new(Mutex::new(Jobs::default())),
        status: Arc::new(Mutex::new(status)),
        links: Arc::new(Mutex::new(links)),
        new_jobs: Arc::new(Notify::new()),
        new_outbox: Arc::new(Notify::new()),
        orgs_back: Arc::new(Mutex::new(Default::default())),
        owner_paused: Arc::new(AtomicBool::new(pause.is_some())),
        pause_note: Arc::new(Mutex::new(pause.clone())),
        exe,
        shutdown: shutdown.clone(),
        stop: Arc::new(stop),
    };
    if let Some(p) = &pause {
        tracing::warn!("paused since {} by `node pause`{}: run `node resume` to work again", p.since, p.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default());
    }
    // Orgs of unfinished work must be reachable for delivery even if no one announces them again;
    // and a restart is a good moment to retry everything the outbox holds.
    for mut item in ctx.store.unfinished()? {
        if item.next_delivery_ms > 0 {
            item.next_delivery_ms = 0;
            ctx.store.put_work(&item)?;
        }
        if let (Ok(peer), addrs) = (item.org.parse(), item.org_addrs.iter().filter_map(|a| a.parse().ok()).collect::<Vec<_>>()) {
            client.add_addresses(peer, addrs).await.ok();
        }
    }
    let control = match Server::start(&data_dir, control::INFO, control::handler(ctx.clone())) {
        Ok(server) => {
            ctx.set_status(|s| s.control_socket = Some(server.path().display().to_string()));
            Some(server)
        }
        Err(e) => {
            ctx.error(format!("{e:#}: node status, pause and stop cannot reach this node (it still works; stop it with SIGTERM)"));
            None
        }
    };
    let discovery = tokio::spawn(discovery::run(ctx.clone(), events));
    let delivery = tokio::spawn(delivery::run(ctx.clone()));
    let writer = tokio::spawn(write_status(ctx.clone()));
    let signal_task = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            loop {
                match signals.recv().await {
                    Received::Hangup => reload(&ctx, &log),
                    other => {
                        tracing::info!("{}: stopping, finishing bookkeeping (work in progress resumes at the next start)", other.name());
                        ctx.request_stop();
                    }
                }
            }
        })
    };
    notify::ready();
    let result = work_loop(&ctx).await;
    notify::stopping();
    ctx.set_status(|s| {
        s.state = "stopped".into();
        s.activity = None;
        s.current = None;
        s.worker = None;
    });
    drop(control);
    let _ = status::write(&data_dir, &ctx.status.lock().expect("status lock").clone());
    discovery.abort();
    delivery.abort();
    writer.abort();
    signal_task.abort();
    client.shutdown().await;
    let _ = net.await;
    ctx.store.flush()?;
    tracing::info!("node stopped");
    result
}

/// SIGHUP: reopen the log file (for logrotate) and re-read the config file.
fn reload(ctx: &Ctx, log: &LogHandle) {
    notify::reloading();
    if let Err(e) = log.reopen() {
        ctx.error(format!("SIGHUP: {e:#}"));
    }
    match ctx.live.reload() {
        Ok(applied) => {
            tracing::info!(file = %ctx.live.config_path().display(), changed = ?applied.changed, "SIGHUP: config reloaded");
            for a in &applied.adjustments {
                tracing::warn!("{a}");
            }
            for key in &applied.need_restart {
                tracing::warn!("SIGHUP: {key} changed in the config file; only a restart applies it (node stop, then node donate)");
            }
            ctx.settings_changed();
        }
        Err(e) => ctx.error(format!("SIGHUP: cannot reload {}: {e:#}; the settings stay as they were", ctx.live.config_path().display())),
    }
    notify::ready();
}

/// Finds and runs work, one phase of one shard at a time, until shutdown.
async fn work_loop(ctx: &Ctx) -> anyhow::Result<()> {
    let mut pacer = Pacer::new(&ctx.settings(), ctx.owner_paused.clone());
    let mut generation = ctx.live.generation();
    let mut shutdown = ctx.shutdown.clone();
    while !ctx.stopping() {
        follow_settings(ctx, &mut pacer, &mut generation);
        let decision = pacer.sample(0.0);
        publish_governor(ctx, &pacer, decision);
        // Finished phases first: resuming work already claimed beats claiming more.
        let next = match runner::next_runnable(ctx) {
            Ok(next) => next,
            Err(e) => {
                storage_trouble(ctx, &shutdown, format!("cannot read this node's work list: {e:#}")).await;
                continue;
            }
        };
        if let Some(item) = next {
            if matches!(decision, Decision::Run { .. }) || runner::needs_no_worker(ctx, &item) {
                if let Err(e) = runner::advance(ctx, item.clone(), &mut pacer).await {
                    // A local failure on one shard (a missing file, a full disk) gives that shard
                    // up; it must not take the daemon, or every other shard, down with it. If
                    // even that cannot be recorded (the disk is full), the loop waits and tries
                    // again rather than ending: the daemon stays up and says why.
                    let what = format!("{e:#}");
                    if let Err(e) = runner::give_up(ctx, item, what.clone()) {
                        storage_trouble(ctx, &shutdown, format!("cannot record giving up a shard ({what}): {e:#}")).await;
                    }
                }
                continue;
            }
        } else if matches!(decision, Decision::Run { .. }) {
            match claim::claim_one(ctx).await {
                Ok(true) => continue,
                Ok(false) => ctx.set_status(|s| {
                    s.state = "waiting for work".into();
                    s.activity = None;
                }),
                Err(e) => ctx.error(format!("{e:#}")),
            }
        }
        tokio::select! {
            _ = ctx.new_jobs.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {}
        }
    }
    Ok(())
}

/// A local storage failure in the work loop: said (status and log) and waited out, since the
/// owner can fix it (free space, permissions) while the daemon runs.
async fn storage_trouble(ctx: &Ctx, shutdown: &tokio::sync::watch::Receiver<bool>, why: String) {
    ctx.error(format!("{why}; retrying in 10 s (check the disk holding the data dir)"));
    let mut shutdown = shutdown.clone();
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(10)) => {}
        _ = shutdown.changed() => {}
    }
}

/// Gives the pacer the settings of the latest generation, if they changed.
pub fn follow_settings(ctx: &Ctx, pacer: &mut Pacer, generation: &mut u64) {
    let now = ctx.live.generation();
    if now != *generation {
        *generation = now;
        pacer.reconfigure(&ctx.settings());
    }
}

fn publish_governor(ctx: &Ctx, pacer: &Pacer, decision: Decision) {
    let note = ctx.pause_note.lock().expect("pause lock").clone();
    ctx.set_status(|s| {
        s.other_cpu_percent = pacer.other_cpu;
        s.on_battery = pacer.on_battery;
        s.load = Some(pacer.load());
        s.share_reason = pacer.share_reason();
        match decision {
            Decision::Run { share } => {
                s.paused = None;
                s.cpu_share = share;
            }
            Decision::Pause(reason) => {
                let mut explain = reason.explain().to_string();
                if let (crate::governor::PauseReason::ByOwner, Some(n)) = (reason, &note) {
                    if let Some(r) = &n.reason {
                        explain = format!("{explain}: {r}");
                    }
                }
                s.paused = Some(Paused { reason, explain });
                s.cpu_share = 0.0;
                s.state = "paused".into();
            }
        }
    });
}

/// The status as of now: the shared one with the per-project numbers, the network and the
/// warnings brought up to date.
pub fn fresh_status(ctx: &Ctx) -> Status {
    let projects = project_status(ctx);
    let settings = ctx.settings();
    let (bootstrap, orgs) = {
        let links = ctx.links.lock().expect("links lock");
        (links.bootstrap_links(), links.org_links())
    };
    let orgs = label_orgs(ctx, orgs);
    let jobs_seen = ctx.jobs.lock().expect("jobs lock").len();
    let warnings = warnings::current(ctx);
    let mut s = ctx.status.lock().expect("status lock");
    s.warnings = warnings;
    s.updated_at = status::unix_now();
    s.outbox = ctx.store.outbox_len();
    s.jobs_seen = jobs_seen;
    s.projects = projects;
    s.network = status::Network { bootstrap, orgs };
    s.caps = Some(caps(&settings));
    s.clone()
}

fn caps(s: &Settings) -> status::Caps {
    status::Caps {
        threads: s.threads,
        cores: crate::config::cores(),
        cpu_percent: s.idle_share * 100.0,
        busy_cpu_percent: s.busy_share * 100.0,
        when: match s.when {
            crate::config::When::Always => "always".into(),
            crate::config::When::Idle => "idle".into(),
        },
        idle_cpu_percent: s.idle_cpu,
        busy_after_secs: s.busy_after.as_secs(),
        idle_after_secs: s.idle_after.as_secs(),
        hours: s.hours.map(|h| h.to_string()),
        pause_on_battery: s.pause_on_battery,
        max_memory: s.max_memory,
        max_steps: s.max_steps,
        projects: s.projects.clone(),
        adjustments: s.adjustments.clone(),
    }
}

/// An org's label: the names of its jobs this node knows.
fn label_orgs(ctx: &Ctx, mut orgs: Vec<status::Link>) -> Vec<status::Link> {
    let jobs = ctx.jobs.lock().expect("jobs lock");
    for link in &mut orgs {
        let names: Vec<String> = jobs.all().iter().filter(|v| v.ann.org.to_string() == link.peer).map(|v| v.ann.name.clone()).collect();
        if !names.is_empty() {
            link.label = names.join(", ");
        }
    }
    orgs
}

/// Rewrites the status file every second, warns about new conditions the owner must act on,
/// and tells systemd what the node is doing.
async fn write_status(ctx: Ctx) {
    let mut last_write_error: Option<String> = None;
    let mut said = String::new();
    let mut warned: Vec<String> = Vec::new();
    loop {
        let snapshot = fresh_status(&ctx);
        for w in snapshot.warnings.iter().filter(|w| !warned.contains(w) && !w.starts_with(warnings::UNREACHABLE_BOOTSTRAP)) {
            tracing::warn!("{w}");
        }
        warned = snapshot.warnings.clone();
        match status::write(&ctx.data_dir, &snapshot) {
            Ok(()) => last_write_error = None,
            Err(e) => {
                let e = format!("cannot write the status file in {}: {e:#}", ctx.data_dir.display());
                // Once per distinct problem: a full disk must not fill the log as well.
                if last_write_error.as_ref() != Some(&e) {
                    tracing::warn!("{e}");
                    last_write_error = Some(e);
                }
            }
        }
        let line = snapshot.activity.clone().unwrap_or_else(|| snapshot.state.clone());
        if line != said {
            notify::status(&line);
            said = line;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn project_status(ctx: &Ctx) -> Vec<status::ProjectStatus> {
    let settings = ctx.settings();
    let stats = ctx.store.all_stats().unwrap_or_default();
    let jobs = ctx.jobs.lock().expect("jobs lock");
    let mut out: Vec<status::ProjectStatus> = stats
        .into_iter()
        .map(|(job, stats)| status::ProjectStatus {
            job: job.to_hex(),
            skipped: jobs.get(&job).and_then(|v| jobs::why_not(v, &settings)),
            stats,
        })
        .collect();
    for view in jobs.all() {
        if !out.iter().any(|p| p.job == view.ann.job.to_hex()) && jobs.chosen(&view.ann, &settings.projects) {
            out.push(status::ProjectStatus {
                job: view.ann.job.to_hex(),
                stats: crate::store::ProjectStats { name: view.ann.name.clone(), ..Default::default() },
                skipped: jobs::why_not(view, &settings),
            });
        }
    }
    out
}
