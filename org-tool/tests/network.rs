//! The org peer over the network: `org-tool publish` as a process on 127.0.0.1, driven by in-test
//! donors made of the real protocol client, Cairo VM and prover. Shards are a few thousand steps
//! and proofs use the test options, which the org accepts with --min-security 0.

mod common;

use std::time::Duration;

use common::*;
use proofgrid_cairo::Felt;
use proofgrid_protocol::{Ack, JobId, ProgramHash, Role, Verdict, WorkRequest, WorkResponse};

const T: Duration = Duration::from_secs(60);

fn primes() -> std::path::PathBuf {
    repo("cairo/programs/primes.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_expiry_reissue_late_and_duplicate_proofs_then_results() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50), (50, 100)]);
    let data = dir.path().join("org");
    let mut org = OrgProcess::publish(&data, &primes(), &shards, &["--lease", "4s", "--exit-when-done", "--linger", "1s"]);
    let a = Donor::connect(&org.addr).await;
    let b = Donor::connect(&org.addr).await;
    let c = Donor::connect(&org.addr).await;
    let job = a.job().await;

    let ga = a.grant(job, Role::Full).await;
    let gb = b.grant(job, Role::Full).await;
    assert_eq!((ga.shard, gb.shard), (0, 1));
    assert_eq!(decode_args(&ga.args), vec![Felt::from(2u8), Felt::from(50u8)]);
    assert!(matches!(c.claim(job, Role::Full).await, WorkResponse::NoWork { .. }), "every shard is leased");

    // a's lease runs out: the shard is leased again, to c.
    let gc = c.grant_eventually(job, Role::Full, Duration::from_secs(20)).await;
    assert_eq!(gc.shard, 0, "the expired shard is reissued");

    // a's proof arrives late, but the shard is not proven yet: accepted and verified.
    let program = a.program(&ga).await;
    let proof_a = prove_grant(&program, &ga).await;
    assert_eq!(a.submit_proof(job, 0, proof_a.clone()).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(a.verdict(job, 0, T).await, Verdict::Verified);

    // c's proof of the same shard, and a's again, are duplicates.
    let proof_c = prove_grant(&program, &gc).await;
    assert_eq!(c.submit_proof(job, 0, proof_c).await, WorkResponse::Ack(Ack::Duplicate));
    assert_eq!(a.submit_proof(job, 0, proof_a).await, WorkResponse::Ack(Ack::Duplicate));
    // A proven shard is never leased again: with shard 1's lease expired too, c gets shard 1.
    let again = c.grant_eventually(job, Role::Full, Duration::from_secs(20)).await;
    assert_eq!(again.shard, 1);

    let proof_b = prove_grant(&program, &gb).await;
    assert_eq!(b.submit_proof(job, 1, proof_b).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(b.verdict(job, 1, T).await, Verdict::Verified);
    match c.claim(job, Role::Full).await {
        WorkResponse::Refused { reason } => assert!(reason.contains("complete"), "{reason}"),
        other => panic!("a finished job leased {other:?}"),
    }

    // --exit-when-done: the org stops by itself, exit status 0.
    assert!(org.wait_exit(T).success());
    let d = data.to_str().unwrap();
    let results = json(&org_tool(&["results", "primes-test", "--data-dir", d, "--format", "json", "--reduce", "sum"]));
    assert_eq!(results["proven"], 2);
    assert_eq!(results["results"][0]["output"], serde_json::json!(["2", "50", "15", "47"]));
    assert_eq!(results["results"][1]["output"], serde_json::json!(["50", "100", "10", "97"]));
    assert_eq!(results["results"][0]["prover"], a.peer().to_string());
    assert_eq!(results["aggregate"]["value"], serde_json::json!(["25", "144"]));
    let status = json(&org_tool(&["status", &job.to_hex()[..10], "--data-dir", d, "--json"]));
    assert_eq!(status["counts"]["proven"], 2);
    assert_eq!(status["donors"].as_array().unwrap().len(), 3);
    let audit = json(&org_tool(&["verify", "primes-test", "--data-dir", d, "--json"]));
    assert_eq!(audit["ok"], true, "{audit}");
    assert_eq!(audit["proofs_checked"], 2);
    let csv = org_tool(&["results", "primes-test", "--data-dir", d, "--format", "csv", "--reduce", "max"]);
    assert_eq!(text(&csv.stdout), "shard,arg0,arg1,result0,result1\n0,2,50,15,47\n1,50,100,10,97\naggregate,,,15,97\n");
    let piped = org_tool(&["results", "primes-test", "--data-dir", d, "--pipe", "wc -l"]);
    assert_eq!(text(&piped.stdout).trim(), "2");
    let svg = dir.path().join("plot.svg");
    let plotted = org_tool(&["results", "primes-test", "--data-dir", d, "--plot", svg.to_str().unwrap()]);
    assert!(plotted.status.success(), "{}", text(&plotted.stderr));
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.starts_with("<svg") && drawn.contains("2/2 shards proven"), "{}", &drawn[..200.min(drawn.len())]);
    let png = org_tool(&["results", "primes-test", "--data-dir", d, "--plot", "x.png"]);
    assert!(!png.status.success() && text(&png.stderr).contains("SVG only"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_submissions_are_refused_with_a_reason_and_never_verified() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50), (50, 100)]);
    let org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards, &["--min-security", "30"]);
    let a = Donor::connect(&org.addr).await;
    let b = Donor::connect(&org.addr).await;
    let job = a.job().await;

    let refused = |r: WorkResponse| match r {
        WorkResponse::Ack(Ack::Refused(reason)) | WorkResponse::Refused { reason } => reason,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let unknown = JobId([7; 32]);
    assert!(refused(a.submit_proof(unknown, 0, vec![1]).await).contains("no job"));
    assert!(refused(a.claim(unknown, Role::Full).await).contains("no job"));
    assert!(refused(a.submit_proof(job, 9, vec![1]).await).contains("has no shard 9"));
    assert!(refused(a.submit_proof(job, 0, vec![1]).await).contains("never leased to you"));
    let weak = a.ask(WorkRequest::Claim { job, role: Role::Full, capacity: proofgrid_protocol::Capacity { security_bits: 10, ..CAPACITY } }).await;
    assert!(refused(weak).contains("security"));
    let small = a.ask(WorkRequest::Claim { job, role: Role::Full, capacity: proofgrid_protocol::Capacity { max_memory: 1 << 20, ..CAPACITY } }).await;
    assert!(refused(small).contains("MiB"));
    let short = a.ask(WorkRequest::Claim { job, role: Role::Full, capacity: proofgrid_protocol::Capacity { max_steps: 100, ..CAPACITY } }).await;
    assert!(refused(short).contains("steps"));
    match a.ask(WorkRequest::GetProgram { hash: ProgramHash([3; 32]) }).await {
        WorkResponse::Refused { reason } => assert!(reason.contains("no program"), "{reason}"),
        other => panic!("{other:?}"),
    }

    let g0 = a.grant(job, Role::Full).await;
    let g1 = b.grant(job, Role::Full).await;
    // Garbled bytes are refused at receipt: the verifier never sees them, nothing is pending.
    let program = a.program(&g0).await;
    let mut proof0 = prove_grant(&program, &g0).await;
    let half = proof0[..proof0.len() / 2].to_vec();
    assert!(refused(a.submit_proof(job, 0, half).await).contains("garbled"));
    // ... and recorded as a rejection (so shard 0 is never leased to a again) ...
    match a.ask(WorkRequest::GetVerdict { job, shard: 0 }).await {
        WorkResponse::Verdict(Verdict::Rejected(why)) => assert!(why.contains("garbled"), "{why}"),
        other => panic!("the garbled proof's verdict: {other:?}"),
    }
    // ... and a strike: a is refused for a while, told why.
    let why = refused(a.claim(job, Role::Full).await);
    assert!(why.contains("refuses your requests") && why.contains("garbled"), "{why}");
    assert!(refused(a.submit_proof(job, 0, proof0.clone()).await).contains("refuses your requests"));
    // The refusal ends a's lease: the shard goes to the next donor at once.
    let c = Donor::connect(&org.addr).await;
    assert_eq!(c.grant(job, Role::Full).await.shard, 0);

    // A well-formed proof of the wrong shard is refused at receipt, naming the check: its
    // statement is not this shard's, which costs the org no STARK verification.
    let proof1 = prove_grant(&program, &g1).await;
    let why = refused(c.submit_proof(job, 0, proof1.clone()).await);
    assert!(why.contains("arguments"), "{why}");
    // A proof below the job's security minimum (30 bits; the test options give 28) is
    // accepted for verification and rejected by the verifier.
    assert_eq!(b.submit_proof(job, 1, proof1).await, WorkResponse::Ack(Ack::Accepted));
    match b.verdict(job, 1, T).await {
        Verdict::Rejected(why) => assert!(why.contains("security") || why.contains("bits"), "{why}"),
        other => panic!("a weak proof was judged {other:?}"),
    }
    // Both refusals ended their leases: shards 0 and 1 go to the next donors at once.
    let d = Donor::connect(&org.addr).await;
    let e = Donor::connect(&org.addr).await;
    let (gd, ge) = (d.grant(job, Role::Full).await, e.grant(job, Role::Full).await);
    assert_eq!([gd.shard.min(ge.shard), gd.shard.max(ge.shard)], [0, 1]);
    let holder0 = if gd.shard == 0 { &d } else { &e };
    // A tampered proof (one byte of the STARK flipped): refused as garbled, or rejected.
    let at = proof0.len() - 40;
    proof0[at] ^= 1;
    match holder0.submit_proof(job, 0, proof0).await {
        WorkResponse::Ack(Ack::Refused(r)) => assert!(r.contains("garbled"), "{r}"),
        WorkResponse::Ack(Ack::Accepted) => assert!(matches!(holder0.verdict(job, 0, T).await, Verdict::Rejected(_))),
        other => panic!("{other:?}"),
    }

    let status = status_when(&org.data_dir, |s| s[0]["rejected_proofs"].as_u64() >= Some(4));
    let donors = status[0]["donors"].as_array().unwrap();
    let rec = |p: &Donor| donors.iter().find(|d| d["peer"] == p.peer().to_string()).cloned().expect("the donor is recorded");
    assert_eq!(rec(&a)["proofs_rejected"], 1);
    assert!(rec(&a)["last_rejections"][0].as_str().unwrap().contains("garbled"));
    assert_eq!(rec(&c)["proofs_rejected"], 1);
    assert!(rec(&c)["last_rejections"][0].as_str().unwrap().contains("arguments"));
    assert!(rec(&b)["last_rejections"][0].as_str().unwrap().contains("security"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_proofs_survive_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50), (50, 100), (100, 150)]);
    let data = dir.path().join("org");
    let mut org = OrgProcess::publish(&data, &primes(), &shards, &[]);
    let a = Donor::connect(&org.addr).await;
    let b = Donor::connect(&org.addr).await;
    let job = a.job().await;
    // A new peer holds one lease until a proof of its verifies: a proves shard 0 first.
    let g0 = a.grant(job, Role::Full).await;
    let program = a.program(&g0).await;
    assert_eq!(a.submit_proof(job, 0, prove_grant(&program, &g0).await).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(a.verdict(job, 0, T).await, Verdict::Verified);
    let g1 = b.grant(job, Role::Full).await;
    let g2 = a.grant(job, Role::Full).await;
    let p1 = prove_grant(&program, &g1).await;
    assert_eq!(b.submit_proof(job, 1, p1).await, WorkResponse::Ack(Ack::Accepted));
    // Killed right after the acks, possibly before it verified them.
    org.kill9();

    let mut org = OrgProcess::publish(&data, &primes(), &shards, &[]);
    assert!(org.log_text().contains("resuming job"), "{}", org.log_text());
    // Same identity and job id; the donor finds the org at its new address and learns the
    // verdicts of the proofs it was told were received.
    assert_eq!(a.client.dial(org.addr.clone()).await.unwrap(), a.org);
    assert_eq!(a.job().await, job);
    assert_eq!(a.verdict(job, 0, T).await, Verdict::Verified);
    assert_eq!(b.client.dial(org.addr.clone()).await.unwrap(), a.org);
    assert_eq!(b.verdict(job, 1, T).await, Verdict::Verified);
    // Shard 2's lease survived too: nobody else can take it, and a's late proof is accepted.
    let other = Donor::connect(&org.addr).await;
    assert!(matches!(other.claim(job, Role::Full).await, WorkResponse::NoWork { .. }));
    let p2 = prove_grant(&program, &g2).await;
    assert_eq!(a.submit_proof(job, 2, p2).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(a.verdict(job, 2, T).await, Verdict::Verified);
    let d = data.to_str().unwrap();
    status_when(&data, |s| s[0]["counts"]["proven"] == 3);
    org.kill9();
    // And once more from the database itself, with no process holding it.
    let r = json(&org_tool(&["results", "primes-test", "--data-dir", d, "--format", "json"]));
    assert_eq!(r["proven"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_mode_trace_to_prover_and_bad_trace_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50), (50, 100)]);
    let org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards, &[]);
    let exec = Donor::connect(&org.addr).await;
    let liar = Donor::connect(&org.addr).await;
    let prover = Donor::connect(&org.addr).await;
    let job = exec.job().await;
    assert!(matches!(prover.claim(job, Role::Prove).await, WorkResponse::NoWork { .. }), "no trace yet");

    let g0 = exec.grant(job, Role::Execute).await;
    let g1 = liar.grant(job, Role::Execute).await;
    let program = exec.program(&g0).await;
    let e0 = run_shard(&program, &decode_args(&g0.args)).await;
    let trace0 = e0.encode();
    assert_eq!(exec.ask(WorkRequest::SubmitTrace { job, shard: 0, trace: trace0.clone() }).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(exec.verdict(job, 0, T).await, Verdict::Verified);
    // The liar sends shard 0's trace as shard 1's: rejected, the executor recorded.
    assert_eq!(liar.ask(WorkRequest::SubmitTrace { job, shard: 1, trace: trace0.clone() }).await, WorkResponse::Ack(Ack::Accepted));
    match liar.verdict(job, 1, T).await {
        Verdict::Rejected(why) => assert!(why.contains("arguments"), "{why}"),
        other => panic!("{other:?}"),
    }
    let _ = g1;
    // Garbled trace bytes never reach the checker.
    match exec.ask(WorkRequest::SubmitTrace { job, shard: 0, trace: vec![0xff; 10] }).await {
        WorkResponse::Ack(Ack::Duplicate) | WorkResponse::Ack(Ack::Refused(_)) => {}
        other => panic!("{other:?}"),
    }

    // The executor may not prove its own trace; another prover gets it with the trace.
    assert!(matches!(exec.claim(job, Role::Prove).await, WorkResponse::NoWork { .. }));
    let gp = prover.grant(job, Role::Prove).await;
    assert_eq!(gp.shard, 0);
    assert_eq!(gp.trace, trace0);
    let execution = proofgrid_cairo::Execution::decode(&gp.trace, &proofgrid_cairo::DecodeLimits::bytes(64 << 20)).unwrap();
    let proof = prove_execution(execution).await;
    assert_eq!(prover.submit_proof(job, 0, proof).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(prover.verdict(job, 0, T).await, Verdict::Verified);

    let status = status_when(&org.data_dir, |s| s[0]["counts"]["proven"] == 1 && s[0]["bad_traces"] == 1);
    let liar_rec = status[0]["donors"].as_array().unwrap().iter().find(|d| d["peer"] == liar.peer().to_string()).cloned().unwrap();
    assert_eq!(liar_rec["traces_bad"], 1);
    // Shard 1 is back in the pool for execution after the bad trace.
    assert_eq!(prover.grant(job, Role::Execute).await.shard, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_donor_proves_a_held_trace_once_nothing_is_left_to_execute() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50), (50, 100)]);
    let org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards, &[]);
    let exec = Donor::connect(&org.addr).await;
    let full = Donor::connect(&org.addr).await;
    let job = exec.job().await;
    let g0 = exec.grant(job, Role::Execute).await;
    let program = exec.program(&g0).await;
    let trace0 = run_shard(&program, &decode_args(&g0.args)).await.encode();
    assert_eq!(exec.ask(WorkRequest::SubmitTrace { job, shard: 0, trace: trace0.clone() }).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(exec.verdict(job, 0, T).await, Verdict::Verified);

    // An open shard comes first for a full claim ...
    let g1 = full.grant(job, Role::Full).await;
    assert_eq!((g1.shard, g1.role), (1, Role::Full));
    // ... the held trace never goes to its executor, even as a full claim (shard 0 is claimable
    // as a prove task right now) ...
    assert!(matches!(exec.claim(job, Role::Full).await, WorkResponse::NoWork { .. }));
    // ... and with no open shard left, another full donor gets it as a prove task.
    let full = Donor::connect(&org.addr).await;
    let gp = full.grant(job, Role::Full).await;
    assert_eq!((gp.shard, gp.role), (0, Role::Prove));
    assert_eq!(gp.trace, trace0);
    let execution = proofgrid_cairo::Execution::decode(&gp.trace, &proofgrid_cairo::DecodeLimits::bytes(64 << 20)).unwrap();
    assert_eq!(full.submit_proof(job, 0, prove_execution(execution).await).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(full.verdict(job, 0, T).await, Verdict::Verified);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_given_back_goes_to_the_next_donor_at_once_and_the_reason_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50)]);
    // Leases (and so the bar on a peer that gave a shard back) last 3 s here.
    let org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards, &["--lease", "3s"]);
    let a = Donor::connect(&org.addr).await;
    let b = Donor::connect(&org.addr).await;
    let job = a.job().await;
    let release = |shard| WorkRequest::Release { job, shard, reason: "worker crashed 3 times".into() };
    assert!(matches!(a.ask(release(0)).await, WorkResponse::Ack(Ack::Duplicate)), "no lease yet, nothing to give back");
    assert_eq!(a.grant(job, Role::Full).await.shard, 0);
    assert!(matches!(b.claim(job, Role::Full).await, WorkResponse::NoWork { .. }));
    // Only the holder can give a lease back.
    assert!(matches!(b.ask(release(0)).await, WorkResponse::Ack(Ack::Duplicate)));
    assert!(matches!(b.claim(job, Role::Full).await, WorkResponse::NoWork { .. }));
    assert_eq!(a.ask(release(0)).await, WorkResponse::Ack(Ack::Accepted));
    assert!(matches!(a.claim(job, Role::Full).await, WorkResponse::NoWork { .. }), "not back to the donor that gave it up");
    let released_at = std::time::Instant::now();
    assert_eq!(b.grant(job, Role::Full).await.shard, 0, "the shard goes to the next donor without waiting out the lease");
    assert_eq!(b.ask(release(0)).await, WorkResponse::Ack(Ack::Accepted));
    // After a lease period the bar ends: a passing problem does not bar a donor for good.
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(released_at.elapsed())).await;
    assert_eq!(a.grant(job, Role::Full).await.shard, 0, "a may try again once its bar has run out");
    match a.ask(release(7)).await {
        WorkResponse::Refused { reason } => assert!(reason.contains("no shard 7"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let status = status_when(&org.data_dir, |s| s[0]["donors"].as_array().is_some_and(|d| d.len() == 2));
    let a_rec = status[0]["donors"].as_array().unwrap().iter().find(|d| d["peer"] == a.peer().to_string()).cloned().unwrap();
    assert!(a_rec["last_rejections"][0].as_str().unwrap().contains("given back: worker crashed"), "{a_rec}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_the_program_cannot_run_is_marked_failed_once_given_back() {
    let dir = tempfile::tempdir().unwrap();
    // primes.cairo asserts lo <= hi: the second shard fails in the VM (the dry run only runs the first).
    let shards = shard_file(dir.path(), &[(2, 50), (50, 2)]);
    let mut org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards, &["--exit-when-done"]);
    let a = Donor::connect(&org.addr).await;
    let job = a.job().await;
    let other = Donor::connect(&org.addr).await;
    let g0 = a.grant(job, Role::Full).await;
    let g1 = other.grant(job, Role::Full).await;
    assert_eq!((g0.shard, g1.shard), (0, 1));
    let release = WorkRequest::Release { job, shard: 1, reason: "the program failed on these arguments".into() };
    assert_eq!(other.ask(release).await, WorkResponse::Ack(Ack::Accepted));
    // The org runs shard 1 itself, sees it fail, and marks it failed with the VM's error.
    let status = status_when(&org.data_dir, |s| s[0]["counts"]["failed"] == 1);
    let failed = &status[0]["failed"][0];
    assert_eq!(failed["shard"], 1, "{status}");
    assert_eq!(failed["args"], serde_json::json!(["50", "2"]), "{status}");
    assert!(!failed["reason"].as_str().unwrap().is_empty(), "{status}");
    // Nobody gets it again; the other shard still completes the job, which then ends, non-zero.
    let b = Donor::connect(&org.addr).await;
    assert!(matches!(b.claim(job, Role::Full).await, WorkResponse::NoWork { .. }));
    let program = a.program(&g0).await;
    assert_eq!(a.submit_proof(job, 0, prove_grant(&program, &g0).await).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(a.verdict(job, 0, T).await, Verdict::Verified);
    let exit = org.wait_exit(Duration::from_secs(30));
    assert_eq!(exit.code(), Some(1), "{}", org.log_text());
    assert!(org.log_text().contains("1 shard(s) failed"), "{}", org.log_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_with_the_directory_and_announces_on_gossip() {
    use proofgrid_protocol::{identity, multiaddr_with_peer, DirectoryRequest, DirectoryResponse, Event, NetworkConfig, PeerKind};
    // A bootstrap-kind peer of the real protocol crate, answering the directory as the bootstrap does.
    let dir = tempfile::tempdir().unwrap();
    let key = identity::load_or_create(&dir.path().join("boot")).unwrap();
    let (boot, mut events, event_loop) = proofgrid_protocol::new(NetworkConfig::new(key, PeerKind::Bootstrap)).unwrap();
    tokio::spawn(event_loop.run());
    let addr = boot.listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await.unwrap();
    let boot_addr = multiaddr_with_peer(&addr, boot.local_peer_id()).to_string();
    let shards = shard_file(dir.path(), &[(2, 50), (50, 100)]);
    let org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards, &["--bootstrap", &boot_addr, "--announce-every", "1s"]);

    let (mut registered, mut gossiped) = (None, None);
    let wait = tokio::time::timeout(T, async {
        while registered.is_none() || gossiped.is_none() {
            match events.recv().await.expect("bootstrap events") {
                Event::DirectoryRequest { peer, request: DirectoryRequest::Register { jobs }, responder, .. } => {
                    assert_eq!(peer, org.peer, "registered by the org itself");
                    responder.send(DirectoryResponse::Registered { ttl_secs: 60 }).await.unwrap();
                    registered = Some(jobs);
                }
                Event::Announcement { announcement, .. } => gossiped = Some(announcement),
                _ => {}
            }
        }
    });
    wait.await.expect("the org registers and announces within a minute");
    let jobs = registered.unwrap();
    assert_eq!(jobs.len(), 1);
    let ann = gossiped.unwrap();
    // The same job in both copies, each signed by the org and numbered by it.
    let registered_copy = &jobs[0];
    assert_eq!(ann, proofgrid_protocol::JobAnnouncement { issued_at: ann.issued_at, seq: ann.seq, signature: ann.signature.clone(), ..registered_copy.clone() });
    assert_eq!((ann.validate(), registered_copy.validate()), (Ok(()), Ok(())));
    assert_ne!(ann.seq, registered_copy.seq, "every copy has its own sequence number");
    assert_eq!((ann.name.as_str(), ann.org, ann.shards_total, ann.shards_open, ann.min_security_bits), ("primes-test", org.peer, 2, 2, 0));
    assert_eq!(ann.org_addrs, vec![org.addr.iter().take(2).collect::<proofgrid_protocol::Multiaddr>()]);
    assert!(ann.est_steps_per_shard > 1000 && ann.est_memory_per_shard > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_no_prover_delivers_goes_back_to_execution_and_the_executor_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50)]);
    let org = OrgProcess::publish(&dir.path().join("org"), &primes(), &shards, &["--lease", "1s"]);
    let exec = Donor::connect(&org.addr).await;
    let prover = Donor::connect(&org.addr).await;
    let job = exec.job().await;
    let g = exec.grant(job, Role::Execute).await;
    let program = exec.program(&g).await;
    let trace = run_shard(&program, &decode_args(&g.args)).await.encode();
    assert_eq!(exec.ask(WorkRequest::SubmitTrace { job, shard: 0, trace }).await, WorkResponse::Ack(Ack::Accepted));
    assert_eq!(exec.verdict(job, 0, T).await, Verdict::Verified);
    // Three prove leases run out without a proof (the prover never delivers, nor gives the lease
    // back): the trace is presumed unprovable.
    for _ in 0..lease_expiries() {
        let gp = prover.grant_eventually(job, Role::Prove, Duration::from_secs(20)).await;
        assert_eq!(gp.shard, 0);
    }
    // Back in the pool for execution, and its executor is not barred from it: it did nothing wrong.
    let again = exec.grant_eventually(job, Role::Execute, Duration::from_secs(20)).await;
    assert_eq!(again.shard, 0, "the shard is back in the pool for execution");
    match exec.ask(WorkRequest::GetVerdict { job, shard: 0 }).await {
        WorkResponse::Verdict(Verdict::Rejected(why)) => assert!(why.contains("could not be proven"), "{why}"),
        other => panic!("{other:?}"),
    }
    let status = status_when(&org.data_dir, |s| s[0]["bad_traces"] == 1);
    let rec = status[0]["donors"].as_array().unwrap().iter().find(|d| d["peer"] == exec.peer().to_string()).cloned().unwrap();
    assert_eq!(rec["traces_bad"], 1);
}

/// How many undelivered prove leases make the org give up on a trace (lease.rs).
fn lease_expiries() -> u32 {
    proofgrid_org_tool::org::lease::MAX_PROVE_EXPIRIES
}
