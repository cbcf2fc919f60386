//! The org commands' bad-input cases and help, as a user meets them: each refusal names what is
//! wrong and exits non-zero before anything is served.

mod common;

use common::*;

fn fails(args: &[&str]) -> String {
    let out = org_tool(args);
    assert!(!out.status.success(), "succeeded: {args:?}\n{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "panicked: {err}");
    err
}

fn publish_args<'a>(program: &'a str, shards: &'a str, data: &'a str) -> Vec<&'a str> {
    vec!["publish", program, "--shards", shards, "--name", "t", "--data-dir", data, "--listen", "/ip4/127.0.0.1/tcp/0"]
}

#[test]
fn malformed_and_duplicate_shard_files_are_refused_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let program = repo("cairo/programs/primes.json");
    let (p, d) = (program.to_str().unwrap(), dir.path().join("org"));
    let shards = dir.path().join("bad.jsonl");
    std::fs::write(&shards, "[2, 50]\n[50, 100\n").unwrap();
    let err = fails(&publish_args(p, shards.to_str().unwrap(), d.to_str().unwrap()));
    assert!(err.contains("bad.jsonl, line 2, column"), "{err}");
    std::fs::write(&shards, "[2, 50]\n[50, 100]\n[\"0x2\", 50]\n").unwrap();
    let err = fails(&publish_args(p, shards.to_str().unwrap(), d.to_str().unwrap()));
    assert!(err.contains("line 3") && err.contains("duplicate shard"), "{err}");
    // A wrong argument count anywhere, not only on the first line (the dry run's), is refused
    // while the file streams; and a duplicate far from its first copy is found too.
    let mut lines: Vec<String> = (0..5000).map(|i| format!("[{}, {}]", 2 * i, 2 * i + 1)).collect();
    lines[3000] = "[1, 2, 3]".into();
    std::fs::write(&shards, lines.join("\n")).unwrap();
    let err = fails(&publish_args(p, shards.to_str().unwrap(), d.to_str().unwrap()));
    assert!(err.contains("line 3001") && err.contains("3 arguments") && err.contains("takes 2"), "{err}");
    lines[3000] = "[0, 1]".into();
    std::fs::write(&shards, lines.join("\n")).unwrap();
    let err = fails(&publish_args(p, shards.to_str().unwrap(), d.to_str().unwrap()));
    assert!(err.contains("line 3001") && err.contains("same arguments as line 1"), "{err}");
}

#[test]
fn the_dry_run_refuses_programs_that_cannot_be_proven() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(3, 4)]);
    let (s, d) = (shards.to_str().unwrap(), dir.path().join("org"));
    let d = d.to_str().unwrap();
    let no_echo = repo("cairo/tests/programs/no_echo.cairo");
    let err = fails(&publish_args(no_echo.to_str().unwrap(), s, d));
    assert!(err.contains("does not echo its arguments"), "{err}");

    // add_mod has no component yet.
    let circuit = repo("cairo/programs/corpus/circuit.json");
    let one = dir.path().join("one.jsonl");
    std::fs::write(&one, "[3, 2]\n").unwrap();
    let err = fails(&publish_args(circuit.to_str().unwrap(), one.to_str().unwrap(), d));
    assert!(err.contains("cannot be proven") && err.contains("add_mod"), "{err}");

    let big = shard_file(dir.path(), &[(2, 5000)]);
    let primes = repo("cairo/programs/primes.json");
    let mut args = publish_args(primes.to_str().unwrap(), big.to_str().unwrap(), d);
    args.extend(["--max-steps", "1000"]);
    let err = fails(&args);
    assert!(err.contains("step limit exceeded"), "{err}");
    // Nothing was left by any refused publish: not even the data dir it created.
    assert!(!std::path::Path::new(d).exists(), "a refused publish left {d} behind");
}

