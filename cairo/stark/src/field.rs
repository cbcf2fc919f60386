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

    /// Rows of field elements, all of one width (a table's opened leaves), encoded as the width
    /// and then the elements row after row. Decoding builds the rows as it reads, and a row is
    /// never empty, so the decoded rows take at most about twice the bytes they came in: a list
    /// of empty rows, free to encode and not free to hold, cannot be sent.
    pub mod rows {
        use super::*;
        use serde::de::{SeqAccess, Visitor};
        use serde::ser::SerializeTuple;

        struct Flat<'a>(&'a [Vec<Fe>]);

        impl Serialize for Flat<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(Some(self.0.iter().map(Vec::len).sum()))?;
                for x in self.0.iter().flatten() {
                    seq.serialize_element(&to_bytes(x))?;
                }
                seq.end()
            }
        }

        pub fn serialize<S: Serializer>(rows: &[Vec<Fe>], s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::Error as _;
            let width = rows.first().map_or(0, Vec::len);
            if rows.iter().any(|r| r.len() != width || r.is_empty()) {
                return Err(S::Error::custom("rows must be non-empty and of one width"));
            }
            let mut t = s.serialize_tuple(2)?;
            t.serialize_element(&(width as u32))?;
            t.serialize_element(&Flat(rows))?;
            t.end()
        }

        struct RowsVisitor;

        impl<'de> Visitor<'de> for RowsVisitor {
            type Value = Vec<Vec<Fe>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row width and the rows' field elements")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let width: u32 = seq.next_element()?.ok_or_else(|| A::Error::custom("rows without a width"))?;
                seq.next_element_seed(FlatSeed { width: width as usize })?
                    .ok_or_else(|| A::Error::custom("rows without their elements"))
            }
        }

        struct FlatSeed {
            width: usize,
        }

        impl<'de> serde::de::DeserializeSeed<'de> for FlatSeed {
            type Value = Vec<Vec<Fe>>;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_seq(self)
            }
        }

        impl<'de> Visitor<'de> for FlatSeed {
            type Value = Vec<Vec<Fe>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "rows of {} field elements", self.width)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut rows = Vec::new();
                let mut row = Vec::new();
                while let Some(b) = seq.next_element::<[u8; 32]>()? {
                    if self.width == 0 {
                        return Err(A::Error::custom("rows of width 0 hold no elements"));
                    }
                    if row.is_empty() {
                        row.reserve_exact(self.width);
                    }
                    row.push(from_bytes(&b).ok_or_else(|| A::Error::custom("field element is not below the modulus"))?);
                    if row.len() == self.width {
                        rows.push(std::mem::take(&mut row));
                    }
                }
                if !row.is_empty() {
                    return Err(A::Error::custom(format!("the elements do not fill rows of {}", self.width)));
                }
                Ok(rows)
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<Fe>>, D::Error> {
            d.deserialize_tuple(2, RowsVisitor)
        }

        /// The same for optional rows.
        pub mod option {
            use super::*;

            #[derive(Deserialize)]
            #[serde(transparent)]
            struct Wrapped(#[serde(deserialize_with = "super::deserialize")] Vec<Vec<Fe>>);

            pub fn serialize<S: Serializer>(rows: &Option<Vec<Vec<Fe>>>, s: S) -> Result<S::Ok, S::Error> {
                match rows {
                    Some(r) => s.serialize_some(&RowsRef(r)),
                    None => s.serialize_none(),
                }
            }

            struct RowsRef<'a>(&'a [Vec<Fe>]);

            impl Serialize for RowsRef<'_> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    super::serialize(self.0, s)
                }
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Vec<Fe>>>, D::Error> {
                Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
            }
        }
    }

    /// Decodes a sequence of at most `max` elements, refusing a longer one before reading it:
    /// for lists whose elements can be far larger decoded than encoded.
    pub fn seq_at_most<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D, max: usize, what: &'static str) -> Result<Vec<T>, D::Error> {
        use serde::de::{SeqAccess, Visitor};
        struct V<T> {
            max: usize,
            what: &'static str,
            _t: std::marker::PhantomData<T>,
        }
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "at most {} {}", self.max, self.what)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let too_many = || A::Error::custom(format!("more than {} {}", self.max, self.what));
                if seq.size_hint().is_some_and(|n| n > self.max) {
                    return Err(too_many());
                }
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.max));
                while let Some(x) = seq.next_element()? {
                    if out.len() == self.max {
                        return Err(too_many());
                    }
                    out.push(x);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V { max, what, _t: std::marker::PhantomData })
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
