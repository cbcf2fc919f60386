//! Each way a shard can fail gives its own clear error, never a panic.

use std::path::{Path, PathBuf};

use proofgrid_cairo::{args, execute, Error, Felt, Limits, Program, Statement};

fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn primes() -> Program {
    Program::load(&path("programs/primes.json")).unwrap()
}

fn felts(values: &[u64]) -> Vec<Felt> {
    values.iter().map(|v| Felt::from(*v)).collect()
}

#[test]
fn missing_file() {
    let err = Program::load(&path("programs/does_not_exist.json")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("does_not_exist.json"), "{err}");
}

#[test]
fn not_a_program() {
    let shards = path("programs/primes.shards.jsonl");
    let err = Program::load(&shards).unwrap_err().to_string();
    assert!(err.contains("not JSON"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"hello": 1}"#).unwrap();
    let err = Program::load(&other).unwrap_err().to_string();
    assert!(err.contains("neither Cairo 0 compiled JSON"), "{err}");
}

#[test]
fn syntax_error_shows_the_compiler_diagnostic() {
    let err = Program::load(&path("tests/programs/syntax_error.cairo")).unwrap_err();
    let Error::Compile { diagnostics, .. } = &err else { panic!("not a compile error: {err}") };
    // cairo-compile names the file, the line and the column of the bad token.
    assert!(diagnostics.contains("syntax_error.cairo:4:"), "{diagnostics}");
}

#[test]
fn wrong_number_of_args() {
    let err = execute(&primes(), &felts(&[2]), &Limits::default()).unwrap_err();
    assert!(matches!(err, Error::ArgCount { expected: 2, given: 1 }), "{err}");
    assert_eq!(err.to_string(), "the program expects 2 argument(s) but 1 were given");
}

#[test]
fn bad_args_are_refused_before_running() {
    let err = args::parse(&["2", "1e3"]).unwrap_err().to_string();
    assert!(err.contains("\"1e3\"") && err.contains("not an integer"), "{err}");
    let p = "3618502788666131213697322783095070105623107215331596699973092056135872020481";
    let err = args::parse(&["2", p]).unwrap_err().to_string();
    assert!(err.contains("out of range"), "{err}");
}

#[test]
fn program_refusing_its_args_fails_in_the_vm() {
    // primes asserts lo <= hi.
    let err = execute(&primes(), &felts(&[100, 2]), &Limits::default()).unwrap_err();
    assert!(matches!(err, Error::Vm(_)), "{err}");
}

#[test]
fn step_limit() {
    let limits = Limits { max_steps: 5_000, ..Limits::default() };
    let err = execute(&primes(), &felts(&[2, 100]), &limits).unwrap_err();
    assert!(matches!(err, Error::StepLimit { limit: 5_000 }), "{err}");
    assert!(err.to_string().contains("step limit exceeded"), "{err}");
}

#[test]
fn step_limit_is_exact() {
    let steps = execute(&primes(), &felts(&[2, 100]), &Limits::default()).unwrap().steps;
    let exact = Limits { max_steps: steps, ..Limits::default() };
    assert_eq!(execute(&primes(), &felts(&[2, 100]), &exact).unwrap().steps, steps);
    let short = Limits { max_steps: steps - 1, ..Limits::default() };
    assert!(matches!(execute(&primes(), &felts(&[2, 100]), &short), Err(Error::StepLimit { .. })));
}

#[test]
fn memory_limit() {
    let limits = Limits { max_memory_cells: 2_000, ..Limits::default() };
    let err = execute(&primes(), &felts(&[2, 100]), &limits).unwrap_err();
    let Error::MemoryLimit { limit, used } = err else { panic!("not a memory error: {err}") };
    assert_eq!(limit, 2_000);
    assert!(used > limit);
}

#[test]
fn program_that_does_not_echo_its_args() {
    let program = Program::load(&path("tests/programs/no_echo.cairo")).unwrap();
    let execution = execute(&program, &felts(&[3, 4]), &Limits::default()).unwrap();
    assert_eq!(execution.output, felts(&[7]));
    let err = Statement::from_execution(&execution).check_args_echo().unwrap_err();
    assert!(matches!(err, Error::NoArgsEcho { .. }), "{err}");
    assert!(err.to_string().contains("begins with (7)"), "{err}");
}

#[test]
fn program_without_args_needs_none() {
    let program = Program::load(&path("tests/programs/no_args.cairo")).unwrap();
    assert_eq!(program.expected_args(), Some(0));
    let execution = execute(&program, &[], &Limits::default()).unwrap();
    assert_eq!(execution.output, felts(&[0, 1, 1, 2, 3, 5, 8, 13, 21, 34]));
    let err = execute(&program, &felts(&[1]), &Limits::default()).unwrap_err();
    assert!(matches!(err, Error::ArgCount { expected: 0, given: 1 }), "{err}");
}

/// primes.json with one identifier removed, written to a temporary file.
fn primes_without(identifier: &str) -> (tempfile::TempDir, PathBuf) {
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path("programs/primes.json")).unwrap()).unwrap();
    json["identifiers"].as_object_mut().unwrap().remove(identifier).expect("identifier exists");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edited.json");
    std::fs::write(&file, serde_json::to_vec(&json).unwrap()).unwrap();
    (dir, file)
}

#[test]
fn program_compiled_without_proof_mode_is_refused() {
    let (_dir, file) = primes_without("__main__.__start__");
    let err = Program::load(&file).unwrap_err().to_string();
    assert!(err.contains("without --proof_mode"), "{err}");
}

#[test]
fn program_reading_args_without_n_args_is_refused() {
    let (_dir, file) = primes_without("__main__.N_ARGS");
    let err = Program::load(&file).unwrap_err().to_string();
    assert!(err.contains("const N_ARGS"), "{err}");
}
