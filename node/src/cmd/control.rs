//! `node pause`, `node resume`, `node set` and `node stop`: change what the running daemon does,
//! through its control socket, without a restart.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{call, DaemonDir};

/// Pause the running node: its worker is stopped at once (SIGSTOP; nothing is lost) and no
/// shard is claimed until `node resume`. The pause holds across restarts.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  node pause\n  node pause --reason \"gaming tonight\"\n  node pause --data-dir /var/lib/proofgrid/node\n\n\
Uploads of finished proofs go on while paused. Exit status 3: no node is running.")]
pub struct PauseArgs {
    #[command(flatten)]
    pub dir: DaemonDir,
    /// A note shown in `node status`.
    #[arg(long)]
    pub reason: Option<String>,
}

/// Resume a node paused with `node pause`.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  node resume\n\nExit status 3: no node is running.")]
pub struct ResumeArgs {
    #[command(flatten)]
    pub dir: DaemonDir,
}

/// Change a setting of the running node, without a restart. KEY is a config-file key.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  node set cpu_percent 50\n  node set busy_cpu_percent 100\n  node set threads 2          (from the next shard on)\n  \
node set projects primes,collatz\n  node set hours 22-07        (none: all day)\n  node set max_memory 4G\n\n\
Keys: projects, role, threads, cpu_percent, busy_cpu_percent, when, idle_cpu, busy_after, idle_after,\n\
hours, pause_on_battery, max_memory, max_steps (bootstrap and listen need a restart).\n\
The change lasts until the node stops or reloads its config (SIGHUP): to keep it, put it in the\n\
config file too. Exit status 3: no node is running.")]
pub struct SetArgs {
    pub key: String,
    pub value: String,
    #[command(flatten)]
    pub dir: DaemonDir,
}

/// Stop the running node: it finishes its bookkeeping and exits (work in progress resumes at the
/// next start). Waits until it has.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  node stop\n  node stop --timeout 2m\n\nExit status 3: no node is running; 1: it did not stop within the timeout.")]
pub struct StopArgs {
    #[command(flatten)]
    pub dir: DaemonDir,
    /// How long to wait for it to exit.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    pub timeout: String,
}

pub fn pause(args: PauseArgs) -> anyhow::Result<()> {
    let dir = args.dir.path()?;
    let r = call(&dir, "pause", json!({ "reason": args.reason }))?;
    if r["already"].as_bool() == Some(true) {
        println!("the node was already paused");
    } else {
        println!("paused; `node resume` starts it again (the pause holds across restarts)");
    }
    Ok(())
}

pub fn resume(args: ResumeArgs) -> anyhow::Result<()> {
    let dir = args.dir.path()?;
    let r = call(&dir, "resume", json!(null))?;
    if r["was_paused"].as_bool() == Some(true) {
        println!("resumed");
    } else {
        println!("the node was not paused by `node pause` (node status says why it waits, if it does)");
    }
    Ok(())
}

pub fn set(args: SetArgs) -> anyhow::Result<()> {
    let dir = args.dir.path()?;
    let r = call(&dir, "set", json!({ "key": args.key, "value": args.value }))?;
    println!("{} = {}: applies {}", args.key, args.value, r["applies"].as_str().unwrap_or("now"));
    for a in r["adjustments"].as_array().into_iter().flatten() {
        println!("note: {}", a.as_str().unwrap_or_default());
    }
    Ok(())
}

pub fn stop(args: StopArgs) -> anyhow::Result<()> {
    let dir = args.dir.path()?;
    let timeout = proofgrid_node::units::parse_duration(&args.timeout).map_err(anyhow::Error::msg)?;
    let r = call(&dir, "stop", json!(null))?;
    let pid = r["pid"].as_u64().unwrap_or(0);
    // The data dir's lock is released when the process exits, even if it is killed.
    let start = Instant::now();
    while proofgrid_node::lock::is_held(&dir).is_some() {
        if start.elapsed() > timeout {
            anyhow::bail!("node {pid} was asked to stop but still runs after {}; see its log", args.timeout);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("node {pid} stopped");
    Ok(())
}
