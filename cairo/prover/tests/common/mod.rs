//! Running the example programs for the prover's tests.
#![allow(dead_code)] // each test binary uses part of it

use proofgrid_cairo::{args, execute, Execution, Limits, Program};
use std::path::PathBuf;

/// A path under cairo/programs/.
pub fn program_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../programs")
        .join(name)
}

/// Runs a program from cairo/programs/ on decimal args.
pub fn run(name: &str, a: &[&str]) -> Execution {
    let program = Program::load(&program_path(name)).expect("example program loads");
    let args = args::parse(a).expect("args parse");
    execute(&program, &args, &Limits::default()).expect("example runs")
}

/// Runs a Cairo 1 fixture from cairo/programs/cairo1/.
pub fn run_cairo1(name: &str, a: &[&str]) -> Execution {
    run(&format!("cairo1/{name}.executable.json"), a)
}

/// Count of primes in [lo, hi) and the largest, by trial division: the examples' reference.
pub fn primes_reference(lo: u64, hi: u64) -> (u64, u64) {
    let is_prime = |n: u64| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0);
    let ps: Vec<u64> = (lo..hi).filter(|&n| is_prime(n)).collect();
    (ps.len() as u64, ps.last().copied().unwrap_or(0))
}

/// The n in [lo, hi) with the longest Collatz stopping time (first on ties), and that time.
pub fn collatz_reference(lo: u64, hi: u64) -> (u64, u64) {
    let time = |mut x: u64| {
        let mut s = 0;
        while x > 1 {
            x = if x % 2 == 0 { x / 2 } else { 3 * x + 1 };
            s += 1;
        }
        s
    };
    let mut best = (0, 0);
    for n in lo..hi {
        let t = time(n);
        if t > best.1 {
            best = (n, t);
        }
    }
    best
}

/// Felts as u64s (panics on a value that does not fit: tests only).
pub fn as_u64s(felts: &[proofgrid_cairo::Felt]) -> Vec<u64> {
    felts
        .iter()
        .map(|f| u64::try_from(f.to_biguint()).expect("small output"))
        .collect()
}

/// Runs `code` in cairo-lang's Python (the compiler's virtualenv, installed on first use) and
/// returns what it prints: the reference the builtins are checked against.
pub fn cairo_lang_python(code: &str) -> String {
    proofgrid_cairo::compiler::ensure_installed().expect("the cairo-lang virtualenv installs");
    let python = proofgrid_cairo::compiler::venv_dir().join("bin").join("python");
    let out = std::process::Command::new(python).arg("-c").arg(code).output().expect("python runs");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The corpus program's expected output on `args`, from its independent Python reference
/// (cairo/programs/corpus/references.py, on cairo-lang's own crypto).
pub fn python_reference(name: &str, args: &[&str]) -> Vec<proofgrid_cairo::Felt> {
    let dir = program_path("corpus");
    let code = format!(
        "import sys; sys.path.insert(0, {dir:?}); sys.argv = ['references.py', {name:?}] + {args:?}; \
         import references; references.main(sys.argv[1:])",
        dir = dir.display().to_string()
    );
    let text = cairo_lang_python(&code);
    text.split_whitespace().map(|w| proofgrid_cairo::Felt::from_dec_str(w).expect("a decimal felt")).collect()
}

/// Felts from decimal text.
pub fn felts(words: &[&str]) -> Vec<proofgrid_cairo::Felt> {
    words.iter().map(|w| proofgrid_cairo::Felt::from_dec_str(w).expect("a decimal felt")).collect()
}
