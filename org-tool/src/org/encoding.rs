//! How Cairo values travel in the protocol's opaque byte fields: the contract between this org
//! and every donor (node/ does the inverse of each function here).
//!
//! | field | bytes |
//! |---|---|
//! | `ProgramHash` | the program hash felt (`Program::program_hash`), 32 bytes big-endian |
//! | `GetProgram` answer | the compiled program JSON (Cairo 0 or Cairo 1 executable): `Program::from_json` |
//! | `Grant.args` | each argument felt as 32 bytes big-endian, concatenated |
//! | `SubmitProof.proof` | `CairoProof::to_bytes` |
//! | `SubmitTrace.trace`, prove `Grant.trace` | `Execution::encode` (bincode 2, standard config) |

use proofgrid_cairo::{felt::from_canonical_bytes, Felt};
use proofgrid_protocol::ProgramHash;

/// The protocol id of a program hash.
pub fn program_id(hash: &Felt) -> ProgramHash {
    ProgramHash(hash.to_bytes_be())
}

/// Arguments for `Grant.args`.
pub fn args_to_bytes(args: &[Felt]) -> Vec<u8> {
    args.iter().flat_map(|a| a.to_bytes_be()).collect()
}

/// Inverse of [`args_to_bytes`], refusing a ragged length or a value not below P.
pub fn args_from_bytes(bytes: &[u8]) -> Result<Vec<Felt>, String> {
    if !bytes.len().is_multiple_of(32) {
        return Err(format!("{} bytes of arguments is not a whole number of 32-byte felts", bytes.len()));
    }
    bytes
        .chunks_exact(32)
        .enumerate()
        .map(|(i, c)| {
            from_canonical_bytes(c.try_into().expect("32 bytes"))
                .ok_or_else(|| format!("argument #{} is not below the field prime", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_round_trip_and_refuse_bad_bytes() {
        let args = vec![Felt::from(2u8), Felt::from(1000u16)];
        let bytes = args_to_bytes(&args);
        assert_eq!(bytes.len(), 64);
        assert_eq!(args_from_bytes(&bytes).unwrap(), args);
        assert!(args_from_bytes(&bytes[..63]).unwrap_err().contains("32-byte"));
        assert!(args_from_bytes(&[0xff; 32]).unwrap_err().contains("prime"));
    }

}
