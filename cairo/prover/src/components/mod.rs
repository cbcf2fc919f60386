//! The Cairo AIR's components: each owns its columns, its constraints, its lookups and its trace
//! builder. They are tied together by three to four lookup relations ([`relation`]).
//!
//! | component | rows | ties |
//! |---|---|---|
//! | [`cpu::Cpu`] | one per step | uses memory (4 per step), offsets (3 per step) |
//! | [`memory::MemoryTable`] | one per address | provides memory |
//! | [`range_table::RangeTable`] (offsets) | one per 16-bit value used | provides offsets, uses bytes |
//! | [`range_check::RangeCheck`] (range_check, range_check96) | one per cell | uses memory, limbs |
//! | [`bitwise::Bitwise`] | 64 per instance | uses memory, the nibble table |
//! | [`poseidon::Poseidon`] | 128 per instance | uses memory |
//! | [`pedersen::Pedersen`] | 512 per instance | uses memory |
//! | [`ec_op::EcOp`] | 256 per instance | uses memory |
//! | [`ecdsa::Ecdsa`] | 256 per instance | uses memory |
//! | [`range_table::RangeTable`] (limbs) | one per 16-bit value used | provides limbs, uses bytes |
//! | [`range_table::ByteTable`] | 256 | provides bytes (the range tables' gaps) |
//! | [`bitwise::NibbleTable`] | 256 | provides the nibble table |
//!
//! A builtin that a program declares but does not use has no component; one it uses has a table
//! only as tall as its instances need, so a program pays for a builtin in proportion to its use.

pub mod bitwise;
pub mod cpu;
pub mod curve;
pub mod curve_lane;
pub mod ec_op;
pub mod ecdsa;
pub mod felt_bits;
pub mod memory;
pub mod pedersen;
pub mod poseidon;
pub mod range_check;
pub mod range_table;

use proofgrid_cairo::Builtin;

/// The lookup relations.
pub mod relation {
    /// (address, value).
    pub const MEMORY: usize = 0;
    /// An instruction's biased 16-bit offset.
    pub const OFFSETS: usize = 1;
    /// A builtin's 16-bit limb.
    pub const LIMBS: usize = 2;
    /// (a, b, a & b, a ^ b) for 4-bit a, b.
    pub const NIBBLES: usize = 3;
    /// A byte: the gaps in the 16-bit range tables.
    pub const BYTES: usize = 4;
    pub const COUNT: usize = 5;
}

/// How a builtin with a component lays out its instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinSpec {
    pub builtin: Builtin,
    /// Memory cells per instance.
    pub cells: u64,
    /// Trace rows per instance.
    pub rows: usize,
    /// Whether its rows look up 16-bit limbs.
    pub uses_limbs: bool,
}

/// The builtins this prover proves, with their layouts (output has no component: its cells are
/// public memory).
pub const SPECS: [BuiltinSpec; 7] = [
    BuiltinSpec { builtin: Builtin::Pedersen, cells: pedersen::CELLS, rows: pedersen::ROWS, uses_limbs: false },
    BuiltinSpec { builtin: Builtin::RangeCheck, cells: 1, rows: 1, uses_limbs: true },
    BuiltinSpec { builtin: Builtin::Bitwise, cells: bitwise::CELLS, rows: bitwise::ROWS, uses_limbs: false },
    BuiltinSpec { builtin: Builtin::EcOp, cells: ec_op::CELLS, rows: ec_op::ROWS, uses_limbs: false },
    BuiltinSpec { builtin: Builtin::Poseidon, cells: poseidon::CELLS, rows: poseidon::ROWS, uses_limbs: false },
    BuiltinSpec { builtin: Builtin::RangeCheck96, cells: 1, rows: 1, uses_limbs: true },
    BuiltinSpec { builtin: Builtin::Ecdsa, cells: ecdsa::CELLS, rows: ecdsa::ROWS, uses_limbs: false },
];

/// The layout of `builtin`'s component, if it has one.
pub fn spec(builtin: Builtin) -> Option<BuiltinSpec> {
    SPECS.iter().copied().find(|s| s.builtin == builtin)
}

/// Whether this prover can prove a program using `builtin`.
pub fn supported(builtin: Builtin) -> bool {
    builtin == Builtin::Output || spec(builtin).is_some()
}

/// The supported builtins' names, for messages.
pub fn supported_names() -> String {
    let mut names = vec!["output"];
    names.extend(SPECS.iter().map(|s| s.builtin.name()));
    names.join(", ")
}

/// The `K + 1` columns of a builtin whose instances are blocks of `rows` rows over `height` rows:
/// each instance's rows come from `instance(address)` (columns 0..K), the address is column K,
/// and the last instance is repeated as padding (its address steps by 0 there). Used by the
/// components whose instances are computed row by row (pedersen, ec_op, ecdsa).
pub fn instance_blocks<const K: usize>(
    (begin, stop, cells): (u64, u64, u64),
    rows: usize,
    height: usize,
    mut instance: impl FnMut(u64) -> Result<Vec<[proofgrid_stark::Fe; K]>, String>,
) -> Result<Vec<Vec<proofgrid_stark::Fe>>, String> {
    let instances = ((stop - begin) / cells) as usize;
    let mut cols = vec![vec![proofgrid_stark::Fe::zero(); height]; K + 1];
    let mut block: Vec<[proofgrid_stark::Fe; K]> = Vec::new();
    for i in 0..height / rows {
        let addr = begin + cells * i.min(instances - 1) as u64;
        if i < instances {
            block = instance(addr)?;
        }
        for (r, cells) in block.iter().enumerate() {
            let row = i * rows + r;
            for (k, v) in cells.iter().enumerate() {
                cols[k][row] = *v;
            }
            cols[K][row] = proofgrid_stark::field::fe(addr);
        }
    }
    Ok(cols)
}

/// A step-by-0-or-`cells` instance address column: the constraint that the address on the next
/// row is this row's, or the next instance's, `cells` on.
pub fn address_step(cur: proofgrid_stark::Fe, next: proofgrid_stark::Fe, cells: u64) -> proofgrid_stark::Fe {
    let d = next - cur;
    d * (d - proofgrid_stark::field::fe(cells))
}
