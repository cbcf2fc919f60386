//! A real org (store, request handlers, verifier) in this process, on a tiny collatz job with a
//! real proof of each shard, driven by random operations: the shared harness of the store's
//! property and crash tests.
#![allow(dead_code)] // each test binary uses part of it

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use proofgrid_org_tool::org::lease::Phase;
use proofgrid_org_tool::org::publish::{publish, JobSpec};
use proofgrid_org_tool::org::store::{index, KeepProofs, Store};
use proofgrid_org_tool::org::verifier::{self, Task};
use proofgrid_org_tool::org::{serve, Org, Policy};
use proofgrid_protocol::{Capacity, JobId, PeerId, Role, WorkRequest, WorkResponse};
use proptest::prelude::*;

pub const SHARDS: u64 = 6;
pub const LEASE: u64 = 100;

/// The same peer id in every process (the crash test's child processes share one history).
pub fn fixed_peer(seed: u8) -> PeerId {
    fixed_key(seed).public().to_peer_id()
}

/// The key behind [`fixed_peer`].
pub fn fixed_key(seed: u8) -> libp2p::identity::Keypair {
    let mut bytes = [7u8; 32];
    bytes[0] = seed;
    libp2p::identity::Keypair::ed25519_from_bytes(bytes).expect("32 bytes make a key")
}

pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// collatz on [k, k+1) for k = 1..=6: tiny shards, and a real proof of each (made once).
/// With `PROOFGRID_TEST_PROOFS=DIR` they are read from (or first written to) DIR, so child
/// processes do not make them again.
pub fn proofs() -> &'static Vec<Vec<u8>> {
    static P: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    P.get_or_init(|| {
        let cache = std::env::var_os("PROOFGRID_TEST_PROOFS").map(PathBuf::from);
        if let Some(dir) = &cache {
            let files: Option<Vec<Vec<u8>>> = (0..SHARDS).map(|k| std::fs::read(dir.join(format!("proof{k}"))).ok()).collect();
            if let Some(files) = files {
                return files;
            }
        }
        let made = make_proofs();
        if let Some(dir) = &cache {
            for (k, p) in made.iter().enumerate() {
                std::fs::write(dir.join(format!("proof{k}")), p).unwrap();
            }
        }
        made
    })
}

fn make_proofs() -> Vec<Vec<u8>> {
    {
        let program = proofgrid_cairo::Program::load(&repo("cairo/programs/collatz.json")).unwrap();
        (1..=SHARDS)
            .map(|k| {
                let args = proofgrid_cairo::args::parse(&[k.to_string(), (k + 1).to_string()]).unwrap();
                let exec = proofgrid_cairo::execute(&program, &args, &Default::default()).unwrap();
                proofgrid_prover::prove(&exec, &proofgrid_prover::ProofOptions::TEST, 1).unwrap().to_bytes()
            })
            .collect()
    }
}

pub struct World {
    pub dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    pub me: PeerId,
    pub org: Option<Arc<Org>>,
    pub job: JobId,
    pub peers: Vec<PeerId>,
    pub runtime: tokio::runtime::Runtime,
    pub skew: u64,
    /// The job's shards (those past [`SHARDS`] have no valid proof: only garbage is sent).
    pub shards: u64,
}

impl World {
    /// A new job in a new temporary directory.
    pub fn new() -> World {
        let temp = tempfile::tempdir().unwrap();
        let mut w = World::at(temp.path());
        w._temp = Some(temp);
        w
    }

    /// The job in `dir`, published there first if it is not yet (publishing is idempotent).
    pub fn at(dir: &Path) -> World {
        World::with_shards(dir, SHARDS)
    }

    /// A job of `count` shards (at least [`SHARDS`]) in `dir`.
    pub fn with_shards(dir: &Path, count: u64) -> World {
        let shards = dir.join("s.jsonl");
        let lines: Vec<String> = (1..=count).map(|k| format!("[{k}, {}]", k + 1)).collect();
        std::fs::write(&shards, lines.join("\n")).unwrap();
        let store = Store::open(&dir.join("org")).unwrap();
        let me = fixed_peer(99);
        let program = repo("cairo/programs/collatz.json");
        let spec = JobSpec {
            program: &program,
            shards: &shards,
            name: "props",
            description: "",
            lease_secs: LEASE,
            max_steps: 1 << 20,
            max_memory_cells: 1 << 22,
            min_security: 0,
            keep_proofs: KeepProofs::All,
        };
        let job = publish(&store, &me, &spec).unwrap().job.id;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let peers = (0..3).map(|i| fixed_peer(i as u8)).collect();
        let mut w = World { dir: dir.to_path_buf(), _temp: None, me, org: None, job, peers, runtime, skew: 0, shards: count };
        w.start(store);
        w
    }

    pub fn start(&mut self, store: Store) {
        let policy = Policy { max_leases_per_peer: 2, ..Policy::default() };
        let org = Arc::new(Org::new(store, fixed_key(99), policy));
        org.advance_clock(self.skew);
        self.org = Some(org);
    }

    pub fn org(&self) -> &Arc<Org> {
        self.org.as_ref().unwrap()
    }

