//! From a cairo-vm execution to the main trace of [`crate::air::CairoAir`].

use crate::error::ProveError;
use crate::instruction::Instruction;
use crate::layout::{cpu, flag, Layout, MAX_EXTRA, RC_LIMBS};
use crate::public::{to_fe, ProofParams};
use proofgrid_cairo::{Builtin, Execution};
use proofgrid_stark::air::TraceTable;
use proofgrid_stark::field::{fe, Fe};
use std::collections::BTreeSet;

/// The smallest trace this prover makes: below it the fixed costs dominate anyway.
const MIN_TRACE_LENGTH: usize = 16;

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

/// Memory as the prover sees it: every cell relocated, holes read as 0.
struct Memory<'a> {
    cells: &'a [Option<proofgrid_cairo::Felt>],
}

impl Memory<'_> {
    fn get(&self, addr: u64) -> Fe {
        self.cells.get(addr as usize).and_then(|c| c.as_ref()).map(to_fe).unwrap_or_else(Fe::zero)
    }
    fn word(&self, addr: u64) -> Option<u64> {
        let c = self.cells.get(addr as usize)?.as_ref()?;
        let b = c.to_bytes_be();
        b[..24].iter().all(|&v| v == 0).then(|| u64::from_be_bytes(b[24..].try_into().expect("8 bytes")))
    }
}

