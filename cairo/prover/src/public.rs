//! The public side of a Cairo proof: the statement, the prover's parameters (component heights,
//! range tables) and the public memory the verifier derives from the statement.

use crate::components;
use crate::error::StatementError;
use crate::instruction::JMP_REL_0;
use proofgrid_cairo::{Builtin, Statement};
use proofgrid_stark::field::{fe, Fe};
use serde::{Deserialize, Serialize};

/// Relocation puts the program segment at address 1.
pub const PROGRAM_BASE: u64 = 1;

/// A 16-bit range table's parameters: its first and last value and log2 of its height.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeParams {
    pub min: u16,
    pub max: u16,
    pub log_height: u8,
}

/// What the prover chose and the verifier checks: every component's height and the range tables'
/// first values. Everything else about the components follows from the statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofParams {
    /// log2 of the CPU's rows (at least the step count).
    pub cpu_log: u8,
    /// log2 of the memory table's rows (at least the highest address).
    pub memory_log: u8,
    pub offsets: RangeParams,
    /// Present when some used builtin has 16-bit limbs (range_check, range_check96).
    pub limbs: Option<RangeParams>,
    /// log2 of each used builtin component's rows, in the statement's order of used builtins
    /// (output, which has no component, excluded).
    pub builtin_logs: Vec<u8>,
}

/// Converts a cairo-vm felt into the prover's field element.
pub fn to_fe(x: &proofgrid_cairo::Felt) -> Fe {
    proofgrid_stark::field::from_bytes(&x.to_bytes_be()).expect("a felt is below the modulus")
}

fn felt_u64(x: &proofgrid_cairo::Felt) -> Option<u64> {
    let b = x.to_bytes_be();
    b[..24].iter().all(|&v| v == 0).then(|| u64::from_be_bytes(b[24..].try_into().expect("8 bytes")))
}

/// Checks everything about a statement that does not need the proof, and returns the public
/// memory it implies, as (address, value) pairs.
///
/// The public memory is: the program's bytecode at [`PROGRAM_BASE`]; the two cells below the
/// initial ap (a return fp pointing at the initial ap, and a return pc of 0) and, from the initial
/// ap on, the base of each declared builtin's segment; the stop pointer of each builtin in the
/// cells just below the final ap, where the program's `main` returned them; and the output
/// builtin's cells.
pub fn public_memory(s: &Statement) -> Result<Vec<(u64, Fe)>, StatementError> {
    check_statement(s)?;
    let mut cells = Vec::new();
    for (i, w) in s.bytecode.iter().enumerate() {
        cells.push((PROGRAM_BASE + i as u64, to_fe(w)));
    }
    let ap0 = s.initial.ap;
    cells.push((ap0 - 2, fe(ap0)));
    cells.push((ap0 - 1, fe(0)));
    let k = s.builtins.len() as u64;
    for (i, (_, seg)) in s.builtins.iter().enumerate() {
        cells.push((ap0 + i as u64, fe(seg.begin)));
        cells.push((s.final_ap - k + i as u64, fe(seg.stop)));
    }
    if let Some(out) = s.builtin(Builtin::Output) {
        for (i, v) in s.output.iter().enumerate() {
            cells.push((out.begin + i as u64, to_fe(v)));
        }
    }
    Ok(cells)
}

/// The statement's own consistency: registers, segments and builtins that a proof-mode run of
/// this program could have.
pub fn check_statement(s: &Statement) -> Result<(), StatementError> {
    use StatementError as E;
    if !s.check_program_hash() {
        return Err(E::ProgramHash);
    }
    let len = s.bytecode.len() as u64;
    if len == 0 {
        return Err(E::Registers("the program is empty".into()));
    }
    let in_program = |pc: u64| pc >= PROGRAM_BASE && pc < PROGRAM_BASE + len;
    // Proof mode starts at the program's first word (`__start__`); starting anywhere else would
    // run some other entry into the same bytecode.
    if s.initial.pc != PROGRAM_BASE {
        return Err(E::Registers(format!("initial pc {} is not the program's start ({PROGRAM_BASE})", s.initial.pc)));
    }
    // Proof mode ends in the start code's `jmp rel 0` (`__end__`), the first such word in the
    // program for both Cairo 0 and Cairo 1. Stopping at any other pc would prove a run cut short,
    // whose output cells could hold anything.
    let end = s.bytecode.iter().position(|w| felt_u64(w) == Some(JMP_REL_0)).map(|i| PROGRAM_BASE + i as u64);
    if !in_program(s.final_pc) || end != Some(s.final_pc) {
        return Err(E::Registers(format!(
            "final pc {} is not the program's end loop (the first jmp rel 0, at {end:?})",
            s.final_pc
        )));
    }
    let k = s.builtins.len() as u64;
    // The execution segment follows the program; the initial ap sits above the two frame cells.
    if s.initial.fp != s.initial.ap || s.initial.ap != PROGRAM_BASE + len + 2 {
        return Err(E::Registers(format!(
            "initial ap/fp {}/{} do not follow the program and the proof-mode frame",
            s.initial.ap, s.initial.fp
        )));
    }
    if s.final_ap < s.initial.ap + k || s.final_ap > 1 << 40 {
        return Err(E::Registers(format!("final ap {} is out of range", s.final_ap)));
    }
    for (b, seg) in &s.builtins {
        if seg.stop < seg.begin || seg.stop > 1 << 40 {
            return Err(E::Segments(format!("{b} segment [{}, {}) is malformed", seg.begin, seg.stop)));
        }
        if !seg.is_empty() && !components::supported(*b) {
            return Err(E::UnsupportedBuiltin(*b));
        }
        if let Some(spec) = components::spec(*b) {
            if seg.len() % spec.cells != 0 {
                return Err(E::Segments(format!(
                    "{b} segment [{}, {}) is not a whole number of {}-cell instances",
                    seg.begin, seg.stop, spec.cells
                )));
            }
        }
    }
    // Segments lie in order without overlapping: execution up to the final ap, then each builtin
    // in declaration order. Overlapping segments would let one write stand for two values' worth
    // of meaning (an output cell that is also a range-check cell, say).
    let mut floor = s.final_ap;
    for (b, seg) in &s.builtins {
        if seg.begin < floor {
            return Err(E::Segments(format!("{b} segment starts at {}, inside the one before it (ends at {floor})", seg.begin)));
        }
        floor = seg.stop;
    }
    let mut names: Vec<Builtin> = s.builtins.iter().map(|(b, _)| *b).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != s.builtins.len() {
        return Err(E::Segments("a builtin is declared twice".into()));
    }
    match s.builtin(Builtin::Output) {
        Some(out) if out.len() != s.output.len() as u64 => {
            return Err(E::Segments(format!(
                "output segment holds {} cells, the statement lists {}",
                out.len(),
                s.output.len()
            )))
        }
        None if !s.output.is_empty() => return Err(E::Segments("output without an output builtin".into())),
        _ => {}
    }
    Ok(())
}

/// The bytes absorbed into the transcript: the whole statement and the proof parameters.
pub fn public_input_bytes(s: &Statement, params: &ProofParams) -> Vec<u8> {
    let mut out = b"proofgrid-cairo/2".to_vec();
    let st = s.encode();
    out.extend((st.len() as u64).to_be_bytes());
    out.extend(st);
    out.extend(bincode::serde::encode_to_vec(params, bincode::config::standard()).expect("params encode"));
    out
}
