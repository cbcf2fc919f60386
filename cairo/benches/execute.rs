//! Execution speed of the example programs: Cairo steps per second through `execute` (the VM run,
//! relocation and building the `Execution`), one thread. Prints a Markdown table.
//!
//! Run: `cargo bench -p proofgrid-cairo --bench execute` (or `make bench`).

use std::path::Path;
use std::time::Instant;

use proofgrid_cairo::{execute, shards, Felt, Limits, Program};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs");
    println!("| program | shards | steps | time (s) | steps/s |");
    println!("|---|---:|---:|---:|---:|");
    for name in ["primes", "collatz"] {
        let program = Program::load(&dir.join(format!("{name}.json"))).expect("example loads");
        let shards = shards::load(&dir.join(format!("{name}.shards.jsonl"))).expect("shards load");
        let args: Vec<Vec<Felt>> = shards.iter().take(16).map(|s| s.args.clone()).collect();
        measure(&format!("{name}.json (Cairo 0)"), &program, &args);
    }
    for (name, shard) in [("primes", [2u64, 2000]), ("collatz", [1, 1000])] {
        let path = dir.join(format!("cairo1/{name}.executable.json"));
        let program = Program::load(&path).expect("fixture loads");
        let args = vec![shard.iter().map(|v| Felt::from(*v)).collect()];
        measure(&format!("cairo1/{name} {} {} (Cairo 1)", shard[0], shard[1]), &program, &args);
    }
}

fn measure(label: &str, program: &Program, shards: &[Vec<Felt>]) {
    // One untimed run warms caches and the allocator.
    execute(program, &shards[0], &Limits::default()).expect("runs");
    let started = Instant::now();
    let mut steps = 0usize;
    for args in shards {
        steps += execute(program, args, &Limits::default()).expect("runs").steps;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "| {label} | {} | {steps} | {seconds:.2} | {:.0} |",
        shards.len(),
        steps as f64 / seconds
    );
}
