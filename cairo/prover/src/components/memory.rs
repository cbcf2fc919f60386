//! Memory: one row per address from 1 up, each with its value and how often it is accessed.
//!
//! Every access anywhere (a CPU operand, a builtin cell, a public cell the verifier adds) is a
//! use of (address, value) in the memory relation; this table provides each (address, value)
//! with its multiplicity. The addresses step by exactly 1 from address 1, so each address has one
//! row and so one value: memory is single-valued, and address 0 (which no relocated run uses) is
//! not in the table at all. Holes have any value and multiplicity 0.

use super::relation;
use proofgrid_stark::component::{Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, Row};
use proofgrid_stark::field::Fe;

pub const ADDR: usize = 0;
pub const VALUE: usize = 1;
pub const MULT: usize = 2;

pub struct MemoryTable {
    pub height: usize,
}

const CONSTRAINTS: [ConstraintInfo; 1] = [ConstraintInfo::new(1, ConstraintDomain::AllButLast)];
const LOOKUPS: [LookupInfo; 1] = [LookupInfo::linear(relation::MEMORY, 2)];

impl Component for MemoryTable {
    fn name(&self) -> &str {
        "memory"
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
        out[0] = f.main_next[ADDR] - f.main[ADDR] - Fe::one();
    }
    fn boundaries(&self) -> Vec<Boundary> {
        vec![Boundary { column: ADDR, row: 0, value: Fe::one() }]
    }
    fn lookups(&self) -> &[LookupInfo] {
        &LOOKUPS
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        out[0] = LookupTerm::new(-row.main[MULT], &[row.main[ADDR], row.main[VALUE]]);
    }
}
