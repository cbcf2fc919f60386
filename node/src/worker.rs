//! The worker: the child process (`node worker --task FILE`) that runs one phase of one shard,
//! so the daemon can stop, continue, cap and survive it. It reads a [`Task`], writes its result
//! file atomically (whole or absent), and exits 0; a task that cannot succeed (the program fails,
//! exceeds its caps, is not the announced program) writes the reason to `<output>.err` and exits
//! with [`EXIT_TASK_FAILED`], so the daemon does not retry it; a shard whose proof would need more
//! memory than the cap is refused before the prover allocates anything, with
//! [`EXIT_NEEDS_MEMORY`]. Anything else (a signal) is a crash, retried by the daemon.

use std::path::{Path, PathBuf};

use anyhow::Context;
use proofgrid_cairo::{args, execute, DecodeLimits, Execution, Limits, Program, Statement};
use proofgrid_prover::{prove, verify, ProofOptions};
use serde::{Deserialize, Serialize};

use crate::store::write_atomic;

/// Exit status meaning "this task can never succeed": the reason is in `<output>.err`.
pub const EXIT_TASK_FAILED: i32 = 3;
/// Exit status meaning "this shard needs more memory than the cap": the reason is in
/// `<output>.err`.
pub const EXIT_NEEDS_MEMORY: i32 = 4;

/// The estimate of a proof's memory is above the worker's cap.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NeedsMemory(pub String);

/// Bytes of memory one VM cell costs, roughly (cell, relocation, trace share): turns the memory
/// cap into the VM's cell cap, so a runaway program stops with a clear error before the rlimit.
const BYTES_PER_CELL: u64 = 256;

/// Largest trace file a prove task reads.
pub const MAX_TRACE_BYTES: usize = 1 << 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Run the program; write the encoded `Execution` to `output`.
    Execute { program: PathBuf, args: Vec<String> },
    /// Prove the execution in `trace`; write the proof to `output`.
    Prove { trace: PathBuf, args: Vec<String>, queries: u16 },
    /// Parse the program an org sent and check its hash; write "ok" to `output`. Up to 16 MiB
    /// of JSON from a peer is parsed here, under the memory cap, never in the daemon.
    CheckProgram { program: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub kind: TaskKind,
    /// Hex program hash the run must be of.
    pub program_hash: String,
    pub max_steps: u64,
    pub max_memory: u64,
    pub threads: usize,
    pub output: PathBuf,
}

impl Task {
    pub fn err_file(&self) -> PathBuf {
        err_file(&self.output)
    }
}

pub fn err_file(output: &Path) -> PathBuf {
    let mut s = output.as_os_str().to_owned();
    s.push(".err");
    PathBuf::from(s)
}

/// The worker's main: runs the task in `task_file`. Returns the process exit code.
pub fn main(task_file: &Path) -> i32 {
    let task: Task = match std::fs::read(task_file)
        .with_context(|| format!("cannot read task file {}", task_file.display()))
        .and_then(|b| serde_json::from_slice(&b).context("task file is not a task"))
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("worker: {e:#}");
            return 2;
        }
    };
    match run(&task) {
        Ok(()) => 0,
        Err(e) => {
            let msg = format!("{e:#}");
            tracing::warn!(error = %msg, "task failed");
            let _ = write_atomic(&task.err_file(), msg.as_bytes());
            if e.downcast_ref::<NeedsMemory>().is_some() { EXIT_NEEDS_MEMORY } else { EXIT_TASK_FAILED }
        }
    }
}

fn run(task: &Task) -> anyhow::Result<()> {
    let expected = proofgrid_cairo::felt::parse_felt(&format!("0x{}", task.program_hash))?;
    match &task.kind {
        TaskKind::Execute { program, args: texts } => {
            let bytes = std::fs::read(program).with_context(|| format!("cannot read {}", program.display()))?;
            let program = Program::from_json(&bytes, program)?;
            if program.program_hash() != expected {
                anyhow::bail!("program hash mismatch: the cached program is not the one the shard names");
            }
            let felts = args::parse(texts)?;
            let limits = Limits {
                max_steps: task.max_steps as usize,
                max_memory_cells: (task.max_memory / BYTES_PER_CELL).max(1 << 16) as usize,
            };
            let execution = execute(&program, &felts, &limits)?;
            Statement::from_execution(&execution).check_args_echo()?;
            write_atomic(&task.output, &execution.encode())
        }
        TaskKind::CheckProgram { program } => {
            let bytes = std::fs::read(program).with_context(|| format!("cannot read {}", program.display()))?;
            let hash = proofgrid_protocol::ProgramHash::from_hex(&task.program_hash).context("the task's program hash")?;
            crate::payload::check_program(&bytes, &hash).map_err(anyhow::Error::msg)?;
            write_atomic(&task.output, b"ok")
        }
        TaskKind::Prove { trace, args: texts, queries } => {
            let bytes = std::fs::read(trace).with_context(|| format!("cannot read {}", trace.display()))?;
            // The step cap is checked before the trace is allocated: an org cannot hand this
            // node a prove task bigger than its owner allows.
            let limits = DecodeLimits { max_bytes: MAX_TRACE_BYTES, max_steps: task.max_steps, bytecode_len: None };
            let execution = Execution::decode(&bytes, &limits).map_err(anyhow::Error::msg)?;
            check_execution(&execution, &expected, &args::parse(texts)?)?;
            let need = proofgrid_prover::cost::address_space_for(&execution, task.threads);
            if need > task.max_memory {
                return Err(NeedsMemory(format!(
                    "proving this shard ({} steps) needs about {} of memory (an estimate), above this node's max_memory {}",
                    execution.steps,
                    crate::units::show_size(need),
                    crate::units::show_size(task.max_memory)
                ))
                .into());
            }
            let options = ProofOptions { queries: *queries, ..ProofOptions::DEFAULT };
            let proof = prove(&execution, &options, task.threads)?;
            // A proof that does not verify here would only be rejected by the org: say so now.
            verify(&proof, 0).context("the proof this worker made does not verify (a prover bug, or a bad trace)")?;
            write_atomic(&task.output, &proof.to_bytes())
        }
    }
}

/// A trace (possibly from another peer) must be of the shard's program and args before we spend
/// time proving it.
fn check_execution(e: &Execution, expected: &proofgrid_cairo::Felt, args: &[proofgrid_cairo::Felt]) -> anyhow::Result<()> {
    let s = Statement::from_execution(e);
    // The hash covers the builtin list the statement takes from the segments; the execution's
    // own list must say the same.
    if s.program_hash != *expected || !s.check_program_hash() || s.builtin_names() != e.builtins {
        anyhow::bail!("the trace is not a run of the shard's program");
    }
    if s.args != args {
        anyhow::bail!("the trace is a run on other arguments than the shard's");
    }
    if e.trace.len() != e.steps {
        anyhow::bail!("the trace is malformed: {} states for {} steps", e.trace.len(), e.steps);
    }
    s.check_args_echo()?;
    Ok(())
}
