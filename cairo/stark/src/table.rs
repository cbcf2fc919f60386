//! An extended table: columns interpolated and extended onto the component's evaluation coset, as
//! leaves holding rows j and j + N/2 (the points x and −x), so one opening gives both; a phase's
//! tables are committed together in one [`crate::mixed::MixedTree`].

use crate::domain::Domain;
use crate::field::{Fe, F};
use lambdaworks_math::polynomial::Polynomial;
use rayon::prelude::*;
use tracing::debug;

pub(crate) struct Extended {
    pub polys: Vec<Polynomial<Fe>>,
    /// Leaf j: row j, then row j + N/2.
    pub leaves: Vec<Vec<Fe>>,
    pub width: usize,
}

impl Extended {
    pub fn new(columns: &[Vec<Fe>], domain: &Domain) -> Extended {
        let t = std::time::Instant::now();
        let polys: Vec<Polynomial<Fe>> = columns
            .par_iter()
            .map(|c| Polynomial::interpolate_fft::<F>(c).expect("power-of-two column"))
            .collect();
        debug!(ms = t.elapsed().as_millis() as u64, columns = columns.len(), "interpolated");
        Self::from_polys(polys, domain)
    }

    pub fn from_polys(polys: Vec<Polynomial<Fe>>, domain: &Domain) -> Extended {
        let t = std::time::Instant::now();
        let half = domain.lde_size / 2;
        let width = polys.len();
        // The row-major leaves are filled a batch of columns at a time, so the column-major
        // extension of the whole table never sits in memory next to its row-major copy: that
        // doubled the peak of every commitment.
        let mut leaves: Vec<Vec<Fe>> = (0..half).into_par_iter().map(|_| vec![Fe::zero(); 2 * width]).collect();
        let batch = rayon::current_num_threads().max(8);
        for (b, chunk) in polys.chunks(batch).enumerate() {
            let evals: Vec<Vec<Fe>> = chunk
                .par_iter()
                .map(|p| {
                    Polynomial::evaluate_offset_fft::<F>(p, domain.blowup, Some(domain.trace_length), &domain.offset)
                        .expect("domain within two-adicity")
                })
                .collect();
            let first = b * batch;
            leaves.par_iter_mut().enumerate().for_each(|(j, leaf)| {
                for (k, e) in evals.iter().enumerate() {
                    leaf[first + k] = e[j];
                    leaf[width + first + k] = e[j + half];
                }
            });
        }
        debug!(ms = t.elapsed().as_millis() as u64, "extended into leaves");
        Extended { polys, leaves, width }
    }

    /// log2 of the number of leaves.
    pub fn log_leaves(&self) -> u32 {
        self.leaves.len().trailing_zeros()
    }

    /// The row at evaluation-domain index `i`.
    pub fn row(&self, i: usize) -> &[Fe] {
        let half = self.leaves.len();
        if i < half {
            &self.leaves[i][..self.width]
        } else {
            &self.leaves[i - half][self.width..]
        }
    }

    /// The leaves the queries open, each once, by increasing index.
    pub fn open(&self, queries: &[usize]) -> Vec<Vec<Fe>> {
        crate::mixed::opened(queries, self.log_leaves()).iter().map(|&j| self.leaves[j].clone()).collect()
    }

    pub fn evaluate_at(&self, x: &Fe) -> Vec<Fe> {
        self.polys.par_iter().map(|p| p.evaluate(x)).collect()
    }
}
