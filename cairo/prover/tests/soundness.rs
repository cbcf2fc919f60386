//! Soundness at the Cairo level: every public-input field tampered with, another program, other
//! args, another output, lowered options, and corrupted bytes are each rejected with a specific
//! error. (The STARK's own components have one tamper test each in proofgrid-stark.)

mod common;

use proofgrid_cairo::{hash::program_hash, Felt};
use proofgrid_prover::{prove, verify, verify_for, CairoProof, ProofOptions, StatementError, VerifyError};
use proofgrid_stark::VerifyError as Stark;
use std::sync::OnceLock;

fn honest() -> &'static CairoProof {
    static P: OnceLock<CairoProof> = OnceLock::new();
    P.get_or_init(|| prove(&common::run("primes.json", &["2", "40"]), &ProofOptions::TEST, 2).unwrap())
}

fn rejected(p: &CairoProof) -> VerifyError {
    verify(p, 0).expect_err("tampered proof must be rejected")
}

fn is_stark(e: &VerifyError) -> bool {
    matches!(e, VerifyError::Stark(_))
}

/// Recomputes the program hash after a bytecode change, so that the STARK itself must notice.
fn rehash(p: &mut CairoProof) {
    p.statement.program_hash = program_hash(&p.statement.bytecode);
}

#[test]
fn honest_proof_verifies() {
    verify(honest(), 0).unwrap();
}

#[test]
fn program_word_changed() {
    let mut p = honest().clone();
    p.statement.bytecode[3] += Felt::ONE;
    assert_eq!(rejected(&p), VerifyError::Statement(StatementError::ProgramHash));
    rehash(&mut p);
    assert!(is_stark(&rejected(&p)), "a consistent but different program");
}

#[test]
fn other_program_with_its_own_hash() {
    let other = prove(&common::run("collatz.json", &["1", "5"]), &ProofOptions::TEST, 2).unwrap();
    let mut p = honest().clone();
    p.statement.bytecode = other.statement.bytecode.clone();
    rehash(&mut p);
    assert!(matches!(rejected(&p), VerifyError::Statement(_) | VerifyError::Stark(_)));
    let job_hash = honest().statement.program_hash;
    assert!(matches!(
        verify_for(&job_hash, &other.statement.args, &other, 0),
        Err(VerifyError::WrongProgram { .. })
    ));
}

#[test]
fn args_changed() {
    let mut p = honest().clone();
    p.statement.args[1] += Felt::ONE;
    assert_eq!(rejected(&p), VerifyError::ArgsNotEchoed);
    // Args and echoed output changed together: the output is public memory, so the STARK fails.
    p.statement.output[1] += Felt::ONE;
    assert!(is_stark(&rejected(&p)));
    // The org asks for its own shard's args.
    let h = honest();
    let other_args = vec![Felt::from(2u64), Felt::from(41u64)];
    assert!(matches!(
        verify_for(&h.statement.program_hash, &other_args, h, 0),
        Err(VerifyError::WrongArgs { .. })
    ));
    verify_for(&h.statement.program_hash, &h.statement.args, h, 0).unwrap();
}

#[test]
fn output_word_changed() {
    for i in [2, 3] {
        let mut p = honest().clone();
        p.statement.output[i] += Felt::ONE;
        assert!(matches!(rejected(&p), VerifyError::Stark(Stark::OodConstraintMismatch)), "output word {i}");
    }
    let mut p = honest().clone();
    p.statement.output.pop();
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Segments(_))));
}

#[test]
fn registers_changed() {
    let mut p = honest().clone();
    p.statement.initial.pc += 1;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Registers(_))));
    let mut p = honest().clone();
    p.statement.initial.ap += 1;
    p.statement.initial.fp += 1;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Registers(_))));
    let mut p = honest().clone();
    p.statement.final_ap -= 1;
    assert!(is_stark(&rejected(&p)), "final ap lowered");
    let mut p = honest().clone();
    p.statement.final_ap += 1;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Segments(_))), "final ap into the output");
    let mut p = honest().clone();
    p.statement.final_pc -= 1;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Registers(_))));
}

