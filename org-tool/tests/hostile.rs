//! Hostile peers against a real `org-tool publish` on 127.0.0.1: peers built from the real
//! protocol crate (the same `Client` a donor uses) that flood garbage, send payloads crafted to
//! blow up when decoded, squat the receive budget and come as a swarm of fresh peer ids, while
//! an honest donor works beside them. Each attack must cost the org a bounded amount and
//! leave the honest donor's proofs accepted.

mod common;

use std::time::{Duration, Instant};

use common::*;
use proofgrid_cairo::{Execution, Felt};
use proofgrid_prover::CairoProof;
use proofgrid_protocol::{Ack, Grant, JobId, Role, Verdict, WorkRequest, WorkResponse};

const T: Duration = Duration::from_secs(120);

fn primes() -> std::path::PathBuf {
    repo("cairo/programs/primes.json")
}

/// `count` small shards of primes.cairo.
fn shards(dir: &std::path::Path, count: u64) -> std::path::PathBuf {
    let ranges: Vec<(u64, u64)> = (0..count).map(|i| (2 + 40 * i, 42 + 40 * i)).collect();
    shard_file(dir, &ranges)
}

/// The org process's peak resident memory (VmHWM), in bytes.
fn peak_rss(org: &OrgProcess) -> u64 {
    procfs::proc_kib(org.child.id(), "VmHWM:") * 1024
}

/// The org process's CPU time so far, in seconds.
fn cpu_secs(org: &OrgProcess) -> f64 {
    procfs::cpu_secs(org.child.id())
}

