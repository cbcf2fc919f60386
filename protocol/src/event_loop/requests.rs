//! Request-response events: inbound requests through the rate limit to the application,
//! responses and failures back to the waiting caller.

use std::time::Duration;

use libp2p::{
    request_response::{self, InboundFailure},
    PeerId,
};
use tracing::{debug, info, trace, warn};

use crate::codec::Reply as _;
use crate::event::Event;
use crate::messages::{DirectoryRequest, DirectoryResponse, WorkRequest, WorkResponse};
use crate::rate_limit::Decision;

use super::EventLoop;

impl EventLoop {
    /// Takes a token for an inbound request; `Some(retry_after)` means refuse it.
    pub(super) fn over_limit(&mut self, peer: PeerId) -> Option<Duration> {
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

    pub(super) fn on_work(&mut self, event: request_response::Event<WorkRequest, WorkResponse>) {
        use request_response::{Event as E, Message as M};
        match event {
            E::Message {
                peer,
                message: M::Request {
                    request, channel, ..
                },
                ..
            } => {
                if let Some(retry) = self.over_limit(peer) {
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .work
                        .send_response(channel, WorkResponse::rate_limited(retry));
                    return;
                }
                trace!(%peer, request = request.name(), "inbound work request");
                // A peer's bulk requests are answered one or two at a time: more would let one
                // peer hold the whole in-flight budget (see `inflight`).
                let bulk = if request.is_bulk() {
                    match self.bulk.take(peer) {
                        Some(slot) => Some(slot),
                        None => {
                            debug!(%peer, "peer has too many unanswered proofs or traces; asking it to wait");
                            let _ = self
                                .swarm
                                .behaviour_mut()
                                .work
                                .send_response(channel, WorkResponse::rate_limited(Duration::from_secs(5)));
                            return;
                        }
                    }
                } else {
                    None
                };
                let ip = self.remote_ips.get(&peer).copied();
                if let Some(responder) = self.responder(channel, bulk) {
                    self.emit(Event::WorkRequest {
                        peer,
                        ip,
                        request,
                        responder,
                    });
                }
            }
            E::Message {
                message:
                    M::Response {
                        request_id,
                        response,
                    },
                ..
            } => {
                // A `Jobs` answer's addresses are not remembered here: a copy is the org's word
                // only once its signature checks, which is the application's work (off this task).
                self.pending_work.answer(&request_id, response);
            }
            E::OutboundFailure { peer, request_id, error, .. } => self.pending_work.fail(peer, &request_id, error),
            E::InboundFailure { peer, error, .. } => inbound_failure(peer, "work", error),
            E::ResponseSent { .. } => {}
        }
    }

    pub(super) fn on_directory(
        &mut self,
        event: request_response::Event<DirectoryRequest, DirectoryResponse>,
    ) {
        use request_response::{Event as E, Message as M};
        match event {
            E::Message {
                peer,
                message: M::Request {
                    request, channel, ..
                },
                ..
            } => {
                if let Some(retry) = self.over_limit(peer) {
                    let _ = self
                        .swarm
                        .behaviour_mut()
                        .directory
                        .send_response(channel, DirectoryResponse::rate_limited(retry));
                    return;
                }
                let ip = self.remote_ips.get(&peer).copied();
                if let Some(responder) = self.responder(channel, None) {
                    self.emit(Event::DirectoryRequest {
                        peer,
                        ip,
                        request,
                        responder,
                    });
                }
            }
            E::Message {
                message:
                    M::Response {
                        request_id,
                        response,
                    },
                ..
            } => {
                // Nor a listing's: the directory relays copies anyone may have forged, and an
                // address taken from a forged copy would send our dials for that org elsewhere.
                self.pending_directory.answer(&request_id, response);
            }
            E::OutboundFailure { peer, request_id, error, .. } => self.pending_directory.fail(peer, &request_id, error),
            E::InboundFailure { peer, error, .. } => inbound_failure(peer, "directory", error),
            E::ResponseSent { .. } => {}
        }
    }
}

/// Logs ordinary inbound failures (timeouts, closed connections, dropped responders) at debug:
/// they are churn, not misbehaviour. Refused frames are reported by the codec instead.
fn inbound_failure(peer: PeerId, protocol: &'static str, error: InboundFailure) {
    debug!(%peer, protocol, error = %error, "inbound request failed");
}
