//! In-process network tests over the memory transport: the real behaviour, codec, event loop and
//! client, without sockets. Every wait is bounded by a timeout.

use std::time::Duration;

use futures::StreamExt;
use libp2p::{gossipsub, identity::Keypair, noise, swarm::SwarmEvent, yamux, SwarmBuilder};
use proofgrid_protocol::*;
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(20);

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

struct Peer {
    client: Client,
    events: mpsc::Receiver<Event>,
    addr: Multiaddr,
}

async fn spawn(config: NetworkConfig) -> Peer {
    let (client, events, event_loop) = proofgrid_protocol::new(config).unwrap();
    tokio::spawn(event_loop.run());
    let addr = client
        .listen_on("/memory/0".parse().unwrap())
        .await
        .unwrap();
    let addr = multiaddr_with_peer(&addr, client.local_peer_id());
    Peer {
        client,
        events,
        addr,
    }
}

async fn spawn_kind(kind: PeerKind) -> Peer {
    spawn(NetworkConfig::new(Keypair::generate_ed25519(), kind)).await
}

/// Waits for the first event `pick` maps to `Some`, skipping others.
async fn next_matching<T>(
    events: &mut mpsc::Receiver<Event>,
    mut pick: impl FnMut(Event) -> Option<T>,
) -> T {
    timeout(WAIT, async {
        loop {
            let event = events.recv().await.expect("event loop stopped");
            if let Some(t) = pick(event) {
                return t;
            }
        }
    })
    .await
    .expect("timed out waiting for an event")
}

/// Answers work requests like a minimal org: acks proofs after checking their bytes, grants a
/// prove-role shard with a big trace, and passes every other event on.
fn serve_org(mut events: mpsc::Receiver<Event>, trace_len: usize) -> mpsc::Receiver<Event> {
    let (seen_tx, seen) = mpsc::channel(1024);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                Event::WorkRequest {
                    request, responder, ..
                } => {
                    let response = match &request {
                        WorkRequest::SubmitProof { proof, .. } => {
                            let intact =
                                proof.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8);
                            WorkResponse::Ack(if intact {
                                Ack::Accepted
                            } else {
                                Ack::Refused("corrupt".into())
                            })
                        }
                        WorkRequest::Claim { job, role, .. } => WorkResponse::Grant(Grant {
                            job: *job,
                            shard: 3,
                            role: *role,
                            program_hash: ProgramHash([7; 32]),
                            args: vec![1, 2, 3],
                            lease_secs: 600,
                            lease_deadline: 0,
                            max_steps: 1 << 20,
                            trace: pattern(trace_len),
                        }),
                        _ => WorkResponse::Verdict(Verdict::Unknown),
                    };
                    responder.send(response).await.unwrap();
                }
                other => {
                    let _ = seen_tx.try_send(other);
                }
            }
        }
    });
    seen
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn five_mib_request_and_response_round_trip() {
    init_tracing();
    let org = spawn_kind(PeerKind::Org).await;
    let donor = spawn_kind(PeerKind::Donor).await;
    let org_id = org.client.local_peer_id();
    let _seen = serve_org(org.events, 5 << 20);
    assert_eq!(donor.client.dial(org.addr.clone()).await.unwrap(), org_id);

    let proof = pattern(5 << 20);
    let ack = donor
        .client
        .work(
            org_id,
            WorkRequest::SubmitProof {
                job: JobId([1; 32]),
                shard: 0,
                proof,
            },
        )
        .await
        .unwrap();
    assert_eq!(ack, WorkResponse::Ack(Ack::Accepted));

    let capacity = Capacity {
        max_steps: 1 << 24,
        max_memory: 1 << 32,
        security_bits: 128,
    };
    let grant = donor
        .client
        .work(
            org_id,
            WorkRequest::Claim {
                job: JobId([1; 32]),
                role: Role::Prove,
                capacity,
            },
        )
        .await
        .unwrap();
    match grant {
        WorkResponse::Grant(g) => {
            assert_eq!(g.trace, pattern(5 << 20));
            assert_eq!((g.shard, g.args.as_slice()), (3, &[1u8, 2, 3][..]));
        }
        other => panic!("expected a grant, got {other:?}"),
    }
}

