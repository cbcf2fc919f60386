//! logUp: the lookup argument that ties components together (Haböck, "Multivariate lookups based
//! on logarithmic derivatives", 2022).
//!
//! Each component's lookups become auxiliary columns holding one running sum of
//! m / (z − (v₀ + α·v₁ + …)) over its rows and terms, term by term in declared order; the sum on
//! the last row is the component's claimed sum. The verifier checks that the claimed sums and its
//! own public terms add up to zero. If some tuple is used more often than provided, that identity
//! fails as a rational function of z, so it fails at a random z except with negligible
//! probability (the field is far larger than any number of terms).
//!
//! Terms are grouped one column per group: the first group holds a single term, so the first-row
//! constraint stays of degree 2, and later groups hold two terms where the degree allows (3 with
//! linear terms), which halves the columns. The constraints, in order:
//! - first row: S₀·d₀ − m₀ = 0;
//! - from a row to the next: (S₀' − S_last)·d₀' − m₀' = 0;
//! - on every row, for each later group g: (S_g − S_{g−1})·Π d − Σ m·Π(other d) = 0.

use crate::air::RelationChallenge;
use crate::component::{ConstraintDomain, ConstraintInfo, LookupInfo, LookupTerm};
use crate::field::Fe;

/// The highest degree a group's constraint may reach before its terms are split.
const MAX_GROUP_DEGREE: usize = 3;

/// A component's lookups laid out as logUp columns.
#[derive(Clone, Debug)]
pub struct LogUp {
    pub infos: Vec<LookupInfo>,
    /// (first term, number of terms) per group; group g is auxiliary column g.
    pub groups: Vec<(usize, usize)>,
    /// The constraints the columns add, in evaluation order.
    pub constraints: Vec<ConstraintInfo>,
}

fn single_degree(t: &LookupInfo) -> usize {
    (1 + t.value_degree).max(t.multiplicity_degree)
}

fn pair_degree(a: &LookupInfo, b: &LookupInfo) -> usize {
    (1 + a.value_degree + b.value_degree)
        .max(a.multiplicity_degree + b.value_degree)
        .max(b.multiplicity_degree + a.value_degree)
}

impl LogUp {
    /// The layout for `lookups`; `None` when there are none (the component then has no
    /// auxiliary columns).
    pub fn new(lookups: &[LookupInfo]) -> Option<LogUp> {
        if lookups.is_empty() {
            return None;
        }
        let mut groups = vec![(0, 1)];
        let mut j = 1;
        while j < lookups.len() {
            if j + 1 < lookups.len() && pair_degree(&lookups[j], &lookups[j + 1]) <= MAX_GROUP_DEGREE {
                groups.push((j, 2));
                j += 2;
            } else {
                groups.push((j, 1));
                j += 1;
            }
        }
        let degree = |&(start, len): &(usize, usize)| {
            if len == 1 {
                single_degree(&lookups[start])
            } else {
                pair_degree(&lookups[start], &lookups[start + 1])
            }
        };
        let d0 = degree(&groups[0]);
        let mut constraints =
            vec![ConstraintInfo::new(d0, ConstraintDomain::FirstRow), ConstraintInfo::new(d0, ConstraintDomain::AllButLast)];
        constraints.extend(groups[1..].iter().map(|g| ConstraintInfo::new(degree(g), ConstraintDomain::AllRows)));
        Some(LogUp { infos: lookups.to_vec(), groups, constraints })
    }

    /// Number of auxiliary columns.
    pub fn width(&self) -> usize {
        self.groups.len()
    }

    /// The column holding the running sum after a row's last term.
    pub fn last_column(&self) -> usize {
        self.groups.len() - 1
    }

    fn denominators(&self, terms: &[LookupTerm], ch: &[RelationChallenge], out: &mut [Fe]) {
        for (j, (t, info)) in terms.iter().zip(&self.infos).enumerate() {
            out[j] = ch[info.relation].denominator(t, info.width);
        }
    }

    /// Writes the constraints' values at one point, from the auxiliary row and the next one and
    /// the terms on both rows.
    pub fn evaluate(
        &self,
        aux: &[Fe],
        aux_next: &[Fe],
        terms: &[LookupTerm],
        terms_next: &[LookupTerm],
        ch: &[RelationChallenge],
        out: &mut [Fe],
    ) {
        let mut d = [Fe::zero(); 64];
        let d = if terms.len() <= 64 { &mut d[..terms.len()] } else { unreachable!("at most 64 lookups per component") };
        self.denominators(terms, ch, d);
        let d0_next = ch[self.infos[0].relation].denominator(&terms_next[0], self.infos[0].width);
        out[0] = aux[0] * d[0] - terms[0].multiplicity;
        out[1] = (aux_next[0] - aux[self.last_column()]) * d0_next - terms_next[0].multiplicity;
        for (g, &(start, len)) in self.groups.iter().enumerate().skip(1) {
            let delta = aux[g] - aux[g - 1];
            out[1 + g] = if len == 1 {
                delta * d[start] - terms[start].multiplicity
            } else {
                let (da, db) = (d[start], d[start + 1]);
                delta * da * db - terms[start].multiplicity * db - terms[start + 1].multiplicity * da
            };
        }
    }

    /// The auxiliary columns on the trace, from every row's terms, and the claimed sum; `None` if
    /// a denominator is zero (a challenge that hit a tuple: the proof must be redone with another
    /// transcript, which happens with negligible probability). Also returns each relation's
    /// share of the sum, for the prover's own balance check.
    pub fn build(&self, rows: &[Vec<LookupTerm>], ch: &[RelationChallenge]) -> Option<(Vec<Vec<Fe>>, Fe, Vec<Fe>)> {
        use rayon::prelude::*;
        let n = rows.len();
        let k = self.infos.len();
        let mut den = vec![Fe::zero(); n * k];
        den.par_chunks_mut(k).zip(rows.par_iter()).for_each(|(d, terms)| self.denominators(terms, ch, d));
        let ok = den.par_chunks_mut(1 << 14).all(|c| Fe::inplace_batch_inverse(c).is_ok());
        if !ok {
            return None;
        }
        let mut relation_sums = vec![Fe::zero(); ch.len()];
        let mut cols = vec![vec![Fe::zero(); n]; self.width()];
        let mut acc = Fe::zero();
        for (i, terms) in rows.iter().enumerate() {
            for (g, &(start, len)) in self.groups.iter().enumerate() {
                for j in start..start + len {
                    let f = terms[j].multiplicity * den[i * k + j];
                    relation_sums[self.infos[j].relation] += f;
                    acc += f;
                }
                cols[g][i] = acc;
            }
        }
        Some((cols, acc, relation_sums))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_pair_linear_terms_and_keep_the_first_alone() {
        let lin = LookupInfo::linear(0, 2);
        let l = LogUp::new(&[lin; 7]).unwrap();
        assert_eq!(l.groups, vec![(0, 1), (1, 2), (3, 2), (5, 2)]);
        assert!(l.constraints.iter().all(|c| c.degree <= 3));
        assert_eq!(l.constraints[0].degree, 2, "the first-row constraint stays of degree 2");
        // A term of degree 2 goes alone.
        let quad = LookupInfo { value_degree: 2, ..lin };
        let l = LogUp::new(&[lin, quad, lin, lin]).unwrap();
        assert_eq!(l.groups, vec![(0, 1), (1, 1), (2, 2)]);
        assert!(LogUp::new(&[]).is_none());
    }
}
