//! Why a proof was rejected: one variant per check the verifier makes.

/// A rejected proof. Each variant names the check that failed, so an operator (and a test) can
/// tell which part of the proof was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("proof options are invalid: {0}")]
    InvalidOptions(String),
    #[error("proof gives {got} bits of conjectured security, below the required {required}")]
    SecurityTooLow { got: u32, required: u32 },
    #[error("proof is for trace length {got}, the statement needs {expected}")]
    TraceLength { got: u64, expected: u64 },
    #[error("proof shape is wrong: {0}")]
    Shape(String),
    #[error("out-of-domain point falls on the trace domain")]
    DegenerateOodPoint,
    #[error("composition polynomial does not match the constraints at the out-of-domain point")]
    OodConstraintMismatch,
    #[error("grinding nonce does not give the required proof of work")]
    Grinding,
    #[error("main trace openings do not match their commitment")]
    MainOpening,
    #[error("auxiliary trace openings do not match their commitment")]
    AuxOpening,
    #[error("composition openings do not match their commitment")]
    CompositionOpening,
    #[error("FRI layer {layer} openings do not match its commitment")]
    FriOpening { layer: usize },
    #[error("query {query}: FRI layer {layer} is not the fold of the layer before it")]
    FriFold { query: usize, layer: usize },
    #[error("query {query}: the last FRI layer does not match the folded value")]
    FriLastLayer { query: usize },
}
