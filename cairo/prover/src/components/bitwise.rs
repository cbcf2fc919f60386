//! The bitwise builtin: x, y → x & y, x ^ y, x | y (cells 0..5 of an instance), 64 rows per
//! instance, one 4-bit nibble of each value per row, most significant first.
//!
//! Each row looks up (x nibble, y nibble, and nibble, xor nibble) in the nibble table, so the
//! nibbles are 4-bit and their and and xor right; accumulators rebuild the four values
//! (acc' = 16·acc + nibble, restarted on an instance's first row) and the last row looks the
//! five cells up in memory (or = and + xor: their bits never overlap). cairo-vm requires x, y
//! below 2^251 and so does the AIR: the top nibble is 0 (bits 252..255) and the next below 8
//! (bit 251 clear), checked by looking up twice that nibble (still in the table only if it is
//! below 8). Without that a prover could decompose x + p instead of x and get a wrong and.
//!
//! Columns: the four nibbles, the four accumulators, the instance's address (constant within an
//! instance, then stepping by 0 or 5 from the segment's base to its last instance).

use super::{address_step, relation};
use proofgrid_stark::component::{
    Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, PeriodicColumn, Row,
};
use proofgrid_stark::field::{fe, Fe};

/// Rows per instance.
pub const ROWS: usize = 64;
pub const CELLS: u64 = 5;

/// Nibble columns x, y, and, xor; then their accumulators; then the address.
pub const NIB: usize = 0;
pub const ACC: usize = 4;
pub const ADDR: usize = 8;
pub const WIDTH: usize = 9;

// Periodic columns.
const FIRST: usize = 0;
const SECOND: usize = 1;
const LAST: usize = 2;

pub struct Bitwise {
    pub height: usize,
    pub begin: u64,
    pub stop: u64,
    periodic: Vec<PeriodicColumn>,
    constraints: Vec<ConstraintInfo>,
}

const LOOKUPS: [LookupInfo; 7] = [
    LookupInfo::linear(relation::NIBBLES, 4),
    LookupInfo::linear(relation::NIBBLES, 4),
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::MEMORY, 2),
    LookupInfo::linear(relation::MEMORY, 2),
];

impl Bitwise {
    pub fn new(height: usize, begin: u64, stop: u64) -> Bitwise {
        use ConstraintDomain::*;
        let mut constraints = vec![ConstraintInfo::new(2, AllRows); 4]; // accumulator starts
        constraints.extend([ConstraintInfo::new(2, AllButLast); 4]); // accumulator steps
        constraints.extend([ConstraintInfo::new(2, AllRows); 2]); // top nibbles zero
        constraints.push(ConstraintInfo::new(2, AllButLast)); // address constant within an instance
        constraints.push(ConstraintInfo::new(3, AllButLast)); // address steps between instances
        Bitwise {
            height,
            begin,
            stop,
            periodic: vec![
                PeriodicColumn::selector(ROWS, 0),
                PeriodicColumn::selector(ROWS, 1),
                PeriodicColumn::selector(ROWS, ROWS - 1),
            ],
            constraints,
        }
    }
}

impl Component for Bitwise {
    fn name(&self) -> &str {
        "bitwise"
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
        let (cur, next) = (f.main, f.main_next);
        let (first, first_next) = (f.periodic[FIRST], f.periodic_next[FIRST]);
        let one = Fe::one();
        for k in 0..4 {
            out[k] = first * (cur[ACC + k] - cur[NIB + k]);
            out[4 + k] = (one - first_next) * (next[ACC + k] - fe(16) * cur[ACC + k] - next[NIB + k]);
        }
        out[8] = first * cur[NIB];
        out[9] = first * cur[NIB + 1];
        out[10] = (one - first_next) * (next[ADDR] - cur[ADDR]);
        out[11] = first_next * address_step(cur[ADDR], next[ADDR], CELLS);
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
        let m = row.main;
        let nibbles = [m[NIB], m[NIB + 1], m[NIB + 2], m[NIB + 3]];
        out[0] = LookupTerm::new(Fe::one(), &nibbles);
        out[1] = LookupTerm::new(row.periodic[SECOND], &nibbles.map(|n| n.double()));
        let last = row.periodic[LAST];
        let values = [m[ACC], m[ACC + 1], m[ACC + 2], m[ACC + 3], m[ACC + 2] + m[ACC + 3]];
        for (k, v) in values.iter().enumerate() {
            out[2 + k] = LookupTerm::new(last, &[m[ADDR] + fe(k as u64), *v]);
        }
    }
}

