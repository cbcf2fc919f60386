//! The CPU: one row per step (Cairo paper, section 9, on a one-row-per-step layout).
//!
//! A row holds pc, ap, fp, the instruction word, its three biased offsets and fifteen flag bits,
//! the three operand addresses and values, `res` and `t0 = f_jnz·dst`. Constraints, in order:
//! flag bits; at most one flag of each group (as Stone's AIR, plus no jnz with `ap += res`);
//! the instruction word from offsets and flags; the operand addresses; `res` and `t0`;
//! the call and assert_eq opcodes; then from a row to the next, pc (two constraints, for jnz), ap
//! and fp. The paper's `t1 = t0·res` and `mul = op0·op1` are not columns: degree-3 constraints
//! cost no extra composition part, so they are written out.
//!
//! Lookups: four memory accesses (instruction fetch, dst, op0, op1) and the three offsets into the
//! offsets' 16-bit range table. Padding rows repeat the last step (the end loop jumps to itself),
//! and their accesses count like any other.

use super::relation;
use crate::instruction::Instruction;
use proofgrid_cairo::RegisterState;
use proofgrid_stark::component::{Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, Row};
use proofgrid_stark::field::{fe, Fe};

/// The CPU columns, in order.
pub mod col {
    pub const PC: usize = 0;
    pub const AP: usize = 1;
    pub const FP: usize = 2;
    pub const INST: usize = 3;
    pub const OFF_DST: usize = 4;
    pub const OFF_OP0: usize = 5;
    pub const OFF_OP1: usize = 6;
    /// Flag bits f_0..f_14 follow.
    pub const FLAG0: usize = 7;
    pub const DST_ADDR: usize = 22;
    pub const DST: usize = 23;
    pub const OP0_ADDR: usize = 24;
    pub const OP0: usize = 25;
    pub const OP1_ADDR: usize = 26;
    pub const OP1: usize = 27;
    pub const RES: usize = 28;
    /// f_PC_JNZ · dst.
    pub const T0: usize = 29;
    pub const WIDTH: usize = 30;
}

/// The flags of an instruction, by their bit position (Cairo paper, section 4.5).
pub mod flag {
    pub const DST_REG: usize = 0;
    pub const OP0_REG: usize = 1;
    pub const OP1_IMM: usize = 2;
    pub const OP1_FP: usize = 3;
    pub const OP1_AP: usize = 4;
    pub const RES_ADD: usize = 5;
    pub const RES_MUL: usize = 6;
    pub const PC_JUMP_ABS: usize = 7;
    pub const PC_JUMP_REL: usize = 8;
    pub const PC_JNZ: usize = 9;
    pub const AP_ADD: usize = 10;
    pub const AP_ADD1: usize = 11;
    pub const OPCODE_CALL: usize = 12;
    pub const OPCODE_RET: usize = 13;
    pub const OPCODE_ASSERT_EQ: usize = 14;
    pub const COUNT: usize = 15;
}

pub struct Cpu {
    pub height: usize,
    pub initial: RegisterState,
    pub final_pc: u64,
    pub final_ap: u64,
    constraints: Vec<ConstraintInfo>,
}

/// Flag groups of which an instruction sets at most one (the op1 source, the res logic, the pc
/// update, the ap update, the opcode): cairo-vm refuses to decode any other word, and some of
/// them would make a step nondeterministic (jump abs and jnz both set: two next pcs).
const FLAG_GROUPS: [&[usize]; 5] = [
    &[flag::OP1_IMM, flag::OP1_FP, flag::OP1_AP],
    &[flag::RES_ADD, flag::RES_MUL, flag::PC_JNZ],
    &[flag::PC_JUMP_ABS, flag::PC_JUMP_REL, flag::PC_JNZ],
    &[flag::AP_ADD, flag::AP_ADD1],
    &[flag::OPCODE_CALL, flag::OPCODE_RET, flag::OPCODE_ASSERT_EQ],
];

const LOOKUPS: [LookupInfo; 7] = [
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::OFFSETS, 1),
    LookupInfo::linear(relation::OFFSETS, 1),
    LookupInfo::linear(relation::OFFSETS, 1),
];

impl Cpu {
    pub fn new(height: usize, initial: RegisterState, final_pc: u64, final_ap: u64) -> Cpu {
        use ConstraintDomain::*;
        let mut c = Vec::new();
        let info = ConstraintInfo::new;
        c.extend((0..flag::COUNT).map(|_| info(2, AllRows)));
        c.extend((0..FLAG_GROUPS.len()).map(|_| info(2, AllRows))); // one of each group at most
        c.push(info(2, AllRows)); // no jnz with ap += res
        c.push(info(1, AllRows)); // instruction word
        c.extend((0..3).map(|_| info(2, AllRows))); // operand addresses
        c.push(info(3, AllRows)); // res
        c.push(info(2, AllRows)); // t0
        c.extend((0..3).map(|_| info(2, AllRows))); // call (2), assert_eq
        c.push(info(3, AllButLast)); // pc when jnz does not jump
        c.extend((0..3).map(|_| info(2, AllButLast))); // pc, ap, fp
        Cpu { height, initial, final_pc, final_ap, constraints: c }
    }
}

