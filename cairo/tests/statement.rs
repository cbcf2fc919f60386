//! `Statement` round-trips through serde + bincode for any contents, and refuses bad bytes.

use proofgrid_cairo::{Builtin, Felt, RegisterState, SegmentBounds, Statement};
use proptest::prelude::*;

fn felt() -> impl Strategy<Value = Felt> {
    // from_bytes_be reduces modulo P, so every 32-byte string gives a canonical felt.
    any::<[u8; 32]>().prop_map(|b| Felt::from_bytes_be(&b))
}

fn bounds() -> impl Strategy<Value = SegmentBounds> {
    (any::<u64>(), any::<u64>()).prop_map(|(begin, stop)| SegmentBounds { begin, stop })
}

fn registers() -> impl Strategy<Value = RegisterState> {
    (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(pc, ap, fp)| RegisterState { pc, ap, fp })
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        prop::collection::vec(felt(), 0..40),
        felt(),
        prop::collection::vec(felt(), 0..6),
        prop::collection::vec(felt(), 0..10),
        registers(),
        (any::<u64>(), any::<u64>()),
        prop::collection::vec((prop::sample::select(Builtin::ALL.to_vec()), bounds()), 0..4),
    )
        .prop_map(|(bytecode, program_hash, args, output, initial, (final_pc, final_ap), builtins)| Statement {
            bytecode,
            program_hash,
            args,
            output,
            initial,
            final_pc,
            final_ap,
            builtins,
        })
}

proptest! {
    #[test]
    fn round_trips(s in statement()) {
        let bytes = s.encode();
        prop_assert_eq!(Statement::decode(&bytes).unwrap(), s);
    }

    #[test]
    fn truncated_or_extended_bytes_are_refused(s in statement(), cut in 1usize..8) {
        let bytes = s.encode();
        let cut = cut.min(bytes.len());
        prop_assert!(Statement::decode(&bytes[..bytes.len() - cut]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert!(Statement::decode(&longer).is_err());
    }

    #[test]
    fn echo_check_accepts_exactly_an_args_prefix(args in prop::collection::vec(felt(), 0..5), rest in prop::collection::vec(felt(), 0..5), flip in any::<prop::sample::Index>()) {
        let mut s = Statement {
            bytecode: vec![], program_hash: Felt::ZERO, args: args.clone(),
            output: [args.clone(), rest].concat(),
            initial: RegisterState { pc: 1, ap: 2, fp: 2 }, final_pc: 5, final_ap: 9,
            builtins: vec![],
        };
        prop_assert!(s.check_args_echo().is_ok());
        if !args.is_empty() {
            let i = flip.index(args.len());
            s.output[i] += Felt::ONE;
            prop_assert!(s.check_args_echo().is_err());
        }
    }
}

#[test]
fn non_canonical_felt_is_refused() {
    let s = Statement {
        bytecode: vec![Felt::from(7u8)],
        program_hash: Felt::ZERO,
        args: vec![],
        output: vec![],
        initial: RegisterState { pc: 1, ap: 3, fp: 3 },
        final_pc: 1,
        final_ap: 3,
        builtins: vec![],
    };
    let mut bytes = s.encode();
    // The bytecode's only felt is its 32 bytes right after the length byte: make it P.
    let p = Felt::MAX.to_bytes_be();
    let at = bytes.iter().position(|&b| b == 7).unwrap() - 31;
    bytes[at..at + 32].copy_from_slice(&p);
    bytes[at + 31] += 1;
    let err = Statement::decode(&bytes).unwrap_err();
    assert!(err.contains("not below P"), "{err}");
}
