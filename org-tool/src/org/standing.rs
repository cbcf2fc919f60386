//! How much the org trusts a peer, from what the peer has done for it: trust is earned with
//! verified work and lost with garbage, never granted for showing up.
//!
//! - A peer with no verified proof yet (a new peer id is free to make) holds at most
//!   [`UNPROVEN_LEASES`] lease at a time, and the unproven peers of one IP prefix share
//!   `--unproven-leases-per-ip-prefix` leases per job (see `serve::claim`).
//! - Once a proof of it verifies, it may hold `--max-leases-per-peer`.
//! - Letting leases run out counts against it: with more than [`EXPIRY_SLACK`] expiries beyond
//!   its verified proofs, it is back to one lease.
//! - A garbled submission, one about another statement, or a rejected proof or trace is a
//!   strike; after strike `k` the peer is refused for `BASE_REFUSAL_SECS · 2^(k-1)` seconds
//!   (capped at [`MAX_REFUSAL_SECS`]), with the reason.
//!
//! The record lives in the store (tree `standing`), written in the same transaction as the
//! verdict or expiry that changes it, so restarting the org forgives nothing.

use crate::org::store::{Standing, Tx, TxResult, T};

pub const UNPROVEN_LEASES: u64 = 1;
pub const EXPIRY_SLACK: u64 = 2;
pub const BASE_REFUSAL_SECS: u64 = 60;
pub const MAX_REFUSAL_SECS: u64 = 24 * 3600;

/// How long a peer is refused after its `strikes`-th strike.
pub fn refusal_secs(strikes: u32) -> u64 {
    BASE_REFUSAL_SECS.saturating_mul(1u64 << strikes.saturating_sub(1).min(20)).min(MAX_REFUSAL_SECS)
}

impl Standing {
    /// Whether a proof of this peer has verified.
    pub fn proven(&self) -> bool {
        self.verified > 0
    }

    /// The most leases (per job) this peer may hold at once, with `max` the org's setting.
    pub fn lease_allowance(&self, max: u64) -> u64 {
        if !self.proven() || self.expired > self.verified.saturating_add(EXPIRY_SLACK) {
            UNPROVEN_LEASES.min(max)
        } else {
            max
        }
    }

    /// Why the peer is refused at `now`, if it is.
    pub fn refusal(&self, now: u64) -> Option<String> {
        (now < self.refused_until).then(|| {
            format!(
                "this org refuses your requests for another {} s after {} bad submission(s); the last: {}",
                self.refused_until - now,
                self.strikes,
                self.last_strike
            )
        })
    }

    pub fn strike(&mut self, now: u64, why: &str) {
        self.strikes = self.strikes.saturating_add(1);
        self.refused_until = now.saturating_add(refusal_secs(self.strikes));
        self.last_strike = why.chars().take(300).collect();
    }
}

fn key(peer: &str) -> &[u8] {
    peer.as_bytes()
}

/// The peer's standing, outside a transaction (a fresh one if it has none).
pub fn read(store: &crate::org::store::Store, peer: &str) -> crate::org::store::Result<Standing> {
    Ok(crate::org::store::Store::get(store.tree(T::Standing), "standing", key(peer))?.unwrap_or_default())
}

/// Changes the peer's standing inside a transaction.
pub fn update(tx: &Tx<'_>, peer: &str, now: u64, f: impl FnOnce(&mut Standing)) -> TxResult<()> {
    let mut s: Standing = tx.get(T::Standing, key(peer))?.unwrap_or(Standing { first_seen: now, ..Default::default() });
    f(&mut s);
    tx.put(T::Standing, key(peer), &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_double_and_are_capped() {
        assert_eq!(refusal_secs(1), 60);
        assert_eq!(refusal_secs(2), 120);
        assert_eq!(refusal_secs(5), 960);
        assert_eq!(refusal_secs(40), MAX_REFUSAL_SECS);
        let mut s = Standing::default();
        s.strike(1000, "garbled proof");
        assert!(s.refusal(1059).unwrap().contains("garbled proof"));
        assert_eq!(s.refusal(1060), None);
        s.strike(2000, "again");
        assert_eq!(s.refused_until, 2120);
    }

    #[test]
    fn leases_are_earned_with_verified_work_and_lost_by_letting_them_expire() {
        let mut s = Standing::default();
        assert_eq!(s.lease_allowance(4), 1, "an unproven peer gets one lease");
        s.verified = 1;
        assert_eq!(s.lease_allowance(4), 4);
        s.expired = 3;
        assert_eq!(s.lease_allowance(4), 4, "a few expiries are normal churn");
        s.expired = 4;
        assert_eq!(s.lease_allowance(4), 1, "a peer that keeps letting leases expire is back to one");
    }
}
