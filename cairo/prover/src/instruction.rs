//! Decoding a Cairo instruction word into its biased offsets and flag bits (paper, section 4.4).

/// A decoded instruction. Offsets are biased: the stored value is `offset + 2^15`, in [0, 2^16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instruction {
    pub off_dst: u16,
    pub off_op0: u16,
    pub off_op1: u16,
    /// Bits f_0..f_14.
    pub flags: u16,
}

/// `jmp rel 0`: the loop a proof-mode program ends in.
pub const JMP_REL_0: u64 = 0x0107_8001_7fff_7fff;

impl Instruction {
    /// `None` if the word does not fit in 63 bits, which no valid instruction does.
    pub fn decode(word: u64) -> Option<Instruction> {
        if word >> 63 != 0 {
            return None;
        }
        Some(Instruction {
            off_dst: word as u16,
            off_op0: (word >> 16) as u16,
            off_op1: (word >> 32) as u16,
            flags: (word >> 48) as u16,
        })
    }

    pub fn flag(&self, i: usize) -> bool {
        (self.flags >> i) & 1 == 1
    }

    /// An offset as a signed value.
    pub fn signed(biased: u16) -> i64 {
        biased as i64 - (1 << 15)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::cpu::flag;

    #[test]
    fn decodes_jmp_rel_0() {
        let i = Instruction::decode(JMP_REL_0).unwrap();
        assert_eq!(Instruction::signed(i.off_dst), -1);
        assert_eq!(Instruction::signed(i.off_op0), -1);
        assert_eq!(Instruction::signed(i.off_op1), 1);
        assert!(i.flag(flag::OP1_IMM) && i.flag(flag::PC_JUMP_REL) && i.flag(flag::DST_REG) && i.flag(flag::OP0_REG));
        assert!(!i.flag(flag::PC_JNZ) && !i.flag(flag::OPCODE_CALL));
        assert_eq!(Instruction::decode(1 << 63), None);
    }
}
