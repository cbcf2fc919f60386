//! End-to-end over loopback TCP: the real `bootstrap` binary as a separate process, and org,
//! donor and attacker peers built from the protocol crate in this process. Only 127.0.0.1.
//! Every wait is bounded by a timeout.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt;
use libp2p::{gossipsub, identity::Keypair, noise, swarm::SwarmEvent, tcp, yamux, SwarmBuilder};
use proofgrid_protocol::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use tokio::sync::mpsc;
use tokio::time::{timeout, Instant};

const WAIT: Duration = Duration::from_secs(30);

struct Bootstrap {
    child: Child,
    addr: Multiaddr,
    port: u16,
    addr_file: PathBuf,
    _stdout: BufReader<ChildStdout>,
}

impl Bootstrap {
    async fn start(data_dir: &Path, port: u16) -> Bootstrap {
        let addr_file = data_dir.join("bootstrap.addr");
        let mut child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
            .arg("--listen")
            .arg(format!("/ip4/127.0.0.1/tcp/{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--addr-file")
            .arg(&addr_file)
            .args(["--ttl", "60s"])
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn bootstrap");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        timeout(WAIT, stdout.read_line(&mut line))
            .await
            .expect("bootstrap printed no address")
            .unwrap();
        let addr: Multiaddr = line.trim().parse().expect("bootstrap printed a multiaddr");
        assert!(
            peer_id_of(&addr).is_some(),
            "printed address lacks /p2p/: {addr}"
        );
        let written = std::fs::read_to_string(&addr_file).expect("address file written");
        assert_eq!(
            written.trim(),
            line.trim(),
            "address file matches the printed address"
        );
        let port = addr
            .iter()
            .find_map(|p| match p {
                libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
                _ => None,
            })
            .unwrap();
        Bootstrap {
            child,
            addr,
            port,
            addr_file,
            _stdout: stdout,
        }
    }

    fn peer(&self) -> PeerId {
        peer_id_of(&self.addr).unwrap()
    }
}

struct Peer {
    client: Client,
    events: mpsc::Receiver<Event>,
}

async fn spawn_peer(
    kind: PeerKind,
    bootstrap: &Multiaddr,
    tweak: impl FnOnce(&mut NetworkConfig),
) -> Peer {
    spawn_peer_with(Keypair::generate_ed25519(), kind, bootstrap, tweak).await
}

async fn spawn_peer_with(
    key: Keypair,
    kind: PeerKind,
    bootstrap: &Multiaddr,
    tweak: impl FnOnce(&mut NetworkConfig),
) -> Peer {
    let mut cfg = NetworkConfig::new(key, kind).with_bootstrap([bootstrap.clone()]);
    tweak(&mut cfg);
    let (client, events, event_loop) = proofgrid_protocol::new(cfg).unwrap();
    tokio::spawn(event_loop.run());
    client
        .listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap())
        .await
        .unwrap();
    Peer { client, events }
}

async fn next_matching<T>(
    events: &mut mpsc::Receiver<Event>,
    mut pick: impl FnMut(Event) -> Option<T>,
) -> T {
    timeout(WAIT, async {
        loop {
            if let Some(t) = pick(events.recv().await.expect("event loop stopped")) {
                return t;
            }
        }
    })
    .await
    .expect("timed out waiting for an event")
}

