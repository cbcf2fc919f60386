//! Connection, listener and behaviour events from the swarm.

use libp2p::{identify, ping, swarm::SwarmEvent};
use tokio::time::Instant;
use tracing::{debug, info, trace, warn};

use crate::behaviour::{BehaviourEvent, KAD_PROTOCOL};
use crate::error::NetError;
use crate::event::Event;

use super::EventLoop;

impl EventLoop {
    pub(super) fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr {
                listener_id,
                address,
            } => {
                info!(%address, "listening");
                if let Some((_, reply)) = self.pending_listen.remove(&listener_id) {
                    let _ = reply.send(Ok(address.clone()));
                }
                self.emit(Event::Listening { addr: address });
            }
            SwarmEvent::ListenerClosed {
                listener_id,
                reason,
                ..
            } => {
                if let Some((addr, reply)) = self.pending_listen.remove(&listener_id) {
                    let detail = match reason {
                        Ok(()) => "listener closed".to_string(),
                        Err(e) => e.to_string(),
                    };
                    let _ = reply.send(Err(NetError::Listen { addr, detail }));
                } else if let Err(e) = reason {
                    warn!(error = %e, "listener closed");
                }
            }
            SwarmEvent::ListenerError { error, .. } => warn!(%error, "listener error"),
            SwarmEvent::ConnectionEstablished {
                peer_id,
                connection_id,
                endpoint,
                num_established,
                ..
            } => {
                if let Some((_, reply)) = self.pending_dial.remove(&connection_id) {
                    let _ = reply.send(Ok(peer_id));
                }
                if num_established.get() == 1 {
                    let addr = endpoint.get_remote_address().clone();
                    if let Some(ip) = crate::ids::ip_of(&addr) {
                        self.remote_ips.insert(peer_id, ip);
                    }
                    debug!(peer = %peer_id, %addr, "connected");
                    self.emit(Event::PeerConnected {
                        peer: peer_id,
                        addr: addr.clone(),
                    });
                    if self.redial.on_connected(&peer_id) {
                        info!(peer = %peer_id, "connected to bootstrap peer");
                        let kad = &mut self.swarm.behaviour_mut().kad;
                        if endpoint.is_dialer() {
                            kad.add_address(&peer_id, addr);
                        }
                        let _ = kad.bootstrap();
                        self.emit(Event::BootstrapConnected { peer: peer_id });
                    }
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established,
                cause,
                ..
            } => {
                if num_established == 0 {
                    debug!(peer = %peer_id, ?cause, "disconnected");
                    self.limiter.disconnected(&peer_id, std::time::Instant::now());
                    self.remote_ips.remove(&peer_id);
                    if let Some(delay) = self.redial.on_lost(&peer_id, Instant::now()) {
                        info!(peer = %peer_id, ?delay, "lost bootstrap peer; redialing");
                    }
                    self.emit(Event::PeerDisconnected { peer: peer_id });
                }
            }
            SwarmEvent::OutgoingConnectionError {
                connection_id,
                peer_id,
                error,
            } => {
                if let Some((addr, reply)) = self.pending_dial.remove(&connection_id) {
                    let _ = reply.send(Err(NetError::Dial {
                        addr,
                        detail: error.to_string(),
                    }));
                }
                if let Some(peer) = peer_id {
                    if !self.swarm.is_connected(&peer) {
                        if let Some(delay) = self.redial.on_lost(&peer, Instant::now()) {
                            debug!(%peer, %error, ?delay, "bootstrap peer unreachable; will retry");
                            let addr = self.redial.addr(&peer).cloned();
                            if let Some(addr) = addr {
                                self.emit(Event::BootstrapUnreachable {
                                    peer,
                                    addr,
                                    error: dial_error_text(&error),
                                    retry_in: delay,
                                });
                            }
                        }
                    }
                }
            }
            SwarmEvent::IncomingConnectionError {
                send_back_addr,
                error,
                ..
            } => {
                debug!(%send_back_addr, %error, "incoming connection failed");
            }
            SwarmEvent::Behaviour(event) => self.on_behaviour_event(event),
            other => trace!(?other, "swarm event"),
        }
    }

    pub(super) fn on_behaviour_event(&mut self, event: BehaviourEvent) {
        match event {
            // Only DHT servers belong in routing tables; clients do not answer queries.
            BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. })
                if info.protocols.contains(&KAD_PROTOCOL) =>
            {
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
            }
            BehaviourEvent::Gossipsub(event) => self.on_gossip(event),
            BehaviourEvent::Work(event) => self.on_work(event),
            BehaviourEvent::Directory(event) => self.on_directory(event),
            BehaviourEvent::Ping(ping::Event {
                peer,
                connection,
                result: Err(ping::Failure::Timeout),
            }) => {
                // A silent peer (host gone without a FIN) would otherwise hold the connection
                // until TCP gives up, minutes later; closing it lets the bootstrap redial start.
                // Only a timeout: a peer without ping support is not dead.
                debug!(%peer, "ping timed out; closing the connection");
                self.swarm.close_connection(connection);
            }
            BehaviourEvent::Kad(event) => trace!(?event, "kad"),
            _ => {}
        }
    }
}

/// A dial error for people: libp2p's text lists every address tried with the transport's error
/// nested inside, twice; the innermost cause is what says what went wrong ("Connection refused").
pub(super) fn dial_error_text(error: &libp2p::swarm::DialError) -> String {
    use libp2p::swarm::DialError;
    match error {
        DialError::WrongPeerId { obtained, .. } => {
            format!("a different peer ({obtained}) answers at that address: check the /p2p/ part of the bootstrap address")
        }
        DialError::Transport(attempts) => match attempts.first() {
            Some((_, e)) => innermost(e),
            None => error.to_string(),
        },
        other => innermost(other),
    }
}

fn innermost(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    text
}
