//! How program-layer values travel in the protocol's opaque byte fields. This is the contract
//! with `org-tool` (both sides must agree byte for byte):
//!
//! | field | bytes |
//! |---|---|
//! | `ProgramHash` | the program hash felt (`Program::program_hash`), 32 bytes big-endian |
//! | `Grant.args` | each argument felt as 32 bytes big-endian, concatenated |
//! | `WorkResponse::Program.bytes` | the compiled program JSON, as `Program::from_json` reads it |
//! | `SubmitTrace.trace`, `Grant.trace` | `Execution::encode` (bincode) |
//! | `SubmitProof.proof` | `CairoProof::to_bytes` |

use std::path::Path;

use proofgrid_cairo::{felt, Felt, Program};
use proofgrid_protocol::ProgramHash;

pub fn program_hash_of(program: &Program) -> ProgramHash {
    ProgramHash(program.program_hash().to_bytes_be())
}

pub fn encode_args(args: &[Felt]) -> Vec<u8> {
    args.iter().flat_map(|a| a.to_bytes_be()).collect()
}

pub fn decode_args(bytes: &[u8]) -> Result<Vec<Felt>, String> {
    if !bytes.len().is_multiple_of(32) {
        return Err(format!("shard arguments are {} bytes, not a whole number of 32-byte field elements", bytes.len()));
    }
    bytes
        .chunks_exact(32)
        .enumerate()
        .map(|(i, c)| {
            felt::from_canonical_bytes(c.try_into().expect("32-byte chunk"))
                .ok_or_else(|| format!("shard argument #{} is not below the field prime", i + 1))
        })
        .collect()
}

/// Parses program bytes received for `expected` and checks they hash to it. A program whose
/// hash differs is refused: it is not the program the org announced, and running it would prove
/// nothing the org can use (or run code nobody vouched for).
pub fn check_program(bytes: &[u8], expected: &ProgramHash) -> Result<Program, String> {
    let program = Program::from_json(bytes, Path::new(&format!("program {}", expected.to_hex())))
        .map_err(|e| e.to_string())?;
    let actual = program_hash_of(&program);
    if actual != *expected {
        return Err(format!(
            "program hash mismatch: the org announced {} but the bytes it sent hash to {}; refusing to run it",
            expected.to_hex(),
            actual.to_hex()
        ));
    }
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_round_trip_and_reject_bad_lengths() {
        let args = vec![Felt::from(2u8), Felt::from(1000u32)];
        let bytes = encode_args(&args);
        assert_eq!(bytes.len(), 64);
        assert_eq!(decode_args(&bytes).unwrap(), args);
        assert!(decode_args(&bytes[..63]).is_err());
        assert!(decode_args(&[0xff; 32]).unwrap_err().contains("prime"));
    }
}
