//! Turning a program and a shard file into a stored job: load (compiling Cairo 0 source), dry-run
//! the first shard the way a donor will run it, refuse what could never be proven, and store the
//! job, its program bytes and its shards. Publishing the same job again finds it stored and
//! leaves its progress alone.

use std::path::Path;

use anyhow::{bail, Context};
use proofgrid_cairo::{args, compiler, execute, shards, Limits, Program, Statement};
use proofgrid_protocol::{JobId, PeerId};

use super::encoding::args_to_bytes;
use super::lease::ShardState;
use super::store::index::Counts;
use super::store::{self, JobRecord, KeepProofs, ShardRecord, Store, T};

pub struct JobSpec<'a> {
    pub program: &'a Path,
    pub shards: &'a Path,
    pub name: &'a str,
    pub description: &'a str,
    pub lease_secs: u64,
    pub max_steps: u64,
    pub max_memory_cells: u64,
    pub min_security: u16,
    pub keep_proofs: KeepProofs,
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

/// The memory a donor needs to prove a shard like the dry run's, as its worker's address-space
/// cap counts it, with two prover threads: an estimate, generous on purpose (see
/// `proofgrid_prover::cost` for the measurements). A donor uses it to skip jobs beyond its
/// memory cap before fetching anything.
pub fn estimate_memory(exec: &proofgrid_cairo::Execution) -> u64 {
    proofgrid_prover::cost::address_space_for(exec, 2)
}

/// Shards written per batch while publishing.
const BATCH: usize = 10_000;

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
    let (bytes, program) = load_program(spec.program)?;
    let hash = program.program_hash();

    // Pass 1, streaming: every line parses, has the program's argument count, and is no copy of
    // an earlier one (a digest per shard on disk keeps memory bounded); the job id hashes them
    // all in order.
    let bar = progress("checking shards");
    let seen = store.scratch("publish-seen")?;
    let mut id_hash = JobIdHasher::new(me, &hash, spec.name);
    let mut count: u64 = 0;
    let mut first: Option<shards::Shard> = None;
    for item in shards::stream(spec.shards)? {
        let (shard, raw) = item?;
        if let Some(expected) = program.expected_args() {
            if shard.args.len() != expected {
                bail!(
                    "{}, line {}: {} arguments, but the program takes {expected} (its N_ARGS); fix the line or the program",
                    spec.shards.display(),
                    shard.line,
                    shard.args.len()
                );
            }
        }
        let digest = super::store::digest(&args_to_bytes(&shard.args));
        if let Some(line) = seen.insert(digest, &(shard.line as u64).to_be_bytes())? {
            let first_line = u64::from_be_bytes(line.as_ref().try_into().unwrap_or([0; 8])) as usize;
            return Err(shards::duplicate(spec.shards, &raw, shard.line, first_line).into());
        }
        id_hash.add(&shard.args);
        count += 1;
        if first.is_none() {
            first = Some(shard);
        }
        if count % 4096 == 0 {
            bar.set_message(format!("checking shards: {count}"));
        }
    }
    drop(seen);
    store.drop_scratch("publish-seen")?;
    bar.finish_and_clear();
    let first = first.expect("the stream refuses a file without shards");
    if count > u32::MAX as u64 {
        bail!("{} has more shards than a job can hold", spec.shards.display());
    }
    let salt = id_hash.finish(count);
    let id = JobId::derive(me, &proofgrid_protocol::ProgramHash(hash.to_bytes_be()), &salt);

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
        salt,
        name: spec.name.to_string(),
        description: spec.description.to_string(),
        program_hash: hash.to_bytes_be(),
        builtins: program.builtins().to_vec(),
        bytecode_len: program.bytecode().len() as u64,
        program_path: spec.program.display().to_string(),
        shards_total: count as u32,
        lease_secs: spec.lease_secs,
        max_steps: spec.max_steps,
        min_security: spec.min_security,
        est_steps: exec.steps as u64,
        est_memory: estimate_memory(&exec),
        created_at: super::now(),
        keep_proofs: spec.keep_proofs,
    };
    // Pass 2: the shards, their open index and counts, in batches; the job record last, so a
    // job that exists is complete (a publish stopped half-way leaves shards no job names, which
    // the next publish of the same job writes again).
    let bar = progress("storing shards");
    bar.set_length(count);
    let mut shards_batch = sled::Batch::default();
    let mut open_batch = sled::Batch::default();
    let mut in_batch = 0;
    let record = |shard: &shards::Shard| ShardRecord { line: shard.line as u64, args: args_to_bytes(&shard.args), state: ShardState::default() };
    for (index, item) in shards::stream(spec.shards)?.enumerate() {
        let (shard, _) = item?;
        let key = store::shard_key(&id, index as u32);
        shards_batch.insert(key.as_slice(), store::encode(&record(&shard)));
        open_batch.insert(key.as_slice(), &[][..]);
        in_batch += 1;
        if in_batch == BATCH {
            store.shards.apply_batch(std::mem::take(&mut shards_batch))?;
            store.tree(T::Open).apply_batch(std::mem::take(&mut open_batch))?;
            bar.inc(in_batch as u64);
            in_batch = 0;
        }
    }
    store.shards.apply_batch(shards_batch)?;
    store.tree(T::Open).apply_batch(open_batch)?;
    bar.inc(in_batch as u64);
    let counts = Counts { open: count, ..Default::default() };
    Store::put(store.tree(T::Counts), &id.0, &counts)?;
    store.programs.insert(hash.to_bytes_be(), bytes)?;
    Store::put(&store.jobs, &id.0, &job)?;
    store.flush_blocking()?;
    bar.finish_and_clear();
    Ok(Published { job, new: true, dry_run_output: output })
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
fn progress(what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {wide_bar} {pos}/{len} [{elapsed_precise}]")
            .expect("a valid template"),
    );
    bar.set_message(what.to_string());
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    // Log lines step around it rather than garble it.
    proofgrid_daemon::progress::show(&bar);
    bar
}

