//! Test peers for the donor's end-to-end tests: a small bootstrap directory and a small org,
//! both real libp2p peers from `proofgrid-protocol` on 127.0.0.1 that verify proofs with the real
//! `proofgrid-prover`; and helpers to run the real `node` binary and read its status file.
#![allow(dead_code)]

pub mod org;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libp2p::identity::Keypair;
use proofgrid_node::status::Status;
use proofgrid_protocol::*;

pub const WAIT: Duration = Duration::from_secs(60);

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cairo/programs")
}

/// A bootstrap that serves the directory (Register / ListOpen) and relays gossip.
pub struct Bootstrap {
    pub addr: Multiaddr,
    pub client: Client,
    /// What it lists; a test may add entries no org registered (a lying directory).
    pub jobs: Arc<Mutex<Vec<JobAnnouncement>>>,
}

impl Bootstrap {
    pub async fn start() -> Bootstrap {
        let config = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Bootstrap);
        let (client, mut events, event_loop) = proofgrid_protocol::new(config).unwrap();
        tokio::spawn(event_loop.run());
        let addr = client.listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap()).await.unwrap();
        let addr = multiaddr_with_peer(&addr, client.local_peer_id());
        let jobs: Arc<Mutex<Vec<JobAnnouncement>>> = Arc::default();
        let listed = jobs.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if let Event::DirectoryRequest { request, responder, .. } = event {
                    let response = match request {
                        DirectoryRequest::Register { jobs: new } => {
                            let mut jobs = jobs.lock().unwrap();
                            for ann in new {
                                jobs.retain(|j| j.job != ann.job);
                                jobs.push(ann);
                            }
                            DirectoryResponse::Registered { ttl_secs: 600 }
                        }
                        DirectoryRequest::Unregister { .. } => DirectoryResponse::Registered { ttl_secs: 600 },
                        DirectoryRequest::ListOpen => DirectoryResponse::Open {
                            entries: jobs
                                .lock()
                                .unwrap()
                                .iter()
                                .map(|a| DirectoryEntry { announcement: a.clone(), expires_in_secs: 600 })
                                .collect(),
                        },
                    };
                    let _ = responder.send(response).await;
                }
            }
        });
        Bootstrap { addr, client, jobs: listed }
    }
}

/// A `node donate` process on its own data dir, logging to `<dir>/node.log`.
pub struct Donor {
    pub child: Child,
    pub dir: PathBuf,
}

impl Donor {
    pub fn start(dir: &Path, bootstrap: &Multiaddr, extra: &[&str]) -> Donor {
        std::fs::create_dir_all(dir).unwrap();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("node.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_node"))
            .args(["donate", "--data-dir"])
            .arg(dir)
            .args(["--bootstrap", &bootstrap.to_string(), "--listen", "/ip4/127.0.0.1/tcp/0", "--on-battery"])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Donor { child, dir: dir.to_path_buf() }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("node.log")).unwrap_or_default()
    }

    /// Polls the status file (rewritten every second) until `pred` holds for a status written
    /// by this process, or panics after `WAIT` with the node's log.
    pub async fn wait_status(&mut self, what: &str, pred: impl Fn(&Status) -> bool) -> Status {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(st)) = proofgrid_node::status::read(&self.dir) {
                if st.pid == self.pid() && pred(&st) {
                    return st;
                }
            }
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!("node exited ({exit}) while waiting for {what}; log:\n{}", self.log());
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; status: {:?}\nlog:\n{}", proofgrid_node::status::read(&self.dir), self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit.
    pub async fn stop(&mut self) -> std::process::ExitStatus {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "node did not stop on SIGTERM; log:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Donor {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill9();
        }
    }
}

pub fn verified(st: &Status) -> u64 {
    st.projects.iter().map(|p| p.stats.verified).sum()
}
