//! Process control for the worker: spawn it with its caps (address space via RLIMIT_AS, threads
//! via the task and RAYON_NUM_THREADS), stop and continue it, measure it, and classify how it
//! ended. The decisions of when to stop it live in `governor`.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

use anyhow::Context;
use nix::sys::prctl;
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::sensors::process_usage;
use crate::worker::{err_file, EXIT_TASK_FAILED};

/// How a worker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// The task cannot succeed; the reason, from the worker.
    TaskFailed(String),
    /// Killed by a signal, out of memory, or any other unexpected end: worth a retry.
    Crashed(String),
}

/// A running worker under the daemon's control.
pub struct Controlled {
    child: Child,
    stopped: bool,
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
        Controlled::spawn(cmd, Some(max_memory))
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
        Ok(Controlled { child, stopped: false })
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
        Ok(self.child.try_wait().context("cannot check on the worker process")?.map(|s| classify(s, output)))
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

fn classify(status: ExitStatus, output: Option<&Path>) -> Exit {
    if status.success() {
        return Exit::Success;
    }
    if status.code() == Some(EXIT_TASK_FAILED) {
        let reason = output
            .and_then(|o| std::fs::read_to_string(err_file(o)).ok())
            .unwrap_or_else(|| "the worker gave no reason".into());
        return Exit::TaskFailed(reason);
    }
    match status.signal() {
        Some(9) => Exit::Crashed("the worker was killed (SIGKILL: out of memory, or by someone)".into()),
        Some(6) => Exit::Crashed("the worker aborted (SIGABRT: usually an allocation beyond --max-memory)".into()),
        Some(sig) => Exit::Crashed(format!("the worker died of signal {sig}")),
        None => Exit::Crashed(format!("the worker exited with status {}", status.code().unwrap_or(-1))),
    }
}
