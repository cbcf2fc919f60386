//! The application's handle on the network: cheap to clone, every method a command sent to the
//! event loop with a one-shot reply. Nothing here touches the swarm.

use libp2p::{request_response::ResponseChannel, Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use crate::error::NetError;
use crate::messages::{
    DirectoryRequest, DirectoryResponse, JobAnnouncement, WorkRequest, WorkResponse,
};

type Reply<T> = oneshot::Sender<Result<T, NetError>>;

pub(crate) enum Command {
    Listen {
        addr: Multiaddr,
        reply: Reply<Multiaddr>,
    },
    Dial {
        addr: Multiaddr,
        reply: Reply<PeerId>,
    },
    AddAddresses {
        peer: PeerId,
        addrs: Vec<Multiaddr>,
    },
    ListenAddrs {
        reply: oneshot::Sender<Vec<Multiaddr>>,
    },
    ConnectedPeers {
        reply: oneshot::Sender<Vec<PeerId>>,
    },
    Publish {
        announcement: JobAnnouncement,
        reply: Reply<()>,
    },
    Work {
        peer: PeerId,
        request: WorkRequest,
        reply: Reply<WorkResponse>,
    },
    Directory {
        peer: PeerId,
        request: DirectoryRequest,
        reply: Reply<DirectoryResponse>,
    },
    RespondWork {
        channel: ResponseChannel<WorkResponse>,
        response: WorkResponse,
        reply: Reply<()>,
    },
    RespondDirectory {
        channel: ResponseChannel<DirectoryResponse>,
        response: DirectoryResponse,
        reply: Reply<()>,
    },
    BootstrapKad {
        reply: Reply<()>,
    },
    BootstrapPeers {
        reply: oneshot::Sender<Vec<PeerId>>,
    },
    Shutdown,
}

#[derive(Clone)]
pub struct Client {
    commands: mpsc::Sender<Command>,
    local_peer_id: PeerId,
}

impl Client {
    pub(crate) fn new(commands: mpsc::Sender<Command>, local_peer_id: PeerId) -> Self {
        Client {
            commands,
            local_peer_id,
        }
    }

    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    async fn call<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, NetError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .await
            .map_err(|_| NetError::Stopped)?;
        rx.await.map_err(|_| NetError::Stopped)
    }

    /// Starts listening and returns the first concrete address (port 0 resolved).
    pub async fn listen_on(&self, addr: Multiaddr) -> Result<Multiaddr, NetError> {
        self.call(|reply| Command::Listen { addr, reply }).await?
    }

    /// Every address we currently listen on.
    pub async fn listen_addrs(&self) -> Result<Vec<Multiaddr>, NetError> {
        self.call(|reply| Command::ListenAddrs { reply }).await
    }

    /// Connects to an address (ending in `/p2p/<id>` or not) and returns the peer's id once the
    /// connection is up. Already connected counts as success.
    pub async fn dial(&self, addr: Multiaddr) -> Result<PeerId, NetError> {
        self.call(|reply| Command::Dial { addr, reply }).await?
    }

    /// Remembers addresses for a peer so requests to it can dial it. Only gossip announcements'
    /// addresses are remembered automatically (they are checked against the org's signature and
    /// the gossip source on receipt); a caller takes a `Jobs` answer's or a directory listing's
    /// addresses here once it has checked the copy (`JobAnnouncement::validate`).
    pub async fn add_addresses(&self, peer: PeerId, addrs: Vec<Multiaddr>) -> Result<(), NetError> {
        self.commands
            .send(Command::AddAddresses { peer, addrs })
            .await
            .map_err(|_| NetError::Stopped)
    }

    pub async fn connected_peers(&self) -> Result<Vec<PeerId>, NetError> {
        self.call(|reply| Command::ConnectedPeers { reply }).await
    }

    /// The configured bootstrap peers that are connected right now.
    pub async fn connected_bootstrap_peers(&self) -> Result<Vec<PeerId>, NetError> {
        self.call(|reply| Command::BootstrapPeers { reply }).await
    }

    /// Gossips an announcement on the jobs topic. It must name this peer as `org`.
    /// `NoSubscribers` means nobody would hear it yet; try again after `Event::Subscribed`.
    pub async fn publish(&self, announcement: JobAnnouncement) -> Result<(), NetError> {
        self.call(|reply| Command::Publish {
            announcement,
            reply,
        })
        .await?
    }

    /// Sends a work request and waits for the answer (dialing the peer if needed).
    pub async fn work(&self, peer: PeerId, request: WorkRequest) -> Result<WorkResponse, NetError> {
        self.call(|reply| Command::Work {
            peer,
            request,
            reply,
        })
        .await?
    }

    /// Sends a directory request (to a bootstrap) and waits for the answer.
    pub async fn directory(
        &self,
        peer: PeerId,
        request: DirectoryRequest,
    ) -> Result<DirectoryResponse, NetError> {
        self.call(|reply| Command::Directory {
            peer,
            request,
            reply,
        })
        .await?
    }

    /// Starts a Kademlia bootstrap (refreshing the routing table through the bootstrap peers).
    pub async fn bootstrap_kad(&self) -> Result<(), NetError> {
        self.call(|reply| Command::BootstrapKad { reply }).await?
    }

    /// Stops the event loop: `EventLoop::run` returns, connections close.
    pub async fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown).await;
    }
}
