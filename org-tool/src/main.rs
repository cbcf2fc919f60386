//! The organization tool: everything an organization does with proofgrid, from the command line:
//! compile and dry-run programs, publish jobs and serve them to donors, watch progress, read and
//! aggregate verified results, and audit the proofs behind them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use proofgrid_daemon::logging::{self, LogArgs};

use proofgrid_org_tool::cmd;

#[derive(Parser)]
#[command(
    name = "org-tool",
    version,
    about = "proofgrid's organization tool: publish Cairo jobs to donors, verify their proofs, aggregate the results",
    after_help = "Examples:\n  org-tool keygen\n  \
org-tool publish cairo/programs/primes.cairo --shards cairo/programs/primes.shards.jsonl --name primes \\\n      \
--bootstrap /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...\n  \
org-tool status --live\n  org-tool stop\n  org-tool results primes --reduce sum\n  \
org-tool verify primes\n  org-tool run cairo/programs/primes.json --args 2 100\n\n\
The data dir defaults to ~/.local/share/proofgrid/org (--data-dir or PROOFGRID_ORG_DIR to change).\n\
Logs go to stderr (info by default; -v, -q, --log-file FILE; RUST_LOG overrides).\n\
Exit status: 0 done, 1 error, 3 no org serving the data dir (status --live, stop)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    log: LogArgs,
}

#[derive(Subcommand)]
enum Command {
    Keygen(cmd::keygen::KeygenArgs),
    Publish(cmd::publish::PublishArgs),
    Serve(cmd::publish::ServeOnlyArgs),
    Status(cmd::status::StatusArgs),
    Stop(cmd::stop::StopArgs),
    Results(cmd::results::ResultsArgs),
    Verify(cmd::verify::VerifyArgs),
    Run(cmd::run::RunArgs),
    Compile(cmd::compile::CompileArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = match logging::init(&cli.log, env!("CARGO_CRATE_NAME")) {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    // Not for the servers, nor for `results --pipe`, which reports its command's own exit status.
    let piping = matches!(&cli.command, Command::Results(r) if r.pipe.is_some());
    if !matches!(cli.command, Command::Publish(_) | Command::Serve(_)) && !piping {
        stop_quietly_when_stdout_closes();
    }
    let result = match cli.command {
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Publish(args) => cmd::publish::run_publish(args, log),
        Command::Serve(args) => cmd::publish::run_serve(args, log),
        Command::Status(args) => cmd::status::run(args),
        Command::Stop(args) => cmd::stop::run(args),
        Command::Results(args) => cmd::results::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Compile(args) => cmd::compile::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => exit_for(&error),
    }
}

/// The exit status for an error: what the command's own contract says (a signal before done, no
/// org serving, a piped command's status), else 1 with the message.
fn exit_for(error: &anyhow::Error) -> ExitCode {
    if let Some(stopped) = error.downcast_ref::<proofgrid_org_tool::org::peer::StoppedEarly>() {
        eprintln!("{stopped}");
        return ExitCode::from(stopped.exit_code());
    }
    if let Some(not_serving) = error.downcast_ref::<cmd::NotServing>() {
        eprintln!("{not_serving}");
        return ExitCode::from(proofgrid_daemon::EXIT_NOT_RUNNING);
    }
    if let Some(exit) = error.downcast_ref::<cmd::ExitWith>() {
        if let Some(message) = &exit.message {
            eprintln!("{message}");
        }
        return ExitCode::from(exit.code);
    }
    eprintln!("error: {}", proofgrid_daemon::errors::describe(&error));
    ExitCode::FAILURE
}

/// For the commands that print and exit: when whoever reads our stdout goes away (`| head`), end
/// the way Unix tools do, by SIGPIPE, rather than Rust's default of ignoring the signal and then
/// panicking on the failed print. The serving commands keep the default: a donor's closed
/// connection must never end the org.
fn stop_quietly_when_stdout_closes() {
    // SAFETY: called before any thread is started; restores the signal's default action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
