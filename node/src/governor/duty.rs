//! The CPU share, enforced by stopping and continuing the worker (SIGSTOP/SIGCONT).
//!
//! Closed loop on the CPU time the worker really used (from /proc), not on wall-clock on/off
//! slots: when other processes compete for the cores, an open-loop "run 30 ms of every 100 ms"
//! delivers less than the owner's share and, worse, a share that depends on the machine's load.
//! Here the worker earns `share × threads` CPU-seconds per second of wall time and spends what it
//! uses; it runs while its credit is positive and is stopped while it is in debt. Credit is
//! capped so that a worker that was blocked (or paused) cannot bank a long burst, and debt is
//! capped so that one mis-measured sample cannot stop it for long.

use std::time::Duration;

/// Largest credit, in seconds of one core: bounds a burst to ~50 ms.
const MAX_CREDIT: f64 = 0.05;
/// Largest debt, in seconds of one core.
const MAX_DEBT: f64 = 1.0;

#[derive(Debug, Clone)]
pub struct DutyController {
    share: f64,
    cores: f64,
    credit: f64,
    last: Option<(Duration, f64)>,
}

impl DutyController {
    /// `share` in (0, 1] of `threads` cores.
    pub fn new(share: f64, threads: usize) -> Self {
        DutyController { share: share.clamp(0.0, 1.0), cores: threads.max(1) as f64, credit: 0.0, last: None }
    }

    /// Changes the share (the owner went idle or busy) without losing the measurement origin.
    pub fn set_share(&mut self, share: f64) {
        self.share = share.clamp(0.0, 1.0);
    }

    /// A new worker with another thread count (`node set threads`).
    pub fn set_threads(&mut self, threads: usize) {
        self.cores = threads.max(1) as f64;
    }

    pub fn share(&self) -> f64 {
        self.share
    }

    /// Forgets credit and the last sample: call when the worker was paused for another reason,
    /// so time spent paused is neither credited nor charged.
    pub fn reset(&mut self) {
        self.credit = 0.0;
        self.last = None;
    }

    /// Feeds the worker's cumulative CPU time (user + system, seconds) at `now` and says whether
    /// it should be running until the next tick.
    pub fn tick(&mut self, now: Duration, worker_cpu_secs: f64) -> bool {
        if self.share >= 1.0 {
            self.last = Some((now, worker_cpu_secs));
            return true;
        }
        if let Some((then, cpu_then)) = self.last {
            let wall = now.saturating_sub(then).as_secs_f64();
            let used = (worker_cpu_secs - cpu_then).max(0.0);
            self.credit = (self.credit + self.share * self.cores * wall - used).clamp(-MAX_DEBT, MAX_CREDIT);
        }
        self.last = Some((now, worker_cpu_secs));
        // Zero credit (the first sample, or exactly paid up) runs: the worker must run to be
        // measured at all.
        self.credit >= 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates a busy single-thread worker that gets `available` of a core while running,
    /// ticking every 20 ms for `secs`, and returns the share it used.
    fn simulate(share: f64, available: f64, secs: f64) -> f64 {
        let mut c = DutyController::new(share, 1);
        let tick = 0.02;
        let (mut cpu, mut t, mut running) = (0.0, 0.0, true);
        while t < secs {
            running = c.tick(Duration::from_secs_f64(t), cpu);
            if running {
                cpu += available * tick;
            }
            t += tick;
        }
        let _ = running;
        cpu / secs
    }

    #[test]
    fn holds_the_share_with_or_without_competition() {
        for share in [0.1, 0.25, 0.5, 0.75] {
            for available in [1.0, 0.8] {
                let used = simulate(share, available, 60.0);
                assert!((used - share).abs() < 0.02 * share.max(0.5), "share {share} available {available}: used {used}");
            }
        }
        assert!((simulate(1.0, 1.0, 10.0) - 1.0).abs() < 0.01);
    }

    #[test]
    fn a_long_block_does_not_bank_a_burst() {
        let mut c = DutyController::new(0.5, 1);
        assert!(c.tick(Duration::ZERO, 0.0));
        // Blocked for 10 s using nothing: credit is capped at 50 ms, so 110 ms of full use in
        // 60 ms of wall time (two threads) puts it in debt; uncapped it would run on for 5 s.
        c.tick(Duration::from_secs(10), 0.0);
        assert!(!c.tick(Duration::from_secs_f64(10.06), 0.11));
    }
}
