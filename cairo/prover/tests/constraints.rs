//! Every constraint is zero on every row of real cairo-vm traces, and some constraint stops being
//! zero once any one cell of the trace changes.

mod common;

use proofgrid_cairo::Statement;
use proofgrid_prover::air::{CairoAir, CHALLENGES};
use proofgrid_prover::public::public_memory;
use proofgrid_prover::trace;
use proofgrid_stark::air::Air;
use proofgrid_stark::check_constraints;
use proofgrid_stark::field::fe;

fn setup(exec: &proofgrid_cairo::Execution) -> (CairoAir, proofgrid_stark::TraceTable, Vec<proofgrid_stark::Fe>) {
    let statement = Statement::from_execution(exec);
    let public = public_memory(&statement).unwrap();
    let (main, params) = trace::build(exec, &public).unwrap();
    let air = CairoAir::new(&statement, params, public);
    let challenges: Vec<_> = (0..CHALLENGES as u64).map(|i| fe(0x1234_5678_9abc + 7919 * i)).collect();
    (air, main, challenges)
}

#[test]
fn real_traces_satisfy_every_constraint() {
    for (name, args) in [("primes.json", ["2", "200"]), ("collatz.json", ["1", "20"])] {
        let exec = common::run(name, &args);
        let (air, main, ch) = setup(&exec);
        let aux = air.build_aux_trace(&main, &ch);
        check_constraints(&air, &main, &aux, &ch).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let exec = common::run_cairo1("collatz", &["27", "28"]);
    let (air, main, ch) = setup(&exec);
    let aux = air.build_aux_trace(&main, &ch);
    check_constraints(&air, &main, &aux, &ch).expect("Cairo 1 trace");
}

/// One changed cell, in every main column and at rows across the trace: the auxiliary trace is
/// rebuilt from the changed main trace (as a cheating prover would), and still some constraint
/// or boundary fails.
#[test]
fn one_changed_main_cell_breaks_a_constraint() {
    let exec = common::run("primes.json", &["2", "60"]);
    let (air, main, ch) = setup(&exec);
    let n = air.trace_length();
    for col in 0..air.main_width() {
        for row in [0, 1, n / 2, n - 1] {
            let mut bad = main.clone();
            bad.columns[col][row] += fe(1);
            let aux = air.build_aux_trace(&bad, &ch);
            assert!(
                check_constraints(&air, &bad, &aux, &ch).is_err(),
                "column {col} row {row}: a changed cell went unnoticed"
            );
        }
    }
}

#[test]
fn one_changed_aux_cell_breaks_a_constraint() {
    let exec = common::run("primes.json", &["2", "60"]);
    let (air, main, ch) = setup(&exec);
    let aux = air.build_aux_trace(&main, &ch);
    let n = air.trace_length();
    for col in 0..air.aux_width() {
        for row in [0, n / 3, n - 1] {
            let mut bad = aux.clone();
            bad.columns[col][row] += fe(1);
            assert!(check_constraints(&air, &main, &bad, &ch).is_err(), "aux column {col} row {row}");
        }
    }
}
