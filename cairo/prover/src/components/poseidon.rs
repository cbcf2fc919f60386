//! The poseidon builtin: (s0, s1, s2) → the Hades permutation of that state (cells 0..6 of an
//! instance), 128 rows per instance, one round per row.
//!
//! Starknet's Hades: 91 rounds (4 full, 83 partial, 4 full), each adding three round constants,
//! cubing all three elements (full) or the last (partial), and multiplying by the MDS matrix
//! [[3,1,1],[1,-1,1],[1,1,-2]]. Row r holds the state before round r and the three cubes
//! (s_k + rc_k)³; a transition makes row r + 1 the state after round r for r < 91, so row 91 holds
//! the output. Rows 92..128 of an instance are free (no constraint reads them across). The round
//! constants and which rounds are full are periodic columns; the first row looks the input cells
//! up in memory and row 91 the output cells.
//!
//! The constants come from one place, [`round_constants`], derived as cairo-lang derives them:
//! the k-th is sha256("Hades" + k) mod p. (lambdaworks' Poseidon keeps the plain constants
//! private and uses a compressed form.)

use super::{address_step, relation};
use proofgrid_stark::component::{
    Boundary, Component, ConstraintDomain, ConstraintInfo, Frame, LookupInfo, LookupTerm, PeriodicColumn, Row,
};
use proofgrid_stark::field::{fe, Fe};
use std::sync::OnceLock;

pub const ROWS: usize = 128;
pub const CELLS: u64 = 6;
pub const ROUNDS: usize = 91;
pub const FULL_ROUNDS_EACH_END: usize = 4;

/// State columns s0..s2, then the cubes c0..c2, then the address.
pub const S: usize = 0;
pub const C: usize = 3;
pub const ADDR: usize = 6;
pub const WIDTH: usize = 7;

// Periodic columns: three round constants, then the selectors.
const RC: usize = 0;
const FULL: usize = 3;
const ACTIVE: usize = 4;
const FIRST: usize = 5;
const OUT: usize = 6;
const LAST: usize = 7;

/// The 91 rounds' constants, three each: sha256("Hades{k}") mod p for k = 0..273.
pub fn round_constants() -> &'static [[Fe; 3]; ROUNDS] {
    static RC: OnceLock<[[Fe; 3]; ROUNDS]> = OnceLock::new();
    RC.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut out = [[Fe::zero(); 3]; ROUNDS];
        for (k, slot) in out.iter_mut().flatten().enumerate() {
            let digest = Sha256::digest(format!("Hades{k}").as_bytes());
            // A 256-bit number reduced mod p: high 128 bits · 2^128 + low 128 bits.
            let half = |bytes: &[u8]| {
                let mut b = [0u8; 32];
                b[16..].copy_from_slice(bytes);
                proofgrid_stark::field::from_bytes(&b).expect("below 2^128")
            };
            *slot = half(&digest[..16]) * fe(1 << 32).pow(4u64) + half(&digest[16..]);
        }
        out
    })
}

fn is_full(round: usize) -> bool {
    round < FULL_ROUNDS_EACH_END || round >= ROUNDS - FULL_ROUNDS_EACH_END
}

/// M·v for the Hades MDS matrix.
pub fn mds(v: [Fe; 3]) -> [Fe; 3] {
    let t = v[0] + v[1] + v[2];
    [t + v[0].double(), t - v[1].double(), t - v[2].double() - v[2]]
}

/// One round on a state: the state after it and the cubes (s_k + rc_k)³ used.
pub fn round(state: [Fe; 3], r: usize) -> ([Fe; 3], [Fe; 3]) {
    let rc = round_constants()[r];
    let added = [state[0] + rc[0], state[1] + rc[1], state[2] + rc[2]];
    let cubes = added.map(|x| x * x * x);
    let full = is_full(r);
    let u = [if full { cubes[0] } else { added[0] }, if full { cubes[1] } else { added[1] }, cubes[2]];
    (mds(u), cubes)
}

/// The Hades permutation.
pub fn permutation(mut state: [Fe; 3]) -> [Fe; 3] {
    for r in 0..ROUNDS {
        state = round(state, r).0;
    }
    state
}

