//! The messages peers exchange: the gossiped job announcement, the work protocol between a
//! donor and an organization, and the directory protocol with the bootstrap.
//!
//! Every enum is versioned by [`crate::wire::WIRE_VERSION`] and the protocol ids; adding a
//! variant or field is a new version. Bulk payloads (programs, traces, proofs) are opaque bytes
//! here: their meaning belongs to the program layer.

mod announce;
mod directory;
mod work;

pub use announce::{AnnouncementError, JobAnnouncement};
pub use directory::{DirectoryEntry, DirectoryRequest, DirectoryResponse};
pub use work::{Ack, Capacity, Grant, Role, Verdict, WorkRequest, WorkResponse};

/// Truncates a human-readable reason to the wire limit so an error can always be sent.
pub fn reason(s: impl Into<String>) -> String {
    let mut s: String = s.into();
    if s.chars().count() > crate::limits::MAX_REASON_CHARS {
        s = s
            .chars()
            .take(crate::limits::MAX_REASON_CHARS - 1)
            .collect();
        s.push('…');
    }
    s
}
