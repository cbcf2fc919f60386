//! Soundness at the Cairo level: every public-input field tampered with, another program, other
//! args, another output, lowered options, and corrupted bytes are each rejected with a specific
//! error. (The STARK's own components have one tamper test each in proofgrid-stark.)

mod common;

use proofgrid_cairo::{hash::program_hash, Felt, Program, ProgramIdentity};
use proofgrid_prover::{prove, verify, verify_for, CairoProof, ProofOptions, StatementError, VerifyError};
use proofgrid_stark::VerifyError as Stark;
use std::sync::OnceLock;

/// What the job knows of its program: primes.json's identity.
fn job() -> ProgramIdentity {
    Program::load(&common::program_path("primes.json")).unwrap().identity()
}

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

/// Recomputes the program hash after a bytecode or builtin change, so that a later check must
/// notice.
fn rehash(p: &mut CairoProof) {
    p.statement.program_hash = program_hash(&p.statement.builtin_names(), &p.statement.bytecode);
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
    let job = job();
    assert!(matches!(verify_for(&job, &other.statement.args, &other, 0), Err(VerifyError::WrongProgram { .. })));
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
    assert!(matches!(verify_for(&job(), &other_args, h, 0), Err(VerifyError::WrongArgs { .. })));
    verify_for(&job(), &h.statement.args, h, 0).unwrap();
}

#[test]
fn output_word_changed() {
    for i in [2, 3] {
        let mut p = honest().clone();
        p.statement.output[i] += Felt::ONE;
        assert!(matches!(rejected(&p), VerifyError::Stark(Stark::LookupSum)), "output word {i}");
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
    let idx = |p: &CairoProof, b: Builtin| p.statement.builtins.iter().position(|(x, _)| *x == b).unwrap();
    let mut p = honest().clone();
    let rc = idx(&p, Builtin::RangeCheck);
    p.statement.builtins[rc].1.stop -= 1;
    assert!(is_stark(&rejected(&p)), "range_check stop");
    let mut p = honest().clone();
    p.statement.builtins[rc].1.begin += 1;
    assert!(is_stark(&rejected(&p)), "range_check begin");
    let mut p = honest().clone();
    let out = idx(&p, Builtin::Output);
    p.statement.builtins[out].1.begin += 1;
    p.statement.builtins[out].1.stop += 1;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Segments(_))), "output onto range_check");
    let mut p = honest().clone();
    for i in [out, rc] {
        p.statement.builtins[i].1.begin += 1;
        p.statement.builtins[i].1.stop += 1;
    }
    assert!(is_stark(&rejected(&p)), "output and range_check segments moved");
    // The range_check segment moved onto the output segment's cells.
    let mut p = honest().clone();
    let out_seg = p.statement.builtins[out].1;
    let len = p.statement.builtins[rc].1.len();
    p.statement.builtins[rc].1.begin = out_seg.begin;
    p.statement.builtins[rc].1.stop = out_seg.begin + len;
    assert!(matches!(rejected(&p), VerifyError::Statement(StatementError::Segments(_))), "overlapping segments");
}

#[test]
fn unsupported_builtin_is_named() {
    use proofgrid_cairo::{Builtin, SegmentBounds};
    let mut p = honest().clone();
    p.statement.builtins.push((Builtin::Keccak, SegmentBounds { begin: 5000, stop: 5016 }));
    rehash(&mut p);
    let e = rejected(&p);
    assert_eq!(e, VerifyError::Statement(StatementError::UnsupportedBuiltin(Builtin::Keccak)));
    assert!(e.to_string().contains("keccak"));
}

#[test]
fn proof_parameters_changed() {
    // A range table's first value moved: its first row no longer holds it.
    let mut p = honest().clone();
    p.params.offsets.min += 1;
    assert!(is_stark(&rejected(&p)), "offsets min");
    let mut p = honest().clone();
    p.params.limbs.as_mut().unwrap().min += 1;
    assert!(is_stark(&rejected(&p)), "limbs min");
    let mut p = honest().clone();
    p.params.offsets.max -= 1;
    assert!(is_stark(&rejected(&p)), "offsets max");
    let mut p = honest().clone();
    p.params.limbs.as_mut().unwrap().max -= 1;
    assert!(is_stark(&rejected(&p)), "limbs max");
    // Heights the proof was not made for.
    let mut p = honest().clone();
    p.params.cpu_log += 1;
    assert!(matches!(rejected(&p), VerifyError::Stark(Stark::TraceLength { .. })), "cpu height");
    let mut p = honest().clone();
    p.params.memory_log += 1;
    assert!(matches!(rejected(&p), VerifyError::Stark(Stark::TraceLength { .. })), "memory height");
    let mut p = honest().clone();
    p.params.builtin_logs[0] += 1;
    assert!(matches!(rejected(&p), VerifyError::Stark(Stark::TraceLength { .. })), "range_check height");
    // Components the statement does not call for, or missing ones.
    let mut p = honest().clone();
    p.params.limbs = None;
    assert!(matches!(rejected(&p), VerifyError::Params(_)), "no limbs table");
    let mut p = honest().clone();
    p.params.builtin_logs.pop();
    assert!(matches!(rejected(&p), VerifyError::Params(_)), "a missing builtin component");
}

