//! Job announcements from gossipsub: checked, reported to gossipsub, passed on.

use libp2p::gossipsub::{self, MessageAcceptance};
use tracing::{debug, trace, warn};

use crate::event::Event;
use crate::messages::JobAnnouncement;

use super::EventLoop;

impl EventLoop {
    pub(super) fn on_gossip(&mut self, event: gossipsub::Event) {
        match event {
            gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            } => {
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
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&message_id, &propagation_source, acceptance);
                match outcome {
                    Some(Ok(announcement)) => {
                        self.remember(announcement.org, &announcement.org_addrs.clone());
                        self.emit(Event::Announcement {
                            announcement,
                            via: propagation_source,
                        });
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
}
