//! Outbound requests waiting for their answer: the caller's one-shot reply, by request id, for
//! each request-response protocol.

use std::collections::HashMap;

use libp2p::request_response::{OutboundFailure, OutboundRequestId};
use libp2p::PeerId;
use tracing::debug;

use crate::error::{NetError, RequestFailure};

use super::Reply;

pub(super) struct Pending<R> {
    protocol: &'static str,
    waiting: HashMap<OutboundRequestId, Reply<R>>,
}

impl<R> Pending<R> {
    pub fn new(protocol: &'static str) -> Self {
        Pending { protocol, waiting: HashMap::new() }
    }

    pub fn insert(&mut self, id: OutboundRequestId, reply: Reply<R>) {
        self.waiting.insert(id, reply);
    }

    /// Hands the response to its caller (who may have stopped waiting).
    pub fn answer(&mut self, id: &OutboundRequestId, response: R) {
        if let Some(reply) = self.waiting.remove(id) {
            let _ = reply.send(Ok(response));
        }
    }

    /// Tells the caller why its request to `peer` failed.
    pub fn fail(&mut self, peer: PeerId, id: &OutboundRequestId, error: OutboundFailure) {
        debug!(%peer, %error, protocol = self.protocol, "request failed");
        if let Some(reply) = self.waiting.remove(id) {
            let _ = reply.send(Err(NetError::Request { peer, failure: outbound_failure(error) }));
        }
    }
}

fn outbound_failure(error: OutboundFailure) -> RequestFailure {
    match error {
        OutboundFailure::DialFailure => RequestFailure::Dial,
        OutboundFailure::Timeout => RequestFailure::Timeout,
        OutboundFailure::ConnectionClosed => RequestFailure::ConnectionClosed,
        OutboundFailure::UnsupportedProtocols => RequestFailure::Unsupported,
        OutboundFailure::Io(e) if e.kind() == std::io::ErrorKind::InvalidInput => RequestFailure::TooLarge(e.to_string()),
        OutboundFailure::Io(e) => RequestFailure::Io(e.to_string()),
    }
}
