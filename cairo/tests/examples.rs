//! The two Cairo 0 example programs against Rust reference implementations, on their shard files.

use std::path::{Path, PathBuf};

use proofgrid_cairo::{execute, shards, Felt, Limits, Program, Statement};

fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

/// [lo, hi, count of primes in [lo, hi), largest of them or 0].
fn primes_reference(lo: u64, hi: u64) -> [u64; 4] {
    let is_prime = |n: u64| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d));
    let primes: Vec<u64> = (lo..hi).filter(|&n| is_prime(n)).collect();
    [lo, hi, primes.len() as u64, primes.last().copied().unwrap_or(0)]
}

/// [lo, hi, the n in [lo, hi) with the longest stopping time (smallest on ties; 0 if all are 0),
/// that time].
fn collatz_reference(lo: u64, hi: u64) -> [u64; 4] {
    let time = |mut x: u64| {
        let mut steps = 0;
        while x > 1 {
            x = if x.is_multiple_of(2) { x / 2 } else { 3 * x + 1 };
            steps += 1;
        }
        steps
    };
    let (mut best, mut best_time) = (0, 0);
    for n in lo..hi {
        let t = time(n);
        if t > best_time {
            (best, best_time) = (n, t);
        }
    }
    [lo, hi, best, best_time]
}

fn to_u64(felt: &Felt) -> u64 {
    u64::try_from(felt.to_biguint()).expect("fits in u64")
}

#[test]
fn references_agree_with_known_values() {
    // Known from number theory and OEIS A006877: 25 primes below 100, 27 takes 111 steps.
    assert_eq!(primes_reference(2, 100), [2, 100, 25, 97]);
    assert_eq!(primes_reference(1000, 1100), [1000, 1100, 16, 1097]);
    assert_eq!(collatz_reference(1, 30), [1, 30, 27, 111]);
    assert_eq!(collatz_reference(0, 2), [0, 2, 0, 0]);
}

/// Runs `shards_to_run` shards of `name` and compares every output with `reference`; also checks
/// that each shard is 2^14..2^18 steps, the size the shard files promise.
fn check_example(name: &str, reference: fn(u64, u64) -> [u64; 4], shards_to_run: usize) {
    let program = Program::load(&programs_dir().join(format!("{name}.json"))).unwrap();
    let shards = shards::load(&programs_dir().join(format!("{name}.shards.jsonl"))).unwrap();
    assert!(shards.len() >= 64, "{name}: only {} shards", shards.len());
    for shard in shards.iter().take(shards_to_run) {
        let execution = execute(&program, &shard.args, &Limits::default())
            .unwrap_or_else(|e| panic!("{name} line {}: {e}", shard.line));
        let [lo, hi] = [to_u64(&shard.args[0]), to_u64(&shard.args[1])];
        let output: Vec<u64> = execution.output.iter().map(to_u64).collect();
        assert_eq!(output, reference(lo, hi), "{name} shard {lo}..{hi}");
        assert!(
            (1 << 14..=1 << 18).contains(&execution.steps),
            "{name} shard {lo}..{hi}: {} steps",
            execution.steps
        );
        Statement::from_execution(&execution).check_args_echo().unwrap();
    }
}

// One test runs both examples, so the suite pays for them once and in one thread.
#[test]
fn both_examples_match_the_reference_on_50_shards() {
    check_example("primes", primes_reference, 50);
    check_example("collatz", collatz_reference, 50);
}

#[test]
fn python_vm_gives_the_same_output_and_steps() {
    // From StarkWare's Python VM: `cairo-run --proof_mode --layout small --program_input
    // {"args": [..]}` (cairo-lang 0.14.0.1 under Python 3.9) printed these outputs and "originally,
    // N" unpadded steps; the args hint is the same text in both VMs.
    let cases: [(&str, [u64; 2], [u64; 4], usize); 4] = [
        ("primes", [2, 100], [2, 100, 25, 97], 9_091),
        ("primes", [1000, 1100], [1000, 1100, 16, 1097], 20_648),
        ("primes", [10000, 10100], [10000, 10100, 11, 10099], 40_465),
        ("collatz", [1, 33], [1, 33, 27, 111], 19_124),
    ];
    for (name, args, output, steps) in cases {
        let program = Program::load(&programs_dir().join(format!("{name}.json"))).unwrap();
        let args = args.map(Felt::from);
        let execution = execute(&program, &args, &Limits::default()).unwrap();
        assert_eq!(execution.output, output.map(Felt::from), "{name}");
        assert_eq!(execution.steps, steps, "{name}");
    }
}

#[test]
fn committed_json_is_compiled_from_the_committed_source() {
    // `make programs` rebuilds the JSON; this catches a source edited without rebuilding.
    for name in ["primes", "collatz"] {
        let compiled = Program::load(&programs_dir().join(format!("{name}.json"))).unwrap();
        let fresh = Program::load(&programs_dir().join(format!("{name}.cairo"))).unwrap();
        assert_eq!(compiled.bytecode(), fresh.bytecode(), "{name}.json is stale: run make programs");
    }
}

#[test]
fn shard_files_cover_their_ranges_without_gaps() {
    for name in ["primes", "collatz"] {
        let shards = shards::load(&programs_dir().join(format!("{name}.shards.jsonl"))).unwrap();
        for pair in shards.windows(2) {
            assert_eq!(pair[0].args[1], pair[1].args[0], "{name}: gap at line {}", pair[1].line);
        }
    }
}
