//! What both sides derive from a component before any proof is looked at: its domain, its
//! periodic polynomials, its logUp layout, all its constraints (its own, then logUp's), its
//! boundaries and its number of composition parts.

use crate::air::RelationChallenge;
use crate::component::{Boundary, Component, ConstraintInfo, Frame, LookupTerm, Row};
use crate::domain::Domain;
use crate::field::Fe;
use crate::lookup::LogUp;
use crate::periodic::Periodic;

pub(crate) struct Shape<'a> {
    pub component: &'a dyn Component,
    pub height: usize,
    pub domain: Domain,
    pub periodic: Vec<Periodic>,
    pub logup: Option<LogUp>,
    /// The component's constraints, then logUp's.
    pub constraints: Vec<ConstraintInfo>,
    pub own_constraints: usize,
    pub main_width: usize,
    pub aux_width: usize,
    /// Number of composition parts: enough for the largest quotient.
    pub parts: usize,
}

/// Why a component cannot be proven or verified with these options at all.
pub(crate) fn shape_error(name: &str, what: &str) -> String {
    format!("component {name}: {what}")
}

impl<'a> Shape<'a> {
    pub fn new(component: &'a dyn Component, blowup: usize, max_height: usize) -> Result<Shape<'a>, String> {
        let name = component.name();
        let height = component.height();
        if !height.is_power_of_two() || height < 8 {
            return Err(shape_error(name, &format!("height {height} is not a power of two of at least 8")));
        }
        let domain = Domain::new(height, blowup, max_height)
            .ok_or_else(|| shape_error(name, &format!("height {height} gives no evaluation domain")))?;
        let periodic = component
            .periodic()
            .iter()
            .map(|c| Periodic::new(c, height))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| shape_error(name, "a periodic column's period is not a power of two dividing the height"))?;
        if component.lookups().len() > 64 {
            return Err(shape_error(name, "more than 64 lookups"));
        }
        let logup = LogUp::new(component.lookups());
        let mut constraints = component.constraints().to_vec();
        let own_constraints = constraints.len();
        if let Some(l) = &logup {
            constraints.extend_from_slice(&l.constraints);
        }
        let parts = composition_parts(&constraints, height);
        Ok(Shape {
            component,
            height,
            domain,
            periodic,
            aux_width: logup.as_ref().map_or(0, LogUp::width),
            logup,
            constraints,
            own_constraints,
            main_width: component.main_width(),
            parts,
        })
    }

    /// Every boundary constraint, columns numbered main then auxiliary: the component's own and,
    /// with lookups, the running sum's last value equal to the claimed sum.
    pub fn boundaries(&self, claimed_sum: Option<Fe>) -> Vec<Boundary> {
        let mut out = self.component.boundaries();
        if let (Some(l), Some(sum)) = (&self.logup, claimed_sum) {
            out.push(Boundary { column: self.main_width + l.last_column(), row: self.height - 1, value: sum });
        }
        out
    }

    /// Every constraint's value at one point, own then logUp, into `out`.
    pub fn evaluate(
        &self,
        frame: &Frame<'_>,
        aux: &[Fe],
        aux_next: &[Fe],
        ch: &[RelationChallenge],
        terms: &mut [LookupTerm],
        terms_next: &mut [LookupTerm],
        out: &mut [Fe],
    ) {
        let (own, rest) = out.split_at_mut(self.own_constraints);
        self.component.evaluate(frame, own);
        if let Some(l) = &self.logup {
            self.component.lookup_terms(&Row { main: frame.main, periodic: frame.periodic }, terms);
            self.component.lookup_terms(&Row { main: frame.main_next, periodic: frame.periodic_next }, terms_next);
            l.evaluate(aux, aux_next, terms, terms_next, ch, rest);
        }
    }

    /// Periodic values at `x` (and at g·x).
    pub fn periodic_at(&self, x: &Fe) -> Vec<Fe> {
        self.periodic.iter().map(|p| p.at(x)).collect()
    }

    pub fn lookup_buffers(&self) -> (Vec<LookupTerm>, Vec<LookupTerm>) {
        let k = self.component.lookups().len();
        (vec![LookupTerm::default(); k], vec![LookupTerm::default(); k])
    }
}

/// Number of composition-polynomial parts, each of degree below the height: enough for the
/// largest quotient, C_j of degree d_j·(n−1) divided by a zerofier of degree |domain_j|.
pub fn composition_parts(constraints: &[ConstraintInfo], n: usize) -> usize {
    let coefficients = constraints
        .iter()
        .map(|c| (c.degree * (n - 1) + 1).saturating_sub(c.domain.size(n)))
        .max()
        .unwrap_or(0)
        .max(n - 1);
    coefficients.div_ceil(n).max(1)
}
