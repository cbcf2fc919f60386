//! The curve gadgets ec_op and ecdsa share: an accumulator lane (adds a point to an accumulator
//! on the rows whose bit is set, with the slope and an inverse proving the x coordinates differ,
//! so a sum is never a doubling in disguise or the point at infinity) and a doubling chain (each
//! row holds 2·P of the row before, through the tangent's slope). Each writes its constraints to
//! `out` in the order its `*_constraints` function declares them.

use super::curve;
use proofgrid_stark::component::{ConstraintDomain, ConstraintInfo};
use proofgrid_stark::field::{fe, Fe};

/// A lane's columns, from its first: the accumulator before the row, after it, the slope, the
/// x inverse.
pub const ACC_X: usize = 0;
pub const ACC_Y: usize = 1;
pub const SUM_X: usize = 2;
pub const SUM_Y: usize = 3;
pub const SLOPE: usize = 4;
pub const XINV: usize = 5;
pub const LANE_WIDTH: usize = 6;

/// A lane's constraints: 4 on every row, 2 carrying the accumulator to the next row.
pub fn lane_constraints() -> [ConstraintInfo; 6] {
    use ConstraintDomain::*;
    let all = ConstraintInfo::new(3, AllRows);
    let carry = ConstraintInfo::new(2, AllButLast);
    [all, all, all, all, carry, carry]
}

/// A lane's additions on this row: `bit` adds `(px, py)` to the accumulator whose columns start
/// at `lane`; `not_last` is 0 on an instance's last row (the accumulator does not carry over).
pub fn lane(c: &[Fe], n: &[Fe], lane: usize, bit: Fe, (px, py): (Fe, Fe), not_last: Fe, out: &mut [Fe]) {
    let one = Fe::one();
    let (ax, ay) = (c[lane + ACC_X], c[lane + ACC_Y]);
    let (bx, by) = (c[lane + SUM_X], c[lane + SUM_Y]);
    let slope = c[lane + SLOPE];
    out[0] = bit * (slope * (px - ax) - (py - ay));
    out[1] = bit * ((px - ax) * c[lane + XINV] - one);
    out[2] = bx - (bit * (slope * slope - ax - px) + (one - bit) * ax);
    out[3] = by - (bit * (slope * (ax - bx) - ay) + (one - bit) * ay);
    out[4] = not_last * (n[lane + ACC_X] - bx);
    out[5] = not_last * (n[lane + ACC_Y] - by);
}

/// A doubling chain's constraints: the tangent slope on every row, 2·P on the next.
pub fn doubling_constraints() -> [ConstraintInfo; 3] {
    use ConstraintDomain::*;
    [ConstraintInfo::new(2, AllRows), ConstraintInfo::new(3, AllButLast), ConstraintInfo::new(3, AllButLast)]
}

/// A point doubling row by row: (x, y) in columns `x`, `x + 1`, the tangent slope in `ds`.
pub fn doubling(c: &[Fe], n: &[Fe], x: usize, ds: usize, not_last: Fe, out: &mut [Fe]) {
    let (px, py) = (c[x], c[x + 1]);
    out[0] = c[ds] * py.double() - (fe(3) * px * px + curve::ALPHA);
    out[1] = not_last * (n[x] - (c[ds] * c[ds] - px.double()));
    out[2] = not_last * (n[x + 1] - (c[ds] * (px - n[x]) - py));
}
