//! The Cairo AIR: the components a statement and the prover's parameters call for, the lookup
//! relations between them, and the public memory as the verifier's own memory accesses.

use crate::components::bitwise::{Bitwise, NibbleTable};
use crate::components::cpu::Cpu;
use crate::components::ec_op::EcOp;
use crate::components::ecdsa::Ecdsa;
use crate::components::pedersen::Pedersen;
use crate::components::poseidon::Poseidon;
use crate::components::memory::MemoryTable;
use crate::components::range_check::RangeCheck;
use crate::components::range_table::{ByteTable, RangeTable};
use crate::components::{relation, spec, BuiltinSpec};
use crate::public::{ProofParams, RangeParams};
use proofgrid_cairo::{Builtin, SegmentBounds, Statement};
use proofgrid_stark::air::{Air, PublicTerm};
use proofgrid_stark::component::{Component, LookupTerm};
use proofgrid_stark::field::{fe, Fe};

/// The tallest component a verifier accepts: the bound keeps a hostile proof from making it
/// allocate without limit.
pub const MAX_LOG_HEIGHT: u8 = 26;

/// A used builtin with a component, and where its segment is.
#[derive(Clone, Copy, Debug)]
pub struct UsedBuiltin {
    pub spec: BuiltinSpec,
    pub segment: SegmentBounds,
}

impl UsedBuiltin {
    pub fn instances(&self) -> usize {
        (self.segment.len() / self.spec.cells) as usize
    }
}

/// The used builtins with a component, in declaration order.
pub fn used_builtins(statement: &Statement) -> Vec<UsedBuiltin> {
    used_builtins_in(&statement.builtins)
}

/// [`used_builtins`] of a list of builtin segments (a statement's, or an execution's).
pub fn used_builtins_in(segments: &[(proofgrid_cairo::Builtin, proofgrid_cairo::SegmentBounds)]) -> Vec<UsedBuiltin> {
    segments
        .iter()
        .filter(|(_, seg)| !seg.is_empty())
        .filter_map(|(b, seg)| spec(*b).map(|spec| UsedBuiltin { spec, segment: *seg }))
        .collect()
}

pub struct CairoAir {
    pub cpu: Cpu,
    pub memory: MemoryTable,
    pub offsets: RangeTable,
    pub builtins: Vec<Box<dyn Component>>,
    pub limbs: Option<RangeTable>,
    pub bytes: ByteTable,
    /// Present when the program uses bitwise.
    pub nibbles: Option<NibbleTable>,
    public_memory: Vec<(u64, Fe)>,
    public_bytes: Vec<u8>,
}

fn height(log: u8) -> usize {
    1usize << log
}

impl CairoAir {
    /// The AIR for `statement` proven with `params`; `public_memory` from
    /// [`crate::public::public_memory`]. `params` must have passed [`check_params`].
    pub fn new(statement: &Statement, params: &ProofParams, public_memory: Vec<(u64, Fe)>) -> CairoAir {
        let used = used_builtins(statement);
        let builtins = used
            .iter()
            .zip(&params.builtin_logs)
            .map(|(u, &log)| builtin_component(u, height(log)))
            .collect();
        let table = |name, relation, p: &RangeParams| RangeTable::new(name, relation, p.min, p.max, height(p.log_height));
        CairoAir {
            cpu: Cpu::new(height(params.cpu_log), statement.initial, statement.final_pc, statement.final_ap),
            memory: MemoryTable { height: height(params.memory_log) },
            offsets: table("offsets", relation::OFFSETS, &params.offsets),
            limbs: params.limbs.as_ref().map(|p| table("limbs", relation::LIMBS, p)),
            builtins,
            bytes: ByteTable::default(),
            nibbles: used.iter().any(|u| u.spec.builtin == Builtin::Bitwise).then(NibbleTable::default),
            public_bytes: crate::public::public_input_bytes(statement, params),
            public_memory,
        }
    }
}

