//! The `Execution`: everything one run of a shard in cairo-vm's proof mode hands to the prover.
//!
//! # What cairo-vm 3.2 makes public in proof mode
//!
//! Cairo 0 programs (compiled with `--proof_mode`) and Cairo 1 executables (Standalone entry
//! point) both run in cairo-vm's *canonical* proof mode, and lay memory out the same way. With
//! `n = bytecode.len()`, `k = builtins.len()`, and the execution segment's relocated base
//! `e = n + 1`:
//!
//! | addresses | holds | public |
//! |---|---|---|
//! | `1 ..= n` | the bytecode; `__start__` is at offset 0, so the initial pc is 1 | yes, all |
//! | `e` | `e + 2`: the initial fp, so that `[fp - 2] = fp` | yes |
//! | `e + 1` | `0`: a dummy return pc | yes |
//! | `e + 2 .. e + 2 + k` | each declared builtin's segment base, in declaration order; the initial ap = fp = `e + 2` points at the first | yes |
//! | `final_ap - k .. final_ap` | each declared builtin's final stop pointer, in declaration order (what `main` returns) | yes |
//! | the output segment | the output, `segments.builtin(Output)` | yes, all |
//! | everything else | the stack, the args segment, other builtin cells | no |
//!
//! `public_memory` lists exactly these cells in this order (all on page 0): program, then the
//! execution segment's public cells in address order, then the output. So both the initial builtin
//! pointers and the final stop pointers are public, as in StarkWare's Python VM; the arguments are
//! private (the args hint or the Cairo 1 hint processor writes them to a segment of their own) and
//! become public only through the echo in the output. Segments are laid out contiguously: program,
//! execution, the builtin segments in Cairo's canonical order (the order programs must declare
//! them; the layout's builtins the program does not declare get empty segments), a 4-cell zero
//! segment cairo-vm adds for the layout's mod builtins, then segments allocated while running (the
//! args segment first). So `segments.execution.stop` (the final ap) is also the output segment's
//! base when the program declares `output`. A builtin segment is followed by unfilled cells up to
//! room for a power-of-two number of instances (cairo-vm reserves it even without trace padding);
//! they are `None` in `memory`. The
//! `public_memory_layout_is_as_documented` test pins all of this for both languages.

use serde::{Deserialize, Serialize};

use crate::bounded::{self, Counted};
use crate::builtin::Builtin;
use crate::{felt, Felt};

/// The first bytes of an encoded execution.
pub const EXECUTION_MAGIC: &[u8; 4] = b"PGEX";
/// The encoding's version: 2 added the ecdsa signatures (version 1 had no header).
pub const EXECUTION_FORMAT: u16 = 2;

/// What a decoder of an execution someone else sent checks before it allocates for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Bytes accepted at all.
    pub max_bytes: usize,
    /// Steps accepted: the job's (or the prover's own) step cap.
    pub max_steps: u64,
    /// The bytecode length the execution must have (the job's program), when known.
    pub bytecode_len: Option<usize>,
}

impl DecodeLimits {
    /// Only a byte limit: for an execution of no particular job (tools, tests).
    pub fn bytes(max_bytes: usize) -> DecodeLimits {
        DecodeLimits { max_bytes, max_steps: u64::MAX, bytecode_len: None }
    }
}

/// The leading fields of an encoded execution, counted rather than kept (see `decode`).
#[derive(Deserialize)]
struct Shape {
    bytecode: Counted<[u8; 32]>,
    _program_hash: [u8; 32],
    _args: Counted<[u8; 32]>,
    _output: Counted<[u8; 32]>,
    trace: Counted<RegisterState>,
}

/// The three Cairo registers at one step, as relocated addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterState {
    pub pc: u64,
    pub ap: u64,
    pub fp: u64,
}

/// A memory segment as relocated addresses: `[begin, stop)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentBounds {
    pub begin: u64,
    pub stop: u64,
}

