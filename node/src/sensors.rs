//! What the governor needs to know about the machine, read from the OS: other processes' CPU
//! load (sysinfo, minus the worker's own share), battery state (/sys/class/power_supply on
//! Linux), the local hour, and the worker's CPU time and memory (/proc).

use std::path::Path;
use std::time::Instant;

use sysinfo::{CpuRefreshKind, RefreshKind, System};

/// Samples whole-machine CPU usage; sysinfo needs two samples apart in time for a rate.
pub struct LoadSensor {
    sys: System,
    cores: f64,
    last: Option<(Instant, f64)>,
}

impl Default for LoadSensor {
    fn default() -> Self {
        Self::new()
    }
}

impl LoadSensor {
    pub fn new() -> Self {
        let mut sys = System::new_with_specifics(RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing().with_cpu_usage()));
        sys.refresh_cpu_usage();
        let cores = sys.cpus().len().max(1) as f64;
        LoadSensor { sys, cores, last: None }
    }

    /// Other processes' CPU in percent of the whole machine since the previous call, given the
    /// worker's cumulative CPU seconds (its share is subtracted: the donor must not mistake its
    /// own work for the owner's).
    pub fn other_cpu_percent(&mut self, worker_cpu_secs: f64) -> f64 {
        self.sys.refresh_cpu_usage();
        let total = self.sys.global_cpu_usage() as f64;
        let now = Instant::now();
        let ours = match self.last {
            Some((then, cpu)) => {
                let wall = now.duration_since(then).as_secs_f64();
                if wall > 0.0 { 100.0 * (worker_cpu_secs - cpu).max(0.0) / (wall * self.cores) } else { 0.0 }
            }
            None => 0.0,
        };
        self.last = Some((now, worker_cpu_secs));
        (total - ours).clamp(0.0, 100.0)
    }

    /// Forgets the worker's last sample (a new worker starts from zero CPU time).
    pub fn reset_worker(&mut self) {
        self.last = None;
    }
}

/// `Some(true)` when a battery is discharging, `Some(false)` when the platform reports power
/// supplies and none is, `None` when it reports nothing (desktops, containers, other OSes).
pub fn on_battery() -> Option<bool> {
    on_battery_in(Path::new("/sys/class/power_supply"))
}

pub fn on_battery_in(root: &Path) -> Option<bool> {
    let read = |p: &Path| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string());
    let mut saw_battery = false;
    let mut mains_online = false;
    for entry in std::fs::read_dir(root).ok()?.flatten() {
        let dir = entry.path();
        match read(&dir.join("type")).as_deref() {
            Some("Battery") => {
                saw_battery = true;
                if read(&dir.join("status")).as_deref() == Some("Discharging") {
                    return Some(true);
                }
            }
            Some("Mains") => mains_online |= read(&dir.join("online")).as_deref() == Some("1"),
            _ => {}
        }
    }
    (saw_battery || mains_online).then_some(false)
}

/// The local hour of day (0..24), from the C library's idea of the time zone.
pub fn local_hour() -> u8 {
    let now: libc::time_t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as libc::time_t)
        .unwrap_or(0);
    // SAFETY: localtime_r writes only into `tm`, which lives on this stack frame.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&now, &mut tm).is_null() };
    if ok { tm.tm_hour.clamp(0, 23) as u8 } else { ((now / 3600) % 24) as u8 }
}

/// A process's CPU time (user + system, seconds, all its threads) and resident memory (bytes),
/// from /proc/PID/stat. `None` once it is gone.
pub fn process_usage(pid: u32) -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14, stime 15, rss 24 (1-based in proc(5)).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let rss_pages: u64 = fields.get(21)?.parse().ok()?;
    let tick = clock_ticks();
    Some(((utime + stime) / tick, rss_pages * page_size()))
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as u64 } else { 4096 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn battery_from_a_synthetic_sysfs() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(on_battery_in(dir.path()), None);
        let ac = dir.path().join("AC");
        std::fs::create_dir(&ac).unwrap();
        std::fs::write(ac.join("type"), "Mains\n").unwrap();
        std::fs::write(ac.join("online"), "1\n").unwrap();
        assert_eq!(on_battery_in(dir.path()), Some(false));
        let bat = dir.path().join("BAT0");
        std::fs::create_dir(&bat).unwrap();
        std::fs::write(bat.join("type"), "Battery\n").unwrap();
        std::fs::write(bat.join("status"), "Discharging\n").unwrap();
        assert_eq!(on_battery_in(dir.path()), Some(true));
    }

    #[test]
    fn own_process_usage_is_readable() {
        let (cpu, rss) = process_usage(std::process::id()).unwrap();
        assert!(cpu >= 0.0 && rss > 0);
        assert!(local_hour() < 24);
    }
}
