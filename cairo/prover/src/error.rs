//! Why a Cairo proof could not be made, or was rejected.

use proofgrid_cairo::Builtin;

/// A statement that no honest proof-mode run produces; the verifier refuses it before any
/// cryptography, and the prover refuses to start on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("the program hash is not the Poseidon hash of the builtin list and the bytecode")]
    ProgramHash,
    #[error("registers: {0}")]
    Registers(String),
    #[error("segments: {0}")]
    Segments(String),
    #[error("the program uses the {0} builtin, which this prover does not support yet (supported: {supported})", supported = crate::components::supported_names())]
    UnsupportedBuiltin(Builtin),
}

/// Why proving failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    #[error(transparent)]
    Statement(#[from] StatementError),
    #[error("the execution is not a valid Cairo run: {0}")]
    InvalidExecution(String),
    #[error("the execution is too large to prove: {0}")]
    TooLarge(String),
    #[error("could not start a pool of {threads} threads: {reason}")]
    Threads { threads: usize, reason: String },
    #[error(transparent)]
    Stark(#[from] proofgrid_stark::ProveError),
}

/// Why a proof was rejected. Each variant names the check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("statement rejected: {0}")]
    Statement(#[from] StatementError),
    #[error("the output does not begin with the shard's arguments")]
    ArgsNotEchoed,
    #[error("the proof is for program {got}, the job's program is {expected}")]
    WrongProgram { expected: String, got: String },
    #[error("the proof states the builtins [{got}], the job's program declares [{expected}]")]
    WrongBuiltins { expected: String, got: String },
    #[error("the proof is for arguments [{got}], the shard's are [{expected}]")]
    WrongArgs { expected: String, got: String },
    #[error("proof parameters rejected: {0}")]
    Params(String),
    #[error("garbled proof bytes: {0}")]
    Decode(String),
    #[error("STARK rejected: {0}")]
    Stark(#[from] proofgrid_stark::VerifyError),
}
