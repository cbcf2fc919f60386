//! The lease state machine and the store's indexes under random histories: claims (every role),
//! proofs (valid and garbled), verdicts, give-backs, time passing and restarts, driven through the
//! org's real request handlers and verifier on a real store. After every step the indexes agree
//! with the records, no shard is leased to two peers at once, a proven shard stays proven, and
//! every shard is in exactly one phase.

mod world;

use std::collections::HashMap;

use proofgrid_protocol::{Role, WorkRequest, WorkResponse};
use proofgrid_org_tool::org::verifier::{self, Task};
use proptest::prelude::*;
use world::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn indexes_agree_with_the_records_under_any_history(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops);
    }
}

/// A history that proves every shard, through expiries, garbage and restarts.
#[test]
fn a_full_history_proves_every_shard() {
    let mut ops = Vec::new();
    for round in 0..SHARDS as usize {
        ops.push(Op::Claim { peer: round % 3, role: Role::Full });
        ops.push(Op::Submit { peer: round % 3, valid: false });
        ops.push(Op::Claim { peer: (round + 1) % 3, role: Role::Full });
        ops.push(Op::Wait { secs: LEASE + 1 });
        ops.push(Op::Claim { peer: (round + 2) % 3, role: Role::Full });
        ops.push(Op::Submit { peer: (round + 2) % 3, valid: true });
        ops.push(Op::Restart);
    }
    for _ in 0..4 {
        for peer in 0..3 {
            ops.push(Op::Wait { secs: LEASE + 1 });
            ops.push(Op::Claim { peer, role: Role::Full });
            ops.push(Op::Submit { peer, valid: true });
        }
    }
    let _ = proofs();
    run(&ops);
    // The same history, re-run, leaves every shard proven (each step checked as it goes).
    let w = World::new();
    let mut history = HashMap::new();
    for peer in (0..3).cycle().take(40) {
        if w.org().store.counts(&w.job).unwrap().proven == SHARDS {
            break;
        }
        w.org().advance_clock(LEASE + 1);
        if let Some(WorkResponse::Grant(g)) = w.handle(peer, WorkRequest::Claim { job: w.job, role: Role::Full, capacity: capacity() }) {
            w.handle(peer, WorkRequest::SubmitProof { job: w.job, shard: g.shard, proof: proofs()[g.shard as usize].clone() });
            verifier::check(w.org(), &Task::Proof { job: w.job, shard: g.shard, peer: w.peers[peer].to_base58() }).unwrap();
        }
        w.check(&mut history);
    }
    assert_eq!(w.org().store.counts(&w.job).unwrap().proven, SHARDS);
}
