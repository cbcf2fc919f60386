//! The task that owns the swarm. It turns commands into swarm calls and swarm events into
//! application events, and never awaits anything but its three inputs: work that could take
//! time (verification, storage) belongs to the application, on the other side of the channels.

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use libp2p::{
    gossipsub::{self, IdentTopic, MessageAcceptance},
    identify, ping,
    request_response::{self, InboundFailure, OutboundFailure, OutboundRequestId},
    core::transport::ListenerId,
    swarm::{dial_opts::{DialOpts, PeerCondition}, ConnectionId, DialError, SwarmEvent},
    Multiaddr, PeerId, Swarm,
};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{debug, info, trace, warn};

use crate::behaviour::{build_swarm, Behaviour, BehaviourEvent, JOBS_TOPIC, KAD_PROTOCOL};
use crate::client::{Client, Command};
use crate::codec::{Refusal, Reply as _};
use crate::config::NetworkConfig;
use crate::error::{NetError, RequestFailure};
use crate::event::{Event, Responder};
use crate::limits::MAX_ANNOUNCED_ADDRS;
use crate::messages::{
    DirectoryRequest, DirectoryResponse, JobAnnouncement, WorkRequest, WorkResponse,
};
use crate::rate_limit::{Decision, RateLimiter};
use crate::ids::peer_id_of;
use crate::redial::Redialer;

type Reply<T> = oneshot::Sender<Result<T, NetError>>;

/// Peers whose addresses we remember for dialing; beyond this, arbitrary old ones are forgotten.
const MAX_KNOWN_PEERS: usize = 4096;

pub struct EventLoop {
    swarm: Swarm<Behaviour>,
    commands: mpsc::Receiver<Command>,
    /// Weak so that dropping every `Client` stops the loop; responders upgrade it to answer.
    command_tx: mpsc::WeakSender<Command>,
    events: mpsc::Sender<Event>,
    topic: IdentTopic,
    redial: Redialer,
    limiter: RateLimiter,
    pending_listen: HashMap<ListenerId, (Multiaddr, Reply<Multiaddr>)>,
    pending_dial: HashMap<ConnectionId, (Multiaddr, Reply<PeerId>)>,
    pending_work: HashMap<OutboundRequestId, (PeerId, Reply<WorkResponse>)>,
    pending_directory: HashMap<OutboundRequestId, (PeerId, Reply<DirectoryResponse>)>,
    known_addrs: HashMap<PeerId, Vec<Multiaddr>>,
    dropped_events: u64,
    refusals: mpsc::Receiver<Refusal>,
    refusal_log: LogOnce,
}

/// Builds the swarm and returns the application's handle, its event stream, and the loop to
/// spawn (`tokio::spawn(event_loop.run())`). Every role subscribes to the jobs topic, dials its
/// bootstrap peers once the loop runs, and keeps them connected.
pub fn new(config: NetworkConfig) -> Result<(Client, mpsc::Receiver<Event>, EventLoop), NetError> {
    let redial = Redialer::new(&config.bootstrap, config.redial_min, config.redial_max)
        .map_err(NetError::Config)?;
    let (refusals_tx, refusals) = mpsc::channel(64);
    let mut swarm = build_swarm(&config, refusals_tx)?;
    let topic = IdentTopic::new(JOBS_TOPIC);
    swarm
        .behaviour_mut()
        .gossipsub
        .subscribe(&topic)
        .map_err(|e| NetError::Config(format!("cannot subscribe to {JOBS_TOPIC}: {e}")))?;
    for addr in &config.bootstrap {
        if let Some(peer) = peer_id_of(addr) {
            let mut bare = addr.clone();
            bare.pop();
            swarm.behaviour_mut().kad.add_address(&peer, bare);
            swarm.add_peer_address(peer, addr.clone());
        }
    }
    let (command_tx, commands) = mpsc::channel(256);
    let (events_tx, events) = mpsc::channel(config.event_buffer.max(1));
    let client = Client::new(command_tx.clone(), *swarm.local_peer_id());
    let event_loop = EventLoop {
        swarm,
        commands,
        command_tx: command_tx.downgrade(),
        events: events_tx,
        topic,
        redial,
        limiter: RateLimiter::new(config.rate_limit),
        pending_listen: HashMap::new(),
        pending_dial: HashMap::new(),
        pending_work: HashMap::new(),
        pending_directory: HashMap::new(),
        known_addrs: HashMap::new(),
        dropped_events: 0,
        refusals,
        refusal_log: LogOnce::default(),
    };
    Ok((client, events, event_loop))
}

