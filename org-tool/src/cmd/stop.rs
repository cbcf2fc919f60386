//! `org-tool stop`: stop the org serving a data dir, as SIGTERM would (everything acknowledged
//! is on disk; `org-tool serve` resumes), and wait until it has exited.

use std::time::{Duration, Instant};

use super::{call, parse_duration, DataDir};

/// Stop the org (publish or serve) serving this data dir, and wait for it to exit.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  org-tool stop\n  org-tool stop --data-dir ./org-data --timeout 2m\n\n\
Exit status: 0 stopped, 3 no org was serving the data dir, 1 it did not exit within the timeout.\n\
A publish or serve with --exit-when-done that is stopped this way before its job is done exits 143,\n\
as on SIGTERM.")]
pub struct StopArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// How long to wait for it to exit: 90s, 10m.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
}

pub fn run(cli: StopArgs) -> anyhow::Result<()> {
    let dir = cli.data.path()?;
    let answer = call(&dir, "stop", serde_json::Value::Null)?;
    let pid = answer["pid"].as_u64().unwrap_or(0) as u32;
    let start = Instant::now();
    while alive(pid) {
        if start.elapsed() > cli.timeout {
            anyhow::bail!("org-tool {pid} was asked to stop but still runs after {:?}; see its log", cli.timeout);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("org-tool {pid} stopped");
    Ok(())
}

/// Whether `pid` still runs: it exists and is not a zombie waiting for its parent.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next()).is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}
