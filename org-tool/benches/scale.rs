//! Scale benchmark (`make bench-scale`): one real `org-tool publish` process with 10^3..10^6
//! shards, and 10, 100 and 1000 simulated donors in this process, each a real libp2p peer of
//! the protocol crate on loopback. A donor claims, "works" for 0.5 to 1.5 s, then gives the shard
//! back (four times in five) or submits a garbage proof (which the org decodes and refuses), and
//! claims again; NoWork makes it wait a second. Reported per configuration: claims/s, claim
//! latency p50/p99 in steady state (after the burst of
//! first claims) and p99/max overall, submissions/s, the org's RSS (now and peak), and per shard count the
//! publish time, the store's size and `org-tool status` time.
//!
//! Env: BENCH_SCALE_SIZES (default 1000,10000,100000,1000000), BENCH_SCALE_DONORS (default
//! 10,100,1000), BENCH_SCALE_SECS (measuring window per configuration, default 10).

#[path = "../tests/common/procfs.rs"]
mod procfs;
use procfs::{cpu_secs, proc_kib};

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libp2p::identity::Keypair;
use proofgrid_protocol::{
    peer_id_of, Capacity, Client, JobId, Multiaddr, NetworkConfig, PeerId, PeerKind, Role, WorkRequest,
    WorkResponse,
};

const CAPACITY: Capacity = Capacity { max_steps: 1 << 23, max_memory: 8 << 30, security_bits: 128 };

