//! The ecdsa builtin: an instance's two cells are a public key's x and a message hash z, and the
//! instance holds when the prover knows a signature (r, w = s⁻¹ mod n) on z under that key:
//! x((z·G + r·Q)·w) = r, with z, r, w below 2^251 and r ≠ 0, Q = (x, y) on the curve for some y
//! (either root: cairo-lang and cairo-vm accept a signature under Q or −Q alike). 256 rows per
//! instance; the signature and y are private columns, never memory.
//!
//! Three scalar multiplications run side by side on the instance's rows, each one bit per row
//! (the [`felt_bits`] gadget, plus bit 251 = 0), each adding 2^r·P to an accumulator when its
//! bit is set (a slope, and an inverse proving the x coordinates differ, as in [`super::ec_op`]):
//! - lane 1: z·G, from the shift point S; 2^r·G is periodic. It ends at E1 = S + z·G.
//! - lane 2: r·Q, from E1 (a column constant over the instance), doubling Q row by row; it ends
//!   at E2 = S + z·G + r·Q.
//! - lane 3: w·A, from S, doubling A row by row, where A (constant over the instance) satisfies
//!   S + A = E2 on the last row, so A = z·G + r·Q; it ends at E3 = S + w·A.
//!
//! The last row also checks S + (r, y_B) = E3 for a private y_B: B = w·A has x = r. Each of those
//! two checks is a chord through S from an E whose x differs from S's (an inverse column), so A
//! and B are curve points without an on-curve constraint (the line through S and −E meets the
//! curve a third time exactly there), and neither can be the point at infinity (S + O = S would
//! need S's y to be 0). So w = 0 cannot pass either. Without E ≠ ±S, E = −S would leave the
//! slope free and A or B any point of some line through S (an adversarial review found this; the
//! forgery needs a key made up for it, but it is a statement no signature stands behind).
//! Honest runs meet an x collision in an addition only with negligible probability (the
//! accumulators start at S, whose discrete log nobody knows), as in StarkWare's AIR.

use super::curve::{self, Point};
use super::curve_lane::{doubling, doubling_constraints, lane, lane_constraints, ACC_X, ACC_Y, SUM_X, SUM_Y};
use super::felt_bits::{self, Columns, BLOCK, BITS};
use super::{address_step, relation};
use proofgrid_cairo::SignatureWitness;
use proofgrid_stark::component::{
    Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, PeriodicColumn, Row,
};
use proofgrid_stark::field::{fe, Fe};

pub const ROWS: usize = BLOCK;
pub const CELLS: u64 = 2;

// The three bit gadgets.
pub const ZB: usize = 0;
pub const ZV: usize = 1;
pub const ZG: usize = 2;
pub const RB: usize = 3;
pub const RV: usize = 4;
pub const RG: usize = 5;
pub const WB: usize = 6;
pub const WV: usize = 7;
pub const WG: usize = 8;
/// Lane 1's accumulator before and after the row, slope, x inverse.
pub const LANE1: usize = 9;
/// Lane 2's, then Q's doubling (2^r·Q, tangent slope) and Q's x².
pub const LANE2: usize = 15;
pub const QX: usize = 21;
pub const QY: usize = 22;
pub const QDS: usize = 23;
pub const QXX: usize = 24;
/// Lane 3's, then A's doubling.
pub const LANE3: usize = 25;
pub const DX: usize = 31;
pub const DY: usize = 32;
pub const DDS: usize = 33;
/// Constant over an instance: E1, A, r.
pub const E1X: usize = 34;
pub const E1Y: usize = 35;
pub const AX: usize = 36;
pub const AY: usize = 37;
pub const RC: usize = 38;
/// The last row's chords: S + A = E2 (slope, x inverse), S + B = E3 (B's y, slope, x inverse).
pub const FS1: usize = 39;
pub const FI1: usize = 40;
pub const BY: usize = 41;
pub const FS2: usize = 42;
pub const FI2: usize = 43;
/// 1 / r.
pub const RINV: usize = 44;
/// 1 / (E2.x − S.x) and 1 / (E3.x − S.x) on the last row: E ≠ ±S, without which a chord's slope
/// would be free (the line through S and −E = S is any line through S) and its third point need
/// not be on the curve.
pub const EI1: usize = 45;
pub const EI2: usize = 46;
pub const ADDR: usize = 47;
pub const WIDTH: usize = 48;

