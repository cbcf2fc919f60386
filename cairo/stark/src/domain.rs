//! The trace domain (a subgroup of size n) and the evaluation domain (a coset of size n·blowup)
//! of one component.
//!
//! Components of different heights share one FRI: the evaluation domain of the tallest is the
//! coset h·⟨ω⟩, and FRI's k-th layer lives on h^(2^k)·⟨ω^(2^k)⟩. A component 2^k times shorter
//! is extended onto exactly that coset (offset h^(2^k)), so its DEEP polynomial can join FRI at
//! layer k point for point. lambdaworks' roots of unity are squares of one another
//! (`root(k)² = root(k − 1)`), so ω^(2^k) is the generator the FFTs use for the smaller size.

use crate::field::{Fe, F};
use lambdaworks_math::field::traits::IsFFTField;

/// The coset offset: the field's multiplicative generator, so the coset misses the subgroup.
pub fn coset_offset() -> Fe {
    Fe::from(3u64)
}

/// The two domains of one proof.
#[derive(Clone, Debug)]
pub struct Domain {
    /// Trace length n.
    pub trace_length: usize,
    pub trace_log: u32,
    /// Generator g of the trace subgroup.
    pub trace_generator: Fe,
    /// Blowup factor b.
    pub blowup: usize,
    /// Size of the evaluation domain, N = n·b.
    pub lde_size: usize,
    pub lde_log: u32,
    /// Generator ω of the size-N subgroup; the evaluation domain is h·ω^i.
    pub lde_generator: Fe,
    pub offset: Fe,
}

impl Domain {
    /// The domains of a component of `trace_length` rows in a proof whose tallest component has
    /// `max_height` rows. `None` if a size is not a power of two, the component is taller than
    /// the tallest, or a size exceeds the field's two-adicity.
    pub fn new(trace_length: usize, blowup: usize, max_height: usize) -> Option<Domain> {
        if !trace_length.is_power_of_two() || !blowup.is_power_of_two() || trace_length < 2 {
            return None;
        }
        if !max_height.is_power_of_two() || max_height < trace_length {
            return None;
        }
        let lde_size = trace_length.checked_mul(blowup)?;
        let trace_log = trace_length.trailing_zeros();
        let lde_log = lde_size.trailing_zeros();
        if lde_log > 40 {
            return None;
        }
        Some(Domain {
            trace_length,
            trace_log,
            trace_generator: F::get_primitive_root_of_unity(trace_log as u64).ok()?,
            blowup,
            lde_size,
            lde_log,
            lde_generator: F::get_primitive_root_of_unity(lde_log as u64).ok()?,
            offset: coset_offset().pow((max_height / trace_length) as u64),
        })
    }

    /// The evaluation-domain points h·ω^i, in natural order.
    pub fn lde_points(&self) -> Vec<Fe> {
        let mut out = Vec::with_capacity(self.lde_size);
        let mut x = self.offset;
        for _ in 0..self.lde_size {
            out.push(x);
            x *= self.lde_generator;
        }
        out
    }

    /// The evaluation-domain point with index `i`.
    pub fn lde_point(&self, i: usize) -> Fe {
        self.offset * self.lde_generator.pow(i as u64)
    }

    /// g^row.
    pub fn trace_point(&self, row: usize) -> Fe {
        self.trace_generator.pow(row as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shorter_component_lives_on_a_fri_layer_of_the_tallest() {
        let tall = Domain::new(64, 4, 64).unwrap();
        let short = Domain::new(16, 4, 64).unwrap();
        // Layer 2 of the tall domain: its points squared twice.
        for j in 0..short.lde_size {
            assert_eq!(tall.lde_point(j).pow(4u64), short.lde_point(j), "point {j}");
        }
        assert_eq!(tall.lde_generator.pow(4u64), short.lde_generator);
        assert!(Domain::new(128, 4, 64).is_none());
    }
}
