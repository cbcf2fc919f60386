//! The three binaries as people run them for days, with their default logging: what the org
//! says and answers while it serves (`status --live`, `stop`), SIGHUP, unreachable bootstraps
//! and orgs, a donor whose caps refuse every job, publish's warnings and clean failures, and the
//! rough edges of the org's commands (results --pipe's exit status, verify --json on a
//! rejection, one spelling of a program hash).
//!
//! Runs the workspace's `bootstrap` and `node` binaries next to org-tool (`make test` builds
//! them first).

mod testnet;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use testnet::{org_tool, primes_program, sibling, Testnet};

const WAIT: Duration = Duration::from_secs(60);

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program).args(args).env_remove("RUST_LOG").output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn shards(net: &Testnet, ranges: &[(u64, u64)]) -> String {
    let path = net.path("shards.jsonl");
    std::fs::write(&path, ranges.iter().map(|(a, b)| format!("[{a}, {b}]\n")).collect::<String>()).unwrap();
    path
}

/// A bootstrap address nobody answers at.
fn dead_bootstrap(net: &mut Testnet) -> String {
    // A real bootstrap's address, then the bootstrap gone: a valid peer id on a closed port.
    let (boot, addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    net.signal(boot, libc::SIGTERM);
    assert!(net.wait_exit(boot, &[], WAIT).success());
    addr
}

/// `org-tool status --live --json` on `org/`.
fn live(net: &Testnet) -> Output {
    run(&org_tool(), &["status", "--live", "--json", "--data-dir", &net.path("org")])
}

#[test]
fn a_serving_org_logs_at_info_answers_status_and_stops_on_request() {
    let mut net = Testnet::new();
    let (boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let shard_file = shards(&net, &[(2, 50), (50, 100)]);
    let (org_dir, addr_file) = (net.path("org"), net.path("org.addr"));
    let program = primes_program();
    let org = net.start_plain(
        "org",
        &org_tool(),
        &[
            "publish", program.to_str().unwrap(), "--shards", &shard_file, "--name", "primes", "--bootstrap", &boot_addr,
            "--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", &org_dir, "--addr-file", &addr_file,
        ],
    );
    let org_addr = net.wait_file(org, &addr_file, WAIT);
    // Without RUST_LOG, the org says where it listens and that it registered, in plain text.
    net.wait_until(&[org], WAIT, "the registration in the log", |n| n.log(org).contains("registered with the directory").then_some(()));
    let log = net.log(org);
    assert!(log.contains("INFO") && log.contains("org peer listening") && log.contains(&org_addr), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a log file: {log}");

    let v: Value = net.wait_until(&[org], WAIT, "live status with the job", |n| {
        let out = live(n);
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        (out.status.success() && v["jobs"].as_array().is_some_and(|j| !j.is_empty()) && v["bootstrap"][0]["connected"] == true).then_some(v)
    });
    assert_eq!(v["running"], true);
    assert_eq!(org_addr, v["listen_addrs"][0].as_str().unwrap());
    assert_eq!(v["jobs"][0]["name"], "primes");
    assert!(v["jobs"][0].get("results").is_none(), "results stay out of the status");
    let shown = run(&org_tool(), &["status", "--live", "--data-dir", &org_dir]);
    assert!(text(&shown.stdout).contains("serving for") && text(&shown.stdout).contains("connected"), "{}", text(&shown.stdout));

    // SIGHUP, as a closing terminal sends it, leaves both daemons running.
    net.signal(org, libc::SIGHUP);
    net.signal(boot, libc::SIGHUP);
    net.wait_until(&[org, boot], WAIT, "the org's SIGHUP line", |n| n.log(org).contains("SIGHUP").then_some(()));
    net.wait_until(&[org, boot], WAIT, "the bootstrap's SIGHUP line", |n| n.log(boot).contains("SIGHUP").then_some(()));
    assert!(live(&net).status.success());

    // org-tool stop waits for the org to exit; it exits 0 (it was not asked to finish the job).
    let out = run(&org_tool(), &["stop", "--data-dir", &org_dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!net.running(org), "stop returned before the org exited");
    assert!(net.wait_exit(org, &[], WAIT).success(), "{}", net.log(org));
    let out = live(&net);
    assert_eq!(out.status.code(), Some(3), "status --live of a stopped org");
    let out = run(&org_tool(), &["stop", "--data-dir", &org_dir]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("no org is serving"), "{}", text(&out.stderr));
}

#[test]
fn unreachable_bootstraps_and_orgs_are_said_plainly() {
    let mut net = Testnet::new();
    let dead = dead_bootstrap(&mut net);
    // The org warns at the default level, and its live status carries the error.
    let shard_file = shards(&net, &[(2, 50)]);
    let program = primes_program();
    let (org_dir, addr_file) = (net.path("org"), net.path("org.addr"));
    let org = net.start_plain(
        "org",
        &org_tool(),
        &[
            "publish", program.to_str().unwrap(), "--shards", &shard_file, "--name", "primes", "--bootstrap", &dead,
            "--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", &org_dir, "--addr-file", &addr_file,
        ],
    );
    net.wait_until(&[org], WAIT, "the org's warning", |n| n.log(org).contains("cannot reach the bootstrap peer").then_some(()));
    let log = net.log(org);
    assert!(log.contains("WARN") && log.contains("refused"), "{log}");
    let v: Value = serde_json::from_slice(&live(&net).stdout).unwrap();
    assert_eq!(v["bootstrap"][0]["connected"], false);
    assert!(v["bootstrap"][0]["last_error"].as_str().unwrap().contains("refused"), "{v}");
    net.signal(org, libc::SIGTERM);
    assert!(net.wait_exit(org, &[], WAIT).success());

    // node projects: an error that says what was wrong, not a debug dump, and exit 1.
    let out = run(&sibling("node"), &["projects", "--bootstrap", &dead, "--wait", "2s", "--data-dir", &net.path("p")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("could not reach any bootstrap peer") && err.contains("refused"), "{err}");
    assert!(!err.contains("Ok(") && !err.contains("Err("), "{err}");

    // A job whose org stopped is still in the bootstrap's directory (until its entry expires):
    // listed as unreachable, not as open.
    let (_boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org = net.start(
        "org",
        &org_tool(),
        &[
            "publish", program.to_str().unwrap(), "--shards", &shard_file, "--name", "primes", "--bootstrap", &boot_addr,
            "--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", &org_dir, "--addr-file", &addr_file,
        ],
    );
    net.wait_until(&[org], WAIT, "the registration", |n| n.log(org).contains("registered with the directory").then_some(()));
    assert!(run(&org_tool(), &["stop", "--data-dir", &org_dir]).status.success());
    let out = run(&sibling("node"), &["projects", "--bootstrap", &boot_addr, "--wait", "3s", "--json", "--data-dir", &net.path("p")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name"], "primes");
    assert_eq!(list[0]["org_reachable"], false, "{list}");
    let out = run(&sibling("node"), &["projects", "--bootstrap", &boot_addr, "--wait", "3s", "--data-dir", &net.path("p")]);
    let shown = text(&out.stdout);
    assert!(shown.contains("no open jobs found") && shown.contains("their org does not answer"), "{shown}");
    assert!(!shown.contains("Ok(") && !text(&out.stderr).contains("Ok("), "{shown}");

    // A donor that hears of the job but cannot reach its org warns, and its status names the
    // org, the project and the error.
    let data = net.path("d");
    let donor = net.start_plain("d", &sibling("node"), &["donate", "--bootstrap", &boot_addr, "--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", &data]);
    let org_link: Value = net.wait_until(&[donor], WAIT, "the org's failure in the donor's status", |_| {
        let out = run(&sibling("node"), &["status", "--json", "--data-dir", &data]);
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        let link = v["status"]["network"]["orgs"][0].clone();
        (link["failures"].as_u64() > Some(0)).then_some(link)
    });
    assert_eq!(org_link["connected"], false);
    assert_eq!(org_link["label"], "primes");
    assert!(!org_link["last_error"].as_str().unwrap().is_empty(), "{org_link}");
    net.wait_until(&[donor], WAIT, "the donor's warning", |n| n.log(donor).contains("cannot reach the org of primes").then_some(()));
    assert!(n_warns(&net.log(donor), "cannot reach the org of primes") == 1, "warned once, not at every retry: {}", net.log(donor));
}

fn n_warns(log: &str, what: &str) -> usize {
    log.lines().filter(|l| l.contains("WARN") && l.contains(what)).count()
}

/// A donor whose memory cap is below what the org's shards need takes none, starts no worker,
/// and says so in its status and log (the org's estimate is generous, so a shard that passes it
/// fits; see `proofgrid_prover::cost`).
#[test]
fn a_cap_that_refuses_every_job_is_a_warning_not_a_silent_wait() {
    let mut net = Testnet::new();
    let (_boot, boot_addr) = net.bootstrap("/ip4/127.0.0.1/tcp/0");
    let org = net.publish("big", &[(2, 400)], &boot_addr, &["--min-security", "0"]);
    let data = net.path("d");
    let donor = net.start_plain(
        "d",
        &sibling("node"),
        &["donate", "--bootstrap", &boot_addr, "--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", &data, "--max-memory", "300M"],
    );
    let st: Value = net.wait_until(&[org, donor], WAIT, "the donor's warning", |_| {
        let out = run(&sibling("node"), &["status", "--json", "--data-dir", &data]);
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        v["status"]["warnings"].as_array().is_some_and(|w| !w.is_empty()).then(|| v["status"].clone())
    });
    let warning = st["warnings"][0].as_str().unwrap();
    assert!(warning.contains("refuse every job") && warning.contains("big") && warning.contains("max_memory"), "{warning}");
    let skipped = st["projects"][0]["skipped"].as_str().unwrap();
    assert!(skipped.contains("the org's estimate") && skipped.contains("300.0 MiB"), "{skipped}");
    assert!(st["worker"].is_null() && st["projects"][0]["stats"]["produced"] == 0, "{st}");
    net.wait_until(&[org, donor], WAIT, "the warning in the log", |n| n.log(donor).contains("refuse every job").then_some(()));
    let status = net.org_json(&["status", "--json"]);
    assert_eq!(status[0]["donors"].as_array().unwrap().len(), 0, "the donor claimed nothing");
}

#[test]
fn publish_warns_about_big_shards_and_a_failed_one_leaves_nothing_behind() {
    let net = Testnet::new();
    let program = primes_program();
    let p = program.to_str().unwrap();
    // 2^18-row shards: about 3 GiB each, above the donors' default cap.
    let big = shards(&net, &[(2, 1000)]);
    let out = run(&org_tool(), &["publish", p, "--shards", &big, "--name", "big", "--no-serve", "--data-dir", &net.path("big")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("an estimate") && err.contains("more than the 2.0 GiB donors allow by default"), "{err}");
    assert!(err.contains("WARN"), "{err}");

    // A publish that fails in a new data dir leaves no data dir; in an existing one, only what
    // was there.
    let bad = net.path("bad.jsonl");
    std::fs::write(&bad, "[1, 2]\n[not json\n").unwrap();
    let fresh = net.path("fresh");
    let out = run(&org_tool(), &["publish", p, "--shards", &bad, "--name", "x", "--data-dir", &fresh]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!Path::new(&fresh).exists(), "a failed publish left {fresh}");
    let kept = net.path("kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(Path::new(&kept).join("notes.txt"), "mine").unwrap();
    let out = run(&org_tool(), &["publish", "/nonexistent/program.json", "--shards", &big, "--name", "x", "--data-dir", &kept]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.matches("No such file").count() + err.matches("no such file").count(), 1, "the cause said once: {err}");
    let left: Vec<String> = std::fs::read_dir(&kept).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["notes.txt"]);
}

#[test]
fn the_orgs_commands_keep_their_word() {
    let net = Testnet::new();
    let program = primes_program();
    let p = program.to_str().unwrap();
    let data = net.path("org");
    let shard_file = shards(&net, &[(2, 50)]);
    let out = run(&org_tool(), &["publish", p, "--shards", &shard_file, "--name", "primes", "--no-serve", "--data-dir", &data]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // results --pipe returns its command's exit status.
    let out = run(&org_tool(), &["results", "primes", "--pipe", "cat > /dev/null; exit 7", "--data-dir", &data]);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let out = run(&org_tool(), &["results", "primes", "--pipe", "cat > /dev/null", "--data-dir", &data]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The program hash reads the same in run and status.
    let ran: Value = serde_json::from_slice(&run(&org_tool(), &["run", p, "--args", "2", "50", "--json"]).stdout).unwrap();
    let status: Value = serde_json::from_slice(&run(&org_tool(), &["status", "--json", "--data-dir", &data]).stdout).unwrap();
    assert_eq!(ran["program_hash"], status[0]["program_hash"]);
    assert_eq!(ran["program_hash"].as_str().unwrap().len(), 66);

    // verify --json answers a rejection with a JSON object, and exits 1.
    let proof = net.path("p.proof");
    let out = run(&sibling("node"), &["prove", p, "--args", "2", "50", "-o", &proof, "--queries", "8", "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&org_tool(), &["verify", p, "--args", "2", "51", "--proof", &proof, "--min-security", "0", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", text(&out.stdout)));
    assert_eq!(v["verified"], false);
    assert!(!v["reason"].as_str().unwrap().is_empty(), "{v}");
    let out = run(&org_tool(), &["verify", p, "--args", "2", "50", "--proof", &proof, "--min-security", "0", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Without --data-dir, every binary keeps its state under the platform's data dir, never in the
/// working directory.
#[test]
fn default_data_dirs_are_the_platforms() {
    let net = Testnet::new();
    let home = Path::new(&net.path("home")).to_path_buf();
    let cwd = Path::new(&net.path("cwd")).to_path_buf();
    std::fs::create_dir_all(&cwd).unwrap();
    let in_home = |args: &[&str], program: &Path| {
        Command::new(program)
            .args(args)
            .current_dir(&cwd)
            .env("HOME", &home)
            .env_remove("XDG_DATA_HOME")
            .env_remove("PROOFGRID_ORG_DIR")
            .env_remove("PROOFGRID_ORG_DATA_DIR")
            .env_remove("PROOFGRID_BOOTSTRAP_DIR")
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let out = in_home(&["keygen", "--json"], &org_tool());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(key["key_file"].as_str().unwrap(), home.join(".local/share/proofgrid/org/identity.key").to_str().unwrap());
    // The bootstrap: started, then stopped once its address file is written.
    let addr_file = net.path("b.addr");
    let mut boot = Command::new(sibling("bootstrap"))
        .args(["--listen", "/ip4/127.0.0.1/tcp/0", "--addr-file", &addr_file, "-q"])
        .current_dir(&cwd)
        .env("HOME", &home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("PROOFGRID_BOOTSTRAP_DIR")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !Path::new(&addr_file).exists() {
        assert!(start.elapsed() < WAIT, "the bootstrap wrote no address");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(boot.id() as i32, libc::SIGTERM) };
    assert!(boot.wait().unwrap().success());
    assert!(home.join(".local/share/proofgrid/bootstrap/identity.key").exists());
    let out = in_home(&["status", "--json"], &sibling("node"));
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains(home.join(".local/share/proofgrid/node").to_str().unwrap()), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0, "something was created in the working directory");
}