#[test]
fn lowered_security_is_refused() {
    let h = honest();
    let bits = h.stark.options.security_bits();
    assert!(matches!(verify(h, bits + 1), Err(VerifyError::Stark(Stark::SecurityTooLow { .. }))));
    let mut p = h.clone();
    p.stark.options.queries = 1;
    assert!(matches!(verify(&p, 0), Err(VerifyError::Stark(_))), "claimed fewer queries");
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
    let program = Program::load(&common::program_path("corpus/circuit.json")).unwrap();
    let exec = execute(&program, &args::parse(&["3", "2"]).unwrap(), &Limits::default()).unwrap();
    let err = prove(&exec, &ProofOptions::TEST, 1).expect_err("add_mod is not supported");
    assert_eq!(err, proofgrid_prover::ProveError::Statement(StatementError::UnsupportedBuiltin(Builtin::AddMod)));
    assert!(err.to_string().contains("add_mod"), "{err}");
}

fn statement_error(p: &CairoProof) -> StatementError {
    match rejected(p) {
        VerifyError::Statement(e) => e,
        other => panic!("expected a statement error, got {other}"),
    }
}

fn params_error(p: &CairoProof) -> String {
    match rejected(p) {
        VerifyError::Params(e) => e,
        other => panic!("expected a parameter error, got {other}"),
    }
}

/// The statement checks that had no tamper of their own.
#[test]
fn malformed_statements_are_refused_before_any_cryptography() {
    use proofgrid_cairo::Builtin;
    let rc = |p: &CairoProof| p.statement.builtins.iter().position(|(b, _)| *b == Builtin::RangeCheck).unwrap();

    let mut p = honest().clone();
    p.statement.bytecode.clear();
    rehash(&mut p);
    assert!(matches!(statement_error(&p), StatementError::Registers(m) if m.contains("empty")), "empty program");

    let mut p = honest().clone();
    p.statement.initial.fp += 1;
    assert!(matches!(statement_error(&p), StatementError::Registers(_)), "fp differs from ap");

    let k = honest().statement.builtins.len() as u64;
    let mut p = honest().clone();
    p.statement.final_ap = p.statement.initial.ap + k - 1;
    assert!(matches!(statement_error(&p), StatementError::Registers(m) if m.contains("final ap")), "final ap below the builtins");
    let mut p = honest().clone();
    p.statement.final_ap = (1 << 40) + 1;
    assert!(matches!(statement_error(&p), StatementError::Registers(m) if m.contains("final ap")), "final ap above 2^40");

    let mut p = honest().clone();
    let i = rc(&p);
    p.statement.builtins[i].1.stop = p.statement.builtins[i].1.begin - 1;
    assert!(matches!(statement_error(&p), StatementError::Segments(m) if m.contains("malformed")), "stop below begin");

    let mut p = honest().clone();
    let last = p.statement.builtins.last().unwrap().1.stop;
    p.statement.builtins.push((Builtin::Output, proofgrid_cairo::SegmentBounds { begin: last, stop: last }));
    rehash(&mut p);
    assert!(matches!(statement_error(&p), StatementError::Segments(m) if m.contains("twice")), "a builtin twice");

    let mut p = honest().clone();
    p.statement.builtins.retain(|(b, _)| *b != Builtin::Output);
    rehash(&mut p);
    assert!(matches!(statement_error(&p), StatementError::Segments(m) if m.contains("output without")), "output, no builtin");
}

/// The proof-parameter checks that had no tamper of their own.
#[test]
fn malformed_parameters_are_refused() {
    use proofgrid_cairo::Builtin;
    let mut p = honest().clone();
    p.params.offsets.min = p.params.offsets.max + 1;
    assert!(params_error(&p).contains("malformed"), "a range table from above its max");

    let mut p = honest().clone();
    p.params.cpu_log = 2;
    assert!(params_error(&p).contains("outside"), "a component below 8 rows");
    let mut p = honest().clone();
    p.params.memory_log = proofgrid_prover::air::MAX_LOG_HEIGHT + 1;
    assert!(params_error(&p).contains("outside"), "a component above the cap");

    // A range_check segment longer than its component has rows.
    let mut p = honest().clone();
    let i = p.statement.builtins.iter().position(|(b, _)| *b == Builtin::RangeCheck).unwrap();
    let rows = 1u64 << p.params.builtin_logs[0];
    let seg = &mut p.statement.builtins[i].1;
    seg.stop = seg.begin + rows + 1;
    assert!(params_error(&p).contains("exceed"), "range_check segment longer than its rows");
}

#[test]
fn trailing_bytes_and_oversized_proofs_are_decode_errors() {
    use proofgrid_prover::proof::MAX_CAIRO_PROOF_BYTES;
    let mut bytes = honest().to_bytes();
    bytes.push(0);
    assert!(matches!(CairoProof::from_bytes(&bytes), Err(VerifyError::Decode(m)) if m.contains("trailing")));
    let huge = vec![0u8; MAX_CAIRO_PROOF_BYTES + 1];
    assert!(matches!(CairoProof::from_bytes(&huge), Err(VerifyError::Decode(m)) if m.contains("limit")));
}

/// Every STARK-level check, broken one at a time on a real Cairo proof, through the engine's
/// shared harness.
#[test]
fn every_stark_check_rejects_on_a_cairo_proof() {
    let h = honest();
    let verify_stark = |stark: &proofgrid_stark::StarkProof, bits: u32| -> Result<(), Stark> {
        let p = CairoProof { stark: stark.clone(), ..h.clone() };
        match verify(&p, bits) {
            Ok(_) => Ok(()),
            Err(VerifyError::Stark(e)) => Err(e),
            Err(other) => panic!("a STARK tamper was refused before the STARK: {other}"),
        }
    };
    proofgrid_stark::forge::assert_every_check_rejects(&h.stark, &verify_stark);
    let exec = common::run("primes.json", &["2", "40"]);
    proofgrid_stark::forge::assert_cheating_fri_rejected(
        &|cheat| proofgrid_prover::prove_cheating(&exec, &ProofOptions::TEST, cheat).unwrap().stark,
        &verify_stark,
    );
}
