//! The real `node` binary as its owner uses it day to day: the control socket (`status`,
//! `pause`, `resume`, `set`, `stop`), exit codes a script can use, SIGHUP, the warnings and logs
//! an owner needs (an unreachable bootstrap, capped threads), and the settings it refuses.
//! Nothing here needs an org: a node with a bootstrap that does not answer is enough.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use libp2p::identity::Keypair;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);

fn node(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_node")).args(args).env_remove("RUST_LOG").output().expect("node starts")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cairo/programs")
}

/// A bootstrap address nobody answers at: a port just freed, and a peer id nobody has.
fn dead_bootstrap() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("/ip4/127.0.0.1/tcp/{port}/p2p/{}", Keypair::generate_ed25519().public().to_peer_id())
}

/// A `node donate` with default logging (no RUST_LOG), its stderr in `<dir>/stderr.log`.
struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(dir: &Path, extra: &[&str]) -> Daemon {
        std::fs::create_dir_all(dir).unwrap();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("stderr.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_node"))
            .args(["donate", "--data-dir"])
            .arg(dir)
            .args(["--listen", "/ip4/127.0.0.1/tcp/0", "--on-battery"])
            .args(extra)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Daemon { child, dir: dir.to_path_buf() }
    }

    fn d(&self) -> &str {
        self.dir.to_str().unwrap()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// `node status --json` until `pred` holds for a running daemon.
    fn status_when(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        let mut last = Value::Null;
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!("node exited ({exit}) while waiting for {what}:\n{}", self.stderr());
            }
            let out = node(&["status", "--json", "--data-dir", self.d()]);
            if out.status.success() {
                last = serde_json::from_slice(&out.stdout).unwrap();
                if last["running"] == true && pred(&last["status"]) {
                    return last["status"].clone();
                }
            }
            assert!(start.elapsed() < WAIT, "timed out waiting for {what}; last status {last}\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn control(&self, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(["--data-dir", self.d()]);
        node(&all)
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(start.elapsed() < WAIT, "node did not exit:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("node's stderr:\n{}", self.stderr());
        }
    }
}

#[test]
fn commands_for_a_node_that_is_not_running_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("none");
    let d = d.to_str().unwrap();
    let out = node(&["status", "--data-dir", d]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no node is running"), "{}", text(&out.stderr));
    let out = node(&["status", "--json", "--data-dir", d]);
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["running"], false);
    for cmd in [&["pause"][..], &["resume"], &["stop"], &["set", "threads", "1"]] {
        let mut args = cmd.to_vec();
        args.extend(["--data-dir", d]);
        let out = node(&args);
        assert_eq!(out.status.code(), Some(3), "{cmd:?}: {}", text(&out.stderr));
    }
}

