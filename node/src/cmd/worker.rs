//! `node worker` (hidden): the child process the daemon runs each phase of a shard in.

use std::path::PathBuf;

/// Run one task for the daemon (internal).
#[derive(clap::Args)]
#[command(after_help = "Started by `node donate`; not meant to be run by hand. Example:\n  node worker --task ~/.local/share/proofgrid-node/work/abc-3-0.task.json")]
pub struct WorkerArgs {
    /// The task file the daemon wrote.
    #[arg(long)]
    pub task: PathBuf,
}

pub fn run(args: WorkerArgs) -> i32 {
    proofgrid_node::worker::main(&args.task)
}
