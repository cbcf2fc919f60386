//! Process control for the worker: spawn it with its caps (address space via RLIMIT_AS, threads
//! via the task and RAYON_NUM_THREADS), stop and continue it, measure it, and classify how it
//! ended. The decisions of when to stop it live in `governor`.
//!
//! The worker's stderr comes back through a pipe: each line goes into the daemon's log (so it
//! reaches `--log-file` and the journal), and the last lines explain a crash; an allocation that
//! failed under the memory cap ("memory allocation of N bytes failed", then an abort) is told
//! apart from other crashes, since retrying it under the same cap cannot help.

use std::collections::VecDeque;
use std::io::BufRead;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use nix::sys::prctl;
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::sensors::process_usage;
use crate::worker::{err_file, EXIT_NEEDS_MEMORY, EXIT_TASK_FAILED};

/// Lines of the worker's stderr kept to explain how it ended.
const TAIL_LINES: usize = 20;

/// How a worker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// The task cannot succeed; the reason, from the worker.
    TaskFailed(String),
    /// The shard needs more memory than the cap allows (the worker's own estimate, or an
    /// allocation that failed under the cap): not worth a retry under the same cap.
    NeedsMemory(String),
    /// Killed by a signal, or any other unexpected end: worth a retry.
    Crashed(String),
}

/// A running worker under the daemon's control.
pub struct Controlled {
    child: Child,
    stopped: bool,
    /// The reader of the worker's stderr, and the last lines it read.
    stderr: Option<std::thread::JoinHandle<()>>,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl Controlled {
    /// Starts `node worker --task FILE` from `exe` with an address-space cap of `max_memory`.
    pub fn spawn_worker(exe: &Path, task_file: &Path, max_memory: u64, threads: usize) -> anyhow::Result<Controlled> {
        let mut cmd = Command::new(exe);
        cmd.arg("worker").arg("--task").arg(task_file);
        cmd.env("RAYON_NUM_THREADS", threads.to_string())
            // glibc reserves 64 MiB of address space per arena and thread; capping arenas keeps
            // RLIMIT_AS about memory really used rather than reservations.
            .env("MALLOC_ARENA_MAX", "2");
        Controlled::spawn_capturing(cmd, Some(max_memory))
    }

    /// [`Controlled::spawn`], with the process's stderr read into the log and kept to explain
    /// how it ended.
    pub fn spawn_capturing(mut cmd: Command, max_memory: Option<u64>) -> anyhow::Result<Controlled> {
        cmd.stderr(Stdio::piped());
        let mut worker = Controlled::spawn(cmd, max_memory)?;
        worker.read_stderr();
        Ok(worker)
    }

    /// Forwards the worker's stderr lines to the log, keeping the last few.
    fn read_stderr(&mut self) {
        let Some(pipe) = self.child.stderr.take() else { return };
        let (tail, pid) = (self.tail.clone(), self.child.id());
        let reader = std::thread::Builder::new().name(format!("worker-{pid}-stderr")).spawn(move || {
            for line in std::io::BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if line.contains("WARN") || line.contains("ERROR") || line.contains("panicked") || line.contains("memory allocation") {
                    tracing::warn!(target: "proofgrid_node::worker", worker = pid, "{line}");
                } else {
                    tracing::info!(target: "proofgrid_node::worker", worker = pid, "{line}");
                }
                let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                if t.len() == TAIL_LINES {
                    t.pop_front();
                }
                t.push_back(line);
            }
        });
        self.stderr = reader.ok();
    }

    /// Spawns any command, with the optional address-space cap applied in the child.
    pub fn spawn(mut cmd: Command, max_memory: Option<u64>) -> anyhow::Result<Controlled> {
        cmd.stdin(Stdio::null());
        // SAFETY: between fork and exec only async-signal-safe calls are allowed; prctl and
        // setrlimit are plain system calls and allocate nothing.
        unsafe {
            cmd.pre_exec(move || {
                // The worker dies with the daemon (even by kill -9): an orphan would keep
                // burning CPU outside any governor, and the restarted daemon redoes the phase.
                prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)?;
                if let Some(limit) = max_memory {
                    setrlimit(Resource::RLIMIT_AS, limit, limit).map_err(std::io::Error::from)?;
                }
                Ok(())
            });
        }
        let child = cmd.spawn().context("cannot start the worker process")?;
        Ok(Controlled { child, stopped: false, stderr: None, tail: Arc::default() })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Sends SIGSTOP (idempotent).
    pub fn stop(&mut self) {
        if !self.stopped && kill(Pid::from_raw(self.pid() as i32), Signal::SIGSTOP).is_ok() {
            self.stopped = true;
        }
    }

    /// Sends SIGCONT (idempotent).
    pub fn resume(&mut self) {
        if self.stopped && kill(Pid::from_raw(self.pid() as i32), Signal::SIGCONT).is_ok() {
            self.stopped = false;
        }
    }

    /// CPU seconds used and resident bytes, while it runs.
    pub fn usage(&self) -> Option<(f64, u64)> {
        process_usage(self.pid())
    }

    /// The exit, once the process has ended. `output` is the task's output file, where the
    /// worker leaves its reason for a task failure.
    pub fn try_exit(&mut self, output: Option<&Path>) -> anyhow::Result<Option<Exit>> {
        let Some(status) = self.child.try_wait().context("cannot check on the worker process")? else { return Ok(None) };
        // The pipe closed with the process: the reader ends as soon as it has read the last line.
        if let Some(reader) = self.stderr.take() {
            let _ = reader.join();
        }
        let tail: Vec<String> = self.tail.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
        Ok(Some(classify(status, output, &tail)))
    }

    /// Kills it (SIGKILL, after continuing it so it can die) and reaps it.
    pub fn kill(&mut self) {
        self.resume();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Controlled {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

fn classify(status: ExitStatus, output: Option<&Path>, tail: &[String]) -> Exit {
    if status.success() {
        return Exit::Success;
    }
    let reason = || {
        output
            .and_then(|o| std::fs::read_to_string(err_file(o)).ok())
            .unwrap_or_else(|| "the worker gave no reason".into())
    };
    match status.code() {
        Some(EXIT_TASK_FAILED) => return Exit::TaskFailed(reason()),
        Some(EXIT_NEEDS_MEMORY) => return Exit::NeedsMemory(reason()),
        _ => {}
    }
    if let Some(line) = tail.iter().rev().find(|l| l.contains("memory allocation of")) {
        return Exit::NeedsMemory(format!("the worker ran out of memory under the cap ({})", line.trim()));
    }
    let last = tail.iter().rev().find(|l| !l.trim().is_empty()).map(|l| format!("; its last words: {}", l.trim())).unwrap_or_default();
    match status.signal() {
        Some(9) => Exit::Crashed(format!("the worker was killed (SIGKILL: out of memory, or by someone){last}")),
        Some(6) => Exit::Crashed(format!("the worker aborted (SIGABRT){last}")),
        Some(sig) => Exit::Crashed(format!("the worker died of signal {sig}{last}")),
        None => Exit::Crashed(format!("the worker exited with status {}{last}", status.code().unwrap_or(-1))),
    }
}
