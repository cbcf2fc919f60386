//! Errors the application sees from the network layer.

use libp2p::{Multiaddr, PeerId};

use crate::behaviour::BuildError;
use crate::messages::AnnouncementError;

/// Why an outbound request got no response. `is_transient` tells a caller whether retrying later
/// (with backoff) can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestFailure {
    #[error("could not connect to the peer")]
    Dial,
    #[error("timed out waiting for the response")]
    Timeout,
    #[error("the connection closed before the response arrived")]
    ConnectionClosed,
    #[error("the peer does not serve this protocol (or only another version of it)")]
    Unsupported,
    /// This peer refused to send the request: it exceeds our own cap for its kind.
    #[error("{0}")]
    TooLarge(String),
    /// The stream failed: reset by the peer (which refuses unreadable or oversize frames, or
    /// is busy), or a response we refused to read.
    #[error("stream error: {0}")]
    Io(String),
}

impl RequestFailure {
    pub fn is_transient(&self) -> bool {
        !matches!(
            self,
            RequestFailure::Unsupported | RequestFailure::TooLarge(_)
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("the network event loop has stopped")]
    Stopped,
    #[error("cannot listen on {addr}: {detail}")]
    Listen { addr: Multiaddr, detail: String },
    #[error("cannot dial {addr}: {detail}")]
    Dial { addr: Multiaddr, detail: String },
    #[error("request to {peer} failed: {failure}")]
    Request {
        peer: PeerId,
        failure: RequestFailure,
    },
    #[error("no peer is subscribed to the jobs topic yet; retry after connecting")]
    NoSubscribers,
    #[error("cannot publish: {0}")]
    Publish(String),
    #[error("invalid announcement: {0}")]
    Announcement(#[from] AnnouncementError),
    #[error("the response could not be sent: the request timed out or its connection closed")]
    ResponseDropped,
    #[error("no known peers to bootstrap Kademlia from")]
    NoKnownPeers,
    #[error("invalid network configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Build(#[from] BuildError),
}
