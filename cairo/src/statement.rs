//! The `Statement`: the public facts a proof of one shard is about, as the verifier sees them.
//!
//! The prover puts its own values (padded trace length, rc_min/rc_max, proof options) beside it;
//! everything here comes from the execution and is checked by the verifier, never trusted: the
//! bytecode and the builtin names against the job's program, the args against the shard, the rest
//! by the AIR. docs/prover.md has the field-by-field account.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::builtin::Builtin;
use crate::execution::{Execution, RegisterState, SegmentBounds};
use crate::{felt, hash, Felt};

/// Largest encoded statement `decode` accepts: far above any real program, far below memory.
pub const MAX_ENCODED_LEN: usize = 64 << 20;

/// What a proof of one shard claims: this program, run on these args, printed this output, from
/// these initial registers to these final ones, with these builtin segments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(with = "felt::vec")]
    pub bytecode: Vec<Felt>,
    /// The hash of the builtin names and the bytecode ([`hash::program_hash`]); see
    /// [`Statement::check_program_hash`].
    #[serde(with = "felt::single")]
    pub program_hash: Felt,
    #[serde(with = "felt::vec")]
    pub args: Vec<Felt>,
    #[serde(with = "felt::vec")]
    pub output: Vec<Felt>,
    /// pc, ap, fp before the first step.
    pub initial: RegisterState,
    /// pc at the last step: the proof-mode end loop.
    pub final_pc: u64,
    /// ap at the last step.
    pub final_ap: u64,
    /// Each builtin the program declares, in declaration order: its name, its segment's base
    /// (`begin`) and its final stop pointer (`stop`, exclusive).
    #[serde(deserialize_with = "crate::bounded::builtins")]
    pub builtins: Vec<(Builtin, SegmentBounds)>,
}

impl Statement {
    pub fn from_execution(execution: &Execution) -> Statement {
        let last = execution.final_registers();
        Statement {
            bytecode: execution.bytecode.clone(),
            program_hash: execution.program_hash,
            args: execution.args.clone(),
            output: execution.output.clone(),
            initial: execution.initial_registers(),
            final_pc: last.pc,
            final_ap: last.ap,
            builtins: execution.segments.builtins.clone(),
        }
    }

    /// The declared builtin names, in order.
    pub fn builtin_names(&self) -> Vec<Builtin> {
        self.builtins.iter().map(|(b, _)| *b).collect()
    }

    /// The bounds of `builtin`'s segment, if the statement declares it.
    pub fn builtin(&self, builtin: Builtin) -> Option<SegmentBounds> {
        self.builtins.iter().find(|(b, _)| *b == builtin).map(|(_, bounds)| *bounds)
    }

    /// The args-binding convention: the output begins with the args, verbatim.
    pub fn check_args_echo(&self) -> Result<(), Error> {
        if self.output.starts_with(&self.args) {
            return Ok(());
        }
        let show = |felts: &[Felt]| {
            felts
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let prefix = &self.output[..self.args.len().min(self.output.len())];
        Err(Error::NoArgsEcho {
            args: show(&self.args),
            output_prefix: if prefix.is_empty() {
                "nothing: the output is empty".to_string()
            } else {
                show(prefix)
            },
        })
    }

    /// Whether `program_hash` is the hash of the builtin names and `bytecode`.
    pub fn check_program_hash(&self) -> bool {
        hash::program_hash(&self.builtin_names(), &self.bytecode) == self.program_hash
    }

    /// The output after the echoed args: the shard's result.
    pub fn result(&self) -> &[Felt] {
        self.output.get(self.args.len()..).unwrap_or(&[])
    }

    /// bincode 2 (standard configuration) encoding.
    pub fn encode(&self) -> Vec<u8> {
        bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("a statement always encodes")
    }

    /// Decodes `bytes` from [`Statement::encode`], refusing trailing bytes and anything larger
    /// than [`MAX_ENCODED_LEN`].
    pub fn decode(bytes: &[u8]) -> Result<Statement, String> {
        if bytes.len() > MAX_ENCODED_LEN {
            return Err(format!("statement of {} bytes exceeds the {MAX_ENCODED_LEN}-byte limit", bytes.len()));
        }
        let config = bincode::config::standard().with_limit::<MAX_ENCODED_LEN>();
        let (statement, read) = bincode::serde::decode_from_slice(bytes, config)
            .map_err(|e| format!("malformed statement: {e}"))?;
        if read != bytes.len() {
            return Err(format!("malformed statement: {} trailing bytes", bytes.len() - read));
        }
        Ok(statement)
    }
}
