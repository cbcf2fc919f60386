//! Turning a program and a shard file into a stored job: load (compiling Cairo 0 source), dry-run
//! the first shard the way a donor will run it, refuse what could never be proven, and store the
//! job, its program bytes and its shards. Publishing the same job again finds it stored and
//! leaves its progress alone.

use std::path::Path;

use anyhow::{bail, Context};
use proofgrid_cairo::{args, compiler, execute, shards, Limits, Program, Statement};
use proofgrid_protocol::PeerId;

use super::encoding::{args_to_bytes, job_id};
use super::lease::ShardState;
use super::store::{JobRecord, ShardRecord, Store};

pub struct JobSpec<'a> {
    pub program: &'a Path,
    pub shards: &'a Path,
    pub name: &'a str,
    pub description: &'a str,
    pub lease_secs: u64,
    pub max_steps: u64,
    pub max_memory_cells: u64,
    pub min_security: u16,
}

/// What publishing did.
pub struct Published {
    pub job: JobRecord,
    /// False when the job was already in the store (a restart).
    pub new: bool,
    pub dry_run_output: Vec<String>,
}

/// The compiled JSON bytes of a program file (compiling `.cairo` source) and the loaded program.
pub fn load_program(path: &Path) -> anyhow::Result<(Vec<u8>, Program)> {
    let bytes = if path.extension().is_some_and(|e| e == "cairo") {
        let dir = tempfile::tempdir().context("creating a temporary directory for the compiler")?;
        let out = dir.path().join("program.json");
        compiler::compile(path, &out)?;
        std::fs::read(&out).with_context(|| format!("reading the compiled {}", out.display()))?
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let program = Program::from_json(&bytes, path)?;
    Ok((bytes, program))
}

/// Peak memory of proving `steps` steps at the default options: the prover's memory grows with
/// the padded trace length, and the prover benchmark peaked at 1000 MiB resident for 2^16 rows
/// and 3.8 GiB for 2^18 (BENCHMARKS.md), about 15.5 KiB per row; 17 KiB per row leaves some
/// margin. A donor uses it to skip jobs beyond its memory cap before fetching anything.
pub fn estimate_memory(steps: u64) -> u64 {
    steps.max(1).next_power_of_two().saturating_mul(17 * 1024)
}

pub fn publish(store: &Store, me: &PeerId, spec: &JobSpec) -> anyhow::Result<Published> {
    if spec.name.trim().is_empty() {
        bail!("--name must not be empty: donors choose projects by name");
    }
    if spec.name.chars().count() > proofgrid_protocol::limits::MAX_NAME_CHARS {
        bail!("--name is longer than {} characters", proofgrid_protocol::limits::MAX_NAME_CHARS);
    }
    if spec.description.chars().count() > proofgrid_protocol::limits::MAX_DESCRIPTION_CHARS {
        bail!("--description is longer than {} characters", proofgrid_protocol::limits::MAX_DESCRIPTION_CHARS);
    }
    if spec.lease_secs == 0 {
        bail!("--lease must be at least one second");
    }
    let shard_list = shards::load(spec.shards)?;
    if shard_list.len() > u32::MAX as usize {
        bail!("{} has more shards than a job can hold", spec.shards.display());
    }
    let (bytes, program) = load_program(spec.program)?;
    let hash = program.program_hash();
    let all_args: Vec<_> = shard_list.iter().map(|s| s.args.clone()).collect();
    let id = job_id(me, &hash, spec.name, &all_args);
    let first = &shard_list[0];

    // The dry run, on every (re)publish: it is cheap and catches a program file changed on disk.
    let limits = Limits { max_steps: spec.max_steps as usize, max_memory_cells: spec.max_memory_cells as usize };
    let exec = execute(&program, &first.args, &limits).with_context(|| {
        format!("the dry run on the first shard ({}, line {}) failed", args::to_decimal(&first.args).join(" "), first.line)
    })?;
    let statement = Statement::from_execution(&exec);
    statement.check_args_echo().context("the dry run on the first shard failed")?;
    proofgrid_prover::public::check_statement(&statement)
        .context("the dry run shows this program cannot be proven")?;
    let output = args::to_decimal(&exec.output);

    if let Some(job) = store.job(&id)? {
        return Ok(Published { job, new: false, dry_run_output: output });
    }
    let job = JobRecord {
        id,
        name: spec.name.to_string(),
        description: spec.description.to_string(),
        program_hash: hash.to_bytes_be(),
        builtins: program.builtins().to_vec(),
        program_path: spec.program.display().to_string(),
        shards_total: shard_list.len() as u32,
        lease_secs: spec.lease_secs,
        max_steps: spec.max_steps,
        min_security: spec.min_security,
        est_steps: exec.steps as u64,
        est_memory: estimate_memory(exec.steps as u64),
        created_at: super::now(),
    };
    // Shards and program before the job record: a job that exists is complete.
    for (index, shard) in shard_list.iter().enumerate() {
        let record = ShardRecord { line: shard.line as u64, args: args_to_bytes(&shard.args), state: ShardState::default() };
        store.put_shard(&id, index as u32, &record)?;
    }
    store.programs.insert(hash.to_bytes_be(), bytes)?;
    Store::put(&store.jobs, &id.0, &job)?;
    store.flush_blocking()?;
    Ok(Published { job, new: true, dry_run_output: output })
}
