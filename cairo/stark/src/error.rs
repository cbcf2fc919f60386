//! Why a proof was rejected: one variant per check the verifier makes.

/// A rejected proof. Each variant names the check that failed (and the component, where the
/// check is one component's), so an operator (and a test) can tell which part of the proof was
/// wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("proof options are invalid: {0}")]
    InvalidOptions(String),
    #[error("proof gives {got} bits of conjectured security, below the required {required}")]
    SecurityTooLow { got: u32, required: u32 },
    #[error("proof is for component heights 2^{got:?}, the statement needs 2^{expected:?}")]
    TraceLength { got: Vec<u8>, expected: Vec<u8> },
    #[error("proof shape is wrong: {0}")]
    Shape(String),
    #[error("the lookups do not balance: the claimed sums and the public terms do not add up to zero")]
    LookupSum,
    #[error("out-of-domain point falls on a trace domain")]
    DegenerateOodPoint,
    #[error("component {component}: the composition polynomial does not match the constraints at the out-of-domain point")]
    OodConstraintMismatch { component: String },
    #[error("grinding nonce does not give the required proof of work")]
    Grinding,
    #[error("main trace openings do not match their commitment ({table})")]
    MainOpening { table: String },
    #[error("auxiliary trace openings do not match their commitment ({table})")]
    AuxOpening { table: String },
    #[error("composition openings do not match their commitment ({table})")]
    CompositionOpening { table: String },
    #[error("FRI layer {layer} openings do not match its commitment")]
    FriOpening { layer: usize },
    #[error("query {query}: FRI layer {layer} is not the fold of the layer before it")]
    FriFold { query: usize, layer: usize },
    #[error("query {query}: the last FRI layer does not match the folded value")]
    FriLastLayer { query: usize },
}
