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

fn test_program(name: &str) -> Program {
    Program::load(&std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/programs").join(name)).unwrap()
}

/// A run whose output word `index` (a value a builtin computed) is replaced by another
/// everywhere: the honest prover refuses it, a cheating prover proves it anyway, and the
/// verifier, with the builtin in the statement, refuses the proof because the builtin's
/// component computes the true value.
fn false_builtin_output_is_refused(name: &str, args: &[&str], index: usize) {
    let program = load(&format!("corpus/{name}.json"));
    let shard = args::parse(args).unwrap();
    let honest = execute(&program, &shard, &Limits::default()).unwrap();
    let true_value = honest.output[index];
    let forged = substitute(&honest, true_value, true_value + Felt::ONE);
    assert!(prove(&forged, &ProofOptions::TEST, 2).is_err(), "{name}: the honest prover refuses the forged run");
    let proof = prove_unchecked(&forged, &ProofOptions::TEST).expect("a cheating prover proves anyway");
    assert_eq!(proof.statement.output[index], true_value + Felt::ONE, "{name}: the proof claims the false value");
    let err = verify_for(&program.identity(), &shard, &proof, 0).expect_err("a false builtin output");
    assert!(matches!(err, VerifyError::Stark(_)), "{name}: {err}");
}

#[test]
fn a_false_and_or_xor_is_refused() {
    // xorshift's state after its last xor.
    false_builtin_output_is_refused("xorshift", &["88172645463325252", "2"], 3);
}

#[test]
fn a_false_poseidon_hash_is_refused() {
    false_builtin_output_is_refused("hash_chain", &["7", "10"], 2);
}

#[test]
fn a_false_pedersen_hash_is_refused() {
    // merkle's root, with pedersen in the statement this time.
    false_builtin_output_is_refused("merkle", &["5", "3", "6"], 3);
}

#[test]
fn a_false_ec_op_result_is_refused() {
    false_builtin_output_is_refused("ec_ops", &["5", "3"], 2);
}

/// A signature on message 66 (references.py's first signed case) claimed for message 67, with
/// cairo-vm's validation off: the honest prover refuses it, a cheating prover proves it, and the
/// verifier refuses the proof. So does the same run with the signature withheld from the prover
/// (zeros in its place), the message 66 + n (too large, though the signature holds for it in the
/// group), and the honest message's run with w changed.
#[test]
fn a_false_or_missing_signature_is_refused() {
    let program = load("corpus/signatures.json");
    let [public, r, s] = [
        "961402640779120116494199688070946729708169893186414498106599600291824840092",
        "1675335844326976358187072830826296402879338285926641080113243705398127243624",
        "2892921445311508862282871849372624179317315831599287014657245082578671015517",
    ];
    let refused = |exec: &proofgrid_cairo::Execution, shard: &[Felt], what: &str| {
        assert!(prove(exec, &ProofOptions::TEST, 2).is_err(), "{what}: the honest prover refuses it");
        let proof = prove_unchecked(exec, &ProofOptions::TEST).expect("a cheating prover proves anyway");
        assert_eq!(proof.statement.output.last(), Some(&Felt::ONE), "{what}: the proof claims a checked signature");
        let err = verify_for(&program.identity(), shard, &proof, 0).expect_err(what);
        assert!(matches!(err, VerifyError::Stark(_)), "{what}: {err}");
    };
    let shard = args::parse(&[public, "67", r, s, "1"]).unwrap();
    assert!(execute(&program, &shard, &Limits::default()).is_err(), "cairo-vm refuses the signature");
    let lying = execute_lying(&program, &shard, Vec::new()).expect("the run with validation off");
    refused(&lying, &shard, "a signature of another message");
    let mut withheld = lying.clone();
    withheld.signatures.clear();
    refused(&withheld, &shard, "no signature at all");

    // The message 66 + n (the curve's order), 2^251 or more: the signature of 66 holds for it in
    // the group, and cairo-vm refuses it for its size; so must the AIR.
    let big = "3618502788666131213697322783095070105526743751716087489154079457884512865649";
    let shard = args::parse(&[public, big, r, s, "1"]).unwrap();
    assert!(execute(&program, &shard, &Limits::default()).is_err(), "cairo-vm refuses a message of 2^251 or more");
    let lying = execute_lying(&program, &shard, Vec::new()).expect("the run with validation off");
    refused(&lying, &shard, "a message of 2^251 or more");

    let shard = args::parse(&[public, "66", r, s, "1"]).unwrap();
    let honest = execute(&program, &shard, &Limits::default()).unwrap();
    let mut other_w = honest.clone();
    other_w.signatures[0].w += Felt::ONE;
    refused(&other_w, &shard, "another w");
    let proof = prove(&honest, &ProofOptions::TEST, 2).unwrap();
    verify_for(&program.identity(), &shard, &proof, 0).expect("the true signature");
}

/// A value of 2^96 or more written to range_check96 (and one of 2^128 or more to range_check),
/// with cairo-vm's validation off: the limbs cannot hold it, and the proof of the run is refused.
#[test]
fn range_check96_and_range_check_values_too_large_are_refused() {
    let program = test_program("range_checked_arg.json");
    for v in ["0x1000000000000000000000000000", "0x100000000000000000000000000000000"] {
        let shard = args::parse(&[v]).unwrap();
        assert!(execute(&program, &shard, &Limits::default()).is_err(), "cairo-vm refuses {v}");
        let lying = execute_lying(&program, &shard, Vec::new()).expect("the run with validation off");
        assert!(prove(&lying, &ProofOptions::TEST, 2).is_err(), "the honest prover refuses {v}");
        let proof = prove_unchecked(&lying, &ProofOptions::TEST).expect("a cheating prover proves anyway");
        let err = verify_for(&program.identity(), &shard, &proof, 0).expect_err("an unchecked range");
        assert!(matches!(err, VerifyError::Stark(_)), "{v}: {err}");
    }
    // In range, the same program proves and verifies.
    let shard = args::parse(&["12345"]).unwrap();
    let proof = prove(&execute(&program, &shard, &Limits::default()).unwrap(), &ProofOptions::TEST, 2).unwrap();
    verify_for(&program.identity(), &shard, &proof, 0).unwrap();
}
