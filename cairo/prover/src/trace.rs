//! From a cairo-vm execution to one trace per component of [`crate::air::CairoAir`], and the
//! parameters (heights, range tables) the prover chose.
//!
//! The CPU and the builtins are built from the run; the memory and range tables are then built
//! from what those components (and the public memory) actually look up, read off their own
//! lookup terms, so a table's multiplicities cannot disagree with its users.

use crate::air::{used_builtins, CairoAir, UsedBuiltin};
use crate::components::cpu::{self, Memory};
use crate::components::bitwise::{self, NibbleTable};
use crate::components::{ec_op, ecdsa, memory, pedersen, poseidon, range_check, range_table, relation};
use crate::error::ProveError;
use crate::public::{ProofParams, RangeParams};
use proofgrid_cairo::{Builtin, Execution, Statement};
use proofgrid_stark::component::{Component, LookupTerm, PeriodicColumn, Row, TraceTable};
use proofgrid_stark::field::{fe, to_u64, Fe};
use proofgrid_stark::ProofOptions;
use rayon::prelude::*;

/// Whether the trace builder refuses an execution no honest run has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Checks {
    Honest,
    /// Builds the traces of a forged run anyway (a range-check cell's limbs then hold only its
    /// low bits, an address read with two values keeps the first), as a cheating prover would;
    /// for soundness tests.
    Bypassed,
}

/// The shortest component: 8 rows, and never shorter than FRI's last layer.
pub fn min_height(options: &ProofOptions) -> usize {
    8usize.max(1 << options.fri_last_layer_log)
}

fn padded(rows: usize, options: &ProofOptions) -> usize {
    rows.max(1).next_power_of_two().max(min_height(options))
}

fn log(height: usize) -> u8 {
    height.trailing_zeros() as u8
}

/// Calls `f` on every lookup term of `component` over `trace`, row by row in order.
pub fn for_each_term(component: &dyn Component, trace: &TraceTable, mut f: impl FnMut(usize, &LookupTerm)) {
    let n = trace.length();
    let lookups = component.lookups();
    if lookups.is_empty() {
        return;
    }
    let periodic: &[PeriodicColumn] = component.periodic();
    const CHUNK: usize = 1 << 12;
    for start in (0..n).step_by(CHUNK) {
        let rows: Vec<Vec<LookupTerm>> = (start..(start + CHUNK).min(n))
            .into_par_iter()
            .map(|i| {
                let main = trace.row(i);
                let mut p = vec![Fe::zero(); periodic.len()];
                proofgrid_stark::periodic::trace_row(periodic, i, &mut p);
                let mut t = vec![LookupTerm::default(); lookups.len()];
                component.lookup_terms(&Row { main: &main, periodic: &p }, &mut t);
                t
            })
            .collect();
        for terms in &rows {
            for (j, t) in terms.iter().enumerate() {
                f(lookups[j].relation, t);
            }
        }
    }
}

/// Every address's value and number of uses, from address 1 up.
struct MemoryUses {
    cells: Vec<Option<(Fe, Fe)>>,
    conflict: Option<u64>,
}

impl MemoryUses {
    fn add(&mut self, addr: &Fe, value: Fe, mult: Fe) -> Result<(), String> {
        let a = to_u64(addr).filter(|a| *a >= 1 && *a < 1 << 40).ok_or("an access outside the address space")? as usize;
        if self.cells.len() <= a {
            self.cells.resize(a + 1, None);
        }
        match &mut self.cells[a] {
            Some((v, m)) => {
                if *v != value && self.conflict.is_none() {
                    self.conflict = Some(a as u64);
                }
                *m += mult;
            }
            slot => *slot = Some((value, mult)),
        }
        Ok(())
    }
}

/// Uses of a 16-bit range table, by value.
struct RangeUses {
    counts: Vec<Fe>,
    seen: Vec<bool>,
}

