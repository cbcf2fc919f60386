//! The donor's node: donates this machine's spare time to proofgrid jobs by running their Cairo
//! shards and proving them. For now it offers `node prove`, a self-test that proves one shard.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(
    name = "node",
    version,
    about = "proofgrid's donor node: run and prove Cairo shards for the organizations you choose to help",
    after_help = "Examples:\n  node prove cairo/programs/primes.json --args 2 1000 -o primes.proof --threads 2\n\n\
Logs go to stderr; set RUST_LOG=debug for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Prove(cmd::prove::ProveArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,node=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Prove(args) => cmd::prove::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
