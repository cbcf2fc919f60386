//! What the network tells the application.

use libp2p::{request_response::ResponseChannel, Multiaddr, PeerId};
use tokio::sync::mpsc;

use crate::client::Command;
use crate::error::NetError;
use crate::messages::{
    DirectoryRequest, DirectoryResponse, JobAnnouncement, WorkRequest, WorkResponse,
};

#[derive(Debug)]
pub enum Event {
    /// A listener is up on this address.
    Listening { addr: Multiaddr },
    /// First connection to a peer.
    PeerConnected { peer: PeerId, addr: Multiaddr },
    /// Last connection to a peer closed.
    PeerDisconnected { peer: PeerId },
    /// Connected (again) to a configured bootstrap peer: an org re-registers its jobs now (the
    /// bootstrap may have restarted and lost its directory); a donor lists the directory.
    BootstrapConnected { peer: PeerId },
    /// A configured bootstrap peer could not be reached (dial failed: nothing listens there, a
    /// different peer answered, a timeout); the event loop dials it again after `retry_in`. The
    /// application decides how loudly to say so: the first failure is worth a warning, the
    /// hundredth is not.
    BootstrapUnreachable { peer: PeerId, addr: Multiaddr, error: String, retry_in: std::time::Duration },
    /// A peer subscribed to the jobs topic: a publisher can announce to it now.
    Subscribed { peer: PeerId },
    /// A job announcement from gossip, already checked: well formed and `org` is the signed
    /// source. `via` is the neighbour that forwarded it.
    Announcement {
        announcement: JobAnnouncement,
        via: PeerId,
    },
    /// A gossip message on the jobs topic was dropped (forged org, unsigned, malformed).
    AnnouncementRejected {
        source: Option<PeerId>,
        via: PeerId,
        reason: String,
    },
    /// A work-protocol request for this org. Answer through `responder` (promptly: the
    /// requester times out); dropping it closes the stream unanswered.
    WorkRequest {
        peer: PeerId,
        /// The address the peer's connection comes from, when it has one.
        ip: Option<std::net::IpAddr>,
        request: WorkRequest,
        responder: Responder<WorkResponse>,
    },
    /// A directory request (served by the bootstrap).
    DirectoryRequest {
        peer: PeerId,
        ip: Option<std::net::IpAddr>,
        request: DirectoryRequest,
        responder: Responder<DirectoryResponse>,
    },
    /// A peer sent a request we refused to read (oversize, undecodable, unknown version). The
    /// stream was reset; the peer is not known at that layer.
    BadRequest { protocol: String, reason: String },
}

/// The way to answer one inbound request. Hides libp2p's response channel; can be moved to
/// another task and answered from there.
#[derive(Debug)]
pub struct Responder<R> {
    pub(crate) channel: ResponseChannel<R>,
    pub(crate) commands: mpsc::Sender<Command>,
    /// For a bulk request: its place in its peer's count of bulk requests awaiting an answer,
    /// given back when the responder is used or dropped.
    pub(crate) _bulk: Option<crate::inflight::InFlight>,
}

impl<R> Responder<R> {
    /// False once the requester has given up (timeout, closed connection).
    pub fn is_open(&self) -> bool {
        self.channel.is_open()
    }
}

impl Responder<WorkResponse> {
    pub async fn send(self, response: WorkResponse) -> Result<(), NetError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let Responder { channel, commands, _bulk } = self;
        commands
            .send(Command::RespondWork {
                channel,
                response,
                reply: tx,
            })
            .await
            .map_err(|_| NetError::Stopped)?;
        rx.await.map_err(|_| NetError::Stopped)?
    }
}

impl Responder<DirectoryResponse> {
    pub async fn send(self, response: DirectoryResponse) -> Result<(), NetError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let Responder { channel, commands, _bulk } = self;
        commands
            .send(Command::RespondDirectory {
                channel,
                response,
                reply: tx,
            })
            .await
            .map_err(|_| NetError::Stopped)?;
        rx.await.map_err(|_| NetError::Stopped)?
    }
}
