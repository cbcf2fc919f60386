//! Bulk requests (proofs, traces) each peer has sent us that are not yet answered.
//!
//! The byte budget bounds what all peers together hold in memory; this bounds one peer's share
//! of it, so a single peer (with its connections and streams) cannot keep every honest proof
//! out by holding the whole budget: past [`MAX_BULK_PER_PEER`] unanswered bulk requests, the
//! next is answered "rate limited" at once and its bytes are dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use libp2p::PeerId;

/// Unanswered bulk requests one peer may have: a donor sends its submissions one at a time.
pub const MAX_BULK_PER_PEER: usize = 2;

#[derive(Debug, Clone, Default)]
pub struct BulkCounts {
    counts: Arc<Mutex<HashMap<PeerId, usize>>>,
}

/// One counted request; dropping it gives its place back.
#[derive(Debug)]
pub struct InFlight {
    counts: Arc<Mutex<HashMap<PeerId, usize>>>,
    peer: PeerId,
}

impl BulkCounts {
    /// Counts one more bulk request from `peer`, or returns `None` when it has the most.
    pub fn take(&self, peer: PeerId) -> Option<InFlight> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(peer).or_default();
        if *n >= MAX_BULK_PER_PEER {
            return None;
        }
        *n += 1;
        Some(InFlight { counts: self.counts.clone(), peer })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.peer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_has_at_most_its_share_and_gets_it_back() {
        let c = BulkCounts::default();
        let (a, b) = (PeerId::random(), PeerId::random());
        let first = c.take(a).unwrap();
        let _second = c.take(a).unwrap();
        assert!(c.take(a).is_none());
        assert!(c.take(b).is_some(), "another peer is unaffected");
        drop(first);
        assert!(c.take(a).is_some());
    }
}
