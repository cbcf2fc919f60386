//! Identifiers that cross the wire.
//!
//! Job ids and program hashes are fixed 32-byte values chosen by the organization (the protocol
//! only compares them), so they are cheap to gossip and to use as map keys.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use libp2p::{Multiaddr, PeerId};

macro_rules! hash_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// Lower-case hex, 64 characters.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Parses 64 hex characters.
            pub fn from_hex(s: &str) -> Result<Self, hex::FromHexError> {
                let mut out = [0u8; 32];
                hex::decode_to_slice(s, &mut out)?;
                Ok(Self(out))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        // Debug shows a short prefix: full hashes drown log lines.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({}…)", stringify!($name), &self.to_hex()[..12])
            }
        }

        impl std::str::FromStr for $name {
            type Err = hex::FromHexError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_hex(s)
            }
        }
    };
}

hash_id!(
    /// A job: [`JobId::derive`]d from the publishing org's peer id, the program hash and a salt
    /// (the org's digest of the job's name and shards), so anyone holding an announcement can
    /// check that the job belongs to the org that names it, and no other peer can claim its id.
    JobId
);

impl JobId {
    /// The job id of `org`'s job running `program` with `salt`.
    pub fn derive(org: &PeerId, program: &ProgramHash, salt: &[u8; 32]) -> JobId {
        use sha3::Digest;
        let mut h = sha3::Sha3_256::new();
        h.update(b"proofgrid-job-id/3");
        let org = org.to_bytes();
        h.update((org.len() as u64).to_be_bytes());
        h.update(&org);
        h.update(program.0);
        h.update(salt);
        JobId(h.finalize().into())
    }
}

hash_id!(
    /// The hash of a job's compiled program bytes, as computed by the program layer. A donor
    /// checks program bytes it fetches against it.
    ProgramHash
);

/// The peer id at the end of a `/p2p/` address.
pub fn peer_id_of(addr: &Multiaddr) -> Option<PeerId> {
    match addr.iter().last() {
        Some(libp2p::multiaddr::Protocol::P2p(id)) => Some(id),
        _ => None,
    }
}

/// The network a peer connects from, as far as limits go: a /24 for IPv4, a /48 for IPv6 (what
/// one site usually has), so one machine's thousand peer ids count as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpPrefix {
    V4([u8; 3]),
    V6([u8; 6]),
}

impl IpPrefix {
    pub fn of(ip: std::net::IpAddr) -> IpPrefix {
        match ip {
            std::net::IpAddr::V4(v4) => {
                let o = v4.octets();
                IpPrefix::V4([o[0], o[1], o[2]])
            }
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpPrefix::of(std::net::IpAddr::V4(v4)),
                None => {
                    let o = v6.octets();
                    IpPrefix::V6([o[0], o[1], o[2], o[3], o[4], o[5]])
                }
            },
        }
    }
}

/// The IP address an address starts with (`/ip4/...` or `/ip6/...`), if it has one.
pub fn ip_of(addr: &Multiaddr) -> Option<std::net::IpAddr> {
    use libp2p::multiaddr::Protocol;
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(ip.into()),
        Protocol::Ip6(ip) => Some(ip.into()),
        _ => None,
    })
}

/// `addr` ending in `/p2p/<peer>` (added unless already there): the form peers are told to dial.
pub fn multiaddr_with_peer(addr: &Multiaddr, peer: PeerId) -> Multiaddr {
    if peer_id_of(addr) == Some(peer) {
        addr.clone()
    } else {
        addr.clone().with(libp2p::multiaddr::Protocol::P2p(peer))
    }
}

/// A shard's position in its job's shard list (0-based).
pub type ShardIndex = u32;

/// Serde for [`PeerId`] as its canonical bytes, without depending on libp2p's optional serde
/// feature.
pub(crate) mod peer_id_bytes {
    use super::PeerId;
    use serde::{de::Error as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(peer: &PeerId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&peer.to_bytes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PeerId, D::Error> {
        let bytes = crate::wire::bytes::deserialize(d)?;
        PeerId::from_bytes(&bytes).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_rejects_short_input() {
        let id = JobId([0xab; 32]);
        assert_eq!(JobId::from_hex(&id.to_hex()).unwrap(), id);
        assert!(JobId::from_hex("abcd").is_err());
        assert_eq!(format!("{id:?}"), "JobId(abababababab…)");
    }
}