#[test]
fn segment_bounds_changed() {
    use proofgrid_cairo::Builtin;
    let idx = |p: &CairoProof, b: Builtin| p.statement.segments.builtins.iter().position(|(x, _)| *x == b).unwrap();
    let mut p = honest().clone();
    let rc = idx(&p, Builtin::RangeCheck);
    p.statement.segments.builtins[rc].1.stop -= 1;
    assert!(is_stark(&rejected(&p)), "range_check stop");
    let mut p = honest().clone();
    p.statement.segments.builtins[rc].1.begin += 1;
    assert!(is_stark(&rejected(&p)), "range_check begin");
    let mut p = honest().clone();
    let out = idx(&p, Builtin::Output);
    p.statement.segments.builtins[out].1.begin += 1;
    p.statement.segments.builtins[out].1.stop += 1;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Segments(_))), "output onto range_check");
    let mut p = honest().clone();
    for i in [out, rc] {
        p.statement.segments.builtins[i].1.begin += 1;
        p.statement.segments.builtins[i].1.stop += 1;
    }
    assert!(is_stark(&rejected(&p)), "output and range_check segments moved");
    // The range_check segment moved onto the output segment's cells.
    let mut p = honest().clone();
    let out_seg = p.statement.segments.builtins[out].1;
    let len = p.statement.segments.builtins[rc].1.len();
    p.statement.segments.builtins[rc].1.begin = out_seg.begin;
    p.statement.segments.builtins[rc].1.stop = out_seg.begin + len;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Segments(_))), "overlapping segments");
}

#[test]
fn unsupported_builtin_is_named() {
    use proofgrid_cairo::{Builtin, SegmentBounds};
    let mut p = honest().clone();
    p.statement.segments.builtins.push((Builtin::Bitwise, SegmentBounds { begin: 5000, stop: 5005 }));
    let e = rejected(&p);
    assert_eq!(e, VerifyError::Statement(StatementError::UnsupportedBuiltin(Builtin::Bitwise)));
    assert!(e.to_string().contains("bitwise"));
}

#[test]
fn proof_parameters_changed() {
    for pool in 0..2 {
        let mut p = honest().clone();
        p.params.rc_bounds[pool].0 += 1;
        assert!(is_stark(&rejected(&p)), "pool {pool} min");
        let mut p = honest().clone();
        p.params.rc_bounds[pool].1 -= 1;
        assert!(is_stark(&rejected(&p)), "pool {pool} max");
    }
    let mut p = honest().clone();
    p.params.rc_bounds.pop();
    assert!(matches!(rejected(&p), VerifyError::Params(_)), "a missing pool");
    let mut p = honest().clone();
    p.params.layout.range_check_builtin = false;
    assert!(matches!(rejected(&p), VerifyError::Params(_)), "layout without the builtin");
    let mut p = honest().clone();
    p.params.layout.mem_extra += 1;
    assert!(matches!(rejected(&p), VerifyError::Stark(Stark::Shape(_))), "layout width");
    let mut p = honest().clone();
    p.params.layout.trace_length *= 2;
    assert!(matches!(rejected(&p), VerifyError::Stark(Stark::TraceLength { .. })), "trace length");
}

#[test]
fn lowered_security_is_refused() {
    let h = honest();
    let bits = h.stark.options.security_bits();
    assert!(matches!(verify(h, bits + 1), Err(VerifyError::Stark(Stark::SecurityTooLow { .. }))));
    let mut p = h.clone();
    p.stark.options.queries = 1;
    assert!(matches!(verify(&p, 0), Err(VerifyError::Stark(Stark::Shape(_)))));
}

#[test]
fn corrupted_bytes_are_decode_errors() {
    let bytes = honest().to_bytes();
    let mut v = bytes.clone();
    v[4] = 9;
    assert!(matches!(CairoProof::from_bytes(&v), Err(VerifyError::Decode(m)) if m.contains("version")));
    assert!(matches!(CairoProof::from_bytes(&bytes[..bytes.len() / 2]), Err(VerifyError::Decode(_))));
    assert!(matches!(CairoProof::from_bytes(b"garbage"), Err(VerifyError::Decode(_))));
}

#[test]
fn a_program_using_an_unsupported_builtin_is_refused_before_proving() {
    use proofgrid_cairo::{args, execute, Builtin, Limits, Program};
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/programs/uses_pedersen.json");
    let program = Program::load(&path).unwrap();
    let exec = execute(&program, &args::parse(&["5"]).unwrap(), &Limits::default()).unwrap();
    let err = prove(&exec, &ProofOptions::TEST, 1).expect_err("pedersen is not supported");
    assert_eq!(err, proofgrid_prover::ProveError::Statement(StatementError::UnsupportedBuiltin(Builtin::Pedersen)));
    assert!(err.to_string().contains("pedersen"), "{err}");
}
