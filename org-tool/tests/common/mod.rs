//! Test harness: the real `org-tool` binary as a child process on 127.0.0.1, and a small donor
//! built from the real protocol, Cairo and prover crates (a real client of the real server).
#![allow(dead_code)]

pub mod procfs;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use proofgrid_cairo::{execute, felt::from_canonical_bytes, Execution, Felt, Limits, Program};
use proofgrid_prover::{prove, ProofOptions};
use proofgrid_protocol::{
    identity, peer_id_of, Capacity, Client, Grant, JobId, Multiaddr, NetworkConfig, PeerId, PeerKind, Role, ShardIndex,
    Verdict, WorkRequest, WorkResponse,
};

pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

pub fn org_tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_org-tool")).args(args).env("RUST_LOG", "warn").output().expect("org-tool starts")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Polls `f` every 50 ms until it returns Some, failing after `timeout` with `what`.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A running `org-tool publish`, killed when dropped.
pub struct OrgProcess {
    pub child: Child,
    pub addr: Multiaddr,
    pub peer: PeerId,
    pub data_dir: PathBuf,
    pub log: PathBuf,
}

/// Writes a shard file of `[lo, hi]` ranges for primes.json.
pub fn shard_file(dir: &Path, ranges: &[(u64, u64)]) -> PathBuf {
    let path = dir.join("shards.jsonl");
    let lines: Vec<String> = ranges.iter().map(|(a, b)| format!("[{a}, {b}]")).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

impl OrgProcess {
    /// `org-tool publish PROGRAM --shards SHARDS` on 127.0.0.1 with test-strength security,
    /// plus `extra`, waiting until it listens.
    pub fn publish(data_dir: &Path, program: &Path, shards: &Path, extra: &[&str]) -> OrgProcess {
        let addr_file = data_dir.join("org.addr");
        let _ = std::fs::remove_file(&addr_file);
        std::fs::create_dir_all(data_dir).unwrap();
        let runs = std::fs::read_dir(data_dir).unwrap().filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".log"))).count();
        let log = data_dir.join(format!("org-{runs}.log"));
        let mut args: Vec<String> = vec![
            "publish".into(),
            program.display().to_string(),
            "--shards".into(),
            shards.display().to_string(),
            "--name".into(),
            "primes-test".into(),
            "--listen".into(),
            "/ip4/127.0.0.1/tcp/0".into(),
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--addr-file".into(),
            addr_file.display().to_string(),
        ];
        if !extra.contains(&"--min-security") {
            args.extend(["--min-security".to_string(), "0".to_string()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let child = Command::new(env!("CARGO_BIN_EXE_org-tool"))
            .args(&args)
            .env("RUST_LOG", "info,org_tool=debug,proofgrid_org_tool=debug")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("org-tool starts");
        let mut org = OrgProcess { child, addr: "/ip4/127.0.0.1/tcp/1".parse().unwrap(), peer: PeerId::random(), data_dir: data_dir.into(), log };
        let addr: Multiaddr = wait_for(Duration::from_secs(60), "the org's address file", || {
            if let Ok(Some(status)) = org.child.try_wait() {
                panic!("org-tool exited early with {status}:\n{}", org.log_text());
            }
            std::fs::read_to_string(&addr_file).ok().and_then(|t| t.trim().parse().ok())
        });
        org.peer = peer_id_of(&addr).expect("the address names the org");
        org.addr = addr;
        org
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let status = wait_for(timeout, "the org to exit", || self.child.try_wait().unwrap());
        if !status.success() {
            eprintln!("org log:\n{}", self.log_text());
        }
        status
    }

    /// SIGKILL: no chance to flush anything it had not flushed already.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for OrgProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("org log ({}):\n{}", self.log.display(), self.log_text());
        }
    }
}

/// A donor: its own identity and network, talking to one org.
pub struct Donor {
    pub client: Client,
    pub org: PeerId,
    _dir: tempfile::TempDir,
}

pub const CAPACITY: Capacity = Capacity { max_steps: 1 << 23, max_memory: 8 << 30, security_bits: 128 };

impl Donor {
    pub async fn connect(org: &Multiaddr) -> Donor {
        let dir = tempfile::tempdir().unwrap();
        let key = identity::load_or_create(dir.path()).unwrap();
        let (client, mut events, event_loop) = proofgrid_protocol::new(NetworkConfig::new(key, PeerKind::Donor)).unwrap();
        tokio::spawn(event_loop.run());
        // Keep the event stream drained: a donor receives no requests, only notices.
        tokio::spawn(async move { while events.recv().await.is_some() {} });
        let org_peer = tokio::time::timeout(Duration::from_secs(20), client.dial(org.clone()))
            .await
            .expect("dial in time")
            .expect("dial the org");
        Donor { client, org: org_peer, _dir: dir }
    }

