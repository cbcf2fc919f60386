//! What an `Execution` holds, checked against the layout the prover relies on (see the
//! `execution` module doc) for a Cairo 0 and a Cairo 1 program.

use std::path::{Path, PathBuf};

use proofgrid_cairo::{execute, hash, Builtin, DecodeLimits, Execution, Felt, Limits, Program, Statement};

fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn run(relative: &str, args: &[u64]) -> Execution {
    let program = Program::load(&path(relative)).unwrap();
    let args: Vec<Felt> = args.iter().map(|v| Felt::from(*v)).collect();
    execute(&program, &args, &Limits::default()).unwrap()
}

fn both() -> [Execution; 2] {
    [
        run("programs/primes.json", &[2, 100]),
        run("programs/cairo1/primes.executable.json", &[2, 100]),
    ]
}

#[test]
fn trace_is_unpadded_and_ends_in_the_end_loop() {
    for e in both() {
        assert_eq!(e.trace.len(), e.steps);
        assert!(!e.steps.is_power_of_two(), "{} looks padded", e.steps);
        let first = e.trace[0];
        let last = *e.trace.last().unwrap();
        assert_eq!(first.pc, 1);
        assert_eq!((first.ap, first.fp), (e.segments.execution.begin, e.segments.execution.begin));
        assert_eq!(last.pc, e.segments.program.stop);
        assert_eq!(last.ap, e.segments.execution.stop);
        // The end loop is `jmp rel 0`: 0x10780017fff7fff followed by 0.
        let end = last.pc as usize;
        assert_eq!(e.memory[end], Some(Felt::from(0x10780017fff7fffu64)));
        assert_eq!(e.memory[end + 1], Some(Felt::ZERO));
    }
}

#[test]
fn memory_holds_the_bytecode_at_address_one() {
    for e in both() {
        assert_eq!(e.memory[0], None);
        let loaded: Vec<Felt> = e.memory[1..=e.bytecode.len()].iter().map(|c| c.unwrap()).collect();
        assert_eq!(loaded, e.bytecode);
        assert_eq!(e.program_hash, hash::program_hash(&e.builtins, &e.bytecode));
        // Every trace step's pc points into the program.
        assert!(e.trace.iter().all(|t| t.pc >= 1 && t.pc <= e.bytecode.len() as u64));
    }
}

#[test]
fn public_memory_layout_is_as_documented() {
    for e in both() {
        let n = e.bytecode.len();
        let base = n as u64 + 1;
        let bases: Vec<u64> = e.segments.builtins.iter().map(|(_, b)| b.begin).collect();
        let stops: Vec<u64> = e.segments.builtins.iter().map(|(_, b)| b.stop).collect();
        let k = bases.len() as u64;
        let final_ap = e.segments.execution.stop;
        let output = e.segments.builtin(Builtin::Output).unwrap();

        let mut expected: Vec<(u64, Felt)> =
            e.bytecode.iter().enumerate().map(|(i, w)| (i as u64 + 1, *w)).collect();
        expected.push((base, Felt::from(base + 2)));
        expected.push((base + 1, Felt::ZERO));
        expected.extend(bases.iter().enumerate().map(|(i, b)| (base + 2 + i as u64, Felt::from(*b))));
        expected.extend(stops.iter().enumerate().map(|(i, s)| (final_ap - k + i as u64, Felt::from(*s))));
        expected.extend((output.begin..output.stop).zip(e.output.iter().copied()));
        assert_eq!(e.public_memory, expected);
        assert_eq!(e.segments.execution.begin, base + 2);
        // Every public cell agrees with memory.
        assert!(e.public_memory.iter().all(|(a, v)| e.memory[*a as usize] == Some(*v)));
    }
}

#[test]
fn builtins_and_output() {
    for e in both() {
        assert_eq!(e.builtins, [Builtin::Output, Builtin::RangeCheck]);
        assert_eq!(e.used_builtins(), [Builtin::Output, Builtin::RangeCheck]);
        assert_eq!(e.output, [2u64, 100, 25, 97].map(Felt::from));
        let rc = e.segments.builtin(Builtin::RangeCheck).unwrap();
        // Every range-checked value is below 2^128.
        let bound = Felt::from(1u128 << 64) * Felt::from(1u128 << 64);
        assert!((rc.begin..rc.stop).all(|a| e.memory[a as usize].unwrap() < bound));
    }
    let fib = run("tests/programs/no_args.cairo", &[]);
    assert_eq!(fib.builtins, [Builtin::Output]);
    assert_eq!(fib.used_builtins(), [Builtin::Output]);
}

