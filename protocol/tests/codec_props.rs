//! Property tests: every message survives the codec byte for byte, and no byte string (random,
//! or a valid frame with bytes flipped) makes decoding panic or over-allocate.

use libp2p::identity::Keypair;
use proofgrid_protocol::codec::{decode_frame, encode_frame, Frame};
use proofgrid_protocol::wire::WIRE_VERSION;
use proofgrid_protocol::*;
use proptest::prelude::*;

fn hash32() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

fn peer() -> impl Strategy<Value = PeerId> {
    any::<[u8; 32]>().prop_map(|mut b| {
        Keypair::ed25519_from_bytes(&mut b)
            .unwrap()
            .public()
            .to_peer_id()
    })
}

fn addr() -> impl Strategy<Value = Multiaddr> {
    (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| {
        format!("/ip4/{}.{}.{}.{}/tcp/{port}", ip[0], ip[1], ip[2], ip[3])
            .parse()
            .unwrap()
    })
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn announcement() -> impl Strategy<Value = JobAnnouncement> {
    (
        (
            hash32(),
            peer(),
            prop::collection::vec(addr(), 0..4),
            "\\PC{0,40}",
            "\\PC{0,200}",
        ),
        (
            hash32(),
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<u64>(),
            any::<u16>(),
            any::<u64>(),
        ),
    )
        .prop_map(
            |((job, org, org_addrs, name, description), (ph, a, b, steps, mem, bits, at))| {
                JobAnnouncement {
                    job: JobId(job),
                    org,
                    org_addrs,
                    name,
                    description,
                    program_hash: ProgramHash(ph),
                    shards_total: a.max(b),
                    shards_open: a.min(b),
                    est_steps_per_shard: steps,
                    est_memory_per_shard: mem,
                    min_security_bits: bits,
                    issued_at: at,
                    salt: job,
                    seq: at / 2,
                    public_key: ph.to_vec(),
                    signature: job.to_vec(),
                }
            },
        )
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Full), Just(Role::Execute), Just(Role::Prove)]
}

fn work_request() -> impl Strategy<Value = WorkRequest> {
    prop_oneof![
        Just(WorkRequest::ListJobs),
        hash32().prop_map(|h| WorkRequest::GetProgram {
            hash: ProgramHash(h)
        }),
        (hash32(), role(), any::<u64>(), any::<u64>(), any::<u16>()).prop_map(
            |(j, role, s, m, b)| {
                WorkRequest::Claim {
                    job: JobId(j),
                    role,
                    capacity: Capacity {
                        max_steps: s,
                        max_memory: m,
                        security_bits: b,
                    },
                }
            }
        ),
        (hash32(), any::<u32>(), bytes(4096)).prop_map(|(j, shard, proof)| {
            WorkRequest::SubmitProof {
                job: JobId(j),
                shard,
                proof,
            }
        }),
        (hash32(), any::<u32>(), bytes(4096)).prop_map(|(j, shard, trace)| {
            WorkRequest::SubmitTrace {
                job: JobId(j),
                shard,
                trace,
            }
        }),
        (hash32(), any::<u32>()).prop_map(|(j, shard)| WorkRequest::GetVerdict {
            job: JobId(j),
            shard
        }),
        (hash32(), any::<u32>(), ".{0,200}").prop_map(|(j, shard, reason)| WorkRequest::Release {
            job: JobId(j),
            shard,
            reason
        }),
    ]
}

fn work_response() -> impl Strategy<Value = WorkResponse> {
    prop_oneof![
        prop::collection::vec(announcement(), 0..3).prop_map(WorkResponse::Jobs),
        (hash32(), bytes(4096)).prop_map(|(h, bytes)| WorkResponse::Program {
            hash: ProgramHash(h),
            bytes
        }),
        (
            (hash32(), any::<u32>(), role(), hash32()),
            (
                bytes(256),
                any::<u32>(),
                any::<u64>(),
                any::<u64>(),
                bytes(4096)
            )
        )
            .prop_map(
                |((j, shard, role, ph), (args, lease_secs, lease_deadline, max_steps, trace))| {
                    WorkResponse::Grant(Grant {
                        job: JobId(j),
                        shard,
                        role,
                        program_hash: ProgramHash(ph),
                        args,
                        lease_secs,
                        lease_deadline,
                        max_steps,
                        trace,
                    })
                }
            ),
        any::<u32>().prop_map(|retry_after_secs| WorkResponse::NoWork { retry_after_secs }),
        "\\PC{0,100}".prop_map(|reason| WorkResponse::Refused { reason }),
        prop_oneof![
            Just(Ack::Accepted),
            Just(Ack::Duplicate),
            "\\PC{0,50}".prop_map(Ack::Refused)
        ]
        .prop_map(WorkResponse::Ack),
        prop_oneof![
            Just(Verdict::Pending),
            Just(Verdict::Verified),
            Just(Verdict::Unknown),
            "\\PC{0,50}".prop_map(Verdict::Rejected)
        ]
        .prop_map(WorkResponse::Verdict),
        any::<u32>().prop_map(|retry_after_ms| WorkResponse::RateLimited { retry_after_ms }),
    ]
}

