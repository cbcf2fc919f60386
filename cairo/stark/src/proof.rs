//! The proof object and its versioned byte format.

use crate::field::{serde_fe, Fe};
use crate::merkle::{Path, Root};
use crate::options::ProofOptions;
use serde::{Deserialize, Serialize};

/// Bumped whenever the encoding or the protocol changes; a proof of another version is refused.
pub const PROOF_VERSION: u16 = 2;
const MAGIC: &[u8; 4] = b"PGSP";
/// No proof this engine makes comes near this; decoding never allocates more.
pub const MAX_PROOF_BYTES: usize = 64 << 20;

/// One opened leaf of a committed table (its Merkle nodes travel in [`BatchPaths`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opening {
    #[serde(with = "serde_fe::vec")]
    pub values: Vec<Fe>,
}

/// Everything opened for one query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryProof {
    /// Main-trace rows at x and -x.
    pub main: Opening,
    /// Auxiliary rows at x and -x (absent when the AIR has none).
    pub aux: Option<Opening>,
    /// Composition parts at x and -x.
    pub composition: Opening,
    /// For each committed FRI layer, the pair (f(y), f(-y)).
    pub fri: Vec<Opening>,
}

/// One Merkle multiproof per committed table, covering every query's leaf at once: nodes shared
/// by several queries are sent once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchPaths {
    pub main: Path,
    pub aux: Option<Path>,
    pub composition: Path,
    pub fri: Vec<Path>,
}

/// Out-of-domain evaluations at z (and g·z for the trace).
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

/// A STARK proof.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StarkProof {
    pub options: ProofOptions,
    pub trace_length: u64,
    pub main_root: Root,
    pub aux_root: Option<Root>,
    pub composition_root: Root,
    pub ood: OodValues,
    pub fri_roots: Vec<Root>,
    /// Coefficients of the last FRI layer.
    #[serde(with = "serde_fe::vec")]
    pub fri_last_layer: Vec<Fe>,
    pub nonce: u64,
    pub queries: Vec<QueryProof>,
    pub paths: BatchPaths,
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
