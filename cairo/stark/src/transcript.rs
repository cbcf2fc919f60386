//! The Fiat-Shamir transcript: lambdaworks' Keccak transcript, plus index sampling and grinding.

use crate::field::{Fe, F};
use lambdaworks_crypto::fiat_shamir::default_transcript::DefaultTranscript;
use lambdaworks_crypto::fiat_shamir::is_transcript::IsTranscript;
use rayon::prelude::*;
use sha3::{Digest, Keccak256};

/// Everything the prover says goes in; every challenge comes out of it.
pub struct Transcript {
    inner: DefaultTranscript<F>,
}

impl Transcript {
    /// A transcript bound to a protocol label.
    pub fn new(label: &[u8]) -> Self {
        Self { inner: DefaultTranscript::new(label) }
    }

    pub fn absorb_bytes(&mut self, bytes: &[u8]) {
        // Length-prefix so that two different sequences of appends never give the same stream.
        self.inner.append_bytes(&(bytes.len() as u64).to_be_bytes());
        self.inner.append_bytes(bytes);
    }

    pub fn absorb_fe(&mut self, x: &Fe) {
        self.inner.append_field_element(x);
    }

    pub fn absorb_fes(&mut self, xs: &[Fe]) {
        self.inner.append_bytes(&(xs.len() as u64).to_be_bytes());
        for x in xs {
            self.inner.append_field_element(x);
        }
    }

    /// A uniformly random field element.
    pub fn challenge(&mut self) -> Fe {
        self.inner.sample_field_element()
    }

    pub fn challenges(&mut self, n: usize) -> Vec<Fe> {
        (0..n).map(|_| self.challenge()).collect()
    }

    /// A uniformly random index below `bound`, a power of two. (lambdaworks' own `sample_u64`
    /// reads the state without advancing it, so it would return the same index every time.)
    pub fn index(&mut self, bound: usize) -> usize {
        debug_assert!(bound.is_power_of_two());
        let bytes = self.inner.sample();
        let v = u64::from_be_bytes(bytes[..8].try_into().expect("32-byte digest"));
        (v as usize) & (bound - 1)
    }

    /// The state grinding is bound to.
    pub fn grinding_seed(&self) -> [u8; 32] {
        self.inner.state()
    }
}

/// True if `nonce` gives at least `bits` leading zero bits on `seed`.
pub fn grinding_ok(seed: &[u8; 32], nonce: u64, bits: u8) -> bool {
    if bits == 0 {
        return true;
    }
    let mut h = Keccak256::new();
    h.update(b"proofgrid-grind");
    h.update(seed);
    h.update(nonce.to_be_bytes());
    let digest = h.finalize();
    let head = u64::from_be_bytes(digest[..8].try_into().expect("32-byte digest"));
    head.leading_zeros() >= bits as u32
}

/// Finds a nonce for `bits` of proof of work on `seed`, on the current rayon pool.
pub fn grind(seed: &[u8; 32], bits: u8) -> u64 {
    if bits == 0 {
        return 0;
    }
    const CHUNK: u64 = 1 << 14;
    (0u64..u64::MAX / CHUNK)
        .into_par_iter()
        .find_map_first(|c| (c * CHUNK..(c + 1) * CHUNK).find(|&n| grinding_ok(seed, n, bits)))
        .expect("a nonce exists long before 2^64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_differ_and_grinding_checks() {
        let mut t = Transcript::new(b"test");
        let a: Vec<usize> = (0..8).map(|_| t.index(1 << 20)).collect();
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert!(distinct.len() > 4, "indices repeat: {a:?}");
        let seed = t.grinding_seed();
        let n = grind(&seed, 10);
        assert!(grinding_ok(&seed, n, 10));
        // Some nonce below n fails; the very first one rarely passes 10 bits.
        assert!((0..n).all(|m| !grinding_ok(&seed, m, 10)));
    }
}
