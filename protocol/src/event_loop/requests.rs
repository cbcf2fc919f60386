//! Request-response events: inbound requests through the rate limit to the application,
//! responses and failures back to the waiting caller.

use std::time::Duration;

use libp2p::{
    request_response::{self, InboundFailure, OutboundFailure},
    PeerId,
};
use tracing::{debug, info, trace, warn};

use crate::codec::Reply as _;
use crate::error::{NetError, RequestFailure};
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
                if let Some(responder) = self.responder(channel) {
                    self.emit(Event::WorkRequest {
                        peer,
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
                if let WorkResponse::Jobs(jobs) = &response {
                    self.remember_announcements(&jobs.clone());
                }
                if let Some((_, reply)) = self.pending_work.remove(&request_id) {
                    let _ = reply.send(Ok(response));
                }
            }
            E::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                debug!(%peer, %error, "work request failed");
                if let Some((_, reply)) = self.pending_work.remove(&request_id) {
                    let _ = reply.send(Err(NetError::Request {
                        peer,
                        failure: outbound_failure(error),
                    }));
                }
            }
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
                if let Some(responder) = self.responder(channel) {
                    self.emit(Event::DirectoryRequest {
                        peer,
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
                if let DirectoryResponse::Open { entries } = &response {
                    let anns: Vec<_> = entries.iter().map(|e| e.announcement.clone()).collect();
                    self.remember_announcements(&anns);
                }
                if let Some((_, reply)) = self.pending_directory.remove(&request_id) {
                    let _ = reply.send(Ok(response));
                }
            }
            E::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                debug!(%peer, %error, "directory request failed");
                if let Some((_, reply)) = self.pending_directory.remove(&request_id) {
                    let _ = reply.send(Err(NetError::Request {
                        peer,
                        failure: outbound_failure(error),
                    }));
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
        OutboundFailure::Io(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            RequestFailure::TooLarge(e.to_string())
        }
        OutboundFailure::Io(e) => RequestFailure::Io(e.to_string()),
    }
}

/// Logs ordinary inbound failures (timeouts, closed connections, dropped responders) at debug:
/// they are churn, not misbehaviour. Refused frames are reported by the codec instead.
fn inbound_failure(peer: PeerId, protocol: &'static str, error: InboundFailure) {
    debug!(%peer, protocol, error = %error, "inbound request failed");
}
