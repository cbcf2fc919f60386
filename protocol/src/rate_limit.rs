//! Per-peer token buckets for inbound requests.
//!
//! The request has already been read by then (request-response reads before it reports), so the
//! limit protects the application and the org's state, while the frame caps and stream limits
//! protect memory. A refused request is answered at once so the peer learns to back off and no
//! stream is held open.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libp2p::PeerId;

use crate::limits::RateLimit;

struct Bucket {
    tokens: f64,
    last: Instant,
    /// Requests refused since the peer went over the limit; `Some` while it is over, so the
    /// flood is logged once when it starts and once when it ends.
    refused: Option<u64>,
    /// The peer has no connection left (the bucket is kept until it refills).
    gone: bool,
}

/// Buckets of disconnected peers kept at most.
pub const MAX_IDLE_BUCKETS: usize = 4096;

/// What to do with one inbound request.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Refuse; `first` is true for the first refusal of a flood (log it), `retry_after` is when
    /// one token will be available.
    Refuse {
        first: bool,
        retry_after: Duration,
    },
}

pub struct RateLimiter {
    config: RateLimit,
    buckets: HashMap<PeerId, Bucket>,
}

impl RateLimiter {
    pub fn new(config: RateLimit) -> Self {
        RateLimiter {
            config,
            buckets: HashMap::new(),
        }
    }

    /// Takes a token for `peer` at time `now`. When a peer that was limited is allowed again,
    /// returns how many requests were refused in its flood via `ended_flood`.
    pub fn check(&mut self, peer: PeerId, now: Instant) -> (Decision, Option<u64>) {
        let burst = f64::from(self.config.burst.max(1));
        let rate = self.config.per_second.max(f64::MIN_POSITIVE);
        let b = self.buckets.entry(peer).or_insert(Bucket {
            tokens: burst,
            last: now,
            refused: None,
            gone: false,
        });
        b.gone = false;
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            // The flood is over once the peer has let half its burst refill, not merely one
            // token: a peer pacing itself at the limit is still one flood, logged once.
            let calm = b.tokens + 1.0 >= burst / 2.0;
            let ended = if calm { b.refused.take() } else { None };
            (Decision::Allow, ended)
        } else {
            let first = b.refused.is_none();
            *b.refused.get_or_insert(0) += 1;
            let retry_after = Duration::from_secs_f64((1.0 - b.tokens) / rate);
            (Decision::Refuse { first, retry_after }, None)
        }
    }

    /// A peer's last connection closed. Its bucket is kept until it has refilled, so that
    /// reconnecting does not buy a fresh burst; buckets of gone peers that have refilled are
    /// dropped, and beyond [`MAX_IDLE_BUCKETS`] of them the fullest go first, so the map stays
    /// bounded by the connection limits plus that.
    pub fn disconnected(&mut self, peer: &PeerId, now: Instant) {
        if let Some(b) = self.buckets.get_mut(peer) {
            b.gone = true;
        }
        let burst = f64::from(self.config.burst.max(1));
        let rate = self.config.per_second.max(f64::MIN_POSITIVE);
        let refilled = |b: &Bucket| b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate >= burst;
        self.buckets.retain(|_, b| !(b.gone && refilled(b)));
        let gone = self.buckets.values().filter(|b| b.gone).count();
        if gone > MAX_IDLE_BUCKETS {
            let mut idle: Vec<(PeerId, f64)> =
                self.buckets.iter().filter(|(_, b)| b.gone).map(|(p, b)| (*p, b.tokens)).collect();
            idle.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (p, _) in idle.into_iter().take(gone - MAX_IDLE_BUCKETS) {
                self.buckets.remove(&p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse_once_logged_then_refill() {
        let mut rl = RateLimiter::new(RateLimit {
            burst: 3,
            per_second: 10.0,
        });
        let p = PeerId::random();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(rl.check(p, t0).0, Decision::Allow);
        }
        let (d, _) = rl.check(p, t0);
        assert!(matches!(d, Decision::Refuse { first: true, .. }), "{d:?}");
        let (d, _) = rl.check(p, t0);
        match d {
            Decision::Refuse {
                first: false,
                retry_after,
            } => {
                assert!(retry_after <= Duration::from_millis(100) && retry_after > Duration::ZERO)
            }
            other => panic!("{other:?}"),
        }
        // Another peer is unaffected.
        assert_eq!(rl.check(PeerId::random(), t0).0, Decision::Allow);
        // 100 ms later one token is back: allowed, but the flood is not over yet, so a
        // further refusal is not "first" again.
        assert_eq!(
            rl.check(p, t0 + Duration::from_millis(100)),
            (Decision::Allow, None)
        );
        let (d, _) = rl.check(p, t0 + Duration::from_millis(100));
        assert!(matches!(d, Decision::Refuse { first: false, .. }), "{d:?}");
        // Reconnecting does not refill the bucket.
        rl.disconnected(&p, t0 + Duration::from_millis(100));
        let (d, _) = rl.check(p, t0 + Duration::from_millis(100));
        assert!(matches!(d, Decision::Refuse { .. }), "{d:?}");
        // Once it has calmed down (half the burst back), the flood's size is reported once.
        let (d, ended) = rl.check(p, t0 + Duration::from_millis(400));
        assert_eq!((d, ended), (Decision::Allow, Some(4)));
        let (_, ended) = rl.check(p, t0 + Duration::from_millis(600));
        assert_eq!(ended, None);
    }
}
