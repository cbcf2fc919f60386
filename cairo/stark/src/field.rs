//! The field every proof lives in, and its canonical byte encoding.

use lambdaworks_math::field::element::FieldElement;
use lambdaworks_math::field::fields::fft_friendly::stark_252_prime_field::Stark252PrimeField;
use lambdaworks_math::traits::ByteConversion;
use lambdaworks_math::unsigned_integer::element::U256;

/// The Stark252 prime field, p = 2^251 + 17·2^192 + 1: Cairo's own field.
pub type F = Stark252PrimeField;
/// An element of [`F`].
pub type Fe = FieldElement<F>;

/// The field modulus as a big-endian byte string.
const MODULUS_BE: [u8; 32] = {
    // 0x0800000000000011000000000000000000000000000000000000000000000001
    let mut m = [0u8; 32];
    m[0] = 0x08;
    m[7] = 0x11;
    m[31] = 0x01;
    m
};

/// Canonical 32-byte big-endian encoding.
pub fn to_bytes(x: &Fe) -> [u8; 32] {
    let v = x.to_bytes_be();
    let mut out = [0u8; 32];
    out.copy_from_slice(&v);
    out
}

/// Decodes a canonical encoding; `None` for a value that is not below the modulus, so that no
/// field element has two encodings.
pub fn from_bytes(bytes: &[u8; 32]) -> Option<Fe> {
    if bytes.as_slice() >= MODULUS_BE.as_slice() {
        return None;
    }
    Fe::from_bytes_be(bytes).ok()
}

/// `x` as a field element.
pub fn fe(x: u64) -> Fe {
    Fe::from(x)
}

/// A field element from a small signed integer.
pub fn fe_i64(x: i64) -> Fe {
    if x >= 0 {
        Fe::from(x as u64)
    } else {
        -Fe::from(x.unsigned_abs())
    }
}

/// The field element as a `u64` if it fits.
pub fn to_u64(x: &Fe) -> Option<u64> {
    let r: U256 = x.representative();
    if r.limbs[0] == 0 && r.limbs[1] == 0 && r.limbs[2] == 0 {
        Some(r.limbs[3])
    } else {
        None
    }
}

/// Serde support for field elements and vectors of them, as canonical 32-byte strings.
pub mod serde_fe {
    use super::{from_bytes, to_bytes, Fe};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// One field element.
    pub fn serialize<S: Serializer>(x: &Fe, s: S) -> Result<S::Ok, S::Error> {
        to_bytes(x).serialize(s)
    }

    /// One field element, refusing non-canonical encodings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fe, D::Error> {
        let b = <[u8; 32]>::deserialize(d)?;
        from_bytes(&b).ok_or_else(|| D::Error::custom("field element is not below the modulus"))
    }

    /// A vector of field elements.
    pub mod vec {
        use super::*;

        pub fn serialize<S: Serializer>(xs: &[Fe], s: S) -> Result<S::Ok, S::Error> {
            let bytes: Vec<[u8; 32]> = xs.iter().map(to_bytes).collect();
            bytes.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fe>, D::Error> {
            let bytes = Vec::<[u8; 32]>::deserialize(d)?;
            bytes
                .iter()
                .map(|b| {
                    from_bytes(b)
                        .ok_or_else(|| D::Error::custom("field element is not below the modulus"))
                })
                .collect()
        }
    }

    /// An optional field element.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(x: &Option<Fe>, s: S) -> Result<S::Ok, S::Error> {
            x.as_ref().map(to_bytes).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Fe>, D::Error> {
            Option::<[u8; 32]>::deserialize(d)?
                .map(|b| from_bytes(&b).ok_or_else(|| D::Error::custom("field element is not below the modulus")))
                .transpose()
        }
    }

    /// Optional rows of field elements.
    pub mod option_vec_vec {
        use super::*;

        pub fn serialize<S: Serializer>(xs: &Option<Vec<Vec<Fe>>>, s: S) -> Result<S::Ok, S::Error> {
            let bytes: Option<Vec<Vec<[u8; 32]>>> = xs.as_ref().map(|xs| xs.iter().map(|r| r.iter().map(to_bytes).collect()).collect());
            bytes.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Vec<Fe>>>, D::Error> {
            let rows = Option::<Vec<Vec<[u8; 32]>>>::deserialize(d)?;
            rows.map(|rows| {
                rows.iter()
                    .map(|r| {
                        r.iter()
                            .map(|b| from_bytes(b).ok_or_else(|| D::Error::custom("field element is not below the modulus")))
                            .collect()
                    })
                    .collect()
            })
            .transpose()
        }
    }

    /// Rows of field elements.
    pub mod vec_vec {
        use super::*;

        pub fn serialize<S: Serializer>(xs: &[Vec<Fe>], s: S) -> Result<S::Ok, S::Error> {
            let bytes: Vec<Vec<[u8; 32]>> = xs.iter().map(|r| r.iter().map(to_bytes).collect()).collect();
            bytes.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<Fe>>, D::Error> {
            let rows = Vec::<Vec<[u8; 32]>>::deserialize(d)?;
            rows.iter()
                .map(|r| {
                    r.iter()
                        .map(|b| from_bytes(b).ok_or_else(|| D::Error::custom("field element is not below the modulus")))
                        .collect()
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_reject_non_canonical() {
        let x = fe(123456789) * fe(987654321) - fe(5);
        assert_eq!(from_bytes(&to_bytes(&x)), Some(x));
        assert_eq!(from_bytes(&MODULUS_BE), None);
        let minus_one = -fe(1);
        assert_eq!(from_bytes(&to_bytes(&minus_one)), Some(minus_one));
        assert_eq!(to_u64(&fe(42)), Some(42));
        assert_eq!(to_u64(&minus_one), None);
        assert_eq!(fe_i64(-3) + fe(3), fe(0));
    }
}