impl Component for Cpu {
    fn name(&self) -> &str {
        "cpu"
    }
    fn height(&self) -> usize {
        self.height
    }
    fn main_width(&self) -> usize {
        col::WIDTH
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &self.constraints
    }

    fn evaluate(&self, f: &Frame<'_>, out: &mut [Fe]) {
        let (cur, next) = (f.main, f.main_next);
        let one = Fe::one();
        let mut k = 0;
        let mut put = |v: Fe| {
            out[k] = v;
            k += 1;
        };
        let fl = |i: usize| cur[col::FLAG0 + i];
        for i in 0..flag::COUNT {
            put(fl(i) * (fl(i) - one));
        }
        for group in FLAG_GROUPS {
            let b = group.iter().fold(Fe::zero(), |acc, &i| acc + fl(i));
            put(b * (b - one));
        }
        // jnz leaves res free, so ap += res would leave ap free (cairo-vm refuses the word).
        put(fl(flag::PC_JNZ) * fl(flag::AP_ADD));
        // Instruction word.
        let mut flags_word = Fe::zero();
        for i in (0..flag::COUNT).rev() {
            flags_word = flags_word.double() + fl(i);
        }
        let two16 = fe(1 << 16);
        let two32 = fe(1 << 32);
        let two48 = fe(1 << 48);
        put(cur[col::OFF_DST] + two16 * cur[col::OFF_OP0] + two32 * cur[col::OFF_OP1] + two48 * flags_word - cur[col::INST]);
        // Operand addresses; offsets are biased by 2^15.
        let bias = fe(1 << 15);
        let (pc, ap, fp) = (cur[col::PC], cur[col::AP], cur[col::FP]);
        let dst_reg = fl(flag::DST_REG);
        put(dst_reg * fp + (one - dst_reg) * ap + cur[col::OFF_DST] - bias - cur[col::DST_ADDR]);
        let op0_reg = fl(flag::OP0_REG);
        put(op0_reg * fp + (one - op0_reg) * ap + cur[col::OFF_OP0] - bias - cur[col::OP0_ADDR]);
        let (imm, op1_fp, op1_ap) = (fl(flag::OP1_IMM), fl(flag::OP1_FP), fl(flag::OP1_AP));
        let (op0, op1, dst, res) = (cur[col::OP0], cur[col::OP1], cur[col::DST], cur[col::RES]);
        put(imm * pc + op1_ap * ap + op1_fp * fp + (one - imm - op1_fp - op1_ap) * op0 + cur[col::OFF_OP1] - bias - cur[col::OP1_ADDR]);
        // res and t0.
        let (add, mulf, jnz) = (fl(flag::RES_ADD), fl(flag::RES_MUL), fl(flag::PC_JNZ));
        put((one - jnz) * res - (add * (op0 + op1) + mulf * op0 * op1 + (one - add - mulf - jnz) * op1));
        let t0 = cur[col::T0];
        put(jnz * dst - t0);
        // Opcodes.
        let size = imm + one;
        let call = fl(flag::OPCODE_CALL);
        put(call * (dst - fp));
        put(call * (op0 - (pc + size)));
        put(fl(flag::OPCODE_ASSERT_EQ) * (dst - res));
        // Register updates.
        let next_pc = next[col::PC];
        // With jnz and dst ≠ 0, res = 1/dst makes t0·res = 1; with dst = 0 the pc just advances.
        put((t0 * res - jnz) * (next_pc - (pc + size)));
        let (abs, rel) = (fl(flag::PC_JUMP_ABS), fl(flag::PC_JUMP_REL));
        put(t0 * (next_pc - (pc + op1)) + (one - jnz) * next_pc
            - ((one - abs - rel - jnz) * (pc + size) + abs * res + rel * (pc + res)));
        put(ap + fl(flag::AP_ADD) * res + fl(flag::AP_ADD1) + call.double() - next[col::AP]);
        let ret = fl(flag::OPCODE_RET);
        put(ret * dst + call * (ap + fe(2)) + (one - ret - call) * fp - next[col::FP]);
        debug_assert_eq!(k, self.constraints.len());
    }

    fn boundaries(&self) -> Vec<Boundary> {
        let n = self.height;
        let at = |column: usize, row: usize, value: u64| Boundary { column, row, value: fe(value) };
        vec![
            at(col::PC, 0, self.initial.pc),
            at(col::AP, 0, self.initial.ap),
            at(col::FP, 0, self.initial.fp),
            at(col::PC, n - 1, self.final_pc),
            at(col::AP, n - 1, self.final_ap),
        ]
    }

    fn lookups(&self) -> &[LookupInfo] {
        &LOOKUPS
    }

    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        let m = row.main;
        let one = Fe::one();
        out[0] = LookupTerm::new(one, &[m[col::PC], m[col::INST]]);
        out[1] = LookupTerm::new(one, &[m[col::DST_ADDR], m[col::DST]]);
        out[2] = LookupTerm::new(one, &[m[col::OP0_ADDR], m[col::OP0]]);
        out[3] = LookupTerm::new(one, &[m[col::OP1_ADDR], m[col::OP1]]);
        out[4] = LookupTerm::new(one, &[m[col::OFF_DST]]);
        out[5] = LookupTerm::new(one, &[m[col::OFF_OP0]]);
        out[6] = LookupTerm::new(one, &[m[col::OFF_OP1]]);
    }
}