// Periodic columns: the bit gadget's (shared by the three; its first is the instance's first
// row), then 2^r·G, the instance's last row, and row 251 (the bit that must be 0).
const FIRST: usize = 0;
const GX: usize = felt_bits::PERIODIC;
const GY: usize = felt_bits::PERIODIC + 1;
const LAST: usize = felt_bits::PERIODIC + 2;
const TOP: usize = felt_bits::PERIODIC + 3;

const GADGETS: [Columns; 3] = [
    Columns { bit: ZB, value: ZV, gt: ZG, periodic: 0 },
    Columns { bit: RB, value: RV, gt: RG, periodic: 0 },
    Columns { bit: WB, value: WV, gt: WG, periodic: 0 },
];

pub struct Ecdsa {
    pub height: usize,
    pub begin: u64,
    pub stop: u64,
    periodic: Vec<PeriodicColumn>,
    constraints: Vec<ConstraintInfo>,
}

const LOOKUPS: [LookupInfo; 2] = [LookupInfo::linear(relation::MEMORY, 2); 2];

impl Ecdsa {
    pub fn new(height: usize, begin: u64, stop: u64) -> Ecdsa {
        use ConstraintDomain::*;
        let mut periodic = felt_bits::periodic();
        let g = curve::doublings(&curve::GENERATOR, ROWS);
        periodic.push(PeriodicColumn::new(g.iter().map(|p| p.0).collect()));
        periodic.push(PeriodicColumn::new(g.iter().map(|p| p.1).collect()));
        periodic.push(PeriodicColumn::selector(ROWS, ROWS - 1));
        periodic.push(PeriodicColumn::selector(ROWS, BITS - 1));
        let two = ConstraintInfo::new(2, AllRows);
        let three = ConstraintInfo::new(3, AllRows);
        let mut constraints = Vec::new();
        for _ in GADGETS {
            constraints.extend(felt_bits::constraints());
            constraints.push(two); // below 2^251
        }
        constraints.extend(lane_constraints()); // lane 1
        constraints.extend([two; 4]); // starts at S, ends at E1
        constraints.extend(doubling_constraints()); // Q
        constraints.extend(lane_constraints()); // lane 2
        constraints.extend([two; 2]); // starts at E1
        constraints.extend([three; 2]); // Q on the curve
        constraints.extend(doubling_constraints()); // A
        constraints.extend(lane_constraints()); // lane 3
        constraints.extend([two; 4]); // starts at S, doubles A
        constraints.extend([ConstraintInfo::new(2, AllButLast); 5]); // E1, A, r constant
        constraints.extend([two, three]); // r is the r gadget's, and not 0
        constraints.extend([three; 10]); // the last row's two chords, each from an E ≠ ±S
        constraints.push(ConstraintInfo::new(2, AllButLast)); // address constant within an instance
        constraints.push(ConstraintInfo::new(3, AllButLast)); // address steps between instances
        Ecdsa { height, begin, stop, periodic, constraints }
    }
}

/// On the last row: S + (px, py) = (ex, ey), through the chord's slope and the x inverses: P's
/// x differs from S's (P ≠ ±S) and so does E's (E ≠ ±S). With E a curve point other than ±S the
/// slope is the line's through S and −E, and P is that line's third point on the curve.
fn chord(last: Fe, (px, py): (Fe, Fe), (ex, ey): (Fe, Fe), slope: Fe, (xinv, einv): (Fe, Fe), out: &mut [Fe]) {
    let (sx, sy) = curve::SHIFT;
    out[0] = last * (slope * (px - sx) - (py - sy));
    out[1] = last * ((px - sx) * xinv - Fe::one());
    out[2] = last * (ex - (slope * slope - sx - px));
    out[3] = last * (ey - (slope * (sx - ex) - sy));
    out[4] = last * ((ex - sx) * einv - Fe::one());
}

