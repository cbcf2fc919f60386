//! What happens when things break, with the real binaries as separate processes on 127.0.0.1
//! (issue 7): a donor killed mid-proof, the org killed after acknowledging proofs and restarted,
//! the bootstrap killed and restarted mid-job, and a donor that submits a proof of a false
//! result. Each test runs a whole small job to its end under a bounded time.

mod testnet;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use testnet::{num, primes_in, Testnet};

/// Shard index → (prover, result) from `org-tool results --format json`.
fn results(net: &Testnet, job: &str) -> BTreeMap<u64, (String, Vec<u64>)> {
    let res = net.org_json(&["results", job, "--format", "json"]);
    let mut out = BTreeMap::new();
    for r in res["results"].as_array().expect("results array") {
        let result = r["result"].as_array().unwrap().iter().map(num).collect();
        let previous = out.insert(num(&r["shard"]), (r["prover"].as_str().unwrap().to_string(), result));
        assert!(previous.is_none(), "shard {} is listed twice: {res}", r["shard"]);
    }
    out
}

/// Every shard of `ranges` has exactly one result, equal to the reference.
fn assert_all_right(net: &Testnet, job: &str, ranges: &[(u64, u64)]) -> BTreeMap<u64, (String, Vec<u64>)> {
    let got = results(net, job);
    assert_eq!(got.len(), ranges.len(), "{got:?}");
    for (shard, &(lo, hi)) in ranges.iter().enumerate() {
        let (count, largest) = primes_in(lo, hi);
        assert_eq!(got[&(shard as u64)].1, [count, largest], "shard {shard} [{lo}, {hi})");
    }
    got
}

fn status(net: &Testnet, job: &str) -> Value {
    net.org_json(&["status", job, "--json"])
}

fn proven(st: &Value) -> u64 {
    st["counts"]["proven"].as_u64().unwrap_or(0)
}

/// `/ip4/127.0.0.1/tcp/PORT/p2p/ID` → `/ip4/127.0.0.1/tcp/PORT`.
fn listen_part(addr: &str) -> String {
    addr.split("/p2p/").next().unwrap().to_string()
}

