//! `node projects`: every open job this node can find, to choose which to help.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use proofgrid_node::config::{self, FileConfig, Settings};
use proofgrid_node::daemon::jobs::{beyond_caps, Jobs};
use proofgrid_node::units::{parse_duration, show_size};
use libp2p::identity::Keypair;
use proofgrid_protocol::{
    DirectoryRequest, DirectoryResponse, Event, NetworkConfig, PeerKind, WorkRequest, WorkResponse,
};

/// List the open jobs reachable through the bootstrap directory, gossip and the orgs themselves.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  node projects --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW...\n  node projects --json | jq '.[].name'\n\n\
Then help some of them: node donate --project NAME")]
pub struct ProjectsArgs {
    /// Bootstrap peer; repeatable [default: from the config file].
    #[arg(long, value_name = "MULTIADDR")]
    pub bootstrap: Vec<String>,
    /// How long to listen for jobs.
    #[arg(long, default_value = "4s", value_name = "DURATION")]
    pub wait: String,
    #[arg(long, value_name = "DIR", env = "PROOFGRID_NODE_DIR")]
    pub data_dir: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ProjectsArgs) -> anyhow::Result<()> {
    let data_dir = config::data_dir(args.data_dir.clone())?;
    let file = config::load_file(&data_dir, args.config.as_deref())?;
    let flags = FileConfig { bootstrap: (!args.bootstrap.is_empty()).then(|| args.bootstrap.clone()), ..Default::default() };
    let settings = Settings::resolve(data_dir, file.overlay(flags))?;
    if settings.bootstrap.is_empty() {
        anyhow::bail!("no bootstrap peer: pass --bootstrap MULTIADDR or set `bootstrap` in the config file");
    }
    let wait = parse_duration(&args.wait).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let jobs = runtime.block_on(discover(&settings, wait))?;
    let views = jobs.all();
    if args.json {
        let rows: Vec<_> = views
            .iter()
            .map(|v| {
                let a = &v.ann;
                serde_json::json!({
                    "job": a.job.to_hex(), "name": a.name, "description": a.description, "org": a.org.to_string(),
                    "shards_open": a.shards_open, "shards_total": a.shards_total,
                    "steps_per_shard": a.est_steps_per_shard, "memory_per_shard": a.est_memory_per_shard,
                    "min_security_bits": a.min_security_bits, "fits": beyond_caps(a, &settings).is_none(),
                    "why_not": beyond_caps(a, &settings),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if views.is_empty() {
        println!("no open jobs found in {}; try a longer --wait, or check the bootstrap address", args.wait);
        return Ok(());
    }
    println!("{:<24} {:<16} {:>13} {:>12} {:>10}  org", "name", "job", "shards left", "steps/shard", "memory");
    for v in views {
        let a = &v.ann;
        let fits = beyond_caps(a, &settings).map(|w| format!("\n    (this node will skip it: {w})")).unwrap_or_default();
        println!(
            "{:<24} {:<16} {:>6}/{:<6} {:>12} {:>10}  {}{fits}",
            a.name, &a.job.to_hex()[..16], a.shards_open, a.shards_total, a.est_steps_per_shard,
            show_size(a.est_memory_per_shard), a.org
        );
    }
    Ok(())
}

/// Listens for `wait`: lists the directory of each bootstrap that connects, asks each org found
/// for its own list, and keeps gossip announcements heard meanwhile.
pub async fn discover(settings: &Settings, wait: Duration) -> anyhow::Result<Jobs> {
    // A throwaway identity: the daemon may be running with this data dir's key.
    let config = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Donor).with_bootstrap(settings.bootstrap.clone());
    let (client, mut events, event_loop) = proofgrid_protocol::new(config).context("cannot start the network")?;
    tokio::spawn(event_loop.run());
    let spinner = ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg}")?);
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message("looking for open jobs");
    let mut jobs = Jobs::default();
    let deadline = tokio::time::Instant::now() + wait;
    let mut asked = Vec::new();
    loop {
        let event = tokio::select! {
            e = events.recv() => e,
            _ = tokio::time::sleep_until(deadline) => None,
        };
        let Some(event) = event else { break };
        let orgs = match event {
            Event::Announcement { announcement, .. } => {
                let org = announcement.org;
                jobs.upsert(announcement);
                vec![org]
            }
            Event::BootstrapConnected { peer } => match client.directory(peer, DirectoryRequest::ListOpen).await {
                Ok(DirectoryResponse::Open { entries }) => entries
                    .into_iter()
                    .map(|e| {
                        let org = e.announcement.org;
                        jobs.upsert(e.announcement);
                        org
                    })
                    .collect(),
                Ok(other) => {
                    tracing::warn!(?other, "unexpected directory answer");
                    vec![]
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list the bootstrap directory");
                    vec![]
                }
            },
            _ => vec![],
        };
        for org in orgs {
            if asked.contains(&org) {
                continue;
            }
            asked.push(org);
            match tokio::time::timeout(Duration::from_secs(10), client.work(org, WorkRequest::ListJobs)).await {
                Ok(Ok(WorkResponse::Jobs(list))) => {
                    jobs.replace_org(org, list);
                }
                other => tracing::info!(%org, ?other, "the org did not list its jobs"),
            }
        }
        spinner.set_message(format!("looking for open jobs: {} found", jobs.len()));
    }
    spinner.finish_and_clear();
    client.shutdown().await;
    Ok(jobs)
}
