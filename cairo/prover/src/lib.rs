//! The Cairo STARK prover and verifier.
