//! A component's composition polynomial: every constraint divided by its zerofier, in one random
//! combination.
//!
//! H(x) = Σ_j β_j·C_j(x)/Z_j(x) + Σ_k β'_k·(T_{c_k}(x) − v_k)/(x − g^{r_k}), where Z_j is x^n − 1
//! for constraints on every row, (x^n − 1)/(x − g^{n−1}) for those that skip the last row, and
//! x − 1 or x − g^{n−1} for the first or last row alone; n and g are the component's own.

use crate::component::{Boundary, ConstraintDomain};
use crate::domain::Domain;
use crate::field::Fe;

/// Random weights of one component, one per constraint and one per boundary constraint.
pub(crate) struct Weights {
    pub transition: Vec<Fe>,
    pub boundary: Vec<Fe>,
}

/// Σ β_j·C_j grouped by constraint domain.
#[derive(Default)]
pub(crate) struct DomainSums {
    pub all: Fe,
    pub but_last: Fe,
    pub first: Fe,
    pub last: Fe,
}

pub(crate) fn split_sums(domains: &[ConstraintDomain], values: &[Fe], weights: &[Fe]) -> DomainSums {
    let mut s = DomainSums::default();
    for ((d, v), w) in domains.iter().zip(values).zip(weights) {
        let term = *w * *v;
        match d {
            ConstraintDomain::AllRows => s.all += term,
            ConstraintDomain::AllButLast => s.but_last += term,
            ConstraintDomain::FirstRow => s.first += term,
            ConstraintDomain::LastRow => s.last += term,
        }
    }
    s
}

/// The inverses of the zerofiers at one point.
pub(crate) struct ZerofierInverses {
    /// 1/(x^n − 1)
    pub vanishing: Fe,
    /// x − g^{n−1}, the factor that turns x^n − 1 into the all-but-last zerofier.
    pub last_factor: Fe,
    /// 1/(x − 1)
    pub first_row: Fe,
    /// 1/(x − g^{n−1})
    pub last_row: Fe,
}

impl ZerofierInverses {
    /// At a point off the trace domain; `None` on it.
    pub fn at(x: &Fe, domain: &Domain) -> Option<ZerofierInverses> {
        let last_point = domain.trace_point(domain.trace_length - 1);
        Some(ZerofierInverses {
            vanishing: (x.pow(domain.trace_length as u64) - Fe::one()).inv().ok()?,
            last_factor: *x - last_point,
            first_row: (*x - Fe::one()).inv().ok()?,
            last_row: (*x - last_point).inv().ok()?,
        })
    }
}

/// The transition part of H at a point.
pub(crate) fn transition_term(s: &DomainSums, z: &ZerofierInverses) -> Fe {
    z.vanishing * (s.all + z.last_factor * s.but_last) + z.first_row * s.first + z.last_row * s.last
}

/// H at a point `x` off the trace domain, from the constraint values and the cells there (main
/// then aux). `None` if `x` falls on the trace domain.
pub(crate) fn composition_at(
    domains: &[ConstraintDomain],
    values: &[Fe],
    cells: &dyn Fn(usize) -> Fe,
    boundaries: &[Boundary],
    weights: &Weights,
    x: &Fe,
    domain: &Domain,
) -> Option<Fe> {
    let zi = ZerofierInverses::at(x, domain)?;
    let sums = split_sums(domains, values, &weights.transition);
    let mut acc = transition_term(&sums, &zi);
    for (b, w) in boundaries.iter().zip(&weights.boundary) {
        let denom = (*x - domain.trace_point(b.row)).inv().ok()?;
        acc += *w * (cells(b.column) - b.value) * denom;
    }
    Some(acc)
}
