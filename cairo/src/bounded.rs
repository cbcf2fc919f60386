//! Serde helpers that bound what a decoder allocates for data from another machine.
//!
//! bincode's serde decoder grows a `Vec` one element at a time, so a vector costs about its
//! encoded size, except when its elements decode to much more than they encode to (an empty
//! list, a register triple of one-byte varints). Such vectors are decoded through here: the list
//! helpers refuse more elements than any real value has, and [`Counted`] counts a vector's
//! elements without keeping them, so a caller can compare a length with its limit before the
//! real decode allocates for it.

use std::marker::PhantomData;

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::builtin::Builtin;

/// Decodes a sequence of at most `max` elements, refusing a longer one before reading it.
pub fn seq_at_most<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D, max: usize, what: &'static str) -> Result<Vec<T>, D::Error> {
    struct V<T> {
        max: usize,
        what: &'static str,
        _t: PhantomData<T>,
    }
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "at most {} {}", self.max, self.what)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            if seq.size_hint().is_some_and(|n| n > self.max) {
                return Err(A::Error::custom(format!("more than {} {}", self.max, self.what)));
            }
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.max));
            while let Some(x) = seq.next_element()? {
                if out.len() == self.max {
                    return Err(A::Error::custom(format!("more than {} {}", self.max, self.what)));
                }
                out.push(x);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(V { max, what, _t: PhantomData })
}

/// `#[serde(deserialize_with = "bounded::builtins")]`: a builtin list (each builtin at most once).
pub fn builtins<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    seq_at_most(d, Builtin::ALL.len(), "builtins")
}

/// A sequence decoded only to count its elements (each is decoded and dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted<T> {
    pub len: u64,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Counted<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Counted<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Counted<T>, A::Error> {
                let mut len = 0;
                while seq.next_element::<T>()?.is_some() {
                    len += 1;
                }
                Ok(Counted { len, _t: PhantomData })
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Listed {
        #[serde(deserialize_with = "builtins")]
        builtins: Vec<Builtin>,
    }

    #[test]
    fn a_list_longer_than_its_bound_is_refused_and_counting_keeps_nothing() {
        let cfg = bincode::config::standard();
        let ok = Listed { builtins: vec![Builtin::Output, Builtin::Poseidon] };
        let bytes = bincode::serde::encode_to_vec(&ok, cfg).unwrap();
        assert_eq!(bincode::serde::decode_from_slice::<Listed, _>(&bytes, cfg).unwrap().0, ok);
        let long = Listed { builtins: vec![Builtin::Output; 13] };
        let bytes = bincode::serde::encode_to_vec(&long, cfg).unwrap();
        let err = bincode::serde::decode_from_slice::<Listed, _>(&bytes, cfg).unwrap_err().to_string();
        assert!(err.contains("more than 12 builtins"), "{err}");
        let counted: (Counted<Builtin>, usize) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(counted.0.len, 13);
    }
}
