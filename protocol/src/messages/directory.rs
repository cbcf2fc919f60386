//! The directory protocol (`/proofgrid/directory/1.0.0`), served by the bootstrap: orgs
//! register and refresh their open jobs, anyone lists them. The directory is a meeting point,
//! not an authority: a donor still asks the org itself (`ListJobs`, `Claim`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::JobAnnouncement;
use crate::codec::{Frame, Reply};
use crate::ids::JobId;
use crate::limits::Limits;

/// Org / donor → bootstrap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirectoryRequest {
    /// Add or refresh these jobs. Every announcement's `org` must be the requesting peer (noise
    /// authenticates it), or the whole request is refused. A job announced with no open
    /// shards is removed. Gossiped announcements refresh the directory the same way.
    Register { jobs: Vec<JobAnnouncement> },
    /// Remove these jobs of the requesting org (closed or finished).
    Unregister { jobs: Vec<JobId> },
    /// Every open job the directory holds.
    ListOpen,
}

/// One directory listing entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub announcement: JobAnnouncement,
    /// Seconds until the entry expires unless the org refreshes it.
    pub expires_in_secs: u32,
}

/// Bootstrap → requester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirectoryResponse {
    /// Registered (or removed); entries live this long unless refreshed.
    Registered {
        ttl_secs: u32,
    },
    Open {
        entries: Vec<DirectoryEntry>,
    },
    Refused {
        reason: String,
    },
    RateLimited {
        retry_after_ms: u32,
    },
}

impl Frame for DirectoryRequest {
    const WHAT: &'static str = "directory request";

    fn kind(&self) -> u8 {
        match self {
            DirectoryRequest::Register { .. } => 0,
            DirectoryRequest::Unregister { .. } => 1,
            DirectoryRequest::ListOpen => 2,
        }
    }

    fn cap(kind: u8, limits: &Limits) -> Option<usize> {
        match kind {
            0 => Some(limits.listing),
            1 | 2 => Some(limits.small),
            _ => None,
        }
    }
}

impl Frame for DirectoryResponse {
    const WHAT: &'static str = "directory response";

    fn kind(&self) -> u8 {
        match self {
            DirectoryResponse::Registered { .. } => 0,
            DirectoryResponse::Open { .. } => 1,
            DirectoryResponse::Refused { .. } => 2,
            DirectoryResponse::RateLimited { .. } => 3,
        }
    }

    fn cap(kind: u8, limits: &Limits) -> Option<usize> {
        match kind {
            1 => Some(limits.listing),
            0 | 2 | 3 => Some(limits.small),
            _ => None,
        }
    }
}

impl Reply for DirectoryResponse {
    fn rate_limited(retry_after: Duration) -> Self {
        DirectoryResponse::RateLimited {
            retry_after_ms: retry_after
                .as_micros()
                .div_ceil(1000)
                .clamp(1, u32::MAX as u128) as u32,
        }
    }
}