#[tokio::test]
async fn oversize_requests_are_refused_by_sender_and_receiver() {
    init_tracing();
    let org = spawn_kind(PeerKind::Org).await;
    let org_id = org.client.local_peer_id();
    let mut org_events = serve_org(org.events, 0);

    // A sender with the default caps refuses to send it at all.
    let donor = spawn_kind(PeerKind::Donor).await;
    donor.client.dial(org.addr.clone()).await.unwrap();
    let big = vec![0u8; Limits::default().bulk + 1];
    let err = donor
        .client
        .work(
            org_id,
            WorkRequest::SubmitProof {
                job: JobId([1; 32]),
                shard: 0,
                proof: big.clone(),
            },
        )
        .await
        .unwrap_err();
    match err {
        NetError::Request {
            failure: RequestFailure::TooLarge(msg),
            ..
        } => assert!(msg.contains("exceeds"), "{msg}"),
        other => panic!("expected a local refusal, got {other}"),
    }

    // A sender with larger caps sends it; the org refuses from the header and reports it.
    let mut cfg = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Donor);
    cfg.limits.bulk *= 2;
    let lax = spawn(cfg).await;
    lax.client.dial(org.addr.clone()).await.unwrap();
    let err = lax
        .client
        .work(
            org_id,
            WorkRequest::SubmitProof {
                job: JobId([1; 32]),
                shard: 0,
                proof: big,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Request { .. }), "{err}");
    let reason = next_matching(&mut org_events, |e| match e {
        Event::BadRequest { protocol, reason } if protocol == WORK_PROTOCOL.as_ref() => {
            Some(reason)
        }
        _ => None,
    })
    .await;
    assert!(reason.contains("exceeds"), "{reason}");

    // The org is still fine: a normal request from the same peer succeeds.
    let ok = lax
        .client
        .work(
            org_id,
            WorkRequest::SubmitProof {
                job: JobId([1; 32]),
                shard: 0,
                proof: pattern(1000),
            },
        )
        .await
        .unwrap();
    assert_eq!(ok, WorkResponse::Ack(Ack::Accepted));
}

#[tokio::test]
async fn a_request_flood_is_rate_limited_per_peer_without_stalling() {
    init_tracing();
    let mut cfg = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Org);
    cfg.rate_limit = RateLimit {
        burst: 5,
        per_second: 2.0,
    };
    let org = spawn(cfg).await;
    let org_id = org.client.local_peer_id();
    let _seen = serve_org(org.events, 0);
    let flooder = spawn_kind(PeerKind::Donor).await;
    flooder.client.dial(org.addr.clone()).await.unwrap();

    let verdict = WorkRequest::GetVerdict {
        job: JobId([1; 32]),
        shard: 0,
    };
    let mut served = 0;
    let mut limited = Vec::new();
    let started = std::time::Instant::now();
    for _ in 0..15 {
        match flooder.client.work(org_id, verdict.clone()).await.unwrap() {
            WorkResponse::Verdict(Verdict::Unknown) => served += 1,
            WorkResponse::RateLimited { retry_after_ms } => limited.push(retry_after_ms),
            other => panic!("{other:?}"),
        }
    }
    // The burst, plus what refilled (2/s) while the loop ran.
    let budget = 5 + (2.0 * started.elapsed().as_secs_f64()).floor() as usize;
    assert!(
        served >= 5 && served <= budget,
        "served {served} of budget {budget}"
    );
    assert!(!limited.is_empty());
    assert_eq!(served + limited.len(), 15);
    assert!(
        limited.iter().all(|ms| *ms > 0 && *ms <= 500),
        "{limited:?}"
    );

    // Another peer is unaffected, at once.
    let other = spawn_kind(PeerKind::Donor).await;
    other.client.dial(org.addr.clone()).await.unwrap();
    let answer = timeout(
        Duration::from_secs(2),
        other.client.work(org_id, verdict.clone()),
    )
    .await;
    assert_eq!(
        answer.unwrap().unwrap(),
        WorkResponse::Verdict(Verdict::Unknown)
    );

    // And the flooder is served again once it waits as told.
    tokio::time::sleep(Duration::from_millis(
        u64::from(*limited.last().unwrap()) + 50,
    ))
    .await;
    assert_eq!(
        flooder.client.work(org_id, verdict).await.unwrap(),
        WorkResponse::Verdict(Verdict::Unknown)
    );
}

