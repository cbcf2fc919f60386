//! Random and mutated proof bytes: an error, never a panic.

mod common;

use common::Walk;
use proofgrid_stark::proof::PROOF_VERSION;
use proofgrid_stark::{prove, verify, ProofOptions, StarkProof};
use proptest::prelude::*;
use std::sync::OnceLock;

fn sample() -> &'static (Vec<u8>, usize) {
    static S: OnceLock<(Vec<u8>, usize)> = OnceLock::new();
    S.get_or_init(|| {
        let air = Walk::new(64, 4, 7);
        let p = prove(&air, air.traces(true), &ProofOptions::TEST).unwrap();
        (p.to_bytes(), 64)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = StarkProof::from_bytes(&bytes);
        // Framed as the current version, so the bytes reach the decoder proper.
        let mut with_header = b"PGSP".to_vec();
        with_header.extend(PROOF_VERSION.to_be_bytes());
        with_header.extend(&bytes);
        let _ = StarkProof::from_bytes(&with_header);
    }

    #[test]
    fn framed_random_bytes_reach_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut framed = b"PGSP".to_vec();
        framed.extend(PROOF_VERSION.to_be_bytes());
        framed.extend(&bytes);
        let err = StarkProof::from_bytes(&framed).expect_err("random bytes are not a proof");
        prop_assert!(matches!(err, proofgrid_stark::proof::DecodeError::Malformed(_)), "{err:?}");
    }

    #[test]
    fn mutated_proofs_never_panic_and_are_rejected(pos in any::<usize>(), bit in 0u8..8) {
        let (bytes, n) = sample();
        let mut b = bytes.clone();
        let i = 6 + pos % (b.len() - 6);
        b[i] ^= 1 << bit;
        if let Ok(p) = StarkProof::from_bytes(&b) {
            let air = Walk::new(*n, 4, 7);
            // A flipped bit must never leave a proof that still verifies, except in bytes that
            // encode nothing the verifier reads (there are none in this format).
            prop_assert!(verify(&air, &p, 0).is_err() || p.to_bytes() == *bytes);
        }
    }
}
