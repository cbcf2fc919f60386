//! Who a daemon can reach: each configured bootstrap and each peer it asked something (a
//! donor's orgs), with the last success and the last error, for the status commands and for the
//! log. A peer that stops answering is a warning the first time (someone must act: a wrong
//! address, a stopped org), then again every ten minutes while it lasts, not at every retry.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// One peer a daemon needs, as the status shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub peer: String,
    /// Its address (bootstraps), or the projects it serves (orgs).
    pub label: String,
    pub connected: bool,
    /// Unix seconds of the last success (a connection, an answer).
    pub last_ok: Option<u64>,
    /// The last failure and when; kept after a recovery, so a past problem stays visible.
    pub last_error: Option<String>,
    pub last_error_at: Option<u64>,
    /// Failures in a row since the last success.
    pub failures: u32,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// How often a continuing failure is warned about again.
const REWARN: Duration = Duration::from_secs(600);

#[derive(Debug, Default)]
struct State {
    link: Link,
    warned_at: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct Links {
    bootstrap: BTreeMap<String, State>,
    orgs: BTreeMap<String, State>,
}

/// What a failure deserves in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loudness {
    Warn,
    Quiet,
}

impl Links {
    /// Every configured bootstrap, listed before any dial so `node status` shows them at once.
    pub fn expect_bootstrap(&mut self, peer: &str, addr: &str) {
        let s = self.bootstrap.entry(peer.to_string()).or_default();
        s.link.peer = peer.to_string();
        s.link.label = addr.to_string();
    }

    pub fn bootstrap_ok(&mut self, peer: &str) -> u32 {
        ok(self.bootstrap.entry(peer.to_string()).or_default(), peer)
    }

    pub fn bootstrap_lost(&mut self, peer: &str) {
        if let Some(s) = self.bootstrap.get_mut(peer) {
            s.link.connected = false;
        }
    }

    pub fn bootstrap_failed(&mut self, peer: &str, error: &str) -> Loudness {
        failed(self.bootstrap.entry(peer.to_string()).or_default(), peer, error)
    }

    pub fn is_bootstrap(&self, peer: &str) -> bool {
        self.bootstrap.contains_key(peer)
    }

    /// An org answered; returns the failures it had in a row before.
    pub fn org_ok(&mut self, org: &str) -> u32 {
        ok(self.orgs.entry(org.to_string()).or_default(), org)
    }

    pub fn org_failed(&mut self, org: &str, error: &str) -> Loudness {
        failed(self.orgs.entry(org.to_string()).or_default(), org, error)
    }

    pub fn org_disconnected(&mut self, org: &str) {
        if let Some(s) = self.orgs.get_mut(org) {
            s.link.connected = false;
        }
    }

    pub fn bootstrap_links(&self) -> Vec<Link> {
        self.bootstrap.values().map(|s| s.link.clone()).collect()
    }

    pub fn org_links(&self) -> Vec<Link> {
        self.orgs.values().map(|s| s.link.clone()).collect()
    }
}

fn ok(s: &mut State, peer: &str) -> u32 {
    s.link.peer = peer.to_string();
    s.link.connected = true;
    s.link.last_ok = Some(unix_now());
    s.warned_at = None;
    std::mem::take(&mut s.link.failures)
}

fn failed(s: &mut State, peer: &str, error: &str) -> Loudness {
    s.link.peer = peer.to_string();
    s.link.connected = false;
    s.link.failures += 1;
    s.link.last_error = Some(error.to_string());
    s.link.last_error_at = Some(unix_now());
    match s.warned_at {
        Some(t) if t.elapsed() < REWARN => Loudness::Quiet,
        _ => {
            s.warned_at = Some(Instant::now());
            Loudness::Warn
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failure_warns_and_retries_do_not_until_it_recovers() {
        let mut l = Links::default();
        l.expect_bootstrap("b", "/ip4/1.2.3.4/tcp/1/p2p/b");
        assert_eq!(l.bootstrap_failed("b", "refused"), Loudness::Warn);
        assert_eq!(l.bootstrap_failed("b", "refused"), Loudness::Quiet);
        let link = &l.bootstrap_links()[0];
        assert_eq!((link.failures, link.connected, link.last_error.as_deref()), (2, false, Some("refused")));
        assert_eq!(l.bootstrap_ok("b"), 2);
        assert_eq!(l.bootstrap_failed("b", "refused"), Loudness::Warn, "a new outage warns again");
        assert_eq!(l.org_failed("o", "timeout"), Loudness::Warn);
        assert!(l.org_links()[0].last_ok.is_none());
    }
}
