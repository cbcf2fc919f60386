//! The proof object and its versioned byte format.

use crate::field::{serde_fe, Fe};
use crate::merkle::{Path, Root};
use crate::options::ProofOptions;
use serde::{Deserialize, Serialize};

/// Bumped whenever the encoding or the protocol changes; a proof of another version is refused.
pub const PROOF_VERSION: u16 = 5;
const MAGIC: &[u8; 4] = b"PGSP";
/// No proof this engine makes comes near this; decoding never allocates more.
pub const MAX_PROOF_BYTES: usize = 64 << 20;
/// Most components an AIR may have, and most FRI layers a proof may commit: far above any real
/// AIR or trace, they bound the lists whose elements decode to far more than they encode to.
pub const MAX_COMPONENTS: usize = 64;
pub const MAX_FRI_LAYERS: usize = 64;

fn components<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    serde_fe::seq_at_most(d, MAX_COMPONENTS, "components")
}

fn layers<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    serde_fe::seq_at_most(d, MAX_FRI_LAYERS, "FRI layers")
}

/// Out-of-domain evaluations of one component at z (and g·z for its trace, g its own trace
/// generator).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OodValues {
    #[serde(with = "serde_fe::vec")]
    pub main: Vec<Fe>,
    #[serde(with = "serde_fe::vec")]
    pub main_next: Vec<Fe>,
    #[serde(with = "serde_fe::vec")]
    pub aux: Vec<Fe>,
    #[serde(with = "serde_fe::vec")]
    pub aux_next: Vec<Fe>,
    /// H_i(z^m) for each composition part.
    #[serde(with = "serde_fe::vec")]
    pub composition: Vec<Fe>,
}

/// What a component claims beyond the phases' commitments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentProof {
    /// The logUp running sum on the last row (absent when the component makes no lookups).
    #[serde(with = "serde_fe::option")]
    pub claimed_sum: Option<Fe>,
    pub ood: OodValues,
}

/// The opened leaves of one committed table, one per distinct queried leaf in increasing index
/// order (several queries can land on one leaf of a short table), and one Merkle multiproof
/// for them all (FRI's layers; the components' tables share one tree per phase).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableOpening {
    #[serde(with = "serde_fe::rows")]
    pub leaves: Vec<Vec<Fe>>,
    pub nodes: Path,
}

/// One component's opened leaves in each phase's tree (by increasing leaf index).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentOpenings {
    #[serde(with = "serde_fe::rows")]
    pub main: Vec<Vec<Fe>>,
    #[serde(with = "serde_fe::rows::option")]
    pub aux: Option<Vec<Vec<Fe>>>,
    #[serde(with = "serde_fe::rows")]
    pub composition: Vec<Vec<Fe>>,
}

/// A STARK proof.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StarkProof {
    pub options: ProofOptions,
    /// log2 of each component's height, in the AIR's order (checked against the AIR).
    #[serde(deserialize_with = "components")]
    pub log_heights: Vec<u8>,
    /// One mixed-height tree per phase over every component's table in it.
    pub main_root: Root,
    /// Over the components with lookups (absent when none has any).
    pub aux_root: Option<Root>,
    pub composition_root: Root,
    #[serde(deserialize_with = "components")]
    pub components: Vec<ComponentProof>,
    #[serde(deserialize_with = "layers")]
    pub fri_roots: Vec<Root>,
    /// Coefficients of the last FRI layer.
    #[serde(with = "serde_fe::vec")]
    pub fri_last_layer: Vec<Fe>,
    pub nonce: u64,
    #[serde(deserialize_with = "components")]
    pub openings: Vec<ComponentOpenings>,
    /// The phases' multiproofs.
    pub main_nodes: Path,
    pub aux_nodes: Option<Path>,
    pub composition_nodes: Path,
    /// Each committed FRI layer's openings.
    #[serde(deserialize_with = "layers")]
    pub fri_openings: Vec<TableOpening>,
}

/// Why bytes are not a proof.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("not a proofgrid proof (bad magic bytes)")]
    BadMagic,
    #[error("proof format version {found}, but this build reads version {expected}; upgrade the older side")]
    Version { found: u16, expected: u16 },
    #[error("proof is {0} bytes, above the {MAX_PROOF_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("proof bytes are malformed: {0}")]
    Malformed(String),
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_PROOF_BYTES>()
}

impl StarkProof {
    /// Serialises with magic bytes and the format version in front.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&PROOF_VERSION.to_be_bytes());
        let body = bincode::serde::encode_to_vec(self, config()).expect("a proof always encodes");
        out.extend_from_slice(&body);
        out
    }

    /// Parses bytes produced by [`StarkProof::to_bytes`]; never panics and never allocates more
    /// than [`MAX_PROOF_BYTES`].
    pub fn from_bytes(bytes: &[u8]) -> Result<StarkProof, DecodeError> {
        if bytes.len() > MAX_PROOF_BYTES {
            return Err(DecodeError::TooLarge(bytes.len()));
        }
        if bytes.len() < 6 || &bytes[..4] != MAGIC {
            return Err(DecodeError::BadMagic);
        }
        let version = u16::from_be_bytes([bytes[4], bytes[5]]);
        if version != PROOF_VERSION {
            return Err(DecodeError::Version { found: version, expected: PROOF_VERSION });
        }
        let (proof, used) = bincode::serde::decode_from_slice(&bytes[6..], config())
            .map_err(|e| DecodeError::Malformed(e.to_string()))?;
        if used != bytes.len() - 6 {
            return Err(DecodeError::Malformed(format!(
                "{} trailing bytes after the proof",
                bytes.len() - 6 - used
            )));
        }
        Ok(proof)
    }
}