async fn bootstrap_connected(events: &mut mpsc::Receiver<Event>, boot: PeerId) {
    next_matching(events, |e| {
        matches!(e, Event::BootstrapConnected { peer } if peer == boot).then_some(())
    })
    .await
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// `key`'s org's signed announcement of a job named `name`, copy `seq`, listening on `addrs`.
fn job_announcement(key: &Keypair, addrs: Vec<Multiaddr>, name: &str, seq: u64) -> JobAnnouncement {
    let mut ann = JobAnnouncement::example(key, name, seq);
    ann.org_addrs = addrs;
    ann.description = "sum of squares over 16 ranges".into();
    ann.shards_total = 16;
    ann.shards_open = 16;
    ann.sign(key).unwrap();
    ann
}

/// What the org task reports to the test.
#[derive(Debug)]
enum OrgNote {
    Registered,
    Other(Box<Event>),
}

/// A minimal org: registers its job whenever it (re)connects to the bootstrap, serves
/// `ListJobs`, acks proofs whose bytes are intact, and grants prove-role shards with a 5 MiB
/// trace.
async fn start_org(
    boot: &Bootstrap,
    tweak: impl FnOnce(&mut NetworkConfig),
) -> (Client, JobAnnouncement, mpsc::UnboundedReceiver<OrgNote>, Keypair) {
    let key = Keypair::generate_ed25519();
    let Peer { client, mut events } = spawn_peer_with(key.clone(), PeerKind::Org, &boot.addr, tweak).await;
    let addrs = client.listen_addrs().await.unwrap();
    let ann = job_announcement(&key, addrs, "squares", 1);
    let (notes_tx, notes) = mpsc::unbounded_channel();
    let (c, a) = (client.clone(), ann.clone());
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                Event::BootstrapConnected { peer } => {
                    let (c, a, tx) = (c.clone(), a.clone(), notes_tx.clone());
                    tokio::spawn(async move {
                        let r = c
                            .directory(peer, DirectoryRequest::Register { jobs: vec![a] })
                            .await;
                        assert_eq!(r.unwrap(), DirectoryResponse::Registered { ttl_secs: 60 });
                        let _ = tx.send(OrgNote::Registered);
                    });
                }
                Event::WorkRequest {
                    request, responder, ..
                } => {
                    let response = match request {
                        WorkRequest::ListJobs => WorkResponse::Jobs(vec![a.clone()]),
                        WorkRequest::SubmitProof { proof, .. } if proof == pattern(proof.len()) => {
                            WorkResponse::Ack(Ack::Accepted)
                        }
                        WorkRequest::SubmitProof { .. } => {
                            WorkResponse::Ack(Ack::Refused("corrupt".into()))
                        }
                        WorkRequest::Claim {
                            job,
                            role: Role::Prove,
                            ..
                        } => WorkResponse::Grant(Grant {
                            job,
                            shard: 2,
                            role: Role::Prove,
                            program_hash: a.program_hash,
                            args: vec![2],
                            lease_secs: 600,
                            lease_deadline: 0,
                            max_steps: 100_000,
                            trace: pattern(5 << 20),
                        }),
                        _ => WorkResponse::Refused {
                            reason: "not in this test".into(),
                        },
                    };
                    responder.send(response).await.unwrap();
                }
                other => {
                    let _ = notes_tx.send(OrgNote::Other(Box::new(other)));
                }
            }
        }
    });
    (client, ann, notes, key)
}

async fn registered(notes: &mut mpsc::UnboundedReceiver<OrgNote>) {
    timeout(WAIT, async {
        while let Some(n) = notes.recv().await {
            if matches!(n, OrgNote::Registered) {
                return;
            }
        }
        panic!("org task ended");
    })
    .await
    .expect("org did not register");
}

