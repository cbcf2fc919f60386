//! The donor's sled state across a restart in each phase of a shard, and the program cache's
//! hash check. The store is closed without a clean shutdown (dropped right after the write, as
//! kill -9 would leave it: every write that matters is flushed before it returns).

use std::path::Path;

use proofgrid_node::payload::program_hash_of;
use proofgrid_node::store::{Outcome, Phase, Store, WorkItem};
use proofgrid_cairo::Program;
use proofgrid_protocol::{JobId, ProgramHash, Role};

fn programs() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cairo/programs")
}

fn item(shard: u32, role: Role, phase: Phase) -> WorkItem {
    WorkItem {
        job: JobId([7; 32]),
        project: "primes".into(),
        org: "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN".into(),
        org_addrs: vec!["/ip4/127.0.0.1/tcp/4002".into()],
        shard,
        role,
        program_hash: ProgramHash([1; 32]),
        args: vec!["2".into(), "40".into()],
        max_steps: 1 << 20,
        lease_expires: 0,
        phase,
        crashes: 0,
        deliveries: 0,
        next_delivery_ms: 0,
        last_error: None,
    }
}

#[test]
fn every_phase_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let claimed = item(0, Role::Full, Phase::Claimed);
    let executed = item(1, Role::Full, Phase::Executed);
    let submitting = item(2, Role::Full, Phase::Executed);
    let acked = item(3, Role::Execute, Phase::Executed);
    let done = item(4, Role::Full, Phase::Done(Outcome::Verified));
    {
        let store = Store::open(dir.path()).unwrap();
        for w in [&claimed, &executed, &submitting, &acked, &done] {
            store.put_work(w).unwrap();
        }
        store.enqueue(&submitting, b"proof bytes").unwrap();
        store.enqueue(&acked, b"trace bytes").unwrap();
        let queued = store.work(&acked.key()).unwrap().unwrap();
        store.delivered(&queued, Phase::Done(Outcome::TraceAccepted)).unwrap();
        store.update_stats(&claimed.job, "primes", |s| s.produced += 2).unwrap();
        // No clean shutdown: dropped here, like a killed process.
    }
    let store = Store::open(dir.path()).unwrap();
    let unfinished = store.unfinished().unwrap();
    let phases: Vec<(u32, Phase)> = unfinished.iter().map(|w| (w.shard, w.phase.clone())).collect();
    assert_eq!(phases, vec![(0, Phase::Claimed), (1, Phase::Executed), (2, Phase::Submitting)]);
    assert_eq!(store.outbox_payload(&submitting.key()).unwrap().unwrap(), b"proof bytes");
    assert_eq!(store.outbox_payload(&acked.key()).unwrap(), None, "an acked payload is gone");
    assert_eq!(store.outbox_len(), 1);
    assert_eq!(store.work(&acked.key()).unwrap().unwrap().phase, Phase::Done(Outcome::TraceAccepted));
    assert_eq!(store.stats(&claimed.job).unwrap().produced, 2);
    assert_eq!(store.all_work().unwrap().len(), 5);
}

#[test]
fn a_program_whose_hash_does_not_match_is_not_cached() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let primes = std::fs::read(programs().join("primes.json")).unwrap();
    let collatz = std::fs::read(programs().join("collatz.json")).unwrap();
    let hash = program_hash_of(&Program::from_json(&primes, Path::new("primes.json")).unwrap());
    let err = store.put_program(&hash, &collatz).unwrap_err().to_string();
    assert!(err.contains("hash mismatch"), "{err}");
    assert_eq!(store.program(&hash).unwrap(), None);
    store.put_program(&hash, &primes).unwrap();
    assert_eq!(store.program(&hash).unwrap().unwrap(), primes);
}
