//! The lifecycle of one shard (DESIGN.md section 5), as a pure state machine: every transition
//! takes the time as an argument, so expiry is tested without waiting and storage stays elsewhere.
//!
//! `Open → Leased(full|execute) → Proven`, or in split mode
//! `Open → Leased(execute) → Executed (trace held) → Leased(prove) → Proven`.
//! An expired lease, or one its holder gives back (`release`), returns the shard to `Open`, or to
//! `Executed` when a trace is held. A proven shard never leaves `Proven`. `Failed` is final too,
//! for a shard the program cannot run on (the org's own run failed), except that a verified
//! proof still makes it `Proven`.

use proofgrid_protocol::Role;
use serde::{Deserialize, Serialize};

/// A trace whose prove leases expired this many times without a proof is presumed unprovable:
/// provers that fail on it have no message to say so, they just never deliver.
pub const MAX_PROVE_EXPIRIES: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Open,
    /// Leased to `peer` until `deadline` (unix seconds on our clock).
    Leased { peer: String, role: Role, deadline: u64 },
    /// A checked trace is held, waiting for a prover.
    Executed,
    /// A verified proof exists; `at` is when it was verified.
    Proven { prover: String, at: u64 },
    /// A donor gave the shard back and the org's own run of it failed too: the program cannot
    /// run on these arguments, so no donor can prove it. `reason` is the VM's error.
    Failed { reason: String, at: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardState {
    pub phase: Phase,
    /// The executor whose trace we hold (set from `Executed` on, while the shard is unproven).
    pub trace_from: Option<String>,
    /// Prove leases on the held trace that expired undelivered.
    pub prove_expiries: u32,
}

/// Something the caller must act on after [`ShardState::settle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Nothing,
    /// The lease ran out; the shard is claimable again.
    Expired { peer: String, role: Role },
    /// The held trace was given up on (too many undelivered prove leases): drop it and record
    /// the executor as having supplied a trace that could not be proven.
    TraceAbandoned { executor: String },
}

/// Why a claim on this shard cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotClaimable {
    Proven,
    Failed,
    LeasedToOther,
    /// The role needs a phase the shard is not in (prove needs a trace, execute needs none).
    WrongPhase,
}

impl Default for ShardState {
    fn default() -> Self {
        ShardState { phase: Phase::Open, trace_from: None, prove_expiries: 0 }
    }
}

impl ShardState {
    /// Applies lease expiry at `now`. Call before reading or changing the state.
    pub fn settle(&mut self, now: u64) -> Settled {
        let Phase::Leased { peer, role, deadline } = &self.phase else { return Settled::Nothing };
        if *deadline > now {
            return Settled::Nothing;
        }
        let (peer, role) = (peer.clone(), *role);
        if role == Role::Prove && self.trace_from.is_some() {
            self.prove_expiries += 1;
            if self.prove_expiries >= MAX_PROVE_EXPIRIES {
                let executor = self.trace_from.take().expect("checked");
                self.phase = Phase::Open;
                self.prove_expiries = 0;
                return Settled::TraceAbandoned { executor };
            }
        }
        self.phase = if self.trace_from.is_some() { Phase::Executed } else { Phase::Open };
        Settled::Expired { peer, role }
    }

    /// `peer` gives its lease back at `now`: it ends as if it had run out. `None` when `peer`
    /// holds no lease on the shard (it expired, or the shard is proven).
    pub fn release(&mut self, peer: &str, now: u64) -> Option<Settled> {
        match &mut self.phase {
            Phase::Leased { peer: p, deadline, .. } if p == peer => {
                *deadline = now;
                Some(self.settle(now))
            }
            _ => None,
        }
    }

    /// Whether `role` could lease this shard now (after [`settle`](Self::settle)).
    pub fn claimable(&self, role: Role) -> Result<(), NotClaimable> {
        match (&self.phase, role) {
            (Phase::Proven { .. }, _) => Err(NotClaimable::Proven),
            (Phase::Failed { .. }, _) => Err(NotClaimable::Failed),
            (Phase::Leased { .. }, _) => Err(NotClaimable::LeasedToOther),
            (Phase::Open, Role::Full | Role::Execute) | (Phase::Executed, Role::Prove) => Ok(()),
            _ => Err(NotClaimable::WrongPhase),
        }
    }

    /// Leases the shard to `peer` for `lease_secs`; returns the deadline.
    pub fn grant(&mut self, peer: &str, role: Role, now: u64, lease_secs: u64) -> Result<u64, NotClaimable> {
        self.claimable(role)?;
        let deadline = now + lease_secs;
        self.phase = Phase::Leased { peer: peer.to_string(), role, deadline };
        Ok(deadline)
    }

