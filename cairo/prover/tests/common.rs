//! Running the example programs for the prover's tests.
#![allow(dead_code)] // each test binary uses part of it

use proofgrid_cairo::{args, execute, Execution, Limits, Program};
use std::path::PathBuf;

/// A path under cairo/programs/.
pub fn program_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../programs").join(name)
}

/// Runs a program from cairo/programs/ on decimal args.
pub fn run(name: &str, a: &[&str]) -> Execution {
    let program = Program::load(&program_path(name)).expect("example program loads");
    let args = args::parse(a).expect("args parse");
    execute(&program, &args, &Limits::default()).expect("example runs")
}
