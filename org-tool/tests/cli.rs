//! org-tool run and compile as a user calls them: exit codes, output, and error messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

fn org_tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_org-tool"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("org-tool starts")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn run_json_gives_output_and_steps() {
    let program = repo("cairo/programs/primes.json");
    let out = org_tool(&["run", path_str(&program), "--args", "2", "0x64", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["output"], serde_json::json!(["2", "100", "25", "97"]));
    assert!(report["steps"].as_u64().unwrap() > 1000);
    assert_eq!(report["builtins"], serde_json::json!(["output", "range_check"]));
    assert_eq!(report["kind"], "cairo0");
}

#[test]
fn run_text_shows_every_field() {
    let program = repo("cairo/programs/cairo1/collatz.executable.json");
    let out = org_tool(&["run", path_str(&program), "--args", "1", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in ["output        1 30 27 111", "steps         21691", "builtins      output, range_check", "memory cells", "wall time"] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn run_says_whether_the_prover_can_prove_the_run() {
    let out = org_tool(&["run", path_str(&repo("cairo/programs/corpus/xorshift.json")), "--args", "5", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("provable      yes"), "{}", stdout(&out));
    // add_mod and mul_mod have no component yet: the dry run still succeeds, and says so.
    let circuit = repo("cairo/programs/corpus/circuit.json");
    let out = org_tool(&["run", path_str(&circuit), "--args", "3", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("provable      NO") && text.contains("add_mod"), "{text}");
    assert!(stderr(&out).contains("cannot be proven"), "{}", stderr(&out));
    let out = org_tool(&["run", path_str(&circuit), "--args", "3", "2", "--json"]);
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["provable"], false);
    assert!(report["not_provable_because"].as_str().unwrap().contains("add_mod"));
}

#[test]
fn run_source_compiles_on_the_fly() {
    let out = org_tool(&["run", path_str(&repo("cairo/programs/collatz.cairo")), "--args", "1", "30", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["output"], serde_json::json!(["1", "30", "27", "111"]));
}

#[test]
fn compile_writes_json_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let compiled = dir.path().join("primes.json");
    let out = org_tool(&["compile", path_str(&repo("cairo/programs/primes.cairo")), "-o", path_str(&compiled)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("program hash 0x"), "{}", stdout(&out));
    let out = org_tool(&["run", path_str(&compiled), "--args", "2", "100", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Runs org-tool expecting failure; returns stderr.
fn fails(args: &[&str]) -> String {
    let out = org_tool(args);
    assert!(!out.status.success(), "succeeded: {args:?}\n{}", stdout(&out));
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "panicked: {err}");
    err
}

#[test]
fn file_not_found() {
    let err = fails(&["run", "no/such/program.json", "--args", "1", "2"]);
    assert!(err.contains("cannot read no/such/program.json"), "{err}");
}

#[test]
fn syntax_error_shows_the_diagnostic() {
    let err = fails(&["compile", path_str(&repo("cairo/tests/programs/syntax_error.cairo"))]);
    assert!(err.contains("the Cairo 0 compiler rejected"), "{err}");
    assert!(err.contains("syntax_error.cairo:4:"), "{err}");
}

#[test]
fn wrong_number_of_args() {
    let err = fails(&["run", path_str(&repo("cairo/programs/primes.json")), "--args", "2"]);
    assert!(err.contains("expects 2 argument(s) but 1 were given"), "{err}");
}

#[test]
fn non_integer_and_out_of_range_args() {
    let program = repo("cairo/programs/primes.json");
    let err = fails(&["run", path_str(&program), "--args", "2", "ten"]);
    assert!(err.contains("\"ten\"") && err.contains("not an integer"), "{err}");
    let err = fails(&["run", path_str(&program), "--args", "-2", "10"]);
    assert!(err.contains("negative"), "{err}");
    let p = "0x800000000000011000000000000000000000000000000000000000000000001";
    let err = fails(&["run", path_str(&program), "--args", "2", p]);
    assert!(err.contains("out of range"), "{err}");
}

#[test]
fn step_and_memory_limits() {
    let program = repo("cairo/programs/primes.json");
    let err = fails(&["run", path_str(&program), "--args", "2", "100", "--max-steps", "1000"]);
    assert!(err.contains("step limit exceeded"), "{err}");
    let err = fails(&["run", path_str(&program), "--args", "2", "100", "--max-memory-cells", "1000"]);
    assert!(err.contains("memory limit exceeded"), "{err}");
}

#[test]
fn program_that_does_not_echo() {
    let err = fails(&["run", path_str(&repo("cairo/tests/programs/no_echo.cairo")), "--args", "3", "4"]);
    assert!(err.contains("does not echo its arguments"), "{err}");
}

#[test]
fn every_command_help_has_an_example() {
    for command in [&["--help"][..], &["run", "--help"], &["compile", "--help"]] {
        let out = org_tool(command);
        assert!(out.status.success());
        assert!(stdout(&out).contains("org-tool "), "{command:?}: {}", stdout(&out));
        assert!(stdout(&out).contains("Example"), "{command:?}: {}", stdout(&out));
    }
}

#[test]
fn program_without_parameters_needs_no_args() {
    let out = org_tool(&["run", path_str(&repo("cairo/tests/programs/no_args.cairo")), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["output"], serde_json::json!(["0", "1", "1", "2", "3", "5", "8", "13", "21", "34"]));
    assert_eq!(report["builtins"], serde_json::json!(["output"]));
}

#[test]
fn a_receive_budget_outside_its_range_is_refused_naming_the_range() {
    let primes = repo("cairo/programs/primes.json");
    let shards = repo("cairo/programs/primes.shards.jsonl");
    for bad in ["10", "100000"] {
        let err = fails(&["publish", path_str(&primes), "--shards", path_str(&shards), "--name", "p", "--receive-budget-mib", bad]);
        assert!(err.contains("--receive-budget-mib") && err.contains("64..=65536"), "{err}");
    }
}