/// A raw gossipsub peer: signs correctly, but can put anything in the payload.
fn raw_gossip_swarm(key: Keypair) -> libp2p::Swarm<gossipsub::Behaviour> {
    SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_other_transport(|key| {
            use libp2p::core::{transport::MemoryTransport, upgrade, Transport};
            MemoryTransport::default()
                .upgrade(upgrade::Version::V1)
                .authenticate(noise::Config::new(key).unwrap())
                .multiplex(yamux::Config::default())
        })
        .unwrap()
        .with_behaviour(|key| {
            let cfg = gossipsub::ConfigBuilder::default()
                .heartbeat_initial_delay(Duration::from_millis(100))
                .build()
                .unwrap();
            gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Signed(key.clone()), cfg)
                .unwrap()
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

fn announcement(key: &Keypair, name: &str) -> JobAnnouncement {
    JobAnnouncement::example(key, name, 1)
}

#[tokio::test]
async fn a_forged_announcement_is_dropped_and_reported() {
    init_tracing();
    let mut donor = spawn_kind(PeerKind::Donor).await;
    let key = Keypair::generate_ed25519();
    let forger_id = key.public().to_peer_id();
    let victim_key = Keypair::generate_ed25519();
    let mut forger = raw_gossip_swarm(key.clone());
    let topic = gossipsub::IdentTopic::new(JOBS_TOPIC);
    forger.behaviour_mut().subscribe(&topic).unwrap();
    forger.dial(donor.addr.clone()).unwrap();

    // Drive the forger until the donor's subscription is known, then publish the forged
    // announcement followed by an honest one on the same link.
    // The victim's genuine copy, republished by the forger, is dropped (gossip names its
    // source), and so is the forger's own copy with a field changed after signing.
    let forged = announcement(&victim_key, "forged").to_gossip_bytes().unwrap();
    let mut tampered = announcement(&key, "tampered");
    tampered.shards_open = 1;
    let tampered = wire_bytes(&tampered);
    let honest = announcement(&key, "honest").to_gossip_bytes().unwrap();
    tokio::spawn(async move {
        loop {
            if let SwarmEvent::Behaviour(gossipsub::Event::Subscribed { .. }) =
                forger.select_next_some().await
            {
                forger
                    .behaviour_mut()
                    .publish(topic.clone(), forged.clone())
                    .unwrap();
                forger
                    .behaviour_mut()
                    .publish(topic.clone(), tampered.clone())
                    .unwrap();
                forger
                    .behaviour_mut()
                    .publish(topic.clone(), honest.clone())
                    .unwrap();
                break;
            }
        }
        loop {
            forger.select_next_some().await;
        }
    });

    let rejected = next_matching(&mut donor.events, |e| match e {
        Event::Announcement { announcement, .. } => panic!("accepted {announcement:?}"),
        Event::AnnouncementRejected { source, reason, .. } => Some((source, reason)),
        _ => None,
    })
    .await;
    assert_eq!(rejected.0, Some(forger_id));
    assert!(rejected.1.contains("names org"), "{}", rejected.1);
    let rejected = next_matching(&mut donor.events, |e| match e {
        Event::Announcement { announcement, .. } => panic!("accepted {announcement:?}"),
        Event::AnnouncementRejected { reason, .. } => Some(reason),
        _ => None,
    })
    .await;
    assert!(rejected.contains("not signed by its org"), "{rejected}");
    let accepted = next_matching(&mut donor.events, |e| match e {
        Event::Announcement { announcement, .. } => Some(announcement),
        _ => None,
    })
    .await;
    assert_eq!(
        (accepted.org, accepted.name.as_str()),
        (forger_id, "honest")
    );
}

#[tokio::test]
async fn kad_bootstrap_needs_a_known_peer() {
    let donor = spawn_kind(PeerKind::Donor).await;
    assert!(matches!(
        donor.client.bootstrap_kad().await,
        Err(NetError::NoKnownPeers)
    ));
    let boot = spawn_kind(PeerKind::Bootstrap).await;
    let mut cfg = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Donor);
    cfg.bootstrap.push(boot.addr.clone());
    let mut donor = spawn(cfg).await;
    next_matching(&mut donor.events, |e| {
        matches!(e, Event::BootstrapConnected { .. }).then_some(())
    })
    .await;
    donor.client.bootstrap_kad().await.unwrap();
    assert_eq!(
        donor.client.connected_bootstrap_peers().await.unwrap(),
        vec![boot.client.local_peer_id()]
    );
}

#[tokio::test]
async fn publishing_for_another_org_is_refused_locally() {
    let key = Keypair::generate_ed25519();
    let org = spawn(NetworkConfig::new(key.clone(), PeerKind::Org)).await;
    let err = org
        .client
        .publish(announcement(&Keypair::generate_ed25519(), "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, NetError::Publish(ref m) if m.contains("receivers would drop it")),
        "{err}"
    );
    let err = org
        .client
        .publish(announcement(&key, "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::NoSubscribers), "{err}");
}

#[tokio::test]
async fn directory_requests_reach_only_a_bootstrap() {
    init_tracing();
    let mut boot = spawn_kind(PeerKind::Bootstrap).await;
    let org = spawn_kind(PeerKind::Org).await;
    let boot_id = boot.client.local_peer_id();
    org.client.dial(boot.addr.clone()).await.unwrap();
    let ask = tokio::spawn({
        let client = org.client.clone();
        async move { client.directory(boot_id, DirectoryRequest::ListOpen).await }
    });
    let responder = next_matching(&mut boot.events, |e| match e {
        Event::DirectoryRequest {
            request: DirectoryRequest::ListOpen,
            responder,
            ..
        } => Some(responder),
        _ => None,
    })
    .await;
    responder
        .send(DirectoryResponse::Open { entries: vec![] })
        .await
        .unwrap();
    assert_eq!(
        ask.await.unwrap().unwrap(),
        DirectoryResponse::Open { entries: vec![] }
    );

    // A donor does not serve the directory protocol (nor the work protocol).
    let donor = spawn_kind(PeerKind::Donor).await;
    org.client.dial(donor.addr.clone()).await.unwrap();
    let err = org
        .client
        .directory(donor.client.local_peer_id(), DirectoryRequest::ListOpen)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            NetError::Request {
                failure: RequestFailure::Unsupported,
                ..
            }
        ),
        "{err}"
    );
}

/// A directory listing is anyone's word: an entry naming an org with some other peer's address
/// (here a trap that records every connection attempt) must not make the asker dial that address
/// when it asks the org. Only the application, having checked a copy's signature, gives addresses.
#[tokio::test]
async fn a_listing_gives_no_addresses_to_dial() {
    init_tracing();
    let mut boot = spawn_kind(PeerKind::Bootstrap).await;
    let donor = spawn_kind(PeerKind::Donor).await;
    let mut trap = raw_gossip_swarm(Keypair::generate_ed25519());
    trap.listen_on("/memory/0".parse().unwrap()).unwrap();
    let trap_addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = trap.select_next_some().await {
            break address;
        }
    };
    let (dialed_tx, mut dialed) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            if let SwarmEvent::IncomingConnection { .. } = trap.select_next_some().await {
                let _ = dialed_tx.send(());
            }
        }
    });
    let victim = Keypair::generate_ed25519();
    let mut forged = announcement(&victim, "victim");
    forged.org_addrs = vec![trap_addr];
    donor.client.dial(boot.addr.clone()).await.unwrap();
    let boot_id = boot.client.local_peer_id();
    let ask = tokio::spawn({
        let client = donor.client.clone();
        async move { client.directory(boot_id, DirectoryRequest::ListOpen).await }
    });
    let responder = next_matching(&mut boot.events, |e| match e {
        Event::DirectoryRequest { responder, .. } => Some(responder),
        _ => None,
    })
    .await;
    let entries = vec![DirectoryEntry { announcement: forged, expires_in_secs: 60 }];
    responder.send(DirectoryResponse::Open { entries }).await.unwrap();
    ask.await.unwrap().unwrap();

    let err = timeout(WAIT, donor.client.work(victim.public().to_peer_id(), WorkRequest::ListJobs)).await.unwrap().unwrap_err();
    assert!(matches!(err, NetError::Request { failure: RequestFailure::Dial, .. }), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(dialed.try_recv().is_err(), "the donor dialed the address a listing gave");
}