/// The job's salt, fed one shard at a time: the same org publishing the same program, name and
/// shards (in order) gets the same salt and so the same job id ([`JobId::derive`] of the org,
/// the program hash and the salt), so running `publish` again resumes the job.
struct JobIdHasher(sha3::Sha3_256);

impl JobIdHasher {
    fn new(org: &PeerId, program: &proofgrid_cairo::Felt, name: &str) -> JobIdHasher {
        use sha3::Digest;
        let mut h = sha3::Sha3_256::new();
        h.update(b"proofgrid-job/2");
        let org = org.to_bytes();
        h.update((org.len() as u64).to_be_bytes());
        h.update(&org);
        h.update(program.to_bytes_be());
        h.update((name.len() as u64).to_be_bytes());
        h.update(name.as_bytes());
        JobIdHasher(h)
    }

    fn add(&mut self, args: &[proofgrid_cairo::Felt]) {
        use sha3::Digest;
        self.0.update((args.len() as u64).to_be_bytes());
        self.0.update(args_to_bytes(args));
    }

    fn finish(mut self, count: u64) -> [u8; 32] {
        use sha3::Digest;
        self.0.update(count.to_be_bytes());
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proofgrid_cairo::Felt;

    fn id(org: &PeerId, p: &Felt, name: &str, shards: &[Vec<Felt>]) -> JobId {
        let mut h = JobIdHasher::new(org, p, name);
        for s in shards {
            h.add(s);
        }
        let salt = h.finish(shards.len() as u64);
        JobId::derive(org, &proofgrid_protocol::ProgramHash(p.to_bytes_be()), &salt)
    }

    #[test]
    fn job_ids_depend_on_every_input() {
        let org = PeerId::random();
        let p = Felt::from(7u8);
        let shards = vec![vec![Felt::from(1u8)], vec![Felt::from(2u8), Felt::from(3u8)]];
        let a = id(&org, &p, "a", &shards);
        assert_eq!(a, id(&org, &p, "a", &shards));
        assert_ne!(a, id(&PeerId::random(), &p, "a", &shards));
        assert_ne!(a, id(&org, &Felt::from(8u8), "a", &shards));
        assert_ne!(a, id(&org, &p, "b", &shards));
        assert_ne!(a, id(&org, &p, "a", &shards[..1]));
        let moved = vec![vec![Felt::from(1u8), Felt::from(2u8)], vec![Felt::from(3u8)]];
        assert_ne!(a, id(&org, &p, "a", &moved), "where one shard ends and the next begins matters");
    }
}
