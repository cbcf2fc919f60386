//! `node worker` (hidden): the child process the daemon runs each phase of a shard in.

use std::path::PathBuf;

/// Run one task for the daemon (internal).
#[derive(clap::Args)]
#[command(after_help = "Started by `node donate`; not meant to be run by hand. Example:\n  node worker --task ~/.local/share/proofgrid/node/work/abc-3-0.task.json")]
pub struct WorkerArgs {
    /// The task file the daemon wrote.
    #[arg(long)]
    pub task: PathBuf,
}

pub fn run(args: WorkerArgs) -> i32 {
    proofgrid_node::worker::main(&args.task)
}

/// The worker's log: plain lines on stderr, no time stamp (the daemon reads them into its own
/// log, which stamps them), info for proofgrid unless RUST_LOG says otherwise.
pub fn init_logging() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(proofgrid_daemon::logging::default_filter(0, 0, env!("CARGO_CRATE_NAME"))));
    tracing_subscriber::fmt().with_env_filter(filter).without_time().with_ansi(false).with_writer(std::io::stderr).init();
}
