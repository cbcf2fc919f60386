//! The program hash: Starknet's Poseidon `poseidon_hash_many` over the program's builtin list and
//! its bytecode.
//!
//! The builtin list is part of a program's identity, not a detail of one run: a program reads its
//! builtin pointers from the cells above the initial ap in declaration order, and which
//! constraints apply to the memory behind each pointer depends on the name at that position.
//! Hashing the bytecode alone let a prover state a run with a builtin left out (its cells then
//! unconstrained) and still match the job's hash. The hashed words are
//!
//! ```text
//! [ 'proofgrid-program-v1', n_builtins, name_1, .., name_k, n_words, word_1, .., word_n ]
//! ```
//!
//! with each builtin name as a Cairo short string (`'range_check'`); the lengths make the encoding
//! unambiguous.

use lambdaworks_crypto::hash::poseidon::starknet::PoseidonCairoStark252;
use lambdaworks_crypto::hash::poseidon::Poseidon;
use lambdaworks_math::field::element::FieldElement;
use lambdaworks_math::field::fields::fft_friendly::stark_252_prime_field::Stark252PrimeField;
use lambdaworks_math::traits::ByteConversion;

use crate::builtin::Builtin;
use crate::Felt;

type Fe = FieldElement<Stark252PrimeField>;

/// `poseidon_hash_many(words)`, as Starknet and cairo-lang define it.
pub fn poseidon_hash_many(words: &[Felt]) -> Felt {
    let inputs: Vec<Fe> = words.iter().map(to_lambdaworks).collect();
    let digest = PoseidonCairoStark252::hash_many(&inputs);
    Felt::from_bytes_be(&to_bytes(&digest))
}

/// Domain tag of the program hash's encoding, as a Cairo short string.
pub const PROGRAM_HASH_TAG: &str = "proofgrid-program-v1";

/// The identity of a program: `poseidon_hash_many` of its builtin list and bytecode (module doc).
pub fn program_hash(builtins: &[Builtin], bytecode: &[Felt]) -> Felt {
    let mut words = Vec::with_capacity(3 + builtins.len() + bytecode.len());
    words.push(short_string(PROGRAM_HASH_TAG));
    words.push(Felt::from(builtins.len() as u64));
    words.extend(builtins.iter().map(|b| short_string(b.name())));
    words.push(Felt::from(bytecode.len() as u64));
    words.extend_from_slice(bytecode);
    poseidon_hash_many(&words)
}

/// `text` as a Cairo short string: its ASCII bytes, big-endian, in one felt (at most 31 bytes).
pub fn short_string(text: &str) -> Felt {
    assert!(text.len() <= 31 && text.is_ascii(), "a short string is at most 31 ASCII bytes");
    Felt::from_bytes_be_slice(text.as_bytes())
}

fn to_lambdaworks(felt: &Felt) -> Fe {
    // A canonical felt is below P, so lambdaworks takes it as is.
    Fe::from_bytes_be(&felt.to_bytes_be()).expect("32 bytes below P decode")
}

fn to_bytes(fe: &Fe) -> [u8; 32] {
    let bytes = fe.to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - bytes.len()..].copy_from_slice(&bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from cairo-lang 0.14.0.1's Python
    // `starkware.cairo.common.poseidon_hash.poseidon_hash_many`.
    #[test]
    fn matches_cairo_lang_reference_values() {
        let h = poseidon_hash_many(&[Felt::from(1u8), Felt::from(2u8), Felt::from(3u8)]);
        assert_eq!(
            h,
            Felt::from_hex("0x2f0d8840bcf3bc629598d8a6cc80cb7c0d9e52d93dab244bbf9cd0dca0ad082").unwrap()
        );
        assert_eq!(
            poseidon_hash_many(&[]),
            Felt::from_hex("0x2272be0f580fd156823304800919530eaa97430e972d7213ee13f4fbf7a5dbc").unwrap()
        );
    }

    #[test]
    fn program_hash_covers_builtins_and_their_order() {
        let code = [Felt::from(5u8), Felt::from(7u8)];
        let (out, rc) = (Builtin::Output, Builtin::RangeCheck);
        let h = program_hash(&[out, rc], &code);
        assert_ne!(h, program_hash(&[out], &code), "a builtin left out");
        assert_ne!(h, program_hash(&[rc, out], &code), "builtins permuted");
        assert_ne!(h, program_hash(&[out, rc, Builtin::Pedersen], &code), "a builtin added");
        assert_ne!(h, program_hash(&[out, rc], &code[..1]), "bytecode changed");
        // Lengths keep the list and the bytecode apart.
        assert_ne!(program_hash(&[], &[short_string("output")]), program_hash(&[out], &[]));
        // The documented encoding.
        let words = [
            short_string(PROGRAM_HASH_TAG),
            Felt::from(2u8),
            short_string("output"),
            short_string("range_check"),
            Felt::from(2u8),
            code[0],
            code[1],
        ];
        assert_eq!(h, poseidon_hash_many(&words));
        // 'output' = 0x6f7574707574, as cairo-lang encodes it.
        assert_eq!(short_string("output"), Felt::from(0x6f7574707574u64));
    }

    #[test]
    fn order_matters() {
        let a = poseidon_hash_many(&[Felt::from(1u8), Felt::from(2u8)]);
        let b = poseidon_hash_many(&[Felt::from(2u8), Felt::from(1u8)]);
        assert_ne!(a, b);
    }
}
