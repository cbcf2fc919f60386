//! Every constraint holds and every relation balances on the component traces of real cairo-vm
//! runs, and a one-cell change in any column of any component breaks one or the other (except in
//! the cells that are free by design, which are listed).

mod common;

use proofgrid_cairo::{Execution, Statement};
use proofgrid_prover::air::CairoAir;
use proofgrid_prover::components::memory;
use proofgrid_prover::public::public_memory;
use proofgrid_prover::trace::{self, Checks};
use proofgrid_prover::ProofOptions;
use proofgrid_stark::air::Air;
use proofgrid_stark::check_traces;
use proofgrid_stark::field::fe;
use proofgrid_stark::TraceTable;

pub fn setup(exec: &Execution) -> (CairoAir, Vec<TraceTable>) {
    let statement = Statement::from_execution(exec);
    let public = public_memory(&statement).unwrap();
    let (traces, params) = trace::build(exec, &statement, &public, &ProofOptions::TEST, Checks::Honest).unwrap();
    (CairoAir::new(&statement, &params, public), traces)
}

const SEED: &[u8] = b"constraints test";

#[test]
fn real_traces_satisfy_every_constraint() {
    for (name, args) in [("primes.json", ["2", "200"]), ("collatz.json", ["1", "20"])] {
        let (air, traces) = setup(&common::run(name, &args));
        check_traces(&air, &traces, SEED).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let (air, traces) = setup(&common::run_cairo1("collatz", &["27", "28"]));
    check_traces(&air, &traces, SEED).expect("Cairo 1 trace");
}

/// Whether a cell is free by design: a memory hole's value (no access reads it).
fn free(component: &str, traces: &TraceTable, col: usize, row: usize) -> bool {
    component == "memory" && col == memory::VALUE && traces.columns[memory::MULT][row] == fe(0)
}

/// One changed cell, in every column of every component and at rows across each table.
#[test]
fn one_changed_cell_breaks_a_constraint_or_a_lookup() {
    let (air, traces) = setup(&common::run("primes.json", &["2", "60"]));
    let names: Vec<String> = air.components().iter().map(|c| c.name().to_string()).collect();
    for (c, t) in traces.iter().enumerate() {
        let n = t.length();
        for col in 0..t.width() {
            for row in [0, 1, n / 2, n - 1] {
                if free(&names[c], t, col, row) {
                    continue;
                }
                let mut bad = traces.clone();
                bad[c].columns[col][row] += fe(1);
                assert!(
                    check_traces(&air, &bad, SEED).is_err(),
                    "{} column {col} row {row}: a changed cell went unnoticed",
                    names[c]
                );
            }
        }
    }
}