impl EventLoop {
    /// Runs until `Client::shutdown` or until every `Client` is dropped.
    pub async fn run(mut self) {
        loop {
            let now = Instant::now();
            for (peer, addr) in self.redial.take_due(now) {
                self.dial_bootstrap(peer, addr);
            }
            let wake = self.redial.next_due().unwrap_or(now + Duration::from_secs(3600));
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = self.commands.recv() => match command {
                    None | Some(Command::Shutdown) => break,
                    Some(command) => self.on_command(command),
                },
                Some(refusal) = self.refusals.recv() => self.on_refusal(refusal),
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
        debug!("network event loop stopped");
    }

    fn emit(&mut self, event: Event) {
        match self.events.try_send(event) {
            Ok(()) => {
                if self.dropped_events > 0 {
                    info!(dropped = self.dropped_events, "application caught up with network events");
                    self.dropped_events = 0;
                }
            }
            Err(mpsc::error::TrySendError::Full(event)) => {
                // Blocking here would stall every connection; dropping an inbound request makes
                // its sender see a failure and retry later.
                if self.dropped_events == 0 {
                    warn!(?event, "application is not keeping up with network events; dropping events");
                }
                self.dropped_events += 1;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn on_refusal(&mut self, refusal: Refusal) {
        if let Some(suppressed) = self.refusal_log.should_log(Instant::now()) {
            warn!(protocol = %refusal.protocol, reason = %refusal.reason, suppressed, "refused an inbound request");
        }
        self.emit(Event::BadRequest { protocol: refusal.protocol, reason: refusal.reason });
    }

    fn responder<R>(&self, channel: request_response::ResponseChannel<R>) -> Option<Responder<R>> {
        Some(Responder { channel, commands: self.command_tx.upgrade()? })
    }

    fn remember(&mut self, peer: PeerId, addrs: &[Multiaddr]) {
        if peer == *self.swarm.local_peer_id() || addrs.is_empty() {
            return;
        }
        if !self.known_addrs.contains_key(&peer) && self.known_addrs.len() >= MAX_KNOWN_PEERS {
            if let Some(old) = self.known_addrs.keys().next().copied() {
                self.known_addrs.remove(&old);
            }
        }
        let known = self.known_addrs.entry(peer).or_default();
        for addr in addrs.iter().take(MAX_ANNOUNCED_ADDRS) {
            if !known.contains(addr) {
                if known.len() >= MAX_ANNOUNCED_ADDRS {
                    known.remove(0);
                }
                known.push(addr.clone());
                self.swarm.add_peer_address(peer, addr.clone());
            }
        }
    }

    fn remember_announcements<'a>(&mut self, anns: impl IntoIterator<Item = &'a JobAnnouncement>) {
        for ann in anns {
            self.remember(ann.org, &ann.org_addrs);
        }
    }

    fn dial_bootstrap(&mut self, peer: PeerId, addr: Multiaddr) {
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
                }
            }
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Listen { addr, reply } => match self.swarm.listen_on(addr.clone()) {
                Ok(id) => {
                    self.pending_listen.insert(id, (addr, reply));
                }
                Err(e) => {
                    let _ = reply.send(Err(NetError::Listen { addr, detail: e.to_string() }));
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
            Command::Publish { announcement, reply } => {
                let _ = reply.send(self.publish(announcement));
            }
            Command::Work { peer, request, reply } => {
                let addrs = self.known_addrs.get(&peer).cloned().unwrap_or_default();
                let id = self.swarm.behaviour_mut().work.send_request_with_addresses(&peer, request, addrs);
                self.pending_work.insert(id, (peer, reply));
            }
            Command::Directory { peer, request, reply } => {
                let mut addrs = self.known_addrs.get(&peer).cloned().unwrap_or_default();
                addrs.extend(self.redial.addr(&peer).cloned());
                let id = self
                    .swarm
                    .behaviour_mut()
                    .directory
                    .send_request_with_addresses(&peer, request, addrs);
                self.pending_directory.insert(id, (peer, reply));
            }
            Command::RespondWork { channel, response, reply } => {
                let sent = self.swarm.behaviour_mut().work.send_response(channel, response);
                let _ = reply.send(sent.map_err(|_| NetError::ResponseDropped));
            }
            Command::RespondDirectory { channel, response, reply } => {
                let sent = self.swarm.behaviour_mut().directory.send_response(channel, response);
                let _ = reply.send(sent.map_err(|_| NetError::ResponseDropped));
            }
            Command::BootstrapKad { reply } => {
                let result = self.swarm.behaviour_mut().kad.bootstrap();
                let _ = reply.send(result.map(|_| ()).map_err(|_| NetError::NoKnownPeers));
            }
            Command::Shutdown => {}
        }
    }

    fn dial(&mut self, addr: Multiaddr, reply: Reply<PeerId>) {
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
                let _ = reply.send(Err(NetError::Dial { addr, detail: e.to_string() }));
            }
        }
    }

