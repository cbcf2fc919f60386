//! The real `node donate` against real peers on 127.0.0.1: a bootstrap directory and an org
//! (tests/common) that verifies every proof with the real prover. Every wait has a timeout.

mod common;

use common::org::{Org, OrgEvent, OrgState};
use common::{init_tracing, programs_dir, verified, Bootstrap, Donor};
use libp2p::identity::Keypair;
use proofgrid_cairo::Felt;
use proofgrid_protocol::Role;

fn felts(v: &[u64]) -> Vec<Felt> {
    v.iter().map(|&x| Felt::from(x)).collect()
}

/// Full role: claim, execute, prove; kill -9 in the middle of proving and restart (the shard is
/// resumed, not claimed again); the org goes away, so the proof waits in the outbox; the org
/// comes back on the same address and the proof is delivered and verified; then the next shard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_role_survives_kill_9_and_delivers_after_the_org_returns() {
    init_tracing();
    let tmp = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start().await;
    let state = OrgState::new(&programs_dir().join("primes.json"), vec![vec![2, 40], vec![40, 80]], "primes");
    let key = Keypair::generate_ed25519();
    let mut org = Org::start(key.clone(), 0, state.clone(), &boot.addr).await;
    let port = org.port();
    // Half a core: proving takes long enough to be caught in the act.
    let flags = ["--role", "full", "--threads", "1", "--cpu-percent", "50", "--busy-cpu-percent", "50"];
    let mut donor = Donor::start(&tmp.path().join("d"), &boot.addr, &flags);
    org.watch(&donor);

    let OrgEvent::Claimed { shard: 0, role: Role::Full, .. } = org.next().await else { panic!("expected a claim of shard 0") };
    assert_eq!(org.next().await, OrgEvent::ProgramServed);
    let st = donor.wait_status("proving", |s| s.activity.as_deref().is_some_and(|a| a.starts_with("proving shard 0"))).await;
    assert!(st.cpu_share > 0.0 && st.cpu_share <= 0.5, "{st:?}");
    donor.kill9();

    // The org disappears while the node is down; the restarted node finishes the proof anyway.
    org.stop().await;
    let mut donor = Donor::start(&tmp.path().join("d"), &boot.addr, &flags);
    donor.wait_status("the proof waiting in the outbox", |s| s.outbox == 1).await;

    let mut org = Org::start(key, port, state.clone(), &boot.addr).await;
    org.watch(&donor);
    match org.next().await {
        OrgEvent::Proof { shard: 0, result: Ok(output), .. } => assert_eq!(output, felts(&[2, 40, 12, 37])),
        other => panic!("expected shard 0's proof, got {other:?}"),
    }
    // Then shard 1, from the same node.
    loop {
        match org.next().await {
            OrgEvent::Proof { shard: 1, result, .. } => {
                assert_eq!(result.unwrap(), felts(&[40, 80, 10, 79]));
                break;
            }
            OrgEvent::Claimed { shard: 1, .. } | OrgEvent::ProgramServed => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let st = donor.wait_status("both verdicts", |s| verified(s) == 2 && s.outbox == 0).await;
    let p = &st.projects[0];
    assert_eq!((p.stats.produced, p.stats.accepted, p.stats.verified, p.stats.failed), (2, 2, 2, 0), "{st:?}");
    assert!(st.cpu_secs > 0.0 && st.peak_memory > 0);
    // Shard 0 was leased once: the restart resumed it.
    assert_eq!(state.lock().unwrap().grants, vec![(0, Role::Full), (1, Role::Full)]);
    assert!(donor.stop().await.success());
}

/// An org whose program bytes do not hash to the announced program hash: the node refuses to
/// run them, says why in its status, and never submits anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_whose_hash_does_not_match_is_refused() {
    init_tracing();
    let tmp = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start().await;
    let state = OrgState::new(&programs_dir().join("primes.json"), vec![vec![2, 40]], "primes");
    state.lock().unwrap().serve_instead(std::fs::read(programs_dir().join("collatz.json")).unwrap());
    let mut org = Org::start(Keypair::generate_ed25519(), 0, state.clone(), &boot.addr).await;
    let mut donor = Donor::start(tmp.path(), &boot.addr, &["--busy-cpu-percent", "100"]);
    let st = donor
        .wait_status("the refusal", |s| s.projects.iter().any(|p| p.skipped.as_deref().is_some_and(|r| r.contains("hash mismatch"))))
        .await;
    assert_eq!((st.outbox, st.projects[0].stats.produced), (0, 0), "{st:?}");
    assert!(donor.log().contains("hash mismatch"));
    // The org saw a claim and a program fetch, and nothing else.
    let mut seen = Vec::new();
    while let Ok(e) = org.events.try_recv() {
        seen.push(e);
    }
    assert!(seen.iter().all(|e| matches!(e, OrgEvent::Claimed { .. } | OrgEvent::ProgramServed)), "{seen:?}");
    assert!(seen.contains(&OrgEvent::ProgramServed));
    // One process per data dir: a second one says which process holds it.
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_node"))
        .args(["donate", "--data-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success() && stderr.contains(&format!("pid {}", donor.pid())), "{stderr}");
    // Nothing was cached under that hash.
    assert!(!std::fs::read_dir(tmp.path().join("work")).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".program.json")));
    assert!(donor.stop().await.success());
}

