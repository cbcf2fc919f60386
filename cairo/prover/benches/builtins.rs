//! Builtins benchmark: for each builtin corpus program at a few sizes, the builtin's instances and
//! component rows, the CPU's rows, the trace cells committed, prove time, proof size and verify
//! time, with the default preset. Each case runs in a child process, like the prover table.
//!
//! `cargo bench -p proofgrid-prover --bench builtins` (env: BENCH_THREADS, default 2;
//! BENCH_ONLY=a,b to run only the programs named).

use proofgrid_cairo::{args, execute, Limits, Program};
use proofgrid_prover::air::CairoAir;
use proofgrid_prover::public::public_memory;
use proofgrid_prover::{prove, verify, ProofOptions};
use proofgrid_stark::air::Air;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// (program, builtin, args) cases, smallest first.
const CASES: &[(&str, &str, &[&str])] = &[
    ("xorshift", "bitwise", &["2463534242", "10"]),
    ("xorshift", "bitwise", &["2463534242", "100"]),
    ("xorshift", "bitwise", &["2463534242", "800"]),
    ("hash_chain", "poseidon", &["7", "60"]),
    ("hash_chain", "poseidon", &["7", "400"]),
    ("hash_chain", "poseidon", &["7", "3000"]),
    ("merkle", "pedersen", &["12345", "3", "2"]),
    ("merkle", "pedersen", &["12345", "6", "20"]),
    ("merkle", "pedersen", &["12345", "9", "300"]),
    ("ec_ops", "ec_op", &["123456789", "10"]),
    ("ec_ops", "ec_op", &["123456789", "100"]),
    ("ec_ops", "ec_op", &["123456789", "600"]),
    ("rc96", "range_check96", &["10"]),
    ("rc96", "range_check96", &["80"]),
    ("rc96", "range_check96", &["700"]),
    ("signatures", "ecdsa", &[KEY, MSG, R, S, "10"]),
    ("signatures", "ecdsa", &[KEY, MSG, R, S, "100"]),
    ("signatures", "ecdsa", &[KEY, MSG, R, S, "600"]),
];

// The corpus's first signed case (cairo/programs/corpus/references.py, `SIGNED`).
const KEY: &str = "961402640779120116494199688070946729708169893186414498106599600291824840092";
const MSG: &str = "66";
const R: &str = "1675335844326976358187072830826296402879338285926641080113243705398127243624";
const S: &str = "2892921445311508862282871849372624179317315831599287014657245082578671015517";

fn program_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../programs/corpus").join(format!("{name}.json"))
}

fn child(name: &str, builtin: &str, a: &[String], threads: usize) {
    let program = Program::load(&program_path(name)).unwrap();
    let exec = execute(&program, &args::parse(a).unwrap(), &Limits::default()).unwrap();
    let options = ProofOptions::DEFAULT;
    let t = Instant::now();
    let proof = prove(&exec, &options, threads).unwrap();
    let prove_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    verify(&proof, 100).unwrap();
    let verify_ms = t.elapsed().as_secs_f64() * 1e3;
    let public = public_memory(&proof.statement).unwrap();
    let air = CairoAir::new(&proof.statement, &proof.params, public);
    let components = air.components();
    let builtin_rows = components.iter().find(|c| c.name() == builtin).map_or(0, |c| c.height());
    let cells: usize = components.iter().map(|c| c.height() * c.main_width()).sum();
    let instances = proof.statement.builtin(proofgrid_cairo::Builtin::from_name(builtin).unwrap()).map_or(0, |s| {
        let cells_per = proofgrid_prover::components::spec(proofgrid_cairo::Builtin::from_name(builtin).unwrap()).unwrap().cells;
        s.len() / cells_per
    });
    println!(
        "{}\t{}\t{}\t{}\t{}\t{:.2}\t{}\t{:.1}",
        exec.steps,
        instances,
        builtin_rows,
        1u64 << proof.params.cpu_log,
        cells,
        prove_s,
        proof.to_bytes().len(),
        verify_ms
    );
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--child") {
        child(&argv[2], &argv[3], &argv[5..], argv[4].parse().unwrap());
        return;
    }
    let threads: usize = std::env::var("BENCH_THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    println!("default preset (blowup 4, 42 queries, 16 grinding bits), {threads} threads");
    println!("| program | args | builtin | steps | instances | builtin rows | cpu rows | main cells | prove s | proof bytes | verify ms |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let only: Option<Vec<String>> = std::env::var("BENCH_ONLY").ok().map(|v| v.split(',').map(str::to_string).collect());
    for (name, builtin, a) in CASES {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--child", name, builtin, &threads.to_string()]).args(a.iter());
        let out = cmd.output().expect("child runs");
        let line = String::from_utf8_lossy(&out.stdout);
        let cells: Vec<&str> = line.trim().split('\t').collect();
        if cells.len() == 8 {
            let shown = if *name == "signatures" { format!("(signed case) {}", a[a.len() - 1]) } else { a.join(" ") };
            println!("| {name} | {shown} | {builtin} | {} |", cells.join(" | "));
        } else {
            println!("| {name} | {} | {builtin} | failed: {} |", a.join(" "), String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
        }
    }
}
