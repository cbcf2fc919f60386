//! Where every cell of a Cairo step lives in the trace: one row per step, many columns.
//!
//! A row holds the CPU's registers, the decoded instruction and its three operands; the memory
//! accesses of that step (instruction fetch, dst, op0, op1), and, when the program really uses the
//! range_check builtin, one builtin instance; `mem_extra` spare memory slots (for the public
//! memory's dummy accesses and for filling holes so the sorted memory is continuous); the sorted
//! memory pairs; the 16-bit range-checked values in two pools (three offsets; eight limbs per builtin
//! instance), each with spare slots to fill gaps and a sorted copy. The auxiliary trace holds one
//! running-product column per group of (at most two) slots.

use serde::{Deserialize, Serialize};

/// The CPU columns, in order.
pub mod cpu {
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
    /// f_PC_JNZ · dst. (The paper's t1 = t0·res and mul = op0·op1 are not columns: degree-3
    /// constraints cost no extra composition part here, so they are written out in place.)
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

/// Range-check builtin limbs per instance: 8 × 16 bits = 128 bits.
pub const RC_LIMBS: usize = 8;

/// The shape of one proof's trace. Public: it is part of what the verifier checks the proof
/// against, and it goes into the transcript.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub trace_length: usize,
    /// Spare memory slots per row.
    pub mem_extra: usize,
    /// Spare slots per row in the offsets' range-check pool.
    pub rc_extra: usize,
    /// Spare slots per row in the builtin limbs' pool (1 when the builtin is not used).
    pub limb_extra: usize,
    /// Whether rows carry a range_check builtin instance.
    pub range_check_builtin: bool,
}

/// Groups of slots as (first slot, count): the first slot alone, so that the product's first-row
/// constraint has degree 2, then pairs, whose constraints have degree 3: both fit the same
/// two-part composition polynomial, and pairs halve the auxiliary columns.
pub fn product_groups(slots: usize) -> Vec<(usize, usize)> {
    let mut out = vec![(0, 1)];
    let mut j = 1;
    while j < slots {
        let len = (slots - j).min(2);
        out.push((j, len));
        j += len;
    }
    out
}

/// The most spare slots of either kind per row a verifier accepts: beyond it, a longer trace is
/// cheaper, and the bound keeps a hostile layout from blowing up the verifier's work.
pub const MAX_EXTRA: usize = 16;

