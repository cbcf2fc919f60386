//! Every size that crosses the wire, in one place.
//!
//! Frame caps are checked against a frame's declared length before any of its payload is read,
//! so a peer can make us buffer at most one cap's worth of bytes per open stream; the number of
//! streams is bounded by the connection limits and request-response's per-connection stream cap.

use std::time::Duration;

/// One kibibyte.
pub const KIB: usize = 1024;
/// One mebibyte.
pub const MIB: usize = 1024 * KIB;

/// A gossiped job announcement, encoded, must stay under this (gossipsub's transmit limit is set
/// just above it so the envelope and signature fit).
pub const MAX_ANNOUNCEMENT_BYTES: usize = 16 * KIB;
/// Gossipsub's own transmit limit for the jobs topic: announcement plus envelope.
pub const MAX_GOSSIP_BYTES: usize = 64 * KIB;

/// Field limits inside a job announcement (checked by `JobAnnouncement::validate`).
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_ANNOUNCED_ADDRS: usize = 8;
pub const MAX_REASON_CHARS: usize = 500;

/// A donor's memory cap unless its owner sets another (`max_memory`): what an org must stay
/// under for its shards to reach every donor, and what `org-tool publish` warns about.
pub const DEFAULT_DONOR_MAX_MEMORY: u64 = 2 << 30;

/// Directory bounds enforced by the bootstrap (and by the codec through the `listing` cap).
pub const MAX_JOBS_PER_REGISTER: usize = 32;

/// Per-kind frame caps (payload bytes after the 6-byte header). Configurable so a deployment
/// (or a test) can lower them; the defaults fit the design's "proofs and traces are several MB".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests and answers that carry only ids, hashes and short strings.
    pub small: usize,
    /// Job lists: `Jobs`, a directory listing, a `Register`.
    pub listing: usize,
    /// Program bytes (`GetProgram`'s answer).
    pub program: usize,
    /// Proofs and traces (`SubmitProof`, `SubmitTrace`, a prove-role `Grant`).
    pub bulk: usize,
    /// Memory held at once by inbound requests larger than `small` (twice their bytes: the
    /// frame and the request decoded from it), from reading their header until they are
    /// answered; beyond it a request is refused as busy. Reserved chunk by chunk as bytes
    /// arrive, so a stalled sender holds only what it sent.
    pub inflight_bulk: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            small: 64 * KIB,
            listing: 4 * MIB,
            program: 16 * MIB,
            bulk: 32 * MIB,
            inflight_bulk: 512 * MIB,
        }
    }
}

/// Per-peer inbound request budget: a token bucket of `burst` requests refilled at
/// `per_second`. Requests beyond it are answered with `RateLimited` without reaching the
/// application.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_second: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        // A donor needs a handful of requests per shard; 20/s sustained with bursts of 100 is far
        // above honest use and far below what would hurt an org peer.
        RateLimit {
            burst: 100,
            per_second: 20.0,
        }
    }
}

/// How long an inbound or outbound request may take end to end, including transferring a
/// bulk frame over a slow uplink.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