/// Writes whatever bytes it is given as a request: a peer from another version, or a broken one.
#[derive(Clone, Default)]
struct RawCodec;

impl libp2p::request_response::Codec for RawCodec {
    type Protocol = libp2p::StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, _: &Self::Protocol, _: &mut T) -> std::io::Result<Vec<u8>>
    where
        T: futures::AsyncRead + Unpin + Send,
    {
        Err(std::io::Error::other("this test peer serves nothing"))
    }

    async fn read_response<T>(&mut self, _: &Self::Protocol, io: &mut T) -> std::io::Result<Vec<u8>>
    where
        T: futures::AsyncRead + Unpin + Send,
    {
        let mut out = Vec::new();
        futures::AsyncReadExt::read_to_end(io, &mut out).await?;
        Ok(out)
    }

    async fn write_request<T>(
        &mut self,
        _: &Self::Protocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> std::io::Result<()>
    where
        T: futures::AsyncWrite + Unpin + Send,
    {
        futures::AsyncWriteExt::write_all(io, &req).await
    }

    async fn write_response<T>(
        &mut self,
        _: &Self::Protocol,
        _: &mut T,
        _: Vec<u8>,
    ) -> std::io::Result<()>
    where
        T: futures::AsyncWrite + Unpin + Send,
    {
        Err(std::io::Error::other("this test peer serves nothing"))
    }
}

