//! `node projects`: every open job this node can find, to choose which to help.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use proofgrid_node::config::{self, FileConfig, Settings};
use proofgrid_node::daemon::claim::net_error_text;
use proofgrid_node::daemon::jobs::{beyond_caps, JobView, Jobs};
use proofgrid_node::units::{parse_duration, show_size};
use libp2p::identity::Keypair;
use proofgrid_protocol::{
    DirectoryRequest, DirectoryResponse, Event, NetworkConfig, PeerId, PeerKind, WorkRequest, WorkResponse,
};

/// List the open jobs reachable through the bootstrap directory, gossip and the orgs themselves.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  node projects --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW...\n  node projects --json | jq '.[].name'\n\n\
Then help some of them: node donate --project NAME, or --project NAME@ORG-PEER-ID when two\norgs use one name (neither is taken by a bare name then), or --project JOB-ID (16+ hex digits)")]
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
    let found = runtime.block_on(discover(&settings, wait))?;
    if !found.reached_bootstrap {
        let why: Vec<String> = found.bootstrap_errors.iter().map(|(addr, e)| format!("{addr}: {e}")).collect();
        anyhow::bail!(
            "could not reach any bootstrap peer within {}: {}; check the address (bootstrap prints it, or its --addr-file holds it) and that it runs",
            args.wait,
            if why.is_empty() { "no answer".to_string() } else { why.join("; ") }
        );
    }
    let views = found.jobs.all();
    let org_error = |org: &PeerId| found.org_errors.get(org).cloned();
    if args.json {
        let rows: Vec<_> = views
            .iter()
            .map(|v| {
                let a = &v.ann;
                serde_json::json!({
                    "job": a.job.to_hex(), "name": a.name, "description": a.description, "org": a.org.to_string(),
                    "shards_open": a.shards_open, "shards_total": a.shards_total,
                    "steps_per_shard": a.est_steps_per_shard, "memory_per_shard_estimate": a.est_memory_per_shard,
                    "min_security_bits": a.min_security_bits, "fits": beyond_caps(a, &settings).is_none(),
                    "why_not": beyond_caps(a, &settings),
                    "org_reachable": org_error(&a.org).is_none(), "org_error": org_error(&a.org),
                    "name_used_by_orgs": found.jobs.orgs_named(&a.name).len(),
                    "choose_as": format!("{}@{}", a.name, a.org),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let (open, gone): (Vec<&JobView>, Vec<&JobView>) = views.into_iter().partition(|v| org_error(&v.ann.org).is_none());
    if open.is_empty() {
        println!("no open jobs found in {}; try a longer --wait", args.wait);
    } else {
        println!("{:<24} {:<16} {:>13} {:>12} {:>11}  org", "name", "job", "shards left", "steps/shard", "memory est.");
    }
    for v in &open {
        let a = &v.ann;
        let mut fits = beyond_caps(a, &settings).map(|w| format!("\n    (this node will skip it: {w})")).unwrap_or_default();
        let users = found.jobs.orgs_named(&a.name).len();
        if users > 1 {
            fits.push_str(&format!(
                "\n    (ambiguous: {users} orgs use the name {:?}; choose this one as --project {}@{})",
                a.name, a.name, a.org
            ));
        }
        println!(
            "{:<24} {:<16} {:>6}/{:<6} {:>12} {:>11}  {}{fits}",
            a.name,
            &a.job.to_hex()[..16],
            a.shards_open,
            a.shards_total,
            a.est_steps_per_shard,
            show_size(a.est_memory_per_shard),
            a.org
        );
    }
    if !gone.is_empty() {
        println!("listed by the bootstrap, but their org does not answer (stopped, or finished; the listing expires):");
        for v in gone {
            println!("  {:<22} {:<16} {}", v.ann.name, &v.ann.job.to_hex()[..16], org_error(&v.ann.org).unwrap_or_default());
        }
    }
    Ok(())
}

/// Orgs asked for their own list, at most: a directory or gossip may name many.
const MAX_ORGS_ASKED: usize = 256;

/// What `discover` found.
pub struct Found {
    pub jobs: Jobs,
    /// Orgs that did not answer `ListJobs`, and why.
    pub org_errors: HashMap<PeerId, String>,
    pub reached_bootstrap: bool,
    pub bootstrap_errors: Vec<(String, String)>,
}

/// Listens for `wait`: lists the directory of each bootstrap that connects, asks each org found
/// for its own list, and keeps gossip announcements heard meanwhile.
pub async fn discover(settings: &Settings, wait: Duration) -> anyhow::Result<Found> {
    // A throwaway identity: the daemon may be running with this data dir's key.
    let config = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Donor).with_bootstrap(settings.bootstrap.clone());
    let (client, mut events, event_loop) = proofgrid_protocol::new(config).context("cannot start the network")?;
    tokio::spawn(event_loop.run());
    let spinner = ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg}")?);
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message("looking for open jobs");
    proofgrid_daemon::progress::show(&spinner);
    let mut found = Found { jobs: Jobs::default(), org_errors: HashMap::new(), reached_bootstrap: false, bootstrap_errors: Vec::new() };
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
                if found.jobs.upsert(announcement).is_ok() { vec![org] } else { vec![] }
            }
            Event::BootstrapUnreachable { addr, error, .. } => {
                tracing::debug!(%addr, error, "bootstrap unreachable");
                if !found.bootstrap_errors.iter().any(|(a, _)| *a == addr.to_string()) {
                    found.bootstrap_errors.push((addr.to_string(), error));
                }
                vec![]
            }
            Event::BootstrapConnected { peer } => {
                found.reached_bootstrap = true;
                match client.directory(peer, DirectoryRequest::ListOpen).await {
                    Ok(DirectoryResponse::Open { entries }) => entries
                        .into_iter()
                        .filter_map(|e| {
                            let org = e.announcement.org;
                            match found.jobs.upsert(e.announcement) {
                                Ok(_) => Some(org),
                                Err(why) => {
                                    tracing::warn!(%org, "the directory listed a job that fails its org's signature: {why}");
                                    None
                                }
                            }
                        })
                        .collect(),
                    Ok(other) => {
                        tracing::warn!(?other, "unexpected directory answer");
                        vec![]
                    }
                    Err(e) => {
                        tracing::warn!("cannot list the bootstrap's directory: {}", net_error_text(&e));
                        vec![]
                    }
                }
            }
            _ => vec![],
        };
        for org in orgs {
            // Bounded: a directory may list many orgs, and each is asked at most once.
            if asked.contains(&org) || asked.len() >= MAX_ORGS_ASKED {
                continue;
            }
            asked.push(org);
            client.add_addresses(org, found.jobs.addresses_of(org)).await.ok();
            let answer = tokio::time::timeout(Duration::from_secs(10), client.work(org, WorkRequest::ListJobs)).await;
            match answer {
                Ok(Ok(WorkResponse::Jobs(list))) => {
                    found.jobs.replace_org(org, list);
                }
                Ok(Ok(WorkResponse::Refused { reason })) => {
                    found.org_errors.insert(org, format!("it refused to list its jobs: {reason}"));
                }
                Ok(Ok(WorkResponse::RateLimited { .. })) => {
                    found.org_errors.insert(org, "it is rate-limiting us; try again in a moment".into());
                }
                Ok(Ok(_)) => {
                    found.org_errors.insert(org, "it answered ListJobs with something else".into());
                }
                Ok(Err(e)) => {
                    found.org_errors.insert(org, net_error_text(&e));
                }
                Err(_) => {
                    found.org_errors.insert(org, "no answer within 10s".into());
                }
            }
        }
        spinner.set_message(format!("looking for open jobs: {} found", found.jobs.len()));
    }
    spinner.finish_and_clear();
    proofgrid_daemon::progress::done();
    client.shutdown().await;
    Ok(found)
}
