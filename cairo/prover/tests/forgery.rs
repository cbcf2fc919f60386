//! Real forgeries: executions a cheating prover builds (hints that lie, builtin validation off,
//! the run restated with another builtin list, prover-side checks bypassed), proven, and refused
//! by the verifier with a specific error. Each test first shows that the forged run proves a false
//! result, so it would pass if the check that stops it were removed.
//!
//! The forging tools are `proofgrid_cairo::forge` (the lying VM run and the restatements) and
//! `proofgrid_prover::prove_unchecked` (no trace-builder refusals, no constraint check).

mod common;

use common::{primes_reference, program_path};
use proofgrid_cairo::forge::{execute_lying, is_nn_always_negative, restate_builtins, substitute};
use proofgrid_cairo::{args, execute, Builtin, Felt, Limits, Program};
use proofgrid_prover::{prove, prove_unchecked, verify, verify_for, ProofOptions, StatementError, VerifyError};

fn load(name: &str) -> Program {
    Program::load(&program_path(name)).expect("example program loads")
}

fn felts(a: &[u64]) -> Vec<Felt> {
    a.iter().map(|&x| Felt::from(x)).collect()
}

/// The attack of issue 11: primes on [10000, 10100) with `is_le` lying (every odd number then
/// looks prime) and the range_check builtin left out of the statement, so nothing checks the huge
/// values the lying run range-checks. Before the builtin list was bound, `verify_for` accepted
/// "50 primes" (there are 11).
#[test]
fn lying_primes_with_range_check_left_out_is_refused() {
    let program = load("primes.json");
    let shard = felts(&[10000, 10100]);
    let lying = execute_lying(&program, &shard, is_nn_always_negative()).expect("the lying run completes");
    let (true_count, _) = primes_reference(10000, 10100);
    assert_eq!(true_count, 11);
    assert_eq!(lying.output, felts(&[10000, 10100, 50, 10099]), "every odd number counted");

    let forged = restate_builtins(&lying, &[Builtin::Output]);
    assert!(forged.output.len() > 4, "the output segment now runs to the final range_check_ptr");
    let proof = prove(&forged, &ProofOptions::TEST, 2).expect("the forged statement proves");
    // The STARK and the statement's own checks accept it: only the job's builtin list stops it.
    let claimed = verify(&proof, 0).expect("the forgery is internally consistent");
    assert_eq!(&claimed[..4], &felts(&[10000, 10100, 50, 10099])[..]);

    let job = program.identity();
    assert_eq!(
        verify_for(&job, &shard, &proof, 0),
        Err(VerifyError::WrongBuiltins { expected: "output, range_check".into(), got: "output".into() })
    );
    // Claiming the job's hash instead of the forged list's does not help either.
    let mut claims_job_hash = proof.clone();
    claims_job_hash.statement.program_hash = job.hash;
    assert_eq!(verify(&claims_job_hash, 0), Err(VerifyError::Statement(StatementError::ProgramHash)));
}

/// The same lying run stated honestly, with range_check declared: the huge values are range
/// checked, no honest trace exists, and a trace built anyway (limbs holding only the low 128 bits
/// of each cell) is refused by the STARK.
#[test]
fn lying_primes_with_range_check_kept_is_refused_by_the_air() {
    let program = load("primes.json");
    let shard = felts(&[10000, 10100]);
    let lying = execute_lying(&program, &shard, is_nn_always_negative()).unwrap();
    assert!(prove(&lying, &ProofOptions::TEST, 2).is_err(), "the honest prover refuses the run");
    let proof = prove_unchecked(&lying, &ProofOptions::TEST).expect("a cheating prover proves anyway");
    let err = verify_for(&program.identity(), &shard, &proof, 0).expect_err("forged range checks");
    assert!(matches!(err, VerifyError::Stark(_)), "{err}");
}

/// An honest run restated with its builtins permuted: the proof is internally consistent, and
/// the verifier refuses it because the order is not the program's.
#[test]
fn permuted_builtins_are_refused() {
    let program = load("primes.json");
    let shard = felts(&[2, 40]);
    let honest = execute(&program, &shard, &Limits::default()).unwrap();
    let permuted = restate_builtins(&honest, &[Builtin::RangeCheck, Builtin::Output]);
    let proof = prove(&permuted, &ProofOptions::TEST, 2).expect("the permuted statement proves");
    assert_eq!(
        verify_for(&program.identity(), &shard, &proof, 0),
        Err(VerifyError::WrongBuiltins { expected: "output, range_check".into(), got: "range_check, output".into() })
    );
}

/// A program that hashes with Pedersen, restated without the pedersen builtin and with its hash
/// replaced by another value: the STARK accepts a false hash, the job's builtin list refuses it.
#[test]
fn pedersen_left_out_makes_a_false_hash_and_is_refused() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/programs/uses_pedersen.json");
    let program = Program::load(&path).unwrap();
    let shard = args::parse(&["5"]).unwrap();
    let honest = execute(&program, &shard, &Limits::default()).unwrap();
    let true_hash = honest.output[1];
    let false_hash = true_hash + Felt::ONE;
    let forged = substitute(&restate_builtins(&honest, &[Builtin::Output]), true_hash, false_hash);
    let proof = prove(&forged, &ProofOptions::TEST, 2).expect("the forged statement proves");
    let claimed = verify(&proof, 0).expect("the forgery is internally consistent");
    assert_eq!(claimed[1], false_hash, "a false Pedersen hash, proven");
    assert_eq!(
        verify_for(&program.identity(), &shard, &proof, 0),
        Err(VerifyError::WrongBuiltins { expected: "output, pedersen".into(), got: "output".into() })
    );
}

/// Cairo 1: the builtin list comes from the executable's entry point and the entry code is part
/// of the hashed bytecode; restating a run without its range_check builtin is refused the same way.
#[test]
fn cairo1_builtins_are_bound_too() {
    let program = load("cairo1/primes.executable.json");
    assert!(program.builtins().contains(&Builtin::RangeCheck), "{:?}", program.builtins());
    let shard = felts(&[2, 30]);
    let honest = execute(&program, &shard, &Limits::default()).unwrap();
    let names: Vec<Builtin> = program.builtins().iter().copied().filter(|b| *b != Builtin::RangeCheck).collect();
    let forged = restate_builtins(&honest, &names);
    let proof = prove(&forged, &ProofOptions::TEST, 2).expect("the forged statement proves");
    let err = verify_for(&program.identity(), &shard, &proof, 0).unwrap_err();
    assert!(matches!(err, VerifyError::WrongBuiltins { .. }), "{err}");
    // The honest run verifies for the job.
    let proof = prove(&honest, &ProofOptions::TEST, 2).unwrap();
    verify_for(&program.identity(), &shard, &proof, 0).unwrap();
}
