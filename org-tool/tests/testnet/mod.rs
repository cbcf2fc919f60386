//! A small testnet of real processes on 127.0.0.1 for the end-to-end and fault tests: the
//! `bootstrap` and `node` binaries next to this crate's `org-tool`, each with its own data dir and
//! log under one temporary folder. Everything started is killed and reaped on drop, so a failing
//! assertion leaves nothing running; a failure message carries every log's tail.
//!
//! `node` and `bootstrap` belong to other crates, so cargo does not build them for these tests;
//! `make test` builds the whole workspace first.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The tests of one binary run on threads at once; the machine has two cores and every testnet
/// proves, so they take turns rather than stretch each other's leases and timeouts.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub fn org_tool() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_org-tool"))
}

/// A workspace binary built next to org-tool.
pub fn sibling(name: &str) -> PathBuf {
    let path = org_tool().with_file_name(name);
    assert!(
        path.exists(),
        "{} is missing: this test runs the workspace's binaries; build them first with \
         `cargo build --release --workspace` (make test does)",
        path.display()
    );
    path
}

pub fn primes_program() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cairo/programs/primes.json")
}

/// The reference: the count of primes in [lo, hi) and the largest of them (0 if none), by trial
/// division, as the Cairo program's result columns.
pub fn primes_in(lo: u64, hi: u64) -> (u64, u64) {
    let is_prime = |n: u64| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0);
    let primes: Vec<u64> = (lo..hi).filter(|&n| is_prime(n)).collect();
    (primes.len() as u64, primes.last().copied().unwrap_or(0))
}

/// A number printed by org-tool's JSON, as a string of decimal digits or a number.
pub fn num(v: &serde_json::Value) -> u64 {
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_u64()).unwrap_or_else(|| panic!("not a number: {v}"))
}

/// A process of the testnet, by its index in [`Testnet`].
pub type Id = usize;

struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
}

pub struct Testnet {
    dir: tempfile::TempDir,
    procs: Vec<Proc>,
    _turn: MutexGuard<'static, ()>,
}

impl Testnet {
    pub fn new() -> Testnet {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Testnet { dir: tempfile::tempdir().unwrap(), procs: Vec::new(), _turn: turn }
    }

    /// A path in the testnet's folder, as a string for command lines.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    /// Starts `program args` with stdout and stderr in `<name>.log` (`<name>-2.log` and so on for
    /// a restart under the same name).
    pub fn start(&mut self, name: &str, program: &Path, args: &[&str]) -> Id {
        self.spawn(name, program, args, Some("info,libp2p_kad=error"))
    }

    /// [`Testnet::start`] with the binary's own default logging (no RUST_LOG), as its users run it.
    pub fn start_plain(&mut self, name: &str, program: &Path, args: &[&str]) -> Id {
        self.spawn(name, program, args, None)
    }

    fn spawn(&mut self, name: &str, program: &Path, args: &[&str], rust_log: Option<&str>) -> Id {
        let runs = self.procs.iter().filter(|p| p.name == name).count();
        let log = self.dir.path().join(if runs == 0 { format!("{name}.log") } else { format!("{name}-{}.log", runs + 1) });
        let out = File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let mut command = Command::new(program);
        match rust_log {
            Some(filter) => command.env("RUST_LOG", filter),
            None => command.env_remove("RUST_LOG"),
        };
        let child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        self.procs.push(Proc { name: name.to_string(), child, log });
        self.procs.len() - 1
    }

    /// A bootstrap node listening on `listen` with its state in `bootstrap/` (the same identity
    /// on every start); returns it and its full address once it is listening.
    pub fn bootstrap(&mut self, listen: &str) -> (Id, String) {
        let addr_file = self.path("boot.addr");
        let _ = std::fs::remove_file(&addr_file);
        let args = ["--listen", listen, "--data-dir", &self.path("bootstrap"), "--addr-file", &addr_file];
        let id = self.start("bootstrap", &sibling("bootstrap"), &args);
        let addr = self.wait_file(id, &addr_file, Duration::from_secs(20));
        (id, addr)
    }

    /// `org-tool publish` of primes.json over `ranges` as job `name`, state in `org/`, until
    /// done (`--exit-when-done`), plus `extra` flags; returns once it listens.
    pub fn publish(&mut self, name: &str, ranges: &[(u64, u64)], boot: &str, extra: &[&str]) -> Id {
        let shards = self.dir.path().join("shards.jsonl");
        std::fs::write(&shards, ranges.iter().map(|(lo, hi)| format!("[{lo}, {hi}]\n")).collect::<String>()).unwrap();
        let addr_file = self.path("org.addr");
        let _ = std::fs::remove_file(&addr_file);
        let program = primes_program();
        let (org_dir, shards) = (self.path("org"), shards.to_str().unwrap().to_string());
        let mut args = vec![
            "publish", program.to_str().unwrap(), "--shards", &shards, "--name", name, "--bootstrap", boot,
            "--listen", "/ip4/127.0.0.1/tcp/0", "--addr-file", &addr_file, "--exit-when-done", "--data-dir", &org_dir,
        ];
        args.extend_from_slice(extra);
        let id = self.start("org", &org_tool(), &args);
        self.wait_file(id, &addr_file, Duration::from_secs(30));
        id
    }

