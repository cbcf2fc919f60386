//! The composition polynomial: every constraint divided by its zerofier, in one random combination.
//!
//! H(x) = Σ_j β_j·C_j(x)/Z_j(x) + Σ_k β'_k·(T_{c_k}(x) − v_k)/(x − g^{r_k}), where Z_j is x^n − 1 for
//! constraints on every row and (x^n − 1)/(x − g^{n−1}) for those that skip the last row.

use crate::air::{Air, Boundary, ConstraintDomain, Frame};
use crate::domain::Domain;
use crate::field::Fe;

/// Random weights, one per transition constraint and one per boundary constraint.
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

/// The transition part of H at a point.
pub(crate) fn transition_term(s: &DomainSums, z: &ZerofierInverses) -> Fe {
    z.vanishing * (s.all + z.last_factor * s.but_last) + z.first_row * s.first + z.last_row * s.last
}

/// H at a point `x` off the trace domain, from the frame there (the verifier's side). `None` if `x`
/// falls on the trace domain.
pub(crate) fn composition_at(
    air: &dyn Air,
    frame: &Frame<'_>,
    challenges: &[Fe],
    boundaries: &[Boundary],
    weights: &Weights,
    x: &Fe,
    domain: &Domain,
) -> Option<Fe> {
    let domains: Vec<ConstraintDomain> = air.constraints().iter().map(|c| c.domain).collect();
    let mut values = vec![Fe::zero(); domains.len()];
    air.evaluate(frame, challenges, &mut values);
    let last_point = domain.trace_point(domain.trace_length - 1);
    let zi = ZerofierInverses {
        vanishing: (x.pow(domain.trace_length as u64) - Fe::one()).inv().ok()?,
        last_factor: *x - last_point,
        first_row: (*x - Fe::one()).inv().ok()?,
        last_row: (*x - last_point).inv().ok()?,
    };
    let sums = split_sums(&domains, &values, &weights.transition);
    let mut acc = transition_term(&sums, &zi);
    let main_width = frame.main.len();
    for (b, w) in boundaries.iter().zip(&weights.boundary) {
        let cell = if b.column < main_width { frame.main[b.column] } else { frame.aux[b.column - main_width] };
        let denom = (*x - domain.trace_point(b.row)).inv().ok()?;
        acc += *w * (cell - b.value) * denom;
    }
    Some(acc)
}
