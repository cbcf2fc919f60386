//! How a peer's network is set up. One structure for every role; the constructors pick the
//! role's defaults.

use std::time::Duration;

use libp2p::{identity::Keypair, Multiaddr};

use crate::limits::{Limits, RateLimit, DEFAULT_REQUEST_TIMEOUT};

/// Which side of the protocols a peer serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKind {
    /// Kademlia server, directory server, relays the jobs topic. Serves no work.
    Bootstrap,
    /// Publishes jobs and serves the work protocol.
    Org,
    /// Asks for work; serves nothing.
    Donor,
}

#[derive(Debug, Clone)]
pub struct NetworkConfig {
    pub keypair: Keypair,
    pub kind: PeerKind,
    /// Bootstrap peers, each a full address ending in `/p2p/<peer id>`. The event loop dials
    /// them at start and again, with backoff, whenever the connection drops.
    pub bootstrap: Vec<Multiaddr>,
    pub limits: Limits,
    pub rate_limit: RateLimit,
    pub request_timeout: Duration,
    /// Established connections in total, and pending incoming handshakes.
    pub max_connections: u32,
    pub max_connections_per_peer: u32,
    /// Concurrent request-response streams per connection and protocol: with bulk frames of
    /// `limits.bulk` this bounds what one connection can make us buffer.
    pub max_streams_per_connection: usize,
    pub redial_min: Duration,
    pub redial_max: Duration,
    pub idle_connection_timeout: Duration,
    /// Capacity of the event channel to the application. When it is full, events are dropped
    /// (inbound requests then fail for their sender) rather than stalling the swarm.
    pub event_buffer: usize,
    /// Identify agent string, e.g. "proofgrid-node/0.1.0".
    pub agent: String,
}

impl NetworkConfig {
    pub fn new(keypair: Keypair, kind: PeerKind) -> Self {
        let agent = match kind {
            PeerKind::Bootstrap => "proofgrid-bootstrap",
            PeerKind::Org => "proofgrid-org",
            PeerKind::Donor => "proofgrid-node",
        };
        NetworkConfig {
            keypair,
            kind,
            bootstrap: Vec::new(),
            limits: Limits::default(),
            rate_limit: RateLimit::default(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            // An org serves every donor of its jobs (a thousand is a normal project); the
            // bootstrap every peer of the network; a donor few.
            max_connections: match kind {
                PeerKind::Bootstrap => 1024,
                PeerKind::Org => 4096,
                PeerKind::Donor => 256,
            },
            max_connections_per_peer: 2,
            max_streams_per_connection: 8,
            redial_min: Duration::from_millis(500),
            redial_max: Duration::from_secs(30),
            // Long: reconnecting costs a handshake and, for the bootstrap, a re-registration;
            // dead connections are found by ping instead (the event loop closes them).
            idle_connection_timeout: Duration::from_secs(if kind == PeerKind::Bootstrap {
                3600
            } else {
                600
            }),
            event_buffer: 1024,
            agent: format!("{agent}/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    pub fn with_bootstrap(mut self, addrs: impl IntoIterator<Item = Multiaddr>) -> Self {
        self.bootstrap.extend(addrs);
        self
    }
}
