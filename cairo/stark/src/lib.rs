//! A generic STARK engine over the Stark252 field (the Cairo field), knowing nothing of Cairo.
//!
//! An [`Air`] is a set of [`Component`]s, each a table of its own height with its own columns,
//! periodic columns, transition and boundary constraints, tied together by logUp lookups
//! ([`lookup`]) that the verifier checks balance, with its own public terms added. [`prove`]
//! turns one trace per component into a [`StarkProof`]; [`verify`] checks one against the same
//! `Air`. The protocol follows the ethSTARK documentation: low-degree extension on a coset,
//! Merkle commitments (Keccak-256, rows paired with their negations so one path opens both), a
//! composition polynomial per component split into parts, one out-of-domain point, the DEEP
//! composition, one FRI in which shorter components join at the layer of their own size,
//! grinding, and queries. The whole public statement is absorbed into the Fiat-Shamir transcript
//! before the first challenge.
//!
//! It lives apart from the Cairo AIR (crate `proofgrid-prover`) so that the protocol can be read,
//! tested and reviewed on tiny AIRs without the CPU, memory and builtin constraints in the way.

pub mod air;
pub mod component;
mod composition;
mod deep;
pub mod domain;
pub mod error;
mod fiat_shamir;
pub mod field;
#[cfg(feature = "forge")]
pub mod forge;
pub mod fri;
pub mod lookup;
pub mod merkle;
pub mod mixed;
pub mod options;
pub mod periodic;
pub mod proof;
mod prover;
mod shape;
mod table;
pub mod transcript;
mod verifier;

pub use air::{Air, PublicTerm, RelationChallenge};
pub use component::{
    Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, PeriodicColumn, Row, TraceTable,
};
pub use error::VerifyError;
pub use field::Fe;
pub use options::ProofOptions;
pub use proof::StarkProof;
#[cfg(feature = "forge")]
pub use prover::prove_unchecked;
pub use prover::{check_traces, prove, ProveError};
pub use shape::composition_parts;
pub use verifier::verify;
