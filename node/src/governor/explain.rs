//! Why the worker runs at the share it does, in words for `node status`: a donor that proves at
//! a quarter of its speed must say which setting made it so and when that changes.

use std::time::Duration;

use super::{Decision, Load, Policy};
use crate::units::show_duration;

/// The idle detector's thresholds, for the explanation.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub idle_cpu: f64,
    pub idle_after: Duration,
}

pub fn share_reason(policy: &Policy, load: Load, decision: Decision, t: Thresholds) -> String {
    let pct = |share: f64| format!("{:.0}%", share * 100.0);
    let idle_rule = format!("other processes' CPU stays below {:.0}% for {}", t.idle_cpu, show_duration(t.idle_after));
    match decision {
        Decision::Pause(reason) => match (reason, policy.busy_share) {
            (super::PauseReason::OwnerBusy, b) if b <= 0.0 => format!(
                "paused: it runs only while the machine is idle (when = idle, or busy_cpu_percent 0), which it is once {idle_rule}"
            ),
            _ => format!("paused: {}", reason.explain()),
        },
        Decision::Run { share } => match load {
            Load::Busy if policy.busy_share < policy.idle_share => format!(
                "{} (busy_cpu_percent): the node counts you as using the machine, as it does from its start, \
                 until {idle_rule}; then it takes {} (cpu_percent). `node set busy_cpu_percent {:.0}` uses that all the time",
                pct(share),
                pct(policy.idle_share),
                policy.idle_share * 100.0
            ),
            Load::Busy => format!("{} (busy_cpu_percent, the same as cpu_percent): the same share whether or not you use the machine", pct(share)),
            Load::Idle => format!("{} (cpu_percent): the machine is idle ({idle_rule})", pct(share)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_busy_start_names_its_setting_and_the_way_out() {
        let policy = Policy { busy_share: 0.25, idle_share: 1.0, hours: None, pause_on_battery: true };
        let t = Thresholds { idle_cpu: 20.0, idle_after: Duration::from_secs(180) };
        let busy = share_reason(&policy, Load::Busy, Decision::Run { share: 0.25 }, t);
        assert!(busy.starts_with("25% (busy_cpu_percent)") && busy.contains("below 20% for 3m") && busy.contains("100%"), "{busy}");
        assert!(busy.contains("node set busy_cpu_percent 100"), "{busy}");
        let idle = share_reason(&policy, Load::Idle, Decision::Run { share: 1.0 }, t);
        assert!(idle.starts_with("100% (cpu_percent)"), "{idle}");
        let only_idle = Policy { busy_share: 0.0, ..policy };
        let paused = share_reason(&only_idle, Load::Busy, Decision::Pause(super::super::PauseReason::OwnerBusy), t);
        assert!(paused.contains("only while the machine is idle"), "{paused}");
    }
}
