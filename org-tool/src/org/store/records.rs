//! The records the org keeps, one kind per tree (the table in [`super`]'s doc).

use proofgrid_protocol::{JobId, Role};
use serde::{Deserialize, Serialize};

use crate::org::lease::ShardState;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// `JobId::derive(org, program_hash, salt)`: whoever holds an announcement can check it.
    pub id: JobId,
    /// The digest of the job's name and shards that, with the org and program, derives `id`.
    pub salt: [u8; 32],
    pub name: String,
    pub description: String,
    /// The program hash felt, 32 bytes big-endian (it covers the builtin list and the bytecode).
    pub program_hash: [u8; 32],
    /// The builtins the program declares, in order: a proof must state exactly these.
    pub builtins: Vec<proofgrid_cairo::Builtin>,
    /// Words of the program's bytecode: a proof stating another length is refused before its
    /// bytecode is hashed.
    pub bytecode_len: u64,
    /// Where the program was published from (for people; the bytes are in `programs`).
    pub program_path: String,
    pub shards_total: u32,
    pub lease_secs: u64,
    pub max_steps: u64,
    pub min_security: u16,
    pub est_steps: u64,
    pub est_memory: u64,
    pub created_at: u64,
    /// Which verified proofs are kept.
    pub keep_proofs: KeepProofs,
}

impl JobRecord {
    /// What every proof of one of this job's shards must be about, from the job alone.
    pub fn program_identity(&self) -> proofgrid_cairo::ProgramIdentity {
        proofgrid_cairo::ProgramIdentity {
            hash: proofgrid_cairo::Felt::from_bytes_be(&self.program_hash),
            builtins: self.builtins.clone(),
            bytecode_len: self.bytecode_len as usize,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// Line of the shard file it came from.
    pub line: u64,
    /// Arguments, 32-byte big-endian felts concatenated (the `Grant.args` encoding).
    pub args: Vec<u8>,
    pub state: ShardState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRecord {
    pub role: Role,
    pub first_granted: u64,
    pub deadline: u64,
    pub grants: u32,
    /// Submissions (proofs or traces) received since the latest grant: one is allowed per
    /// grant, so holding a lease once does not buy a stream of verifications.
    pub submissions: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredVerdict {
    Pending,
    Verified,
    Rejected(String),
    /// A trace that passed its checks but that no prover delivered a proof of: given up on
    /// without blaming its executor (it is not barred from the shard).
    Abandoned(String),
}

/// A lease given back (`Release`): the shard is not leased to that peer again for one lease
/// period, so someone else gets the next try while a passing problem (a crash, a busy owner)
/// does not bar the peer for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub at: u64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRecord {
    /// The proof, until its verdict; after it, kept or dropped as the job's [`KeepProofs`] says
    /// (a rejected proof keeps only its digest).
    pub bytes: Vec<u8>,
    /// SHA3-256 of the proof: a resubmission of the same bytes is recognised without them.
    pub digest: [u8; 32],
    pub received_at: u64,
    pub verdict: StoredVerdict,
    pub decided_at: Option<u64>,
}

/// SHA3-256 of a submission.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha3::{Digest, Sha3_256};
    Sha3_256::digest(bytes).into()
}

/// Which verified proofs a job keeps (a proof is ~370 KB, so a million shards is ~370 GB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeepProofs {
    /// Every verified proof, for `org-tool verify JOB` audits.
    All,
    /// The proofs of one shard in `n` (shard index divisible by n): an audit re-verifies that sample.
    Sample(u32),
    /// Digests and outputs only.
    None,
}

impl KeepProofs {
    pub fn keeps(&self, shard: u32) -> bool {
        match self {
            KeepProofs::All => true,
            KeepProofs::Sample(n) => shard % (*n).max(1) == 0,
            KeepProofs::None => false,
        }
    }
}

impl std::fmt::Display for KeepProofs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeepProofs::All => f.write_str("all"),
            KeepProofs::Sample(n) => write!(f, "sample:{n}"),
            KeepProofs::None => f.write_str("none"),
        }
    }
}

impl std::str::FromStr for KeepProofs {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "all" => Ok(KeepProofs::All),
            "none" => Ok(KeepProofs::None),
            _ => s
                .strip_prefix("sample:")
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| *n >= 1)
                .map(KeepProofs::Sample)
                .ok_or_else(|| format!("{s:?} is not all, none or sample:N (N ≥ 1): keep every Nth shard's proof")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// The proven output, felts as decimal strings (it begins with the args).
    pub output: Vec<String>,
    pub prover: String,
    pub verified_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRecord {
    pub bytes: Vec<u8>,
    pub received_at: u64,
    /// `Verified` means the trace passed its checks and is (or was) offered to provers.
    pub verdict: StoredVerdict,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRecord {
    pub first_seen: u64,
    pub last_seen: u64,
    pub leases: u64,
    pub proofs_verified: u64,
    pub proofs_rejected: u64,
    pub traces_accepted: u64,
    pub traces_bad: u64,
    /// The latest reasons this peer's work was rejected, refused or given back (bounded), each
    /// starting "shard N:", for the audit trail.
    pub last_rejections: Vec<String>,
}


/// What the org knows of one peer across all its jobs (tree `standing`, keyed by peer id):
/// verified work earns it more leases; garbage earns strikes, each refusing it for twice as long
/// as the last; leases it let expire count against it. See `org::standing` for the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub first_seen: u64,
    /// Proofs of this peer that verified (any job).
    pub verified: u64,
    /// Leases it let run out without delivering.
    pub expired: u64,
    /// Submissions that were garbled, about the wrong statement, or rejected.
    pub strikes: u32,
    /// Refused until this unix second (0: never refused).
    pub refused_until: u64,
    /// Why its latest strike was given.
    pub last_strike: String,
}
