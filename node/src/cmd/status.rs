//! `node status`: what the daemon on this data dir is doing, asked over its control socket; when
//! none runs, the last status it wrote, and exit status 3.

use proofgrid_node::status::{self, Link, Status};
use proofgrid_node::units::show_size;

use super::{call, DaemonDir, NotRunning};

/// Show what the donor node is doing and why: its peer id and addresses, whether it reaches the
/// bootstrap and the orgs, the shard in progress, why it is paused, its caps, and what it has
/// done per project.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  node status\n  node status --json | jq .status.current\n  node status --data-dir /var/lib/proofgrid/node\n\n\
Exit status: 0 a node is running; 3 none is (the last status it wrote is shown); 1 an error.\n\
--json prints {\"running\": bool, \"pid\": number or null, \"status\": {...} or null} either way.")]
pub struct StatusArgs {
    #[command(flatten)]
    pub dir: DaemonDir,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let data_dir = args.dir.path()?;
    match call(&data_dir, "status", serde_json::Value::Null) {
        Ok(value) => {
            let st: Status = serde_json::from_value(value.clone())?;
            if args.json {
                println!("{}", serde_json::json!({ "running": true, "pid": st.pid, "status": value }));
            } else {
                print_status(&st, true);
            }
            Ok(())
        }
        Err(e) if e.downcast_ref::<NotRunning>().is_some() => {
            let last = status::read(&data_dir).ok().flatten();
            if args.json {
                println!("{}", serde_json::json!({ "running": false, "pid": null, "status": last }));
            } else if let Some(st) = &last {
                println!("not running (last status from {}s ago)", status::unix_now().saturating_sub(st.updated_at));
                print_status(st, false);
            }
            Err(e)
        }
        Err(e) => Err(e),
    }
}

fn print_status(st: &Status, running: bool) {
    if running {
        let doing = st.activity.as_ref().map(|a| format!(": {a}")).unwrap_or_default();
        println!("node {} is {}{doing}", st.pid, st.state);
    }
    println!("  peer id      {}", st.peer_id);
    for a in &st.listen_addrs {
        println!("  listening    {a}");
    }
    for b in &st.network.bootstrap {
        println!("  bootstrap    {} {}", b.label, link_state(b));
    }
    for o in &st.network.orgs {
        let label = if o.label.is_empty() { o.peer.clone() } else { format!("{} ({})", o.label, short(&o.peer)) };
        println!("  org          {label} {}", link_state(o));
    }
    if let Some(c) = &st.current {
        let progress = match (c.progress, c.expected_cpu_secs) {
            (Some(p), Some(e)) => format!("about {:.0}% ({:.1} of ~{:.1} CPU-s, from this node's earlier shards)", p * 100.0, c.cpu_secs, e),
            _ => format!("{:.1} CPU-s so far (no earlier shard of this job to compare with)", c.cpu_secs),
        };
        println!("  shard        {} {} of {}: {progress}", c.phase, c.shard, c.project);
    }
    if let Some(p) = &st.paused {
        println!("  paused       {}", p.explain);
    }
    if !st.share_reason.is_empty() && st.paused.is_none() {
        println!("  CPU share    {}", st.share_reason);
    }
    println!("  role         {} on {} thread(s)", st.role, st.threads);
    if let Some(c) = &st.caps {
        println!(
            "  caps         max_memory {}, max_steps {}, {} of {} cores, hours {}, projects {}{}",
            show_size(c.max_memory),
            c.max_steps,
            c.threads,
            c.cores,
            c.hours.as_deref().unwrap_or("all day"),
            if c.projects.is_empty() { "all".to_string() } else { c.projects.join(", ") },
            if c.pause_on_battery { ", pauses on battery" } else { "" }
        );
        for a in &c.adjustments {
            println!("  note         {a}");
        }
    }
    println!(
        "  machine      others use {:.0}% CPU{}",
        st.other_cpu_percent,
        match st.on_battery {
            Some(true) => ", on battery",
            Some(false) => ", on mains",
            None => "",
        }
    );
    if let Some(w) = &st.worker {
        println!("  worker       pid {}{}, {:.1} CPU-s, {}", w.pid, if w.stopped { " (stopped)" } else { "" }, w.cpu_secs, show_size(w.memory));
    }
    println!("  used         {:.1} CPU-s since start, peak memory {}", st.cpu_secs, show_size(st.peak_memory));
    println!("  outbox       {} waiting for their org", st.outbox);
    println!("  jobs seen    {}", st.jobs_seen);
    for p in &st.projects {
        println!(
            "  project {:<20} produced {} accepted {} verified {} rejected {} failed {}  ({:.1} CPU-s){}",
            p.stats.name,
            p.stats.produced,
            p.stats.accepted,
            p.stats.verified,
            p.stats.rejected,
            p.stats.failed,
            p.stats.cpu_secs,
            p.skipped.as_ref().map(|s| format!("\n    skipped: {s}")).unwrap_or_default()
        );
    }
    for w in &st.warnings {
        println!("  NEEDS YOU    {w}");
    }
    if let Some(e) = &st.last_error {
        println!("  last problem {e}");
    }
    if let Some(c) = &st.config_file {
        println!("  config       {c}{}", if std::path::Path::new(c).exists() { "" } else { " (absent: defaults and flags)" });
    }
}

fn link_state(l: &Link) -> String {
    let ago = |t: u64| format!("{}s ago", status::unix_now().saturating_sub(t));
    match (l.connected, &l.last_error) {
        (true, _) => "connected".to_string(),
        (false, Some(e)) if l.failures > 0 => {
            format!("NOT REACHABLE: {e} ({} failures in a row, last {})", l.failures, l.last_error_at.map(ago).unwrap_or_default())
        }
        (false, _) => match l.last_ok {
            Some(t) => format!("not connected now (last answer {})", ago(t)),
            None => "not connected yet".to_string(),
        },
    }
}

fn short(peer: &str) -> &str {
    &peer[..peer.len().min(16)]
}