/// Memory as the trace builders see it: every cell relocated, holes read as 0.
pub struct Memory<'a> {
    pub cells: &'a [Option<proofgrid_cairo::Felt>],
}

impl Memory<'_> {
    pub fn get(&self, addr: u64) -> Fe {
        self.cells.get(addr as usize).and_then(|c| c.as_ref()).map(crate::public::to_fe).unwrap_or_else(Fe::zero)
    }
    pub fn is_set(&self, addr: u64) -> bool {
        self.cells.get(addr as usize).is_some_and(|c| c.is_some())
    }
    pub fn word(&self, addr: u64) -> Option<u64> {
        let c = self.cells.get(addr as usize)?.as_ref()?;
        let b = c.to_bytes_be();
        b[..24].iter().all(|&v| v == 0).then(|| u64::from_be_bytes(b[24..].try_into().expect("8 bytes")))
    }
}

/// One CPU step, decoded, with its operands.
struct Step {
    pc: u64,
    ap: u64,
    fp: u64,
    inst: u64,
    ins: Instruction,
    dst_addr: u64,
    op0_addr: u64,
    op1_addr: u64,
    dst: Fe,
    op0: Fe,
    op1: Fe,
    res: Fe,
}

fn decode_step(mem: &Memory<'_>, pc: u64, ap: u64, fp: u64) -> Result<Step, String> {
    let inst = mem.word(pc).ok_or_else(|| format!("no instruction word at pc {pc}"))?;
    let ins = Instruction::decode(inst).ok_or_else(|| format!("word at pc {pc} is not an instruction"))?;
    let add = |base: u64, off: u16| -> Result<u64, String> {
        u64::try_from(base as i64 + Instruction::signed(off)).map_err(|_| format!("negative address at pc {pc}"))
    };
    let dst_addr = add(if ins.flag(flag::DST_REG) { fp } else { ap }, ins.off_dst)?;
    let op0_addr = add(if ins.flag(flag::OP0_REG) { fp } else { ap }, ins.off_op0)?;
    let op0 = mem.get(op0_addr);
    let op1_base = if ins.flag(flag::OP1_IMM) {
        pc
    } else if ins.flag(flag::OP1_AP) {
        ap
    } else if ins.flag(flag::OP1_FP) {
        fp
    } else {
        mem.word(op0_addr).ok_or_else(|| format!("op0 at pc {pc} is not an address"))?
    };
    let op1_addr = add(op1_base, ins.off_op1)?;
    let (dst, op1) = (mem.get(dst_addr), mem.get(op1_addr));
    let res = if ins.flag(flag::PC_JNZ) {
        dst.inv().unwrap_or_else(|_| Fe::zero())
    } else if ins.flag(flag::RES_ADD) {
        op0 + op1
    } else if ins.flag(flag::RES_MUL) {
        op0 * op1
    } else {
        op1
    };
    Ok(Step { pc, ap, fp, inst, ins, dst_addr, op0_addr, op1_addr, dst, op0, op1, res })
}

/// The CPU trace of `registers` (one state per step) over `height` rows; padding rows repeat the
/// last step.
pub fn trace(mem: &Memory<'_>, registers: &[RegisterState], height: usize) -> Result<Vec<Vec<Fe>>, String> {
    use rayon::prelude::*;
    let steps: Vec<Step> = registers.par_iter().map(|r| decode_step(mem, r.pc, r.ap, r.fp)).collect::<Result<_, _>>()?;
    if steps.is_empty() {
        return Err("the trace is empty".into());
    }
    let mut cols = vec![vec![Fe::zero(); height]; col::WIDTH];
    for i in 0..height {
        let s = &steps[i.min(steps.len() - 1)];
        let mut set = |c: usize, v: Fe| cols[c][i] = v;
        set(col::PC, fe(s.pc));
        set(col::AP, fe(s.ap));
        set(col::FP, fe(s.fp));
        set(col::INST, fe(s.inst));
        set(col::OFF_DST, fe(s.ins.off_dst as u64));
        set(col::OFF_OP0, fe(s.ins.off_op0 as u64));
        set(col::OFF_OP1, fe(s.ins.off_op1 as u64));
        for k in 0..flag::COUNT {
            set(col::FLAG0 + k, fe(s.ins.flag(k) as u64));
        }
        set(col::DST_ADDR, fe(s.dst_addr));
        set(col::DST, s.dst);
        set(col::OP0_ADDR, fe(s.op0_addr));
        set(col::OP0, s.op0);
        set(col::OP1_ADDR, fe(s.op1_addr));
        set(col::OP1, s.op1);
        set(col::RES, s.res);
        set(col::T0, if s.ins.flag(flag::PC_JNZ) { s.dst } else { Fe::zero() });
    }
    Ok(cols)
}
