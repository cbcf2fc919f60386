//! Completeness over the Cairo 0 corpus in cairo/programs/corpus/: each program runs in cairo-vm at
//! two or three trace sizes, its output is checked against a reference computed here in Rust, and
//! the execution is proven and verified; the verified output must be the reference's too.

mod common;

use common::run;
use proofgrid_cairo::Felt;
use proofgrid_prover::{prove, verify, ProofOptions};

fn f(x: u64) -> Felt {
    Felt::from(x)
}

/// Runs corpus/NAME.json on args, checks the output, proves, verifies; returns the step count.
fn check(name: &str, args: &[u64], expected: &[Felt]) -> usize {
    let texts: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let texts: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
    let exec = run(&format!("corpus/{name}.json"), &texts);
    assert_eq!(exec.output, expected, "{name} {args:?}: execution output");
    let proof = prove(&exec, &ProofOptions::TEST, 2)
        .unwrap_or_else(|e| panic!("{name} {args:?} ({} steps): prove failed: {e}", exec.steps));
    let out = verify(&proof, 0)
        .unwrap_or_else(|e| panic!("{name} {args:?} ({} steps): verify failed: {e}", exec.steps));
    assert_eq!(out, expected, "{name} {args:?}: verified output");
    exec.steps
}

// ---------------------------------------------------------------------------------------------
// fib_rec: naive doubly recursive Fibonacci.

fn fib_reference(n: u64) -> (u64, u64) {
    // (fib(n), number of calls of the naive recursion)
    let (mut fibs, mut calls) = (vec![0u64, 1], vec![1u64, 1]);
    for i in 2..=n as usize {
        fibs.push(fibs[i - 1] + fibs[i - 2]);
        calls.push(calls[i - 1] + calls[i - 2] + 1);
    }
    (fibs[n as usize], calls[n as usize])
}

#[test]
fn fib_rec() {
    for n in [5, 10, 14] {
        let (value, calls) = fib_reference(n);
        check("fib_rec", &[n], &[f(n), f(value), f(calls)]);
    }
}

// ---------------------------------------------------------------------------------------------
// asm_ops: hand-written assembly loops and instruction forms.

#[test]
fn asm_ops() {
    for n in [3u64, 300, 1000] {
        let squares: u64 = (1..=n).map(|i| i * i).sum();
        let linear: u64 = (0..n).map(|i| 3 * i + 1).sum();
        let frame = |x: u64| if x == 0 { 2010 } else { 103 * x + 10 };
        check("asm_ops", &[n], &[f(n), f(squares), f(linear), f(frame(n)), f(frame(0))]);
    }
}
