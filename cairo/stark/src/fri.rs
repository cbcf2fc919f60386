//! FRI over components of several heights: proves that every component's DEEP polynomial is
//! close to a polynomial of degree below that component's height.
//!
//! Layer k lives on the coset h^(2^k)·⟨ω^(2^k)⟩ of size N/2^k (N the tallest component's
//! evaluation domain), in natural order, so the points at j and j + N_k/2 are negatives of each
//! other; a committed layer's leaf j holds that pair. Folding with challenge ζ:
//! f'(x²) = (f(x) + f(−x))/2 + ζ·(f(x) − f(−x))/(2x). The DEEP polynomial of the components
//! 2^k times shorter than the tallest lives on exactly layer k's domain and joins there:
//! f_k = fold_ζ(f_{k−1}) + ζ²·D_k. The weight ζ² is drawn after D_k is fixed, so a far-from-low-
//! degree D_k cannot cancel against the fold (the three polynomials f_even, f_odd, D_k are
//! combined by the powers of one random ζ, the batched-FRI setting of the proximity gaps).

use crate::domain::Domain;
use crate::field::Fe;
use crate::merkle::{Commitment, Root};
use crate::proof::TableOpening;
use crate::transcript::Transcript;
use lambdaworks_math::polynomial::Polynomial;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Folds one layer, given the coset offset and generator of its domain.
pub fn fold(evals: &[Fe], offset: &Fe, generator: &Fe, zeta: &Fe) -> Vec<Fe> {
    let half = evals.len() / 2;
    let two_inv = Fe::from(2u64).inv().expect("2 is invertible");
    let offset_inv = offset.inv().expect("coset offset is non-zero");
    let gen_inv = generator.inv().expect("generator is non-zero");
    // x_j^{-1} = offset^{-1}·gen^{-j}, computed in chunks so threads can start mid-way.
    const CHUNK: usize = 1 << 12;
    let mut out = vec![Fe::zero(); half];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let start = c * CHUNK;
        let mut x_inv = offset_inv * gen_inv.pow(start as u64);
        for (k, slot) in chunk.iter_mut().enumerate() {
            let j = start + k;
            *slot = fold_pair(&evals[j], &evals[j + half], &x_inv, zeta, &two_inv);
            x_inv *= gen_inv;
        }
    });
    out
}

/// One fold: the value at x² from the values at x and −x.
pub fn fold_pair(a: &Fe, b: &Fe, x_inv: &Fe, zeta: &Fe, two_inv: &Fe) -> Fe {
    (*a + *b) * *two_inv + *zeta * (*a - *b) * *two_inv * *x_inv
}

/// How many folds take a polynomial of degree < 2^height_log down to fewer than 2^last_log
/// coefficients.
pub fn fold_count(height_log: u32, last_log: u8) -> u32 {
    height_log.saturating_sub(last_log as u32)
}

/// How a cheating prover departs from the commit phase (soundness tests only; `Honest` otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Cheat {
    #[default]
    Honest,
    /// Commits layer `layer` (1-based) as its honest value plus `delta` at every point: still of
    /// low degree, but not the fold of the layer before.
    OffsetLayer { layer: usize, delta: Fe },
    /// Sends the last layer with `delta` added to its constant coefficient.
    OffsetLastLayer { delta: Fe },
}

/// The prover's FRI state after the commit phase.
pub struct FriProver {
    /// Committed layers 1..folds (layer 0 is opened through the components).
    pub layers: Vec<Commitment>,
    pub last_layer: Vec<Fe>,
}

/// Commit phase. `entries[k]` is the DEEP polynomial joining at layer k, as evaluations on that
/// layer's domain (`entries[0]` is the tallest components', the start); `domain` is the tallest
/// component's.
pub fn commit(
    mut entries: Vec<Option<Vec<Fe>>>,
    domain: &Domain,
    last_log: u8,
    transcript: &mut Transcript,
    cheat: Cheat,
) -> FriProver {
    let folds = fold_count(domain.trace_log, last_log) as usize;
    entries.resize(folds + 1, None);
    let mut current = entries[0].take().expect("the tallest components start FRI");
    let mut offset = domain.offset;
    let mut generator = domain.lde_generator;
    let mut layers = Vec::new();
    for k in 0..folds {
        let zeta = transcript.challenge();
        current = fold(&current, &offset, &generator, &zeta);
        offset = offset.square();
        generator = generator.square();
        if let Some(entry) = entries[k + 1].take() {
            let weight = zeta.square();
            current.par_iter_mut().zip(entry.par_iter()).for_each(|(c, e)| *c += weight * *e);
        }
        if let Cheat::OffsetLayer { layer, delta } = cheat {
            if layer == k + 1 {
                current.iter_mut().for_each(|v| *v += delta);
            }
        }
        if k + 1 < folds {
            let half = current.len() / 2;
            let leaves: Vec<Vec<Fe>> = (0..half).map(|j| vec![current[j], current[j + half]]).collect();
            let c = Commitment::new(leaves);
            transcript.absorb_bytes(&c.root());
            layers.push(c);
        }
    }
    let coeffs = Polynomial::interpolate_offset_fft::<crate::field::F>(&current, &offset)
        .expect("layer size is a power of two")
        .coefficients()
        .to_vec();
    let keep = domain.trace_length >> folds;
    let mut last_layer = coeffs;
    last_layer.resize(keep, Fe::zero());
    if let Cheat::OffsetLastLayer { delta } = cheat {
        last_layer[0] += delta;
    }
    transcript.absorb_fes(&last_layer);
    FriProver { layers, last_layer }
}