/// Split mode across three processes: an execute-only node sends the trace, a prove-only node
/// proves it, the org verifies the proof.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_only_then_prove_only_is_verified() {
    init_tracing();
    let tmp = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start().await;
    let state = OrgState::new(&programs_dir().join("collatz.json"), vec![vec![1, 9]], "collatz");
    let mut org = Org::start(Keypair::generate_ed25519(), 0, state.clone(), &boot.addr).await;
    let mut exec = Donor::start(&tmp.path().join("e"), &boot.addr, &["--role", "execute", "--busy-cpu-percent", "100"]);
    org.watch(&exec);
    let executor = loop {
        if let OrgEvent::Trace { shard: 0, peer } = org.next().await {
            break peer;
        }
    };
    let mut prover = Donor::start(&tmp.path().join("p"), &boot.addr, &["--role", "prove", "--busy-cpu-percent", "100"]);
    org.watch(&prover);
    let (proven_by, output) = loop {
        match org.next().await {
            OrgEvent::Proof { shard: 0, peer, result } => break (peer, result.unwrap()),
            OrgEvent::Claimed { role: Role::Prove, .. } => {}
            OrgEvent::Claimed { role, .. } => assert_ne!(role, Role::Full),
            _ => {}
        }
    };
    assert_eq!(output, felts(&[1, 9, 7, 16]));
    assert_ne!(executor, proven_by);
    let st = prover.wait_status("the verdict", |s| verified(s) == 1).await;
    assert_eq!(st.role, "prove");
    let st = exec.wait_status("the trace ack", |s| s.projects.iter().any(|p| p.stats.accepted == 1)).await;
    assert_eq!(st.projects[0].stats.produced, 1);
    assert!(prover.stop().await.success());
    assert!(exec.stop().await.success());
}

