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

/// `#[serde(with = "felt::memory")]` for relocated memory (`Vec<Option<Felt>>` indexed by
/// address): its length, then the runs of filled cells as `(first address, values)`.
///
/// A hole costs nothing to encode, so holes are what a hostile sender would use to make the
/// decoder allocate: decoding refuses more holes than filled cells plus [`MAX_EXTRA_HOLES`],
/// which bounds the decoded memory to about 2.5 times the bytes received (plus a constant). Real
/// executions have few holes: the cells `ap += n` skips and the unused room after a builtin's
/// last instance.
pub mod memory {
    use super::*;
    use serde::de::{SeqAccess, Visitor};
    use serde::ser::SerializeTuple;

    /// Holes allowed beyond one per filled cell.
    pub const MAX_EXTRA_HOLES: u64 = 1 << 16;

    struct Runs<'a>(&'a [Option<Felt>]);

    impl Serialize for Runs<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut runs: Vec<(u64, &[Option<Felt>])> = Vec::new();
            let mut i = 0;
            while i < self.0.len() {
                if self.0[i].is_none() {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < self.0.len() && self.0[i].is_some() {
                    i += 1;
                }
                runs.push((start as u64, &self.0[start..i]));
            }
            s.collect_seq(runs.iter().map(|(start, cells)| (*start, Filled(cells))))
        }
    }

    struct Filled<'a>(&'a [Option<Felt>]);

    impl Serialize for Filled<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|f| Wire(f.expect("a run holds filled cells only"))))
        }
    }

    pub fn serialize<S: Serializer>(memory: &[Option<Felt>], s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&(memory.len() as u64))?;
        t.serialize_element(&Runs(memory))?;
        t.end()
    }

    struct MemoryVisitor;

    impl<'de> Visitor<'de> for MemoryVisitor {
        type Value = Vec<Option<Felt>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a memory length and its runs of filled cells")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let len: u64 = seq.next_element()?.ok_or_else(|| A::Error::custom("memory without a length"))?;
            let runs = seq
                .next_element_seed(RunsSeed { len })?
                .ok_or_else(|| A::Error::custom("memory without its runs"))?;
            Ok(runs)
        }
    }

    struct RunsSeed {
        len: u64,
    }

    impl<'de> serde::de::DeserializeSeed<'de> for RunsSeed {
        type Value = Vec<Option<Felt>>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for RunsSeed {
        type Value = Vec<Option<Felt>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("runs of filled memory cells")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut memory: Vec<Option<Felt>> = Vec::new();
            let mut filled = 0u64;
            let holes_ok = |holes: u64, filled: u64| holes <= filled.saturating_add(MAX_EXTRA_HOLES);
            while let Some((start, cells)) = seq.next_element::<(u64, Vec<Wire>)>()? {
                let at = memory.len() as u64;
                // Runs are maximal (a run never starts where the previous one ended), so every
                // memory has one encoding.
                let joins = start == at && at > 0;
                if cells.is_empty() || start < at || joins || start.saturating_add(cells.len() as u64) > self.len {
                    return Err(A::Error::custom(format!(
                        "memory run at {start} of {} cells is empty, overlaps or extends an earlier one, or ends past the length {}",
                        cells.len(),
                        self.len
                    )));
                }
                filled += cells.len() as u64;
                // Every address below this run's end is a filled cell or a hole.
                let holes = start + cells.len() as u64 - filled;
                if !holes_ok(holes, filled) {
                    return Err(A::Error::custom(format!("memory has {holes} holes for {filled} filled cells")));
                }
                memory.resize(start as usize, None);
                memory.extend(cells.into_iter().map(|w| Some(w.0)));
            }
            let holes = self.len - filled;
            if !holes_ok(holes, filled) {
                return Err(A::Error::custom(format!("memory has {holes} holes for {filled} filled cells")));
            }
            memory.resize(self.len as usize, None);
            Ok(memory)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<Felt>>, D::Error> {
        d.deserialize_tuple(2, MemoryVisitor)
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

/// ecdsa signatures as (address, r, w) with canonical felts.
pub mod signatures {
    use super::*;
    use crate::execution::SignatureWitness;

    pub fn serialize<S: Serializer>(sigs: &[SignatureWitness], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(sigs.iter().map(|g| (g.address, Wire(g.r), Wire(g.w))))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SignatureWitness>, D::Error> {
        Ok(Vec::<(u64, Wire, Wire)>::deserialize(d)?
            .into_iter()
            .map(|(address, r, w)| SignatureWitness { address, r: r.0, w: w.0 })
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
