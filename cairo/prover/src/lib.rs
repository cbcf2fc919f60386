//! The Cairo STARK prover and verifier: proves that cairo-vm ran a program on a shard's arguments
//! and printed a given output, and checks such proofs.
//!
//! [`prove`] turns an [`Execution`] into a [`CairoProof`]; [`verify_for`] checks a proof against
//! what the job knows (its program's identity and the shard's args) and returns the proven
//! output. The AIR ([`air::CairoAir`]) is made of components of their own heights, tied by logUp
//! lookups: the CPU (one row per step, the Cairo paper's constraints), the memory (one row per
//! address, with the public memory as the verifier's own accesses), 16-bit range tables, and one
//! component per used builtin, as tall as its instances need ([`components`]); the STARK is
//! `proofgrid-stark`'s. A program that uses a builtin without a component is refused before work
//! starts, naming the builtin.

pub mod air;
pub mod components;
pub mod cost;
pub mod error;
pub mod instruction;
pub mod proof;
pub mod public;
pub mod trace;

pub use error::{ProveError, StatementError, VerifyError};
pub use proof::CairoProof;
pub use proofgrid_stark::ProofOptions;

use air::CairoAir;
use proofgrid_cairo::{Builtin, Execution, Felt, ProgramIdentity, Statement};
use public::public_memory;

/// Proves `execution` with `options` on a pool of `threads` threads (0: one per core).
pub fn prove(execution: &Execution, options: &ProofOptions, threads: usize) -> Result<CairoProof, ProveError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ProveError::Threads { threads, reason: e.to_string() })?;
    pool.install(|| prove_with(execution, options, trace::Checks::Honest, proofgrid_stark::fri::Cheat::Honest))
}

fn prove_with(
    execution: &Execution,
    options: &ProofOptions,
    checks: trace::Checks,
    cheat: proofgrid_stark::fri::Cheat,
) -> Result<CairoProof, ProveError> {
    let statement = Statement::from_execution(execution);
    let public = public_memory(&statement)?;
    let (traces, params) = trace::build(execution, &statement, &public, options, checks)?;
    let air = CairoAir::new(&statement, &params, public);
    let stark = match checks {
        trace::Checks::Honest => proofgrid_stark::prove(&air, traces, options)?,
        trace::Checks::Bypassed => unchecked(&air, traces, options, cheat)?,
    };
    Ok(CairoProof { statement, params, stark })
}

#[cfg(feature = "forge")]
fn unchecked(
    air: &CairoAir,
    traces: Vec<proofgrid_stark::TraceTable>,
    options: &ProofOptions,
    cheat: proofgrid_stark::fri::Cheat,
) -> Result<proofgrid_stark::StarkProof, proofgrid_stark::ProveError> {
    proofgrid_stark::prove_unchecked(air, traces, options, cheat)
}

#[cfg(not(feature = "forge"))]
fn unchecked(
    _: &CairoAir,
    _: Vec<proofgrid_stark::TraceTable>,
    _: &ProofOptions,
    _: proofgrid_stark::fri::Cheat,
) -> Result<proofgrid_stark::StarkProof, proofgrid_stark::ProveError> {
    unreachable!("only the forge feature builds traces without checks")
}

/// Proves a forged execution as a cheating prover would: the trace builders' refusals, the
/// STARK prover's constraint check and its lookup balance check are skipped (the statement must
/// still be well formed, or no verifier would even look at the proof). For soundness tests,
/// which show the verifier refusing what this makes.
#[cfg(feature = "forge")]
pub fn prove_unchecked(execution: &Execution, options: &ProofOptions) -> Result<CairoProof, ProveError> {
    prove_cheating(execution, options, proofgrid_stark::fri::Cheat::Honest)
}

/// [`prove_unchecked`], with FRI committed as `cheat` says.
#[cfg(feature = "forge")]
pub fn prove_cheating(
    execution: &Execution,
    options: &ProofOptions,
    cheat: proofgrid_stark::fri::Cheat,
) -> Result<CairoProof, ProveError> {
    prove_with(execution, options, trace::Checks::Bypassed, cheat)
}