impl Layout {
    fn rcb(&self) -> usize {
        usize::from(self.range_check_builtin)
    }
    /// range_check builtin instance: address, value, limbs.
    pub fn rcb_addr(&self) -> usize {
        cpu::WIDTH
    }
    pub fn rcb_val(&self) -> usize {
        cpu::WIDTH + 1
    }
    pub fn rcb_limb(&self, k: usize) -> usize {
        cpu::WIDTH + 2 + k
    }
    fn after_rcb(&self) -> usize {
        cpu::WIDTH + self.rcb() * (2 + RC_LIMBS)
    }
    pub fn mem_extra_addr(&self, k: usize) -> usize {
        self.after_rcb() + 2 * k
    }
    pub fn mem_extra_val(&self, k: usize) -> usize {
        self.after_rcb() + 2 * k + 1
    }
    /// Memory accesses per row.
    pub fn mem_slots(&self) -> usize {
        4 + self.rcb() + self.mem_extra
    }
    /// (address column, value column) of unsorted slot `j`.
    pub fn mem_slot(&self, j: usize) -> (usize, usize) {
        match j {
            0 => (cpu::PC, cpu::INST),
            1 => (cpu::DST_ADDR, cpu::DST),
            2 => (cpu::OP0_ADDR, cpu::OP0),
            3 => (cpu::OP1_ADDR, cpu::OP1),
            _ if self.range_check_builtin && j == 4 => (self.rcb_addr(), self.rcb_val()),
            _ => {
                let k = j - 4 - self.rcb();
                (self.mem_extra_addr(k), self.mem_extra_val(k))
            }
        }
    }
    fn sorted_mem_start(&self) -> usize {
        self.after_rcb() + 2 * self.mem_extra
    }
    /// (address column, value column) of sorted slot `j`.
    pub fn sorted_mem(&self, j: usize) -> (usize, usize) {
        (self.sorted_mem_start() + 2 * j, self.sorted_mem_start() + 2 * j + 1)
    }
    /// Number of range-check pools: the instruction offsets, and the builtin's limbs when used.
    /// They are kept apart because offsets cluster near 2^15 and limbs near 0: one pool would
    /// need every value in between as a filler.
    pub fn rc_pools(&self) -> usize {
        1 + self.rcb()
    }
    fn pool_base(&self, p: usize) -> usize {
        if p == 0 { 3 } else { RC_LIMBS }
    }
    /// Spare (filler) slots per row of pool `p`.
    pub fn pool_extra(&self, p: usize) -> usize {
        if p == 0 { self.rc_extra } else { self.limb_extra }
    }
    /// Range-checked values per row in pool `p`.
    pub fn pool_slots(&self, p: usize) -> usize {
        self.pool_base(p) + self.pool_extra(p)
    }
    fn pool_start(&self, p: usize) -> usize {
        let mut start = self.sorted_mem_start() + 2 * self.mem_slots();
        for q in 0..p {
            start += self.pool_extra(q) + self.pool_slots(q);
        }
        start
    }
    pub fn pool_extra_col(&self, p: usize, k: usize) -> usize {
        self.pool_start(p) + k
    }
    /// Column of unsorted slot `j` of pool `p`.
    pub fn pool_slot(&self, p: usize, j: usize) -> usize {
        let base = self.pool_base(p);
        match (p, j) {
            (0, 0) => cpu::OFF_DST,
            (0, 1) => cpu::OFF_OP0,
            (0, 2) => cpu::OFF_OP1,
            (_, j) if j < base => self.rcb_limb(j),
            (_, j) => self.pool_extra_col(p, j - base),
        }
    }
    pub fn pool_sorted(&self, p: usize, j: usize) -> usize {
        self.pool_start(p) + self.pool_extra(p) + j
    }
    pub fn main_width(&self) -> usize {
        self.pool_start(self.rc_pools())
    }
    /// The memory slots grouped for the running product: one auxiliary column per group.
    pub fn mem_groups(&self) -> Vec<(usize, usize)> {
        product_groups(self.mem_slots())
    }
    pub fn pool_groups(&self, p: usize) -> Vec<(usize, usize)> {
        product_groups(self.pool_slots(p))
    }
    /// Auxiliary column of the memory running product after group `g` (auxiliary numbering).
    pub fn mem_prod(&self, g: usize) -> usize {
        g
    }
    pub fn pool_prod(&self, p: usize, g: usize) -> usize {
        let mut start = self.mem_groups().len();
        for q in 0..p {
            start += self.pool_groups(q).len();
        }
        start + g
    }
    pub fn aux_width(&self) -> usize {
        self.pool_prod(self.rc_pools(), 0)
    }

    /// Refuses layouts no honest prover makes.
    pub fn validate(&self) -> Result<(), String> {
        if !self.trace_length.is_power_of_two() || self.trace_length < 16 || self.trace_length > 1 << 26 {
            return Err(format!("trace length {} is not a power of two in 16..=2^26", self.trace_length));
        }
        let ok = |x: usize| (1..=MAX_EXTRA).contains(&x);
        if !ok(self.mem_extra) || !ok(self.rc_extra) || !ok(self.limb_extra) {
            return Err(format!(
                "spare slots per row ({} memory, {} offset, {} limb) must be in 1..={MAX_EXTRA}",
                self.mem_extra, self.rc_extra, self.limb_extra
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_do_not_overlap() {
        for rcb in [false, true] {
            let l = Layout { trace_length: 16, mem_extra: 2, rc_extra: 3, limb_extra: 2, range_check_builtin: rcb };
            let mut cols: Vec<usize> = (0..cpu::WIDTH).collect();
            if rcb {
                cols.extend([l.rcb_addr(), l.rcb_val()]);
                cols.extend((0..RC_LIMBS).map(|k| l.rcb_limb(k)));
            }
            for k in 0..l.mem_extra {
                cols.extend([l.mem_extra_addr(k), l.mem_extra_val(k)]);
            }
            for j in 0..l.mem_slots() {
                let (a, v) = l.sorted_mem(j);
                cols.extend([a, v]);
            }
            for p in 0..l.rc_pools() {
                cols.extend((0..l.pool_extra(p)).map(|k| l.pool_extra_col(p, k)));
                cols.extend((0..l.pool_slots(p)).map(|j| l.pool_sorted(p, j)));
            }
            let mut sorted = cols.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), cols.len(), "overlapping columns");
            assert_eq!(sorted, (0..l.main_width()).collect::<Vec<_>>(), "gaps in the layout");
        }
    }
}
