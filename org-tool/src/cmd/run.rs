//! `org-tool run`: the dry run. Executes a program on one shard exactly as a donor will before
//! proving it, and refuses a program that does not echo its arguments.

use std::path::PathBuf;
use std::time::Instant;

use proofgrid_cairo::{args, dry_run, Limits, Program, ProgramKind};
use serde_json::json;

/// Run a program on one shard's arguments in the Cairo VM (proof mode) and show the result.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool run cairo/programs/primes.json --args 2 100\n  \
org-tool run cairo/programs/collatz.cairo --args 0x1 30 --json\n  \
org-tool run cairo/programs/cairo1/primes.executable.json --args 2 100\n\n\
PROGRAM is Cairo 0 source (.cairo, compiled on the fly), Cairo 0 compiled JSON or a Cairo 1 \
executable. Arguments are decimal or 0x-hex integers; a job program's output must begin with them.",
    allow_negative_numbers = true)]
pub struct RunArgs {
    /// The program: .cairo (Cairo 0 source), compiled Cairo 0 JSON, or a Cairo 1 executable JSON.
    pub program: PathBuf,
    /// The shard's arguments (decimal or 0x-hex).
    #[arg(long, num_args = 1..)]
    pub args: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Stop with an error after this many steps.
    #[arg(long, default_value_t = Limits::default().max_steps)]
    pub max_steps: usize,
    /// Stop with an error past this many memory cells.
    #[arg(long, default_value_t = Limits::default().max_memory_cells)]
    pub max_memory_cells: usize,
}

pub fn run(cli: RunArgs) -> anyhow::Result<()> {
    let program = Program::load(&cli.program)?;
    let felts = args::parse(&cli.args)?;
    let limits = Limits {
        max_steps: cli.max_steps,
        max_memory_cells: cli.max_memory_cells,
    };
    let started = Instant::now();
    let execution = dry_run(&program, &felts, &limits)?;
    let wall = started.elapsed();

    // A dry run says whether the run can also be proven: a builtin without a component is only
    // refused at publish or prove time otherwise.
    let provable = proofgrid_prover::public::check_statement(&proofgrid_cairo::Statement::from_execution(&execution))
        .map_err(|e| e.to_string());
    let output = args::to_decimal(&execution.output);
    let used: Vec<String> = execution.used_builtins().iter().map(|b| b.to_string()).collect();
    let kind = match program.kind() {
        ProgramKind::Cairo0 => "cairo0",
        ProgramKind::Cairo1 => "cairo1",
    };
    if cli.json {
        let report = json!({
            "program": cli.program.display().to_string(),
            "kind": kind,
            "program_hash": super::hash_hex(&execution.program_hash),
            "args": args::to_decimal(&execution.args),
            "output": output,
            "steps": execution.steps,
            "builtins": used,
            "memory_cells": execution.memory_cells(),
            "wall_time_ms": wall.as_secs_f64() * 1e3,
            "provable": provable.is_ok(),
            "not_provable_because": provable.as_ref().err(),
        });
        println!("{report}");
    } else {
        println!("program       {} ({kind}, hash {})", cli.program.display(), super::hash_hex(&execution.program_hash));
        println!("args          {}", args::to_decimal(&execution.args).join(" "));
        println!("output        {}", output.join(" "));
        println!("steps         {}", execution.steps);
        println!("builtins      {}", if used.is_empty() { "none".to_string() } else { used.join(", ") });
        println!("memory cells  {}", execution.memory_cells());
        println!("wall time     {:.1} ms", wall.as_secs_f64() * 1e3);
        match &provable {
            Ok(()) => println!("provable      yes"),
            Err(why) => println!("provable      NO: {why}; publishing or proving it will be refused"),
        }
    }
    if let Err(why) = &provable {
        tracing::warn!("this run cannot be proven: {why}");
    }
    Ok(())
}