/// One daemon through a day of its owner's life: status with its network state and warnings,
/// a pause that survives a restart, live settings, SIGHUP, stop.
#[test]
fn a_running_node_is_watched_and_steered_through_its_control_socket() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("n");
    let boot = dead_bootstrap();
    let mut daemon = Daemon::start(&dir, &["--bootstrap", &boot, "--threads", "1000"]);

    // The unreachable bootstrap is in the status, with its error, and is warned about at the
    // default log level, in plain text.
    let st = daemon.status_when("the bootstrap's failure", |s| s["network"]["bootstrap"][0]["failures"].as_u64() > Some(0));
    let link = &st["network"]["bootstrap"][0];
    assert_eq!(link["label"], boot.as_str());
    assert_eq!(link["connected"], false);
    assert!(link["last_error"].as_str().unwrap().contains("refused"), "{link}");
    assert!(st["warnings"][0].as_str().unwrap().contains("cannot reach the bootstrap peer"), "{st}");
    assert!(st["peer_id"].as_str().unwrap().starts_with("12D3"));
    assert!(st["listen_addrs"][0].as_str().unwrap().starts_with("/ip4/127.0.0.1/tcp/"), "{st}");
    let log = daemon.stderr();
    assert!(log.contains("WARN") && log.contains("cannot reach the bootstrap peer"), "{log}");
    assert!(log.contains("INFO") && log.contains("node started"), "info is the default level: {log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a log file: {log}");
    // --threads 1000 was capped at the cores, and the status says so.
    let cores = std::thread::available_parallelism().unwrap().get() as u64;
    assert_eq!(st["caps"]["threads"], cores);
    assert!(st["caps"]["adjustments"][0].as_str().unwrap().contains("threads 1000 is more than"), "{st}");
    assert!(log.contains("threads 1000 is more than"), "{log}");
    // The default start at the busy share says why.
    assert!(st["share_reason"].as_str().unwrap().contains("busy_cpu_percent"), "{st}");
    // The control socket is its owner's only.
    let socket = dir.join("control.sock");
    assert_eq!(std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777, 0o600);
    let text_status = daemon.control(&["status"]);
    assert!(text_status.status.success());
    let shown = text(&text_status.stdout);
    assert!(shown.contains("NOT REACHABLE") && shown.contains("NEEDS YOU") && shown.contains("CPU share"), "{shown}");

    // Pause, with a reason; it is kept on disk.
    let out = daemon.control(&["pause", "--reason", "a video call"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let st = daemon.status_when("the pause", |s| s["paused"]["reason"] == "by_owner");
    assert!(st["paused"]["explain"].as_str().unwrap().contains("a video call"), "{st}");
    assert!(dir.join("paused.json").exists());

    // Live settings: applied, refused with the reason, or refused as needing a restart.
    let out = daemon.control(&["set", "cpu_percent", "50"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    daemon.status_when("cpu_percent 50", |s| s["caps"]["cpu_percent"].as_f64() == Some(50.0));
    let out = daemon.control(&["set", "cpu_percent", "150"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("outside 0..100"), "{}", text(&out.stderr));
    let out = daemon.control(&["set", "listen", "/ip4/0.0.0.0/tcp/1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("restart"), "{}", text(&out.stderr));

    // SIGHUP re-reads the config file instead of killing the daemon.
    std::fs::write(dir.join("node.toml"), "busy_cpu_percent = 100\nidle_cpu = \"35%\"\n").unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon.child.id() as i32), nix::sys::signal::Signal::SIGHUP).unwrap();
    let st = daemon.status_when("the reloaded config", |s| s["caps"]["idle_cpu_percent"].as_f64() == Some(35.0));
    assert_eq!(st["caps"]["busy_cpu_percent"].as_f64(), Some(100.0));
    assert!(daemon.stderr().contains("SIGHUP: config reloaded"));

    // Stop: the command waits for the exit, the daemon exits 0, status then says so with 3.
    let out = daemon.control(&["stop"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(daemon.wait_exit().success());
    assert!(!socket.exists(), "the socket goes with the daemon");
    let out = daemon.control(&["status"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("not running (last status from"), "{}", text(&out.stdout));

    // The pause holds across the restart, until `node resume`.
    let mut daemon = Daemon::start(&dir, &["--bootstrap", &boot]);
    daemon.status_when("still paused", |s| s["paused"]["reason"] == "by_owner");
    let out = daemon.control(&["resume"]);
    assert!(text(&out.stdout).contains("resumed"), "{}", text(&out.stdout));
    daemon.status_when("resumed", |s| s["paused"].is_null());
    assert!(!dir.join("paused.json").exists());
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon.child.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert!(daemon.wait_exit().success());
}

#[test]
fn log_flags_choose_the_level_and_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("logs/node.log");
    let mut daemon = Daemon::start(&tmp.path().join("n"), &["--bootstrap", &dead_bootstrap(), "--log-file", file.to_str().unwrap()]);
    daemon.status_when("a running node", |s| s["network"]["bootstrap"][0]["failures"].as_u64() > Some(0));
    let logged = std::fs::read_to_string(&file).unwrap();
    assert!(logged.contains("node started") && logged.contains("cannot reach the bootstrap peer"), "{logged}");
    assert!(!logged.contains('\u{1b}'));
    assert!(!daemon.stderr().contains("node started"), "--log-file takes the log off stderr");
    assert!(daemon.control(&["stop"]).status.success());
    assert!(daemon.wait_exit().success());

    let mut quiet = Daemon::start(&tmp.path().join("q"), &["-q", "--bootstrap", &dead_bootstrap()]);
    quiet.status_when("a running node", |s| s["network"]["bootstrap"][0]["failures"].as_u64() > Some(0));
    let log = quiet.stderr();
    assert!(!log.contains("INFO") && log.contains("WARN"), "-q keeps warnings only: {log}");
}

#[test]
fn absurd_settings_are_capped_or_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    // A memory cap no proof fits in is refused at start, with the least that works.
    let out = node(&["donate", "--max-memory", "80M", "--data-dir", tmp.path().join("m").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("max_memory 80.0 MiB is below") && err.contains("use at least"), "{err}");
    assert!(!tmp.path().join("m/state").exists(), "refused before the daemon opened anything");
    // An error says its cause once.
    let out = node(&["prove", "/nonexistent/primes.json", "--args", "2", "50", "-o", tmp.path().join("x").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr).to_lowercase();
    assert_eq!(err.matches("no such file").count(), 1, "{err}");

    // node prove caps its threads at the cores, says so (in plain text on a pipe), and the
    // shard of its help example is a small one.
    let help = text(&node(&["prove", "--help"]).stdout);
    let example = help.lines().find(|l| l.trim_start().starts_with("node prove cairo/programs/primes.json")).expect("an example");
    let args: Vec<&str> = example.split("--args").nth(1).unwrap().split(" -o").next().unwrap().split_whitespace().collect();
    let proof = tmp.path().join("p.proof");
    let mut cmd: Vec<String> = vec!["prove".into(), programs().join("primes.json").display().to_string(), "--args".into()];
    cmd.extend(args.iter().map(|a| a.to_string()));
    cmd.extend(["-o".into(), proof.display().to_string(), "--threads".into(), "100000".into(), "--json".into()]);
    let out = Command::new(env!("CARGO_BIN_EXE_node")).args(&cmd).env_remove("RUST_LOG").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["threads"], std::thread::available_parallelism().unwrap().get() as u64);
    assert!(v["trace_length"].as_u64().unwrap() <= 1 << 14, "the help example proves a {}-row trace", v["trace_length"]);
    let err = text(&out.stderr);
    assert!(err.contains("--threads 100000 is more than this machine's"), "{err}");
    assert!(!err.contains('\u{1b}'), "colour codes on a pipe: {err}");
}
