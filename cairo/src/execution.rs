//! The `Execution`: everything one run of a shard in cairo-vm's proof mode hands to the prover.
//!
//! # What cairo-vm 3.2 makes public in proof mode
//!
//! Both Cairo 0 programs and Cairo 1 executables (Standalone entry point) run in cairo-vm's
//! *canonical* proof mode, and `public_memory` then holds, in this order (all on page 0):
//!
//! 1. **The whole program segment**: addresses `1 ..= bytecode.len()`, the bytecode word for word.
//! 2. **The initial stack**: the first `2 + builtins.len()` cells of the execution segment, at
//!    `segments.execution.begin - 2 - builtins.len() ..` — wait, no: the execution segment's
//!    relocated base `e` (which is `bytecode.len() + 1`) holds `[e + 2, 0, base_1, ..., base_k]`:
//!    a fake return fp that points at itself (`[fp - 2] = fp`), a fake return pc `0`, then the base
//!    address of each declared builtin's segment, in declaration order. The initial registers are
//!    `pc = 1` (the program's `__start__` at offset 0), `ap = fp = e + 2`, so
//!    `segments.execution.begin = e + 2`; the two fake frame cells and the builtin bases sit just
//!    below the initial ap, and only the builtin bases are within the first `[ap]` reads.
//! 3. **The output builtin's cells**: every cell of the output segment, `segments.output` in
//!    `segments.builtins`.
//!
//! The **final builtin stop pointers are not public**: the program writes them at the end of the
//! execution segment (the `__end__` epilogue returns them), but cairo-vm does not add those cells to
//! the public memory; `segments` carries the stop pointers (from cairo-vm's AIR public input) and
//! the prover must tie them to the trace itself. The args segment that the args hint (Cairo 0) or
//! the Cairo 1 hint processor allocates is private; arguments become public only through the echo
//! in the output. The `execution_segment_public_cells` test pins this layout.

use serde::{Deserialize, Serialize};

use crate::builtin::Builtin;
use crate::{felt, Felt};

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
    #[serde(with = "felt::option_vec")]
    pub memory: Vec<Option<Felt>>,
    /// `(address, value)` of every public cell, in cairo-vm's order (see the module doc).
    #[serde(with = "felt::addressed_vec")]
    pub public_memory: Vec<(u64, Felt)>,
    pub segments: Segments,
    /// The builtins the program declares, in order.
    pub builtins: Vec<Builtin>,
    /// Real (unpadded) number of steps.
    pub steps: usize,
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
}
