//! The one `NetworkBehaviour` every proofgrid peer runs, and the swarm built around it
//! (tcp + noise + yamux; an in-process memory transport as well, used by tests and harnesses).

use libp2p::{
    connection_limits::{self, ConnectionLimits},
    core::{transport::MemoryTransport, upgrade, Transport},
    gossipsub, identify, kad, noise, ping,
    request_response::{self, ProtocolSupport},
    swarm::NetworkBehaviour,
    tcp, yamux, StreamProtocol, Swarm, SwarmBuilder,
};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::budget::Budget;
use crate::codec::{Codec, Refusal, DIRECTORY_PROTOCOL, WORK_PROTOCOL};
use crate::config::{NetworkConfig, PeerKind};
use crate::limits::MAX_GOSSIP_BYTES;
use crate::messages::{DirectoryRequest, DirectoryResponse, WorkRequest, WorkResponse};

/// The gossipsub topic job announcements travel on.
pub const JOBS_TOPIC: &str = "proofgrid/jobs/1";
/// Our own DHT, apart from the public IPFS one.
pub const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/proofgrid/kad/1.0.0");
pub const IDENTIFY_PROTOCOL: &str = "/proofgrid/id/1.0.0";

pub(crate) type WorkCodec = Codec<WorkRequest, WorkResponse>;
pub(crate) type DirectoryCodec = Codec<DirectoryRequest, DirectoryResponse>;

#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    limits: connection_limits::Behaviour,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub kad: kad::Behaviour<kad::store::MemoryStore>,
    pub gossipsub: gossipsub::Behaviour,
    pub work: request_response::Behaviour<WorkCodec>,
    pub directory: request_response::Behaviour<DirectoryCodec>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("noise setup failed: {0}")]
    Noise(#[from] noise::Error),
    #[error("gossipsub configuration rejected: {0}")]
    Gossipsub(String),
    #[error("swarm setup failed: {0}")]
    Other(String),
}

/// Gossipsub tuned for 2 to 50 peers. The network is roughly a star around the bootstrap, so:
/// a mesh that forms with a single neighbour (`mesh_n_low` 1); a high ceiling so the bootstrap
/// keeps every donor in its mesh (pruned peers would only get lazy gossip, and their idle
/// connection would be closed); flood publishing so an org's own announcement reaches every
/// subscribed neighbour at once; a fast first heartbeat so a new peer joins within a second.
pub(crate) fn gossipsub_config() -> Result<gossipsub::Config, BuildError> {
    gossipsub::ConfigBuilder::default()
        .mesh_n(6)
        .mesh_n_low(1)
        .mesh_n_high(64)
        .mesh_outbound_min(1)
        .gossip_lazy(6)
        .heartbeat_initial_delay(Duration::from_millis(200))
        .heartbeat_interval(Duration::from_secs(1))
        .flood_publish(true)
        .max_transmit_size(MAX_GOSSIP_BYTES)
        .validation_mode(gossipsub::ValidationMode::Strict)
        // Announcements are only forwarded after the event loop checked org == source.
        .validate_messages()
        .build()
        .map_err(|e| BuildError::Gossipsub(e.to_string()))
}

impl Behaviour {
    fn new(
        key: &libp2p::identity::Keypair,
        cfg: &NetworkConfig,
        refusals: mpsc::Sender<Refusal>,
    ) -> Result<Self, BuildError> {
        let local = key.public().to_peer_id();
        let limits = connection_limits::Behaviour::new(
            ConnectionLimits::default()
                .with_max_established(Some(cfg.max_connections))
                .with_max_pending_incoming(Some(cfg.max_connections / 4 + 8))
                .with_max_established_per_peer(Some(cfg.max_connections_per_peer)),
        );
        let identify = identify::Behaviour::new(
            identify::Config::new(IDENTIFY_PROTOCOL.to_string(), key.public())
                .with_agent_version(cfg.agent.clone()),
        );
        let mut kad_cfg = kad::Config::new(KAD_PROTOCOL);
        kad_cfg.set_query_timeout(Duration::from_secs(30));
        if cfg.kind == PeerKind::Bootstrap {
            // Others bootstrap from it; with no peers of its own, periodic bootstraps would
            // only warn "no known peers" every few minutes.
            kad_cfg.set_periodic_bootstrap_interval(None);
        }
        let mut kad =
            kad::Behaviour::with_config(local, kad::store::MemoryStore::new(local), kad_cfg);
        // Explicit: without it kad guesses from confirmed external addresses, which a bootstrap
        // on loopback or behind NAT never has.
        kad.set_mode(Some(if cfg.kind == PeerKind::Bootstrap {
            kad::Mode::Server
        } else {
            kad::Mode::Client
        }));
        let gossipsub = gossipsub::Behaviour::new(
            gossipsub::MessageAuthenticity::Signed(key.clone()),
            gossipsub_config()?,
        )
        .map_err(|e| BuildError::Gossipsub(e.to_string()))?;
        // One budget for large inbound requests across both protocols and every connection.
        let budget = Budget::new(cfg.limits.inflight_bulk);
        let rr_cfg = request_response::Config::default()
            .with_request_timeout(cfg.request_timeout)
            .with_max_concurrent_streams(cfg.max_streams_per_connection);
        let support = |serves: bool| {
            if serves {
                ProtocolSupport::Full
            } else {
                ProtocolSupport::Outbound
            }
        };
        let work = request_response::Behaviour::with_codec(
            Codec::new(cfg.limits)
                .with_refusals(refusals.clone())
                .with_budget(budget.clone()),
            [(WORK_PROTOCOL, support(cfg.kind == PeerKind::Org))],
            rr_cfg.clone(),
        );
        let directory = request_response::Behaviour::with_codec(
            Codec::new(cfg.limits)
                .with_refusals(refusals)
                .with_budget(budget),
            [(DIRECTORY_PROTOCOL, support(cfg.kind == PeerKind::Bootstrap))],
            rr_cfg,
        );
        Ok(Behaviour {
            limits,
            identify,
            ping: ping::Behaviour::default(),
            kad,
            gossipsub,
            work,
            directory,
        })
    }
}

/// Builds the swarm: TCP and in-process memory transports, both with noise and yamux.
pub(crate) fn build_swarm(
    cfg: &NetworkConfig,
    refusals: mpsc::Sender<Refusal>,
) -> Result<Swarm<Behaviour>, BuildError> {
    let mut behaviour_err = None;
    let swarm = SwarmBuilder::with_existing_identity(cfg.keypair.clone())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_other_transport(
            |key| -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
                Ok(MemoryTransport::default()
                    .upgrade(upgrade::Version::V1)
                    .authenticate(noise::Config::new(key)?)
                    .multiplex(yamux::Config::default()))
            },
        )
        .map_err(|e| BuildError::Other(e.to_string()))?
        .with_behaviour(|key| match Behaviour::new(key, cfg, refusals) {
            Ok(b) => Ok(b),
            Err(e) => {
                let msg = e.to_string();
                behaviour_err = Some(e);
                Err(msg.into())
            }
        })
        .map_err(|e| {
            behaviour_err
                .take()
                .unwrap_or(BuildError::Other(e.to_string()))
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(cfg.idle_connection_timeout))
        .build();
    Ok(swarm)
}
