//! One table of a proof: a [`Component`] owns its columns, its height, its periodic columns, its
//! constraints and the lookups it takes part in.
//!
//! Components of one proof may have different heights, so that each pays only for its own rows
//! (a builtin used ten times gets a table of ten instances, not a column on every CPU step). They
//! are tied together only by lookups ([`crate::lookup`]): a component states, row by row, tuples
//! it *uses* or *provides* in a named relation, with a multiplicity, and the engine proves that
//! over all components (and the verifier's own public terms) every relation balances.

use crate::field::Fe;

/// A trace as columns of equal, power-of-two length.
#[derive(Clone, Debug, Default)]
pub struct TraceTable {
    pub columns: Vec<Vec<Fe>>,
}

impl TraceTable {
    pub fn new(columns: Vec<Vec<Fe>>) -> Self {
        Self { columns }
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Number of rows (0 for an empty table).
    pub fn length(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// Row `i`, copied out.
    pub fn row(&self, i: usize) -> Vec<Fe> {
        self.columns.iter().map(|c| c[i]).collect()
    }
}

/// The rows on which a transition constraint must vanish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintDomain {
    /// Every row: the constraint reads only the current row.
    AllRows,
    /// Every row but the last: the constraint relates a row to the next one, and the last row has
    /// no next row (its "next" wraps around to row 0).
    AllButLast,
    /// Only the first row.
    FirstRow,
    /// Only the last row.
    LastRow,
}

impl ConstraintDomain {
    /// How many rows the constraint covers, i.e. the degree of its zerofier.
    pub fn size(&self, height: usize) -> usize {
        match self {
            ConstraintDomain::AllRows => height,
            ConstraintDomain::AllButLast => height - 1,
            ConstraintDomain::FirstRow | ConstraintDomain::LastRow => 1,
        }
    }

    /// Whether the constraint applies on row `i` of `height`.
    pub fn covers(&self, i: usize, height: usize) -> bool {
        match self {
            ConstraintDomain::AllRows => true,
            ConstraintDomain::AllButLast => i + 1 < height,
            ConstraintDomain::FirstRow => i == 0,
            ConstraintDomain::LastRow => i + 1 == height,
        }
    }
}

/// What the engine needs to know about one transition constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConstraintInfo {
    /// Total degree of the constraint as a polynomial in the trace cells (a periodic column
    /// counts as degree 1, like a trace column).
    pub degree: usize,
    pub domain: ConstraintDomain,
}

impl ConstraintInfo {
    pub const fn new(degree: usize, domain: ConstraintDomain) -> Self {
        ConstraintInfo { degree, domain }
    }
}

/// `main column (row) == value`, for a component's own columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boundary {
    pub column: usize,
    pub row: usize,
    pub value: Fe,
}

/// A column the verifier knows without a commitment: `values` repeat down the table (the period,
/// `values.len()`, is a power of two dividing the height). Round constants, constant curve points
/// and "row k of every instance" selectors are periodic columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodicColumn {
    pub values: Vec<Fe>,
}

impl PeriodicColumn {
    pub fn new(values: Vec<Fe>) -> Self {
        PeriodicColumn { values }
    }

    /// 1 on row `k` of every `period` rows, 0 elsewhere.
    pub fn selector(period: usize, k: usize) -> Self {
        Self::selector_range(period, k..k + 1)
    }

    /// 1 on rows `range` of every `period` rows, 0 elsewhere.
    pub fn selector_range(period: usize, range: std::ops::Range<usize>) -> Self {
        PeriodicColumn { values: (0..period).map(|i| if range.contains(&i) { Fe::one() } else { Fe::zero() }).collect() }
    }

    pub fn period(&self) -> usize {
        self.values.len()
    }
}

/// The cells a transition constraint sees: one row and the next, of the component's own columns
/// and of its periodic columns.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub main: &'a [Fe],
    pub main_next: &'a [Fe],
    pub periodic: &'a [Fe],
    pub periodic_next: &'a [Fe],
}

/// The largest tuple a lookup carries.
pub const MAX_LOOKUP_WIDTH: usize = 4;

/// One lookup a component makes on every row: into `relation`, a tuple of `width` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupInfo {
    pub relation: usize,
    pub width: usize,
    /// Degree of the multiplicity as a polynomial in the row's cells.
    pub multiplicity_degree: usize,
    /// Largest degree of a tuple value.
    pub value_degree: usize,
}

impl LookupInfo {
    /// A lookup whose multiplicity and values are single cells (or constants).
    pub const fn linear(relation: usize, width: usize) -> Self {
        LookupInfo { relation, width, multiplicity_degree: 1, value_degree: 1 }
    }
}

/// One lookup's value on one row: a multiplicity (positive for a use, negative for what a table
/// provides) and the tuple.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupTerm {
    pub multiplicity: Fe,
    pub values: [Fe; MAX_LOOKUP_WIDTH],
}

impl Default for LookupTerm {
    fn default() -> Self {
        LookupTerm { multiplicity: Fe::zero(), values: [Fe::zero(); MAX_LOOKUP_WIDTH] }
    }
}

impl LookupTerm {
    /// A term of multiplicity `m` over `values` (at most [`MAX_LOOKUP_WIDTH`]).
    pub fn new(m: Fe, values: &[Fe]) -> Self {
        let mut t = LookupTerm { multiplicity: m, ..Default::default() };
        t.values[..values.len()].copy_from_slice(values);
        t
    }
}

/// One row as the lookups see it.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    pub main: &'a [Fe],
    pub periodic: &'a [Fe],
}

/// A table of the proof.
pub trait Component: Sync {
    /// Names the component in errors and benchmarks.
    fn name(&self) -> &str;
    /// Number of rows: a power of two, at least 8 and at least the FRI last layer's size.
    fn height(&self) -> usize;
    fn main_width(&self) -> usize;
    fn periodic(&self) -> &[PeriodicColumn] {
        &[]
    }
    /// One entry per transition constraint, in the order [`Component::evaluate`] writes them.
    fn constraints(&self) -> &[ConstraintInfo];
    /// Writes each transition constraint's value on `frame` into `out`.
    fn evaluate(&self, frame: &Frame<'_>, out: &mut [Fe]);
    /// Boundary constraints on the component's own columns.
    fn boundaries(&self) -> Vec<Boundary> {
        Vec::new()
    }
    /// The lookups the component makes on every row, in the order [`Component::lookup_terms`]
    /// writes them.
    fn lookups(&self) -> &[LookupInfo] {
        &[]
    }
    /// Each lookup's multiplicity and tuple on `row` (`out.len() == lookups().len()`).
    fn lookup_terms(&self, _row: &Row<'_>, _out: &mut [LookupTerm]) {}
}
