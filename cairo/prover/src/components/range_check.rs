//! The range_check and range_check96 builtins: one row per cell, the cell's value split into
//! 16-bit limbs (8 for range_check: below 2^128; 6 for range_check96: below 2^96), each limb
//! looked up in the limbs' range table.
//!
//! The row's address steps by 0 or 1 from the segment's base (first row) to its stop − 1 (last
//! row), so every cell of the segment is checked, and padding rows repeat the last cell (an
//! access like any other).

use super::relation;
use proofgrid_stark::component::{Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, Row};
use proofgrid_stark::field::{fe, Fe};

pub const ADDR: usize = 0;
pub const VALUE: usize = 1;
pub const LIMB0: usize = 2;

pub struct RangeCheck {
    pub name: &'static str,
    pub limbs: usize,
    pub height: usize,
    pub begin: u64,
    pub stop: u64,
    lookups: Vec<LookupInfo>,
}

const CONSTRAINTS: [ConstraintInfo; 2] =
    [ConstraintInfo::new(1, ConstraintDomain::AllRows), ConstraintInfo::new(2, ConstraintDomain::AllButLast)];

impl RangeCheck {
    pub fn new(name: &'static str, limbs: usize, height: usize, begin: u64, stop: u64) -> RangeCheck {
        let mut lookups = vec![LookupInfo::linear(relation::MEMORY, 2)];
        lookups.extend((0..limbs).map(|_| LookupInfo::linear(relation::LIMBS, 1)));
        RangeCheck { name, limbs, height, begin, stop, lookups }
    }
}

impl Component for RangeCheck {
    fn name(&self) -> &str {
        self.name
    }
    fn height(&self) -> usize {
        self.height
    }
    fn main_width(&self) -> usize {
        LIMB0 + self.limbs
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &CONSTRAINTS
    }
    fn evaluate(&self, f: &Frame<'_>, out: &mut [Fe]) {
        let cur = f.main;
        let mut value = Fe::zero();
        for i in (0..self.limbs).rev() {
            value = value * fe(1 << 16) + cur[LIMB0 + i];
        }
        out[0] = value - cur[VALUE];
        let d = f.main_next[ADDR] - cur[ADDR];
        out[1] = d * (d - Fe::one());
    }
    fn boundaries(&self) -> Vec<Boundary> {
        vec![
            Boundary { column: ADDR, row: 0, value: fe(self.begin) },
            Boundary { column: ADDR, row: self.height - 1, value: fe(self.stop - 1) },
        ]
    }
    fn lookups(&self) -> &[LookupInfo] {
        &self.lookups
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        let m = row.main;
        out[0] = LookupTerm::new(Fe::one(), &[m[ADDR], m[VALUE]]);
        for k in 0..self.limbs {
            out[1 + k] = LookupTerm::new(Fe::one(), &[m[LIMB0 + k]]);
        }
    }
}

/// The builtin's trace: one row per cell of [begin, stop), the last repeated; `lenient` builds
/// it for a cell too large as well (its limbs then hold only its low bits), as a cheating prover
/// would.
pub fn trace(
    mem: &super::cpu::Memory<'_>,
    limbs: usize,
    begin: u64,
    stop: u64,
    height: usize,
    lenient: bool,
) -> Result<Vec<Vec<Fe>>, String> {
    let mut cols = vec![vec![Fe::zero(); height]; LIMB0 + limbs];
    let count = (stop - begin) as usize;
    for i in 0..height {
        let addr = begin + i.min(count - 1) as u64;
        let v = mem.get(addr);
        let bytes = proofgrid_stark::field::to_bytes(&v);
        if !lenient && bytes[..32 - 2 * limbs].iter().any(|&b| b != 0) {
            return Err(format!("range-check cell {addr} holds a value of 2^{} or more", 16 * limbs));
        }
        cols[ADDR][i] = fe(addr);
        cols[VALUE][i] = v;
        for k in 0..limbs {
            let lo = 31 - 2 * k;
            cols[LIMB0 + k][i] = fe(u16::from_be_bytes([bytes[lo - 1], bytes[lo]]) as u64);
        }
    }
    Ok(cols)
}