    pub fn peer(&self) -> PeerId {
        self.client.local_peer_id()
    }

    pub async fn ask(&self, request: WorkRequest) -> WorkResponse {
        tokio::time::timeout(Duration::from_secs(60), self.client.work(self.org, request))
            .await
            .expect("the org answers in time")
            .expect("the request goes through")
    }

    pub async fn job(&self) -> JobId {
        match self.ask(WorkRequest::ListJobs).await {
            WorkResponse::Jobs(jobs) => jobs.first().expect("the org lists its job").job,
            other => panic!("ListJobs answered {other:?}"),
        }
    }

    pub async fn claim(&self, job: JobId, role: Role) -> WorkResponse {
        self.ask(WorkRequest::Claim { job, role, capacity: CAPACITY }).await
    }

    pub async fn grant(&self, job: JobId, role: Role) -> Grant {
        match self.claim(job, role).await {
            WorkResponse::Grant(g) => g,
            other => panic!("expected a grant, got {other:?}"),
        }
    }

    /// Claims until granted (a lease elsewhere has to expire first), within `timeout`.
    pub async fn grant_eventually(&self, job: JobId, role: Role, timeout: Duration) -> Grant {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.claim(job, role).await {
                WorkResponse::Grant(g) => return g,
                WorkResponse::NoWork { .. } => {}
                other => panic!("expected a grant or NoWork, got {other:?}"),
            }
            assert!(tokio::time::Instant::now() < deadline, "no grant within {timeout:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn program(&self, grant: &Grant) -> Program {
        match self.ask(WorkRequest::GetProgram { hash: grant.program_hash }).await {
            WorkResponse::Program { bytes, .. } => {
                let p = Program::from_json(&bytes, Path::new("from org")).unwrap();
                assert_eq!(p.program_hash().to_bytes_be(), grant.program_hash.0, "program bytes match their hash");
                p
            }
            other => panic!("GetProgram answered {other:?}"),
        }
    }

    pub async fn submit_proof(&self, job: JobId, shard: ShardIndex, proof: Vec<u8>) -> WorkResponse {
        self.ask(WorkRequest::SubmitProof { job, shard, proof }).await
    }

    /// Polls GetVerdict until it is not Pending.
    pub async fn verdict(&self, job: JobId, shard: ShardIndex, timeout: Duration) -> Verdict {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.ask(WorkRequest::GetVerdict { job, shard }).await {
                WorkResponse::Verdict(Verdict::Pending) => {}
                WorkResponse::Verdict(v) => return v,
                other => panic!("GetVerdict answered {other:?}"),
            }
            assert!(tokio::time::Instant::now() < deadline, "no verdict within {timeout:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn decode_args(bytes: &[u8]) -> Vec<Felt> {
    bytes.chunks_exact(32).map(|c| from_canonical_bytes(c.try_into().unwrap()).unwrap()).collect()
}

pub async fn run_shard(program: &Program, args: &[Felt]) -> Execution {
    let (program, args) = (program.clone(), args.to_vec());
    tokio::task::spawn_blocking(move || execute(&program, &args, &Limits::default()).unwrap()).await.unwrap()
}

/// Proves with the fast test options (the org under test accepts them: --min-security 0).
pub async fn prove_execution(execution: Execution) -> Vec<u8> {
    tokio::task::spawn_blocking(move || prove(&execution, &ProofOptions::TEST, 1).unwrap().to_bytes()).await.unwrap()
}

/// Executes and proves the shard of `grant`.
pub async fn prove_grant(program: &Program, grant: &Grant) -> Vec<u8> {
    prove_execution(run_shard(program, &decode_args(&grant.args)).await).await
}

pub fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "failed: {}", text(&out.stderr));
    serde_json::from_str(text(&out.stdout).trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

/// `org-tool status --json` once `ready` holds for it: a serving org refreshes its status file
/// about once a second, so a test waits for the state it expects (or times out).
pub fn status_when(data_dir: &Path, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let d = data_dir.to_str().unwrap();
    let mut last = serde_json::Value::Null;
    let start = Instant::now();
    loop {
        let out = org_tool(&["status", "--data-dir", d, "--json"]);
        if out.status.success() {
            last = json(&out);
            if ready(&last) {
                return last;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(30), "status never reached the expected state; last: {last}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