#[test]
fn a_locked_data_dir_names_the_process_holding_it_and_status_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50)]);
    let data = dir.path().join("org");
    let program = repo("cairo/programs/primes.json");
    let org = OrgProcess::publish(&data, &program, &shards, &[]);
    let d = data.to_str().unwrap();
    let err = fails(&publish_args(program.to_str().unwrap(), shards.to_str().unwrap(), d));
    let pid = org.child.id().to_string();
    assert!(err.contains("in use by process") && err.contains(&pid) && err.contains("org-tool publish"), "{err}");
    // status reads the serving process's live snapshot instead of the locked database.
    let status = wait_for(std::time::Duration::from_secs(20), "a status snapshot", || {
        let out = org_tool(&["status", "primes-test", "--data-dir", d, "--json"]);
        out.status.success().then(|| json(&out))
    });
    assert_eq!(status["shards_total"], 1);
    assert_eq!(status["counts"]["open"], 1);
    let text_status = org_tool(&["status", "--data-dir", d]);
    assert!(text(&text_status.stdout).contains("live status"), "{}", text(&text_status.stdout));
    // An audit needs the database itself, and says so.
    let err = fails(&["verify", "primes-test", "--data-dir", d]);
    assert!(err.contains("in use by process"), "{err}");
    // SIGTERM stops it cleanly: exit 0, lock and pid file released, the database readable again.
    let mut org = org;
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    assert!(org.wait_exit(std::time::Duration::from_secs(30)).success());
    assert!(!data.join("org.pid").exists());
    let after = org_tool(&["status", "--data-dir", d]);
    assert!(after.status.success() && !text(&after.stdout).contains("live status"), "{}", text(&after.stdout));
}

#[test]
fn keygen_creates_once_and_keeps_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let first = json(&org_tool(&["keygen", "--data-dir", d, "--json"]));
    assert_eq!(first["created"], true);
    let second = json(&org_tool(&["keygen", "--data-dir", d, "--json"]));
    assert_eq!(second["created"], false);
    assert_eq!(first["peer_id"], second["peer_id"]);
}

#[test]
fn unknown_jobs_and_misused_flags_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("nothing");
    let err = fails(&["status", "--data-dir", d.to_str().unwrap()]);
    assert!(err.contains("publish a job first"), "{err}");
    let err = fails(&["verify", "cairo/programs/primes.json", "--args", "2", "3"]);
    assert!(err.contains("--proof"), "{err}");
    let err = fails(&["publish", "x.json", "--shards", "s.jsonl", "--name", "n", "--lease", "ten minutes"]);
    assert!(err.contains("not a duration"), "{err}");
}

#[test]
fn every_org_command_help_has_an_example() {
    for cmd in ["keygen", "publish", "serve", "status", "results", "verify"] {
        let out = org_tool(&[cmd, "--help"]);
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(help.contains("Example") && help.contains(&format!("org-tool {cmd}")), "{cmd}: {help}");
    }
}

fn signal(org: &OrgProcess, name: &str) {
    let ok = std::process::Command::new("kill").args([&format!("-{name}"), &org.child.id().to_string()]).status().unwrap();
    assert!(ok.success(), "kill -{name} failed");
}

#[test]
fn stopped_before_the_job_is_done_publish_exits_non_zero_and_resumes_later() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shard_file(dir.path(), &[(2, 50), (50, 100)]);
    let data = dir.path().join("org");
    // --exit-when-done promises "done" by exit status 0: Ctrl-C short of done is 130, SIGTERM 143.
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let mut org = OrgProcess::publish(&data, &repo("cairo/programs/primes.json"), &shards, &["--exit-when-done"]);
        signal(&org, sig);
        let status = wait_for(std::time::Duration::from_secs(20), "the org to stop", || org.child.try_wait().unwrap());
        assert_eq!(status.code(), Some(code), "SIG{sig}: {}", org.log_text());
        let log = org.log_text();
        assert!(log.contains("2 shards not yet verified") && log.contains("run the same command again"), "{log}");
        assert!(!log.contains("panicked"), "{log}");
    }
    // Without --exit-when-done, a signal is the normal way to stop serving: exit 0.
    let mut org = OrgProcess::publish(&data, &repo("cairo/programs/primes.json"), &shards, &[]);
    assert!(org.log_text().contains("resuming job"), "{}", org.log_text());
    signal(&org, "TERM");
    let status = wait_for(std::time::Duration::from_secs(20), "the org to stop", || org.child.try_wait().unwrap());
    assert_eq!(status.code(), Some(0), "{}", org.log_text());
}

#[test]
fn a_closed_stdout_ends_a_printing_command_without_a_panic() {
    // `org-tool run ... | head -c 0`: the reader is gone before anything is printed.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_org-tool"))
        .args(["run", repo("cairo/programs/primes.json").to_str().unwrap(), "--args", "2", "50"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(13), "ended by SIGPIPE like any Unix tool: {:?}\n{err}", out.status);
}