    pub fn is_proven(&self) -> bool {
        matches!(self.phase, Phase::Proven { .. })
    }

    /// Proven or failed: nothing more will happen to this shard.
    pub fn is_final(&self) -> bool {
        matches!(self.phase, Phase::Proven { .. } | Phase::Failed { .. })
    }

    /// The org's own run of the shard failed. Returns false when the shard is proven (a proof is
    /// the truth, whatever our run said), already failed, or holds a checked trace (which shows
    /// the program does run). A lease still held ends now.
    pub fn on_failed(&mut self, reason: &str, now: u64) -> bool {
        if self.is_final() || self.trace_from.is_some() {
            return false;
        }
        self.phase = Phase::Failed { reason: reason.to_string(), at: now };
        self.trace_from = None;
        true
    }

    /// A trace from `executor` passed its checks. Returns false when the shard no longer needs
    /// one (proven, or another trace is already held).
    pub fn on_trace_checked(&mut self, executor: &str) -> bool {
        if self.is_final() || self.trace_from.is_some() {
            return false;
        }
        self.trace_from = Some(executor.to_string());
        self.prove_expiries = 0;
        // A full or execute lease is done with; a lease to someone else (the shard was re-leased
        // after this executor's lease expired) stays, and returns to Executed when it ends.
        match &self.phase {
            Phase::Leased { peer, .. } if peer != executor => {}
            _ => self.phase = Phase::Executed,
        }
        true
    }

    /// The held trace turned out unusable: back to execution.
    pub fn on_trace_bad(&mut self) {
        if self.is_proven() {
            return;
        }
        self.trace_from = None;
        self.prove_expiries = 0;
        if matches!(self.phase, Phase::Executed | Phase::Leased { role: Role::Prove, .. }) {
            self.phase = Phase::Open;
        }
    }

    /// A proof from `prover` verified. Returns true when this made the shard proven (false for
    /// a second valid proof of an already proven shard).
    pub fn on_verified(&mut self, prover: &str, now: u64) -> bool {
        if self.is_proven() {
            return false;
        }
        self.phase = Phase::Proven { prover: prover.to_string(), at: now };
        self.trace_from = None;
        true
    }

