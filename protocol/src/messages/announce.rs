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
    /// Unix seconds at which the org issued this copy (for people: how fresh it is).
    pub issued_at: u64,
    /// The org's digest of the job's name and shards: with `org` and `program_hash` it derives
    /// `job` ([`JobId::derive`]), so a job id names one org's job and nobody else's.
    pub salt: [u8; 32],
    /// The org's own sequence number, larger for every copy it issues (across restarts):
    /// receivers keep the copy with the largest, so a replayed old copy never wins.
    pub seq: u64,
    /// The org's public key (libp2p protobuf encoding); `org` must be its peer id.
    pub public_key: Vec<u8>,
    /// The org's signature over every field above ([`JobAnnouncement::signed_bytes`]): a copy
    /// relayed by a bootstrap or a gossip peer is checked against the org's key, not theirs.
    pub signature: Vec<u8>,
}

/// Largest public key and signature accepted in an announcement (an ed25519 key encodes to 36
/// bytes and signs with 64; the bounds leave room for other key types).
pub const MAX_PUBLIC_KEY_BYTES: usize = 1024;
pub const MAX_SIGNATURE_BYTES: usize = 1024;

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
    #[error("job id {job} is not derived from org {org}'s key, program and salt: not this org's job")]
    ForeignJobId { job: JobId, org: Box<PeerId> },
    #[error("announcement carries no valid public key of org {0}")]
    BadKey(Box<PeerId>),
    #[error("announcement of job {0} is not signed by its org")]
    BadSignature(JobId),
    #[error("cannot sign the announcement: {0}")]
    Signing(String),
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
        check_len("public_key", self.public_key.len(), MAX_PUBLIC_KEY_BYTES)?;
        check_len("signature", self.signature.len(), MAX_SIGNATURE_BYTES)?;
        if JobId::derive(&self.org, &self.program_hash, &self.salt) != self.job {
            return Err(AnnouncementError::ForeignJobId { job: self.job, org: Box::new(self.org) });
        }
        let key = libp2p::identity::PublicKey::try_decode_protobuf(&self.public_key)
            .map_err(|_| AnnouncementError::BadKey(Box::new(self.org)))?;
        if key.to_peer_id() != self.org {
            return Err(AnnouncementError::BadKey(Box::new(self.org)));
        }
        if !key.verify(&self.signed_bytes()?, &self.signature) {
            return Err(AnnouncementError::BadSignature(self.job));
        }
        Ok(())
    }

    /// Signs this copy with the org's key (which must be `org`'s), setting `public_key` and
    /// `signature`.
    pub fn sign(&mut self, key: &libp2p::identity::Keypair) -> Result<(), AnnouncementError> {
        if key.public().to_peer_id() != self.org {
            return Err(AnnouncementError::Signing(format!("the key is not org {}'s", self.org)));
        }
        self.public_key = key.public().encode_protobuf();
        let bytes = self.signed_bytes()?;
        self.signature = key.sign(&bytes).map_err(|e| AnnouncementError::Signing(e.to_string()))?;
        Ok(())
    }

    /// What the signature covers: a domain tag and the encoding of every field but the
    /// signature itself.
    pub fn signed_bytes(&self) -> Result<Vec<u8>, AnnouncementError> {
        let unsigned = JobAnnouncement { signature: Vec::new(), ..self.clone() };
        let body = wire::encode_versioned(&unsigned, "job announcement")
            .map_err(|e| AnnouncementError::Wire(e.to_string()))?;
        let mut out = b"proofgrid-announcement/1".to_vec();
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// A signed example announcement of `key`'s org, for tests and documentation: a job named
    /// `name` with 1000 shards, its salt taken from the name, copy number `seq`.
    pub fn example(key: &libp2p::identity::Keypair, name: &str, seq: u64) -> JobAnnouncement {
        let org = key.public().to_peer_id();
        let program_hash = ProgramHash([2; 32]);
        let mut salt = [0u8; 32];
        for (i, b) in name.bytes().enumerate() {
            salt[i % 32] ^= b;
        }
        let mut ann = JobAnnouncement {
            job: JobId::derive(&org, &program_hash, &salt),
            org,
            org_addrs: vec!["/ip4/127.0.0.1/tcp/4002".parse().expect("a valid address")],
            name: name.into(),
            description: "count primes below 10^9 in 1000 ranges".into(),
            program_hash,
            shards_total: 1000,
            shards_open: 990,
            est_steps_per_shard: 1 << 20,
            est_memory_per_shard: 512 << 20,
            min_security_bits: 96,
            issued_at: 1_700_000_000,
            salt,
            seq,
            public_key: Vec::new(),
            signature: Vec::new(),
        };
        ann.sign(key).expect("the key is the org's: the org id was taken from it");
        ann
    }

    /// Whether this copy should replace `old` of the same job: the same org (a job id names one
    /// org, but a caller may hold an unchecked copy) and a larger sequence number.
    pub fn supersedes(&self, old: &JobAnnouncement) -> bool {
        self.job == old.job && self.org == old.org && self.seq > old.seq
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
    use libp2p::identity::Keypair;

    pub fn sample(key: &Keypair) -> JobAnnouncement {
        JobAnnouncement::example(key, "primes", 1)
    }

    #[test]
    fn gossip_round_trip_requires_matching_source() {
        let key = Keypair::generate_ed25519();
        let org = key.public().to_peer_id();
        let ann = sample(&key);
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
        let key = Keypair::generate_ed25519();
        let mut ann = sample(&key);
        ann.description = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert!(matches!(
            ann.to_gossip_bytes(),
            Err(AnnouncementError::FieldTooLong {
                field: "description",
                ..
            })
        ));
        let mut ann = sample(&key);
        ann.shards_open = ann.shards_total + 1;
        assert!(matches!(
            ann.validate(),
            Err(AnnouncementError::BadShardCounts { .. })
        ));
    }

    #[test]
    fn only_the_org_can_issue_a_copy_of_its_job() {
        let key = Keypair::generate_ed25519();
        let ann = sample(&key);
        assert_eq!(ann.validate(), Ok(()));
        // Any field changed after signing breaks the signature ...
        let mut moved = ann.clone();
        moved.org_addrs = vec!["/ip4/10.0.0.1/tcp/1".parse().unwrap()];
        assert_eq!(moved.validate(), Err(AnnouncementError::BadSignature(ann.job)));
        let mut replayed = ann.clone();
        replayed.seq += 1;
        assert_eq!(replayed.validate(), Err(AnnouncementError::BadSignature(ann.job)));
        // ... re-signing with another key needs another org id, which the job id does not fit ...
        let thief = Keypair::generate_ed25519();
        let mut stolen = ann.clone();
        stolen.org = thief.public().to_peer_id();
        stolen.sign(&thief).unwrap();
        assert!(matches!(stolen.validate(), Err(AnnouncementError::ForeignJobId { .. })));
        // ... and keeping the org's id with the thief's key fails on the key.
        let mut impostor = ann.clone();
        assert!(impostor.sign(&thief).is_err(), "sign refuses a key that is not the org's");
        impostor.public_key = thief.public().encode_protobuf();
        assert!(matches!(impostor.validate(), Err(AnnouncementError::BadKey(_))));
        // A job id of the thief's own (same program and salt) is a different job.
        let mut own = ann.clone();
        own.org = thief.public().to_peer_id();
        own.job = JobId::derive(&own.org, &own.program_hash, &own.salt);
        own.sign(&thief).unwrap();
        assert_eq!(own.validate(), Ok(()));
        assert_ne!(own.job, ann.job);
        assert!(!own.supersedes(&ann));
        let mut newer = ann.clone();
        newer.seq = ann.seq + 1;
        newer.sign(&key).unwrap();
        assert!(newer.supersedes(&ann) && !ann.supersedes(&newer));
    }
}
