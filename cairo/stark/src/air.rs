//! What a computation must say about itself to be proven: an [`Air`] is a set of components, the
//! lookup relations that tie them together, the verifier's own terms in those relations, and the
//! public input.

use crate::component::{Component, LookupTerm};
use crate::field::Fe;

/// A term the verifier adds to a relation itself, from public data (a public memory cell, say):
/// it balances against the components' terms like any other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicTerm {
    pub relation: usize,
    pub term: LookupTerm,
    pub width: usize,
}

/// An algebraic intermediate representation made of components.
///
/// The engine commits every component's main trace, draws two challenges per relation (the
/// point z and the tuple combiner α), builds and commits each component's logUp columns, and
/// proves that every constraint holds on its component's rows and that every relation balances:
/// Σ over components and public terms of m / (z − (v₀ + α·v₁ + α²·v₂ + …)) = 0.
pub trait Air: Sync {
    /// The components, in a fixed order (proofs list them in this order).
    fn components(&self) -> Vec<&dyn Component>;
    /// Number of lookup relations; a component's lookups name them by index.
    fn relations(&self) -> usize {
        0
    }
    /// The verifier's own terms.
    fn public_terms(&self) -> Vec<PublicTerm> {
        Vec::new()
    }
    /// The public inputs, as bytes absorbed into the transcript before any challenge is drawn.
    fn public_input_bytes(&self) -> Vec<u8>;
}

/// The two challenges of one relation.
#[derive(Clone, Debug)]
pub struct RelationChallenge {
    pub z: Fe,
    /// α⁰, α¹, …, one per tuple position.
    pub alpha_powers: [Fe; crate::component::MAX_LOOKUP_WIDTH],
}

impl RelationChallenge {
    pub fn new(z: Fe, alpha: Fe) -> Self {
        let mut alpha_powers = [Fe::one(); crate::component::MAX_LOOKUP_WIDTH];
        for k in 1..alpha_powers.len() {
            alpha_powers[k] = alpha_powers[k - 1] * alpha;
        }
        RelationChallenge { z, alpha_powers }
    }

    /// z − Σ αᵏ·vₖ over the first `width` values.
    pub fn denominator(&self, term: &LookupTerm, width: usize) -> Fe {
        let mut acc = Fe::zero();
        for k in 0..width {
            acc += self.alpha_powers[k] * term.values[k];
        }
        self.z - acc
    }
}
