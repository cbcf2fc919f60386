//! The job announcement: what a donor needs to decide whether to help a project, small enough to
//! gossip (ids, hashes, short text, estimates; never programs or shard data).

use serde::{Deserialize, Serialize};

use crate::ids::{peer_id_bytes, JobId, Multiaddr, PeerId, ProgramHash};
use crate::limits::{
    MAX_ANNOUNCED_ADDRS, MAX_ANNOUNCEMENT_BYTES, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS,
};
use crate::wire::{self, WireError};

/// A published job, as gossiped on the jobs topic, registered with the bootstrap directory, and
/// listed by the org itself (`ListJobs`, the truth).
///
/// Gossip copies are signed by the publishing peer; receivers drop one whose `org` is not the
/// signed source, so `org` can be trusted to name the peer that published it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobAnnouncement {
    pub job: JobId,
    /// The organization's peer id: where to send `Claim`, `GetProgram`, `SubmitProof`.
    #[serde(with = "peer_id_bytes")]
    pub org: PeerId,
    /// Addresses the org peer listens on, so a donor can dial it without a DHT lookup.
    pub org_addrs: Vec<Multiaddr>,
    /// Short project name shown to donor owners.
    pub name: String,
    /// What the computation is for, shown to donor owners choosing projects.
    pub description: String,
    /// Hash of the program every shard runs; donors fetch it once by hash and check it.
    pub program_hash: ProgramHash,
    pub shards_total: u32,
    /// Shards not yet proven at the time of announcing (a hint; `Claim` is the truth).
    pub shards_open: u32,
    /// Cairo steps per shard, estimated by the org's dry run: lets a donor skip jobs beyond its
    /// step cap before fetching anything.
    pub est_steps_per_shard: u64,
    /// Peak memory per shard (execution plus proving) in bytes, estimated likewise.
    pub est_memory_per_shard: u64,
    /// Security level the org verifies at; a donor must prove at least this.
    pub min_security_bits: u16,
    /// Unix seconds at which the org issued this copy; receivers keep the newest per job.
    pub issued_at: u64,
}

/// Why an announcement is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnnouncementError {
    // Boxed: two peer ids would make every Result of this type 160 bytes.
    #[error("announcement names org {claimed} but was published by {source_peer}")]
    ForgedOrg {
        claimed: Box<PeerId>,
        source_peer: Box<PeerId>,
    },
    #[error("unsigned announcement (no source peer)")]
    Unsigned,
    #[error("announcement field {field} is too long ({len} > {max})")]
    FieldTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("announcement has {shards_open} open shards of {shards_total}")]
    BadShardCounts { shards_open: u32, shards_total: u32 },
    #[error("announcement encodes to {len} bytes, over the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    #[error("announcement is undecodable: {0}")]
    Wire(String),
}

impl JobAnnouncement {
    /// Checks the limits that keep gossip small and the text displayable. Called before
    /// publishing and on receipt.
    pub fn validate(&self) -> Result<(), AnnouncementError> {
        check_len("name", self.name.chars().count(), MAX_NAME_CHARS)?;
        check_len(
            "description",
            self.description.chars().count(),
            MAX_DESCRIPTION_CHARS,
        )?;
        check_len("org_addrs", self.org_addrs.len(), MAX_ANNOUNCED_ADDRS)?;
        if self.shards_open > self.shards_total {
            return Err(AnnouncementError::BadShardCounts {
                shards_open: self.shards_open,
                shards_total: self.shards_total,
            });
        }
        Ok(())
    }

    /// Encodes for gossip, refusing anything invalid or over [`MAX_ANNOUNCEMENT_BYTES`].
    pub fn to_gossip_bytes(&self) -> Result<Vec<u8>, AnnouncementError> {
        self.validate()?;
        let bytes = wire::encode_versioned(self, "job announcement")
            .map_err(|e| AnnouncementError::Wire(e.to_string()))?;
        if bytes.len() > MAX_ANNOUNCEMENT_BYTES {
            return Err(AnnouncementError::TooLarge {
                len: bytes.len(),
                max: MAX_ANNOUNCEMENT_BYTES,
            });
        }
        Ok(bytes)
    }

    /// Decodes a gossip message and checks it against its signed source: the only way the
    /// event loop accepts an announcement.
    pub fn from_gossip(data: &[u8], source: Option<PeerId>) -> Result<Self, AnnouncementError> {
        let ann: JobAnnouncement = wire::decode_versioned(
            data,
            MAX_ANNOUNCEMENT_BYTES,
            "job announcement",
        )
        .map_err(|e| match e {
            WireError::TooLarge { len, cap, .. } => AnnouncementError::TooLarge { len, max: cap },
            other => AnnouncementError::Wire(other.to_string()),
        })?;
        ann.validate()?;
        let source = source.ok_or(AnnouncementError::Unsigned)?;
        if ann.org != source {
            return Err(AnnouncementError::ForgedOrg {
                claimed: Box::new(ann.org),
                source_peer: Box::new(source),
            });
        }
        Ok(ann)
    }
}

fn check_len(field: &'static str, len: usize, max: usize) -> Result<(), AnnouncementError> {
    if len > max {
        return Err(AnnouncementError::FieldTooLong { field, len, max });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample(org: PeerId) -> JobAnnouncement {
        JobAnnouncement {
            job: JobId([1; 32]),
            org,
            org_addrs: vec!["/ip4/127.0.0.1/tcp/4002".parse().unwrap()],
            name: "primes".into(),
            description: "count primes below 10^9 in 1000 ranges".into(),
            program_hash: ProgramHash([2; 32]),
            shards_total: 1000,
            shards_open: 990,
            est_steps_per_shard: 1 << 20,
            est_memory_per_shard: 512 << 20,
            min_security_bits: 96,
            issued_at: 1_700_000_000,
        }
    }

    #[test]
    fn gossip_round_trip_requires_matching_source() {
        let org = PeerId::random();
        let ann = sample(org);
        let bytes = ann.to_gossip_bytes().unwrap();
        assert_eq!(
            JobAnnouncement::from_gossip(&bytes, Some(org)).unwrap(),
            ann
        );
        let other = PeerId::random();
        assert_eq!(
            JobAnnouncement::from_gossip(&bytes, Some(other)),
            Err(AnnouncementError::ForgedOrg {
                claimed: Box::new(org),
                source_peer: Box::new(other)
            })
        );
        assert_eq!(
            JobAnnouncement::from_gossip(&bytes, None),
            Err(AnnouncementError::Unsigned)
        );
    }

    #[test]
    fn oversized_fields_are_refused_before_publishing() {
        let mut ann = sample(PeerId::random());
        ann.description = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert!(matches!(
            ann.to_gossip_bytes(),
            Err(AnnouncementError::FieldTooLong {
                field: "description",
                ..
            })
        ));
        let mut ann = sample(PeerId::random());
        ann.shards_open = ann.shards_total + 1;
        assert!(matches!(
            ann.validate(),
            Err(AnnouncementError::BadShardCounts { .. })
        ));
    }
}