fn directory_request() -> impl Strategy<Value = DirectoryRequest> {
    prop_oneof![
        prop::collection::vec(announcement(), 0..3)
            .prop_map(|jobs| DirectoryRequest::Register { jobs }),
        prop::collection::vec(hash32().prop_map(JobId), 0..5)
            .prop_map(|jobs| DirectoryRequest::Unregister { jobs }),
        Just(DirectoryRequest::ListOpen),
    ]
}

fn directory_response() -> impl Strategy<Value = DirectoryResponse> {
    prop_oneof![
        any::<u32>().prop_map(|ttl_secs| DirectoryResponse::Registered { ttl_secs }),
        prop::collection::vec((announcement(), any::<u32>()), 0..3).prop_map(|v| {
            DirectoryResponse::Open {
                entries: v
                    .into_iter()
                    .map(|(announcement, expires_in_secs)| DirectoryEntry {
                        announcement,
                        expires_in_secs,
                    })
                    .collect(),
            }
        }),
        "\\PC{0,100}".prop_map(|reason| DirectoryResponse::Refused { reason }),
        any::<u32>().prop_map(|retry_after_ms| DirectoryResponse::RateLimited { retry_after_ms }),
    ]
}

fn round_trip<M: Frame + PartialEq + std::fmt::Debug>(msg: M) -> Result<(), TestCaseError> {
    let limits = Limits::default();
    let frame = encode_frame(&msg, &limits).unwrap();
    prop_assert_eq!(frame[0], WIRE_VERSION);
    prop_assert_eq!(frame[1], msg.kind());
    let back: M = decode_frame(&frame, &limits).unwrap();
    prop_assert_eq!(back, msg);
    Ok(())
}

/// Decoding must return (Ok or Err), never panic; all four message families.
fn decode_all(frame: &[u8]) {
    let limits = Limits::default();
    let _ = decode_frame::<WorkRequest>(frame, &limits);
    let _ = decode_frame::<WorkResponse>(frame, &limits);
    let _ = decode_frame::<DirectoryRequest>(frame, &limits);
    let _ = decode_frame::<DirectoryResponse>(frame, &limits);
    let _ = JobAnnouncement::from_gossip(frame, None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn work_requests_round_trip(msg in work_request()) { round_trip(msg)?; }

    #[test]
    fn work_responses_round_trip(msg in work_response()) { round_trip(msg)?; }

    #[test]
    fn directory_requests_round_trip(msg in directory_request()) { round_trip(msg)?; }

    #[test]
    fn directory_responses_round_trip(msg in directory_response()) { round_trip(msg)?; }

    #[test]
    fn announcements_round_trip_through_gossip(ann in announcement()) {
        // Signed by a key of its own (gossip carries only the org's signed copies).
        let key = libp2p::identity::Keypair::ed25519_from_bytes(ann.salt).unwrap();
        let mut ann = ann;
        ann.org = key.public().to_peer_id();
        ann.job = proofgrid_protocol::JobId::derive(&ann.org, &ann.program_hash, &ann.salt);
        ann.sign(&key).unwrap();
        let bytes = ann.to_gossip_bytes().unwrap();
        prop_assert_eq!(JobAnnouncement::from_gossip(&bytes, Some(ann.org)).unwrap(), ann);
    }

    #[test]
    fn random_bytes_never_panic(data in bytes(2048)) {
        decode_all(&data);
    }

    /// Random payloads behind a well-formed header reach bincode itself.
    #[test]
    fn random_payloads_behind_valid_headers_never_panic(kind in 0u8..8, payload in bytes(2048)) {
        let mut frame = vec![WIRE_VERSION, kind];
        frame.extend((payload.len() as u32).to_be_bytes());
        frame.extend(&payload);
        decode_all(&frame);
    }

    /// A valid frame with a few bytes changed: the closest thing to a corrupted or hostile
    /// peer's output.
    #[test]
    fn mutated_frames_never_panic(
        msg in work_response(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut frame = encode_frame(&msg, &Limits::default()).unwrap();
        for (i, b) in flips {
            let i = i.index(frame.len());
            frame[i] = b;
        }
        decode_all(&frame);
    }
}
