//! The pedersen builtin: x, y → the x coordinate of shift + x_low·P_0 + x_high·P_1 + y_low·P_2 +
//! y_high·P_3 (cells 0..3 of an instance; low = the low 248 bits, high = the next 4), 512 rows per
//! instance: x's 252 bits on rows 0..256, y's on rows 256..512, least significant first.
//!
//! Each row adds its bit's constant point 2^k·P (a periodic column pair) to an accumulator that
//! starts at the shift point, when the bit is set: a slope column with
//! slope·(q_x − a_x) = q_y − a_y, and the sum (b_x, b_y) from it; the next row's accumulator is
//! this row's sum. The bits are [`felt_bits`]'s: the canonical integer of the felt, checked below
//! p. The first row looks x up in memory, row 256 y, the last row the hash.
//!
//! The additions never meet a point with the accumulator's x: that would need a discrete-log
//! relation between the constant points (the same argument as StarkWare's AIR), so the slope
//! constraint is not guarded against it.

use super::curve::{self, Point};
use super::felt_bits::{self, Columns, BLOCK};
use super::{address_step, relation};
use proofgrid_stark::component::{
    Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, PeriodicColumn, Row,
};
use proofgrid_stark::field::{fe, Fe};
use std::sync::OnceLock;

pub const ROWS: usize = 2 * BLOCK;
pub const CELLS: u64 = 3;

pub const BIT: usize = 0;
pub const VALUE: usize = 1;
pub const GT: usize = 2;
pub const AX: usize = 3;
pub const AY: usize = 4;
pub const BX: usize = 5;
pub const BY: usize = 6;
pub const SLOPE: usize = 7;
pub const ADDR: usize = 8;
pub const WIDTH: usize = 9;

// Periodic columns after the bit gadget's.
const QX: usize = felt_bits::PERIODIC;
const QY: usize = QX + 1;
const FIRST: usize = QX + 2;
const SECOND_INPUT: usize = QX + 3;
const LAST: usize = QX + 4;

const BITS: Columns = Columns { bit: BIT, value: VALUE, gt: GT, periodic: 0 };

/// The point each of an instance's 512 rows adds when its bit is set ((0, 0) on idle rows).
pub fn row_points() -> &'static [Point] {
    static POINTS: OnceLock<Vec<Point>> = OnceLock::new();
    POINTS.get_or_init(|| {
        let mut out = Vec::with_capacity(ROWS);
        for (low, high) in [(curve::PEDERSEN[0], curve::PEDERSEN[1]), (curve::PEDERSEN[2], curve::PEDERSEN[3])] {
            out.extend(curve::doublings(&low, 248));
            out.extend(curve::doublings(&high, 4));
            out.extend([(Fe::zero(), Fe::zero()); BLOCK - felt_bits::BITS]);
        }
        out
    })
}

pub struct Pedersen {
    pub height: usize,
    pub begin: u64,
    pub stop: u64,
    periodic: Vec<PeriodicColumn>,
    constraints: Vec<ConstraintInfo>,
}

const LOOKUPS: [LookupInfo; 3] = [LookupInfo::linear(relation::MEMORY, 2); 3];

impl Pedersen {
    pub fn new(height: usize, begin: u64, stop: u64) -> Pedersen {
        use ConstraintDomain::*;
        let mut periodic = felt_bits::periodic();
        let points = row_points();
        periodic.push(PeriodicColumn::new(points.iter().map(|p| p.0).collect()));
        periodic.push(PeriodicColumn::new(points.iter().map(|p| p.1).collect()));
        periodic.push(PeriodicColumn::selector(ROWS, 0));
        periodic.push(PeriodicColumn::selector(ROWS, BLOCK));
        periodic.push(PeriodicColumn::selector(ROWS, ROWS - 1));
        let mut constraints = felt_bits::constraints().to_vec();
        constraints.extend([ConstraintInfo::new(3, AllRows); 3]); // slope, sum x, sum y
        constraints.extend([ConstraintInfo::new(2, AllButLast); 2]); // the accumulator carries on
        constraints.extend([ConstraintInfo::new(2, AllRows); 2]); // it starts at the shift point
        constraints.push(ConstraintInfo::new(2, AllButLast)); // address constant within an instance
        constraints.push(ConstraintInfo::new(3, AllButLast)); // address steps between instances
        Pedersen { height, begin, stop, periodic, constraints }
    }
}

