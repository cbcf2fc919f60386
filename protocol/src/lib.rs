//! The proofgrid wire: message types, the bincode codec with size caps, the libp2p behaviour shared
//! by every role, the `Client`/`EventLoop` split and peer identity. It knows nothing of Cairo or of
//! any peer's storage: programs, traces and proofs are opaque bytes here.
//!
//! ```no_run
//! # async fn demo(data_dir: &std::path::Path, bootstrap: proofgrid_protocol::Multiaddr) -> Result<(), Box<dyn std::error::Error>> {
//! use proofgrid_protocol::{identity, Event, NetworkConfig, PeerKind};
//! let key = identity::load_or_create(data_dir)?;
//! let config = NetworkConfig::new(key, PeerKind::Donor).with_bootstrap([bootstrap]);
//! let (client, mut events, event_loop) = proofgrid_protocol::new(config)?;
//! tokio::spawn(event_loop.run());
//! client.listen_on("/ip4/0.0.0.0/tcp/0".parse()?).await?;
//! while let Some(event) = events.recv().await {
//!     if let Event::Announcement { announcement, .. } = event { println!("{}", announcement.name); }
//! }
//! # Ok(()) }
//! ```

pub mod behaviour;
pub mod budget;
pub mod client;
pub mod codec;
pub mod config;
pub mod error;
pub mod event;
pub mod event_loop;
pub mod identity;
pub mod ids;
pub mod inflight;
pub mod limits;
pub mod messages;
pub mod rate_limit;
mod redial;
pub mod wire;

pub use behaviour::{JOBS_TOPIC, KAD_PROTOCOL};
pub use client::Client;
pub use codec::{DIRECTORY_PROTOCOL, WORK_PROTOCOL};
pub use config::{NetworkConfig, PeerKind};
pub use error::{NetError, RequestFailure};
pub use event::{Event, Responder};
pub use event_loop::{new, EventLoop};
pub use libp2p::identity::Keypair;
pub use ids::{ip_of, multiaddr_with_peer, peer_id_of, IpPrefix, JobId, Multiaddr, PeerId, ProgramHash, ShardIndex};
pub use limits::{Limits, RateLimit};
pub use messages::*;
