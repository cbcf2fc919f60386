//! A 16-bit range table: sorted values from `min` to `max`, each with how often some component
//! looks it up, consecutive values at most 255 apart (the gap is looked up in the byte table).
//!
//! The verifier knows min ≤ max < 2^16 (they are `u16` parameters) and the values only climb, so
//! every value in the table, and so every value looked up in it, lies in [min, max]. The table is
//! sparse: its height is the number of distinct values used plus one filler per 255-wide gap,
//! not the width of their range, so limbs scattered over all of 16 bits cost a few hundred rows,
//! not 65,536. Two instances: the instructions' offsets (which cluster near 2^15) and the
//! builtins' 16-bit limbs.

use super::relation;
use proofgrid_stark::component::{Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, Row};
use proofgrid_stark::field::{fe, Fe};

pub const VALUE: usize = 0;
/// The gap to the next row's value.
pub const GAP: usize = 1;
pub const MULT: usize = 2;

/// The largest gap between consecutive values: a byte.
pub const MAX_GAP: u64 = 255;

pub struct RangeTable {
    pub name: &'static str,
    pub relation: usize,
    pub min: u16,
    pub max: u16,
    pub height: usize,
    lookups: [LookupInfo; 2],
}

const CONSTRAINTS: [ConstraintInfo; 1] = [ConstraintInfo::new(1, ConstraintDomain::AllButLast)];

impl RangeTable {
    pub fn new(name: &'static str, relation: usize, min: u16, max: u16, height: usize) -> RangeTable {
        RangeTable {
            name,
            relation,
            min,
            max,
            height,
            lookups: [LookupInfo::linear(relation, 1), LookupInfo::linear(relation::BYTES, 1)],
        }
    }
}

impl Component for RangeTable {
    fn name(&self) -> &str {
        self.name
    }
    fn height(&self) -> usize {
        self.height
    }
    fn main_width(&self) -> usize {
        3
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &CONSTRAINTS
    }
    fn evaluate(&self, f: &Frame<'_>, out: &mut [Fe]) {
        out[0] = f.main_next[VALUE] - f.main[VALUE] - f.main[GAP];
    }
    fn boundaries(&self) -> Vec<Boundary> {
        vec![
            Boundary { column: VALUE, row: 0, value: fe(self.min as u64) },
            Boundary { column: VALUE, row: self.height - 1, value: fe(self.max as u64) },
        ]
    }
    fn lookups(&self) -> &[LookupInfo] {
        &self.lookups
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        out[0] = LookupTerm::new(-row.main[MULT], &[row.main[VALUE]]);
        out[1] = LookupTerm::new(Fe::one(), &[row.main[GAP]]);
    }
}

/// The table's values for the values used (`seen[v]`: whether v is), in increasing order, with
/// fillers inserted so that no gap exceeds [`MAX_GAP`]; at least one value.
pub fn rows(seen: &[bool]) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for (v, _) in seen.iter().enumerate().filter(|(_, s)| **s) {
        let v = v as u64;
        while let Some(&last) = out.last() {
            if v - last <= MAX_GAP {
                break;
            }
            out.push(last + MAX_GAP);
        }
        out.push(v);
    }
    if out.is_empty() {
        out.push(0);
    }
    out
}

/// The byte table: the values 0..256 (a periodic column, known to the verifier) with how often
/// each is looked up.
pub struct ByteTable {
    periodic: Vec<proofgrid_stark::PeriodicColumn>,
}

pub const BYTE_TABLE_HEIGHT: usize = 256;
const BYTE_LOOKUPS: [LookupInfo; 1] = [LookupInfo::linear(relation::BYTES, 1)];

impl Default for ByteTable {
    fn default() -> Self {
        ByteTable { periodic: vec![proofgrid_stark::PeriodicColumn::new((0..BYTE_TABLE_HEIGHT as u64).map(fe).collect())] }
    }
}

impl Component for ByteTable {
    fn name(&self) -> &str {
        "bytes"
    }
    fn height(&self) -> usize {
        BYTE_TABLE_HEIGHT
    }
    fn main_width(&self) -> usize {
        1
    }
    fn periodic(&self) -> &[proofgrid_stark::PeriodicColumn] {
        &self.periodic
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &[]
    }
    fn evaluate(&self, _f: &Frame<'_>, _out: &mut [Fe]) {}
    fn lookups(&self) -> &[LookupInfo] {
        &BYTE_LOOKUPS
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        out[0] = LookupTerm::new(-row.main[0], &[row.periodic[0]]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fillers_close_every_gap_wider_than_a_byte() {
        let mut seen = vec![false; 1 << 16];
        for v in [3usize, 4, 300, 65535] {
            seen[v] = true;
        }
        let r = rows(&seen);
        assert_eq!(r[..3], [3, 4, 259]);
        assert!(r.windows(2).all(|w| w[1] >= w[0] && w[1] - w[0] <= MAX_GAP));
        assert_eq!((*r.first().unwrap(), *r.last().unwrap()), (3, 65535));
        assert!(r.len() < 270);
    }
}
