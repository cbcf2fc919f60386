//! The donor's node: donates this machine's spare time to proofgrid jobs by running their Cairo
//! shards and proving them (`node donate`), within the resource budget its owner sets.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use proofgrid_daemon::logging::{self, LogArgs};

mod cmd;

#[derive(Parser)]
#[command(
    name = "node",
    version,
    about = "proofgrid's donor node: run and prove Cairo shards for the organizations you choose to help",
    after_help = "Examples:\n  node projects --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW...\n  \
node donate --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW... --project primes --cpu-percent 50\n  \
node status\n  node pause; node resume; node set cpu_percent 50; node stop\n  \
node prove cairo/programs/primes.json --args 2 100 -o primes.proof --threads 2\n\n\
Logs go to stderr (info by default; -v, -q, --log-file FILE; RUST_LOG overrides).\n\
Exit status: 0 done, 1 error, 3 no node running on the data dir (status, pause, resume, set, stop)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    log: LogArgs,
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    Donate(cmd::donate::DonateArgs),
    Projects(cmd::projects::ProjectsArgs),
    Status(cmd::status::StatusArgs),
    Pause(cmd::control::PauseArgs),
    Resume(cmd::control::ResumeArgs),
    Set(cmd::control::SetArgs),
    Stop(cmd::control::StopArgs),
    Prove(cmd::prove::ProveArgs),
    #[command(hide = true)]
    Worker(cmd::worker::WorkerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = match &cli.command {
        // The daemon reads the worker's stderr line by line into its own log: plain lines.
        Command::Worker(_) => {
            cmd::worker::init_logging();
            None
        }
        _ => match logging::init(&cli.log, env!("CARGO_CRATE_NAME")) {
            Ok(handle) => Some(handle),
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        },
    };
    if !matches!(cli.command, Command::Donate(_) | Command::Worker(_)) {
        stop_quietly_when_stdout_closes();
    }
    let result = match cli.command {
        Command::Donate(args) => cmd::donate::run(args, log.expect("logging is set up")),
        Command::Projects(args) => cmd::projects::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Pause(args) => cmd::control::pause(args),
        Command::Resume(args) => cmd::control::resume(args),
        Command::Set(args) => cmd::control::set(args),
        Command::Stop(args) => cmd::control::stop(args),
        Command::Prove(args) => cmd::prove::run(args),
        Command::Worker(args) => return ExitCode::from(cmd::worker::run(args).clamp(0, 255) as u8),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<cmd::NotRunning>() {
            Some(not_running) => {
                eprintln!("{not_running}");
                ExitCode::from(proofgrid_daemon::EXIT_NOT_RUNNING)
            }
            None => {
                eprintln!("error: {}", proofgrid_daemon::errors::describe(&error));
                ExitCode::FAILURE
            }
        },
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
