//! Whether the owner is using the machine, with hysteresis in time so the throttle does not
//! oscillate: the owner becomes *busy* only after other processes' CPU has stayed above the
//! threshold for `busy_after` (a compile that takes a second does not count), and becomes *idle*
//! again only after it has stayed below for `idle_after` (minutes, by default). A single sample on
//! the other side of the threshold restarts the count.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Load {
    Idle,
    Busy,
}

#[derive(Debug, Clone)]
pub struct IdleDetector {
    /// Other processes' CPU, in percent of the whole machine, above which the owner is using it.
    threshold: f64,
    busy_after: Duration,
    idle_after: Duration,
    state: Load,
    /// Since when samples have been on the other side of the threshold from `state`.
    crossing_since: Option<Duration>,
}

impl IdleDetector {
    /// Starts *busy*: a daemon that just started must see the machine idle for `idle_after`
    /// before it takes the idle share (the owner may have started it in the middle of work).
    pub fn new(threshold: f64, busy_after: Duration, idle_after: Duration) -> Self {
        IdleDetector { threshold, busy_after, idle_after, state: Load::Busy, crossing_since: None }
    }

    pub fn state(&self) -> Load {
        self.state
    }

    /// New thresholds from the owner (`node set`, a reload), keeping what was observed so far.
    pub fn set_params(&mut self, threshold: f64, busy_after: Duration, idle_after: Duration) {
        (self.threshold, self.busy_after, self.idle_after) = (threshold, busy_after, idle_after);
    }

    /// Feeds one sample taken at `now` (any monotonic origin) and returns the state after it.
    pub fn observe(&mut self, now: Duration, other_cpu_percent: f64) -> Load {
        let above = other_cpu_percent > self.threshold;
        let wants = if above { Load::Busy } else { Load::Idle };
        if wants == self.state {
            self.crossing_since = None;
            return self.state;
        }
        let since = *self.crossing_since.get_or_insert(now);
        let needed = match wants {
            Load::Busy => self.busy_after,
            Load::Idle => self.idle_after,
        };
        if now.saturating_sub(since) >= needed {
            self.state = wants;
            self.crossing_since = None;
        }
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    /// A synthetic load: idle, a burst shorter than busy_after, a long busy stretch, flicker
    /// below the threshold, then a quiet stretch long enough to resume.
    #[test]
    fn pauses_and_resumes_with_hysteresis() {
        let mut d = IdleDetector::new(20.0, s(10), s(180));
        // Starts busy; needs 180 s of quiet to become idle.
        for t in 0..180 {
            assert_eq!(d.observe(s(t), 5.0), Load::Busy, "t={t}");
        }
        assert_eq!(d.observe(s(180), 5.0), Load::Idle);
        // A 5-second burst does not pause.
        for t in 181..186 {
            assert_eq!(d.observe(s(t), 90.0), Load::Idle, "t={t}");
        }
        assert_eq!(d.observe(s(186), 5.0), Load::Idle);
        // Sustained load pauses after 10 s.
        for t in 200..210 {
            assert_eq!(d.observe(s(t), 60.0), Load::Idle, "t={t}");
        }
        assert_eq!(d.observe(s(210), 60.0), Load::Busy);
        // Dips below the threshold shorter than idle_after never resume: no oscillation.
        let mut flips = 0;
        let mut last = Load::Busy;
        for t in 211..600 {
            let cpu = if t % 60 < 50 { 10.0 } else { 70.0 };
            let now = d.observe(s(t), cpu);
            flips += (now != last) as u32;
            last = now;
        }
        assert_eq!((flips, last), (0, Load::Busy));
        // A quiet stretch of idle_after resumes.
        for t in 600..780 {
            assert_eq!(d.observe(s(t), 1.0), Load::Busy, "t={t}");
        }
        assert_eq!(d.observe(s(780), 1.0), Load::Idle);
    }

    #[test]
    fn at_the_threshold_counts_as_idle() {
        let mut d = IdleDetector::new(20.0, s(0), s(0));
        assert_eq!(d.observe(s(0), 20.0), Load::Idle);
        assert_eq!(d.observe(s(1), 20.1), Load::Busy);
    }
}
