//! The work protocol (`/proofgrid/work/1.0.0`): a donor (or an executor/prover) talking to the
//! organization peer that published a job. The org answers at once; slow work (verification)
//! happens off the swarm and is reported through `GetVerdict`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::JobAnnouncement;
use crate::codec::{Frame, Reply};
use crate::ids::{JobId, ProgramHash, ShardIndex};
use crate::limits::Limits;
use crate::wire::bytes;

/// What a claimant will do with a shard (see DESIGN.md section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Execute and prove. A full claim may also be granted a `Prove` task (the grant's role says
    /// which) when the org holds traces and has no shard left to execute.
    Full,
    /// Execute only and send back the trace (`SubmitTrace`).
    Execute,
    /// Prove a trace another peer executed; the grant carries the trace.
    Prove,
}

/// What the claimant can take on, so the org can pick a shard that fits or say `NoWork`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    /// The most Cairo steps the claimant will run for one shard.
    pub max_steps: u64,
    /// The most memory, in bytes, the claimant will spend on one shard.
    pub max_memory: u64,
    /// Highest security level (bits) the claimant's prover is configured for.
    pub security_bits: u16,
}

/// A lease on one shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub job: JobId,
    pub shard: ShardIndex,
    pub role: Role,
    pub program_hash: ProgramHash,
    /// The shard's arguments as encoded by the program layer; the proven output must begin with
    /// them.
    #[serde(with = "bytes")]
    pub args: Vec<u8>,
    /// Lease length, measured by the claimant from receipt (clocks differ between peers).
    pub lease_secs: u32,
    /// The same deadline in unix seconds on the org's clock, for display and logs.
    pub lease_deadline: u64,
    /// Step cap for this shard: the claimant aborts beyond it.
    pub max_steps: u64,
    /// For `Role::Prove`: the execution trace to prove. Empty otherwise.
    #[serde(with = "bytes")]
    pub trace: Vec<u8>,
}

/// The org's receipt for a submission (given at once; verification comes later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ack {
    Accepted,
    /// The shard is already proven (or this exact trace is already held).
    Duplicate,
    Refused(String),
}

/// The org's judgement of a submitted proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Pending,
    Verified,
    Rejected(String),
    /// The org holds no submission from this peer for that shard.
    Unknown,
}

/// Donor → org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkRequest {
    /// The org's open jobs (the truth, whatever gossip said).
    ListJobs,
    /// Program bytes by hash.
    GetProgram { hash: ProgramHash },
    /// Lease a shard.
    Claim {
        job: JobId,
        role: Role,
        capacity: Capacity,
    },
    /// A proof: the statement and proof bytes as produced by the program layer.
    SubmitProof {
        job: JobId,
        shard: ShardIndex,
        #[serde(with = "bytes")]
        proof: Vec<u8>,
    },
    /// An execution trace from an executor.
    SubmitTrace {
        job: JobId,
        shard: ShardIndex,
        #[serde(with = "bytes")]
        trace: Vec<u8>,
    },
    /// How the org judged this peer's proof for a shard.
    GetVerdict { job: JobId, shard: ShardIndex },
    /// Gives a lease back before it runs out: this peer will not deliver (its worker kept
    /// crashing, the shard is beyond its owner's caps, ...), so the shard can go to someone else
    /// now rather than at the lease's end. `reason` is for the org's records. Answered with
    /// `Ack::Accepted` when the lease ended, `Ack::Duplicate` when there was none to end.
    Release { job: JobId, shard: ShardIndex, reason: String },
}

/// Org → donor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkResponse {
    Jobs(Vec<JobAnnouncement>),
    Program {
        hash: ProgramHash,
        #[serde(with = "bytes")]
        bytes: Vec<u8>,
    },
    Grant(Grant),
    /// Nothing to lease now; ask again after this long.
    NoWork {
        retry_after_secs: u32,
    },
    /// The request is understood but not acceptable (unknown job, program not found, role not
    /// offered, ...).
    Refused {
        reason: String,
    },
    Ack(Ack),
    Verdict(Verdict),
    /// The peer sent too many requests; nothing was processed. Sent by the network layer.
    RateLimited {
        retry_after_ms: u32,
    },
}

impl WorkRequest {
    /// The short name used in logs.
    pub fn name(&self) -> &'static str {
        match self {
            WorkRequest::ListJobs => "ListJobs",
            WorkRequest::GetProgram { .. } => "GetProgram",
            WorkRequest::Claim { .. } => "Claim",
            WorkRequest::SubmitProof { .. } => "SubmitProof",
            WorkRequest::SubmitTrace { .. } => "SubmitTrace",
            WorkRequest::GetVerdict { .. } => "GetVerdict",
            WorkRequest::Release { .. } => "Release",
        }
    }
}

impl WorkRequest {
    /// Whether it carries a proof or a trace (megabytes), as opposed to ids and short strings.
    pub fn is_bulk(&self) -> bool {
        matches!(self, WorkRequest::SubmitProof { .. } | WorkRequest::SubmitTrace { .. })
    }
}

impl Frame for WorkRequest {
    const WHAT: &'static str = "work request";

    fn kind(&self) -> u8 {
        match self {
            WorkRequest::ListJobs => 0,
            WorkRequest::GetProgram { .. } => 1,
            WorkRequest::Claim { .. } => 2,
            WorkRequest::SubmitProof { .. } => 3,
            WorkRequest::SubmitTrace { .. } => 4,
            WorkRequest::GetVerdict { .. } => 5,
            WorkRequest::Release { .. } => 6,
        }
    }

    fn cap(kind: u8, limits: &Limits) -> Option<usize> {
        match kind {
            0 | 1 | 2 | 5 | 6 => Some(limits.small),
            3 | 4 => Some(limits.bulk),
            _ => None,
        }
    }
}

impl Frame for WorkResponse {
    const WHAT: &'static str = "work response";

    fn kind(&self) -> u8 {
        match self {
            WorkResponse::Jobs(_) => 0,
            WorkResponse::Program { .. } => 1,
            WorkResponse::Grant(_) => 2,
            WorkResponse::NoWork { .. } => 3,
            WorkResponse::Refused { .. } => 4,
            WorkResponse::Ack(_) => 5,
            WorkResponse::Verdict(_) => 6,
            WorkResponse::RateLimited { .. } => 7,
        }
    }

    fn cap(kind: u8, limits: &Limits) -> Option<usize> {
        match kind {
            0 => Some(limits.listing),
            1 => Some(limits.program),
            // A prove-role grant carries a whole trace, plus its small fields.
            2 => Some(limits.bulk + limits.small),
            3..=7 => Some(limits.small),
            _ => None,
        }
    }
}

impl Reply for WorkResponse {
    fn rate_limited(retry_after: Duration) -> Self {
        WorkResponse::RateLimited {
            retry_after_ms: retry_after
                .as_micros()
                .div_ceil(1000)
                .clamp(1, u32::MAX as u128) as u32,
        }
    }
}
