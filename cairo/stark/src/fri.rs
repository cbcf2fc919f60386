//! FRI: proves that a function on the evaluation domain is close to a polynomial of low degree.
//!
//! Layer k lives on the coset h^(2^k)·⟨ω^(2^k)⟩ of size N/2^k, in natural order, so the points at
//! j and j + N_k/2 are negatives of each other. A committed layer's leaf j holds that pair.
//! Folding with challenge ζ: f'(x²) = (f(x) + f(−x))/2 + ζ·(f(x) − f(−x))/(2x).

use crate::domain::Domain;
use crate::field::Fe;
use crate::merkle::{verify_batch, Commitment, Path, Root};
use crate::proof::Opening;
use crate::transcript::Transcript;
use lambdaworks_math::polynomial::Polynomial;
use rayon::prelude::*;

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

/// How many folds take a polynomial of degree < n down to fewer than 2^last_log coefficients.
pub fn fold_count(trace_log: u32, last_log: u8) -> u32 {
    trace_log.saturating_sub(last_log as u32)
}

/// The prover's FRI state after the commit phase.
pub struct FriProver {
    /// Committed layers 1..folds (layer 0, the DEEP polynomial, is opened through the trace).
    pub layers: Vec<Commitment>,
    pub last_layer: Vec<Fe>,
}

/// How a cheating prover departs from the commit phase (soundness tests only; `Honest` otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Cheat {
    #[default]
    Honest,
    /// Commits layer `layer` (1-based) as its honest fold plus `delta` at every point: still of
    /// low degree, but not the fold of the layer before.
    OffsetLayer { layer: usize, delta: Fe },
    /// Sends the last layer with `delta` added to its constant coefficient.
    OffsetLastLayer { delta: Fe },
}

/// Commit phase: folds `evals` (layer 0) down, committing each intermediate layer.
pub fn commit(evals: Vec<Fe>, domain: &Domain, last_log: u8, transcript: &mut Transcript) -> FriProver {
    commit_with(evals, domain, last_log, transcript, Cheat::Honest)
}