/// Verifies `proof` for the statement it carries, refusing options below `min_security_bits`.
/// Returns the proven output. This alone proves only that *some* program with the stated builtins
/// ran: the caller must still compare the builtin list, the program hash and the args with the
/// job's, which is what [`verify_for`] does. Use that.
pub fn verify(proof: &CairoProof, min_security_bits: u32) -> Result<Vec<Felt>, VerifyError> {
    let statement = &proof.statement;
    let public = public_memory(statement)?;
    if statement.check_args_echo().is_err() {
        return Err(VerifyError::ArgsNotEchoed);
    }
    air::check_params(statement, &proof.params).map_err(VerifyError::Params)?;
    // A public cell above the memory table can never balance: refuse it before any cryptography.
    let memory_top = 1u64 << proof.params.memory_log;
    if let Some((a, _)) = public.iter().find(|(a, _)| *a > memory_top) {
        return Err(VerifyError::Params(format!("public cell {a} lies above the memory table's {memory_top} addresses")));
    }
    let air = CairoAir::new(statement, &proof.params, public);
    proofgrid_stark::verify(&air, &proof.stark, min_security_bits)?;
    Ok(statement.output.clone())
}

/// Verifies `proof` as the result of running the job's `program` on the shard's `args`: the
/// builtin list (names and order) and the program hash come from the job, never from the proof.
pub fn verify_for(
    program: &ProgramIdentity,
    args: &[Felt],
    proof: &CairoProof,
    min_security_bits: u32,
) -> Result<Vec<Felt>, VerifyError> {
    check_identity(program, args, &proof.statement)?;
    verify(proof, min_security_bits)
}

/// [`verify_for`] on a proof's bytes, cheapest checks first: the statement is compared with the
/// job and the parameters checked before the STARK is even decoded, so a proof about anything
/// but this shard costs microseconds to refuse, whatever its size.
pub fn verify_bytes_for(
    program: &ProgramIdentity,
    args: &[Felt],
    bytes: &[u8],
    min_security_bits: u32,
) -> Result<Vec<Felt>, VerifyError> {
    let header = read_header_for(program, args, bytes)?;
    verify(&header.decode_stark()?, min_security_bits)
}

/// The checks of [`verify_bytes_for`] that need no STARK: the framing, the statement against the
/// job and the shard, the parameters. What a receiver runs before it queues a proof.
pub fn check_header_for(program: &ProgramIdentity, args: &[Felt], bytes: &[u8]) -> Result<(), VerifyError> {
    read_header_for(program, args, bytes).map(|_| ())
}

fn read_header_for<'a>(program: &ProgramIdentity, args: &[Felt], bytes: &'a [u8]) -> Result<proof::ProofHeader<'a>, VerifyError> {
    let header = proof::ProofHeader::read(bytes)?;
    check_identity(program, args, &header.statement)?;
    air::check_params(&header.statement, &header.params).map_err(VerifyError::Params)?;
    Ok(header)
}

/// The statement is about the job's program (builtin list, bytecode length, program hash) and the
/// shard's args. The bytecode itself is hashed later (in `verify`), once it is as long as the job's.
fn check_identity(program: &ProgramIdentity, args: &[Felt], s: &Statement) -> Result<(), VerifyError> {
    let stated = s.builtin_names();
    if stated != program.builtins {
        let show = |b: &[Builtin]| b.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ");
        return Err(VerifyError::WrongBuiltins { expected: show(&program.builtins), got: show(&stated) });
    }
    if s.bytecode.len() != program.bytecode_len || s.program_hash != program.hash {
        return Err(VerifyError::WrongProgram { expected: program.hash.to_hex_string(), got: s.program_hash.to_hex_string() });
    }
    if s.args != args {
        let show = |a: &[Felt]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
        return Err(VerifyError::WrongArgs { expected: show(args), got: show(&s.args) });
    }
    Ok(())
}
