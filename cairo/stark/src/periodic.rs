//! Periodic columns: known to both sides, never committed.
//!
//! A column repeating `values` (period r) down a table of height n is the polynomial
//! p(x) = q(x^(n/r)), where q interpolates `values` over the r-th roots of unity: at row i,
//! x = gⁱ and x^(n/r) is the r-th root of unity to the power i. The verifier evaluates q once at
//! z^(n/r) (O(r)); the prover evaluates q on the small coset that x^(n/r) runs over as x runs over
//! the evaluation domain (r·blowup points), and reads the table by index.

use crate::component::PeriodicColumn;
use crate::domain::Domain;
use crate::field::{Fe, F};
use lambdaworks_math::polynomial::Polynomial;

/// A periodic column ready to be evaluated.
#[derive(Clone, Debug)]
pub struct Periodic {
    poly: Polynomial<Fe>,
    /// n / r: the power x is raised to.
    stretch: u64,
}

impl Periodic {
    /// `None` if the period is not a power of two dividing `height`.
    pub fn new(column: &PeriodicColumn, height: usize) -> Option<Periodic> {
        let r = column.period();
        if r == 0 || !r.is_power_of_two() || height % r != 0 {
            return None;
        }
        let poly = Polynomial::interpolate_fft::<F>(&column.values).ok()?;
        Some(Periodic { poly, stretch: (height / r) as u64 })
    }

    /// The column's polynomial at `x`.
    pub fn at(&self, x: &Fe) -> Fe {
        self.poly.evaluate(&x.pow(self.stretch))
    }

    /// The column on `domain`'s evaluation points: entry `j mod len` is its value at point j.
    pub fn on_lde(&self, domain: &Domain) -> Vec<Fe> {
        let offset = domain.offset.pow(self.stretch);
        let period = (domain.lde_size as u64 / self.stretch) as usize;
        let r = period / domain.blowup;
        Polynomial::evaluate_offset_fft::<F>(&self.poly, domain.blowup, Some(r), &offset).expect("small power-of-two domain")
    }
}

/// Every periodic column of a component, evaluated on its evaluation domain.
pub struct PeriodicLde {
    tables: Vec<Vec<Fe>>,
}

impl PeriodicLde {
    pub fn new(columns: &[Periodic], domain: &Domain) -> PeriodicLde {
        PeriodicLde { tables: columns.iter().map(|p| p.on_lde(domain)).collect() }
    }

    /// The columns' values at evaluation point `i`, into `out`.
    pub fn row(&self, i: usize, out: &mut [Fe]) {
        for (o, t) in out.iter_mut().zip(&self.tables) {
            *o = t[i % t.len()];
        }
    }

    pub fn width(&self) -> usize {
        self.tables.len()
    }
}

/// The columns' values on trace row `i`.
pub fn trace_row(columns: &[PeriodicColumn], i: usize, out: &mut [Fe]) {
    for (o, c) in out.iter_mut().zip(columns) {
        *o = c.values[i % c.values.len()];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fe;

    #[test]
    fn periodic_column_agrees_on_the_trace_the_lde_and_a_point() {
        let column = PeriodicColumn::new((0..8u64).map(|i| fe(i * i + 3)).collect());
        let n = 64;
        let p = Periodic::new(&column, n).unwrap();
        let domain = Domain::new(n, 4, n).unwrap();
        for i in 0..n {
            assert_eq!(p.at(&domain.trace_point(i)), column.values[i % 8], "row {i}");
        }
        let lde = p.on_lde(&domain);
        for j in [0, 1, 5, 77, 255] {
            assert_eq!(lde[j % lde.len()], p.at(&domain.lde_point(j)), "lde point {j}");
        }
        assert!(Periodic::new(&PeriodicColumn::new(vec![fe(1); 3]), n).is_none());
        assert!(Periodic::new(&PeriodicColumn::new(vec![fe(1); 128]), n).is_none());
    }
}