impl Component for Ecdsa {
    fn name(&self) -> &str {
        "ecdsa"
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
        let (c, n, p) = (f.main, f.main_next, f.periodic);
        let one = Fe::one();
        let (first, last) = (p[FIRST], p[LAST]);
        let not_last = one - last;
        let (sx, sy) = curve::SHIFT;
        let mut k = 0;
        let mut take = |len: usize| {
            let at = k;
            k += len;
            at..at + len
        };
        let gadget = felt_bits::constraints().len();
        for g in &GADGETS {
            felt_bits::evaluate(g, f, &mut out[take(gadget)]);
            out[take(1).start] = p[TOP] * c[g.bit];
        }
        // Lane 1: z·G from S to E1.
        lane(c, n, LANE1, c[ZB], (p[GX], p[GY]), not_last, &mut out[take(6)]);
        let o = &mut out[take(4)];
        o[0] = first * (c[LANE1 + ACC_X] - sx);
        o[1] = first * (c[LANE1 + ACC_Y] - sy);
        o[2] = last * (c[LANE1 + SUM_X] - c[E1X]);
        o[3] = last * (c[LANE1 + SUM_Y] - c[E1Y]);
        // Lane 2: r·Q from E1 to E2, Q on the curve.
        doubling(c, n, QX, QDS, not_last, &mut out[take(3)]);
        lane(c, n, LANE2, c[RB], (c[QX], c[QY]), not_last, &mut out[take(6)]);
        let o = &mut out[take(4)];
        o[0] = first * (c[LANE2 + ACC_X] - c[E1X]);
        o[1] = first * (c[LANE2 + ACC_Y] - c[E1Y]);
        o[2] = first * (c[QXX] - c[QX] * c[QX]);
        o[3] = first * (c[QY] * c[QY] - c[QXX] * c[QX] - curve::ALPHA * c[QX] - curve::BETA);
        // Lane 3: w·A from S to E3.
        doubling(c, n, DX, DDS, not_last, &mut out[take(3)]);
        lane(c, n, LANE3, c[WB], (c[DX], c[DY]), not_last, &mut out[take(6)]);
        let o = &mut out[take(4)];
        o[0] = first * (c[LANE3 + ACC_X] - sx);
        o[1] = first * (c[LANE3 + ACC_Y] - sy);
        o[2] = first * (c[DX] - c[AX]);
        o[3] = first * (c[DY] - c[AY]);
        // E1, A and r hold over the instance; r is the r gadget's value and is not 0.
        let o = &mut out[take(7)];
        for (j, col) in [E1X, E1Y, AX, AY, RC].into_iter().enumerate() {
            o[j] = not_last * (n[col] - c[col]);
        }
        o[5] = first * (c[RC] - c[RV]);
        o[6] = first * (c[RV] * c[RINV] - one);
        // S + A = E2 and S + (r, y_B) = E3.
        let e2 = (c[LANE2 + SUM_X], c[LANE2 + SUM_Y]);
        chord(last, (c[AX], c[AY]), e2, c[FS1], (c[FI1], c[EI1]), &mut out[take(5)]);
        let e3 = (c[LANE3 + SUM_X], c[LANE3 + SUM_Y]);
        chord(last, (c[RC], c[BY]), e3, c[FS2], (c[FI2], c[EI2]), &mut out[take(5)]);
        let o = &mut out[take(2)];
        o[0] = not_last * (n[ADDR] - c[ADDR]);
        o[1] = last * address_step(c[ADDR], n[ADDR], CELLS);
        debug_assert_eq!(k, self.constraints.len());
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
        out[0] = LookupTerm::new(p[FIRST], &[m[ADDR], m[QX]]);
        out[1] = LookupTerm::new(p[FIRST], &[m[ADDR] + Fe::one(), m[ZV]]);
    }
}

