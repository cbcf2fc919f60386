//! The resource governor's decisions, as pure functions of what the daemon measured: whether the
//! worker may run now, at what CPU share, and if not, why. No clocks, signals or /proc here (the
//! daemon's `supervisor` does those), so every rule is unit-tested on synthetic inputs.
//!
//! Precedence of pause reasons: the owner's `node pause`, then the time window, then battery,
//! then the owner being busy.
//! A paused worker is stopped with SIGSTOP and keeps its memory: resuming loses no work.

pub mod duty;
pub mod explain;
pub mod idle;
pub mod window;

use serde::{Deserialize, Serialize};

pub use duty::DutyController;
pub use explain::{share_reason, Thresholds};
pub use idle::{IdleDetector, Load};
pub use window::Hours;

/// Why the worker is not running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// The owner said so (`node pause`), until `node resume`.
    ByOwner,
    /// Outside the owner's `hours` window.
    OutsideHours,
    /// Running on battery and the owner asked to pause then.
    OnBattery,
    /// Other processes use more CPU than the idle threshold (or did so recently).
    OwnerBusy,
}

impl PauseReason {
    pub fn explain(&self) -> &'static str {
        match self {
            PauseReason::ByOwner => "paused with `node pause` (resume with `node resume`)",
            PauseReason::OutsideHours => "outside the hours you allowed (--hours)",
            PauseReason::OnBattery => "the machine is on battery",
            PauseReason::OwnerBusy => "you are using the machine (other processes' CPU above --idle-cpu)",
        }
    }
}

/// What the worker may do right now.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Decision {
    /// Run with this share of its threads' CPU time, in (0, 1].
    Run { share: f64 },
    Pause(PauseReason),
}

/// The owner's policy, resolved from the config file and flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// CPU share while the owner uses the machine; 0 means pause then (`--when idle`).
    pub busy_share: f64,
    /// CPU share while the machine is idle.
    pub idle_share: f64,
    pub hours: Option<Hours>,
    pub pause_on_battery: bool,
}

/// What the daemon observed this tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// `node pause` is in force.
    pub owner_paused: bool,
    /// Local hour of day, 0..24.
    pub hour: u8,
    /// `None` where the platform does not say.
    pub on_battery: Option<bool>,
    /// Whether the owner counts as busy, after the idle detector's hysteresis.
    pub load: Load,
}

/// The decision for one tick.
pub fn decide(policy: &Policy, obs: &Observation) -> Decision {
    if obs.owner_paused {
        return Decision::Pause(PauseReason::ByOwner);
    }
    if let Some(hours) = &policy.hours {
        if !hours.contains(obs.hour) {
            return Decision::Pause(PauseReason::OutsideHours);
        }
    }
    if policy.pause_on_battery && obs.on_battery == Some(true) {
        return Decision::Pause(PauseReason::OnBattery);
    }
    let share = match obs.load {
        Load::Busy => policy.busy_share,
        Load::Idle => policy.idle_share,
    };
    if share <= 0.0 {
        Decision::Pause(PauseReason::OwnerBusy)
    } else {
        Decision::Run { share: share.min(1.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy { busy_share: 0.0, idle_share: 0.8, hours: Some(Hours::new(22, 7).unwrap()), pause_on_battery: true }
    }

    #[test]
    fn window_then_battery_then_load() {
        let p = policy();
        let obs = Observation { owner_paused: false, hour: 23, on_battery: Some(false), load: Load::Idle };
        assert_eq!(decide(&p, &obs), Decision::Run { share: 0.8 });
        let paused = Observation { owner_paused: true, hour: 12, ..obs };
        assert_eq!(decide(&p, &paused), Decision::Pause(PauseReason::ByOwner), "the owner's pause comes first");
        assert_eq!(decide(&p, &Observation { hour: 12, ..obs }), Decision::Pause(PauseReason::OutsideHours));
        assert_eq!(decide(&p, &Observation { on_battery: Some(true), ..obs }), Decision::Pause(PauseReason::OnBattery));
        assert_eq!(decide(&p, &Observation { on_battery: None, ..obs }), Decision::Run { share: 0.8 });
        assert_eq!(decide(&p, &Observation { load: Load::Busy, ..obs }), Decision::Pause(PauseReason::OwnerBusy));
    }

    #[test]
    fn separate_shares_for_busy_and_idle() {
        let p = Policy { busy_share: 0.25, idle_share: 1.0, hours: None, pause_on_battery: false };
        let obs = Observation { owner_paused: false, hour: 12, on_battery: Some(true), load: Load::Busy };
        assert_eq!(decide(&p, &obs), Decision::Run { share: 0.25 });
        assert_eq!(decide(&p, &Observation { load: Load::Idle, ..obs }), Decision::Run { share: 1.0 });
    }
}
