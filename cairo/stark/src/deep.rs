//! The DEEP composition of one component: a polynomial of degree below its height whose low
//! degree (checked by FRI) implies that every committed column agrees with the out-of-domain
//! values the prover sent.
//!
//! D(x) = Σ_c γ_c·(T_c(x) − T_c(z))/(x − z) + γ'_c·(T_c(x) − T_c(gz))/(x − gz)
//!      + Σ_i γ''_i·(H_i(x) − H_i(z^m))/(x − z^m),
//! with g the component's own trace generator and m its number of composition parts.

use crate::field::Fe;

/// Weights and the out-of-domain points, with the constant parts folded in ahead of time.
pub(crate) struct DeepCombiner {
    /// γ_c for the trace columns (main then aux) at z.
    pub at_z: Vec<Fe>,
    /// γ'_c at g·z.
    pub at_gz: Vec<Fe>,
    /// γ''_i for the composition parts.
    pub parts: Vec<Fe>,
    /// Σ γ_c·T_c(z), Σ γ'_c·T_c(gz), Σ γ''_i·H_i(z^m).
    pub const_z: Fe,
    pub const_gz: Fe,
    pub const_parts: Fe,
    pub z: Fe,
    pub gz: Fe,
    pub z_m: Fe,
}

impl DeepCombiner {
    pub fn new(
        weights: Vec<Fe>,
        trace_at_z: &[Fe],
        trace_at_gz: &[Fe],
        parts_at_zm: &[Fe],
        z: Fe,
        gz: Fe,
        z_m: Fe,
    ) -> Self {
        let w = trace_at_z.len();
        let at_z = weights[..w].to_vec();
        let at_gz = weights[w..2 * w].to_vec();
        let parts = weights[2 * w..].to_vec();
        let dot = |a: &[Fe], b: &[Fe]| a.iter().zip(b).fold(Fe::zero(), |acc, (x, y)| acc + *x * *y);
        DeepCombiner {
            const_z: dot(&at_z, trace_at_z),
            const_gz: dot(&at_gz, trace_at_gz),
            const_parts: dot(&parts, parts_at_zm),
            at_z,
            at_gz,
            parts,
            z,
            gz,
            z_m,
        }
    }

    /// Number of weights for a trace of `width` columns and `parts` composition parts.
    pub fn weight_count(width: usize, parts: usize) -> usize {
        2 * width + parts
    }

    /// D at one point, given the trace row (main then aux) and composition parts there, and the
    /// inverses 1/(x − z), 1/(x − gz), 1/(x − z^m).
    pub fn evaluate(&self, row: &[&[Fe]], parts: &[Fe], inv: (&Fe, &Fe, &Fe)) -> Fe {
        let mut s_z = Fe::zero();
        let mut s_gz = Fe::zero();
        let mut c = 0;
        for segment in row {
            for v in segment.iter() {
                s_z += self.at_z[c] * *v;
                s_gz += self.at_gz[c] * *v;
                c += 1;
            }
        }
        let s_parts = parts.iter().zip(&self.parts).fold(Fe::zero(), |acc, (v, g)| acc + *v * *g);
        (s_z - self.const_z) * *inv.0 + (s_gz - self.const_gz) * *inv.1 + (s_parts - self.const_parts) * *inv.2
    }

    /// The three inverses at `x` (one field inversion for the three), or `None` if `x` hits one
    /// of the out-of-domain points.
    pub fn inverses(&self, x: &Fe) -> Option<(Fe, Fe, Fe)> {
        let (a, b, c) = (*x - self.z, *x - self.gz, *x - self.z_m);
        let ab = a * b;
        let all = (ab * c).inv().ok()?;
        let inv_c = all * ab;
        let inv_ab = all * c;
        Some((inv_ab * b, inv_ab * a, inv_c))
    }
}
