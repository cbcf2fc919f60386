//! Random and mutated Cairo proof bytes: an error, never a panic.

mod common;

use proofgrid_cairo::{DecodeLimits, Execution};
use proofgrid_prover::proof::CAIRO_PROOF_VERSION;
use proofgrid_prover::{prove, verify, CairoProof, ProofOptions};
use proptest::prelude::*;
use std::sync::OnceLock;

fn sample() -> &'static Vec<u8> {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| prove(&common::run("primes.json", &["2", "20"]), &ProofOptions::TEST, 2).unwrap().to_bytes())
}

fn execution_sample() -> &'static Vec<u8> {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| common::run("primes.json", &["2", "20"]).encode())
}

#[test]
fn an_execution_is_refused_past_its_size_limit_and_with_trailing_bytes() {
    let bytes = execution_sample();
    assert!(Execution::decode(bytes, &DecodeLimits::bytes(bytes.len())).is_ok());
    let err = Execution::decode(bytes, &DecodeLimits::bytes(bytes.len() - 1)).unwrap_err();
    assert!(err.contains("limit"), "{err}");
    let mut longer = bytes.clone();
    longer.push(0);
    let err = Execution::decode(&longer, &DecodeLimits::bytes(1 << 24)).unwrap_err();
    assert!(err.contains("trailing"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = CairoProof::from_bytes(&bytes);
        // Framed as the current version, so the bytes reach the decoder proper.
        let mut framed = b"PGCP".to_vec();
        framed.extend(CAIRO_PROOF_VERSION.to_be_bytes());
        framed.extend(&bytes);
        let err = CairoProof::from_bytes(&framed).expect_err("random bytes are not a proof");
        prop_assert!(!err.to_string().contains("version"), "{err}");
    }

    #[test]
    fn random_bytes_never_panic_the_execution_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(e) = Execution::decode(&bytes, &DecodeLimits::bytes(1 << 20)) {
            prop_assert_eq!(e.encode(), bytes);
        }
    }

    #[test]
    fn mutated_executions_decode_or_fail_without_panic(pos in any::<usize>(), bit in 0u8..8, cut in 0usize..64) {
        let bytes = execution_sample();
        let mut b = bytes.clone();
        let i = pos % b.len();
        b[i] ^= 1 << bit;
        b.truncate(b.len() - cut.min(b.len()));
        if let Ok(e) = Execution::decode(&b, &DecodeLimits::bytes(1 << 24)) {
            // Whatever decodes re-encodes to the same bytes: nothing is silently dropped.
            prop_assert_eq!(e.encode(), b);
        }
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