impl SegmentBounds {
    pub fn len(&self) -> u64 {
        self.stop.saturating_sub(self.begin)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The segment bounds cairo-vm's `get_air_public_input().memory_segments` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segments {
    /// `begin` = the initial pc, `stop` = the final pc (the proof-mode end loop), as cairo-vm
    /// reports them; the program itself spans `1 ..= bytecode.len()`.
    pub program: SegmentBounds,
    /// `begin` = the initial ap (= initial fp), `stop` = the final ap.
    pub execution: SegmentBounds,
    /// Each builtin the program declares, in declaration order: `begin` = its segment's base,
    /// `stop` = its final stop pointer (exclusive).
    #[serde(deserialize_with = "bounded::builtins")]
    pub builtins: Vec<(Builtin, SegmentBounds)>,
}

impl Segments {
    /// The bounds of `builtin`'s segment, if the program declares it.
    pub fn builtin(&self, builtin: Builtin) -> Option<SegmentBounds> {
        self.builtins
            .iter()
            .find(|(b, _)| *b == builtin)
            .map(|(_, bounds)| *bounds)
    }
}

/// One shard run to completion in proof mode, relocated, with the trace unpadded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// The program segment as loaded at address 1.
    #[serde(with = "felt::vec")]
    pub bytecode: Vec<Felt>,
    /// `poseidon_hash_many(bytecode)`.
    #[serde(with = "felt::single")]
    pub program_hash: Felt,
    #[serde(with = "felt::vec")]
    pub args: Vec<Felt>,
    /// The output builtin segment's contents (empty if the program declares no output builtin).
    #[serde(with = "felt::vec")]
    pub output: Vec<Felt>,
    /// One entry per step, the state before that step; `trace.len() == steps`. The last entry is
    /// the final state: pc at the proof-mode end loop (`jmp rel 0`).
    pub trace: Vec<RegisterState>,
    /// Relocated memory indexed by address; index 0 is always `None`, holes are `None`.
    #[serde(with = "felt::memory")]
    pub memory: Vec<Option<Felt>>,
    /// `(address, value)` of every public cell, in cairo-vm's order (see the module doc).
    #[serde(with = "felt::addressed_vec")]
    pub public_memory: Vec<(u64, Felt)>,
    pub segments: Segments,
    /// The builtins the program declares, in order.
    #[serde(deserialize_with = "bounded::builtins")]
    pub builtins: Vec<Builtin>,
    /// Real (unpadded) number of steps.
    pub steps: usize,
    /// The signatures the program's hints gave the ecdsa builtin, one per instance that has one
    /// (cairo-vm requires one for every instance it checks), in address order.
    #[serde(with = "felt::signatures")]
    pub signatures: Vec<SignatureWitness>,
}

/// An ecdsa instance's signature as the prover needs it: `r` and `w = s⁻¹ mod n` (the curve's
/// order), at the instance whose public-key cell is `address`. Private: the AIR proves that
/// such a pair exists, never which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureWitness {
    pub address: u64,
    pub r: Felt,
    pub w: Felt,
}

impl Execution {
    /// The declared builtins whose segment is non-empty.
    pub fn used_builtins(&self) -> Vec<Builtin> {
        self.segments
            .builtins
            .iter()
            .filter(|(_, bounds)| !bounds.is_empty())
            .map(|(b, _)| *b)
            .collect()
    }

    /// Number of memory cells that hold a value.
    pub fn memory_cells(&self) -> usize {
        self.memory.iter().filter(|c| c.is_some()).count()
    }

    /// Registers before the first step.
    pub fn initial_registers(&self) -> RegisterState {
        self.trace.first().copied().unwrap_or(RegisterState { pc: 0, ap: 0, fp: 0 })
    }

    /// Registers at the last step (the end loop).
    pub fn final_registers(&self) -> RegisterState {
        self.trace.last().copied().unwrap_or(RegisterState { pc: 0, ap: 0, fp: 0 })
    }