    /// A proof from `peer` was rejected: its lease, if it still holds one, ends now so the shard
    /// goes to someone else.
    pub fn on_rejected(&mut self, peer: &str) {
        if matches!(&self.phase, Phase::Leased { peer: p, .. } if p == peer) {
            self.phase = if self.trace_from.is_some() { Phase::Executed } else { Phase::Open };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leased(s: &mut ShardState, peer: &str, role: Role, now: u64) -> u64 {
        s.settle(now);
        s.grant(peer, role, now, 10).unwrap()
    }

    #[test]
    fn lease_expires_and_is_reissued() {
        let mut s = ShardState::default();
        assert_eq!(leased(&mut s, "a", Role::Full, 100), 110);
        assert_eq!(s.settle(109), Settled::Nothing);
        assert_eq!(s.grant("b", Role::Full, 109, 10), Err(NotClaimable::LeasedToOther));
        assert_eq!(s.settle(110), Settled::Expired { peer: "a".into(), role: Role::Full });
        assert_eq!(s.phase, Phase::Open);
        assert_eq!(leased(&mut s, "b", Role::Full, 110), 120);
    }

    #[test]
    fn proven_is_final_and_a_late_proof_still_counts() {
        let mut s = ShardState::default();
        leased(&mut s, "a", Role::Full, 0);
        s.settle(50);
        leased(&mut s, "b", Role::Full, 50);
        // a's lease expired, but its valid proof arrives first: accepted.
        assert!(s.on_verified("a", 55));
        assert!(!s.on_verified("b", 56), "second proof is a duplicate");
        assert_eq!(s.phase, Phase::Proven { prover: "a".into(), at: 55 });
        for role in [Role::Full, Role::Execute, Role::Prove] {
            assert_eq!(s.grant("c", role, 1000, 10), Err(NotClaimable::Proven));
        }
        assert_eq!(s.settle(10_000), Settled::Nothing);
        s.on_rejected("a");
        s.on_trace_bad();
        assert!(s.is_proven());
    }

    #[test]
    fn rejection_frees_only_the_rejected_peers_lease() {
        let mut s = ShardState::default();
        leased(&mut s, "a", Role::Full, 0);
        s.on_rejected("b");
        assert!(matches!(s.phase, Phase::Leased { .. }));
        s.on_rejected("a");
        assert_eq!(s.phase, Phase::Open);
    }

    #[test]
    fn a_released_lease_ends_at_once_and_only_for_its_holder() {
        let mut s = ShardState::default();
        leased(&mut s, "a", Role::Full, 0);
        assert_eq!(s.release("b", 1), None);
        assert_eq!(s.release("a", 1), Some(Settled::Expired { peer: "a".into(), role: Role::Full }));
        assert_eq!(s.phase, Phase::Open);
        assert_eq!(s.release("a", 2), None, "nothing left to release");
        // A released prove lease counts towards giving up the trace, like an expired one.
        leased(&mut s, "x", Role::Execute, 2);
        s.on_trace_checked("x");
        let mut last = None;
        for i in 0..MAX_PROVE_EXPIRIES {
            leased(&mut s, &format!("p{i}"), Role::Prove, 3);
            last = s.release(&format!("p{i}"), 3);
        }
        assert_eq!(last, Some(Settled::TraceAbandoned { executor: "x".into() }));
        assert_eq!(s.phase, Phase::Open);
    }

    #[test]
    fn a_failed_shard_is_final_but_a_proof_still_wins() {
        let mut s = ShardState::default();
        leased(&mut s, "a", Role::Full, 0);
        assert!(s.on_failed("assert failed", 1));
        assert!(s.is_final() && !s.is_proven());
        assert!(!s.on_failed("again", 2));
        assert!(!s.on_trace_checked("x"), "a failed shard takes no trace");
        for role in [Role::Full, Role::Execute, Role::Prove] {
            assert_eq!(s.grant("b", role, 3, 10), Err(NotClaimable::Failed));
        }
        assert_eq!(s.settle(1000), Settled::Nothing);
        assert!(s.on_verified("c", 4), "a verified proof is the truth");
        // A checked trace shows the program runs: our own failed run does not fail the shard.
        let mut t = ShardState::default();
        leased(&mut t, "x", Role::Execute, 0);
        assert!(t.on_trace_checked("x"));
        assert!(!t.on_failed("memory", 1));
        assert_eq!(t.phase, Phase::Executed);
        assert!(!s.on_failed("late", 5));
        assert!(s.is_proven());
    }

    #[test]
    fn split_mode_trace_then_prove() {
        let mut s = ShardState::default();
        assert_eq!(s.grant("p", Role::Prove, 0, 10), Err(NotClaimable::WrongPhase));
        leased(&mut s, "x", Role::Execute, 0);
        assert!(s.on_trace_checked("x"));
        assert_eq!(s.phase, Phase::Executed);
        assert!(!s.on_trace_checked("y"), "one trace is enough");
        assert_eq!(s.grant("f", Role::Full, 1, 10), Err(NotClaimable::WrongPhase));
        leased(&mut s, "p", Role::Prove, 1);
        // The prove lease expires: back to Executed, not Open.
        assert_eq!(s.settle(11), Settled::Expired { peer: "p".into(), role: Role::Prove });
        assert_eq!(s.phase, Phase::Executed);
        leased(&mut s, "q", Role::Prove, 11);
        assert!(s.on_verified("q", 12));
        assert_eq!(s.trace_from, None);
    }

    #[test]
    fn a_trace_nobody_can_prove_goes_back_to_execution() {
        let mut s = ShardState::default();
        leased(&mut s, "x", Role::Execute, 0);
        s.on_trace_checked("x");
        let mut now = 0;
        let mut last = Settled::Nothing;
        for i in 0..MAX_PROVE_EXPIRIES {
            leased(&mut s, &format!("p{i}"), Role::Prove, now);
            now += 10;
            last = s.settle(now);
        }
        assert_eq!(last, Settled::TraceAbandoned { executor: "x".into() });
        assert_eq!(s.phase, Phase::Open);
        assert_eq!(s.trace_from, None);
        leased(&mut s, "y", Role::Execute, now);
    }

    #[test]
    fn bad_trace_reopens_the_shard() {
        let mut s = ShardState::default();
        leased(&mut s, "x", Role::Execute, 0);
        s.on_trace_checked("x");
        leased(&mut s, "p", Role::Prove, 1);
        s.on_trace_bad();
        assert_eq!(s.phase, Phase::Open);
        assert_eq!(s.trace_from, None);
    }

    #[test]
    fn a_trace_from_an_expired_executor_waits_for_the_current_lease() {
        let mut s = ShardState::default();
        leased(&mut s, "x", Role::Execute, 0);
        s.settle(10);
        leased(&mut s, "f", Role::Full, 10);
        assert!(s.on_trace_checked("x"));
        assert!(matches!(s.phase, Phase::Leased { ref peer, .. } if peer == "f"));
        // f's lease ends: the held trace makes it Executed rather than Open.
        s.settle(20);
        assert_eq!(s.phase, Phase::Executed);
    }
}