    /// `node donate` as `name` (state in `<name>/`) helping `job` in `role`, one worker thread at
    /// full speed even while the machine looks busy (these tests keep it busy), plus `extra`.
    pub fn donor(&mut self, name: &str, role: &str, job: &str, boot: &str, extra: &[&str]) -> Id {
        let data = self.path(name);
        let mut args = vec![
            "donate", "--role", role, "--project", job, "--bootstrap", boot, "--listen", "/ip4/127.0.0.1/tcp/0",
            "--data-dir", &data, "--threads", "1", "--cpu-percent", "100", "--busy-cpu-percent", "100",
        ];
        args.extend_from_slice(extra);
        self.start(name, &sibling("node"), &args)
    }

    /// SIGKILL, and reap.
    pub fn kill9(&mut self, id: Id) {
        let _ = self.procs[id].child.kill();
        self.procs[id].child.wait().unwrap();
    }

    pub fn log(&self, id: Id) -> String {
        std::fs::read_to_string(&self.procs[id].log).unwrap_or_default()
    }

    fn log_tail(&self, id: Id) -> String {
        let text = self.log(id);
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Every log's tail, for a failure message.
    pub fn all_logs(&self) -> String {
        (0..self.procs.len())
            .map(|i| format!("---- {} ({}) ----\n{}\n", self.procs[i].name, self.procs[i].log.display(), self.log_tail(i)))
            .collect()
    }

    /// Fails if any of `must_live` has exited.
    fn check_alive(&mut self, must_live: &[Id]) {
        for &j in must_live {
            if let Some(status) = self.procs[j].child.try_wait().unwrap() {
                panic!("{} exited early with {status}\n{}", self.procs[j].name, self.all_logs());
            }
        }
    }

    /// Polls `f` every 100 ms until it returns Some; fails after `timeout` or once one of
    /// `must_live` exits.
    pub fn wait_until<T>(&mut self, must_live: &[Id], timeout: Duration, what: &str, mut f: impl FnMut(&Self) -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = f(self) {
                return v;
            }
            self.check_alive(must_live);
            if Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what}\n{}", self.all_logs());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for `id` to exit; fails if it does not within `timeout` or one of `must_live` exits first.
    pub fn wait_exit(&mut self, id: Id, must_live: &[Id], timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.procs[id].child.try_wait().unwrap() {
                return status;
            }
            self.check_alive(must_live);
            if Instant::now() > deadline {
                panic!("{} did not finish within {timeout:?}\n{}", self.procs[id].name, self.all_logs());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends `signal` (`libc::SIGHUP`...) to `id`.
    pub fn signal(&self, id: Id, signal: i32) {
        // SAFETY: kill(2) on a child we started and have not reaped; no memory is involved.
        let r = unsafe { libc::kill(self.procs[id].child.id() as i32, signal) };
        assert_eq!(r, 0, "cannot signal {}", self.procs[id].name);
    }

    /// Whether `id` is still running.
    pub fn running(&mut self, id: Id) -> bool {
        self.procs[id].child.try_wait().unwrap().is_none()
    }

    /// Polls until `path` holds a non-empty line, failing after `timeout` or if `id` exits first.
    pub fn wait_file(&mut self, id: Id, path: &str, timeout: Duration) -> String {
        let path = PathBuf::from(path);
        self.wait_until(&[id], timeout, &format!("{}", path.display()), |_| {
            std::fs::read_to_string(&path).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
        })
    }

    /// `org-tool ARGS --data-dir org/`, which must succeed and print JSON.
    pub fn org_json(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(org_tool()).args(args).args(["--data-dir", &self.path("org")]).env("RUST_LOG", "warn").output().unwrap();
        assert!(out.status.success(), "org-tool {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("org-tool {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// A donor's `status.json` (rewritten by the daemon every second), if it is there yet.
    pub fn donor_status(&self, name: &str) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.path().join(name).join("status.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The files a donor's worker wrote under `<name>/work/` with this extension.
    pub fn work_files(&self, name: &str, ext: &str) -> usize {
        std::fs::read_dir(self.dir.path().join(name).join("work"))
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == ext)).count())
            .unwrap_or(0)
    }
}

impl Drop for Testnet {
    fn drop(&mut self) {
        for p in &mut self.procs {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}
