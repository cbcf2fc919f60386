//! `node prove`: a donor's self-test. Runs one shard and proves it, exactly as `node donate` will,
//! and says how long it took, so an owner knows what their machine can do.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use proofgrid_cairo::{args, execute, Limits, Program};
use proofgrid_prover::{prove, verify, ProofOptions};

/// Run a program on one shard's arguments, prove the run and write the proof to a file.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  node prove cairo/programs/primes.json --args 2 1000 -o primes.proof\n  \
node prove cairo/programs/collatz.json --args 1 200 -o c.proof --threads 1 --json\n\n\
Check the proof with: org-tool verify cairo/programs/primes.json --args 2 1000 --proof primes.proof",
    allow_negative_numbers = true
)]
pub struct ProveArgs {
    /// The program: .cairo (Cairo 0 source), compiled Cairo 0 JSON, or a Cairo 1 executable JSON.
    pub program: PathBuf,
    /// The shard's arguments (decimal or 0x-hex).
    #[arg(long, num_args = 1..)]
    pub args: Vec<String>,
    /// Where to write the proof.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Prover threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// FRI queries; with the blowup and grinding this sets the security level.
    #[arg(long, default_value_t = ProofOptions::DEFAULT.queries)]
    pub queries: u16,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: ProveArgs) -> anyhow::Result<()> {
    let program = Program::load(&cli.program)?;
    let felts = args::parse(&cli.args)?;
    let spinner = ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}")?);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner.set_message("executing");
    let started = Instant::now();
    let execution = execute(&program, &felts, &Limits::default())?;
    let exec_time = started.elapsed();
    spinner.set_message(format!("proving {} steps", execution.steps));
    let options = ProofOptions { queries: cli.queries, ..ProofOptions::DEFAULT };
    let started = Instant::now();
    let proof = prove(&execution, &options, cli.threads)?;
    let prove_time = started.elapsed();
    let bytes = proof.to_bytes();
    spinner.set_message("checking the proof");
    let started = Instant::now();
    verify(&proof, 0).context("the proof this node just made does not verify: please report this bug")?;
    let verify_time = started.elapsed();
    spinner.finish_and_clear();
    std::fs::write(&cli.output, &bytes).with_context(|| format!("writing {}", cli.output.display()))?;

    let threads = if cli.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { cli.threads };
    let output = args::to_decimal(&execution.output);
    if cli.json {
        println!(
            "{}",
            serde_json::json!({
                "output": output,
                "steps": execution.steps,
                "trace_length": 1u64 << proof.params.cpu_log,
                "execute_ms": exec_time.as_secs_f64() * 1e3,
                "prove_ms": prove_time.as_secs_f64() * 1e3,
                "verify_ms": verify_time.as_secs_f64() * 1e3,
                "proof_bytes": bytes.len(),
                "security_bits": options.security_bits(),
                "threads": threads,
                "proof": cli.output.display().to_string(),
            })
        );
    } else {
        println!("output         {}", output.join(" "));
        println!("steps          {} (CPU trace of {} rows)", execution.steps, 1u64 << proof.params.cpu_log);
        println!("execute time   {:.1} ms", exec_time.as_secs_f64() * 1e3);
        println!("prove time     {:.2} s on {threads} threads", prove_time.as_secs_f64());
        println!("verify time    {:.1} ms", verify_time.as_secs_f64() * 1e3);
        println!("proof size     {} bytes", bytes.len());
        println!("security       {} bits (conjectured)", options.security_bits());
        println!("written to     {}", cli.output.display());
    }
    Ok(())
}
