//! Completeness and soundness of the generic engine on tiny AIRs: one component (Fibonacci) and
//! two components of different heights tied by a lookup, with a periodic column and a public
//! term (Walk).

mod common;

use common::{Fibonacci, Walk};
use proofgrid_stark::field::fe;
use proofgrid_stark::forge::{assert_cheating_fri_rejected, assert_every_check_rejects};
use proofgrid_stark::proof::DecodeError;
use proofgrid_stark::{prove, prove_unchecked, verify, ProofOptions, ProveError, StarkProof, VerifyError};

const OPTS: ProofOptions = ProofOptions::TEST;

fn fib_proof(n: usize) -> (Fibonacci, StarkProof) {
    let (trace, result) = Fibonacci::trace(n);
    let air = Fibonacci { n, result };
    let proof = prove(&air, vec![trace], &OPTS).expect("honest trace proves");
    (air, proof)
}

fn walk_proof(n: usize) -> (Walk, StarkProof) {
    let air = Walk::new(n, 4, 7);
    let proof = prove(&air, air.traces(true), &OPTS).expect("honest walk proves");
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
    let proof = prove(&air, vec![trace], &ProofOptions::DEFAULT).unwrap();
    verify(&air, &proof, 100).unwrap();
    // The default last FRI layer has 2^7 coefficients: every component needs at least that many rows.
    let air = Walk::new(256, 1, 3);
    assert!(matches!(prove(&air, air.traces(true), &ProofOptions::DEFAULT), Err(ProveError::Options(_))));
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
    assert!(matches!(prove(&air, vec![trace], &OPTS), Err(ProveError::Unsatisfied { row: 9, .. })));
}

#[test]
fn components_of_two_heights_prove_and_verify() {
    for n in [16, 64, 512] {
        let (air, proof) = walk_proof(n);
        verify(&air, &proof, 0).unwrap_or_else(|e| panic!("n={n}: {e}"));
        assert_eq!(proof.log_heights, vec![n.trailing_zeros() as u8, 4]);
    }
}

#[test]
fn unbalanced_lookups_do_not_prove_and_are_refused() {
    let air = Walk::new(64, 4, 7);
    // A multiplicity off by one.
    assert_eq!(prove(&air, air.traces(false), &OPTS).unwrap_err(), ProveError::LookupUnbalanced { relation: 0 });
    let forged = prove_unchecked(&air, air.traces(false), &OPTS, Default::default()).unwrap();
    assert_eq!(verify(&air, &forged, 0), Err(VerifyError::LookupSum));
    // Values the table does not hold.
    assert!(matches!(prove(&air, air.traces_outside_the_table(), &OPTS), Err(ProveError::LookupUnbalanced { .. })));
    let forged = prove_unchecked(&air, air.traces_outside_the_table(), &OPTS, Default::default()).unwrap();
    assert_eq!(verify(&air, &forged, 0), Err(VerifyError::LookupSum));
    // The public term is the verifier's: a proof made for another public value is refused.
    let (_, proof) = walk_proof(64);
    assert!(verify(&Walk::new(64, 4, 8), &proof, 0).is_err());
}

#[test]
fn periodic_columns_are_the_verifiers() {
    // y = x + p with p periodic: a trace that ignores p does not prove, and proven anyway is refused.
    let air = Walk::new(64, 4, 7);
    let mut traces = air.traces(true);
    traces[0].columns[1] = traces[0].columns[0].clone();
    assert!(matches!(prove(&air, traces.clone(), &OPTS), Err(ProveError::Unsatisfied { .. } | ProveError::LookupUnbalanced { .. })));
    assert!(verify(&air, &prove_unchecked(&air, traces, &OPTS, Default::default()).unwrap(), 0).is_err());
}

#[test]
fn bytes_round_trip_and_version_is_checked() {
    let (air, proof) = walk_proof(64);
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

/// One tamper per check, through the shared harness: each must be rejected with the variant that
/// names that check (the Cairo prover's tests run the same harness on real Cairo proofs).
#[test]
fn every_check_has_a_tamper() {
    let (air, proof) = fib_proof(256);
    assert_every_check_rejects(&proof, &|p, bits| verify(&air, p, bits));
    let (air, proof) = walk_proof(256);
    assert_every_check_rejects(&proof, &|p, bits| verify(&air, p, bits));
}

/// A cheating prover whose FRI layers are of low degree but not folds of each other, on both a
/// single component and components joining FRI at different layers.
#[test]
fn cheating_fri_is_caught() {
    let (trace, result) = Fibonacci::trace(256);
    let air = Fibonacci { n: 256, result };
    assert_cheating_fri_rejected(
        &|cheat| prove_unchecked(&air, vec![trace.clone()], &OPTS, cheat).unwrap(),
        &|p, bits| verify(&air, p, bits),
    );
    let air = Walk::new(256, 4, 7);
    assert_cheating_fri_rejected(
        &|cheat| prove_unchecked(&air, air.traces(true), &OPTS, cheat).unwrap(),
        &|p, bits| verify(&air, p, bits),
    );
}
