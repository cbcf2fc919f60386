//! Turning the application's commands into swarm calls.

use libp2p::{
    gossipsub,
    swarm::{
        dial_opts::{DialOpts, PeerCondition},
        DialError,
    },
    Multiaddr, PeerId,
};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::{debug, warn};

use crate::client::Command;
use crate::error::NetError;
use crate::event::Event;
use crate::ids::peer_id_of;
use crate::messages::JobAnnouncement;

type Reply<T> = oneshot::Sender<Result<T, NetError>>;

use super::EventLoop;

impl EventLoop {
    pub(super) fn dial_bootstrap(&mut self, peer: PeerId, addr: Multiaddr) {
        let opts = DialOpts::peer_id(peer)
            .addresses(vec![addr.clone()])
            .condition(PeerCondition::DisconnectedAndNotDialing)
            .build();
        debug!(%peer, %addr, "dialing bootstrap peer");
        match self.swarm.dial(opts) {
            Ok(()) => {}
            Err(DialError::DialPeerConditionFalse(_)) => {
                if self.swarm.is_connected(&peer) {
                    self.redial.on_connected(&peer);
                }
            }
            Err(e) => {
                if let Some(delay) = self.redial.on_lost(&peer, Instant::now()) {
                    warn!(%peer, %addr, error = %e, ?delay, "cannot dial bootstrap peer; will retry");
                    let error = super::swarm_events::dial_error_text(&e);
                    self.emit(Event::BootstrapUnreachable { peer, addr, error, retry_in: delay });
                }
            }
        }
    }

    pub(super) fn on_command(&mut self, command: Command) {
        match command {
            Command::Listen { addr, reply } => match self.swarm.listen_on(addr.clone()) {
                Ok(id) => {
                    self.pending_listen.insert(id, (addr, reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(NetError::Listen {
                        addr,
                        detail: e.to_string(),
                    }));
                }
            },
            Command::Dial { addr, reply } => self.dial(addr, reply),
            Command::AddAddresses { peer, addrs } => self.remember(peer, &addrs),
            Command::ListenAddrs { reply } => {
                let _ = reply.send(self.swarm.listeners().cloned().collect());
            }
            Command::ConnectedPeers { reply } => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
            Command::BootstrapPeers { reply } => {
                let _ = reply.send(self.redial.connected());
            }
            Command::Publish {
                announcement,
                reply,
            } => {
                let _ = reply.send(self.publish(announcement));
            }
            Command::Work {
                peer,
                request,
                reply,
            } => {
                let addrs = self.known_addrs.get(&peer).cloned().unwrap_or_default();
                let id = self
                    .swarm
                    .behaviour_mut()
                    .work
                    .send_request_with_addresses(&peer, request, addrs);
                self.pending_work.insert(id, reply);
            }
            Command::Directory {
                peer,
                request,
                reply,
            } => {
                let mut addrs = self.known_addrs.get(&peer).cloned().unwrap_or_default();
                addrs.extend(self.redial.addr(&peer).cloned());
                let id = self
                    .swarm
                    .behaviour_mut()
                    .directory
                    .send_request_with_addresses(&peer, request, addrs);
                self.pending_directory.insert(id, reply);
            }
            Command::RespondWork {
                channel,
                response,
                reply,
            } => {
                let sent = self
                    .swarm
                    .behaviour_mut()
                    .work
                    .send_response(channel, response);
                let _ = reply.send(sent.map_err(|_| NetError::ResponseDropped));
            }
            Command::RespondDirectory {
                channel,
                response,
                reply,
            } => {
                let sent = self
                    .swarm
                    .behaviour_mut()
                    .directory
                    .send_response(channel, response);
                let _ = reply.send(sent.map_err(|_| NetError::ResponseDropped));
            }
            Command::BootstrapKad { reply } => {
                let result = self.swarm.behaviour_mut().kad.bootstrap();
                let _ = reply.send(result.map(|_| ()).map_err(|_| NetError::NoKnownPeers));
            }
            Command::Shutdown => {}
        }
    }

    pub(super) fn dial(&mut self, addr: Multiaddr, reply: Reply<PeerId>) {
        let peer = peer_id_of(&addr);
        let opts = match peer {
            Some(p) => DialOpts::peer_id(p).addresses(vec![addr.clone()]).build(),
            None => DialOpts::unknown_peer_id().address(addr.clone()).build(),
        };
        let id = opts.connection_id();
        match self.swarm.dial(opts) {
            Ok(()) => {
                self.pending_dial.insert(id, (addr, reply));
            }
            Err(DialError::DialPeerConditionFalse(_)) if peer.is_some() => {
                let _ = reply.send(Ok(peer.expect("checked")));
            }
            Err(e) => {
                let _ = reply.send(Err(NetError::Dial {
                    addr,
                    detail: e.to_string(),
                }));
            }
        }
    }

    pub(super) fn publish(&mut self, announcement: JobAnnouncement) -> Result<(), NetError> {
        let me = *self.swarm.local_peer_id();
        if announcement.org != me {
            return Err(NetError::Publish(format!(
                "announcement names org {} but this peer is {me}; receivers would drop it",
                announcement.org
            )));
        }
        let bytes = announcement.to_gossip_bytes()?;
        match self
            .swarm
            .behaviour_mut()
            .gossipsub
            .publish(self.topic.clone(), bytes)
        {
            Ok(_) => Ok(()),
            Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => Err(NetError::NoSubscribers),
            Err(e) => Err(NetError::Publish(e.to_string())),
        }
    }
}
