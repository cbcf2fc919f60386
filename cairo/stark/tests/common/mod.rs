//! The tiny AIRs the engine is tested on.
#![allow(dead_code)] // each test binary uses part of it

use proofgrid_stark::air::{Air, PublicTerm};
use proofgrid_stark::component::{
    Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, PeriodicColumn, Row, TraceTable,
};
use proofgrid_stark::field::{fe, Fe};

/// Fibonacci, one component: a' = b, b' = a + b, from (1, 1); the public result is b on the last
/// row.
pub struct Fibonacci {
    pub n: usize,
    pub result: Fe,
}

const FIB_CONSTRAINTS: [ConstraintInfo; 2] = [
    ConstraintInfo::new(1, ConstraintDomain::AllButLast),
    ConstraintInfo::new(1, ConstraintDomain::AllButLast),
];

impl Fibonacci {
    pub fn trace(n: usize) -> (TraceTable, Fe) {
        let (mut a, mut b) = (vec![fe(1)], vec![fe(1)]);
        for i in 1..n {
            let (pa, pb) = (a[i - 1], b[i - 1]);
            a.push(pb);
            b.push(pa + pb);
        }
        let result = b[n - 1];
        (TraceTable::new(vec![a, b]), result)
    }
}

impl Component for Fibonacci {
    fn name(&self) -> &str {
        "fibonacci"
    }
    fn height(&self) -> usize {
        self.n
    }
    fn main_width(&self) -> usize {
        2
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &FIB_CONSTRAINTS
    }
    fn evaluate(&self, f: &Frame<'_>, out: &mut [Fe]) {
        out[0] = f.main_next[0] - f.main[1];
        out[1] = f.main_next[1] - f.main[0] - f.main[1];
    }
    fn boundaries(&self) -> Vec<Boundary> {
        vec![
            Boundary { column: 0, row: 0, value: fe(1) },
            Boundary { column: 1, row: 0, value: fe(1) },
            Boundary { column: 1, row: self.n - 1, value: self.result },
        ]
    }
}

impl Air for Fibonacci {
    fn components(&self) -> Vec<&dyn Component> {
        vec![self]
    }
    fn public_input_bytes(&self) -> Vec<u8> {
        let mut v = (self.n as u64).to_be_bytes().to_vec();
        v.extend(proofgrid_stark::field::to_bytes(&self.result));
        v
    }
}

/// Two components of different heights tied by a lookup, with a periodic column and a public
/// term: a walk of `n` rows whose cells x and y = x + p (p periodic: 0, 1, 2, 3) must all lie
/// in a table of the values 0..16, which provides each value with a multiplicity; the verifier
/// itself uses the value `public` once.
pub struct Walk {
    pub n: usize,
    pub start: u64,
    pub public: u64,
    walk: WalkTable,
    table: ValueTable,
}

pub const TABLE_SIZE: usize = 16;

struct WalkTable {
    n: usize,
    start: u64,
    periodic: Vec<PeriodicColumn>,
}

struct ValueTable;

const WALK_CONSTRAINTS: [ConstraintInfo; 1] = [ConstraintInfo::new(1, ConstraintDomain::AllRows)];
const WALK_LOOKUPS: [LookupInfo; 2] = [LookupInfo::linear(0, 1), LookupInfo::linear(0, 1)];
const TABLE_CONSTRAINTS: [ConstraintInfo; 1] = [ConstraintInfo::new(1, ConstraintDomain::AllButLast)];
const TABLE_LOOKUPS: [LookupInfo; 1] = [LookupInfo::linear(0, 1)];

impl Component for WalkTable {
    fn name(&self) -> &str {
        "walk"
    }
    fn height(&self) -> usize {
        self.n
    }
    fn main_width(&self) -> usize {
        2
    }
    fn periodic(&self) -> &[PeriodicColumn] {
        &self.periodic
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &WALK_CONSTRAINTS
    }
    fn evaluate(&self, f: &Frame<'_>, out: &mut [Fe]) {
        out[0] = f.main[1] - f.main[0] - f.periodic[0];
    }
    fn boundaries(&self) -> Vec<Boundary> {
        vec![Boundary { column: 0, row: 0, value: fe(self.start) }]
    }
    fn lookups(&self) -> &[LookupInfo] {
        &WALK_LOOKUPS
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        out[0] = LookupTerm::new(Fe::one(), &[row.main[0]]);
        out[1] = LookupTerm::new(Fe::one(), &[row.main[1]]);
    }
}

impl Component for ValueTable {
    fn name(&self) -> &str {
        "table"
    }
    fn height(&self) -> usize {
        TABLE_SIZE
    }
    fn main_width(&self) -> usize {
        2
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &TABLE_CONSTRAINTS
    }
    fn evaluate(&self, f: &Frame<'_>, out: &mut [Fe]) {
        out[0] = f.main_next[0] - f.main[0] - Fe::one();
    }
    fn boundaries(&self) -> Vec<Boundary> {
        vec![Boundary { column: 0, row: 0, value: Fe::zero() }]
    }
    fn lookups(&self) -> &[LookupInfo] {
        &TABLE_LOOKUPS
    }
    fn lookup_terms(&self, row: &Row<'_>, out: &mut [LookupTerm]) {
        out[0] = LookupTerm::new(-row.main[1], &[row.main[0]]);
    }
}

impl Walk {
    pub fn new(n: usize, start: u64, public: u64) -> Walk {
        let periodic = vec![PeriodicColumn::new((0..4).map(fe).collect())];
        Walk { n, start, public, walk: WalkTable { n, start, periodic }, table: ValueTable }
    }

    /// The walk x_i = (start + 3i) mod 12, y = x + (i mod 4), and the table with the right
    /// multiplicities (`honest`), or with one multiplicity off by one.
    pub fn traces(&self, honest: bool) -> Vec<TraceTable> {
        let xs: Vec<u64> = (0..self.n as u64).map(|i| (self.start + 3 * i) % 12).collect();
        let ys: Vec<u64> = xs.iter().enumerate().map(|(i, x)| x + (i as u64 % 4)).collect();
        let mut counts = vec![0u64; TABLE_SIZE];
        for v in xs.iter().chain(&ys) {
            counts[*v as usize] += 1;
        }
        counts[self.public as usize] += 1;
        if !honest {
            counts[5] += 1;
        }
        vec![
            TraceTable::new(vec![xs.iter().map(|&v| fe(v)).collect(), ys.iter().map(|&v| fe(v)).collect()]),
            TraceTable::new(vec![(0..TABLE_SIZE as u64).map(fe).collect(), counts.iter().map(|&c| fe(c)).collect()]),
        ]
    }

    /// A walk with two cells outside the table (20 and 21, at row 5), the multiplicities
    /// those of the honest walk.
    pub fn traces_outside_the_table(&self) -> Vec<TraceTable> {
        let mut t = self.traces(true);
        t[0].columns[0][5] = fe(20);
        t[0].columns[1][5] = fe(20 + 5 % 4);
        t
    }
}

impl Air for Walk {
    fn components(&self) -> Vec<&dyn Component> {
        vec![&self.walk, &self.table]
    }
    fn relations(&self) -> usize {
        1
    }
    fn public_terms(&self) -> Vec<PublicTerm> {
        vec![PublicTerm { relation: 0, term: LookupTerm::new(Fe::one(), &[fe(self.public)]), width: 1 }]
    }
    fn public_input_bytes(&self) -> Vec<u8> {
        [self.n as u64, self.start, self.public].iter().flat_map(|v| v.to_be_bytes()).collect()
    }
}