pub(crate) fn commit_with(evals: Vec<Fe>, domain: &Domain, last_log: u8, transcript: &mut Transcript, cheat: Cheat) -> FriProver {
    let folds = fold_count(domain.trace_log, last_log);
    let mut current = evals;
    let mut offset = domain.offset;
    let mut generator = domain.lde_generator;
    let mut layers = Vec::new();
    for k in 0..folds {
        let zeta = transcript.challenge();
        current = fold(&current, &offset, &generator, &zeta);
        if let Cheat::OffsetLayer { layer, delta } = cheat {
            if layer == k as usize + 1 {
                current.iter_mut().for_each(|v| *v += delta);
            }
        }
        offset = offset.square();
        generator = generator.square();
        if k + 1 < folds {
            let half = current.len() / 2;
            let leaves: Vec<Vec<Fe>> =
                (0..half).map(|j| vec![current[j], current[j + half]]).collect();
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
    /// Openings of every committed layer for the query at pair index `q` of layer 0.
    pub fn open(&self, q: usize) -> Vec<Opening> {
        self.layers.iter().map(|c| Opening { values: c.leaf(q % c.leaf_count()) }).collect()
    }

    /// One multiproof per committed layer for all the queries.
    pub fn paths(&self, queries: &[usize]) -> Vec<Path> {
        self.layers
            .iter()
            .map(|c| c.multi_open(&queries.iter().map(|q| q % c.leaf_count()).collect::<Vec<_>>()))
            .collect()
    }
}

/// Checks every committed layer's openings against its root, for all queries at once.
pub fn verify_layers(
    domain: &Domain,
    roots: &[Root],
    queries: &[usize],
    openings: &[&[Opening]],
    paths: &[Path],
) -> Result<(), usize> {
    for (k, root) in roots.iter().enumerate() {
        let half = (domain.lde_size >> (k + 1)) / 2;
        let leaves: Vec<(usize, &Vec<Fe>)> =
            queries.iter().zip(openings).map(|(q, o)| (q % half, &o[k].values)).collect();
        if leaves.iter().any(|(_, v)| v.len() != 2) || !verify_batch(root, half.trailing_zeros(), &leaves, &paths[k]) {
            return Err(k + 1);
        }
    }
    Ok(())
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
}

/// Checks one query's folds, starting from the layer-0 pair (f(x_q), f(−x_q)) the verifier
/// computed itself from the trace openings; the openings were checked by [`verify_layers`].
pub fn verify_query(
    domain: &Domain,
    fri: &FriCommitments<'_>,
    q: usize,
    layer0: (Fe, Fe),
    openings: &[Opening],
) -> Result<(), FriQueryError> {
    let two_inv = Fe::from(2u64).inv().expect("2 is invertible");
    let folds = fri.zetas.len();
    let mut offset = domain.offset;
    let mut generator = domain.lde_generator;
    let mut size = domain.lde_size;
    let mut pair = layer0;
    // Index of the value we carry, within the current layer.
    let mut index = q;
    for k in 0..folds {
        let half = size / 2;
        let j = index % half;
        let x_inv = (offset * generator.pow(j as u64)).inv().map_err(|_| FriQueryError::Fold { layer: k })?;
        let folded = fold_pair(&pair.0, &pair.1, &x_inv, &fri.zetas[k], &two_inv);
        offset = offset.square();
        generator = generator.square();
        size = half;
        index = j;
        if k + 1 < folds {
            let layer = k + 1;
            let opening = &openings[k];
            let own = if index < size / 2 { opening.values[0] } else { opening.values[1] };
            if own != folded {
                return Err(FriQueryError::Fold { layer });
            }
            pair = (opening.values[0], opening.values[1]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{fe, F};

    /// A genuine low-degree polynomial, committed and queried, then each per-query check made to
    /// fail on its own: a wrong layer-0 pair breaks the first fold, a wrong last layer the end.
    #[test]
    fn folds_and_last_layer_are_checked_per_query() {
        let domain = Domain::new(64, 4).unwrap();
        let coeffs: Vec<Fe> = (0..64u64).map(|i| fe(i * i + 7)).collect();
        let evals = Polynomial::evaluate_offset_fft::<F>(&Polynomial::new(&coeffs), 4, Some(64), &domain.offset).unwrap();
        let mut t = Transcript::new(b"fri-test");
        let prover = commit(evals.clone(), &domain, 2, &mut t);
        let mut tv = Transcript::new(b"fri-test");
        let folds = fold_count(domain.trace_log, 2) as usize;
        let mut zetas = Vec::new();
        for k in 0..folds {
            zetas.push(tv.challenge());
            if k + 1 < folds {
                tv.absorb_bytes(&prover.layers[k].root());
            }
        }
        let roots: Vec<Root> = prover.layers.iter().map(Commitment::root).collect();
        let fri = FriCommitments { roots: &roots, zetas, last_layer: &prover.last_layer };
        let half = domain.lde_size / 2;
        for q in [0usize, 5, 77, half - 1] {
            let pair = (evals[q], evals[q + half]);
            let openings = prover.open(q);
            assert!(verify_query(&domain, &fri, q, pair, &openings).is_ok(), "query {q}");
            let bent = (pair.0 + fe(1), pair.1);
            assert!(matches!(verify_query(&domain, &fri, q, bent, &openings), Err(FriQueryError::Fold { layer: 1 })));
            let mut deeper = openings.clone();
            deeper[1].values[0] += fe(1);
            deeper[1].values[1] += fe(1);
            assert!(matches!(
                verify_query(&domain, &fri, q, pair, &deeper),
                Err(FriQueryError::Fold { layer: 2 } | FriQueryError::LastLayer)
            ));
            let mut last = prover.last_layer.clone();
            last[0] += fe(1);
            let wrong = FriCommitments { roots: &roots, zetas: fri.zetas.clone(), last_layer: &last };
            assert!(matches!(verify_query(&domain, &wrong, q, pair, &openings), Err(FriQueryError::LastLayer)));
        }
        let paths = prover.paths(&[3, 9]);
        let openings: Vec<Vec<Opening>> = [3, 9].iter().map(|&q| prover.open(q)).collect();
        let refs: Vec<&[Opening]> = openings.iter().map(Vec::as_slice).collect();
        assert!(verify_layers(&domain, &roots, &[3, 9], &refs, &paths).is_ok());
        let mut bad = openings.clone();
        bad[1][0].values[1] += fe(1);
        let refs: Vec<&[Opening]> = bad.iter().map(Vec::as_slice).collect();
        assert_eq!(verify_layers(&domain, &roots, &[3, 9], &refs, &paths), Err(1));
    }
}