#[test]
fn a_donor_killed_mid_proof_loses_its_lease_and_another_donor_finishes_the_shard() {
    let started = Instant::now();
    let mut net = Testnet::new();
    // One shard of a 2^15-row trace: its full-strength proof takes seconds, time to kill mid-proof.
    let (lo, hi) = (10_000u64, 10_060u64);
    let (boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org = net.publish("fault", &[(lo, hi)], &boot_addr, &["--lease", "10s"]);

    // Donor A alone: once its trace is on disk and no proof yet, its worker is proving; kill -9.
    let a = net.donor("donorA", "full", "fault", &boot_addr, &[]);
    net.wait_until(&[a, org], Duration::from_secs(40), "donor A to start proving", |n| {
        (n.work_files("donorA", "trace") > 0 && n.work_files("donorA", "proof") == 0).then_some(())
    });
    net.kill9(a); // its worker follows (PR_SET_PDEATHSIG)
    assert_eq!(net.work_files("donorA", "proof"), 0, "donor A finished its proof before it was killed");
    // The org's live status file is rewritten every second or so: wait for it to show A's lease.
    let a_peer = net.wait_until(&[org], Duration::from_secs(15), "the org's record of donor A", |n| {
        let st = status(n, "fault");
        assert_eq!(proven(&st), 0, "{st}");
        st["donors"].as_array().and_then(|d| d.first()).map(|d| d["peer"].as_str().unwrap().to_string())
    });

    // Donor B gets the shard once A's lease expires, and proves it.
    let b = net.donor("donorB", "full", "fault", &boot_addr, &[]);
    let exit = net.wait_exit(org, &[b, boot], Duration::from_secs(75));
    assert!(exit.success(), "org-tool publish exited with {exit}\n{}", net.all_logs());
    let got = assert_all_right(&net, "fault", &[(lo, hi)]);
    let prover = &got[&0].0;
    assert_ne!(prover, &a_peer, "the killed donor cannot have proven the shard");
    eprintln!("fault: donor A killed mid-proof, donor {prover} finished the shard, in {:?}", started.elapsed());
}

#[test]
fn the_org_killed_after_acknowledging_proofs_loses_none_and_counts_none_twice() {
    let started = Instant::now();
    let mut net = Testnet::new();
    let ranges: Vec<(u64, u64)> = (0..6).map(|i| (2 + 40 * i, 42 + 40 * i)).collect();
    let (boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org_flags = ["--lease", "1m"];
    let org = net.publish("restart", &ranges, &boot_addr, &org_flags);
    let d1 = net.donor("donor1", "full", "restart", &boot_addr, &[]);
    let d2 = net.donor("donor2", "full", "restart", &boot_addr, &[]);

    // Two shards verified and a donor holding a lease mid-work (its trace on disk): kill -9.
    net.wait_until(&[org, boot, d1, d2], Duration::from_secs(60), "two verified shards and a donor mid-shard", |n| {
        let busy = n.work_files("donor1", "trace") + n.work_files("donor2", "trace") > 0;
        (busy && proven(&status(n, "restart")) >= 2).then_some(())
    });
    net.kill9(org);
    let acknowledged = results(&net, "restart");
    assert!(acknowledged.len() >= 2, "{acknowledged:?}");

    // With the org away, the donors' proofs wait in their outboxes.
    net.wait_until(&[boot, d1, d2], Duration::from_secs(60), "a proof waiting in a donor's outbox", |n| {
        let outbox = |name| n.donor_status(name).and_then(|s| s["outbox"].as_u64()).unwrap_or(0);
        (outbox("donor1") + outbox("donor2") > 0).then_some(())
    });

    // The same command again: the org resumes from its database at a new port, the donors find
    // it through the bootstrap and deliver, and the job ends.
    let org = net.publish("restart", &ranges, &boot_addr, &org_flags);
    let exit = net.wait_exit(org, &[boot, d1, d2], Duration::from_secs(90));
    assert!(exit.success(), "the restarted org exited with {exit}\n{}", net.all_logs());
    assert!(net.log(org).contains("resuming job"), "{}", net.log(org));

    let got = assert_all_right(&net, "restart", &ranges);
    for (shard, before) in &acknowledged {
        assert_eq!(&got[shard], before, "shard {shard} was verified before the kill and must be kept as it was");
    }
    let st = status(&net, "restart");
    assert_eq!(proven(&st), ranges.len() as u64, "{st}");
    assert_eq!(st["rejected_proofs"], 0, "{st}");
    let verified: u64 = st["donors"].as_array().unwrap().iter().map(|d| d["proofs_verified"].as_u64().unwrap()).sum();
    assert_eq!(verified, ranges.len() as u64, "each shard counted once in the donors' records: {st}");
    // Everything the donors held was delivered.
    net.wait_until(&[d1, d2], Duration::from_secs(15), "empty outboxes", |n| {
        let outbox = |name| n.donor_status(name).and_then(|s| s["outbox"].as_u64());
        (outbox("donor1") == Some(0) && outbox("donor2") == Some(0)).then_some(())
    });
    eprintln!("fault: org killed after {} verified shards, restarted, all {} right, in {:?}", acknowledged.len(), ranges.len(), started.elapsed());
}

#[test]
fn a_restarted_bootstrap_is_redialed_and_the_job_goes_on() {
    let started = Instant::now();
    let mut net = Testnet::new();
    // Eight 2^14-row shards: a single donor needs half a minute, time for the restart.
    let ranges: Vec<(u64, u64)> = (0..8).map(|i| (10_000 + 30 * i, 10_030 + 30 * i)).collect();
    let (boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org = net.publish("reboot", &ranges, &boot_addr, &["--lease", "1m"]);
    let d1 = net.donor("donor1", "full", "reboot", &boot_addr, &[]);
    net.wait_until(&[org, boot, d1], Duration::from_secs(60), "a verified shard", |n| {
        (proven(&status(n, "reboot")) >= 1).then_some(())
    });

    net.kill9(boot);
    net.wait_until(&[org, d1], Duration::from_secs(20), "the org and the donor to notice", |n| {
        (n.log(org).contains("lost bootstrap peer") && n.log(d1).contains("lost bootstrap peer")).then_some(())
    });
    // Same identity, same port: the address everyone was given.
    let (boot, again) = net.bootstrap(&listen_part(&boot_addr));
    assert_eq!(again, boot_addr);
    net.wait_until(&[org, boot, d1], Duration::from_secs(40), "the org and the donor to re-dial", |n| {
        let registered = n.log(boot).contains("registered jobs");
        let redialed = n.log(d1).matches("connected to bootstrap peer").count() >= 2;
        (registered && redialed).then_some(())
    });

    // A donor that knows only the bootstrap finds the job through it and helps finish.
    let d2 = net.donor("donor2", "full", "reboot", &boot_addr, &[]);
    net.wait_until(&[org, boot, d1, d2], Duration::from_secs(30), "the new donor to find the job", |n| {
        let seen = n.donor_status("donor2").and_then(|s| s["jobs_seen"].as_u64()).unwrap_or(0);
        (seen >= 1).then_some(())
    });
    let exit = net.wait_exit(org, &[boot, d1, d2], Duration::from_secs(120));
    assert!(exit.success(), "org-tool publish exited with {exit}\n{}", net.all_logs());
    assert_all_right(&net, "reboot", &ranges);
    eprintln!("fault: bootstrap restarted mid-job, all {} shards right, in {:?}", ranges.len(), started.elapsed());
}

#[test]
fn a_proof_of_a_false_result_is_rejected_the_liar_recorded_and_the_shard_proven_by_another() {
    let started = Instant::now();
    let mut net = Testnet::new();
    let (lo, hi) = (2u64, 60u64);
    let (boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org = net.publish("liar", &[(lo, hi)], &boot_addr, &["--lease", "1m"]);
    // A real node whose proofs claim one more than the largest prime it proved.
    let liar = net.donor("liar", "full", "liar", &boot_addr, &["--fault-lie-about-results"]);
    let st = net.wait_until(&[org, boot, liar], Duration::from_secs(60), "the false proof to be rejected", |n| {
        let st = status(n, "liar");
        (st["rejected_proofs"].as_u64() >= Some(1)).then_some(st)
    });
    assert_eq!(proven(&st), 0, "{st}");
    let record = st["donors"][0].clone();
    let liar_peer = record["peer"].as_str().unwrap().to_string();
    assert_eq!(record["proofs_rejected"], 1, "{st}");
    let why = record["last_rejections"][0].as_str().unwrap_or_default();
    assert!(why.contains("shard 0") && why.contains("rejected"), "the reason names the shard and the verdict: {why}");
    // The liar hears the verdict too.
    net.wait_until(&[liar], Duration::from_secs(30), "the liar to learn its verdict", |n| {
        let s = n.donor_status("liar")?;
        (s["projects"].as_array()?.iter().any(|p| p["stats"]["rejected"].as_u64() >= Some(1))).then_some(())
    });

    // An honest donor gets the shard (the liar never gets it back) and proves it.
    let honest = net.donor("honest", "full", "liar", &boot_addr, &[]);
    let exit = net.wait_exit(org, &[boot, liar, honest], Duration::from_secs(60));
    assert!(exit.success(), "org-tool publish exited with {exit}\n{}", net.all_logs());
    let got = assert_all_right(&net, "liar", &[(lo, hi)]);
    assert_ne!(got[&0].0, liar_peer, "the shard was proven by someone else");
    let st = status(&net, "liar");
    assert_eq!(st["rejected_proofs"], 1, "{st}");
    let record = st["donors"].as_array().unwrap().iter().find(|d| d["peer"] == liar_peer.as_str()).expect("the liar stays on record").clone();
    assert_eq!(record["leases"], 1, "the shard was never leased to the liar again: {st}");
    assert_eq!(record["proofs_verified"], 0, "{st}");
    eprintln!("fault: a false proof rejected, its donor recorded, the shard proven by another, in {:?}", started.elapsed());
}

#[test]
fn a_shard_the_program_cannot_run_is_given_back_marked_failed_and_the_rest_completes() {
    let started = Instant::now();
    let mut net = Testnet::new();
    // primes.cairo asserts lo <= hi: shard 1 fails in every VM (the dry run only runs shard 0).
    let ranges = [(2u64, 50u64), (50, 2), (50, 100)];
    let (boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org = net.publish("poison", &ranges, &boot_addr, &["--lease", "1m"]);
    let donor = net.donor("donor", "full", "poison", &boot_addr, &[]);
    // The donor gives shard 1 up at once (a failing program is not retried) and says so; the org
    // runs it, sees the same failure, and stops offering it: the job ends without waiting out a lease.
    let exit = net.wait_exit(org, &[boot, donor], Duration::from_secs(60));
    assert_eq!(exit.code(), Some(1), "publish --exit-when-done ends non-zero with a failed shard\n{}", net.all_logs());
    assert!(net.log(org).contains("1 shard(s) failed"), "{}", net.log(org));
    let st = status(&net, "poison");
    assert_eq!(st["counts"]["failed"], 1, "{st}");
    assert_eq!(proven(&st), 2, "{st}");
    assert_eq!(st["failed"][0]["shard"], 1, "{st}");
    let got = results(&net, "poison");
    assert_eq!(got.len(), 2, "{got:?}");
    let listed = net.org_json(&["results", "poison", "--format", "json"]);
    assert_eq!(listed["failed"][0]["args"], serde_json::json!(["50", "2"]), "results name the failed shard: {listed}");
    for shard in [0u64, 2] {
        let (lo, hi) = ranges[shard as usize];
        let (count, largest) = primes_in(lo, hi);
        assert_eq!(got[&shard].1, [count, largest], "shard {shard}");
    }
    let record = &st["donors"][0];
    assert!(record["last_rejections"].to_string().contains("given back"), "the donor's reason is on record: {st}");
    eprintln!("fault: a shard the program cannot run marked failed, the other two verified, in {:?}", started.elapsed());
}
