//! `org-tool compile`: Cairo 0 source to proof-mode compiled JSON.

use std::path::PathBuf;

use anyhow::Context;
use proofgrid_cairo::{compiler, Program};

/// Compile a Cairo 0 program (with cairo-compile --proof_mode, installed on first use).
#[derive(clap::Args)]
#[command(after_help = "Example:\n  org-tool compile cairo/programs/primes.cairo -o primes.json")]
pub struct CompileArgs {
    /// Cairo 0 source file.
    pub file: PathBuf,
    /// Where to write the compiled JSON [default: FILE with the extension .json].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: CompileArgs) -> anyhow::Result<()> {
    if args.file.extension().is_none_or(|e| e != "cairo") {
        anyhow::bail!(
            "{} is not Cairo 0 source: compile takes a .cairo file (Cairo 1 programs are built \
             with Scarb and run as they are)",
            args.file.display()
        );
    }
    let output = args.output.unwrap_or_else(|| args.file.with_extension("json"));
    compiler::compile(&args.file, &output)?;
    // Loading it back checks it is a program proofgrid can run (proof mode, args convention).
    let program = Program::load(&output)
        .with_context(|| format!("compiled {}, but the result cannot be used", args.file.display()))?;
    println!(
        "compiled {} -> {} ({} words, program hash {})",
        args.file.display(),
        output.display(),
        program.bytecode().len(),
        super::hash_hex(&program.program_hash())
    );
    Ok(())
}
