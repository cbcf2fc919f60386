//! The trace domain (a subgroup of size n) and the evaluation domain (a coset of size n·blowup).

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
    /// `None` if either size is not a power of two or exceeds the field's two-adicity.
    pub fn new(trace_length: usize, blowup: usize) -> Option<Domain> {
        if !trace_length.is_power_of_two() || !blowup.is_power_of_two() || trace_length < 2 {
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
            offset: coset_offset(),
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