#[tokio::test]
async fn a_late_donor_finds_the_job_through_the_directory_and_gossip() {
    let dir = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start(dir.path(), 0).await;
    let (org, ann, mut notes, key) = start_org(&boot, |_| {}).await;
    registered(&mut notes).await;

    // The donor starts only now, after the org has announced.
    let mut donor = spawn_peer(PeerKind::Donor, &boot.addr, |_| {}).await;
    bootstrap_connected(&mut donor.events, boot.peer()).await;
    let listing = donor
        .client
        .directory(boot.peer(), DirectoryRequest::ListOpen)
        .await
        .unwrap();
    let DirectoryResponse::Open { entries } = listing else {
        panic!("{listing:?}")
    };
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].announcement, ann);
    assert!(entries[0].expires_in_secs > 50);
    // The bootstrap is a Kademlia server the donor can bootstrap its routing table from.
    donor.client.bootstrap_kad().await.unwrap();

    // Gossip relayed by the bootstrap reaches the donor (the org re-announces until it does).
    let announcer = tokio::spawn({
        let (org, mut ann) = (org.clone(), ann.clone());
        ann.issued_at = 2;
        ann.seq = 2;
        ann.sign(&key).unwrap();
        async move {
            loop {
                let _ = org.publish(ann.clone()).await;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    });
    let (got, via) = next_matching(&mut donor.events, |e| match e {
        Event::Announcement { announcement, via } => Some((announcement, via)),
        _ => None,
    })
    .await;
    announcer.abort();
    assert_eq!((got.job, got.org, got.issued_at), (ann.job, ann.org, 2));
    assert_eq!(
        via,
        boot.peer(),
        "relayed by the bootstrap, not sent directly"
    );

    // The org itself is the truth: the donor dials it from the listed address and asks.
    let jobs = donor
        .client
        .work(ann.org, WorkRequest::ListJobs)
        .await
        .unwrap();
    assert_eq!(jobs, WorkResponse::Jobs(vec![ann]));
}

#[tokio::test]
async fn five_mib_round_trips_and_an_oversize_frame_is_refused_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start(dir.path(), 0).await;
    let (_org, ann, mut notes, _key) = start_org(&boot, |_| {}).await;
    registered(&mut notes).await;
    let mut donor = spawn_peer(PeerKind::Donor, &boot.addr, |_| {}).await;
    bootstrap_connected(&mut donor.events, boot.peer()).await;
    donor
        .client
        .add_addresses(ann.org, ann.org_addrs.clone())
        .await
        .unwrap();

    let started = Instant::now();
    let ack = donor
        .client
        .work(
            ann.org,
            WorkRequest::SubmitProof {
                job: ann.job,
                shard: 2,
                proof: pattern(5 << 20),
            },
        )
        .await
        .unwrap();
    assert_eq!(ack, WorkResponse::Ack(Ack::Accepted));
    let capacity = Capacity {
        max_steps: 1 << 20,
        max_memory: 1 << 30,
        security_bits: 128,
    };
    let grant = donor
        .client
        .work(
            ann.org,
            WorkRequest::Claim {
                job: ann.job,
                role: Role::Prove,
                capacity,
            },
        )
        .await
        .unwrap();
    let WorkResponse::Grant(grant) = grant else {
        panic!("{grant:?}")
    };
    assert_eq!(grant.trace, pattern(5 << 20));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "10 MiB over loopback took {:?}",
        started.elapsed()
    );

    // A peer configured with larger caps sends a frame over the org's 32 MiB cap: refused.
    let lax = spawn_peer(PeerKind::Donor, &boot.addr, |c| c.limits.bulk = 64 << 20).await;
    lax.client
        .add_addresses(ann.org, ann.org_addrs.clone())
        .await
        .unwrap();
    let too_big = vec![0u8; Limits::default().bulk + 1024];
    let err = lax
        .client
        .work(
            ann.org,
            WorkRequest::SubmitProof {
                job: ann.job,
                shard: 2,
                proof: too_big,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, NetError::Request { .. }), "{err}");
    let reason = timeout(WAIT, async {
        loop {
            match notes.recv().await.expect("org task ended") {
                OrgNote::Other(event) => {
                    if let Event::BadRequest { reason, .. } = *event {
                        return reason;
                    }
                }
                OrgNote::Registered => {}
            }
        }
    })
    .await
    .expect("org reported no refused frame");
    assert!(reason.contains("exceeds the 33554432-byte cap"), "{reason}");

    // Both peers and the org carry on.
    let again = lax
        .client
        .work(
            ann.org,
            WorkRequest::SubmitProof {
                job: ann.job,
                shard: 2,
                proof: pattern(1 << 10),
            },
        )
        .await
        .unwrap();
    assert_eq!(again, WorkResponse::Ack(Ack::Accepted));
}

