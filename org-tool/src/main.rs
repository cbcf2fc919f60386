//! The organization tool: everything an organization does with proofgrid, from the command line:
//! compile and dry-run programs, publish jobs and serve them to donors, watch progress, read and
//! aggregate verified results, and audit the proofs behind them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use proofgrid_org_tool::cmd;

#[derive(Parser)]
#[command(
    name = "org-tool",
    version,
    about = "proofgrid's organization tool: publish Cairo jobs to donors, verify their proofs, aggregate the results",
    after_help = "Examples:\n  org-tool keygen --data-dir ./org-data\n  \
org-tool publish cairo/programs/primes.cairo --shards cairo/programs/primes.shards.jsonl --name primes \\\n      \
--bootstrap /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW... --data-dir ./org-data\n  \
org-tool status --data-dir ./org-data\n  org-tool results primes --reduce sum --data-dir ./org-data\n  \
org-tool verify primes --data-dir ./org-data\n  org-tool run cairo/programs/primes.json --args 2 100\n\n\
Logs go to stderr; set RUST_LOG=debug for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Keygen(cmd::keygen::KeygenArgs),
    Publish(cmd::publish::PublishArgs),
    Serve(cmd::publish::ServeOnlyArgs),
    Status(cmd::status::StatusArgs),
    Results(cmd::results::ResultsArgs),
    Verify(cmd::verify::VerifyArgs),
    Run(cmd::run::RunArgs),
    Compile(cmd::compile::CompileArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,proofgrid_cairo=info,org_tool=info")),
        )
        .with_writer(|| proofgrid_org_tool::org::progress::LogWriter)
        .init();
    let cli = Cli::parse();
    // Not for the servers, nor for `results --pipe`, which reports its command's own exit status.
    let piping = matches!(&cli.command, Command::Results(r) if r.pipe.is_some());
    if !matches!(cli.command, Command::Publish(_) | Command::Serve(_)) && !piping {
        stop_quietly_when_stdout_closes();
    }
    let result = match cli.command {
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Publish(args) => cmd::publish::run_publish(args),
        Command::Serve(args) => cmd::publish::run_serve(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Results(args) => cmd::results::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Compile(args) => cmd::compile::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<proofgrid_org_tool::org::peer::StoppedEarly>() {
            Some(stopped) => {
                eprintln!("{stopped}");
                ExitCode::from(stopped.exit_code())
            }
            None => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
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