impl FriProver {
    /// Every committed layer's openings for the queries (pair indices into layer 0).
    pub fn open(&self, queries: &[usize]) -> Vec<TableOpening> {
        self.layers.iter().map(|c| c.open_table(queries)).collect()
    }
}

/// The opened leaves of each committed layer, by leaf index, once their multiproofs check out.
pub type LayerLeaves<'a> = Vec<BTreeMap<usize, &'a Vec<Fe>>>;

/// Checks every committed layer's openings against its root; `Err(layer)` names the first that
/// fails (1-based).
pub fn verify_layers<'a>(
    domain: &Domain,
    roots: &[Root],
    queries: &[usize],
    openings: &'a [TableOpening],
) -> Result<LayerLeaves<'a>, usize> {
    let mut out = Vec::with_capacity(roots.len());
    for (k, (root, opening)) in roots.iter().zip(openings).enumerate() {
        let half = (domain.lde_size >> (k + 1)) / 2;
        let leaves = crate::merkle::check_table(root, half, queries, opening, 2).ok_or(k + 1)?;
        out.push(leaves);
    }
    Ok(out)
}

/// What the verifier knows of FRI before the queries: the roots and the challenges.
pub struct FriCommitments<'a> {
    pub roots: &'a [Root],
    pub zetas: Vec<Fe>,
    pub last_layer: &'a [Fe],
}

/// Why one query failed.
pub enum FriQueryError {
    Fold { layer: usize },
    LastLayer,
    /// A joining component's DEEP value could not be computed (a degenerate point).
    Entry,
}

/// Checks one query's folds, starting from the layer-0 pair (f(x_q), f(−x_q)) the verifier
/// computed from the tallest components' openings. `entry(k, j)` is the DEEP value of the
/// components joining at layer k at that layer's point j (`Ok(None)` if none join there); the
/// layers' openings were checked by [`verify_layers`].
pub fn verify_query(
    domain: &Domain,
    fri: &FriCommitments<'_>,
    q: usize,
    layer0: (Fe, Fe),
    layers: &LayerLeaves<'_>,
    entry: &dyn Fn(usize, usize) -> Result<Option<Fe>, ()>,
) -> Result<(), FriQueryError> {
    let two_inv = Fe::from(2u64).inv().expect("2 is invertible");
    let folds = fri.zetas.len();
    let mut offset = domain.offset;
    let mut generator = domain.lde_generator;
    // 1/x from the inverses of the offset and the generator: no inversion per layer.
    let mut offset_inv = offset.inv().map_err(|_| FriQueryError::Fold { layer: 0 })?;
    let mut generator_inv = generator.inv().map_err(|_| FriQueryError::Fold { layer: 0 })?;
    let mut size = domain.lde_size;
    let mut pair = layer0;
    // Index of the value we carry, within the current layer.
    let mut index = q;
    for k in 0..folds {
        let half = size / 2;
        let j = index % half;
        let x_inv = offset_inv * generator_inv.pow(j as u64);
        let mut folded = fold_pair(&pair.0, &pair.1, &x_inv, &fri.zetas[k], &two_inv);
        if let Some(e) = entry(k + 1, j).map_err(|_| FriQueryError::Entry)? {
            folded += fri.zetas[k].square() * e;
        }
        offset = offset.square();
        generator = generator.square();
        offset_inv = offset_inv.square();
        generator_inv = generator_inv.square();
        size = half;
        index = j;
        if k + 1 < folds {
            let layer = k + 1;
            let leaf = layers[k].get(&(index % (size / 2))).ok_or(FriQueryError::Fold { layer })?;
            let own = if index < size / 2 { leaf[0] } else { leaf[1] };
            if own != folded {
                return Err(FriQueryError::Fold { layer });
            }
            pair = (leaf[0], leaf[1]);
        } else {
            let x = offset * generator.pow(index as u64);
            let expected = Polynomial::new(fri.last_layer).evaluate(&x);
            if expected != folded {
                return Err(FriQueryError::LastLayer);
            }
        }
    }
    if folds == 0 {
        // No folding at all: the DEEP values themselves must lie on the last-layer polynomial.
        let x = domain.offset * domain.lde_generator.pow(q as u64);
        let p = Polynomial::new(fri.last_layer);
        if p.evaluate(&x) != layer0.0 || p.evaluate(&-x) != layer0.1 {
            return Err(FriQueryError::LastLayer);
        }
    }
    Ok(())
}
