//! Two tiny AIRs the engine is tested on.
#![allow(dead_code)] // each test binary uses part of it

use proofgrid_stark::air::{Air, Boundary, ConstraintDomain, ConstraintInfo, Frame, TraceTable};
use proofgrid_stark::field::{fe, Fe};

/// Fibonacci: a' = b, b' = a + b, from (1, 1); the public result is b on the last row.
pub struct Fibonacci {
    pub n: usize,
    pub result: Fe,
}

const FIB_CONSTRAINTS: [ConstraintInfo; 2] = [
    ConstraintInfo { degree: 1, domain: ConstraintDomain::AllButLast },
    ConstraintInfo { degree: 1, domain: ConstraintDomain::AllButLast },
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

impl Air for Fibonacci {
    fn trace_length(&self) -> usize {
        self.n
    }
    fn main_width(&self) -> usize {
        2
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &FIB_CONSTRAINTS
    }
    fn evaluate(&self, f: &Frame<'_>, _c: &[Fe], out: &mut [Fe]) {
        out[0] = f.main_next[0] - f.main[1];
        out[1] = f.main_next[1] - f.main[0] - f.main[1];
    }
    fn boundaries(&self, _c: &[Fe]) -> Vec<Boundary> {
        vec![
            Boundary { column: 0, row: 0, value: fe(1) },
            Boundary { column: 1, row: 0, value: fe(1) },
            Boundary { column: 1, row: self.n - 1, value: self.result },
        ]
    }
    fn public_input_bytes(&self) -> Vec<u8> {
        let mut v = (self.n as u64).to_be_bytes().to_vec();
        v.extend(proofgrid_stark::field::to_bytes(&self.result));
        v
    }
}

/// Column y is a permutation of column x: a cyclic running product
/// z' · (γ − y) = z · (γ − x) on every row, wrapping around, with z₀ = 1.
pub struct Permutation {
    pub n: usize,
}

const PERM_CONSTRAINTS: [ConstraintInfo; 1] =
    [ConstraintInfo { degree: 2, domain: ConstraintDomain::AllRows }];

impl Air for Permutation {
    fn trace_length(&self) -> usize {
        self.n
    }
    fn main_width(&self) -> usize {
        2
    }
    fn aux_width(&self) -> usize {
        1
    }
    fn num_challenges(&self) -> usize {
        1
    }
    fn build_aux_trace(&self, main: &TraceTable, c: &[Fe]) -> TraceTable {
        let gamma = c[0];
        let mut z = vec![fe(1)];
        for i in 0..self.n - 1 {
            let next = z[i] * (gamma - main.columns[0][i]) * (gamma - main.columns[1][i]).inv().unwrap();
            z.push(next);
        }
        TraceTable::new(vec![z])
    }
    fn constraints(&self) -> &[ConstraintInfo] {
        &PERM_CONSTRAINTS
    }
    fn evaluate(&self, f: &Frame<'_>, c: &[Fe], out: &mut [Fe]) {
        let gamma = c[0];
        out[0] = f.aux_next[0] * (gamma - f.main[1]) - f.aux[0] * (gamma - f.main[0]);
    }
    fn boundaries(&self, _c: &[Fe]) -> Vec<Boundary> {
        vec![Boundary { column: 2, row: 0, value: fe(1) }]
    }
    fn public_input_bytes(&self) -> Vec<u8> {
        (self.n as u64).to_be_bytes().to_vec()
    }
}

/// x = 0..n in a scrambled order, y = a different scramble of the same values.
pub fn permutation_trace(n: usize, honest: bool) -> TraceTable {
    let x: Vec<Fe> = (0..n as u64).map(|i| fe((i * 7 + 3) % n as u64)).collect();
    let mut y: Vec<Fe> = (0..n as u64).map(|i| fe((i * 5 + 1) % n as u64)).collect();
    if !honest {
        y[3] = y[4];
    }
    TraceTable::new(vec![x, y])
}
