//! The governor at run time: samples the machine about once a second, feeds the pure
//! `governor` rules, and says on every tick whether the worker should be running.

use std::time::{Duration, Instant};

use crate::governor::{decide, Decision, DutyController, IdleDetector, Load, Observation, Policy};
use crate::sensors::{local_hour, on_battery, LoadSensor};

const SAMPLE_EVERY: Duration = Duration::from_secs(1);

pub struct Pacer {
    policy: Policy,
    idle: IdleDetector,
    duty: DutyController,
    sensor: LoadSensor,
    origin: Instant,
    last_sample: Option<Instant>,
    pub decision: Decision,
    pub other_cpu: f64,
    pub on_battery: Option<bool>,
}

impl Pacer {
    pub fn new(policy: Policy, idle: IdleDetector, threads: usize) -> Pacer {
        let share = policy.idle_share;
        Pacer {
            policy,
            idle,
            duty: DutyController::new(share, threads),
            sensor: LoadSensor::new(),
            origin: Instant::now(),
            last_sample: None,
            decision: Decision::Run { share },
            other_cpu: 0.0,
            on_battery: None,
        }
    }

    pub fn load(&self) -> Load {
        self.idle.state()
    }

    /// The decision, re-sampled when a second has passed. `worker_cpu` is the running worker's
    /// cumulative CPU seconds (0 without one).
    pub fn sample(&mut self, worker_cpu: f64) -> Decision {
        let now = Instant::now();
        if self.last_sample.is_some_and(|t| now.duration_since(t) < SAMPLE_EVERY) {
            return self.decision;
        }
        self.last_sample = Some(now);
        self.other_cpu = self.sensor.other_cpu_percent(worker_cpu);
        self.on_battery = on_battery();
        let load = self.idle.observe(now.duration_since(self.origin), self.other_cpu);
        let decision = decide(&self.policy, &Observation { hour: local_hour(), on_battery: self.on_battery, load });
        if decision != self.decision {
            tracing::info!(?decision, other_cpu = format!("{:.0}%", self.other_cpu), "governor");
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

    /// A new worker starts: its CPU time counts from zero.
    pub fn new_worker(&mut self) {
        self.duty.reset();
        self.sensor.reset_worker();
    }
}
