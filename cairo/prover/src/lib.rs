//! The Cairo STARK prover and verifier: proves that cairo-vm ran a program on a shard's arguments
//! and printed a given output, and checks such proofs.
//!
//! [`prove`] turns an [`Execution`] into a [`CairoProof`]; [`verify`] checks a proof against a
//! [`Statement`] and returns the proven output. The AIR is the Cairo paper's (CPU, memory with
//! public memory, 16-bit offset range checks) with the output and range_check builtins, laid out
//! one row per step (see [`layout`]); the STARK itself is `proofgrid-stark`'s. A program that uses
//! any other builtin is refused before work starts, naming the builtin.

pub mod air;
pub mod error;
pub mod instruction;
pub mod layout;
pub mod proof;
pub mod public;
pub mod trace;

pub use error::{ProveError, StatementError, VerifyError};
pub use proof::CairoProof;
pub use proofgrid_stark::ProofOptions;

use air::CairoAir;
use layout::MAX_EXTRA;
use proofgrid_cairo::{Builtin, Execution, Felt, ProgramIdentity, Statement};
use public::{public_memory, ProofParams};

/// Proves `execution` with `options` on a pool of `threads` threads (0: one per core).
pub fn prove(execution: &Execution, options: &ProofOptions, threads: usize) -> Result<CairoProof, ProveError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ProveError::Threads { threads, reason: e.to_string() })?;
    pool.install(|| prove_here(execution, options))
}

fn prove_here(execution: &Execution, options: &ProofOptions) -> Result<CairoProof, ProveError> {
    let statement = Statement::from_execution(execution);
    let public = public_memory(&statement)?;
    let (main, params) = trace::build(execution, &public)?;
    let air = CairoAir::new(&statement, params.clone(), public);
    let stark = proofgrid_stark::prove(&air, main, options)?;
    Ok(CairoProof { statement, params, stark })
}

/// Proves a forged execution as a cheating prover would: the trace builder's refusals and the
/// STARK prover's constraint check are skipped (the statement must still be well formed, or no
/// verifier would even look at the proof). For soundness tests, which show the verifier
/// refusing what this makes.
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
    let statement = Statement::from_execution(execution);
    let public = public_memory(&statement)?;
    let (main, params) = trace::build_with(execution, &public, trace::Checks::Bypassed)?;
    let air = CairoAir::new(&statement, params.clone(), public);
    let stark = proofgrid_stark::prove_unchecked(&air, main, options, cheat)?;
    Ok(CairoProof { statement, params, stark })
}

/// Checks the proof's parameters against its statement before the STARK is looked at.
fn check_params(statement: &Statement, params: &ProofParams) -> Result<(), VerifyError> {
    let bad = |s: String| Err(VerifyError::Params(s));
    params.layout.validate().map_err(VerifyError::Params)?;
    let l = &params.layout;
    if l.mem_extra > MAX_EXTRA || l.rc_extra > MAX_EXTRA {
        return bad("too many spare slots".into());
    }
    if params.rc_bounds.len() != l.rc_pools() {
        return bad(format!("{} range-check bounds for {} pools", params.rc_bounds.len(), l.rc_pools()));
    }
    if let Some((min, max)) = params.rc_bounds.iter().find(|(min, max)| min > max) {
        return bad(format!("range-check min {min} above max {max}"));
    }
    let rc_seg = statement.builtin(Builtin::RangeCheck).filter(|s| !s.is_empty());
    if l.range_check_builtin != rc_seg.is_some() {
        return bad("layout and statement disagree on the range_check builtin".into());
    }
    if let Some(seg) = rc_seg {
        if seg.len() > l.trace_length as u64 {
            return bad(format!("{} range_check cells exceed the trace's {} instances", seg.len(), l.trace_length));
        }
    }
    Ok(())
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
    check_params(statement, &proof.params)?;
    let air = CairoAir::new(statement, proof.params.clone(), public);
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
    let s = &proof.statement;
    let stated = s.builtin_names();
    if stated != program.builtins {
        let show = |b: &[Builtin]| b.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ");
        return Err(VerifyError::WrongBuiltins { expected: show(&program.builtins), got: show(&stated) });
    }
    if s.program_hash != program.hash {
        return Err(VerifyError::WrongProgram { expected: program.hash.to_hex_string(), got: s.program_hash.to_hex_string() });
    }
    if s.args != args {
        let show = |a: &[Felt]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
        return Err(VerifyError::WrongArgs { expected: show(args), got: show(&s.args) });
    }
    verify(proof, min_security_bits)
}