    fn publish(&mut self, announcement: JobAnnouncement) -> Result<(), NetError> {
        let me = *self.swarm.local_peer_id();
        if announcement.org != me {
            return Err(NetError::Publish(format!(
                "announcement names org {} but this peer is {me}; receivers would drop it",
                announcement.org
            )));
        }
        let bytes = announcement.to_gossip_bytes()?;
        match self.swarm.behaviour_mut().gossipsub.publish(self.topic.clone(), bytes) {
            Ok(_) => Ok(()),
            Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => Err(NetError::NoSubscribers),
            Err(e) => Err(NetError::Publish(e.to_string())),
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { listener_id, address } => {
                info!(%address, "listening");
                if let Some((_, reply)) = self.pending_listen.remove(&listener_id) {
                    let _ = reply.send(Ok(address.clone()));
                }
                self.emit(Event::Listening { addr: address });
            }
            SwarmEvent::ListenerClosed { listener_id, reason, .. } => {
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
            SwarmEvent::ConnectionEstablished { peer_id, connection_id, endpoint, num_established, .. } => {
                if let Some((_, reply)) = self.pending_dial.remove(&connection_id) {
                    let _ = reply.send(Ok(peer_id));
                }
                if num_established.get() == 1 {
                    let addr = endpoint.get_remote_address().clone();
                    debug!(peer = %peer_id, %addr, "connected");
                    self.emit(Event::PeerConnected { peer: peer_id, addr: addr.clone() });
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
            SwarmEvent::ConnectionClosed { peer_id, num_established, cause, .. } => {
                if num_established == 0 {
                    debug!(peer = %peer_id, ?cause, "disconnected");
                    self.limiter.forget(&peer_id);
                    if let Some(delay) = self.redial.on_lost(&peer_id, Instant::now()) {
                        info!(peer = %peer_id, ?delay, "lost bootstrap peer; redialing");
                    }
                    self.emit(Event::PeerDisconnected { peer: peer_id });
                }
            }
            SwarmEvent::OutgoingConnectionError { connection_id, peer_id, error } => {
                if let Some((addr, reply)) = self.pending_dial.remove(&connection_id) {
                    let _ = reply.send(Err(NetError::Dial { addr, detail: error.to_string() }));
                }
                if let Some(peer) = peer_id {
                    if !self.swarm.is_connected(&peer) {
                        if let Some(delay) = self.redial.on_lost(&peer, Instant::now()) {
                            debug!(%peer, %error, ?delay, "bootstrap peer unreachable; will retry");
                        }
                    }
                }
            }
            SwarmEvent::IncomingConnectionError { send_back_addr, error, .. } => {
                debug!(%send_back_addr, %error, "incoming connection failed");
            }
            SwarmEvent::Behaviour(event) => self.on_behaviour_event(event),
            other => trace!(?other, "swarm event"),
        }
    }

    fn on_behaviour_event(&mut self, event: BehaviourEvent) {
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
            BehaviourEvent::Ping(ping::Event { peer, connection, result: Err(ping::Failure::Timeout) }) => {
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

    fn on_gossip(&mut self, event: gossipsub::Event) {
        match event {
            gossipsub::Event::Message { propagation_source, message_id, message } => {
                let (acceptance, outcome) = if message.topic != self.topic.hash() {
                    (MessageAcceptance::Ignore, None)
                } else {
                    match JobAnnouncement::from_gossip(&message.data, message.source) {
                        Ok(ann) => (MessageAcceptance::Accept, Some(Ok(ann))),
                        Err(e) => (MessageAcceptance::Reject, Some(Err(e))),
                    }
                };
                // Report first: accepted messages are only forwarded once validated, and rejected
                // ones count against the forwarder's score.
                self.swarm.behaviour_mut().gossipsub.report_message_validation_result(
                    &message_id,
                    &propagation_source,
                    acceptance,
                );
                match outcome {
                    Some(Ok(announcement)) => {
                        self.remember(announcement.org, &announcement.org_addrs.clone());
                        self.emit(Event::Announcement { announcement, via: propagation_source });
                    }
                    Some(Err(e)) => {
                        warn!(source = ?message.source, via = %propagation_source, error = %e, "dropped job announcement");
                        self.emit(Event::AnnouncementRejected {
                            source: message.source,
                            via: propagation_source,
                            reason: e.to_string(),
                        });
                    }
                    None => debug!(topic = %message.topic, "ignored message on unknown topic"),
                }
            }
            gossipsub::Event::Subscribed { peer_id, topic } if topic == self.topic.hash() => {
                self.emit(Event::Subscribed { peer: peer_id });
            }
            other => trace!(?other, "gossipsub"),
        }
    }

    /// Takes a token for an inbound request; `Some(retry_after)` means refuse it.
    fn over_limit(&mut self, peer: PeerId) -> Option<Duration> {
        let (decision, ended) = self.limiter.check(peer, std::time::Instant::now());
        if let Some(refused) = ended {
            info!(%peer, refused, "peer is back under its request rate limit");
        }
        match decision {
            Decision::Allow => None,
            Decision::Refuse { first, retry_after } => {
                if first {
                    warn!(%peer, "peer exceeds its request rate limit; refusing its requests until it slows down");
                }
                Some(retry_after)
            }
        }
    }

    fn on_work(&mut self, event: request_response::Event<WorkRequest, WorkResponse>) {
        use request_response::{Event as E, Message as M};
        match event {
            E::Message { peer, message: M::Request { request, channel, .. }, .. } => {
                if let Some(retry) = self.over_limit(peer) {
                    let _ = self.swarm.behaviour_mut().work.send_response(channel, WorkResponse::rate_limited(retry));
                    return;
                }
                trace!(%peer, request = request.name(), "inbound work request");
                if let Some(responder) = self.responder(channel) {
                    self.emit(Event::WorkRequest { peer, request, responder });
                }
            }
            E::Message { message: M::Response { request_id, response }, .. } => {
                if let WorkResponse::Jobs(jobs) = &response {
                    self.remember_announcements(&jobs.clone());
                }
                if let Some((_, reply)) = self.pending_work.remove(&request_id) {
                    let _ = reply.send(Ok(response));
                }
            }
            E::OutboundFailure { peer, request_id, error, .. } => {
                debug!(%peer, %error, "work request failed");
                if let Some((_, reply)) = self.pending_work.remove(&request_id) {
                    let _ = reply.send(Err(NetError::Request { peer, failure: outbound_failure(error) }));
                }
            }
            E::InboundFailure { peer, error, .. } => inbound_failure(peer, "work", error),
            E::ResponseSent { .. } => {}
        }
    }

    fn on_directory(&mut self, event: request_response::Event<DirectoryRequest, DirectoryResponse>) {
        use request_response::{Event as E, Message as M};
        match event {
            E::Message { peer, message: M::Request { request, channel, .. }, .. } => {
                if let Some(retry) = self.over_limit(peer) {
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .directory
                        .send_response(channel, DirectoryResponse::rate_limited(retry));
                    return;
                }
                if let Some(responder) = self.responder(channel) {
                    self.emit(Event::DirectoryRequest { peer, request, responder });
                }
            }
            E::Message { message: M::Response { request_id, response }, .. } => {
                if let DirectoryResponse::Open { entries } = &response {
                    let anns: Vec<_> = entries.iter().map(|e| e.announcement.clone()).collect();
                    self.remember_announcements(&anns);
                }
                if let Some((_, reply)) = self.pending_directory.remove(&request_id) {
                    let _ = reply.send(Ok(response));
                }
            }
            E::OutboundFailure { peer, request_id, error, .. } => {
                debug!(%peer, %error, "directory request failed");
                if let Some((_, reply)) = self.pending_directory.remove(&request_id) {
                    let _ = reply.send(Err(NetError::Request { peer, failure: outbound_failure(error) }));
                }
            }
            E::InboundFailure { peer, error, .. } => inbound_failure(peer, "directory", error),
            E::ResponseSent { .. } => {}
        }
    }
}

fn outbound_failure(error: OutboundFailure) -> RequestFailure {
    match error {
        OutboundFailure::DialFailure => RequestFailure::Dial,
        OutboundFailure::Timeout => RequestFailure::Timeout,
        OutboundFailure::ConnectionClosed => RequestFailure::ConnectionClosed,
        OutboundFailure::UnsupportedProtocols => RequestFailure::Unsupported,
        OutboundFailure::Io(e) => RequestFailure::Io(e.to_string()),
    }
}

/// Logs ordinary inbound failures (timeouts, closed connections, dropped responders) at debug:
/// they are churn, not misbehaviour. Refused frames are reported by the codec instead.
fn inbound_failure(peer: PeerId, protocol: &'static str, error: InboundFailure) {
    debug!(%peer, protocol, error = %error, "inbound request failed");
}

/// Rate-limits a log line: the first occurrence is logged, then at most one per minute, with
/// the number suppressed in between, so a hostile peer cannot flood the log.
#[derive(Default)]
struct LogOnce {
    last: Option<Instant>,
    suppressed: u64,
}

impl LogOnce {
    const QUIET: Duration = Duration::from_secs(60);

    fn should_log(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(t) if now.duration_since(t) < Self::QUIET => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }
}
