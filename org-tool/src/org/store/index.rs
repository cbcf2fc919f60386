//! The indexes beside the shard records: which shards each phase holds, the leases by deadline,
//! how many leases each peer holds, what awaits verification, and per-job counts. They turn every
//! serving operation into a few O(log n) lookups: a claim reads the first open shard, settling
//! expiries reads the deadlines up to now, `status` reads the counts.
//!
//! They are written only by [`Tx::put_shard`] (and the pending helpers), in the transaction that
//! writes the record they index, so they agree with the records after any crash. A database from
//! before the indexes gets them built once when it is opened ([`ensure`]); [`check`] recomputes
//! them from the records and lists any difference (the tests run it after random histories).

use std::collections::BTreeMap;

use proofgrid_protocol::JobId;
use serde::{Deserialize, Serialize};

use super::{decode, shard_key, shard_of, split_peer_key, Result, ShardRecord, Store, StoreError, StoredVerdict, Tx, TxResult, T};
use crate::org::lease::Phase;

/// Bumped when the indexes' layout changes: a database with another version is re-indexed.
const VERSION: &[u8] = b"1";
const VERSION_KEY: &[u8] = b"index-version";

/// How many of a job's shards are in each phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub open: u64,
    pub leased: u64,
    pub executed: u64,
    pub proven: u64,
    pub failed: u64,
}

impl Counts {
    /// Shards neither proven nor failed.
    pub fn unfinished(&self) -> u64 {
        self.open + self.leased + self.executed
    }

    fn slot(&mut self, phase: &Phase) -> &mut u64 {
        match phase {
            Phase::Open => &mut self.open,
            Phase::Leased { .. } => &mut self.leased,
            Phase::Executed => &mut self.executed,
            Phase::Proven { .. } => &mut self.proven,
            Phase::Failed { .. } => &mut self.failed,
        }
    }
}

/// A `job, deadline, shard` key of the deadlines index.
pub fn deadline_key(job: &JobId, deadline: u64, shard: u32) -> Vec<u8> {
    let mut k = job.0.to_vec();
    k.extend(deadline.to_be_bytes());
    k.extend(shard.to_be_bytes());
    k
}

/// What a pending entry waits for.
pub const PENDING_PROOF: &[u8] = b"P";
pub const PENDING_TRACE: &[u8] = b"T";

impl Tx<'_> {
    /// Writes `new` as a shard's record, moving it between the indexes and the counts from `old`
    /// (`None` for a shard that did not exist).
    pub fn put_shard(&self, job: &JobId, shard: u32, old: Option<&ShardRecord>, new: &ShardRecord) -> TxResult<()> {
        let key = shard_key(job, shard);
        let mut counts: Counts = self.get(T::Counts, &job.0)?.unwrap_or_default();
        if let Some(old) = old {
            self.unindex(job, shard, &old.state.phase)?;
            let slot = counts.slot(&old.state.phase);
            *slot = slot.saturating_sub(1);
        }
        self.index(job, shard, &new.state.phase)?;
        *counts.slot(&new.state.phase) += 1;
        self.put(T::Counts, &job.0, &counts)?;
        self.put(T::Shards, &key, new)
    }

    fn unindex(&self, job: &JobId, shard: u32, phase: &Phase) -> TxResult<()> {
        let key = shard_key(job, shard);
        match phase {
            Phase::Open => self.remove(T::Open, &key),
            Phase::Executed => self.remove(T::Executed, &key),
            Phase::Failed { .. } => self.remove(T::Failed, &key),
            Phase::Leased { peer, deadline, .. } => {
                self.remove(T::Deadlines, &deadline_key(job, *deadline, shard))?;
                self.add_peer_lease(job, peer, -1)
            }
            Phase::Proven { .. } => Ok(()),
        }
    }

    fn index(&self, job: &JobId, shard: u32, phase: &Phase) -> TxResult<()> {
        let key = shard_key(job, shard);
        match phase {
            Phase::Open => self.put_raw(T::Open, &key, &[]),
            Phase::Executed => self.put_raw(T::Executed, &key, &[]),
            Phase::Failed { .. } => self.put_raw(T::Failed, &key, &[]),
            Phase::Leased { peer, deadline, .. } => {
                self.put_raw(T::Deadlines, &deadline_key(job, *deadline, shard), peer.as_bytes())?;
                self.add_peer_lease(job, peer, 1)
            }
            Phase::Proven { .. } => Ok(()),
        }
    }

    fn add_peer_lease(&self, job: &JobId, peer: &str, delta: i64) -> TxResult<()> {
        let key = super::job_peer_key(job, peer);
        let held = self.get_raw(T::PeerLeases, &key)?.map_or(0, |v| u64::from_be_bytes(v.as_ref().try_into().unwrap_or([0; 8])));
        let held = (held as i64 + delta).max(0) as u64;
        if held == 0 {
            self.remove(T::PeerLeases, &key)
        } else {
            self.put_raw(T::PeerLeases, &key, &held.to_be_bytes())
        }
    }

    /// Marks a submission as awaiting its verdict (`kind`: [`PENDING_PROOF`] or [`PENDING_TRACE`]).
    pub fn set_pending(&self, job: &JobId, shard: u32, peer: &str, kind: &[u8]) -> TxResult<()> {
        self.put_raw(T::Pending, &super::peer_key(job, shard, peer), kind)
    }

    pub fn clear_pending(&self, job: &JobId, shard: u32, peer: &str) -> TxResult<()> {
        self.remove(T::Pending, &super::peer_key(job, shard, peer))
    }
}