    pub fn handle(&self, peer: usize, request: WorkRequest) -> Option<WorkResponse> {
        let org = self.org().clone();
        let peer = self.peers[peer];
        self.runtime.block_on(async move { serve::handle(&org, peer, request).await })
    }

    /// A restart: the org and its store closed (everything acknowledged is durable) and opened again.
    pub fn restart(&mut self) {
        // Dropping the runtime drops the tasks a handler left running (a given-back shard's
        // check), as a crash would; then this is the org's last handle.
        self.runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let org = self.org.take().unwrap();
        let org = Arc::try_unwrap(org).ok().expect("no other handle");
        drop(org);
        let store = Store::open(&self.dir.join("org")).unwrap();
        self.start(store);
    }

    pub fn check(&self, history: &mut HashMap<u32, bool>) {
        let store = &self.org().store;
        let problems = index::check(store).unwrap();
        assert!(problems.is_empty(), "indexes disagree with the records: {problems:?}");
        let counts = store.counts(&self.job).unwrap();
        assert_eq!(counts.open + counts.leased + counts.executed + counts.proven + counts.failed, self.shards);
        for kv in store.shards(&self.job) {
            let (shard, record) = kv.unwrap();
            let proven = record.state.is_proven();
            if history.get(&shard).copied().unwrap_or(false) {
                assert!(proven, "shard {shard} was proven and is no longer");
            }
            history.insert(shard, proven);
            if proven {
                assert!(store.results.get(proofgrid_org_tool::org::store::shard_key(&self.job, shard)).unwrap().is_some());
            }
        }
    }
}

#[derive(Debug, Clone)]
pub enum Op {
    Claim { peer: usize, role: Role },
    /// The peer's proof of the first shard it holds a full or prove lease on (valid or garbled),
    /// then the verifier's verdict.
    Submit { peer: usize, valid: bool },
    Release { peer: usize },
    Wait { secs: u64 },
    Restart,
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, prop_oneof![Just(Role::Full), Just(Role::Execute), Just(Role::Prove)]).prop_map(|(peer, role)| Op::Claim { peer, role }),
        3 => (0..3usize, any::<bool>()).prop_map(|(peer, valid)| Op::Submit { peer, valid }),
        1 => (0..3usize).prop_map(|peer| Op::Release { peer }),
        1 => (0..2 * LEASE).prop_map(|secs| Op::Wait { secs }),
        1 => Just(Op::Restart),
    ]
}

pub fn capacity() -> Capacity {
    Capacity { max_steps: 1 << 20, max_memory: 1 << 40, security_bits: 128 }
}

/// The shards `peer` holds a live lease on, with the role.
pub fn held(w: &World, peer: usize) -> Vec<(u32, Role)> {
    let me = w.peers[peer].to_base58();
    let now = w.org().now();
    w.org()
        .store
        .shards(&w.job)
        .filter_map(|kv| {
            let (shard, r) = kv.unwrap();
            match r.state.phase {
                Phase::Leased { peer, role, deadline } if peer == me && deadline > now => Some((shard, role)),
                _ => None,
            }
        })
        .collect()
}

/// Applies one operation (through the org's handlers and verifier).
pub fn apply(w: &mut World, op: &Op) {
    match op {
        Op::Claim { peer, role } => {
            let response = w.handle(*peer, WorkRequest::Claim { job: w.job, role: *role, capacity: capacity() });
            if let Some(WorkResponse::Grant(g)) = response {
                // Never leased to two peers at once: nobody else holds a live lease on it.
                for other in (0..3).filter(|o| o != peer) {
                    assert!(!held(w, other).iter().any(|(s, _)| *s == g.shard), "shard {} leased twice", g.shard);
                }
                assert!(held(w, *peer).iter().any(|(s, _)| *s == g.shard), "the grant is recorded");
            }
        }
        Op::Submit { peer, valid } => {
            let Some(&(shard, _)) = held(w, *peer).iter().find(|(_, r)| *r != Role::Execute) else { return };
            let proof = match proofs().get(shard as usize) {
                Some(p) if *valid => p.clone(),
                _ => b"garbage".to_vec(),
            };
            let response = w.handle(*peer, WorkRequest::SubmitProof { job: w.job, shard, proof });
            if matches!(response, Some(WorkResponse::Ack(proofgrid_protocol::Ack::Accepted))) {
                let task = Task::Proof { job: w.job, shard, peer: w.peers[*peer].to_base58() };
                verifier::check(w.org(), &task).unwrap();
            }
        }
        Op::Release { peer } => {
            if let Some(&(shard, _)) = held(w, *peer).first() {
                w.handle(*peer, WorkRequest::Release { job: w.job, shard, reason: "test".into() });
            }
        }
        Op::Wait { secs } => {
            w.skew += secs;
            w.org().advance_clock(*secs);
        }
        Op::Restart => {
            w.restart();
            for (job, shard, peer, is_proof) in w.org().store.pending().unwrap() {
                let task = if is_proof { Task::Proof { job, shard, peer } } else { Task::Trace { job, shard, peer } };
                verifier::check(w.org(), &task).unwrap();
            }
        }
    }
}

pub fn run(ops: &[Op]) {
    let _ = proofs();
    let mut w = World::new();
    let mut history = HashMap::new();
    for op in ops {
        apply(&mut w, op);
        w.check(&mut history);
    }
}
