//! Field elements: parsing user-supplied integers, and a compact serde form.
//!
//! Felts travel inside `Execution` and `Statement` between machines, so they are serialised as
//! their canonical 32-byte big-endian encoding (exactly 32 bytes in bincode), and decoding refuses
//! a non-canonical encoding (a value >= P) instead of silently reducing it.

use cairo_vm::Felt252 as Felt;
use num_bigint::BigUint;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// The field prime P = 2^251 + 17 * 2^192 + 1, as a big integer.
pub fn prime() -> BigUint {
    (BigUint::from(1u8) << 251) + (BigUint::from(17u8) << 192) + BigUint::from(1u8)
}

/// Parses one argument: a non-negative decimal ("123") or 0x-hex ("0x7b") integer below P.
///
/// Unlike `Felt::from_str`, nothing is reduced modulo P: a shard's arguments are echoed into the
/// public output, so an argument must mean exactly the integer the organization wrote.
pub fn parse_felt(text: &str) -> Result<Felt, Error> {
    let bad = |reason: &str| Error::BadArg {
        arg: text.to_string(),
        reason: reason.to_string(),
    };
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() {
        return Err(bad("it is empty; write a decimal integer like 123 or a hex one like 0x7b"));
    }
    if text.starts_with('-') {
        return Err(bad("it is negative; arguments are integers in [0, P) where P = 2^251 + 17*2^192 + 1"));
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(bad("it is not an integer; write a decimal integer like 123 or a hex one like 0x7b"));
    }
    let value = BigUint::parse_bytes(digits.as_bytes(), radix)
        .ok_or_else(|| bad("it is not an integer"))?;
    if value >= prime() {
        return Err(bad("it is out of range: arguments must be below the field prime P = 2^251 + 17*2^192 + 1"));
    }
    Ok(Felt::from_bytes_be_slice(&value.to_bytes_be()))
}

/// Decodes a canonical 32-byte big-endian felt, refusing values >= P.
pub fn from_canonical_bytes(bytes: &[u8; 32]) -> Option<Felt> {
    let felt = Felt::from_bytes_be(bytes);
    (felt.to_bytes_be() == *bytes).then_some(felt)
}

/// `#[serde(with = "felt::single")]` for one `Felt`.
pub mod single {
    use super::*;

    pub fn serialize<S: Serializer>(felt: &Felt, s: S) -> Result<S::Ok, S::Error> {
        felt.to_bytes_be().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Felt, D::Error> {
        let bytes = <[u8; 32]>::deserialize(d)?;
        from_canonical_bytes(&bytes).ok_or_else(|| D::Error::custom("felt encoding is not below P"))
    }
}

/// A felt in serde's data model, for use inside containers.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct Wire(#[serde(with = "single")] Felt);

/// `#[serde(with = "felt::vec")]` for `Vec<Felt>`.
pub mod vec {
    use super::*;

    pub fn serialize<S: Serializer>(felts: &[Felt], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(felts.iter().map(|f| Wire(*f)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Felt>, D::Error> {
        Ok(Vec::<Wire>::deserialize(d)?.into_iter().map(|w| w.0).collect())
    }
}

/// `#[serde(with = "felt::option_vec")]` for `Vec<Option<Felt>>` (memory with holes).
pub mod option_vec {
    use super::*;

    pub fn serialize<S: Serializer>(felts: &[Option<Felt>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(felts.iter().map(|f| f.map(Wire)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<Felt>>, D::Error> {
        Ok(Vec::<Option<Wire>>::deserialize(d)?
            .into_iter()
            .map(|w| w.map(|w| w.0))
            .collect())
    }
}

/// `#[serde(with = "felt::addressed_vec")]` for `Vec<(u64, Felt)>` (public memory).
pub mod addressed_vec {
    use super::*;

    pub fn serialize<S: Serializer>(cells: &[(u64, Felt)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(cells.iter().map(|(a, f)| (*a, Wire(*f))))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u64, Felt)>, D::Error> {
        Ok(Vec::<(u64, Wire)>::deserialize(d)?
            .into_iter()
            .map(|(a, w)| (a, w.0))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_and_hex_to_the_same_value() {
        assert_eq!(parse_felt("123").unwrap(), Felt::from(123u64));
        assert_eq!(parse_felt("0x7b").unwrap(), Felt::from(123u64));
        assert_eq!(parse_felt("0X7B").unwrap(), Felt::from(123u64));
    }

    #[test]
    fn accepts_p_minus_one_and_refuses_p() {
        let p = prime();
        let p_minus_one = (&p - 1u8).to_str_radix(10);
        assert_eq!(parse_felt(&p_minus_one).unwrap(), Felt::MAX);
        let err = parse_felt(&p.to_str_radix(10)).unwrap_err().to_string();
        assert!(err.contains("out of range"), "{err}");
        let err = parse_felt(&format!("0x{}", p.to_str_radix(16))).unwrap_err().to_string();
        assert!(err.contains("out of range"), "{err}");
    }

    #[test]
    fn refuses_non_integers_with_the_reason() {
        for (text, reason) in [
            ("", "empty"),
            ("0x", "empty"),
            ("12a", "not an integer"),
            ("1.5", "not an integer"),
            (" 1", "not an integer"),
            ("0xzz", "not an integer"),
            ("-3", "negative"),
        ] {
            let err = parse_felt(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{text:?}: {err}");
            assert!(err.contains(&format!("{text:?}")), "error names the arg: {err}");
        }
    }

    #[test]
    fn canonical_decoding_refuses_p() {
        let mut p_bytes = [0u8; 32];
        let raw = prime().to_bytes_be();
        p_bytes[32 - raw.len()..].copy_from_slice(&raw);
        assert!(from_canonical_bytes(&p_bytes).is_none());
        let one = Felt::ONE.to_bytes_be();
        assert_eq!(from_canonical_bytes(&one), Some(Felt::ONE));
    }
}
