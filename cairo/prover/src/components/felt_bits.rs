//! A felt as 252 bits, least significant first, on 256 rows, with the proof that the bits are
//! the felt's canonical integer (below p, not p more).
//!
//! Columns `bit`, `value` (v_r = Σ_{i ≥ r} bit_i·2^(i−r): the felt on the block's first row) and
//! `gt` (whether the low r + 1 bits, as a number, exceed those of p − 1). Rows 252..256 of a block
//! are idle (bit 0). Without the comparison a prover could decompose x + p (below 2^252 for about
//! half of all felts x) and a Pedersen hash or an EC multiplication would use the wrong scalar.
//! The comparison runs with the bits: gt_r = bit_r·(1 − p_r) + [bit_r = p_r]·gt_{r−1}, split by
//! whether p − 1's bit r is 0 or 1 (a periodic fact), so each constraint stays of degree 3; the
//! last active row requires gt = 0, i.e. x ≤ p − 1.

use proofgrid_stark::component::{ConstraintDomain, ConstraintInfo, Frame, PeriodicColumn};
use proofgrid_stark::field::{fe, Fe};

pub const BLOCK: usize = 256;
pub const BITS: usize = 252;

/// The gadget's periodic columns, in this order, from the component's `offset` on.
const FIRST: usize = 0;
/// The transition from row r to r + 1 (r + 1 < 252) where p − 1's bit r + 1 is 0, and where 1.
const STEP_P0: usize = 1;
const STEP_P1: usize = 2;
const LAST_ACTIVE: usize = 3;
const IDLE: usize = 4;
pub const PERIODIC: usize = 5;

/// Bit r of p − 1 = 2^251 + 17·2^192.
fn p_minus_one_bit(r: usize) -> bool {
    r == 251 || r == 196 || r == 192
}

pub fn periodic() -> Vec<PeriodicColumn> {
    let col = |f: &dyn Fn(usize) -> bool| PeriodicColumn::new((0..BLOCK).map(|r| fe(f(r) as u64)).collect());
    vec![
        col(&|r| r == 0),
        col(&|r| r + 1 < BITS && !p_minus_one_bit(r + 1)),
        col(&|r| r + 1 < BITS && p_minus_one_bit(r + 1)),
        col(&|r| r == BITS - 1),
        col(&|r| r >= BITS),
    ]
}

pub fn constraints() -> [ConstraintInfo; 8] {
    use ConstraintDomain::*;
    [
        ConstraintInfo::new(2, AllRows),    // bit is boolean
        ConstraintInfo::new(2, AllRows),    // idle rows carry no bit
        ConstraintInfo::new(2, AllButLast), // value steps
        ConstraintInfo::new(2, AllRows),    // the top bit is the whole value left
        ConstraintInfo::new(2, AllRows),    // gt starts
        ConstraintInfo::new(3, AllButLast), // gt steps where p − 1 has a 0
        ConstraintInfo::new(3, AllButLast), // gt steps where p − 1 has a 1
        ConstraintInfo::new(2, AllRows),    // x ≤ p − 1
    ]
}

/// The gadget's columns in a component: (bit, value, gt), and where its periodic columns start.
#[derive(Clone, Copy, Debug)]
pub struct Columns {
    pub bit: usize,
    pub value: usize,
    pub gt: usize,
    pub periodic: usize,
}

pub fn evaluate(c: &Columns, f: &Frame<'_>, out: &mut [Fe]) {
    let (cur, next) = (f.main, f.main_next);
    let p = &f.periodic[c.periodic..];
    let one = Fe::one();
    let (bit, bit_next) = (cur[c.bit], next[c.bit]);
    let (gt, gt_next) = (cur[c.gt], next[c.gt]);
    let step = p[STEP_P0] + p[STEP_P1];
    out[0] = bit * (bit - one);
    out[1] = p[IDLE] * bit;
    out[2] = step * (cur[c.value] - next[c.value].double() - bit);
    out[3] = p[LAST_ACTIVE] * (cur[c.value] - bit);
    // p − 1's bit 0 is 0: gt_0 = bit_0.
    out[4] = p[FIRST] * (gt - bit);
    out[5] = p[STEP_P0] * (gt_next - bit_next - (one - bit_next) * gt);
    out[6] = p[STEP_P1] * (gt_next - bit_next * gt);
    out[7] = p[LAST_ACTIVE] * gt;
}

/// One block's (bit, value, gt) rows for the felt with big-endian bytes `x` (a canonical felt:
/// the comparison then ends at 0).
pub fn block(x: &[u8; 32]) -> Vec<(Fe, Fe, Fe)> {
    let bits: Vec<bool> = (0..BLOCK).map(|r| r < BITS && (x[31 - r / 8] >> (r % 8)) & 1 == 1).collect();
    let mut values = vec![Fe::zero(); BLOCK];
    let mut acc = Fe::zero();
    for r in (0..BITS).rev() {
        acc = acc.double() + fe(bits[r] as u64);
        values[r] = acc;
    }
    let mut gt = false;
    (0..BLOCK)
        .map(|r| {
            if r < BITS {
                let (b, pb) = (bits[r], p_minus_one_bit(r));
                gt = (b && !pb) || (b == pb && gt);
            }
            (fe(bits[r] as u64), values[r], fe(gt as u64))
        })
        .collect()
}
