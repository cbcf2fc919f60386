//! The task that owns the swarm. It turns commands into swarm calls and swarm events into
//! application events, and never awaits anything but its inputs: work that could take time
//! (verification, storage) belongs to the application, on the other side of the channels.

mod commands;
mod gossip;
mod log_once;
mod pending;
mod requests;
mod swarm_events;

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use libp2p::{
    core::transport::ListenerId,
    gossipsub::IdentTopic,
    request_response,
    swarm::ConnectionId,
    Multiaddr, PeerId, Swarm,
};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::behaviour::{build_swarm, Behaviour, JOBS_TOPIC};
use crate::client::{Client, Command};
use crate::codec::Refusal;
use crate::config::NetworkConfig;
use crate::error::NetError;
use crate::event::{Event, Responder};
use crate::ids::peer_id_of;
use crate::limits::MAX_ANNOUNCED_ADDRS;
use crate::messages::{DirectoryResponse, WorkResponse};
use crate::rate_limit::RateLimiter;
use crate::redial::Redialer;
use log_once::LogOnce;

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
    pending_work: pending::Pending<WorkResponse>,
    pending_directory: pending::Pending<DirectoryResponse>,
    known_addrs: HashMap<PeerId, Vec<Multiaddr>>,
    dropped_events: u64,
    refusals: mpsc::Receiver<Refusal>,
    refusal_log: LogOnce,
    busy_log: LogOnce,
    /// The remote IP of each connected peer's first connection (bounded by the connection limits).
    remote_ips: HashMap<PeerId, std::net::IpAddr>,
    bulk: crate::inflight::BulkCounts,
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
        pending_work: pending::Pending::new("work"),
        pending_directory: pending::Pending::new("directory"),
        known_addrs: HashMap::new(),
        dropped_events: 0,
        refusals,
        refusal_log: LogOnce::default(),
        busy_log: LogOnce::default(),
        remote_ips: HashMap::new(),
        bulk: Default::default(),
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
            let wake = self
                .redial
                .next_due()
                .unwrap_or(now + Duration::from_secs(3600));
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
                    info!(
                        dropped = self.dropped_events,
                        "application caught up with network events"
                    );
                    self.dropped_events = 0;
                }
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Blocking here would stall every connection; dropping an inbound request makes
                // its sender see a failure and retry later.
                // (The event itself is not logged: it may carry a 32 MiB proof.)
                if self.dropped_events == 0 {
                    warn!("application is not keeping up with network events; dropping events");
                }
                self.dropped_events += 1;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn on_refusal(&mut self, refusal: Refusal) {
        if refusal.busy {
            // Not the peer's fault: it will retry. Worth knowing about once, not per request.
            if let Some(suppressed) = self.busy_log.should_log(Instant::now()) {
                info!(protocol = %refusal.protocol, reason = %refusal.reason, suppressed, "refusing large requests until earlier ones are answered");
            }
            return;
        }
        if let Some(suppressed) = self.refusal_log.should_log(Instant::now()) {
            warn!(protocol = %refusal.protocol, reason = %refusal.reason, suppressed, "refused an inbound request");
        }
        self.emit(Event::BadRequest {
            protocol: refusal.protocol,
            reason: refusal.reason,
        });
    }

    fn responder<R>(
        &self,
        channel: request_response::ResponseChannel<R>,
        bulk: Option<crate::inflight::InFlight>,
    ) -> Option<Responder<R>> {
        Some(Responder {
            channel,
            commands: self.command_tx.upgrade()?,
            _bulk: bulk,
        })
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
}
