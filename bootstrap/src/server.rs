//! The bootstrap's application loop: answers directory requests and files gossiped
//! announcements into the directory. Everything network-level (Kademlia, relaying the topic,
//! rate limits, size caps) is done by the protocol crate.

use proofgrid_protocol::{messages::reason, DirectoryRequest, DirectoryResponse, Event, IpPrefix, PeerId};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::directory::{Directory, Origin};

pub struct Server {
    directory: Directory,
}

impl Server {
    pub fn new(directory: Directory) -> Self {
        Server { directory }
    }

    /// Handles events until the network stops.
    pub async fn run(mut self, mut events: mpsc::Receiver<Event>) {
        while let Some(event) = events.recv().await {
            self.on_event(event).await;
        }
    }

    async fn on_event(&mut self, event: Event) {
        match event {
            Event::DirectoryRequest {
                peer,
                ip,
                request,
                responder,
                ..
            } => {
                let origin = match ip {
                    Some(ip) => Origin::Network(IpPrefix::of(ip)),
                    // A connection with no IP (a relay or an in-memory transport) shares one
                    // origin with every other such registrant.
                    None => Origin::Gossip,
                };
                let response = self.answer(peer, origin, request);
                if let Err(e) = responder.send(response).await {
                    debug!(%peer, error = %e, "directory response not delivered");
                }
            }
            Event::Announcement { announcement, .. } => {
                // A gossip copy is signed by the org it names, so it may refresh the directory
                // just like a Register from that org.
                let org = announcement.org;
                if let Err(e) = self
                    .directory
                    .register(org, Origin::Gossip, vec![announcement], Instant::now())
                {
                    debug!(%org, error = %e, "gossiped job not added to the directory");
                }
            }
            Event::Listening { addr } => debug!(%addr, "listening"),
            Event::PeerConnected { peer, addr } => debug!(%peer, %addr, "peer connected"),
            Event::PeerDisconnected { peer } => debug!(%peer, "peer disconnected"),
            Event::WorkRequest { peer, .. } => {
                warn!(%peer, "unexpected work request at a bootstrap")
            }
            _ => {}
        }
    }

    fn answer(&mut self, peer: PeerId, origin: Origin, request: DirectoryRequest) -> DirectoryResponse {
        let now = Instant::now();
        let ttl_secs = self.directory.ttl().as_secs().min(u32::MAX as u64) as u32;
        match request {
            DirectoryRequest::Register { jobs } => {
                let n = jobs.len();
                match self.directory.register(peer, origin, jobs, now) {
                    Ok(()) => {
                        info!(org = %peer, jobs = n, open = self.directory.len(), "registered jobs");
                        DirectoryResponse::Registered { ttl_secs }
                    }
                    Err(e) => {
                        info!(%peer, error = %e, "refused registration");
                        DirectoryResponse::Refused { reason: reason(e) }
                    }
                }
            }
            DirectoryRequest::Unregister { jobs } => {
                let removed = self.directory.unregister(peer, &jobs);
                info!(org = %peer, removed, "unregistered jobs");
                DirectoryResponse::Registered { ttl_secs }
            }
            DirectoryRequest::ListOpen => DirectoryResponse::Open {
                entries: self.directory.list(now),
            },
        }
    }
}
