//! End to end, with the real binaries as separate processes on 127.0.0.1: a `bootstrap` node,
//! `org-tool publish` and three `node donate` donors (execute-only, prove-only, full), the
//! small-job version of `make testnet`. Every shard must be verified and the org's aggregate must
//! equal a Rust reference computed here. A second test kills a donor with SIGKILL mid-proof and
//! checks that another donor finishes the shard once the lease expires.
//!
//! `node` and `bootstrap` belong to other crates, so cargo does not build them for this test; it
//! looks for them next to this crate's `org-tool` binary. `make test` builds the whole workspace
//! first (`cargo build --release --workspace && cargo test --release --workspace`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn org_tool() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_org-tool"))
}

/// A workspace binary built next to org-tool.
fn sibling(name: &str) -> PathBuf {
    let path = org_tool().with_file_name(name);
    assert!(
        path.exists(),
        "{} is missing: this test runs the workspace's binaries; build them first with \
         `cargo build --release --workspace` (make test does)",
        path.display()
    );
    path
}

fn primes_program() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cairo/programs/primes.json")
}

/// Every process the test started, with its log; all killed (and reaped) on drop, so a failing
/// assertion or a panic leaves nothing running.
struct Procs {
    procs: Vec<(String, Child, PathBuf)>,
}

impl Procs {
    fn new() -> Self {
        Procs { procs: Vec::new() }
    }

    /// Start `program args` with stdout and stderr in `log`; returns its index.
    fn start(&mut self, name: &str, program: &Path, args: &[&str], log: PathBuf) -> usize {
        let out = File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = Command::new(program)
            .args(args)
            .env("RUST_LOG", "info,libp2p_kad=error")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        self.procs.push((name.to_string(), child, log));
        self.procs.len() - 1
    }

    fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(&self.procs[i].2).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Every log's tail, for a failure message.
    fn all_logs(&self) -> String {
        (0..self.procs.len())
            .map(|i| format!("---- {} ({}) ----\n{}\n", self.procs[i].0, self.procs[i].2.display(), self.log_tail(i)))
            .collect()
    }