fn decode_step(mem: &Memory<'_>, pc: u64, ap: u64, fp: u64) -> Result<Step, ProveError> {
    let bad = |what: String| ProveError::InvalidExecution(what);
    let inst = mem.word(pc).ok_or_else(|| bad(format!("no instruction word at pc {pc}")))?;
    let ins = Instruction::decode(inst).ok_or_else(|| bad(format!("word at pc {pc} is not an instruction")))?;
    let add = |base: u64, off: u16| -> Result<u64, ProveError> {
        u64::try_from(base as i64 + Instruction::signed(off)).map_err(|_| bad(format!("negative address at pc {pc}")))
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
        mem.word(op0_addr).ok_or_else(|| bad(format!("op0 at pc {pc} is not an address")))?
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

/// Builds the main trace and chooses the layout. `public` is the statement's public memory.
pub fn build(exec: &Execution, public: &[(u64, Fe)]) -> Result<(TraceTable, ProofParams), ProveError> {
    build_with(exec, public, Checks::Honest)
}

/// Whether the trace builder refuses an execution no honest run has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    Honest,
    /// Builds the trace of a forged run anyway (a range_check cell's limbs then hold only its
    /// low 128 bits), as a cheating prover would; for soundness tests.
    Bypassed,
}

pub(crate) fn build_with(exec: &Execution, public: &[(u64, Fe)], checks: Checks) -> Result<(TraceTable, ProofParams), ProveError> {
    let mem = Memory { cells: &exec.memory };
    let steps: Vec<Step> = exec
        .trace
        .iter()
        .map(|r| decode_step(&mem, r.pc, r.ap, r.fp))
        .collect::<Result<_, _>>()?;
    if steps.is_empty() {
        return Err(ProveError::InvalidExecution("the trace is empty".into()));
    }
    let rc_seg = exec.segments.builtin(Builtin::RangeCheck).filter(|s| !s.is_empty());

    // Range-check builtin instances: the segment's cells in order, the last one repeated.
    let mut rcb_cells: Vec<(u64, Fe, [u16; RC_LIMBS])> = Vec::new();
    if let Some(seg) = rc_seg {
        for addr in seg.begin..seg.stop {
            let v = mem.get(addr);
            let bytes = proofgrid_stark::field::to_bytes(&v);
            if checks == Checks::Honest && bytes[..16].iter().any(|&b| b != 0) {
                return Err(ProveError::InvalidExecution(format!("range_check cell {addr} holds a value of 2^128 or more")));
            }
            let mut limbs = [0u16; RC_LIMBS];
            for (k, limb) in limbs.iter_mut().enumerate() {
                let lo = 31 - 2 * k;
                *limb = u16::from_be_bytes([bytes[lo - 1], bytes[lo]]);
            }
            rcb_cells.push((addr, v, limbs));
        }
    }

    // Which addresses the trace touches, which range-checked values each pool has.
    let mut accessed = BTreeSet::new();
    let mut pool_values = vec![BTreeSet::new()];
    for s in &steps {
        accessed.extend([s.pc, s.dst_addr, s.op0_addr, s.op1_addr]);
        pool_values[0].extend([s.ins.off_dst, s.ins.off_op0, s.ins.off_op1]);
    }
    if rc_seg.is_some() {
        pool_values.push(BTreeSet::new());
    }
    for (addr, _, limbs) in &rcb_cells {
        accessed.insert(*addr);
        pool_values[1].extend(limbs.iter().copied());
    }
    accessed.extend(public.iter().map(|(a, _)| *a));
    let max_addr = *accessed.iter().next_back().expect("non-empty");
    if accessed.contains(&0) {
        return Err(ProveError::InvalidExecution("the trace touches address 0".into()));
    }
    let holes: Vec<u64> = (1..=max_addr).filter(|a| !accessed.contains(a)).collect();
    let rc_bounds: Vec<(u16, u16)> = pool_values
        .iter()
        .map(|v| (*v.iter().next().expect("non-empty"), *v.iter().next_back().expect("non-empty")))
        .collect();
    let fills: Vec<Vec<u16>> = pool_values
        .iter()
        .zip(&rc_bounds)
        .map(|(v, (min, max))| (*min..=*max).filter(|x| !v.contains(x)).collect())
        .collect();

    // The trace with the fewest cells whose spare slots fit the dummies, holes and fills: a few
    // more columns usually beat doubling the rows.
    let mem_needed = public.len() + holes.len();
    let shortest = steps.len().max(rcb_cells.len()).max(MIN_TRACE_LENGTH).next_power_of_two();
    let candidate = |n: usize| -> Option<Layout> {
        let extra = |needed: usize| Some(needed.div_ceil(n).max(1)).filter(|&e| e <= MAX_EXTRA);
        Some(Layout {
            trace_length: n,
            mem_extra: extra(mem_needed)?,
            rc_extra: extra(fills[0].len())?,
            limb_extra: extra(fills.get(1).map_or(0, Vec::len))?,
            range_check_builtin: rc_seg.is_some(),
        })
    };
    // Below `fits`, some kind of spare slot would need more than MAX_EXTRA per row.
    let most_needed = mem_needed.max(fills.iter().map(Vec::len).max().unwrap_or(0));
    let fits = shortest.max(most_needed.div_ceil(MAX_EXTRA).next_power_of_two());
    let layout = (0..4)
        .map(|k| fits << k)
        .filter(|&n| n <= 1 << 26)
        .filter_map(candidate)
        .min_by_key(|l| l.trace_length * (l.main_width() + l.aux_width()))
        .ok_or_else(|| ProveError::TooLarge(format!("{} steps need a trace above 2^26 rows", steps.len())))?;
    let n = layout.trace_length;
    let l = layout;
    let w = l.main_width();
    let mut cols = vec![vec![Fe::zero(); n]; w];

    // CPU columns; padding rows repeat the last step (the end loop jumps to itself).
    for i in 0..n {
        let s = &steps[i.min(steps.len() - 1)];
        let set = |cols: &mut Vec<Vec<Fe>>, c: usize, v: Fe| cols[c][i] = v;
        set(&mut cols, cpu::PC, fe(s.pc));
        set(&mut cols, cpu::AP, fe(s.ap));
        set(&mut cols, cpu::FP, fe(s.fp));
        set(&mut cols, cpu::INST, fe(s.inst));
        set(&mut cols, cpu::OFF_DST, fe(s.ins.off_dst as u64));
        set(&mut cols, cpu::OFF_OP0, fe(s.ins.off_op0 as u64));
        set(&mut cols, cpu::OFF_OP1, fe(s.ins.off_op1 as u64));
        for k in 0..flag::COUNT {
            set(&mut cols, cpu::FLAG0 + k, fe(s.ins.flag(k) as u64));
        }
        set(&mut cols, cpu::DST_ADDR, fe(s.dst_addr));
        set(&mut cols, cpu::DST, s.dst);
        set(&mut cols, cpu::OP0_ADDR, fe(s.op0_addr));
        set(&mut cols, cpu::OP0, s.op0);
        set(&mut cols, cpu::OP1_ADDR, fe(s.op1_addr));
        set(&mut cols, cpu::OP1, s.op1);
        set(&mut cols, cpu::RES, s.res);
        let t0 = if s.ins.flag(flag::PC_JNZ) { s.dst } else { Fe::zero() };
        set(&mut cols, cpu::T0, t0);
        if l.range_check_builtin {
            let (addr, v, limbs) = &rcb_cells[i.min(rcb_cells.len() - 1)];
            set(&mut cols, l.rcb_addr(), fe(*addr));
            set(&mut cols, l.rcb_val(), *v);
            for (k, limb) in limbs.iter().enumerate() {
                set(&mut cols, l.rcb_limb(k), fe(*limb as u64));
            }
        }
    }

    // Spare memory slots: a dummy (0, 0) per public cell, each hole, then copies of address 1.
    let filler = (1u64, mem.get(1));
    let mut extra: Vec<(u64, Fe)> = vec![(0, Fe::zero()); public.len()];
    extra.extend(holes.iter().map(|&a| (a, mem.get(a))));
    extra.resize(n * l.mem_extra, filler);
    for (s, (a, v)) in extra.iter().enumerate() {
        let (row, k) = (s / l.mem_extra, s % l.mem_extra);
        cols[l.mem_extra_addr(k)][row] = fe(*a);
        cols[l.mem_extra_val(k)][row] = *v;
    }

    // Sorted memory: every access, with the public cells in place of their dummies.
    let mut sorted: Vec<(u64, Fe)> = Vec::with_capacity(n * l.mem_slots());
    for i in 0..n {
        for j in 0..l.mem_slots() {
            let (ac, vc) = l.mem_slot(j);
            let a = proofgrid_stark::field::to_u64(&cols[ac][i]).expect("addresses fit in u64");
            if a != 0 {
                sorted.push((a, cols[vc][i]));
            }
        }
    }
    sorted.extend_from_slice(public);
    sorted.sort_by_key(|(a, _)| *a);
    for (s, (a, v)) in sorted.iter().enumerate() {
        let (row, j) = (s / l.mem_slots(), s % l.mem_slots());
        let (ac, vc) = l.sorted_mem(j);
        cols[ac][row] = fe(*a);
        cols[vc][row] = *v;
    }
    for w in sorted.windows(2) {
        if w[0].0 == w[1].0 && w[0].1 != w[1].1 {
            return Err(ProveError::InvalidExecution(format!("address {} holds two values", w[0].0)));
        }
    }

    // Range-check pools: fills, then copies of the pool's min; sorted copy.
    for (p, pool_fills) in fills.iter().enumerate() {
        let extra_per_row = l.pool_extra(p);
        let mut extra = pool_fills.clone();
        extra.resize(n * extra_per_row, rc_bounds[p].0);
        for (s, v) in extra.iter().enumerate() {
            cols[l.pool_extra_col(p, s % extra_per_row)][s / extra_per_row] = fe(*v as u64);
        }
        let slots = l.pool_slots(p);
        let mut sorted: Vec<u64> = Vec::with_capacity(n * slots);
        for i in 0..n {
            for j in 0..slots {
                sorted.push(proofgrid_stark::field::to_u64(&cols[l.pool_slot(p, j)][i]).expect("16-bit values"));
            }
        }
        sorted.sort_unstable();
        for (s, v) in sorted.iter().enumerate() {
            cols[l.pool_sorted(p, s % slots)][s / slots] = fe(*v);
        }
    }
    Ok((TraceTable::new(cols), ProofParams { layout, rc_bounds }))
}
