//! A log line that cannot be used to flood the log.

use std::time::Duration;

use tokio::time::Instant;

/// Rate-limits a log line: the first occurrence is logged, then at most one per minute, with
/// the number suppressed in between, so a hostile peer cannot flood the log.
#[derive(Default)]
pub(super) struct LogOnce {
    last: Option<Instant>,
    suppressed: u64,
}

impl LogOnce {
    const QUIET: Duration = Duration::from_secs(60);

    pub(super) fn should_log(&mut self, now: Instant) -> Option<u64> {
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
