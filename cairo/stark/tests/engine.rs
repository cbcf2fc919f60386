//! Completeness and soundness of the generic engine on tiny AIRs.

mod common;

use common::{permutation_trace, Fibonacci, Permutation};
use proofgrid_stark::field::fe;
use proofgrid_stark::proof::DecodeError;
use proofgrid_stark::forge::{assert_cheating_fri_rejected, assert_every_check_rejects};
use proofgrid_stark::{prove, prove_unchecked, verify, ProofOptions, ProveError, StarkProof, VerifyError};

const OPTS: ProofOptions = ProofOptions::TEST;

fn fib_proof(n: usize) -> (Fibonacci, StarkProof) {
    let (trace, result) = Fibonacci::trace(n);
    let air = Fibonacci { n, result };
    let proof = prove(&air, trace, &OPTS).expect("honest trace proves");
    (air, proof)
}

#[test]
fn fibonacci_proves_at_several_sizes() {
    for n in [8, 64, 1024] {
        let (air, proof) = fib_proof(n);
        verify(&air, &proof, 0).unwrap_or_else(|e| panic!("n={n}: {e}"));
    }
}

#[test]
fn default_options_prove_and_verify() {
    let (trace, result) = Fibonacci::trace(256);
    let air = Fibonacci { n: 256, result };
    let proof = prove(&air, trace, &ProofOptions::DEFAULT).unwrap();
    verify(&air, &proof, 100).unwrap();
}

#[test]
fn fibonacci_wrong_public_result_is_rejected() {
    let (air, proof) = fib_proof(64);
    let lying = Fibonacci { n: 64, result: air.result + fe(1) };
    assert!(verify(&lying, &proof, 0).is_err());
}

#[test]
fn unsatisfied_trace_does_not_prove() {
    let (mut trace, result) = Fibonacci::trace(64);
    trace.columns[1][10] += fe(1);
    let air = Fibonacci { n: 64, result };
    assert!(matches!(prove(&air, trace, &OPTS), Err(ProveError::Unsatisfied { row: 9, .. })));
}

#[test]
fn permutation_proves_and_non_permutation_does_not() {
    let air = Permutation { n: 128 };
    let proof = prove(&air, permutation_trace(128, true), &OPTS).unwrap();
    verify(&air, &proof, 0).unwrap();
    assert!(matches!(
        prove(&air, permutation_trace(128, false), &OPTS),
        Err(ProveError::Unsatisfied { .. } | ProveError::BoundaryUnsatisfied { .. })
    ));
}

#[test]
fn bytes_round_trip_and_version_is_checked() {
    let (air, proof) = fib_proof(64);
    let bytes = proof.to_bytes();
    let back = StarkProof::from_bytes(&bytes).unwrap();
    assert_eq!(back, proof);
    verify(&air, &back, 0).unwrap();
    let mut other_version = bytes.clone();
    other_version[5] ^= 1;
    assert!(matches!(StarkProof::from_bytes(&other_version), Err(DecodeError::Version { .. })));
    assert!(matches!(StarkProof::from_bytes(b"nope"), Err(DecodeError::BadMagic)));
    let truncated = &bytes[..bytes.len() - 1];
    assert!(matches!(StarkProof::from_bytes(truncated), Err(DecodeError::Malformed(_))));
}

#[test]
fn security_floor_is_the_verifiers() {
    let (air, proof) = fib_proof(64);
    let bits = OPTS.security_bits();
    assert!(matches!(verify(&air, &proof, bits + 1), Err(VerifyError::SecurityTooLow { .. })));
    // Claiming stronger options than were used does not help: the transcript changes.
    let mut claimed = proof.clone();
    claimed.options.queries += 1;
    assert!(verify(&air, &claimed, 0).is_err());
}

/// One tamper per check, through the shared harness: each must be rejected with the variant that
/// names that check (the Cairo prover's tests run the same harness on real Cairo proofs).
#[test]
fn every_check_has_a_tamper() {
    let (air, proof) = fib_proof(256);
    assert_every_check_rejects(&proof, &|p, bits| verify(&air, p, bits));
    let air = Permutation { n: 64 };
    let proof = prove(&air, permutation_trace(64, true), &OPTS).unwrap();
    assert_every_check_rejects(&proof, &|p, bits| verify(&air, p, bits));
}

/// A cheating prover whose FRI layers are of low degree but not folds of each other.
#[test]
fn cheating_fri_is_caught() {
    let (trace, result) = Fibonacci::trace(256);
    let air = Fibonacci { n: 256, result };
    assert_cheating_fri_rejected(
        &|cheat| prove_unchecked(&air, trace.clone(), &OPTS, cheat).unwrap(),
        &|p, bits| verify(&air, p, bits),
    );
}

/// A consistent forgery at the FRI level: recommit nothing, but open a leaf that is consistent
/// with its Merkle path and inconsistent with the fold, by swapping two queries' FRI openings.
#[test]
fn fri_fold_inconsistency_is_caught() {
    let (air, proof) = fib_proof(256);
    let mut p = proof.clone();
    let (a, b) = (p.queries[0].fri.clone(), p.queries[1].fri.clone());
    p.queries[0].fri = b;
    p.queries[1].fri = a;
    let got = verify(&air, &p, 0);
    assert!(matches!(got, Err(VerifyError::FriOpening { .. } | VerifyError::FriFold { .. })), "{got:?}");
}