fn raw_request_swarm(
    protocols: Vec<libp2p::StreamProtocol>,
) -> libp2p::Swarm<libp2p::request_response::Behaviour<RawCodec>> {
    use libp2p::request_response::{self, ProtocolSupport};
    SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_other_transport(|key| {
            use libp2p::core::{transport::MemoryTransport, upgrade, Transport};
            MemoryTransport::default()
                .upgrade(upgrade::Version::V1)
                .authenticate(noise::Config::new(key).unwrap())
                .multiplex(yamux::Config::default())
        })
        .unwrap()
        .with_behaviour(|_| {
            request_response::Behaviour::<RawCodec>::new(
                protocols
                    .into_iter()
                    .map(|p| (p, ProtocolSupport::Outbound)),
                request_response::Config::default(),
            )
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build()
}

#[tokio::test]
async fn other_wire_and_protocol_versions_fail_clearly() {
    use libp2p::request_response::{self, OutboundFailure};
    init_tracing();
    let org = spawn_kind(PeerKind::Org).await;
    let org_id = org.client.local_peer_id();
    let mut org_events = serve_org(org.events, 0);

    // The right protocol id, but a frame from wire version 2: the org says so and answers nothing.
    let mut raw = raw_request_swarm(vec![WORK_PROTOCOL]);
    raw.dial(org.addr.clone()).unwrap();
    let mut frame = vec![2u8, 0];
    frame.extend(0u32.to_be_bytes());
    raw.behaviour_mut().send_request(&org_id, frame);
    let driver = tokio::spawn(async move {
        loop {
            match raw.select_next_some().await {
                SwarmEvent::Behaviour(request_response::Event::OutboundFailure { .. }) => {
                    return None
                }
                SwarmEvent::Behaviour(request_response::Event::Message {
                    message: request_response::Message::Response { response, .. },
                    ..
                }) => return Some(response),
                _ => {}
            }
        }
    });
    let reason = next_matching(&mut org_events, |e| match e {
        Event::BadRequest { reason, .. } => Some(reason),
        _ => None,
    })
    .await;
    assert!(reason.contains("wire version 2"), "{reason}");
    let answer = timeout(WAIT, driver).await.unwrap().unwrap();
    assert!(
        answer.as_ref().is_none_or(|bytes| bytes.is_empty()),
        "the org answered an unreadable frame: {answer:?}"
    );

    // A peer speaking only a newer protocol id learns that the org does not support it.
    let mut only_v2 = raw_request_swarm(vec![libp2p::StreamProtocol::new("/proofgrid/work/2.0.0")]);
    only_v2.dial(org.addr.clone()).unwrap();
    only_v2.behaviour_mut().send_request(&org_id, vec![1]);
    let failure = timeout(WAIT, async {
        loop {
            if let SwarmEvent::Behaviour(request_response::Event::OutboundFailure {
                error, ..
            }) = only_v2.select_next_some().await
            {
                return error;
            }
        }
    })
    .await
    .unwrap();
    assert!(
        matches!(failure, OutboundFailure::UnsupportedProtocols),
        "{failure}"
    );
}

#[tokio::test]
async fn large_requests_wait_for_budget_while_earlier_ones_are_unanswered() {
    init_tracing();
    let mut cfg = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Org);
    // 5 MiB proofs hold 10 MiB each (frame and request): one fits, two do not.
    cfg.limits.inflight_bulk = 16 << 20;
    let mut org = spawn(cfg).await;
    let org_id = org.client.local_peer_id();
    let first = spawn_kind(PeerKind::Donor).await;
    let second = spawn_kind(PeerKind::Donor).await;
    first.client.dial(org.addr.clone()).await.unwrap();
    second.client.dial(org.addr.clone()).await.unwrap();
    let submit = |n| WorkRequest::SubmitProof {
        job: JobId([1; 32]),
        shard: 0,
        proof: pattern(n),
    };

    // The org holds the first 5 MiB proof without answering it yet.
    let pending = tokio::spawn({
        let client = first.client.clone();
        async move { client.work(org_id, submit(5 << 20)).await }
    });
    let held = next_matching(&mut org.events, |e| match e {
        Event::WorkRequest { responder, .. } => Some(responder),
        _ => None,
    })
    .await;

    // Meanwhile another 5 MiB would exceed the 16 MiB budget: refused, and worth retrying.
    let err = second
        .client
        .work(org_id, submit(5 << 20))
        .await
        .unwrap_err();
    match &err {
        NetError::Request { failure, .. } => assert!(failure.is_transient(), "{failure}"),
        other => panic!("{other}"),
    }
    // Small requests still pass.
    let ask = tokio::spawn({
        let client = second.client.clone();
        async move { client.work(org_id, WorkRequest::ListJobs).await }
    });
    let small = next_matching(&mut org.events, |e| match e {
        Event::WorkRequest {
            request: WorkRequest::ListJobs,
            responder,
            ..
        } => Some(responder),
        _ => None,
    })
    .await;
    small.send(WorkResponse::Jobs(vec![])).await.unwrap();
    assert_eq!(ask.await.unwrap().unwrap(), WorkResponse::Jobs(vec![]));

    // Once the first is answered, its budget is back and the retry goes through.
    held.send(WorkResponse::Ack(Ack::Accepted)).await.unwrap();
    assert_eq!(
        pending.await.unwrap().unwrap(),
        WorkResponse::Ack(Ack::Accepted)
    );
    let retry = tokio::spawn({
        let client = second.client.clone();
        async move { client.work(org_id, submit(5 << 20)).await }
    });
    let responder = next_matching(&mut org.events, |e| match e {
        Event::WorkRequest {
            request: WorkRequest::SubmitProof { proof, .. },
            responder,
            ..
        } => {
            assert_eq!(proof.len(), 5 << 20);
            Some(responder)
        }
        _ => None,
    })
    .await;
    responder
        .send(WorkResponse::Ack(Ack::Accepted))
        .await
        .unwrap();
    assert_eq!(
        retry.await.unwrap().unwrap(),
        WorkResponse::Ack(Ack::Accepted)
    );
}

/// A bootstrap that does not answer is reported to the application (which decides how loudly to
/// say so), with the cause and the delay before the next try, and again at each retry; one that
/// answers as another peer is named as such.
#[tokio::test]
async fn an_unreachable_bootstrap_is_an_event_with_its_cause() {
    init_tracing();
    let gone = Keypair::generate_ed25519().public().to_peer_id();
    let mut cfg = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Donor);
    cfg.bootstrap.push(format!("/memory/999999/p2p/{gone}").parse().unwrap());
    cfg.redial_min = Duration::from_millis(50);
    let mut donor = spawn(cfg).await;
    for _ in 0..2 {
        let (peer, error) = next_matching(&mut donor.events, |e| match e {
            Event::BootstrapUnreachable { peer, error, .. } => Some((peer, error)),
            _ => None,
        })
        .await;
        assert_eq!(peer, gone);
        assert!(!error.is_empty() && !error.contains("Transport("), "{error}");
    }

    let someone = spawn_kind(PeerKind::Bootstrap).await;
    let wrong = someone.addr.to_string().replace(&someone.client.local_peer_id().to_string(), &gone.to_string());
    let mut cfg = NetworkConfig::new(Keypair::generate_ed25519(), PeerKind::Donor);
    cfg.bootstrap.push(wrong.parse().unwrap());
    let mut donor = spawn(cfg).await;
    let error = next_matching(&mut donor.events, |e| match e {
        Event::BootstrapUnreachable { error, .. } => Some(error),
        _ => None,
    })
    .await;
    assert!(error.contains("a different peer") && error.contains(&someone.client.local_peer_id().to_string()), "{error}");
}

/// An announcement's encoding without the checks `to_gossip_bytes` makes: what a forger sends.
fn wire_bytes(ann: &JobAnnouncement) -> Vec<u8> {
    proofgrid_protocol::wire::encode_versioned(ann, "job announcement").unwrap()
}