/// Submits until the org takes the proof (it may ask a busy sender to retry), returning the
/// first answer that is not "retry".
async fn submit_until_taken(donor: &Donor, job: JobId, shard: u32, proof: Vec<u8>) -> WorkResponse {
    let deadline = Instant::now() + T;
    loop {
        match donor.client.work(donor.org, WorkRequest::SubmitProof { job, shard, proof: proof.clone() }).await {
            Ok(WorkResponse::RateLimited { retry_after_ms }) => {
                tokio::time::sleep(Duration::from_millis(u64::from(retry_after_ms).min(2000))).await
            }
            Ok(answer) => return answer,
            Err(e) => eprintln!("honest submission failed, retrying: {e}"),
        }
        assert!(Instant::now() < deadline, "the honest proof was never taken");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An honest donor proves one shard and gets it verified: it has earned its standing.
async fn honest_proof(donor: &Donor, job: JobId) -> (Grant, proofgrid_cairo::Program) {
    let g = donor.grant_eventually(job, Role::Full, T).await;
    let program = donor.program(&g).await;
    let proof = prove_grant(&program, &g).await;
    assert_eq!(submit_until_taken(donor, job, g.shard, proof).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(donor.verdict(job, g.shard, T).await, Verdict::Verified);
    (g, program)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_sybil_ids_hold_no_more_leases_than_the_policy_allows() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards(dir.path(), 100), &["--unproven-leases-per-ip-prefix", "8"]);
    let honest = Donor::connect(&org.addr).await;
    let job = honest.job().await;
    honest_proof(&honest, job).await;

    // Fifty fresh ids from one address, each claiming three times as a full donor and as an
    // executor: one lease each at most, eight among them all.
    let mut sybils = Vec::new();
    for _ in 0..50 {
        sybils.push(Donor::connect(&org.addr).await);
    }
    let mut granted = 0;
    let mut held = vec![None; sybils.len()];
    for (i, s) in sybils.iter().enumerate() {
        let mut mine = 0;
        for role in [Role::Full, Role::Execute, Role::Full] {
            match s.claim(job, role).await {
                WorkResponse::Grant(g) => {
                    mine += 1;
                    held[i] = Some(g.shard);
                }
                WorkResponse::NoWork { .. } => {}
                other => panic!("a sybil's claim answered {other:?}"),
            }
        }
        assert!(mine <= 1, "a fresh id got {mine} leases");
        granted += mine;
    }
    assert_eq!(granted, 8, "the unproven ids of one network share 8 leases");

    // The donor with verified work is not held back by the swarm beside it.
    for _ in 0..4 {
        let _ = honest.grant_eventually(job, Role::Full, T).await;
    }
    let status = status_when(&org.data_dir, |s| s[0]["counts"]["leased"].as_u64() == Some(12));
    assert_eq!(status[0]["counts"]["leased"], 12, "{status}");

    // What garbage costs the org: each sybil sends 1 MiB of it as a proof, of its own shard if
    // it holds one (refused at the header, a strike) or of shard 1 (refused: no lease).
    let garbage = vec![0x5au8; 1 << 20];
    let before = cpu_secs(&org);
    let started = Instant::now();
    let sends = sybils.iter().zip(&held).map(|(s, shard)| {
        s.client.work(s.org, WorkRequest::SubmitProof { job, shard: shard.unwrap_or(1), proof: garbage.clone() })
    });
    let answers = futures::future::join_all(sends).await;
    let cpu = cpu_secs(&org) - before;
    for a in &answers {
        assert!(
            matches!(a, Ok(WorkResponse::Ack(Ack::Refused(_))) | Ok(WorkResponse::Refused { .. }) | Ok(WorkResponse::RateLimited { .. })),
            "{a:?}"
        );
    }
    eprintln!(
        "{} garbage proofs of 1 MiB: org CPU {:.1} ms each, {:.0} ms wall for all",
        answers.len(),
        cpu * 1e3 / answers.len() as f64,
        started.elapsed().as_secs_f64() * 1e3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_floods_amplification_payloads_and_squatters_leave_honest_proofs_accepted() {
    let dir = tempfile::tempdir().unwrap();
    // A small receive budget, so the test shows the bound it sets: the org holds at most this
    // much of incoming submissions, whatever the senders do.
    let budget_mib = 128u64;
    let org = OrgProcess::publish(
        &dir.path().join("org"),
        &primes(),
        &shards(dir.path(), 40),
        &["--unproven-leases-per-ip-prefix", "16", "--receive-budget-mib", &budget_mib.to_string()],
    );
    let honest = Donor::connect(&org.addr).await;
    let job = honest.job().await;
    let (_, program) = honest_proof(&honest, job).await;
    let baseline = peak_rss(&org);

    // Leaseholding attackers send payloads crafted to cost the old decoders 26x and 41x their
    // size, each about its own shard (so the cheap statement check passes): a proof whose
    // STARK openings are 2^20 rows of one element, a trace with 8M empty memory cells.
    let mut attacks = Vec::new();
    for i in 0..8 {
        let a = Donor::connect(&org.addr).await;
        let role = if i % 2 == 0 { Role::Full } else { Role::Execute };
        let g = a.grant_eventually(job, role, T).await;
        let request = if role == Role::Execute && i == 1 {
            // A trace claiming 2^25 range-checked cells (they need not exist): checking it
            // would build a component of 2^25 rows, gigabytes the bytes sent never paid for.
            let mut giant: Execution = run_shard(&program, &decode_args(&g.args)).await;
            let seg = giant.segments.builtins.iter_mut().find(|(b, _)| *b == proofgrid_cairo::Builtin::RangeCheck).unwrap();
            seg.1.stop = seg.1.begin + (1 << 25);
            WorkRequest::SubmitTrace { job, shard: g.shard, trace: giant.encode() }
        } else if role == Role::Execute {
            let mut holes: Execution = run_shard(&program, &decode_args(&g.args)).await;
            holes.memory.resize(holes.memory.len() + (8 << 20), None);
            holes.memory.push(Some(Felt::ONE));
            WorkRequest::SubmitTrace { job, shard: g.shard, trace: holes.encode() }
        } else {
            let mut thin = CairoProof::from_bytes(&prove_grant(&program, &g).await).unwrap();
            let one = thin.stark.openings[0].main[0][0];
            thin.stark.openings[0].main = vec![vec![one]; 1 << 20];
            WorkRequest::SubmitProof { job, shard: g.shard, proof: thin.to_bytes() }
        };
        attacks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for _ in 0..3 {
                answers.push(a.client.work(a.org, request.clone()).await.map_err(|e| e.to_string()));
            }
            let verdict = a.client.work(a.org, WorkRequest::GetVerdict { job, shard: g.shard }).await;
            (a, g, answers, verdict)
        }));
    }
    // Flooders with no lease at all: 30 MiB of garbage, four at a time each, over and over.
    let garbage = vec![0xa5u8; 30 << 20];
    let mut flooders = Vec::new();
    for _ in 0..6 {
        let f = Donor::connect(&org.addr).await;
        let garbage = garbage.clone();
        flooders.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for _ in 0..3 {
                let sends = (0..4).map(|shard| {
                    f.client.work(f.org, WorkRequest::SubmitProof { job, shard, proof: garbage.clone() })
                });
                answers.extend(futures::future::join_all(sends).await);
            }
            answers
        }));
    }

    // Meanwhile the honest donor works on, and its proofs are taken and verified.
    for _ in 0..2 {
        let g = honest.grant_eventually(job, Role::Full, T).await;
        let proof = prove_grant(&program, &g).await;
        assert_eq!(submit_until_taken(&honest, job, g.shard, proof).await, WorkResponse::Ack(Ack::Accepted));
        assert_eq!(honest.verdict(job, g.shard, T).await, Verdict::Verified);
    }

    for (i, a) in attacks.into_iter().enumerate() {
        let (a, g, answers, _) = a.await.unwrap();
        if i == 1 {
            // The giant trace: taken (a trace is checked after receipt) and rejected by the
            // org's budget for checking a trace, never built. Deferred ("busy") at worst.
            let taken = answers.iter().any(|x| matches!(x, Ok(WorkResponse::Ack(Ack::Accepted))));
            let deferred = answers.iter().all(|x| matches!(x, Ok(WorkResponse::RateLimited { .. }) | Err(_)));
            assert!(taken || deferred, "{answers:?}");
            if taken {
                let verdict = a.verdict(job, g.shard, T).await;
                assert!(matches!(&verdict, Verdict::Rejected(why) if why.contains("the job's estimate")), "{verdict:?}");
            }
        }
        // The first crafted payload is refused at receipt naming what is wrong, or taken for
        // verification and rejected; the next ones are refused for the strike, or are
        // duplicates: none is taken again.
        match &answers[0] {
            Ok(WorkResponse::Ack(Ack::Refused(why))) => assert!(!why.is_empty()),
            Ok(WorkResponse::Ack(Ack::Accepted)) => {
                assert!(matches!(a.verdict(job, g.shard, T).await, Verdict::Rejected(_)), "a crafted proof verified");
            }
            Ok(WorkResponse::RateLimited { .. }) | Err(_) => {}
            other => panic!("a crafted payload was answered {other:?}"),
        }
        for later in &answers[1..] {
            assert!(!matches!(later, Ok(WorkResponse::Ack(Ack::Accepted))), "{later:?}");
        }
    }
    // Every garbage submission is refused (for holding no lease), deferred (busy), or a
    // duplicate of a proven shard: none is taken, and the lease check is what refuses them.
    let mut refused_for_no_lease = 0;
    for f in flooders {
        let answers = f.await.unwrap();
        assert_eq!(answers.len(), 12);
        for answer in answers {
            match answer {
                Ok(WorkResponse::Ack(Ack::Refused(why))) | Ok(WorkResponse::Refused { reason: why }) => {
                    assert!(why.contains("never leased"), "{why}");
                    refused_for_no_lease += 1;
                }
                Ok(WorkResponse::RateLimited { .. }) | Ok(WorkResponse::Ack(Ack::Duplicate)) | Err(_) => {}
                other => panic!("garbage answered {other:?}"),
            }
        }
    }
    assert!(refused_for_no_lease > 0, "no garbage submission reached the lease check");
    let peak = peak_rss(&org);
    let bound = (budget_mib + 256) << 20;
    eprintln!("org peak RSS: {} MiB before the attack, {} MiB after; bound {} MiB", baseline >> 20, peak >> 20, bound >> 20);
    assert!(peak < bound, "the org's peak RSS {} MiB is above the receive budget + 256 MiB", peak >> 20);

    // Nothing the attackers sent is waiting for verification or kept as bytes.
    status_when(&org.data_dir, |s| s[0]["counts"]["proven"].as_u64() == Some(3) && s[0]["pending_verification"] == 0);
}