/// An attacker with a correctly signing gossipsub stack and arbitrary payloads.
fn attacker(
    key: Keypair,
) -> (
    mpsc::UnboundedSender<Vec<u8>>,
    mpsc::UnboundedReceiver<()>,
    impl FnOnce(Multiaddr),
) {
    let (publish_tx, mut publish_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let (subscribed_tx, subscribed_rx) = mpsc::unbounded_channel();
    let start = move |boot: Multiaddr| {
        let mut swarm = SwarmBuilder::with_existing_identity(key)
            .with_tokio()
            .with_tcp(
                tcp::Config::default(),
                noise::Config::new,
                yamux::Config::default,
            )
            .unwrap()
            .with_behaviour(|key| {
                gossipsub::Behaviour::<
                    gossipsub::IdentityTransform,
                    gossipsub::AllowAllSubscriptionFilter,
                >::new(
                    gossipsub::MessageAuthenticity::Signed(key.clone()),
                    gossipsub::ConfigBuilder::default().build().unwrap(),
                )
                .unwrap()
            })
            .unwrap()
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        let topic = gossipsub::IdentTopic::new(JOBS_TOPIC);
        swarm.behaviour_mut().subscribe(&topic).unwrap();
        swarm.dial(boot).unwrap();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    event = swarm.select_next_some() => {
                        if let SwarmEvent::Behaviour(gossipsub::Event::Subscribed { .. }) = event {
                            let _ = subscribed_tx.send(());
                        }
                    }
                    Some(data) = publish_rx.recv() => {
                        swarm.behaviour_mut().publish(topic.clone(), data).unwrap();
                    }
                }
            }
        });
    };
    (publish_tx, subscribed_rx, start)
}

#[tokio::test]
async fn a_forged_announcement_is_not_relayed_by_the_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start(dir.path(), 0).await;
    let mut donor = spawn_peer(PeerKind::Donor, &boot.addr, |_| {}).await;
    bootstrap_connected(&mut donor.events, boot.peer()).await;

    let key = Keypair::generate_ed25519();
    let attacker_id = key.public().to_peer_id();
    let (publish, mut subscribed, start) = attacker(key.clone());
    start(boot.addr.clone());
    timeout(WAIT, subscribed.recv()).await.unwrap().unwrap();

    let honest = job_announcement(&key, vec![], "before", 0);
    // First make sure the relay path works: honest copies until the donor sees one.
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let repeater = tokio::spawn({
        let (publish, honest, key) = (publish.clone(), honest.clone(), key.clone());
        async move {
            let mut n = 0;
            loop {
                let mut copy = honest.clone();
                copy.seq = n;
                copy.sign(&key).unwrap();
                n += 1;
                publish.send(copy.to_gossip_bytes().unwrap()).unwrap();
                tokio::select! {
                    _ = &mut stop_rx => return,
                    _ = tokio::time::sleep(Duration::from_millis(300)) => {}
                }
            }
        }
    });
    next_matching(&mut donor.events, |e| {
        matches!(e, Event::Announcement { .. }).then_some(())
    })
    .await;
    let _ = stop_tx.send(());
    repeater.await.unwrap();

    // Now the forgeries (another org's genuine copy sent by the attacker; the attacker's own
    // copy altered after signing), then an honest copy on the same path.
    let victim_key = Keypair::generate_ed25519();
    let victim = victim_key.public().to_peer_id();
    let forged = job_announcement(&victim_key, vec![], "forged", 1);
    publish.send(forged.to_gossip_bytes().unwrap()).unwrap();
    let mut altered = job_announcement(&key, vec![], "altered", 7);
    altered.org_addrs = vec!["/ip4/10.9.9.9/tcp/1".parse().unwrap()];
    publish.send(proofgrid_protocol::wire::encode_versioned(&altered, "job announcement").unwrap()).unwrap();
    let after = job_announcement(&key, vec![], "after", 1_000_000);
    publish.send(after.to_gossip_bytes().unwrap()).unwrap();

    let seen = next_matching(&mut donor.events, |e| match e {
        Event::Announcement { announcement, .. } if announcement.name == "after" => {
            Some(announcement)
        }
        Event::Announcement { announcement, .. } if announcement.org == victim || announcement.name == "altered" => {
            panic!("forged announcement accepted: {announcement:?}")
        }
        Event::AnnouncementRejected { reason, .. } => {
            panic!("the bootstrap relayed a forged announcement (rejected by the donor: {reason})")
        }
        _ => None,
    })
    .await;
    assert_eq!(seen.org, attacker_id);
}

