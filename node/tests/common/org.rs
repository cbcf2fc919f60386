//! A small org peer: one job, shards leased in order, proofs verified with the real prover after
//! an immediate ack, split mode (traces from executors become prove tasks). Its state lives
//! outside the peer so a test can stop the org and start it again with the same key and port.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use libp2p::identity::Keypair;
use proofgrid_cairo::{Felt, Program, ProgramIdentity};
use proofgrid_prover::{verify_for, CairoProof};
use proofgrid_protocol::*;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq)]
pub enum OrgEvent {
    Claimed { shard: u32, role: Role, peer: PeerId },
    ProgramServed,
    Trace { shard: u32, peer: PeerId },
    Proof { shard: u32, peer: PeerId, result: Result<Vec<Felt>, String> },
    Released { shard: u32, peer: PeerId, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
enum Shard {
    Open,
    Leased,
    Executed(Vec<u8>),
    Proven,
    GivenBack,
}

pub struct OrgState {
    /// Derived from the org's key when it starts (`JobId::derive`); zero before.
    pub job: JobId,
    salt: [u8; 32],
    pub name: String,
    program_bytes: Vec<u8>,
    /// What GetProgram answers (the program, or other bytes to test the hash check).
    served_bytes: Vec<u8>,
    program: ProgramIdentity,
    shards: Vec<(Vec<Felt>, Shard)>,
    verdicts: HashMap<(PeerId, u32), Verdict>,
    pub grants: Vec<(u32, Role)>,
    steps: u64,
}

impl OrgState {
    pub fn new(program: &Path, shards: Vec<Vec<u64>>, name: &str) -> Arc<Mutex<OrgState>> {
        let bytes = std::fs::read(program).unwrap();
        let identity = Program::from_json(&bytes, program).unwrap().identity();
        Arc::new(Mutex::new(OrgState {
            job: JobId([0; 32]),
            salt: rand_bytes(),
            name: name.into(),
            served_bytes: bytes.clone(),
            program_bytes: bytes,
            program: identity,
            shards: shards.into_iter().map(|a| (a.into_iter().map(Felt::from).collect(), Shard::Open)).collect(),
            verdicts: HashMap::new(),
            grants: Vec::new(),
            steps: 20_000,
        }))
    }

    /// Serve these bytes for the program instead of the real ones.
    pub fn serve_instead(&mut self, bytes: Vec<u8>) {
        self.served_bytes = bytes;
    }

    fn open(&self) -> u32 {
        self.shards.iter().filter(|(_, s)| *s != Shard::Proven).count() as u32
    }
}

fn rand_bytes() -> [u8; 32] {
    let k = Keypair::generate_ed25519();
    let b = k.public().to_peer_id().to_bytes();
    let mut out = [0u8; 32];
    out.copy_from_slice(&b[b.len() - 32..]);
    out
}

pub struct Org {
    pub client: Client,
    pub addr: Multiaddr,
    pub events: mpsc::UnboundedReceiver<OrgEvent>,
    net: JoinHandle<()>,
    /// The logs of the donors this org waits on, printed when `next` times out.
    watched: Vec<std::path::PathBuf>,
}

impl Org {
    /// Starts the org peer with `key` on `port` (0: any), registers its job with the bootstrap
    /// and announces it whenever a peer subscribes.
    pub async fn start(key: Keypair, port: u16, state: Arc<Mutex<OrgState>>, bootstrap: &Multiaddr) -> Org {
        let config = NetworkConfig::new(key.clone(), PeerKind::Org).with_bootstrap([bootstrap.clone()]);
        let (client, mut events, event_loop) = proofgrid_protocol::new(config).unwrap();
        let net = tokio::spawn(event_loop.run());
        let addr = client.listen_on(format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap()).await.unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let me = client.local_peer_id();
        {
            let mut s = state.lock().unwrap();
            s.job = JobId::derive(&me, &ProgramHash(s.program.hash.to_bytes_be()), &s.salt);
        }
        let c = client.clone();
        let listen = addr.clone();
        let seq = Arc::new(std::sync::atomic::AtomicU64::new(1));
        tokio::spawn(async move {
            let announcement = |state: &OrgState| {
                let mut ann = JobAnnouncement {
                job: state.job,
                org: me,
                org_addrs: vec![listen.clone()],
                name: state.name.clone(),
                description: "test job".into(),
                program_hash: ProgramHash(state.program.hash.to_bytes_be()),
                shards_total: state.shards.len() as u32,
                shards_open: state.open(),
                est_steps_per_shard: state.steps,
                est_memory_per_shard: 64 << 20,
                min_security_bits: 80,
                issued_at: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
                salt: state.salt,
                seq: seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    + std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() * 1000,
                public_key: vec![],
                signature: vec![],
                };
                ann.sign(&key).unwrap();
                ann
            };
            while let Some(event) = events.recv().await {
                match event {
                    Event::BootstrapConnected { peer } => {
                        let ann = announcement(&state.lock().unwrap());
                        let _ = c.directory(peer, DirectoryRequest::Register { jobs: vec![ann] }).await;
                    }
                    Event::Subscribed { .. } => {
                        let ann = announcement(&state.lock().unwrap());
                        let _ = c.publish(ann).await;
                    }
                    Event::WorkRequest { peer, request, responder, .. } => {
                        let ann = announcement(&state.lock().unwrap());
                        let response = answer(&state, &tx, peer, request, ann);
                        let _ = responder.send(response).await;
                    }
                    _ => {}
                }
            }
        });
        Org { client, addr, events: rx, net, watched: Vec::new() }
    }

    pub fn port(&self) -> u16 {
        self.addr
            .iter()
            .find_map(|p| match p {
                libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
                _ => None,
            })
            .unwrap()
    }

    /// Goes away: closes its listener and connections.
    pub async fn stop(self) {
        self.client.shutdown().await;
        let _ = self.net.await;
    }

    /// Prints `donor`'s log if a wait on this org times out: what the donor did is the why.
    pub fn watch(&mut self, donor: &super::Donor) {
        self.watched.push(donor.dir.join("node.log"));
    }

    pub async fn next(&mut self) -> OrgEvent {
        match tokio::time::timeout(super::WAIT, self.events.recv()).await {
            Ok(event) => event.expect("org stopped"),
            Err(_) => {
                let logs: Vec<String> = self
                    .watched
                    .iter()
                    .map(|p| format!("{}:\n{}", p.display(), std::fs::read_to_string(p).unwrap_or_default()))
                    .collect();
                panic!("timed out waiting for the org; donor logs:\n{}", logs.join("\n"))
            }
        }
    }
}

fn answer(
    state: &Arc<Mutex<OrgState>>,
    tx: &mpsc::UnboundedSender<OrgEvent>,
    peer: PeerId,
    request: WorkRequest,
    ann: JobAnnouncement,
) -> WorkResponse {
    let mut s = state.lock().unwrap();
    match request {
        WorkRequest::ListJobs => WorkResponse::Jobs(vec![ann]),
        WorkRequest::GetProgram { hash } => {
            let _ = tx.send(OrgEvent::ProgramServed);
            WorkResponse::Program { hash, bytes: s.served_bytes.clone() }
        }
        WorkRequest::Claim { job, role, .. } => {
            assert_eq!(job, s.job);
            let pick = s.shards.iter().position(|(_, st)| match role {
                Role::Prove => matches!(st, Shard::Executed(_)),
                _ => *st == Shard::Open,
            });
            let Some(i) = pick else { return WorkResponse::NoWork { retry_after_secs: 1 } };
            let trace = match std::mem::replace(&mut s.shards[i].1, Shard::Leased) {
                Shard::Executed(t) => t,
                _ => Vec::new(),
            };
            s.grants.push((i as u32, role));
            let _ = tx.send(OrgEvent::Claimed { shard: i as u32, role, peer });
            WorkResponse::Grant(Grant {
                job,
                shard: i as u32,
                role,
                program_hash: ProgramHash(s.program.hash.to_bytes_be()),
                args: s.shards[i].0.iter().flat_map(|a| a.to_bytes_be()).collect(),
                lease_secs: 600,
                lease_deadline: 0,
                max_steps: 1 << 20,
                trace,
            })
        }
        WorkRequest::SubmitTrace { shard, trace, .. } => {
            s.shards[shard as usize].1 = Shard::Executed(trace);
            let _ = tx.send(OrgEvent::Trace { shard, peer });
            WorkResponse::Ack(Ack::Accepted)
        }
        WorkRequest::SubmitProof { shard, proof, .. } => {
            if s.shards[shard as usize].1 == Shard::Proven {
                return WorkResponse::Ack(Ack::Duplicate);
            }
            // Ack at once, verify off the swarm task, like a real org.
            s.verdicts.insert((peer, shard), Verdict::Pending);
            let (program, args) = (s.program.clone(), s.shards[shard as usize].0.clone());
            let (state, tx) = (state.clone(), tx.clone());
            tokio::task::spawn_blocking(move || {
                let result = CairoProof::from_bytes(&proof)
                    .map_err(|e| e.to_string())
                    .and_then(|p| verify_for(&program, &args, &p, 80).map_err(|e| e.to_string()));
                let mut s = state.lock().unwrap();
                let verdict = match &result {
                    Ok(_) => {
                        s.shards[shard as usize].1 = Shard::Proven;
                        Verdict::Verified
                    }
                    Err(e) => {
                        s.shards[shard as usize].1 = Shard::Open;
                        Verdict::Rejected(e.clone())
                    }
                };
                s.verdicts.insert((peer, shard), verdict);
                let _ = tx.send(OrgEvent::Proof { shard, peer, result });
            });
            WorkResponse::Ack(Ack::Accepted)
        }
        WorkRequest::Release { shard, reason, .. } => {
            // Like the real org, it does not lease a shard again to the peer that gave it back;
            // this one has a single donor per job, so it leases it to no one.
            s.shards[shard as usize].1 = Shard::GivenBack;
            let _ = tx.send(OrgEvent::Released { shard, peer, reason });
            WorkResponse::Ack(Ack::Accepted)
        }
        WorkRequest::GetVerdict { shard, .. } => {
            WorkResponse::Verdict(s.verdicts.get(&(peer, shard)).cloned().unwrap_or(Verdict::Unknown))
        }
    }
}
