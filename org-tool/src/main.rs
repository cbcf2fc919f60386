//! The organization tool: everything an organization does with proofgrid, from the command line.
//! For now that is compiling Cairo 0 programs and dry-running a program on one shard.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(
    name = "org-tool",
    version,
    about = "proofgrid's organization tool: compile Cairo programs and dry-run them on a shard",
    after_help = "Examples:\n  org-tool compile cairo/programs/primes.cairo\n  org-tool run cairo/programs/primes.json --args 2 100\n\nLogs go to stderr; set RUST_LOG=debug for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Run(cmd::run::RunArgs),
    Compile(cmd::compile::CompileArgs),
    Verify(cmd::verify::VerifyArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,proofgrid_cairo=info,org_tool=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Compile(args) => cmd::compile::run(args),
        Command::Verify(args) => cmd::verify::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
