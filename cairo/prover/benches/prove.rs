//! Prover benchmark: prints, for traces of 2^k rows, steps, prove time, steps/s, peak RSS, proof
//! size, verify time, security bits and threads.
//!
//! `cargo bench -p proofgrid-prover --bench prove` (env: BENCH_MIN_LOG, BENCH_MAX_LOG (12..=18),
//! BENCH_THREADS (e.g. "1,2"), BENCH_PROGRAM (primes.json or collatz.json)). Each case runs in a
//! child process so that its peak RSS is its own.

use proofgrid_cairo::{args, execute, Execution, Limits, Program};
use proofgrid_prover::{prove, verify, ProofOptions};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn program_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../programs").join(name)
}

fn run(program: &Program, lo: u64, hi: u64) -> Execution {
    let a = args::parse(&[lo.to_string(), hi.to_string()]).unwrap();
    execute(program, &a, &Limits::default()).unwrap()
}

/// The largest `hi` whose run from `lo` still fits in 2^log rows (steps ≤ 2^log), by bisection.
fn args_for(program: &Program, lo: u64, log: u32) -> (u64, u64) {
    let target = 1usize << log;
    let (mut good, mut bad) = (lo + 1, lo + 2);
    while run(program, lo, bad).steps <= target {
        good = bad;
        bad = lo + (bad - lo) * 2;
    }
    while bad - good > 1 {
        let mid = (good + bad) / 2;
        if run(program, lo, mid).steps <= target {
            good = mid;
        } else {
            bad = mid;
        }
    }
    (lo, good)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Child: prove one case and print one tab-separated line.
fn child(program: &str, lo: u64, hi: u64, threads: usize) {
    let p = Program::load(&program_path(program)).unwrap();
    let exec = run(&p, lo, hi);
    let options = ProofOptions::DEFAULT;
    let t = Instant::now();
    let proof = prove(&exec, &options, threads).unwrap();
    let prove_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    verify(&proof, 100).unwrap();
    let verify_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "{}\t{}\t{:.2}\t{:.0}\t{:.0}\t{}\t{:.1}\t{}\t{}",
        exec.steps,
        1u64 << proof.params.cpu_log,
        prove_s,
        exec.steps as f64 / prove_s,
        peak_rss_mib(),
        proof.to_bytes().len(),
        verify_ms,
        options.security_bits(),
        threads
    );
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("--child") {
        child(&argv[2], argv[3].parse().unwrap(), argv[4].parse().unwrap(), argv[5].parse().unwrap());
        return;
    }
    let program = std::env::var("BENCH_PROGRAM").unwrap_or_else(|_| "primes.json".into());
    let min_log: u32 = env_or("BENCH_MIN_LOG", 12);
    let max_log: u32 = env_or("BENCH_MAX_LOG", 18);
    let threads: Vec<usize> = std::env::var("BENCH_THREADS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    let p = Program::load(&program_path(&program)).unwrap();
    let o = ProofOptions::DEFAULT;
    println!(
        "program {program}, options: default preset (blowup {}, {} queries, {} grinding bits)",
        o.blowup(),
        o.queries,
        o.grinding_bits
    );
    println!("| args | steps | trace rows | prove s | steps/s | peak RSS MiB | proof bytes | verify ms | bits | threads |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for log in min_log..=max_log {
        let (lo, hi) = args_for(&p, 2, log);
        for &t in &threads {
            let out = Command::new(std::env::current_exe().unwrap())
                .args(["--child", &program, &lo.to_string(), &hi.to_string(), &t.to_string()])
                .output()
                .expect("child runs");
            let line = String::from_utf8_lossy(&out.stdout);
            let cells: Vec<&str> = line.trim().split('\t').collect();
            if cells.len() == 9 {
                println!("| {lo} {hi} | {} |", cells.join(" | "));
            } else {
                println!("| {lo} {hi} | failed: {} |", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
            }
        }
    }
}