pub struct Poseidon {
    pub height: usize,
    pub begin: u64,
    pub stop: u64,
    periodic: Vec<PeriodicColumn>,
    constraints: Vec<ConstraintInfo>,
}

const LOOKUPS: [LookupInfo; 6] = [LookupInfo::linear(relation::MEMORY, 2); 6];

impl Poseidon {
    pub fn new(height: usize, begin: u64, stop: u64) -> Poseidon {
        use ConstraintDomain::*;
        let rc = round_constants();
        let mut periodic: Vec<PeriodicColumn> = (0..3)
            .map(|k| PeriodicColumn::new((0..ROWS).map(|r| if r < ROUNDS { rc[r][k] } else { Fe::zero() }).collect()))
            .collect();
        periodic.push(PeriodicColumn::new((0..ROWS).map(|r| fe((r < ROUNDS && is_full(r)) as u64)).collect()));
        periodic.push(PeriodicColumn::selector_range(ROWS, 0..ROUNDS));
        periodic.push(PeriodicColumn::selector(ROWS, 0));
        periodic.push(PeriodicColumn::selector(ROWS, ROUNDS));
        periodic.push(PeriodicColumn::selector(ROWS, ROWS - 1));
        let mut constraints = vec![ConstraintInfo::new(3, AllRows); 3]; // cubes
        constraints.extend([ConstraintInfo::new(3, AllButLast); 3]); // rounds
        constraints.push(ConstraintInfo::new(2, AllButLast)); // address constant within an instance
        constraints.push(ConstraintInfo::new(3, AllButLast)); // address steps between instances
        Poseidon { height, begin, stop, periodic, constraints }
    }
}

impl Component for Poseidon {
    fn name(&self) -> &str {
        "poseidon"
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
        let (cur, next, p) = (f.main, f.main_next, f.periodic);
        let one = Fe::one();
        let added = [cur[S] + p[RC], cur[S + 1] + p[RC + 1], cur[S + 2] + p[RC + 2]];
        for k in 0..3 {
            out[k] = cur[C + k] - added[k] * added[k] * added[k];
        }
        let full = p[FULL];
        let u = [
            full * cur[C] + (one - full) * added[0],
            full * cur[C + 1] + (one - full) * added[1],
            cur[C + 2],
        ];
        let after = mds(u);
        for k in 0..3 {
            out[3 + k] = p[ACTIVE] * (next[S + k] - after[k]);
        }
        out[6] = (one - p[LAST]) * (next[ADDR] - cur[ADDR]);
        out[7] = p[LAST] * address_step(cur[ADDR], next[ADDR], CELLS);
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
        for k in 0..3 {
            out[k] = LookupTerm::new(p[FIRST], &[m[ADDR] + fe(k as u64), m[S + k]]);
            out[3 + k] = LookupTerm::new(p[OUT], &[m[ADDR] + fe(3 + k as u64), m[S + k]]);
        }
    }
}

/// The poseidon trace over `height` rows: one 128-row block per instance of [begin, stop), the
/// last repeated.
pub fn trace(mem: &super::cpu::Memory<'_>, begin: u64, stop: u64, height: usize) -> Vec<Vec<Fe>> {
    let instances = ((stop - begin) / CELLS) as usize;
    let mut cols = vec![vec![Fe::zero(); height]; WIDTH];
    let mut block = vec![([Fe::zero(); 3], [Fe::zero(); 3]); ROWS];
    for i in 0..height / ROWS {
        let addr = begin + CELLS * i.min(instances - 1) as u64;
        if i < instances {
            let mut state = [mem.get(addr), mem.get(addr + 1), mem.get(addr + 2)];
            for (r, slot) in block.iter_mut().enumerate() {
                if r < ROUNDS {
                    let (after, cubes) = round(state, r);
                    *slot = (state, cubes);
                    state = after;
                } else if r == ROUNDS {
                    *slot = (state, state.map(|x| x * x * x));
                } else {
                    *slot = ([Fe::zero(); 3], [Fe::zero(); 3]);
                }
            }
        }
        for (r, (state, cubes)) in block.iter().enumerate() {
            let row = i * ROWS + r;
            for k in 0..3 {
                cols[S + k][row] = state[k];
                cols[C + k][row] = cubes[k];
            }
            cols[ADDR][row] = fe(addr);
        }
    }
    cols
}
