//! The Cairo 1 fixtures of ../shared/cairo1 give the outputs and step counts their README lists.

use std::path::{Path, PathBuf};

use proofgrid_cairo::{args, execute, Builtin, Error, Felt, Limits, Program, ProgramKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("programs/cairo1")
        .join(format!("{name}.executable.json"))
}

fn felts(values: &[u64]) -> Vec<Felt> {
    values.iter().map(|v| Felt::from(*v)).collect()
}

#[test]
fn fixtures_give_the_listed_outputs_and_steps() {
    let cases: [(&str, [u64; 2], [u64; 4], usize); 6] = [
        ("primes", [2, 100], [2, 100, 25, 97], 7_084),
        ("primes", [1000, 1100], [1000, 1100, 16, 1097], 14_606),
        ("primes", [2, 2000], [2, 2000, 303, 1999], 264_655),
        ("collatz", [27, 28], [27, 28, 27, 111], 5_665),
        ("collatz", [1, 30], [1, 30, 27, 111], 21_691),
        ("collatz", [1, 1000], [1, 1000, 871, 178], 2_966_254),
    ];
    for (name, shard, output, steps) in cases {
        let program = Program::load(&fixture(name)).unwrap();
        assert_eq!(program.kind(), ProgramKind::Cairo1);
        assert_eq!(program.expected_args(), None);
        let execution = execute(&program, &felts(&shard), &Limits::default()).unwrap();
        assert_eq!(execution.output, felts(&output), "{name} {shard:?}");
        assert_eq!(execution.steps, steps, "{name} {shard:?}");
        assert_eq!(execution.builtins, [Builtin::Output, Builtin::RangeCheck]);
    }
}

#[test]
fn wrong_argument_count_is_reported_from_the_program() {
    let program = Program::load(&fixture("primes")).unwrap();
    for given in [&["2"][..], &["2", "100", "7"][..]] {
        let err = execute(&program, &args::parse(given).unwrap(), &Limits::default()).unwrap_err();
        assert!(matches!(err, Error::ArgsRejected(_)), "{given:?}: {err}");
        let text = err.to_string();
        assert!(
            text.contains("Failed to deserialize param") || text.contains("Input too long for params"),
            "{text}"
        );
    }
}

#[test]
fn out_of_range_argument_for_a_u64_parameter_is_rejected() {
    let program = Program::load(&fixture("primes")).unwrap();
    let err = execute(&program, &args::parse(&["0x10000000000000000", "3"]).unwrap(), &Limits::default())
        .unwrap_err();
    assert!(matches!(err, Error::ArgsRejected(_)), "{err}");
}

#[test]
fn program_hash_matches_cairo_lang() {
    // poseidon_hash_many over ['proofgrid-program-v1', 2, 'output', 'range_check', len, *bytecode],
    // computed with cairo-lang 0.14.0.1's Python (starkware.cairo.common.poseidon_hash) from the
    // executable's JSON; over the bytecode alone it is 0x40e3e7...6cd83, Starknet's value.
    let program = Program::load(&fixture("primes")).unwrap();
    assert_eq!(
        program.program_hash(),
        Felt::from_hex("0x3779fcebbbedcf6a07ba82ccbbcbf849cdea7460b72cb7bca204b5fc7798ee8").unwrap()
    );
    assert_eq!(
        proofgrid_cairo::hash::poseidon_hash_many(program.bytecode()),
        Felt::from_hex("0x40e3e7339368232fbf50ee448959d1528f8c7380396fc06415b87778826cd83").unwrap()
    );
}
