//! What Linux's /proc says about a process: its memory and CPU time. Shared by the tests and
//! the scale benchmark (which includes this file by path).
#![allow(dead_code)]

/// A `kB` field of /proc/PID/status (`VmRSS:`, `VmHWM:`), in KiB; 0 if unreadable.
pub fn proc_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The process's CPU time so far (user + system), in seconds; 0 if unreadable.
pub fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // The fields after the command name (which may hold spaces) start at the state, field 3.
    let Some(end) = stat.rfind(')') else { return 0.0 };
    let fields: Vec<&str> = stat[end + 2..].split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (field(11) + field(12)) / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}
