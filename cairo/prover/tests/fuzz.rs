//! Random and mutated Cairo proof bytes: an error, never a panic.

mod common;

use proofgrid_prover::{prove, verify, CairoProof, ProofOptions};
use proptest::prelude::*;
use std::sync::OnceLock;

fn sample() -> &'static Vec<u8> {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| prove(&common::run("primes.json", &["2", "20"]), &ProofOptions::TEST, 2).unwrap().to_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = CairoProof::from_bytes(&bytes);
        let mut framed = b"PGCP\x00\x01".to_vec();
        framed.extend(&bytes);
        let _ = CairoProof::from_bytes(&framed);
    }

    #[test]
    fn mutated_proofs_are_rejected_without_panic(pos in any::<usize>(), bit in 0u8..8) {
        let bytes = sample();
        let mut b = bytes.clone();
        let i = 6 + pos % (b.len() - 6);
        b[i] ^= 1 << bit;
        if let Ok(p) = CairoProof::from_bytes(&b) {
            prop_assert!(verify(&p, 0).is_err() || p.to_bytes() == *bytes);
        }
    }
}
