//! `node donate`: the daemon. One loop finds work and runs it in the worker, one task talks to
//! the network's events (discovery), one delivers the outbox and collects verdicts, one writes
//! the status file. State lives in the sled [`Store`]; everything resumes from it after a
//! restart.

pub mod claim;
pub mod delivery;
pub mod discovery;
pub mod jobs;
pub mod pacer;
pub mod runner;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use proofgrid_protocol::{identity, Client, NetworkConfig, PeerKind, Role};
use proofgrid_prover::ProofOptions;
use tokio::sync::{watch, Notify};

use crate::config::Settings;
use crate::governor::{Decision, IdleDetector};
use crate::lock::DirLock;
use crate::status::{self, Paused, Status};
use crate::store::Store;
use jobs::Jobs;
use pacer::Pacer;

/// Everything the daemon's tasks share.
#[derive(Clone)]
pub struct Ctx {
    pub settings: Arc<Settings>,
    pub store: Arc<Store>,
    pub client: Client,
    pub jobs: Arc<Mutex<Jobs>>,
    pub status: Arc<Mutex<Status>>,
    /// Wakes the work loop (a new job was seen) and the delivery task (a new outbox entry).
    pub new_jobs: Arc<Notify>,
    pub new_outbox: Arc<Notify>,
    /// Orgs heard from again (announced, connected): their outbox entries are retried at once
    /// instead of waiting out the backoff.
    pub orgs_back: Arc<Mutex<std::collections::HashSet<proofgrid_protocol::PeerId>>>,
    /// The binary to start workers from.
    pub exe: PathBuf,
    pub shutdown: watch::Receiver<bool>,
}

impl Ctx {
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

    pub fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }
}

/// FRI queries for a job's demanded security level (at least the default preset).
pub fn queries_for(min_security_bits: u16) -> u16 {
    let d = ProofOptions::DEFAULT;
    let needed = (u32::from(min_security_bits).saturating_sub(d.grinding_bits as u32)).div_ceil(d.blowup_log.max(1) as u32);
    d.queries.max(needed.min(u16::MAX as u32) as u16)
}

/// Runs the daemon until `shutdown` turns true.
pub async fn run(settings: Settings, shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    let data_dir = settings.data_dir.clone();
    let _lock = DirLock::acquire(&data_dir)?;
    let store = Arc::new(Store::open(&data_dir)?);
    let key = identity::load_or_create(&data_dir).context("cannot load this node's identity")?;
    let config = NetworkConfig::new(key, PeerKind::Donor).with_bootstrap(settings.bootstrap.clone());
    let (client, events, event_loop) = proofgrid_protocol::new(config).context("cannot start the network")?;
    let net = tokio::spawn(event_loop.run());
    client.listen_on(settings.listen.clone()).await.with_context(|| format!("cannot listen on {}", settings.listen))?;
    let exe = std::env::current_exe().context("cannot find this program's own path to start workers")?;
    let role = match settings.role {
        Role::Full => "full",
        Role::Execute => "execute",
        Role::Prove => "prove",
    };
    let status = Status {
        pid: std::process::id(),
        peer_id: client.local_peer_id().to_string(),
        role: role.into(),
        threads: settings.threads,
        started_at: status::unix_now(),
        state: "starting".into(),
        outbox: store.outbox_len(),
        ..Default::default()
    };
    tracing::info!(peer_id = %client.local_peer_id(), data_dir = %data_dir.display(), role, "node started");
    let ctx = Ctx {
        settings: Arc::new(settings),
        store,
        client: client.clone(),
        jobs: Arc::new(Mutex::new(Jobs::default())),
        status: Arc::new(Mutex::new(status)),
        new_jobs: Arc::new(Notify::new()),
        new_outbox: Arc::new(Notify::new()),
        orgs_back: Arc::new(Mutex::new(Default::default())),
        exe,
        shutdown: shutdown.clone(),
    };
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
    let discovery = tokio::spawn(discovery::run(ctx.clone(), events));
    let delivery = tokio::spawn(delivery::run(ctx.clone()));
    let writer = tokio::spawn(write_status(ctx.clone()));
    let result = work_loop(&ctx).await;
    ctx.set_status(|s| {
        s.state = "stopped".into();
        s.activity = None;
        s.worker = None;
    });
    let _ = status::write(&data_dir, &ctx.status.lock().expect("status lock").clone());
    discovery.abort();
    delivery.abort();
    writer.abort();
    client.shutdown().await;
    let _ = net.await;
    ctx.store.flush()?;
    tracing::info!("node stopped");
    result
}

