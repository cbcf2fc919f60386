//! Byte-level encoding shared by the codec and gossip: the wire version, the bincode
//! configuration, and decoding that never allocates more than a bounded multiple of the input.

use serde::{de::DeserializeOwned, Serialize};

use crate::limits::{KIB, MIB};

/// The version byte that starts every frame and every gossip message. Bumped when message
/// layouts change incompatibly (the protocol ids are bumped with it).
pub const WIRE_VERSION: u8 = 1;

/// Why bytes could not be turned into a message (or a message into bytes).
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error(
        "peer speaks wire version {found}, this peer speaks version {WIRE_VERSION}: upgrade the older side"
    )]
    UnknownVersion { found: u8 },
    #[error("unknown {what} kind {kind}")]
    UnknownKind { what: &'static str, kind: u8 },
    #[error("{what} frame of {len} bytes exceeds the {cap}-byte cap for its kind")]
    TooLarge {
        what: &'static str,
        len: usize,
        cap: usize,
    },
    #[error("{what} header announced kind {header} but the payload holds kind {payload}")]
    KindMismatch {
        what: &'static str,
        header: u8,
        payload: u8,
    },
    #[error("undecodable {what}: {detail}")]
    Decode { what: &'static str, detail: String },
    #[error("{what} has {extra} trailing bytes")]
    Trailing { what: &'static str, extra: usize },
    #[error("empty message")]
    Empty,
    #[error("could not encode {what}: {detail}")]
    Encode { what: &'static str, detail: String },
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes `value` with the project's bincode configuration (no version byte).
pub fn encode<T: Serialize>(value: &T, what: &'static str) -> Result<Vec<u8>, WireError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| WireError::Encode {
        what,
        detail: e.to_string(),
    })
}

/// Decodes exactly `payload` (trailing bytes are an error).
///
/// bincode allocates a declared container length before reading it, so its byte limit must not
/// be far above what the payload could really hold: we pick the smallest tier that covers the
/// payload, which bounds any allocation to at most 8x the input (or 64 KiB).
pub fn decode<T: DeserializeOwned>(payload: &[u8], what: &'static str) -> Result<T, WireError> {
    let n = payload.len();
    let result = if n <= 64 * KIB {
        decode_with_limit::<{ 64 * KIB }, T>(payload)
    } else if n <= 512 * KIB {
        decode_with_limit::<{ 512 * KIB }, T>(payload)
    } else if n <= 4 * MIB {
        decode_with_limit::<{ 4 * MIB }, T>(payload)
    } else if n <= 32 * MIB {
        decode_with_limit::<{ 32 * MIB }, T>(payload)
    } else {
        decode_with_limit::<{ 256 * MIB }, T>(payload)
    };
    let (value, used) = result.map_err(|e| WireError::Decode {
        what,
        detail: e.to_string(),
    })?;
    if used != n {
        return Err(WireError::Trailing {
            what,
            extra: n - used,
        });
    }
    Ok(value)
}

fn decode_with_limit<const N: usize, T: DeserializeOwned>(
    payload: &[u8],
) -> Result<(T, usize), bincode::error::DecodeError> {
    bincode::serde::decode_from_slice(payload, config().with_limit::<N>())
}

/// `[WIRE_VERSION][bincode]`: the envelope for messages that are not framed by the codec
/// (gossip).
pub fn encode_versioned<T: Serialize>(value: &T, what: &'static str) -> Result<Vec<u8>, WireError> {
    let mut out = vec![WIRE_VERSION];
    out.extend(encode(value, what)?);
    Ok(out)
}

/// Inverse of [`encode_versioned`], with the size cap checked first.
pub fn decode_versioned<T: DeserializeOwned>(
    bytes: &[u8],
    cap: usize,
    what: &'static str,
) -> Result<T, WireError> {
    if bytes.len() > cap {
        return Err(WireError::TooLarge {
            what,
            len: bytes.len(),
            cap,
        });
    }
    match bytes.split_first() {
        None => Err(WireError::Empty),
        Some((&WIRE_VERSION, rest)) => decode(rest, what),
        Some((&found, _)) => Err(WireError::UnknownVersion { found }),
    }
}

/// Serde for `Vec<u8>` as one byte string. bincode then reads it in one go (checked against the
/// decode limit) instead of element by element, which matters for 32 MiB proofs.
pub mod bytes {
    use serde::{de, Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(BytesVisitor)
    }

    struct BytesVisitor;

    impl<'de> de::Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a byte string")
        }

        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        // Self-describing formats (JSON in tools and logs) present bytes as a sequence.
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64 * 1024));
            while let Some(b) = seq.next_element()? {
                out.push(b);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Blob(#[serde(with = "bytes")] Vec<u8>);

    #[test]
    fn declared_length_beyond_the_input_is_an_error_not_an_allocation() {
        // A varint length of u64::MAX followed by nothing: bincode must refuse on the limit
        // rather than try to allocate it.
        let mut evil = vec![0xff];
        evil.extend(u64::MAX.to_le_bytes());
        let err = decode::<Blob>(&evil, "blob").unwrap_err();
        assert!(matches!(err, WireError::Decode { .. }), "{err}");
    }

    #[test]
    fn version_byte_is_checked() {
        let good = encode_versioned(&Blob(vec![1, 2, 3]), "blob").unwrap();
        assert_eq!(
            decode_versioned::<Blob>(&good, 100, "blob").unwrap(),
            Blob(vec![1, 2, 3])
        );
        let mut bad = good.clone();
        bad[0] = 9;
        let err = decode_versioned::<Blob>(&bad, 100, "blob").unwrap_err();
        assert!(err.to_string().contains("wire version 9"), "{err}");
        assert!(matches!(
            decode_versioned::<Blob>(&good, 2, "blob"),
            Err(WireError::TooLarge { .. })
        ));
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let mut b = encode(&Blob(vec![7]), "blob").unwrap();
        b.push(0);
        assert!(matches!(
            decode::<Blob>(&b, "blob"),
            Err(WireError::Trailing { extra: 1, .. })
        ));
    }
}