    /// Wait for process `i` to exit; fail if it does not within `timeout` or if another process
    /// in `must_live` exits first.
    fn wait_exit(&mut self, i: usize, must_live: &[usize], timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.procs[i].1.try_wait().unwrap() {
                return status;
            }
            for &j in must_live {
                if let Some(status) = self.procs[j].1.try_wait().unwrap() {
                    panic!("{} exited early with {status}\n{}", self.procs[j].0, self.all_logs());
                }
            }
            if Instant::now() > deadline {
                panic!("{} did not finish within {timeout:?}\n{}", self.procs[i].0, self.all_logs());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for (_, child, _) in &mut self.procs {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Poll until `path` holds a non-empty line, failing after `timeout`.
fn wait_file(procs: &mut Procs, i: usize, path: &Path, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            if !s.trim().is_empty() {
                return s.trim().to_string();
            }
        }
        if let Some(status) = procs.procs[i].1.try_wait().unwrap() {
            panic!("{} exited with {status} before writing {}\n{}", procs.procs[i].0, path.display(), procs.log_tail(i));
        }
        assert!(Instant::now() < deadline, "{} never appeared\n{}", path.display(), procs.log_tail(i));
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The reference: the count of primes in [lo, hi) and the largest of them (0 if none), by trial
/// division, as the Cairo program's result columns.
fn primes_in(lo: u64, hi: u64) -> (u64, u64) {
    let is_prime = |n: u64| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0);
    let primes: Vec<u64> = (lo..hi).filter(|&n| is_prime(n)).collect();
    (primes.len() as u64, primes.last().copied().unwrap_or(0))
}

fn org_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(org_tool()).args(args).env("RUST_LOG", "warn").output().unwrap();
    assert!(out.status.success(), "org-tool {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("org-tool {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn num(v: &serde_json::Value) -> u64 {
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_u64()).unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn bootstrap_org_and_three_donors_verify_every_shard_and_the_aggregate_is_right() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let ranges: [(u64, u64); 3] = [(2, 40), (40, 80), (80, 120)];
    let shards = dir.join("shards.jsonl");
    std::fs::write(&shards, ranges.iter().map(|(lo, hi)| format!("[{lo}, {hi}]\n")).collect::<String>()).unwrap();

    let mut procs = Procs::new();
    let boot = procs.start(
        "bootstrap",
        &sibling("bootstrap"),
        &["--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", &path("bootstrap"), "--addr-file", &path("boot.addr")],
        dir.join("bootstrap.log"),
    );
    let boot_addr = wait_file(&mut procs, boot, &dir.join("boot.addr"), Duration::from_secs(20));

    let program = primes_program();
    let org = procs.start(
        "org",
        &org_tool(),
        &[
            "publish",
            program.to_str().unwrap(),
            "--shards",
            shards.to_str().unwrap(),
            "--name",
            "e2e",
            "--bootstrap",
            &boot_addr,
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--addr-file",
            &path("org.addr"),
            // Test-strength proofs: donors choose their FRI queries from the job's minimum.
            "--min-security",
            "0",
            "--lease",
            "1m",
            "--exit-when-done",
            "--data-dir",
            &path("org"),
        ],
        dir.join("org.log"),
    );
    wait_file(&mut procs, org, &dir.join("org.addr"), Duration::from_secs(30));

    let mut donors = Vec::new();
    for (n, role) in ["execute", "prove", "full"].iter().enumerate() {
        let name = format!("donor{}", n + 1);
        donors.push(procs.start(
            &format!("{name} ({role})"),
            &sibling("node"),
            &[
                "donate",
                "--role",
                role,
                "--project",
                "e2e",
                "--bootstrap",
                &boot_addr,
                "--listen",
                "/ip4/127.0.0.1/tcp/0",
                "--data-dir",
                &path(&name),
                "--threads",
                "1",
                "--cpu-percent",
                "100",
                // Full speed even while the machine looks busy (this test keeps it busy).
                "--busy-cpu-percent",
                "100",
            ],
            dir.join(format!("{name}.log")),
        ));
    }

    let mut must_live = donors.clone();
    must_live.push(boot);
    let status = procs.wait_exit(org, &must_live, Duration::from_secs(80));
    assert!(status.success(), "org-tool publish exited with {status}\n{}", procs.all_logs());

    let data = path("org");
    let st = org_json(&["status", "e2e", "--json", "--data-dir", &data]);
    assert_eq!(st["shards_total"], 3, "{st}");
    assert_eq!(st["counts"]["proven"], 3, "every shard verified: {st}");
    assert_eq!(st["rejected_proofs"], 0, "{st}");

    let res = org_json(&["results", "e2e", "--format", "json", "--reduce", "sum", "--data-dir", &data]);
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

/// The files a donor's worker wrote under `<data-dir>/work/` with this extension.
fn work_files(data_dir: &Path, ext: &str) -> usize {
    std::fs::read_dir(data_dir.join("work"))
        .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == ext)).count())
        .unwrap_or(0)
}

fn donor_args<'a>(boot: &'a str, data_dir: &'a str) -> Vec<&'a str> {
    vec![
        "donate", "--role", "full", "--project", "fault", "--bootstrap", boot, "--listen", "/ip4/127.0.0.1/tcp/0",
        "--data-dir", data_dir, "--threads", "1", "--cpu-percent", "100", "--busy-cpu-percent", "100",
    ]
}

#[test]
fn a_donor_killed_mid_proof_loses_its_lease_and_another_donor_finishes_the_shard() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    // One shard of a 2^15-row trace: its full-strength proof takes seconds, time to kill mid-proof.
    let (lo, hi) = (10_000u64, 10_060u64);
    let shards = dir.join("shards.jsonl");
    std::fs::write(&shards, format!("[{lo}, {hi}]\n")).unwrap();

    let mut procs = Procs::new();
    let boot = procs.start(
        "bootstrap",
        &sibling("bootstrap"),
        &["--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", &path("bootstrap"), "--addr-file", &path("boot.addr")],
        dir.join("bootstrap.log"),
    );
    let boot_addr = wait_file(&mut procs, boot, &dir.join("boot.addr"), Duration::from_secs(20));
    let program = primes_program();
    let org = procs.start(
        "org",
        &org_tool(),
        &[
            "publish", program.to_str().unwrap(), "--shards", shards.to_str().unwrap(), "--name", "fault",
            "--bootstrap", &boot_addr, "--listen", "/ip4/127.0.0.1/tcp/0", "--addr-file", &path("org.addr"),
            "--lease", "10s", "--exit-when-done", "--data-dir", &path("org"),
        ],
        dir.join("org.log"),
    );
    wait_file(&mut procs, org, &dir.join("org.addr"), Duration::from_secs(30));

    // Donor A alone: once its trace is on disk and no proof yet, its worker is proving; kill -9.
    let a_dir = dir.join("donorA");
    let a = procs.start("donorA", &sibling("node"), &donor_args(&boot_addr, &path("donorA")), dir.join("donorA.log"));
    let deadline = Instant::now() + Duration::from_secs(40);
    while !(work_files(&a_dir, "trace") > 0 && work_files(&a_dir, "proof") == 0) {
        if let Some(status) = procs.procs[a].1.try_wait().unwrap() {
            panic!("donor A exited with {status}\n{}", procs.all_logs());
        }
        assert!(Instant::now() < deadline, "donor A never started proving\n{}", procs.all_logs());
        std::thread::sleep(Duration::from_millis(20));
    }
    procs.procs[a].1.kill().unwrap(); // SIGKILL; its worker follows (PR_SET_PDEATHSIG)
    procs.procs[a].1.wait().unwrap();
    assert_eq!(work_files(&a_dir, "proof"), 0, "donor A finished its proof before it was killed");
    // The org's live status file is rewritten every second or so: wait for it to show A's lease.
    let deadline = Instant::now() + Duration::from_secs(15);
    let a_peer = loop {
        let st = org_json(&["status", "fault", "--json", "--data-dir", &path("org")]);
        assert_eq!(st["counts"]["proven"], 0, "{st}");
        if let Some(d) = st["donors"].as_array().and_then(|d| d.first()) {
            break d["peer"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "the org has no record of donor A: {st}");
        std::thread::sleep(Duration::from_millis(200));
    };

    // Donor B gets the shard once A's lease expires, and proves it.
    let b = procs.start("donorB", &sibling("node"), &donor_args(&boot_addr, &path("donorB")), dir.join("donorB.log"));
    let status = procs.wait_exit(org, &[b, boot], Duration::from_secs(75));
    assert!(status.success(), "org-tool publish exited with {status}\n{}", procs.all_logs());

    let res = org_json(&["results", "fault", "--format", "json", "--data-dir", &path("org")]);
    let results = res["results"].as_array().expect("results array");
    assert_eq!(results.len(), 1, "{res}");
    let prover = results[0]["prover"].as_str().unwrap();
    assert_ne!(prover, a_peer, "the killed donor cannot have proven the shard: {res}");
    let got: Vec<u64> = results[0]["result"].as_array().unwrap().iter().map(num).collect();
    let (count, largest) = primes_in(lo, hi);
    assert_eq!(got, [count, largest], "{res}");
    eprintln!("fault: donor A killed mid-proof, donor {prover} finished the shard, in {:?}", started.elapsed());
}