#[tokio::test]
async fn peers_survive_a_bootstrap_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut boot = Bootstrap::start(dir.path(), 0).await;
    let (_org, ann, mut notes, _key) = start_org(&boot, |c| c.redial_max = Duration::from_secs(2)).await;
    registered(&mut notes).await;
    let mut donor = spawn_peer(PeerKind::Donor, &boot.addr, |c| {
        c.redial_max = Duration::from_secs(2)
    })
    .await;
    bootstrap_connected(&mut donor.events, boot.peer()).await;

    // Crash it (SIGKILL: no goodbye), then start it again on the same port and data dir.
    let (old_peer, port) = (boot.peer(), boot.port);
    boot.child.kill().await.unwrap();
    next_matching(&mut donor.events, |e| {
        matches!(e, Event::PeerDisconnected { peer } if peer == old_peer).then_some(())
    })
    .await;
    let boot = Bootstrap::start(dir.path(), port).await;
    assert_eq!(boot.peer(), old_peer, "identity persisted in the data dir");

    // Both peers redial on their own; the org re-registers (the directory lived in memory).
    bootstrap_connected(&mut donor.events, boot.peer()).await;
    registered(&mut notes).await;
    let listing = donor
        .client
        .directory(boot.peer(), DirectoryRequest::ListOpen)
        .await
        .unwrap();
    let DirectoryResponse::Open { entries } = listing else {
        panic!("{listing:?}")
    };
    assert_eq!(
        entries
            .iter()
            .map(|e| e.announcement.job)
            .collect::<Vec<_>>(),
        vec![ann.job]
    );
    assert_eq!(
        donor.client.connected_bootstrap_peers().await.unwrap(),
        vec![boot.peer()]
    );
}

#[tokio::test]
async fn a_flood_from_one_peer_is_rate_limited_and_others_are_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let boot = Bootstrap::start(dir.path(), 0).await;
    let mut flooder = spawn_peer(PeerKind::Donor, &boot.addr, |_| {}).await;
    bootstrap_connected(&mut flooder.events, boot.peer()).await;

    let client = flooder.client.clone();
    let boot_id = boot.peer();
    let started = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..300)
        .map(|_| {
            let client = client.clone();
            async move { client.directory(boot_id, DirectoryRequest::ListOpen).await }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let served = results
        .iter()
        .filter(|r| matches!(r, Ok(DirectoryResponse::Open { .. })))
        .count();
    let limited = results
        .iter()
        .filter(|r| matches!(r, Ok(DirectoryResponse::RateLimited { .. })))
        .count();
    // Default budget: a burst of 100 plus 20/s while the flood lasts.
    let budget = 100 + (20.0 * started.elapsed().as_secs_f64()).ceil() as usize;
    assert!(
        served >= 100 && served <= budget + 1,
        "served {served} of budget {budget}, limited {limited}"
    );
    assert_eq!(
        served + limited,
        300,
        "every request was answered one way or the other"
    );

    // Someone else is answered at once: the bootstrap did not stall.
    let mut other = spawn_peer(PeerKind::Donor, &boot.addr, |_| {}).await;
    bootstrap_connected(&mut other.events, boot.peer()).await;
    let answer = timeout(
        Duration::from_secs(2),
        other.client.directory(boot_id, DirectoryRequest::ListOpen),
    )
    .await;
    assert!(
        matches!(answer, Ok(Ok(DirectoryResponse::Open { .. }))),
        "{answer:?}"
    );
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly_and_removes_the_address_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut boot = Bootstrap::start(dir.path(), 0).await;
    let pid = boot.child.id().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = timeout(WAIT, boot.child.wait())
        .await
        .expect("bootstrap did not exit")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(!boot.addr_file.exists(), "stale address file left behind");
}

#[tokio::test]
async fn help_has_an_example_and_bad_flags_fail_clearly() {
    let help = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .arg("--help")
        .output()
        .await
        .unwrap();
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.status.success() && text.contains("Examples:") && text.contains("--addr-file"),
        "{text}"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .args(["--ttl", "soon"])
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a duration"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("identity.key"), b"garbage").unwrap();
    let corrupt = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .args(["--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir"])
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    assert!(!corrupt.status.success());
    let err = String::from_utf8_lossy(&corrupt.stderr);
    assert!(
        err.contains("identity.key") && err.contains("corrupt"),
        "{err}"
    );
}