/// The component of one used builtin, `height` rows tall.
pub fn builtin_component(u: &UsedBuiltin, height: usize) -> Box<dyn Component> {
    let (begin, stop) = (u.segment.begin, u.segment.stop);
    match u.spec.builtin {
        Builtin::RangeCheck => Box::new(RangeCheck::new("range_check", 8, height, begin, stop)),
        Builtin::RangeCheck96 => Box::new(RangeCheck::new("range_check96", 6, height, begin, stop)),
        Builtin::Bitwise => Box::new(Bitwise::new(height, begin, stop)),
        Builtin::Poseidon => Box::new(Poseidon::new(height, begin, stop)),
        Builtin::Pedersen => Box::new(Pedersen::new(height, begin, stop)),
        Builtin::EcOp => Box::new(EcOp::new(height, begin, stop)),
        Builtin::Ecdsa => Box::new(Ecdsa::new(height, begin, stop)),
        other => unreachable!("{other} has no component"),
    }
}

/// Checks the prover's parameters against the statement before any component is built.
pub fn check_params(statement: &Statement, params: &ProofParams) -> Result<(), String> {
    let logs_ok = |log: u8| (3..=MAX_LOG_HEIGHT).contains(&log);
    for (what, log) in [("cpu", params.cpu_log), ("memory", params.memory_log)] {
        if !logs_ok(log) {
            return Err(format!("{what} height 2^{log} is outside 2^3..2^{MAX_LOG_HEIGHT}"));
        }
    }
    let used = used_builtins(statement);
    if params.builtin_logs.len() != used.len() {
        return Err(format!("{} builtin heights for {} used builtins", params.builtin_logs.len(), used.len()));
    }
    for (u, &log) in used.iter().zip(&params.builtin_logs) {
        if !logs_ok(log) {
            return Err(format!("{} height 2^{log} is outside 2^3..2^{MAX_LOG_HEIGHT}", u.spec.builtin));
        }
        if u.instances() * u.spec.rows > height(log) || height(log) < u.spec.rows {
            return Err(format!("{} instances of {} exceed its 2^{log} rows", u.instances(), u.spec.builtin));
        }
    }
    let needs_limbs = used.iter().any(|u| u.spec.uses_limbs);
    if params.limbs.is_some() != needs_limbs {
        return Err("the limbs' range table is present exactly when a used builtin has limbs".into());
    }
    for (what, p) in [("offsets", Some(&params.offsets)), ("limbs", params.limbs.as_ref())] {
        if let Some(p) = p {
            // Its values climb from min to max, both below 2^16 by type; 2^17 rows hold every
            // 16-bit value and the fillers of any set of them.
            if p.min > p.max || !(3..=17).contains(&p.log_height) {
                return Err(format!("the {what} table from {} to {} in 2^{} rows is malformed", p.min, p.max, p.log_height));
            }
        }
    }
    Ok(())
}

impl Air for CairoAir {
    fn components(&self) -> Vec<&dyn Component> {
        let mut out: Vec<&dyn Component> = vec![&self.cpu, &self.memory, &self.offsets];
        out.extend(self.builtins.iter().map(|b| b.as_ref()));
        if let Some(l) = &self.limbs {
            out.push(l);
        }
        out.push(&self.bytes);
        if let Some(n) = &self.nibbles {
            out.push(n);
        }
        out
    }
    fn relations(&self) -> usize {
        relation::COUNT
    }
    /// Each public memory cell is an access the verifier makes itself.
    fn public_terms(&self) -> Vec<PublicTerm> {
        self.public_memory
            .iter()
            .map(|(a, v)| PublicTerm { relation: relation::MEMORY, term: LookupTerm::new(Fe::one(), &[fe(*a), *v]), width: 2 })
            .collect()
    }
    fn public_input_bytes(&self) -> Vec<u8> {
        self.public_bytes.clone()
    }
}
