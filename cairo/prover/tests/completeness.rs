//! Completeness: the examples and the Cairo 1 fixtures prove and verify at several trace sizes,
//! and the verified output is the reference's.

mod common;

use common::{as_u64s, collatz_reference, primes_reference, run, run_cairo1};
use proofgrid_prover::{prove, verify, CairoProof, ProofOptions};

fn prove_and_check(exec: &proofgrid_cairo::Execution, expected: &[u64]) -> CairoProof {
    assert_eq!(as_u64s(&exec.output), expected, "execution output");
    let proof = prove(exec, &ProofOptions::TEST, 2).expect("an honest execution proves");
    let bytes = proof.to_bytes();
    let decoded = CairoProof::from_bytes(&bytes).expect("own bytes decode");
    let out = verify(&decoded, 0).expect("an honest proof verifies");
    assert_eq!(as_u64s(&out), expected, "verified output");
    proof
}

#[test]
fn primes_cairo0_at_several_sizes() {
    let mut lengths = Vec::new();
    for (lo, hi) in [(2, 30), (2, 300), (1000, 1400)] {
        let (count, largest) = primes_reference(lo, hi);
        let proof = prove_and_check(&run("primes.json", &[&lo.to_string(), &hi.to_string()]), &[lo, hi, count, largest]);
        lengths.push(1usize << proof.params.cpu_log);
    }
    lengths.dedup();
    assert!(lengths.len() >= 3, "sizes should differ: {lengths:?}");
}

#[test]
fn collatz_cairo0_at_several_sizes() {
    for (lo, hi) in [(1, 10), (27, 40)] {
        let (best, time) = collatz_reference(lo, hi);
        prove_and_check(&run("collatz.json", &[&lo.to_string(), &hi.to_string()]), &[lo, hi, best, time]);
    }
}

#[test]
fn cairo1_fixtures_prove() {
    prove_and_check(&run_cairo1("primes", &["2", "100"]), &[2, 100, 25, 97]);
    prove_and_check(&run_cairo1("collatz", &["27", "28"]), &[27, 28, 27, 111]);
}

#[test]
fn default_options_give_100_bits_and_verify() {
    let exec = run("primes.json", &["2", "50"]);
    let proof = prove(&exec, &ProofOptions::default(), 2).unwrap();
    assert!(proof.stark.options.security_bits() >= 100);
    verify(&proof, 100).unwrap();
}