fn shard_index(key: &[u8], tree: T) -> Result<u32> {
    shard_of(key).ok_or(StoreError::Corrupt { tree: tree.name(), detail: "bad key".into() })
}

impl Store {
    /// The job's counts per phase.
    pub fn counts(&self, job: &JobId) -> Result<Counts> {
        Ok(Self::get(self.tree(T::Counts), T::Counts.name(), &job.0)?.unwrap_or_default())
    }

    /// How many leases `peer` holds on the job's shards now.
    pub fn peer_leases(&self, job: &JobId, peer: &str) -> Result<u64> {
        Ok(self
            .tree(T::PeerLeases)
            .get(super::job_peer_key(job, peer))?
            .map_or(0, |v| u64::from_be_bytes(v.as_ref().try_into().unwrap_or([0; 8]))))
    }

    /// Up to `limit` shards whose lease ended at or before `now`, earliest first.
    pub fn expired(&self, job: &JobId, now: u64, limit: usize) -> Result<Vec<u32>> {
        let (from, to) = (deadline_key(job, 0, 0), deadline_key(job, now, u32::MAX));
        self.tree(T::Deadlines)
            .range(from..=to)
            .take(limit)
            .map(|kv| {
                let (k, _) = kv?;
                let bytes: [u8; 4] = k.get(40..44).and_then(|b| b.try_into().ok()).ok_or(StoreError::Corrupt {
                    tree: T::Deadlines.name(),
                    detail: "bad key".into(),
                })?;
                Ok(u32::from_be_bytes(bytes))
            })
            .collect()
    }

    /// The job's shards in one phase's index, in shard order, streamed (`T::Open`,
    /// `T::Executed` or `T::Failed`).
    pub fn indexed(&self, tree: T, job: &JobId) -> impl Iterator<Item = Result<u32>> + '_ {
        self.tree(tree).scan_prefix(job.0).map(move |kv| shard_index(&kv?.0, tree))
    }

    /// Every submission awaiting its verdict: (job, shard, peer, is a proof).
    pub fn pending(&self) -> Result<Vec<(JobId, u32, String, bool)>> {
        self.tree(T::Pending)
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                let job = JobId(k.get(..32).and_then(|b| b.try_into().ok()).ok_or(StoreError::Corrupt {
                    tree: T::Pending.name(),
                    detail: "bad key".into(),
                })?);
                let (shard, peer) =
                    split_peer_key(&k).ok_or(StoreError::Corrupt { tree: T::Pending.name(), detail: "bad key".into() })?;
                Ok((job, shard, peer, v.as_ref() == PENDING_PROOF))
            })
            .collect()
    }
}