impl RangeUses {
    fn new() -> RangeUses {
        RangeUses { counts: vec![Fe::zero(); 1 << 16], seen: vec![false; 1 << 16] }
    }
    fn add(&mut self, value: &Fe, mult: Fe) -> Result<(), String> {
        let v = to_u64(value).filter(|v| *v < 1 << 16).ok_or("a range-checked value of 2^16 or more")? as usize;
        self.counts[v] += mult;
        self.seen[v] = true;
        Ok(())
    }
    /// The table of every value used (sparse: fillers close gaps wider than a byte), and its
    /// trace; padding rows repeat the last value.
    fn table(&self, options: &ProofOptions) -> (RangeParams, Vec<Vec<Fe>>) {
        let values = range_table::rows(&self.seen);
        let height = padded(values.len(), options);
        let (min, max) = (values[0], *values.last().expect("at least one value"));
        let mut cols = vec![vec![Fe::zero(); height]; 3];
        for i in 0..height {
            let v = values.get(i).copied().unwrap_or(max);
            let next = values.get(i + 1).copied().unwrap_or(max);
            cols[range_table::VALUE][i] = fe(v);
            cols[range_table::GAP][i] = fe(next - v);
            if i < values.len() {
                cols[range_table::MULT][i] = self.counts[v as usize];
            }
        }
        (RangeParams { min: min as u16, max: max as u16, log_height: log(height) }, cols)
    }
}