/// Finds and runs work, one phase of one shard at a time, until shutdown.
async fn work_loop(ctx: &Ctx) -> anyhow::Result<()> {
    let idle = IdleDetector::new(ctx.settings.idle_cpu, ctx.settings.busy_after, ctx.settings.idle_after);
    let mut pacer = Pacer::new(ctx.settings.policy(), idle, ctx.settings.threads);
    let mut shutdown = ctx.shutdown.clone();
    while !ctx.stopping() {
        let decision = pacer.sample(0.0);
        publish_governor(ctx, &pacer, decision);
        // Finished phases first: resuming work already claimed beats claiming more.
        if let Some(item) = runner::next_runnable(ctx)? {
            if matches!(decision, Decision::Run { .. }) || runner::needs_no_worker(ctx, &item) {
                if let Err(e) = runner::advance(ctx, item.clone(), &mut pacer).await {
                    // A local failure on one shard (a missing file, a full disk) gives that shard
                    // up; it must not take the daemon, or every other shard, down with it.
                    runner::give_up(ctx, item, format!("{e:#}"))?;
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

fn publish_governor(ctx: &Ctx, pacer: &Pacer, decision: Decision) {
    ctx.set_status(|s| {
        s.other_cpu_percent = pacer.other_cpu;
        s.on_battery = pacer.on_battery;
        s.load = Some(pacer.load());
        match decision {
            Decision::Run { share } => {
                s.paused = None;
                s.cpu_share = share;
            }
            Decision::Pause(reason) => {
                s.paused = Some(Paused { reason, explain: reason.explain().into() });
                s.cpu_share = 0.0;
                s.state = "paused".into();
            }
        }
    });
}

/// Rewrites the status file every second, with fresh per-project numbers from the store.
async fn write_status(ctx: Ctx) {
    loop {
        let projects = project_status(&ctx);
        let snapshot = {
            let mut s = ctx.status.lock().expect("status lock");
            s.updated_at = status::unix_now();
            s.outbox = ctx.store.outbox_len();
            s.jobs_seen = ctx.jobs.lock().expect("jobs lock").len();
            s.projects = projects;
            s.clone()
        };
        if let Err(e) = status::write(&ctx.settings.data_dir, &snapshot) {
            tracing::warn!(error = %format!("{e:#}"), "cannot write the status file");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn project_status(ctx: &Ctx) -> Vec<status::ProjectStatus> {
    let stats = ctx.store.all_stats().unwrap_or_default();
    let jobs = ctx.jobs.lock().expect("jobs lock");
    let mut out: Vec<status::ProjectStatus> = stats
        .into_iter()
        .map(|(job, stats)| status::ProjectStatus {
            job: job.to_hex(),
            skipped: jobs.get(&job).and_then(|v| v.blocked.clone()),
            stats,
        })
        .collect();
    for view in jobs.all() {
        if !out.iter().any(|p| p.job == view.ann.job.to_hex()) && jobs::chosen(&view.ann, &ctx.settings.projects) {
            out.push(status::ProjectStatus {
                job: view.ann.job.to_hex(),
                stats: crate::store::ProjectStats { name: view.ann.name.clone(), ..Default::default() },
                skipped: view.blocked.clone().or_else(|| jobs::beyond_caps(&view.ann, &ctx.settings)),
            });
        }
    }
    out
}