impl Component for Pedersen {
    fn name(&self) -> &str {
        "pedersen"
    }
    fn height(&self) -> usize {
        self.height
    }
    fn main_width(&self) -> usize {
        WIDTH
    }
    fn periodic(&self) -> &[PeriodicColumn] {
        &self.periodic
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &self.constraints
    }
    fn evaluate(&self, f: &Frame<'_>, out: &mut [Fe]) {
        felt_bits::evaluate(&BITS, f, out);
        let out = &mut out[felt_bits::constraints().len()..];
        let (c, n, p) = (f.main, f.main_next, f.periodic);
        let one = Fe::one();
        let (bit, slope) = (c[BIT], c[SLOPE]);
        let (qx, qy) = (p[QX], p[QY]);
        out[0] = bit * (slope * (qx - c[AX]) - (qy - c[AY]));
        out[1] = c[BX] - (bit * (slope * slope - c[AX] - qx) + (one - bit) * c[AX]);
        out[2] = c[BY] - (bit * (slope * (c[AX] - c[BX]) - c[AY]) + (one - bit) * c[AY]);
        let first_next = f.periodic_next[FIRST];
        out[3] = (one - first_next) * (n[AX] - c[BX]);
        out[4] = (one - first_next) * (n[AY] - c[BY]);
        out[5] = p[FIRST] * (c[AX] - curve::SHIFT.0);
        out[6] = p[FIRST] * (c[AY] - curve::SHIFT.1);
        out[7] = (one - p[LAST]) * (n[ADDR] - c[ADDR]);
        out[8] = p[LAST] * address_step(c[ADDR], n[ADDR], CELLS);
    }
    fn boundaries(&self) -> Vec<Boundary> {
        vec![
            Boundary { column: ADDR, row: 0, value: fe(self.begin) },
            Boundary { column: ADDR, row: self.height - 1, value: fe(self.stop - CELLS) },
        ]
    }
    fn lookups(&self) -> &[LookupInfo] {
        &LOOKUPS
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        let (m, p) = (row.main, row.periodic);
        out[0] = LookupTerm::new(p[FIRST], &[m[ADDR], m[VALUE]]);
        out[1] = LookupTerm::new(p[SECOND_INPUT], &[m[ADDR] + Fe::one(), m[VALUE]]);
        out[2] = LookupTerm::new(p[LAST], &[m[ADDR] + fe(2), m[BX]]);
    }
}

/// One instance's 512 rows for inputs x, y: (bit, value, gt, accumulator before, after, slope);
/// `None` if an addition meets a point with the accumulator's x (`lenient`: that step then adds
/// nothing, as a cheating prover would have it).
fn instance(x: &Fe, y: &Fe, lenient: bool) -> Option<Vec<[Fe; 8]>> {
    let points = row_points();
    let mut rows = Vec::with_capacity(ROWS);
    let mut acc = curve::SHIFT;
    for (half, input) in [x, y].into_iter().enumerate() {
        for (r, (bit, value, gt)) in felt_bits::block(&proofgrid_stark::field::to_bytes(input)).into_iter().enumerate() {
            let (after, slope) = match (bit == Fe::one(), curve::add(&acc, &points[half * BLOCK + r])) {
                (true, Some(sum)) => sum,
                (true, None) if !lenient => return None,
                _ => (acc, Fe::zero()),
            };
            rows.push([bit, value, gt, acc.0, acc.1, after.0, after.1, slope]);
            acc = after;
        }
    }
    Some(rows)
}

/// The Pedersen hash, as the component computes it.
pub fn hash(x: &Fe, y: &Fe) -> Option<Fe> {
    instance(x, y, false).map(|rows| rows[ROWS - 1][5])
}

/// The pedersen trace over `height` rows: one 512-row block per instance of [begin, stop), the
/// last repeated.
pub fn trace(mem: &super::cpu::Memory<'_>, begin: u64, stop: u64, height: usize, lenient: bool) -> Result<Vec<Vec<Fe>>, String> {
    super::instance_blocks::<ADDR>((begin, stop, CELLS), ROWS, height, |addr| {
        instance(&mem.get(addr), &mem.get(addr + 1), lenient)
            .ok_or_else(|| format!("the pedersen instance at {addr} meets a degenerate addition"))
    })
}
