//! `org-tool verify`: checks one proof of one shard, as the organization does before it accepts a
//! result, and prints the proven output.

use std::path::PathBuf;

use anyhow::Context;
use proofgrid_cairo::{args, Program};
use proofgrid_prover::{verify_for, CairoProof};

/// Verify a proof that PROGRAM ran on the given arguments; print the proven output.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  org-tool verify cairo/programs/primes.json --args 2 1000 --proof primes.proof\n  \
org-tool verify cairo/programs/primes.json --args 2 1000 --proof primes.proof --min-security 100 --json\n\n\
Exits non-zero and names the failed check when the proof is rejected.",
    allow_negative_numbers = true
)]
pub struct VerifyArgs {
    /// The job's program: .cairo source, compiled Cairo 0 JSON, or a Cairo 1 executable JSON.
    pub program: PathBuf,
    /// The shard's arguments the proof must be about.
    #[arg(long, num_args = 1..)]
    pub args: Vec<String>,
    /// The proof file (from `node prove` or a donor).
    #[arg(long)]
    pub proof: PathBuf,
    /// Refuse proofs with fewer conjectured security bits.
    #[arg(long, default_value_t = 100)]
    pub min_security: u32,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: VerifyArgs) -> anyhow::Result<()> {
    let program = Program::load(&cli.program)?;
    let felts = args::parse(&cli.args)?;
    let bytes = std::fs::read(&cli.proof).with_context(|| format!("reading the proof {}", cli.proof.display()))?;
    let proof = CairoProof::from_bytes(&bytes).with_context(|| format!("{} is not a usable proof", cli.proof.display()))?;
    let output = verify_for(&program.program_hash(), &felts, &proof, cli.min_security)
        .context("proof REJECTED")?;
    let output = args::to_decimal(&output);
    if cli.json {
        println!(
            "{}",
            serde_json::json!({
                "verified": true,
                "output": output,
                "result": &output[felts.len()..],
                "security_bits": proof.stark.options.security_bits(),
            })
        );
    } else {
        println!("verified       yes ({} bits)", proof.stark.options.security_bits());
        println!("output         {}", output.join(" "));
        println!("result         {}", output[felts.len()..].join(" "));
    }
    Ok(())
}
