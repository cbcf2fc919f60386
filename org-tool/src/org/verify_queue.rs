//! The queue of submissions awaiting verification: bounded, and fair across peers.
//!
//! Each peer has its own line and the verifier takes the head of each line in turn, so a peer
//! that sends a hundred proofs delays an honest peer's one by at most one verification per
//! peer ahead of it, not by a hundred. A submission takes a [`Slot`] before it is stored; with
//! the queue full, or the peer's line at its bound, it is turned away (the donor retries later)
//! and costs the org nothing durable.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::org::verifier::Task;

/// Why a submission cannot be queued now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// Every slot is taken.
    Queue(usize),
    /// This peer already has this many submissions waiting.
    Peer(usize),
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Full::Queue(n) => write!(f, "the org has {n} submissions awaiting verification"),
            Full::Peer(n) => write!(f, "{n} of your submissions await verification"),
        }
    }
}

#[derive(Default)]
struct Lines {
    by_peer: HashMap<String, VecDeque<Task>>,
    /// Peers with a non-empty line, in the order they get their next turn.
    turn: VecDeque<String>,
    /// Slots taken per peer: queued tasks plus reservations not yet filled.
    held: HashMap<String, usize>,
    total: usize,
}

pub struct VerifyQueue {
    lines: Mutex<Lines>,
    ready: Notify,
    max_total: usize,
}

/// A place in the queue, taken before a submission is stored and filled with its task once it
/// is; dropped unfilled, the place is given back.
pub struct Slot {
    queue: Arc<VerifyQueue>,
    peer: String,
    filled: bool,
}

impl VerifyQueue {
    pub fn new(max_total: usize) -> Arc<VerifyQueue> {
        Arc::new(VerifyQueue { lines: Mutex::new(Lines::default()), ready: Notify::new(), max_total })
    }

    fn lines(&self) -> std::sync::MutexGuard<'_, Lines> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a slot for `peer`, which may hold at most `max_for_peer` at once.
    pub fn reserve(self: &Arc<Self>, peer: &str, max_for_peer: usize) -> Result<Slot, Full> {
        let mut l = self.lines();
        if l.total >= self.max_total {
            return Err(Full::Queue(l.total));
        }
        let held = l.held.get(peer).copied().unwrap_or(0);
        if held >= max_for_peer.max(1) {
            return Err(Full::Peer(held));
        }
        l.held.insert(peer.to_string(), held + 1);
        l.total += 1;
        Ok(Slot { queue: self.clone(), peer: peer.to_string(), filled: false })
    }

    /// Queues a task that is already stored as pending (the re-queue at start), without bounds:
    /// it was admitted under them when it arrived.
    pub fn push_admitted(&self, task: Task) {
        let mut l = self.lines();
        *l.held.entry(task.peer().to_string()).or_default() += 1;
        l.total += 1;
        Self::enqueue(&mut l, task);
        drop(l);
        self.ready.notify_one();
    }

    fn enqueue(l: &mut Lines, task: Task) {
        let peer = task.peer().to_string();
        let line = l.by_peer.entry(peer.clone()).or_default();
        if line.is_empty() {
            l.turn.push_back(peer);
        }
        line.push_back(task);
    }

    /// The next task, taking peers in turn; waits while there is none.
    pub async fn pop(&self) -> Task {
        loop {
            // Registered before looking, so a push between the look and the wait is not missed.
            let notified = self.ready.notified();
            if let Some(task) = self.try_pop() {
                return task;
            }
            notified.await;
        }
    }

    fn try_pop(&self) -> Option<Task> {
        let mut l = self.lines();
        let peer = l.turn.pop_front()?;
        let line = l.by_peer.get_mut(&peer).expect("a peer in turn has a line");
        let task = line.pop_front().expect("a peer in turn has a task");
        if line.is_empty() {
            l.by_peer.remove(&peer);
        } else {
            l.turn.push_back(peer.clone());
        }
        Self::release(&mut l, &peer);
        Some(task)
    }

    fn release(l: &mut Lines, peer: &str) {
        l.total -= 1;
        if let Some(h) = l.held.get_mut(peer) {
            *h -= 1;
            if *h == 0 {
                l.held.remove(peer);
            }
        }
    }

    /// Submissions queued or about to be.
    pub fn len(&self) -> usize {
        self.lines().total
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Slot {
    /// Puts the stored submission's task in its peer's line.
    pub fn fill(mut self, task: Task) {
        debug_assert_eq!(task.peer(), self.peer);
        self.filled = true;
        let mut l = self.queue.lines();
        VerifyQueue::enqueue(&mut l, task);
        drop(l);
        self.queue.ready.notify_one();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if !self.filled {
            let mut l = self.queue.lines();
            VerifyQueue::release(&mut l, &self.peer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proofgrid_protocol::JobId;

    fn task(peer: &str, shard: u32) -> Task {
        Task::Proof { job: JobId([0; 32]), shard, peer: peer.into() }
    }

    #[tokio::test]
    async fn peers_take_turns_and_the_bounds_hold() {
        let q = VerifyQueue::new(6);
        for shard in 0..4 {
            q.reserve("flood", 4).unwrap().fill(task("flood", shard));
        }
        assert_eq!(q.reserve("flood", 4).err(), Some(Full::Peer(4)));
        q.reserve("honest", 4).unwrap().fill(task("honest", 100));
        let unfilled = q.reserve("late", 4).unwrap();
        assert_eq!(q.reserve("other", 4).err(), Some(Full::Queue(6)));
        drop(unfilled);
        assert_eq!(q.len(), 5, "a dropped slot is given back");
        // The honest peer's one proof comes second, not after the whole flood.
        let order: Vec<(String, u32)> = {
            let mut v = Vec::new();
            for _ in 0..5 {
                match q.pop().await {
                    Task::Proof { peer, shard, .. } => v.push((peer, shard)),
                    other => panic!("{other:?}"),
                }
            }
            v
        };
        assert_eq!(order[0], ("flood".into(), 0));
        assert_eq!(order[1], ("honest".into(), 100));
        assert!(q.is_empty());
        assert!(q.reserve("flood", 4).is_ok(), "popped tasks free their peer's slots");
    }
}