/// One lane's rows: the accumulator from `start`, adding `points[r]` where `bits[r]` is set.
/// `None` on an x collision (unless `lenient`, which adds nothing there, as a cheater would).
fn run_lane(start: Point, points: &[Point], bits: &[Fe], lenient: bool) -> Option<(Vec<[Fe; 6]>, Point)> {
    let mut acc = start;
    let mut rows = Vec::with_capacity(ROWS);
    for (pt, bit) in points.iter().zip(bits) {
        let (after, slope, xinv) = match (*bit == Fe::one(), curve::add(&acc, pt)) {
            (true, Some((sum, slope))) => (sum, slope, (pt.0 - acc.0).inv().expect("x's differ")),
            (true, None) if !lenient => return None,
            _ => (acc, Fe::zero(), Fe::zero()),
        };
        rows.push([acc.0, acc.1, after.0, after.1, slope, xinv]);
        acc = after;
    }
    Some((rows, acc))
}

/// 2^r·P for r < 256 with each row's tangent slope (a lenient run may double a point with y = 0:
/// it then stays put).
fn doubling_rows(p: Point) -> Vec<(Point, Fe)> {
    let mut out = Vec::with_capacity(ROWS);
    let mut d = p;
    for _ in 0..ROWS {
        let (next, slope) = curve::double(&d).unwrap_or((d, Fe::zero()));
        out.push((d, slope));
        d = next;
    }
    out
}

/// The chord data of S + a: the slope from S to `a` and the inverse of their x difference.
fn chord_data(a: Point) -> (Fe, Fe) {
    let (sx, sy) = curve::SHIFT;
    match (a.0 - sx).inv() {
        Ok(inv) => ((a.1 - sy) * inv, inv),
        Err(_) => (Fe::zero(), Fe::zero()),
    }
}

/// `e − S`, or `None` when e = ±S.
fn minus_shift(e: Point) -> Option<Point> {
    curve::add(&e, &(curve::SHIFT.0, -curve::SHIFT.1)).map(|(p, _)| p)
}

fn bits_of(x: &Fe) -> Vec<(Fe, Fe, Fe)> {
    felt_bits::block(&proofgrid_stark::field::to_bytes(x))
}

fn below_2_251(x: &Fe) -> bool {
    proofgrid_stark::field::to_bytes(x)[0] < 0x08
}

/// One instance's rows (without the address), for one choice of Q's y; `Err` says why the
/// signature does not verify under it.
fn instance_with(q: Point, z: &Fe, r: &Fe, w: &Fe, g: &[Point], lenient: bool) -> Result<Vec<[Fe; ADDR]>, &'static str> {
    let zb = bits_of(z);
    let rb = bits_of(r);
    let wb = bits_of(w);
    let col = |b: &[(Fe, Fe, Fe)]| b.iter().map(|t| t.0).collect::<Vec<_>>();
    let collision = "an addition meets two points with the same x coordinate";
    let (lane1, e1) = run_lane(curve::SHIFT, g, &col(&zb), lenient).ok_or(collision)?;
    let qd = doubling_rows(q);
    let qpts: Vec<Point> = qd.iter().map(|d| d.0).collect();
    let (lane2, e2) = run_lane(e1, &qpts, &col(&rb), lenient).ok_or(collision)?;
    let a = match minus_shift(e2) {
        Some(a) => a,
        None if lenient => (Fe::zero(), Fe::zero()),
        None => return Err("z·G + r·Q is the point at infinity"),
    };
    let ad = doubling_rows(a);
    let apts: Vec<Point> = ad.iter().map(|d| d.0).collect();
    let (lane3, e3) = run_lane(curve::SHIFT, &apts, &col(&wb), lenient).ok_or(collision)?;
    let b = minus_shift(e3);
    if !lenient && b.map(|b| b.0) != Some(*r) {
        return Err("the signature does not verify");
    }
    let b = b.unwrap_or((Fe::zero(), Fe::zero()));
    let (fs1, fi1) = chord_data(a);
    let (fs2, fi2) = chord_data((*r, b.1));
    let rinv = r.inv().unwrap_or(Fe::zero());
    let e_inv = |e: Point| (e.0 - curve::SHIFT.0).inv().unwrap_or(Fe::zero());
    let (ei1, ei2) = (e_inv(e2), e_inv(e3));
    if !lenient && (ei1 == Fe::zero() || ei2 == Fe::zero()) {
        return Err("an accumulator ends at ±S");
    }
    let mut rows = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        let mut row = [Fe::zero(); ADDR];
        for (k, gadget) in [&zb, &rb, &wb].into_iter().enumerate() {
            (row[3 * k], row[3 * k + 1], row[3 * k + 2]) = gadget[i];
        }
        row[LANE1..LANE1 + 6].copy_from_slice(&lane1[i]);
        row[LANE2..LANE2 + 6].copy_from_slice(&lane2[i]);
        row[LANE3..LANE3 + 6].copy_from_slice(&lane3[i]);
        ((row[QX], row[QY]), row[QDS]) = qd[i];
        row[QXX] = q.0 * q.0;
        ((row[DX], row[DY]), row[DDS]) = ad[i];
        (row[E1X], row[E1Y], row[AX], row[AY], row[RC]) = (e1.0, e1.1, a.0, a.1, *r);
        (row[FS1], row[FI1], row[BY], row[FS2], row[FI2], row[RINV]) = (fs1, fi1, b.1, fs2, fi2, rinv);
        (row[EI1], row[EI2]) = (ei1, ei2);
        rows.push(row);
    }
    Ok(rows)
}

