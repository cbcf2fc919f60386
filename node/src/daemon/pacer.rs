//! The governor at run time: samples the machine about once a second, feeds the pure
//! `governor` rules, and says on every tick whether the worker should be running. The owner's
//! `node pause` takes effect on the next tick (20 ms), not the next sample.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Settings;
use crate::governor::{decide, share_reason, Decision, DutyController, IdleDetector, Load, Observation, Policy, Thresholds};
use crate::sensors::{local_hour, on_battery, LoadSensor};

const SAMPLE_EVERY: Duration = Duration::from_secs(1);

pub struct Pacer {
    policy: Policy,
    thresholds: Thresholds,
    idle: IdleDetector,
    duty: DutyController,
    sensor: LoadSensor,
    origin: Instant,
    last_sample: Option<Instant>,
    owner_paused: Arc<AtomicBool>,
    decided_paused: bool,
    pub decision: Decision,
    pub other_cpu: f64,
    pub on_battery: Option<bool>,
}

impl Pacer {
    pub fn new(settings: &Settings, owner_paused: Arc<AtomicBool>) -> Pacer {
        let policy = settings.policy();
        let share = policy.idle_share;
        Pacer {
            policy,
            thresholds: Thresholds { idle_cpu: settings.idle_cpu, idle_after: settings.idle_after },
            idle: IdleDetector::new(settings.idle_cpu, settings.busy_after, settings.idle_after),
            duty: DutyController::new(share, settings.threads),
            sensor: LoadSensor::new(),
            origin: Instant::now(),
            last_sample: None,
            owner_paused,
            decided_paused: false,
            decision: Decision::Run { share },
            other_cpu: 0.0,
            on_battery: None,
        }
    }

    /// New settings (`node set`, a reload): the policy now, the idle detector keeps its history.
    pub fn reconfigure(&mut self, settings: &Settings) {
        self.policy = settings.policy();
        self.thresholds = Thresholds { idle_cpu: settings.idle_cpu, idle_after: settings.idle_after };
        self.idle.set_params(settings.idle_cpu, settings.busy_after, settings.idle_after);
        self.last_sample = None;
    }

    pub fn load(&self) -> Load {
        self.idle.state()
    }

    /// Why the worker runs at its share now, for the status.
    pub fn share_reason(&self) -> String {
        share_reason(&self.policy, self.idle.state(), self.decision, self.thresholds)
    }

    /// The decision, re-sampled when a second has passed or the owner paused or resumed.
    /// `worker_cpu` is the running worker's cumulative CPU seconds (0 without one).
    pub fn sample(&mut self, worker_cpu: f64) -> Decision {
        let now = Instant::now();
        let owner_paused = self.owner_paused.load(Ordering::Relaxed);
        let fresh = self.last_sample.is_some_and(|t| now.duration_since(t) < SAMPLE_EVERY);
        if fresh && owner_paused == self.decided_paused {
            return self.decision;
        }
        self.decided_paused = owner_paused;
        if !fresh {
            self.last_sample = Some(now);
            self.other_cpu = self.sensor.other_cpu_percent(worker_cpu);
            self.on_battery = on_battery();
        }
        let load = if fresh { self.idle.state() } else { self.idle.observe(now.duration_since(self.origin), self.other_cpu) };
        let observation = Observation { owner_paused, hour: local_hour(), on_battery: self.on_battery, load };
        let decision = decide(&self.policy, &observation);
        if decision != self.decision {
            tracing::info!(?decision, other_cpu = format!("{:.0}%", self.other_cpu), "governor: {}", share_reason(&self.policy, load, decision, self.thresholds));
        }
        self.decision = decision;
        decision
    }

    /// Whether the worker should run until the next tick.
    pub fn tick(&mut self, worker_cpu: f64) -> bool {
        match self.sample(worker_cpu) {
            Decision::Pause(_) => {
                self.duty.reset();
                false
            }
            Decision::Run { share } => {
                self.duty.set_share(share);
                self.duty.tick(self.origin.elapsed(), worker_cpu)
            }
        }
    }

    /// A new worker starts with `threads` threads: its CPU time counts from zero.
    pub fn new_worker(&mut self, threads: usize) {
        self.duty.reset();
        self.duty.set_threads(threads);
        self.sensor.reset_worker();
    }
}