/// A worker that dies (kill -9, as the OOM killer would) is reported and its phase retried. A
/// shard whose proof needs more than --max-memory (the org announced less) is refused by the
/// worker before the prover allocates anything, not crashed on: given up at once, its lease
/// handed back, and its job skipped until the cap is raised. The daemon survives both. Also
/// checks the `node status --json` and `node projects --json` commands against the live network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_crashes_are_retried_and_an_oversized_shard_is_given_up() {
    init_tracing();
    let tmp = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start().await;
    let primes = programs_dir().join("primes.json");
    let mut retry_org = Org::start(Keypair::generate_ed25519(), 0, OrgState::new(&primes, vec![vec![2, 40]], "retry"), &boot.addr).await;
    let oom_state = OrgState::new(&primes, vec![vec![40, 80]], "oom");
    let mut oom_org = Org::start(Keypair::generate_ed25519(), 0, oom_state.clone(), &boot.addr).await;

    let mut a = Donor::start(&tmp.path().join("a"), &boot.addr, &["--project", "retry", "--cpu-percent", "50", "--busy-cpu-percent", "50"]);
    retry_org.watch(&a);
    let st = a.wait_status("a proving worker", |s| s.worker.is_some() && s.activity.as_deref().is_some_and(|x| x.starts_with("proving"))).await;
    let worker = st.worker.unwrap().pid;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(worker as i32), nix::sys::signal::Signal::SIGKILL).unwrap();
    loop {
        match retry_org.next().await {
            OrgEvent::Proof { result, .. } => {
                assert_eq!(result.unwrap(), felts(&[2, 40, 12, 37]));
                break;
            }
            OrgEvent::Claimed { shard, .. } => assert_eq!(shard, 0),
            _ => {}
        }
    }
    assert!(a.log().contains("crashed") && a.log().contains("retrying"), "{}", a.log());
    a.wait_status("the verdict", |s| verified(s) == 1).await;

    let mut b = Donor::start(&tmp.path().join("b"), &boot.addr, &["--project", "oom", "--max-memory", "150M", "--busy-cpu-percent", "100"]);
    oom_org.watch(&b);
    let st = b.wait_status("the shard given up", |s| s.projects.iter().any(|p| p.stats.failed == 1)).await;
    let err = st.last_error.unwrap_or_default();
    assert!(err.contains("gave up shard 0 of oom") && err.contains("above this node's max_memory 150.0 MiB"), "{err}");
    assert!(err.contains("node set max_memory"), "the refusal says what to do: {err}");
    assert!(!b.log().contains("memory allocation of"), "refused before any allocation failed: {}", b.log());
    assert_eq!(st.outbox, 0);
    let skipped = st.projects.iter().find(|p| p.stats.name == "oom").and_then(|p| p.skipped.clone()).unwrap_or_default();
    assert!(skipped.contains("needs about"), "the job is skipped, with the reason: {skipped}");
    // The org hears of it at once, with the reason, instead of waiting out the lease.
    loop {
        match oom_org.next().await {
            OrgEvent::Released { shard, reason, .. } => {
                assert_eq!(shard, 0);
                assert!(reason.contains("needs about"), "{reason}");
                break;
            }
            OrgEvent::Claimed { shard, .. } => assert_eq!(shard, 0),
            OrgEvent::ProgramServed => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(oom_state.lock().unwrap().grants.len(), 1, "given up, not claimed again in a loop");

    let status = std::process::Command::new(env!("CARGO_BIN_EXE_node")).args(["status", "--json", "--data-dir"]).arg(&b.dir).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["running"], true);
    assert_eq!(json["pid"], b.pid());
    assert_eq!(json["status"]["projects"][0]["stats"]["failed"], 1);
    let projects = std::process::Command::new(env!("CARGO_BIN_EXE_node"))
        .args(["projects", "--json", "--wait", "3s", "--data-dir"])
        .arg(tmp.path().join("c"))
        .args(["--bootstrap", &boot.addr.to_string()])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&projects.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&projects.stderr)));
    let mut names: Vec<&str> = list.as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["oom", "retry"]);
    assert!(a.stop().await.success());
    assert!(b.stop().await.success());
}

/// Outside the owner's hours (set in the config file) the node claims nothing and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_its_hours_the_node_pauses_and_says_why() {
    init_tracing();
    let tmp = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start().await;
    let state = OrgState::new(&programs_dir().join("primes.json"), vec![vec![2, 40]], "primes");
    let _org = Org::start(Keypair::generate_ed25519(), 0, state.clone(), &boot.addr).await;
    // A one-hour window that starts in an hour (unless the hour turns during the test, the
    // window cannot contain the current hour).
    let now = proofgrid_node::sensors::local_hour();
    // From the config file, merged with flags.
    std::fs::write(tmp.path().join("node.toml"), format!("hours = \"{}-{}\"\nthreads = 1\n", (now + 1) % 24, (now + 2) % 24)).unwrap();
    let mut donor = Donor::start(tmp.path(), &boot.addr, &["--busy-cpu-percent", "100"]);
    let st = donor.wait_status("the pause", |s| s.paused.is_some() && s.jobs_seen == 1).await;
    assert_eq!(st.paused.unwrap().reason, proofgrid_node::governor::PauseReason::OutsideHours);
    assert_eq!(st.state, "paused");
    assert!(state.lock().unwrap().grants.is_empty(), "claimed outside its hours");
    assert!(donor.stop().await.success());
}

