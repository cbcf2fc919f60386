//! What a computation must say about itself to be proven: the [`Air`] trait.

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
}

/// The rows on which a transition constraint must vanish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintDomain {
    /// Every row: the constraint reads only the current row.
    AllRows,
    /// Every row but the last: the constraint relates a row to the next one, and the last row has
    /// no next row (its "next" wraps around to row 0).
    AllButLast,
    /// Only the first row (for the start of a running product).
    FirstRow,
    /// Only the last row.
    LastRow,
}

impl ConstraintDomain {
    /// How many rows the constraint covers, i.e. the degree of its zerofier.
    pub fn size(&self, trace_length: usize) -> usize {
        match self {
            ConstraintDomain::AllRows => trace_length,
            ConstraintDomain::AllButLast => trace_length - 1,
            ConstraintDomain::FirstRow | ConstraintDomain::LastRow => 1,
        }
    }
}

/// What the engine needs to know about one transition constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConstraintInfo {
    /// Total degree of the constraint as a polynomial in the trace cells.
    pub degree: usize,
    pub domain: ConstraintDomain,
}

/// `column(row) == value`. Columns are numbered main first, then auxiliary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boundary {
    pub column: usize,
    pub row: usize,
    pub value: Fe,
}

/// The cells a transition constraint can see: one row and the next, main and auxiliary.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub main: &'a [Fe],
    pub main_next: &'a [Fe],
    pub aux: &'a [Fe],
    pub aux_next: &'a [Fe],
}

/// An algebraic intermediate representation.
///
/// The engine commits the main trace, draws `num_challenges()` random field elements, lets the AIR
/// build its auxiliary (interaction) columns from them, commits those, and then proves that every
/// transition constraint vanishes on its domain and every boundary constraint holds.
pub trait Air: Sync {
    /// Number of rows; a power of two, at least 8.
    fn trace_length(&self) -> usize;
    fn main_width(&self) -> usize;
    fn aux_width(&self) -> usize {
        0
    }
    /// Random challenges drawn after the main commitment, for the auxiliary columns.
    fn num_challenges(&self) -> usize {
        0
    }
    /// Prover side: the auxiliary columns, from the main trace and the challenges.
    fn build_aux_trace(&self, _main: &TraceTable, _challenges: &[Fe]) -> TraceTable {
        TraceTable::default()
    }
    /// One entry per transition constraint, in the order [`Air::evaluate`] writes them.
    fn constraints(&self) -> &[ConstraintInfo];
    /// Writes each transition constraint's value on `frame` into `out` (`out.len()` equals
    /// `constraints().len()`).
    fn evaluate(&self, frame: &Frame<'_>, challenges: &[Fe], out: &mut [Fe]);
    /// Boundary constraints; they may depend on the challenges (final values of running products).
    fn boundaries(&self, challenges: &[Fe]) -> Vec<Boundary>;
    /// The public inputs, as bytes absorbed into the transcript before any challenge is drawn.
    fn public_input_bytes(&self) -> Vec<u8>;
}

/// Number of composition-polynomial parts, each of degree below the trace length: enough for the
/// largest quotient, C_j of degree d_j·(n−1) divided by a zerofier of degree |domain_j|.
pub fn composition_parts(air: &dyn Air) -> usize {
    let n = air.trace_length();
    let coefficients = air
        .constraints()
        .iter()
        .map(|c| (c.degree * (n - 1) + 1).saturating_sub(c.domain.size(n)))
        .max()
        .unwrap_or(0)
        .max(n - 1);
    coefficients.div_ceil(n).max(1)
}