#[test]
fn execution_round_trips_through_bincode() {
    for e in both() {
        let bytes = e.encode();
        let limits = |max_bytes| DecodeLimits::bytes(max_bytes);
        assert_eq!(Execution::decode(&bytes, &limits(bytes.len())).unwrap(), e);
        assert!(Execution::decode(&bytes, &limits(bytes.len() - 1)).unwrap_err().contains("limit"));
        assert!(Execution::decode(&bytes[..bytes.len() - 1], &limits(bytes.len())).is_err());
        // The job's limits: its step cap and its program's length, checked before the trace
        // is decoded.
        let job = DecodeLimits { max_bytes: bytes.len(), max_steps: e.steps as u64, bytecode_len: Some(e.bytecode.len()) };
        assert_eq!(Execution::decode(&bytes, &job).unwrap(), e);
        let err = Execution::decode(&bytes, &DecodeLimits { max_steps: e.steps as u64 - 1, ..job }).unwrap_err();
        assert!(err.contains("over the cap"), "{err}");
        let err = Execution::decode(&bytes, &DecodeLimits { bytecode_len: Some(e.bytecode.len() + 1), ..job }).unwrap_err();
        assert!(err.contains("another program"), "{err}");
        // Felts travel as 32 bytes each: the memory dominates the size.
        assert!(bytes.len() < 40 * e.memory.len() + 30 * e.trace.len() + 64 * e.bytecode.len());
        // An older node's trace (no header) and another format version say so.
        let err = Execution::decode(&bytes[6..], &limits(bytes.len())).unwrap_err();
        assert!(err.contains("older node") && err.contains("upgrade"), "{err}");
        let mut other = bytes.clone();
        other[5] ^= 0x40;
        let err = Execution::decode(&other, &limits(bytes.len())).unwrap_err();
        assert!(err.contains("format version") && err.contains("upgrade"), "{err}");
    }
}

#[test]
fn statement_from_execution() {
    for e in both() {
        let s = Statement::from_execution(&e);
        assert_eq!(s.bytecode, e.bytecode);
        assert_eq!(s.initial, e.trace[0]);
        assert_eq!((s.final_pc, s.final_ap), (e.trace.last().unwrap().pc, e.trace.last().unwrap().ap));
        assert_eq!(s.builtins, e.segments.builtins);
        assert!(s.check_program_hash());
        s.check_args_echo().unwrap();
        assert_eq!(s.result(), [25u64, 97].map(Felt::from));
        assert_eq!(Statement::decode(&s.encode()).unwrap(), s);
    }
}

#[test]
fn memory_holes_cost_nothing_to_send_and_are_refused() {
    let mut e = run("tests/programs/no_args.cairo", &[]);
    // A hostile trace: the real memory, then four million empty cells and one filled at the end.
    let filled = e.memory.iter().filter(|c| c.is_some()).count();
    e.memory.resize(e.memory.len() + (4 << 20), None);
    e.memory.push(Some(Felt::ONE));
    let bytes = e.encode();
    assert!(bytes.len() < 64 * (filled + e.trace.len() + 100), "holes are free to encode: {} bytes", bytes.len());
    let err = Execution::decode(&bytes, &DecodeLimits::bytes(1 << 30)).unwrap_err();
    assert!(err.contains("holes"), "{err}");
    // A handful of holes (an `ap += n`, a builtin's unused room) is normal.
    let mut ok = run("tests/programs/no_args.cairo", &[]);
    ok.memory.resize(ok.memory.len() + 1000, None);
    ok.memory.push(Some(Felt::ONE));
    let bytes = ok.encode();
    assert_eq!(Execution::decode(&bytes, &DecodeLimits::bytes(1 << 30)).unwrap(), ok);
}

/// The ecdsa signatures an execution carries must name the segment's instances, in increasing
/// order, and none may come without an ecdsa segment: a decoder of a peer's trace refuses
/// anything else with the reason.
#[test]
fn signatures_must_name_the_ecdsa_instances_in_order() {
    let program = Program::load(&path("programs/corpus/signatures.json")).unwrap();
    let args: Vec<Felt> = [
        "961402640779120116494199688070946729708169893186414498106599600291824840092",
        "66",
        "1675335844326976358187072830826296402879338285926641080113243705398127243624",
        "2892921445311508862282871849372624179317315831599287014657245082578671015517",
        "2",
    ]
    .iter()
    .map(|a| Felt::from_dec_str(a).unwrap())
    .collect();
    let e = execute(&program, &args, &Limits::default()).unwrap();
    assert_eq!(e.signatures.len(), 2, "one per check");
    let decode = |e: &Execution| Execution::decode(&e.encode(), &DecodeLimits::bytes(1 << 24));
    assert_eq!(decode(&e).unwrap(), e);
    let refused = |e: Execution, why: &str| {
        let err = decode(&e).unwrap_err();
        assert!(err.contains(why), "{err}");
    };
    let mut swapped = e.clone();
    swapped.signatures.swap(0, 1);
    refused(swapped, "increasing address order");
    let mut twice = e.clone();
    twice.signatures[1] = twice.signatures[0];
    refused(twice, "increasing address order");
    let mut odd = e.clone();
    odd.signatures[0].address += 1;
    refused(odd, "outside the segment's instances");
    let mut beyond = e.clone();
    beyond.signatures[1].address = e.segments.builtin(Builtin::Ecdsa).unwrap().stop;
    refused(beyond, "outside the segment's instances");
    let mut foreign = run("programs/primes.json", &[2, 20]);
    foreign.signatures = e.signatures.clone();
    refused(foreign, "no ecdsa segment");
}