fn env_list(key: &str, default: &str) -> Vec<u64> {
    std::env::var(key).unwrap_or_else(|_| default.into()).split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

fn repo(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// How long `org-tool status --json` takes on `data_dir`.
fn timed_status(data_dir: &Path) -> Duration {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_org-tool"))
        .args(["status", "--data-dir", data_dir.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(out.status.success(), "status failed: {}", String::from_utf8_lossy(&out.stderr));
    took
}

fn dir_bytes(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let m = e.metadata().unwrap();
            total += if m.is_dir() { dir_bytes(&e.path()) } else { m.len() };
        }
    }
    total
}

fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

struct Org {
    child: Child,
    addr: Multiaddr,
    peer: PeerId,
}

fn start_org(dir: &Path, shards: &Path) -> (Org, Duration) {
    let addr_file = dir.join("org.addr");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_org-tool"))
        .args(["publish", repo("cairo/programs/primes.json").to_str().unwrap(), "--shards", shards.to_str().unwrap()])
        .args(["--name", "scale", "--lease", "30s", "--min-security", "0", "--listen", "/ip4/127.0.0.1/tcp/0"])
        .args(["--data-dir", dir.join("org").to_str().unwrap(), "--addr-file", addr_file.to_str().unwrap()])
        // Every simulated donor is a fresh peer id on 127.0.0.1: lift the per-network allowance
        // for unproven peers, which would otherwise (rightly) hold them all to 8 leases.
        .args(["--unproven-leases-per-ip-prefix", "1000000"])
        .env("RUST_LOG", std::env::var("BENCH_ORG_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("org.log")).unwrap())
        .spawn()
        .expect("org-tool starts");
    loop {
        if let Ok(text) = std::fs::read_to_string(&addr_file) {
            if let Ok(addr) = text.trim().parse::<Multiaddr>() {
                let peer = peer_id_of(&addr).unwrap();
                return (Org { child, addr, peer }, started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[derive(Default)]
struct Stats {
    /// (when the claim was sent, how long its answer took).
    claims: Vec<(Instant, Duration)>,
    grants: u64,
    submissions: u64,
    releases: u64,
    failures: u64,
}

async fn connect(org: &Org) -> Option<Client> {
    let (client, mut events, event_loop) =
        proofgrid_protocol::new(NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Donor)).ok()?;
    tokio::spawn(event_loop.run());
    tokio::spawn(async move { while events.recv().await.is_some() {} });
    tokio::time::timeout(Duration::from_secs(60), client.dial(org.addr.clone())).await.ok()?.ok()?;
    Some(client)
}

/// One donor's loop until `until`.
async fn donor(client: Client, org: PeerId, job: JobId, until: Instant, seed: u64, stats: Arc<Mutex<Stats>>) {
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    while Instant::now() < until {
        let t = Instant::now();
        let answer = client.work(org, WorkRequest::Claim { job, role: Role::Full, capacity: CAPACITY }).await;
        stats.lock().unwrap().claims.push((t, t.elapsed()));
        match answer {
            Ok(WorkResponse::Grant(g)) => {
                stats.lock().unwrap().grants += 1;
                tokio::time::sleep(Duration::from_millis(500 + next() % 1000)).await;
                let give_back = next() % 5 != 0;
                let request = if give_back {
                    WorkRequest::Release { job, shard: g.shard, reason: "bench".into() }
                } else {
                    WorkRequest::SubmitProof { job, shard: g.shard, proof: vec![7u8; 4096] }
                };
                let ok = client.work(org, request).await.is_ok();
                let mut s = stats.lock().unwrap();
                match (ok, give_back) {
                    (false, _) => s.failures += 1,
                    (true, true) => s.releases += 1,
                    (true, false) => s.submissions += 1,
                }
            }
            Ok(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(_) => {
                stats.lock().unwrap().failures += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    client.shutdown().await;
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` probes bench binaries
    }
    raise_open_file_limit();
    let sizes = env_list("BENCH_SCALE_SIZES", "1000,10000,100000,1000000");
    let donor_counts = env_list("BENCH_SCALE_DONORS", "10,100,1000");
    let window = Duration::from_secs(env_list("BENCH_SCALE_SECS", "10").first().copied().unwrap_or(10));
    println!("window {}s per configuration; donors claim, work 0.5-1.5 s, give back (4/5) or submit garbage (1/5)", window.as_secs());
    println!("| shards | donors | claims/s | steady claim p50 ms | steady claim p99 ms | p99 incl. first burst ms | claim max ms | grants | submissions/s | releases/s | failed requests | org RSS MiB | org peak RSS MiB | org CPU % of one core | simulated donors' CPU % |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut per_size = Vec::new();
    for &n in &sizes {
        let dir = tempfile::tempdir().unwrap();
        let shards = dir.path().join("shards.jsonl");
        {
            use std::io::Write;
            let mut f = std::io::BufWriter::new(std::fs::File::create(&shards).unwrap());
            for k in 0..n {
                writeln!(f, "[{}, {}]", 2 + 10 * k, 12 + 10 * k).unwrap();
            }
        }
        let (mut org, publish) = start_org(dir.path(), &shards);
        eprintln!("{n} shards: org RSS {} MiB once serving (peak {} MiB, during publish)", proc_kib(org.child.id(), "VmRSS:") / 1024, proc_kib(org.child.id(), "VmHWM:") / 1024);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let job = runtime.block_on(async {
            let probe = connect(&org).await.expect("a probe connects");
            let job = match probe.work(org.peer, WorkRequest::ListJobs).await {
                Ok(WorkResponse::Jobs(jobs)) => jobs[0].job,
                other => panic!("ListJobs answered {other:?}"),
            };
            probe.shutdown().await;
            job
        });
        for &d in &donor_counts {
            let stats = Arc::new(Mutex::new(Stats::default()));
            let clients: Vec<Client> = runtime.block_on(async {
                let mut out = Vec::new();
                for chunk in (0..d).collect::<Vec<_>>().chunks(50) {
                    let tasks: Vec<_> = chunk.iter().map(|_| connect(&org)).collect();
                    for c in futures::future::join_all(tasks).await.into_iter().flatten() {
                        out.push(c);
                    }
                }
                out
            });
            let until = Instant::now() + window;
            let started = Instant::now();
            let cpu_before = cpu_secs(org.child.id());
            let own_before = cpu_secs(std::process::id());
            runtime.block_on(async {
                let tasks: Vec<_> = clients
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| tokio::spawn(donor(c, org.peer, job, until, i as u64 * 7919 + 1, stats.clone())))
                    .collect();
                for t in tasks {
                    let _ = t.await;
                }
            });
            let elapsed = started.elapsed().as_secs_f64();
            let org_cpu = (cpu_secs(org.child.id()) - cpu_before) / elapsed * 100.0;
            let own_cpu = (cpu_secs(std::process::id()) - own_before) / elapsed * 100.0;
            let s = std::mem::take(&mut *stats.lock().unwrap());
            // Steady state: claims sent after the first two seconds, when every donor's first
            // claim (all sent at once) has been answered.
            let mut all: Vec<Duration> = s.claims.iter().map(|c| c.1).collect();
            let mut steady: Vec<Duration> =
                s.claims.iter().filter(|c| c.0 >= started + Duration::from_secs(2)).map(|c| c.1).collect();
            all.sort();
            steady.sort();
            let pid = org.child.id();
            println!(
                "| {n} | {d} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.1} | {:.1} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
                all.len() as f64 / elapsed,
                percentile(&steady, 0.5),
                percentile(&steady, 0.99),
                percentile(&all, 0.99),
                percentile(&all, 1.0),
                s.grants,
                s.submissions as f64 / elapsed,
                s.releases as f64 / elapsed,
                s.failures,
                proc_kib(pid, "VmRSS:") as f64 / 1024.0,
                proc_kib(pid, "VmHWM:") as f64 / 1024.0,
                org_cpu,
                own_cpu,
            );
        }
        drop(runtime);
        // `status` while the org serves reads its snapshot; after it stops, the database.
        let status_serving = timed_status(&dir.path().join("org"));
        unsafe { libc::kill(org.child.id() as i32, libc::SIGTERM) };
        let _ = org.child.wait();
        let store = dir_bytes(&dir.path().join("org"));
        let status = timed_status(&dir.path().join("org"));
        per_size.push((n, publish, store, status_serving, status));
    }
    println!();
    println!("| shards | publish until serving s | store MiB | org-tool status s (serving) | org-tool status s (stopped, opens the database) |");
    println!("|---:|---:|---:|---:|---:|");
    for (n, publish, store, serving, status) in per_size {
        println!(
            "| {n} | {:.1} | {:.1} | {:.2} | {:.2} |",
            publish.as_secs_f64(),
            store as f64 / (1 << 20) as f64,
            serving.as_secs_f64(),
            status.as_secs_f64()
        );
    }
}