    /// The signatures are one per ecdsa instance at most, each at an instance's address, in
    /// increasing order (as `execute` makes them), and there are none without an ecdsa segment.
    fn check_signatures(&self) -> Result<(), String> {
        let bad = |why: &str| Err(format!("malformed execution: its ecdsa signatures {why}"));
        let Some(segment) = self.segments.builtin(Builtin::Ecdsa) else {
            return if self.signatures.is_empty() { Ok(()) } else { bad("have no ecdsa segment") };
        };
        let mut last = None;
        for g in &self.signatures {
            if g.address < segment.begin || g.address >= segment.stop || (g.address - segment.begin) % 2 != 0 {
                return bad("name an address outside the segment's instances");
            }
            if last.is_some_and(|l| g.address <= l) {
                return bad("are not in increasing address order");
            }
            last = Some(g.address);
        }
        Ok(())
    }

    /// [`EXECUTION_MAGIC`], [`EXECUTION_FORMAT`] (big-endian), then the bincode 2 (standard
    /// configuration) encoding: to ship an execution to a prover.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = EXECUTION_MAGIC.to_vec();
        out.extend_from_slice(&EXECUTION_FORMAT.to_be_bytes());
        bincode::serde::encode_into_std_write(self, &mut out, bincode::config::standard())
            .expect("an execution always encodes");
        out
    }

    /// Decodes [`Execution::encode`]'s bytes from another machine, refusing trailing bytes,
    /// non-canonical felts, and anything beyond `limits`. The bytecode's length and the number
    /// of steps are read in a first pass that keeps nothing, so an execution longer than the
    /// step cap or of another program is refused before its trace is allocated; the rest is
    /// bounded by its encoding (see [`felt::memory`] and [`bounded`]), so decoding allocates at
    /// most a few times the bytes received. It does not re-run anything: a prover that receives
    /// an execution from someone else proves it, and a wrong one simply fails to prove.
    pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Execution, String> {
        if bytes.len() > limits.max_bytes {
            return Err(format!("execution of {} bytes exceeds the {}-byte limit", bytes.len(), limits.max_bytes));
        }
        let Some(rest) = bytes.strip_prefix(EXECUTION_MAGIC.as_slice()) else {
            return Err("not an execution this build reads (no format header: a trace from an older node, or not a trace); upgrade the older side".into());
        };
        let Some((version, bytes)) = rest.split_first_chunk::<2>() else {
            return Err("malformed execution: its format header is cut short".into());
        };
        let version = u16::from_be_bytes(*version);
        if version != EXECUTION_FORMAT {
            return Err(format!("execution format version {version}, this build reads version {EXECUTION_FORMAT}; upgrade the older side"));
        }
        let config = bincode::config::standard();
        let (shape, _): (Shape, usize) =
            bincode::serde::decode_from_slice(bytes, config).map_err(|e| format!("malformed execution: {e}"))?;
        if let Some(want) = limits.bytecode_len {
            if shape.bytecode.len != want as u64 {
                return Err(format!(
                    "the execution's bytecode has {} words, the job's program {want}: it is a run of another program",
                    shape.bytecode.len
                ));
            }
        }
        if shape.trace.len > limits.max_steps {
            return Err(format!("the execution has {} steps, over the cap of {}", shape.trace.len, limits.max_steps));
        }
        let (execution, read): (Execution, usize) =
            bincode::serde::decode_from_slice(bytes, config).map_err(|e| format!("malformed execution: {e}"))?;
        if read != bytes.len() {
            return Err(format!("malformed execution: {} trailing bytes", bytes.len() - read));
        }
        execution.check_signatures()?;
        if execution.steps != execution.trace.len() {
            return Err(format!(
                "malformed execution: it claims {} steps but has a trace of {}",
                execution.steps,
                execution.trace.len()
            ));
        }
        Ok(execution)
    }
}
