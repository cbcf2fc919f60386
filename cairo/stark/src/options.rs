//! Proof options and the conjectured security they give.

use serde::{Deserialize, Serialize};

/// The knobs of one proof. Conjectured security (ethSTARK, section 5.10.1) is
/// `queries · log2(blowup) + grinding_bits`, capped by what the field allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofOptions {
    /// log2 of the low-degree-extension blowup factor.
    pub blowup_log: u8,
    /// Number of FRI queries.
    pub queries: u16,
    /// Proof-of-work bits demanded before the queries are drawn.
    pub grinding_bits: u8,
    /// FRI stops folding once the polynomial has fewer than `2^fri_last_layer_log` coefficients
    /// and sends those coefficients in the clear.
    pub fri_last_layer_log: u8,
}

/// The bits a 252-bit field can back at most: collision resistance of 256-bit hashes is 128 bits
/// and the field's size bounds the out-of-domain and folding challenges.
pub const MAX_SECURITY_BITS: u32 = 128;

impl ProofOptions {
    /// The default preset: blowup 4, 42 queries and 16 grinding bits, 100 conjectured bits.
    /// Grinding is a geometric lottery: at 20 bits a proof now and then spent seconds on it (one
    /// run in fifty needs 4× the mean), at 16 bits it stays well under a second, and two more
    /// queries (+5% proof size) make up the four bits.
    pub const DEFAULT: ProofOptions = ProofOptions {
        blowup_log: 2,
        queries: 42,
        grinding_bits: 16,
        fri_last_layer_log: 7,
    };

    /// A fast preset for tests of completeness and tampering, where security is not the point.
    pub const TEST: ProofOptions = ProofOptions {
        blowup_log: 2,
        queries: 12,
        grinding_bits: 4,
        fri_last_layer_log: 3,
    };

    /// Conjectured security bits.
    pub fn security_bits(&self) -> u32 {
        let bits = self.queries as u32 * self.blowup_log as u32 + self.grinding_bits as u32;
        bits.min(MAX_SECURITY_BITS)
    }

    /// The blowup factor.
    pub fn blowup(&self) -> usize {
        1usize << self.blowup_log
    }

    /// Refuses options a verifier should never run: they would make the arithmetic meaningless or
    /// the work unbounded.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=6).contains(&self.blowup_log) {
            return Err(format!("blowup_log {} is outside 1..=6", self.blowup_log));
        }
        if self.queries == 0 || self.queries > 512 {
            return Err(format!("queries {} is outside 1..=512", self.queries));
        }
        if self.grinding_bits > 32 {
            return Err(format!("grinding_bits {} is above 32", self.grinding_bits));
        }
        if self.fri_last_layer_log > 10 {
            return Err(format!("fri_last_layer_log {} is above 10", self.fri_last_layer_log));
        }
        Ok(())
    }
}

impl Default for ProofOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_preset_reaches_100_bits() {
        assert!(ProofOptions::DEFAULT.security_bits() >= 100);
        assert!(ProofOptions::DEFAULT.validate().is_ok());
        let weak = ProofOptions { queries: 10, ..ProofOptions::DEFAULT };
        assert_eq!(weak.security_bits(), 10 * 2 + 16);
        let bad = ProofOptions { blowup_log: 0, ..ProofOptions::DEFAULT };
        assert!(bad.validate().is_err());
    }
}
