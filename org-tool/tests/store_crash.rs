//! The store survives kill -9 at any moment: a child process drives the org (claims, proofs and
//! their verdicts, give-backs, time passing) as fast as it can on one data dir; the parent kills
//! it with SIGKILL at random points, reopens the store, checks that the indexes agree with the
//! records and that a proven shard stayed proven, and starts the next child on the same history.
//! (A custom harness: the test is its own child, `store_crash --child DIR`.)

mod world;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use world::*;

/// Enough shards that the children never run out of work.
const CRASH_SHARDS: u64 = 400;

fn child(dir: &std::path::Path, seed: u64) -> ! {
    let mut w = World::with_shards(dir, CRASH_SHARDS);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &bytes);
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(Default::default(), rng);
    let strategy = op();
    loop {
        let op = strategy.new_tree(&mut runner).expect("an op").current();
        if !matches!(op, Op::Restart) {
            apply(&mut w, &op);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(std::path::Path::new(&args[i + 1]), args[i + 2].parse().expect("a seed"));
    }
    // `cargo test` passes filters and flags: this binary has one test.
    if args.iter().skip(1).any(|a| !a.starts_with('-') && !"kill".contains(a.as_str()) && a != "kill_9_at_random_points_loses_nothing") {
        return;
    }
    print!("test kill_9_at_random_points_loses_nothing ... ");
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("PROOFGRID_TEST_PROOFS", dir.path());
    let _ = proofs();
    // The job, published once; each child opens it.
    drop(World::with_shards(dir.path(), CRASH_SHARDS));
    let mut history = HashMap::new();
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut leases_seen = 0;
    for round in 0..10 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--child", dir.path().to_str().unwrap(), &rng.to_string()])
            .spawn()
            .expect("the child starts");
        let wait = Duration::from_millis(300 + rng % 700);
        let started = Instant::now();
        while started.elapsed() < wait {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("round {round}: the child exited by itself ({status}): an assertion in it failed");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
        let w = World::with_shards(dir.path(), CRASH_SHARDS);
        w.check(&mut history);
        leases_seen = w.org().store.leases.len();
    }
    assert!(leases_seen > 0, "the children granted no lease at all: the test tested nothing");
    println!("ok ({leases_seen} leases over 10 kills)");
}