/// The nibble table: every (a, b, a & b, a ^ b) for 4-bit a and b, as periodic columns (row
/// i = a + 16·b), with how often each is looked up.
pub struct NibbleTable {
    periodic: Vec<PeriodicColumn>,
}

pub const NIBBLE_TABLE_HEIGHT: usize = 256;
const TABLE_LOOKUPS: [LookupInfo; 1] = [LookupInfo::linear(relation::NIBBLES, 4)];

impl Default for NibbleTable {
    fn default() -> Self {
        let column = |f: fn(u64, u64) -> u64| {
            PeriodicColumn::new((0..NIBBLE_TABLE_HEIGHT as u64).map(|i| fe(f(i & 15, i >> 4))).collect())
        };
        NibbleTable { periodic: vec![column(|a, _| a), column(|_, b| b), column(|a, b| a & b), column(|a, b| a ^ b)] }
    }
}

impl NibbleTable {
    /// The row holding (a, b, ..).
    pub fn row_of(a: u64, b: u64) -> usize {
        (a + 16 * b) as usize
    }
}

impl Component for NibbleTable {
    fn name(&self) -> &str {
        "nibbles"
    }
    fn height(&self) -> usize {
        NIBBLE_TABLE_HEIGHT
    }
    fn main_width(&self) -> usize {
        1
    }
    fn periodic(&self) -> &[PeriodicColumn] {
        &self.periodic
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &[]
    }
    fn evaluate(&self, _f: &Frame<'_>, _out: &mut [Fe]) {}
    fn lookups(&self) -> &[LookupInfo] {
        &TABLE_LOOKUPS
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        let p = row.periodic;
        out[0] = LookupTerm::new(-row.main[0], &[p[0], p[1], p[2], p[3]]);
    }
}

/// The bitwise trace over `height` rows: one 64-row block per instance of [begin, stop), the
/// last repeated. `lenient` builds it for inputs of 2^251 or more as well (their low 256 bits),
/// as a cheating prover would.
pub fn trace(mem: &super::cpu::Memory<'_>, begin: u64, stop: u64, height: usize, lenient: bool) -> Result<Vec<Vec<Fe>>, String> {
    let instances = ((stop - begin) / CELLS) as usize;
    let mut cols = vec![vec![Fe::zero(); height]; WIDTH];
    let mut block = vec![[0u64; 4]; ROWS];
    for i in 0..height / ROWS {
        let addr = begin + CELLS * i.min(instances - 1) as u64;
        if i < instances {
            let read = |a: u64| -> Result<[u8; 32], String> {
                let b = proofgrid_stark::field::to_bytes(&mem.get(a));
                if !lenient && b[0] & 0xf8 != 0 {
                    return Err(format!("bitwise input at {a} is 2^251 or more"));
                }
                Ok(b)
            };
            let (x, y) = (read(addr)?, read(addr + 1)?);
            // Row r holds nibble 63 − r: the high nibble of byte r / 2 (big-endian) first.
            for (r, nibbles) in block.iter_mut().enumerate() {
                let nib = |v: &[u8; 32]| if r % 2 == 0 { (v[r / 2] >> 4) as u64 } else { (v[r / 2] & 15) as u64 };
                let (a, b) = (nib(&x), nib(&y));
                *nibbles = [a, b, a & b, a ^ b];
            }
        }
        let mut acc = [Fe::zero(); 4];
        for (r, nibbles) in block.iter().enumerate() {
            let row = i * ROWS + r;
            for k in 0..4 {
                acc[k] = if r == 0 { fe(nibbles[k]) } else { acc[k] * fe(16) + fe(nibbles[k]) };
                cols[NIB + k][row] = fe(nibbles[k]);
                cols[ACC + k][row] = acc[k];
            }
            cols[ADDR][row] = fe(addr);
        }
    }
    Ok(cols)
}