/// Builds every component's trace and chooses the parameters. `public` is the statement's public
/// memory.
pub fn build(
    exec: &Execution,
    statement: &Statement,
    public: &[(u64, Fe)],
    options: &ProofOptions,
    checks: Checks,
) -> Result<(Vec<TraceTable>, ProofParams), ProveError> {
    let bad = ProveError::InvalidExecution;
    let lenient = checks == Checks::Bypassed;
    let mem = Memory { cells: &exec.memory };
    let cpu_height = padded(exec.trace.len(), options);
    if cpu_height > 1 << crate::air::MAX_LOG_HEIGHT {
        return Err(ProveError::TooLarge(format!("{} steps need a trace above 2^{} rows", exec.trace.len(), crate::air::MAX_LOG_HEIGHT)));
    }
    let cpu_trace = TraceTable::new(cpu::trace(&mem, &exec.trace, cpu_height).map_err(bad)?);
    let cpu = cpu::Cpu::new(cpu_height, statement.initial, statement.final_pc, statement.final_ap);

    let used = used_builtins(statement);
    // A peer's execution may claim any segment length (its cells need not exist): refuse a
    // component taller than any verifier accepts before allocating its columns.
    for u in &used {
        let rows = u.instances().saturating_mul(u.spec.rows);
        if rows > 1 << crate::air::MAX_LOG_HEIGHT {
            return Err(ProveError::TooLarge(format!(
                "{} {} instances need a component above 2^{} rows",
                u.instances(),
                u.spec.builtin,
                crate::air::MAX_LOG_HEIGHT
            )));
        }
    }
    let mut builtin_logs = Vec::new();
    let mut builtin_traces = Vec::new();
    for u in &used {
        let height = padded(u.instances() * u.spec.rows, options);
        builtin_traces.push(TraceTable::new(builtin_trace(&mem, exec, u, height, lenient).map_err(bad)?));
        builtin_logs.push(log(height));
    }
    let builtin_components: Vec<Box<dyn Component>> = used
        .iter()
        .zip(&builtin_logs)
        .map(|(u, &l)| crate::air::builtin_component(u, 1 << l))
        .collect();

    // What every user looks up.
    let mut memory_uses = MemoryUses { cells: Vec::new(), conflict: None };
    let mut offsets = RangeUses::new();
    let mut limbs = RangeUses::new();
    let mut failure: Option<String> = None;
    let mut record = |relation: usize, t: &LookupTerm| {
        // A term of multiplicity 0 (a selector off on this row) looks nothing up.
        if t.multiplicity == Fe::zero() {
            return;
        }
        let r = match relation {
            relation::MEMORY => memory_uses.add(&t.values[0], t.values[1], t.multiplicity),
            relation::OFFSETS => offsets.add(&t.values[0], t.multiplicity),
            relation::LIMBS => limbs.add(&t.values[0], t.multiplicity),
            _ => Ok(()),
        };
        if let (Err(e), None) = (r, &failure) {
            failure = Some(e);
        }
    };
    for_each_term(&cpu, &cpu_trace, &mut record);
    for (c, t) in builtin_components.iter().zip(&builtin_traces) {
        for_each_term(c.as_ref(), t, &mut record);
    }
    for (a, v) in public {
        record(relation::MEMORY, &LookupTerm::new(Fe::one(), &[fe(*a), *v]));
    }
    if let Some(e) = failure {
        return Err(bad(e));
    }
    if let (Some(a), false) = (memory_uses.conflict, lenient) {
        return Err(bad(format!("address {a} holds two values")));
    }

    let memory_height = padded(memory_uses.cells.len().saturating_sub(1), options);
    if memory_height > 1 << crate::air::MAX_LOG_HEIGHT {
        return Err(ProveError::TooLarge(format!("memory of {} cells", memory_uses.cells.len())));
    }
    let mut memory_cols = vec![vec![Fe::zero(); memory_height]; 3];
    for i in 0..memory_height {
        memory_cols[memory::ADDR][i] = fe(i as u64 + 1);
        if let Some(Some((v, m))) = memory_uses.cells.get(i + 1) {
            memory_cols[memory::VALUE][i] = *v;
            memory_cols[memory::MULT][i] = *m;
        }
    }
    let (offsets_params, offsets_cols) = offsets.table(options);
    let needs_limbs = used.iter().any(|u| u.spec.uses_limbs);
    let limbs_table = needs_limbs.then(|| limbs.table(options));

    let params = ProofParams {
        cpu_log: log(cpu_height),
        memory_log: log(memory_height),
        offsets: offsets_params,
        limbs: limbs_table.as_ref().map(|(p, _)| *p),
        builtin_logs,
    };
    let mut traces = vec![cpu_trace, TraceTable::new(memory_cols), TraceTable::new(offsets_cols)];
    traces.extend(builtin_traces);
    if let Some((_, cols)) = limbs_table {
        traces.push(TraceTable::new(cols));
    }
    // The fixed tables, from what every other component looks up in them.
    let air = CairoAir::new(statement, &params, public.to_vec());
    let mut bytes = vec![Fe::zero(); range_table::BYTE_TABLE_HEIGHT];
    let mut nibbles = vec![Fe::zero(); bitwise::NIBBLE_TABLE_HEIGHT];
    let mut outside = false;
    for (c, t) in air.components().iter().zip(&traces) {
        for_each_term(*c, t, |relation, term| {
            if term.multiplicity == Fe::zero() {
                return;
            }
            let small = |k: usize| to_u64(&term.values[k]).filter(|v| *v < 16);
            match relation {
                relation::BYTES => match to_u64(&term.values[0]).filter(|b| *b <= range_table::MAX_GAP) {
                    Some(b) => bytes[b as usize] += term.multiplicity,
                    None => outside = true,
                },
                relation::NIBBLES => match (small(0), small(1)) {
                    (Some(a), Some(b)) => nibbles[NibbleTable::row_of(a, b)] += term.multiplicity,
                    _ => outside = true,
                },
                _ => {}
            }
        });
    }
    if outside && !lenient {
        return Err(bad("a value is looked up in a fixed table that does not hold it".into()));
    }
    traces.push(TraceTable::new(vec![bytes]));
    if air.nibbles.is_some() {
        traces.push(TraceTable::new(vec![nibbles]));
    }
    debug_assert_eq!(traces.len(), air.components().len());
    Ok((traces, params))
}

/// One used builtin's trace.
fn builtin_trace(mem: &Memory<'_>, exec: &Execution, u: &UsedBuiltin, height: usize, lenient: bool) -> Result<Vec<Vec<Fe>>, String> {
    let (begin, stop) = (u.segment.begin, u.segment.stop);
    match u.spec.builtin {
        Builtin::RangeCheck => range_check::trace(mem, 8, begin, stop, height, lenient),
        Builtin::RangeCheck96 => range_check::trace(mem, 6, begin, stop, height, lenient),
        Builtin::Bitwise => bitwise::trace(mem, begin, stop, height, lenient),
        Builtin::Poseidon => Ok(poseidon::trace(mem, begin, stop, height)),
        Builtin::Pedersen => pedersen::trace(mem, begin, stop, height, lenient),
        Builtin::EcOp => ec_op::trace(mem, begin, stop, height, lenient),
        Builtin::Ecdsa => ecdsa::trace(mem, &exec.signatures, begin, stop, height, lenient),
        other => Err(format!("{other} has no trace builder")),
    }
}

use proofgrid_stark::air::Air;
