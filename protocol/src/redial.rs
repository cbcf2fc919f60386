//! Keeping the bootstrap connections up: when one drops or a dial fails, try again after an
//! exponentially growing delay (reset once connected), so a restarted bootstrap is found again
//! without anyone restarting the peers, and a dead one is not hammered.

use std::collections::HashMap;
use std::time::Duration;

use libp2p::{Multiaddr, PeerId};

use crate::ids::peer_id_of;
use tokio::time::Instant;

struct Target {
    addr: Multiaddr,
    connected: bool,
    backoff: Duration,
    /// When to dial next; `None` while connected or a dial is in flight.
    due: Option<Instant>,
}

pub(crate) struct Redialer {
    targets: HashMap<PeerId, Target>,
    min: Duration,
    max: Duration,
}

impl Redialer {
    /// Every address must end in `/p2p/<peer id>`: that is how a reconnect is recognised.
    pub fn new(addrs: &[Multiaddr], min: Duration, max: Duration) -> Result<Self, String> {
        let mut targets = HashMap::new();
        for addr in addrs {
            let peer = peer_id_of(addr)
                .ok_or_else(|| format!("bootstrap address {addr} lacks a final /p2p/<peer id>"))?;
            let now = Instant::now();
            targets.insert(
                peer,
                Target {
                    addr: addr.clone(),
                    connected: false,
                    backoff: min,
                    due: Some(now),
                },
            );
        }
        Ok(Redialer { targets, min, max })
    }

    pub fn addr(&self, peer: &PeerId) -> Option<&Multiaddr> {
        self.targets.get(peer).map(|t| &t.addr)
    }

    pub fn connected(&self) -> Vec<PeerId> {
        self.targets
            .iter()
            .filter(|(_, t)| t.connected)
            .map(|(p, _)| *p)
            .collect()
    }

    /// The earliest pending redial.
    pub fn next_due(&self) -> Option<Instant> {
        self.targets.values().filter_map(|t| t.due).min()
    }

    /// Targets whose time has come; they are marked in flight.
    pub fn take_due(&mut self, now: Instant) -> Vec<(PeerId, Multiaddr)> {
        let mut out = Vec::new();
        for (peer, t) in &mut self.targets {
            if t.due.is_some_and(|d| d <= now) {
                t.due = None;
                out.push((*peer, t.addr.clone()));
            }
        }
        out
    }

    /// Returns true when this is a configured bootstrap peer.
    pub fn on_connected(&mut self, peer: &PeerId) -> bool {
        let min = self.min;
        match self.targets.get_mut(peer) {
            Some(t) => {
                t.connected = true;
                t.backoff = min;
                t.due = None;
                true
            }
            None => false,
        }
    }

    /// The last connection closed, or a dial failed: schedule the next attempt. Returns the
    /// delay when `peer` is a bootstrap peer.
    pub fn on_lost(&mut self, peer: &PeerId, now: Instant) -> Option<Duration> {
        let max = self.max;
        let t = self.targets.get_mut(peer)?;
        t.connected = false;
        if t.due.is_some() {
            return None; // already scheduled (several failed connections of one dial)
        }
        let delay = t.backoff;
        t.backoff = (t.backoff * 2).min(max);
        t.due = Some(now + delay);
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap_and_resets_on_connect() {
        let peer = PeerId::random();
        let addr: Multiaddr = format!("/ip4/127.0.0.1/tcp/1/p2p/{peer}").parse().unwrap();
        let mut r = Redialer::new(
            &[addr],
            Duration::from_millis(100),
            Duration::from_millis(350),
        )
        .unwrap();
        let t0 = Instant::now();
        assert_eq!(r.take_due(t0).len(), 1, "dialled at start");
        assert!(r.take_due(t0).is_empty(), "in flight, not due again");
        let delays: Vec<_> = (0..4)
            .map(|_| {
                let d = r.on_lost(&peer, t0).unwrap();
                r.take_due(t0 + Duration::from_secs(1));
                d.as_millis()
            })
            .collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        assert!(r.on_connected(&peer));
        assert_eq!(r.on_lost(&peer, t0), Some(Duration::from_millis(100)));
        assert_eq!(r.on_lost(&PeerId::random(), t0), None);
    }

    #[test]
    fn address_without_peer_id_is_a_config_error() {
        let addr: Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().unwrap();
        let err = Redialer::new(&[addr], Duration::ZERO, Duration::ZERO)
            .err()
            .unwrap();
        assert!(err.contains("/p2p/"), "{err}");
    }
}
