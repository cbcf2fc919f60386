//! The donor's node: donates this machine's spare time to proofgrid jobs by running their Cairo
//! shards and proving them (`node donate`), within the resource budget its owner sets.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(
    name = "node",
    version,
    about = "proofgrid's donor node: run and prove Cairo shards for the organizations you choose to help",
    after_help = "Examples:\n  node projects --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW...\n  \
node donate --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW... --project primes --cpu-percent 50\n  \
node status\n  node prove cairo/programs/primes.json --args 2 1000 -o primes.proof --threads 2\n\n\
Logs go to stderr; set RUST_LOG=debug for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    Donate(cmd::donate::DonateArgs),
    Projects(cmd::projects::ProjectsArgs),
    Status(cmd::status::StatusArgs),
    Prove(cmd::prove::ProveArgs),
    #[command(hide = true)]
    Worker(cmd::worker::WorkerArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,node=info,proofgrid_node=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if matches!(cli.command, Command::Projects(_) | Command::Status(_) | Command::Prove(_)) {
        stop_quietly_when_stdout_closes();
    }
    let result = match cli.command {
        Command::Donate(args) => cmd::donate::run(args),
        Command::Projects(args) => cmd::projects::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Prove(args) => cmd::prove::run(args),
        Command::Worker(args) => return ExitCode::from(cmd::worker::run(args).clamp(0, 255) as u8),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// For the commands that print and exit: when whoever reads our stdout goes away (`| head`), end
/// the way Unix tools do, by SIGPIPE, rather than Rust's default of ignoring the signal and then
/// panicking on the failed print. The daemon keeps the default: a closed connection must never
/// end it.
fn stop_quietly_when_stdout_closes() {
    // SAFETY: called before any thread is started; restores the signal's default action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
