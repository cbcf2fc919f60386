//! The program hash: Starknet's Poseidon `poseidon_hash_many` over the program's bytecode.

use lambdaworks_crypto::hash::poseidon::starknet::PoseidonCairoStark252;
use lambdaworks_crypto::hash::poseidon::Poseidon;
use lambdaworks_math::field::element::FieldElement;
use lambdaworks_math::field::fields::fft_friendly::stark_252_prime_field::Stark252PrimeField;
use lambdaworks_math::traits::ByteConversion;

use crate::Felt;

type Fe = FieldElement<Stark252PrimeField>;

/// `poseidon_hash_many(words)`, as Starknet and cairo-lang define it.
pub fn poseidon_hash_many(words: &[Felt]) -> Felt {
    let inputs: Vec<Fe> = words.iter().map(to_lambdaworks).collect();
    let digest = PoseidonCairoStark252::hash_many(&inputs);
    Felt::from_bytes_be(&to_bytes(&digest))
}

/// The identity of a program: `poseidon_hash_many` of its bytecode.
pub fn program_hash(bytecode: &[Felt]) -> Felt {
    poseidon_hash_many(bytecode)
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
    fn order_matters() {
        let a = poseidon_hash_many(&[Felt::from(1u8), Felt::from(2u8)]);
        let b = poseidon_hash_many(&[Felt::from(2u8), Felt::from(1u8)]);
        assert_ne!(a, b);
    }
}
