//! The ec_op builtin: P, Q, m → R = P + m·Q on the STARK curve (cells p_x, p_y, q_x, q_y, m, r_x,
//! r_y of an instance), 256 rows per instance, m's bits least significant first.
//!
//! Row r holds 2^r·Q (each row doubles the last: a tangent-slope column), the accumulator before
//! the row (the first row's is P) and after it (the accumulator plus 2^r·Q when bit r is set:
//! a slope column, and an inverse proving the two x coordinates differ, so a sum is never a
//! doubling in disguise or the point at infinity). The first row also checks P and Q on the curve
//! (through their x², one column each), as cairo-vm does. m's bits are [`felt_bits`]'s: its
//! canonical integer, below p. The first row looks up the five inputs in memory, the last row R.
//! The curve has prime order, so no multiple of Q has y = 0 and the doublings need no guard.
//! (cairo-vm also refuses an x collision on rows whose bit is clear; nothing is added there, so
//! the AIR lets those runs through, with the right R.)

use super::curve::{self, Point};
use super::curve_lane;
use super::felt_bits::{self, Columns, BLOCK};
use super::{address_step, relation};
use proofgrid_stark::component::{
    Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, PeriodicColumn, Row,
};
use proofgrid_stark::field::{fe, Fe};

pub const ROWS: usize = BLOCK;
pub const CELLS: u64 = 7;

pub const BIT: usize = 0;
pub const VALUE: usize = 1;
pub const GT: usize = 2;
pub const AX: usize = 3;
pub const AY: usize = 4;
pub const BX: usize = 5;
pub const BY: usize = 6;
pub const SLOPE: usize = 7;
pub const XINV: usize = 8;
pub const QX: usize = 9;
pub const QY: usize = 10;
pub const DSLOPE: usize = 11;
pub const PXX: usize = 12;
pub const QXX: usize = 13;
pub const ADDR: usize = 14;
pub const WIDTH: usize = 15;

// Periodic columns: the bit gadget's (its first is the instance's first row), then the last row.
const FIRST: usize = 0;
const LAST: usize = felt_bits::PERIODIC;

const BITS: Columns = Columns { bit: BIT, value: VALUE, gt: GT, periodic: 0 };

pub struct EcOp {
    pub height: usize,
    pub begin: u64,
    pub stop: u64,
    periodic: Vec<PeriodicColumn>,
    constraints: Vec<ConstraintInfo>,
}

const LOOKUPS: [LookupInfo; 7] = [LookupInfo::linear(relation::MEMORY, 2); 7];

impl EcOp {
    pub fn new(height: usize, begin: u64, stop: u64) -> EcOp {
        use ConstraintDomain::*;
        let mut periodic = felt_bits::periodic();
        periodic.push(PeriodicColumn::selector(ROWS, ROWS - 1));
        let mut constraints = felt_bits::constraints().to_vec();
        constraints.extend(curve_lane::doubling_constraints()); // 2^r·Q
        constraints.extend(curve_lane::lane_constraints()); // the accumulator adds it where bit r is set
        constraints.extend([ConstraintInfo::new(3, AllRows); 4]); // P and Q on the curve
        constraints.push(ConstraintInfo::new(2, AllButLast)); // address constant within an instance
        constraints.push(ConstraintInfo::new(3, AllButLast)); // address steps between instances
        EcOp { height, begin, stop, periodic, constraints }
    }
}

impl Component for EcOp {
    fn name(&self) -> &str {
        "ec_op"
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
        let (first, last) = (p[FIRST], p[LAST]);
        // Q doubles from row to row; the accumulator adds 2^r·Q when bit r is set.
        curve_lane::doubling(c, n, QX, DSLOPE, one - last, &mut out[0..3]);
        curve_lane::lane(c, n, AX, c[BIT], (c[QX], c[QY]), one - last, &mut out[3..9]);
        // P (the first accumulator) and Q on the curve.
        out[9] = first * (c[PXX] - c[AX] * c[AX]);
        out[10] = first * (c[AY] * c[AY] - c[PXX] * c[AX] - curve::ALPHA * c[AX] - curve::BETA);
        out[11] = first * (c[QXX] - c[QX] * c[QX]);
        out[12] = first * (c[QY] * c[QY] - c[QXX] * c[QX] - curve::ALPHA * c[QX] - curve::BETA);
        out[13] = (one - last) * (n[ADDR] - c[ADDR]);
        out[14] = last * address_step(c[ADDR], n[ADDR], CELLS);
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
        let at = |k: u64| m[ADDR] + fe(k);
        let inputs = [m[AX], m[AY], m[QX], m[QY], m[VALUE]];
        for (k, v) in inputs.iter().enumerate() {
            out[k] = LookupTerm::new(p[FIRST], &[at(k as u64), *v]);
        }
        out[5] = LookupTerm::new(p[LAST], &[at(5), m[BX]]);
        out[6] = LookupTerm::new(p[LAST], &[at(6), m[BY]]);
    }
}

/// One instance's 256 rows, or why cairo-vm's semantics give no result. `lenient` builds rows
/// anyway (a failed step adds nothing), as a cheating prover would.
fn instance(pt: Point, q: Point, m: &Fe, lenient: bool) -> Result<Vec<[Fe; 14]>, &'static str> {
    if !lenient && (!curve::on_curve(&pt) || !curve::on_curve(&q)) {
        return Err("a point is not on the curve");
    }
    let mut rows = Vec::with_capacity(ROWS);
    let (mut acc, mut dq) = (pt, q);
    for (bit, value, gt) in felt_bits::block(&proofgrid_stark::field::to_bytes(m)) {
        let (after, slope, xinv) = match (bit == Fe::one(), curve::add(&acc, &dq)) {
            (true, Some((sum, slope))) => (sum, slope, (dq.0 - acc.0).inv().expect("x's differ")),
            (true, None) if !lenient => return Err("the sum reaches two points with the same x coordinate"),
            _ => (acc, Fe::zero(), Fe::zero()),
        };
        let (doubled, dslope) = match curve::double(&dq) {
            Some(d) => d,
            None if lenient => (dq, Fe::zero()),
            None => return Err("a multiple of Q has y = 0"),
        };
        rows.push([bit, value, gt, acc.0, acc.1, after.0, after.1, slope, xinv, dq.0, dq.1, dslope, acc.0 * acc.0, dq.0 * dq.0]);
        acc = after;
        dq = doubled;
    }
    Ok(rows)
}

/// P + m·Q, as the component computes it.
pub fn ec_op(p: Point, q: Point, m: &Fe) -> Result<Point, &'static str> {
    instance(p, q, m, false).map(|rows| (rows[ROWS - 1][5], rows[ROWS - 1][6]))
}

/// The ec_op trace over `height` rows: one 256-row block per instance of [begin, stop), the last
/// repeated.
pub fn trace(mem: &super::cpu::Memory<'_>, begin: u64, stop: u64, height: usize, lenient: bool) -> Result<Vec<Vec<Fe>>, String> {
    super::instance_blocks::<ADDR>((begin, stop, CELLS), ROWS, height, |addr| {
        let g = |k: u64| mem.get(addr + k);
        instance((g(0), g(1)), (g(2), g(3)), &g(4), lenient).map_err(|why| format!("the ec_op instance at {addr}: {why}"))
    })
}
