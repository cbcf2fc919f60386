//! End to end, with the real binaries as separate processes on 127.0.0.1: a `bootstrap` node,
//! `org-tool publish` and three `node donate` donors (execute-only, prove-only, full), the
//! small-job version of `make testnet`. Every shard must be verified and the org's aggregate must
//! equal a Rust reference computed here. What happens when things break is in `faults.rs`.

mod testnet;

use std::time::{Duration, Instant};

use testnet::{num, primes_in, Testnet};

#[test]
fn bootstrap_org_and_three_donors_verify_every_shard_and_the_aggregate_is_right() {
    let started = Instant::now();
    let mut net = Testnet::new();
    let ranges: [(u64, u64); 3] = [(2, 40), (40, 80), (80, 120)];
    let (boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org = net.publish("e2e", &ranges, &boot_addr, &["--min-security", "0", "--lease", "1m"]);
    let mut must_live = vec![boot];
    for (n, role) in ["execute", "prove", "full"].iter().enumerate() {
        must_live.push(net.donor(&format!("donor{}", n + 1), role, "e2e", &boot_addr, &[]));
    }

    let status = net.wait_exit(org, &must_live, Duration::from_secs(80));
    assert!(status.success(), "org-tool publish exited with {status}\n{}", net.all_logs());

    let st = net.org_json(&["status", "e2e", "--json"]);
    assert_eq!(st["shards_total"], 3, "{st}");
    assert_eq!(st["counts"]["proven"], 3, "every shard verified: {st}");
    assert_eq!(st["rejected_proofs"], 0, "{st}");

    let res = net.org_json(&["results", "e2e", "--format", "json", "--reduce", "sum"]);
    let results = res["results"].as_array().expect("results array");
    assert_eq!(results.len(), ranges.len(), "{res}");
    let (mut count_sum, mut largest_sum) = (0, 0);
    for (shard, &(lo, hi)) in ranges.iter().enumerate() {
        let r = results.iter().find(|r| r["shard"] == shard).unwrap_or_else(|| panic!("shard {shard} missing: {res}"));
        let args: Vec<u64> = r["args"].as_array().unwrap().iter().map(num).collect();
        assert_eq!(args, [lo, hi], "{r}");
        let got: Vec<u64> = r["result"].as_array().unwrap().iter().map(num).collect();
        let (count, largest) = primes_in(lo, hi);
        assert_eq!(got, [count, largest], "shard {shard} [{lo}, {hi}): {r}");
        count_sum += count;
        largest_sum += largest;
    }
    let aggregate: Vec<u64> = res["aggregate"]["value"].as_array().expect("aggregate").iter().map(num).collect();
    assert_eq!(aggregate, [count_sum, largest_sum], "{res}");
    assert_eq!(count_sum, primes_in(2, 120).0);
    eprintln!("e2e: {} shards verified, {count_sum} primes below 120, in {:?}", ranges.len(), started.elapsed());
}
