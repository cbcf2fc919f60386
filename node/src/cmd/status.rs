//! `node status`: what the daemon on this data dir is doing, read from its status file.

use std::path::PathBuf;

use anyhow::Context;
use proofgrid_node::{config, lock, status, units::show_size};

/// Show what the donor daemon is doing, why it is paused, and what it has done per project.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  node status\n  node status --json | jq .projects\n  node status --data-dir /var/lib/proofgrid-node")]
pub struct StatusArgs {
    /// The daemon's data dir [default: the platform's data dir].
    #[arg(long, value_name = "DIR", env = "PROOFGRID_NODE_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print one JSON object: {"running": bool, "status": {...} or null}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let data_dir = config::data_dir(args.data_dir)?;
    let running = lock::is_held(&data_dir);
    let st = status::read(&data_dir).with_context(|| format!("cannot read the status file in {}", data_dir.display()))?;
    if args.json {
        println!("{}", serde_json::json!({ "running": running.is_some(), "pid": running, "status": st }));
        return Ok(());
    }
    let Some(st) = st else {
        println!("no node has run with data dir {} (start one with `node donate`)", data_dir.display());
        return Ok(());
    };
    match running {
        Some(pid) => println!("node {pid} is {}", st.state),
        None => println!("not running (last status from {}s ago: {})", status::unix_now().saturating_sub(st.updated_at), st.state),
    }
    if let Some(a) = &st.activity {
        println!("  doing        {a}");
    }
    if let Some(p) = &st.paused {
        println!("  paused       {}", p.explain);
    }
    println!("  role         {} on {} thread(s), CPU share now {:.0}%", st.role, st.threads, st.cpu_share * 100.0);
    println!("  machine      others use {:.0}% CPU{}", st.other_cpu_percent,
        match st.on_battery { Some(true) => ", on battery", Some(false) => ", on mains", None => "" });
    if let Some(w) = &st.worker {
        println!("  worker       pid {}{}, {:.1} CPU-s, {}", w.pid, if w.stopped { " (stopped)" } else { "" }, w.cpu_secs, show_size(w.memory));
    }
    println!("  used         {:.1} CPU-s since start, peak memory {}", st.cpu_secs, show_size(st.peak_memory));
    println!("  outbox       {} waiting for their org", st.outbox);
    println!("  jobs seen    {}", st.jobs_seen);
    for p in &st.projects {
        println!(
            "  project {:<20} produced {} accepted {} verified {} rejected {} failed {}  ({:.1} CPU-s){}",
            p.stats.name, p.stats.produced, p.stats.accepted, p.stats.verified, p.stats.rejected, p.stats.failed, p.stats.cpu_secs,
            p.skipped.as_ref().map(|s| format!("\n    skipped: {s}")).unwrap_or_default()
        );
    }
    if let Some(e) = &st.last_error {
        println!("  last problem {e}");
    }
    Ok(())
}