/// One instance's rows, for the signature (r, w): the public key's y is the root under which the
/// signature verifies; when neither does, the first root's reason is given (or, `lenient`, the
/// first root's rows anyway).
fn instance(pub_x: Fe, z: Fe, sig: Option<(Fe, Fe)>, g: &[Point], lenient: bool) -> Result<Vec<[Fe; ADDR]>, &'static str> {
    let (r, w) = match sig {
        Some(rw) => rw,
        None if lenient => (Fe::zero(), Fe::zero()),
        None => return Err("no signature was given for it"),
    };
    if !lenient && !(below_2_251(&z) && below_2_251(&r) && below_2_251(&w)) {
        return Err("the message, r or w is not below 2^251");
    }
    if !lenient && r == Fe::zero() {
        return Err("r is 0");
    }
    let y2 = pub_x * pub_x * pub_x + curve::ALPHA * pub_x + curve::BETA;
    let roots = match y2.sqrt() {
        Some((y0, y1)) => [y0, y1],
        None if lenient => [Fe::zero(), Fe::zero()],
        None => return Err("the public key is not the x coordinate of a curve point"),
    };
    // Honest rows wherever the algebra allows (a cheater's too: only what it lies about breaks).
    let strict = |y: Fe| instance_with((pub_x, y), &z, &r, &w, g, false);
    strict(roots[0])
        .or_else(|first| strict(roots[1]).map_err(|_| first))
        .or_else(|why| if lenient { instance_with((pub_x, roots[0]), &z, &r, &w, g, true) } else { Err(why) })
}

/// Whether (r, w) signs `z` under the key with x coordinate `pub_x`, as the component checks it.
pub fn verifies(pub_x: Fe, z: Fe, r: Fe, w: Fe) -> bool {
    instance(pub_x, z, Some((r, w)), &curve::doublings(&curve::GENERATOR, ROWS), false).is_ok()
}

/// The ecdsa trace over `height` rows: one 256-row block per instance of [begin, stop), the last
/// repeated. `signatures` are the execution's, in address order.
pub fn trace(
    mem: &super::cpu::Memory<'_>,
    signatures: &[SignatureWitness],
    begin: u64,
    stop: u64,
    height: usize,
    lenient: bool,
) -> Result<Vec<Vec<Fe>>, String> {
    let g = curve::doublings(&curve::GENERATOR, ROWS);
    super::instance_blocks::<ADDR>((begin, stop, CELLS), ROWS, height, |addr| {
        let sig = signatures.binary_search_by_key(&addr, |s| s.address).ok().map(|k| &signatures[k]);
        let sig = sig.map(|s| (crate::public::to_fe(&s.r), crate::public::to_fe(&s.w)));
        instance(mem.get(addr), mem.get(addr + 1), sig, &g, lenient).map_err(|why| format!("the ecdsa instance at {addr}: {why}"))
    })
}
