//! `node prove`: a donor's self-test. Runs one shard and proves it, exactly as `node donate` will,
//! and says how long it took, so an owner knows what their machine can do.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use proofgrid_cairo::{args, execute, Limits, Program};
use proofgrid_node::units::show_size;
use proofgrid_prover::{cost, prove, verify, ProofOptions};

/// Run a program on one shard's arguments, prove the run and write the proof to a file.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  node prove cairo/programs/primes.json --args 2 100 -o primes.proof\n  \
node prove cairo/programs/collatz.json --args 1 30 -o c.proof --threads 1 --json\n\n\
Check the proof with: org-tool verify cairo/programs/primes.json --args 2 100 --proof primes.proof\n\
Memory grows with the trace: about 11 KiB per row (a full 2^16-row trace takes ~0.7 GiB).",
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
    /// Prover threads (0: one per core; at most the machine's cores).
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
    let cores = proofgrid_node::config::cores();
    let threads = match cli.threads {
        0 => cores,
        t if t > cores => {
            tracing::warn!("--threads {t} is more than this machine's {cores} cores: using {cores} (more threads than cores only slow the prover down)");
            cores
        }
        t => t,
    };
    let program = Program::load(&cli.program)?;
    let felts = args::parse(&cli.args)?;
    // The prover reports no progress of its own: the spinner says which phase runs and for how
    // long, and what the proof is expected to need.
    let spinner = ProgressBar::new_spinner().with_style(ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")?);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    proofgrid_daemon::progress::show(&spinner);
    spinner.set_message("executing the program");
    let started = Instant::now();
    let execution = execute(&program, &felts, &Limits::default())?;
    let exec_time = started.elapsed();
    let rows = cost::rows(execution.steps as u64, execution.memory_cells() as u64);
    let need = cost::resident_for(&execution);
    if let Some(free) = available_memory().filter(|free| need > *free) {
        tracing::warn!("this proof needs about {} of memory (an estimate) and {} is available: it may fail or swap", show_size(need), show_size(free));
    }
    spinner.set_message(format!(
        "proving {} steps (a trace of 2^{} rows, about {} of memory) on {threads} thread(s)",
        execution.steps,
        rows.trailing_zeros(),
        show_size(need)
    ));
    let options = ProofOptions { queries: cli.queries, ..ProofOptions::DEFAULT };
    let started = Instant::now();
    let proof = prove(&execution, &options, threads)?;
    let prove_time = started.elapsed();
    let bytes = proof.to_bytes();
    spinner.set_message("checking the proof");
    let started = Instant::now();
    verify(&proof, 0).context("the proof this node just made does not verify: please report this bug")?;
    let verify_time = started.elapsed();
    spinner.finish_and_clear();
    proofgrid_daemon::progress::done();
    std::fs::write(&cli.output, &bytes).with_context(|| format!("cannot write the proof to {}", cli.output.display()))?;

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

/// Memory the system could give us now (MemAvailable), if it says.
fn available_memory() -> Option<u64> {
    let sys = sysinfo::System::new_with_specifics(sysinfo::RefreshKind::nothing().with_memory(sysinfo::MemoryRefreshKind::nothing().with_ram()));
    Some(sys.available_memory()).filter(|m| *m > 0)
}