/// An impostor publishing under the same project name, and a directory that lists forged
/// entries: a donor choosing the project by bare name takes neither org's job and says the name
/// is ambiguous; one choosing `name@org` works for that org alone; the forged entries (the real
/// job pointed at the impostor, the real job id claimed by the impostor) are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impostor_and_a_forged_directory_entry_cannot_take_a_donor() {
    use proofgrid_protocol::{JobAnnouncement, JobId};
    init_tracing();
    let tmp = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start().await;
    let primes = programs_dir().join("primes.json");
    let real_key = Keypair::generate_ed25519();
    let real_state = OrgState::new(&primes, vec![vec![2, 40]], "digits7");
    let mut real = Org::start(real_key.clone(), 0, real_state.clone(), &boot.addr).await;
    let fake_key = Keypair::generate_ed25519();
    let mut impostor = Org::start(fake_key.clone(), 0, OrgState::new(&primes, vec![vec![2, 40]], "digits7"), &boot.addr).await;
    let real_id = real_key.public().to_peer_id();

    // Both orgs registered before the directory lies (a registration replaces same-id entries).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while boot.jobs.lock().unwrap().len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the orgs never registered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The lying directory: the real job re-pointed at the impostor's address (signed with the
    // impostor's key), and the real job id under the impostor's name.
    let real_job = real_state.lock().unwrap().job;
    let mut repointed = JobAnnouncement::example(&fake_key, "digits7", u64::MAX / 2);
    repointed.org_addrs = vec![impostor.addr.clone()];
    repointed.job = real_job;
    repointed.sign(&fake_key).unwrap();
    let mut wrong_key = repointed.clone();
    wrong_key.org = real_id;
    boot.jobs.lock().unwrap().extend([repointed, wrong_key]);
    assert_ne!(real_job, JobId([0; 32]));

    // By name@org: the real org's shard, proven and verified; the impostor never hears a claim.
    let flags = ["--project".to_string(), format!("digits7@{real_id}"), "--busy-cpu-percent".into(), "100".into()];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mut by_org = Donor::start(&tmp.path().join("by-org"), &boot.addr, &flags);
    real.watch(&by_org);
    loop {
        match real.next().await {
            OrgEvent::Proof { shard: 0, result, .. } => {
                assert_eq!(result.unwrap(), felts(&[2, 40, 12, 37]));
                break;
            }
            OrgEvent::Claimed { .. } | OrgEvent::ProgramServed => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    by_org.wait_status("the verdict", |s| verified(s) == 1).await;
    assert!(by_org.log().contains("refuses"), "the forged entries are refused: {}", by_org.log());
    while let Ok(event) = impostor.events.try_recv() {
        assert!(!matches!(event, OrgEvent::Claimed { .. }), "the impostor got a claim: {event:?}");
    }

    // By bare name: ambiguous, neither taken, and said, with the forms to choose from.
    let mut by_name = Donor::start(&tmp.path().join("by-name"), &boot.addr, &["--project", "digits7", "--busy-cpu-percent", "100"]);
    let st = by_name.wait_status("the ambiguity warning", |s| s.warnings.iter().any(|w| w.contains("used by 2 orgs"))).await;
    let warning = st.warnings.iter().find(|w| w.contains("used by 2 orgs")).unwrap();
    assert!(warning.contains(&format!("digits7@{real_id}")), "{warning}");
    assert!(by_org.stop().await.success());
    assert!(by_name.stop().await.success());
}
