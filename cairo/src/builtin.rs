//! The Cairo builtins, under proofgrid's own names so the prover does not depend on cairo-vm's.

use cairo_vm::types::builtin_name::BuiltinName;
use serde::{Deserialize, Serialize};

/// A Cairo builtin. `Display` gives the name Cairo programs use (`%builtins output range_check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Builtin {
    Output,
    RangeCheck,
    Pedersen,
    Ecdsa,
    Bitwise,
    EcOp,
    Keccak,
    Poseidon,
    RangeCheck96,
    AddMod,
    MulMod,
    SegmentArena,
}

impl Builtin {
    /// Every builtin, in the canonical order Cairo lays their segments out.
    pub const ALL: [Builtin; 12] = [
        Builtin::Output,
        Builtin::Pedersen,
        Builtin::RangeCheck,
        Builtin::Ecdsa,
        Builtin::Bitwise,
        Builtin::EcOp,
        Builtin::Keccak,
        Builtin::Poseidon,
        Builtin::RangeCheck96,
        Builtin::AddMod,
        Builtin::MulMod,
        Builtin::SegmentArena,
    ];

    /// The name Cairo uses for this builtin.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Output => "output",
            Builtin::RangeCheck => "range_check",
            Builtin::Pedersen => "pedersen",
            Builtin::Ecdsa => "ecdsa",
            Builtin::Bitwise => "bitwise",
            Builtin::EcOp => "ec_op",
            Builtin::Keccak => "keccak",
            Builtin::Poseidon => "poseidon",
            Builtin::RangeCheck96 => "range_check96",
            Builtin::AddMod => "add_mod",
            Builtin::MulMod => "mul_mod",
            Builtin::SegmentArena => "segment_arena",
        }
    }

    /// The builtin Cairo calls `name`, if any.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    pub(crate) fn from_vm(name: BuiltinName) -> Builtin {
        match name {
            BuiltinName::output => Builtin::Output,
            BuiltinName::range_check => Builtin::RangeCheck,
            BuiltinName::pedersen => Builtin::Pedersen,
            BuiltinName::ecdsa => Builtin::Ecdsa,
            BuiltinName::bitwise => Builtin::Bitwise,
            BuiltinName::ec_op => Builtin::EcOp,
            BuiltinName::keccak => Builtin::Keccak,
            BuiltinName::poseidon => Builtin::Poseidon,
            BuiltinName::range_check96 => Builtin::RangeCheck96,
            BuiltinName::add_mod => Builtin::AddMod,
            BuiltinName::mul_mod => Builtin::MulMod,
            BuiltinName::segment_arena => Builtin::SegmentArena,
        }
    }
}

impl std::fmt::Display for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_cairo_vm() {
        for b in Builtin::ALL {
            assert_eq!(Builtin::from_name(b.name()), Some(b));
            let vm = BuiltinName::from_str(b.name()).expect("cairo-vm knows the name");
            assert_eq!(Builtin::from_vm(vm), b);
        }
        assert_eq!(Builtin::RangeCheck.to_string(), "range_check");
        assert_eq!(Builtin::from_name("range_check_builtin"), None);
    }
}
