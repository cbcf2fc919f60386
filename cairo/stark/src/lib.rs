//! A generic STARK engine over the Stark252 field (the Cairo field), knowing nothing of Cairo.
//!
//! An [`Air`] describes a trace (main columns, plus interaction columns built from random
//! challenges after the main trace is committed), its transition and boundary constraints and the
//! bytes of its public inputs. [`prove`] turns a trace into a [`StarkProof`]; [`verify`] checks one
//! against the same `Air`. The protocol follows the ethSTARK documentation: low-degree extension on
//! a coset, Merkle commitments (Keccak-256, rows paired with their negations so one path opens
//! both), a composition polynomial split into parts, out-of-domain sampling, the DEEP composition,
//! FRI with a last layer sent as coefficients, grinding, and queries. The whole public statement is
//! absorbed into the Fiat-Shamir transcript before the first challenge.
//!
//! It lives apart from the Cairo AIR (crate `proofgrid-prover`) so that the protocol can be read,
//! tested and reviewed on tiny AIRs without the CPU, memory and builtin constraints in the way.

pub mod air;
pub mod domain;
pub mod error;
pub mod field;
#[cfg(feature = "forge")]
pub mod forge;
mod composition;
mod deep;
pub mod fri;
pub mod merkle;
pub mod options;
pub mod proof;
mod prover;
pub mod transcript;
mod verifier;

pub use air::{Air, Boundary, ConstraintDomain, ConstraintInfo, Frame, TraceTable};
pub use error::VerifyError;
pub use field::Fe;
pub use options::ProofOptions;
pub use proof::StarkProof;
pub use prover::{check_constraints, prove, ProveError};
#[cfg(feature = "forge")]
pub use prover::prove_unchecked;
pub use verifier::verify;