/// Builds the indexes of a database that has none (or an older layout).
pub fn ensure(store: &Store) -> Result<()> {
    let meta = store.tree(T::Meta);
    if meta.get(VERSION_KEY)?.as_deref() == Some(VERSION) {
        return Ok(());
    }
    rebuild(store)?;
    meta.insert(VERSION_KEY, VERSION)?;
    store.flush_blocking()
}

/// What the indexes should hold, recomputed from the records.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    trees: BTreeMap<&'static str, BTreeMap<Vec<u8>, Vec<u8>>>,
}

fn expected(store: &Store) -> Result<Expected> {
    let mut e = Expected::default();
    let mut put = |t: T, k: Vec<u8>, v: Vec<u8>| {
        e.trees.entry(t.name()).or_default().insert(k, v);
    };
    let mut counts: BTreeMap<[u8; 32], Counts> = BTreeMap::new();
    let mut held: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    for kv in store.shards.iter() {
        let (k, v) = kv?;
        let job = JobId(k[..32].try_into().map_err(|_| StoreError::Corrupt { tree: "shards", detail: "bad key".into() })?);
        let shard = shard_index(&k, T::Shards)?;
        let record: ShardRecord = decode("shards", &v)?;
        *counts.entry(job.0).or_default().slot(&record.state.phase) += 1;
        match &record.state.phase {
            Phase::Open => put(T::Open, k.to_vec(), Vec::new()),
            Phase::Executed => put(T::Executed, k.to_vec(), Vec::new()),
            Phase::Failed { .. } => put(T::Failed, k.to_vec(), Vec::new()),
            Phase::Leased { peer, deadline, .. } => {
                put(T::Deadlines, deadline_key(&job, *deadline, shard), peer.as_bytes().to_vec());
                *held.entry(super::job_peer_key(&job, peer)).or_default() += 1;
            }
            Phase::Proven { .. } => {}
        }
    }
    for (job, c) in counts {
        put(T::Counts, job.to_vec(), super::encode(&c));
    }
    for (k, n) in held {
        put(T::PeerLeases, k, n.to_be_bytes().to_vec());
    }
    for (tree, kind) in [(&store.proofs, PENDING_PROOF), (&store.traces, PENDING_TRACE)] {
        for kv in tree.iter() {
            let (k, v) = kv?;
            let verdict = if kind == PENDING_PROOF {
                decode::<super::ProofRecord>("proofs", &v)?.verdict
            } else {
                decode::<super::TraceRecord>("traces", &v)?.verdict
            };
            if verdict == StoredVerdict::Pending {
                put(T::Pending, k.to_vec(), kind.to_vec());
            }
        }
    }
    Ok(e)
}

const INDEXES: [T; 7] = [T::Open, T::Executed, T::Failed, T::Deadlines, T::Counts, T::PeerLeases, T::Pending];

/// Recomputes every index from the records.
pub fn rebuild(store: &Store) -> Result<()> {
    let e = expected(store)?;
    for t in INDEXES {
        let tree = store.tree(t);
        tree.clear()?;
        let mut batch = sled::Batch::default();
        for (k, v) in e.trees.get(t.name()).into_iter().flatten() {
            batch.insert(k.as_slice(), v.as_slice());
        }
        tree.apply_batch(batch)?;
    }
    Ok(())
}

/// Every difference between the indexes and what the records say they should hold (empty when
/// they agree).
pub fn check(store: &Store) -> Result<Vec<String>> {
    let e = expected(store)?;
    let mut out = Vec::new();
    for t in INDEXES {
        let want = e.trees.get(t.name()).cloned().unwrap_or_default();
        let mut have = BTreeMap::new();
        for kv in store.tree(t).iter() {
            let (k, v) = kv?;
            have.insert(k.to_vec(), v.to_vec());
        }
        if have != want {
            let extra = have.keys().filter(|k| !want.contains_key(*k)).count();
            let missing = want.keys().filter(|k| !have.contains_key(*k)).count();
            let differ = want.iter().filter(|(k, v)| have.get(*k).is_some_and(|h| h != *v)).count();
            out.push(format!("{}: {extra} extra, {missing} missing, {differ} different", t.name()));
        }
    }
    Ok(out)
}
