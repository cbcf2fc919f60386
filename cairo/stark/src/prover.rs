//! The prover: trace in, [`StarkProof`] out.

use crate::air::{Air, ConstraintDomain, Frame, TraceTable};
use crate::air::composition_parts;
use crate::composition::{split_sums, transition_term, Weights, ZerofierInverses};
use crate::deep::DeepCombiner;
use crate::domain::Domain;
use crate::field::{Fe, F};
use crate::fri;
use crate::merkle::Commitment;
use crate::options::ProofOptions;
use crate::proof::{BatchPaths, OodValues, Opening, QueryProof, StarkProof};
use crate::transcript::{grind, Transcript};
use crate::verifier::{absorb_statement, sample_ood_point};
use lambdaworks_math::polynomial::Polynomial;
use rayon::prelude::*;
use tracing::debug;

/// Why a proof could not be made. None of these is the verifier's business: they mean the caller
/// handed over a trace or options that cannot give a valid proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    #[error("trace shape is wrong: {0}")]
    TraceShape(String),
    #[error("proof options are invalid: {0}")]
    Options(String),
    #[error("constraint {constraint} does not hold on row {row}: the trace is not a valid execution")]
    Unsatisfied { constraint: usize, row: usize },
    #[error("boundary constraint {index} (column {column}, row {row}) does not hold")]
    BoundaryUnsatisfied { index: usize, column: usize, row: usize },
}

/// A table extended to the evaluation domain and committed, rows paired with their negations.
struct Extended {
    polys: Vec<Polynomial<Fe>>,
    commitment: Commitment,
    width: usize,
}

impl Extended {
    fn new(columns: &[Vec<Fe>], domain: &Domain) -> Extended {
        let t = std::time::Instant::now();
        let polys: Vec<Polynomial<Fe>> = columns
            .par_iter()
            .map(|c| Polynomial::interpolate_fft::<F>(c).expect("power-of-two column"))
            .collect();
        debug!(ms = t.elapsed().as_millis() as u64, columns = columns.len(), "interpolated");
        Self::from_polys(polys, domain)
    }

    fn from_polys(polys: Vec<Polynomial<Fe>>, domain: &Domain) -> Extended {
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
        let commitment = Commitment::new(leaves);
        debug!(ms = t.elapsed().as_millis() as u64, "committed");
        Extended { polys, commitment, width }
    }

    /// The row at evaluation-domain index `i`.
    fn row(&self, i: usize) -> &[Fe] {
        let half = self.commitment.leaf_count();
        if i < half {
            &self.commitment.leaves()[i][..self.width]
        } else {
            &self.commitment.leaves()[i - half][self.width..]
        }
    }

    fn open(&self, q: usize) -> Opening {
        Opening { values: self.commitment.leaf(q) }
    }

    fn evaluate_at(&self, x: &Fe) -> Vec<Fe> {
        self.polys.par_iter().map(|p| p.evaluate(x)).collect()
    }
}

/// Checks every constraint on every row of the trace (main and auxiliary).
pub fn check_constraints(
    air: &dyn Air,
    main: &TraceTable,
    aux: &TraceTable,
    challenges: &[Fe],
) -> Result<(), ProveError> {
    let n = air.trace_length();
    let infos = air.constraints();
    let row = |t: &TraceTable, i: usize| -> Vec<Fe> { t.columns.iter().map(|c| c[i]).collect() };
    let failure = (0..n).into_par_iter().find_map_first(|i| {
        let (m, mn) = (row(main, i), row(main, (i + 1) % n));
        let (a, an) = (row(aux, i), row(aux, (i + 1) % n));
        let frame = Frame { main: &m, main_next: &mn, aux: &a, aux_next: &an };
        let mut out = vec![Fe::zero(); infos.len()];
        air.evaluate(&frame, challenges, &mut out);
        out.iter().enumerate().find_map(|(j, v)| {
            let applies = match infos[j].domain {
                ConstraintDomain::AllRows => true,
                ConstraintDomain::AllButLast => i + 1 < n,
                ConstraintDomain::FirstRow => i == 0,
                ConstraintDomain::LastRow => i + 1 == n,
            };
            (applies && *v != Fe::zero()).then_some(ProveError::Unsatisfied { constraint: j, row: i })
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    for (index, b) in air.boundaries(challenges).iter().enumerate() {
        let w = main.width();
        let cell = if b.column < w { main.columns[b.column][b.row] } else { aux.columns[b.column - w][b.row] };
        if cell != b.value {
            return Err(ProveError::BoundaryUnsatisfied { index, column: b.column, row: b.row });
        }
    }
    Ok(())
}

/// Proves that `main` (and the auxiliary trace the AIR builds from it) satisfies `air`. Runs on the
/// current rayon pool: call it inside `ThreadPool::install` to cap its threads.
pub fn prove(air: &dyn Air, main: TraceTable, options: &ProofOptions) -> Result<StarkProof, ProveError> {
    prove_with(air, main, options, true, fri::Cheat::Honest)
}

/// [`prove`] without first checking that the trace satisfies the constraints, and with FRI
/// committed as `cheat` says: what a cheating prover runs, so that soundness tests can show the
/// verifier refusing its proofs.
#[cfg(feature = "forge")]
pub fn prove_unchecked(
    air: &dyn Air,
    main: TraceTable,
    options: &ProofOptions,
    cheat: fri::Cheat,
) -> Result<StarkProof, ProveError> {
    prove_with(air, main, options, false, cheat)
}

fn prove_with(
    air: &dyn Air,
    main: TraceTable,
    options: &ProofOptions,
    check: bool,
    cheat: fri::Cheat,
) -> Result<StarkProof, ProveError> {
    options.validate().map_err(ProveError::Options)?;
    let n = air.trace_length();
    if main.width() != air.main_width() || main.columns.iter().any(|c| c.len() != n) {
        return Err(ProveError::TraceShape(format!(
            "expected {} columns of {} rows, got {} columns of {} rows",
            air.main_width(),
            n,
            main.width(),
            main.length()
        )));
    }
    let domain = Domain::new(n, options.blowup())
        .ok_or_else(|| ProveError::TraceShape(format!("trace length {n} is not a usable power of two")))?;
    let parts = composition_parts(air);
    if options.blowup() < parts {
        return Err(ProveError::Options(format!(
            "blowup {} is below the {} composition parts this AIR needs",
            options.blowup(),
            parts
        )));
    }

    let clock = std::time::Instant::now();
    let phase = |name: &str| debug!(phase = name, elapsed_ms = clock.elapsed().as_millis() as u64, "prover phase done");
    let mut transcript = Transcript::new(crate::verifier::PROTOCOL_LABEL);
    absorb_statement(&mut transcript, air, options);

    // Round 1: the main trace.
    let main_ext = Extended::new(&main.columns, &domain);
    transcript.absorb_bytes(&main_ext.commitment.root());
    phase("main trace committed");

    // Round 2: the auxiliary trace, from challenges that depend on the main commitment.
    let challenges = transcript.challenges(air.num_challenges());
    let aux = air.build_aux_trace(&main, &challenges);
    if aux.width() != air.aux_width() || aux.columns.iter().any(|c| c.len() != n) {
        return Err(ProveError::TraceShape(format!(
            "AIR built {} auxiliary columns, declares {}",
            aux.width(),
            air.aux_width()
        )));
    }
    if check {
        check_constraints(air, &main, &aux, &challenges)?;
    }
    drop(main);
    let aux_ext = (air.aux_width() > 0).then(|| Extended::new(&aux.columns, &domain));
    drop(aux);
    if let Some(a) = &aux_ext {
        transcript.absorb_bytes(&a.commitment.root());
    }
    phase("auxiliary trace committed");

    // Round 3: the composition polynomial.
    let boundaries = air.boundaries(&challenges);
    let weights = Weights {
        transition: transcript.challenges(air.constraints().len()),
        boundary: transcript.challenges(boundaries.len()),
    };
    let h_evals = composition_evaluations(air, &domain, &main_ext, aux_ext.as_ref(), &challenges, &weights);
    let h_coeffs = Polynomial::interpolate_offset_fft::<F>(&h_evals, &domain.offset)
        .expect("power-of-two domain")
        .coefficients()
        .to_vec();
    drop(h_evals);
    phase("composition evaluated and interpolated");
    let part_polys: Vec<Polynomial<Fe>> = (0..parts)
        .map(|k| {
            let coeffs: Vec<Fe> =
                (0..n).map(|j| h_coeffs.get(k + j * parts).copied().unwrap_or_else(Fe::zero)).collect();
            Polynomial::new(&coeffs)
        })
        .collect();
    let comp_ext = Extended::from_polys(part_polys, &domain);
    transcript.absorb_bytes(&comp_ext.commitment.root());
    phase("composition committed");

    // Round 4: out-of-domain values.
    let z = sample_ood_point(&mut transcript, &domain, parts);
    let gz = z * domain.trace_generator;
    let z_m = z.pow(parts as u64);
    let ood = OodValues {
        main: main_ext.evaluate_at(&z),
        main_next: main_ext.evaluate_at(&gz),
        aux: aux_ext.as_ref().map_or_else(Vec::new, |a| a.evaluate_at(&z)),
        aux_next: aux_ext.as_ref().map_or_else(Vec::new, |a| a.evaluate_at(&gz)),
        composition: comp_ext.evaluate_at(&z_m),
    };
    crate::verifier::absorb_ood(&mut transcript, &ood);
    phase("out-of-domain values");

    // Round 5: the DEEP composition and FRI.
    let width = air.main_width() + air.aux_width();
    let deep_weights = transcript.challenges(DeepCombiner::weight_count(width, parts));
    let at_z: Vec<Fe> = ood.main.iter().chain(&ood.aux).copied().collect();
    let at_gz: Vec<Fe> = ood.main_next.iter().chain(&ood.aux_next).copied().collect();
    let deep = DeepCombiner::new(deep_weights, &at_z, &at_gz, &ood.composition, z, gz, z_m);
    let deep_evals = deep_evaluations(&deep, &domain, &main_ext, aux_ext.as_ref(), &comp_ext);
    phase("deep composition");
    let fri_prover = fri::commit_with(deep_evals, &domain, options.fri_last_layer_log, &mut transcript, cheat);
    phase("fri committed");

    // Round 6: grinding, then the queries.
    let nonce = grind(&transcript.grinding_seed(), options.grinding_bits);
    transcript.absorb_bytes(&nonce.to_be_bytes());
    phase("grinding");
    let indices: Vec<usize> = (0..options.queries).map(|_| transcript.index(domain.lde_size / 2)).collect();
    let queries = indices
        .iter()
        .map(|&q| QueryProof {
            main: main_ext.open(q),
            aux: aux_ext.as_ref().map(|a| a.open(q)),
            composition: comp_ext.open(q),
            fri: fri_prover.open(q),
        })
        .collect();
    let paths = BatchPaths {
        main: main_ext.commitment.multi_open(&indices),
        aux: aux_ext.as_ref().map(|a| a.commitment.multi_open(&indices)),
        composition: comp_ext.commitment.multi_open(&indices),
        fri: fri_prover.paths(&indices),
    };

    phase("queries opened");
    Ok(StarkProof {
        options: *options,
        trace_length: n as u64,
        main_root: main_ext.commitment.root(),
        aux_root: aux_ext.as_ref().map(|a| a.commitment.root()),
        composition_root: comp_ext.commitment.root(),
        ood,
        fri_roots: fri_prover.layers.iter().map(Commitment::root).collect(),
        fri_last_layer: fri_prover.last_layer,
        nonce,
        queries,
        paths,
    })
}

/// H on every point of the evaluation domain.
fn composition_evaluations(
    air: &dyn Air,
    domain: &Domain,
    main: &Extended,
    aux: Option<&Extended>,
    challenges: &[Fe],
    weights: &Weights,
) -> Vec<Fe> {
    let big_n = domain.lde_size;
    let b = domain.blowup;
    let n = domain.trace_length as u64;
    let points = domain.lde_points();
    // x^n − 1 repeats with period b on the coset.
    let mut vanishing: Vec<Fe> = (0..b).map(|i| points[i].pow(n) - Fe::one()).collect();
    Fe::inplace_batch_inverse(&mut vanishing).expect("the coset misses the trace domain");
    let last_row = domain.trace_point(domain.trace_length - 1);

    let boundaries = air.boundaries(challenges);
    // Rows 0 and n−1 always: the single-row zerofiers need their inverses too.
    let mut rows: Vec<usize> = boundaries.iter().map(|b| b.row).chain([0, domain.trace_length - 1]).collect();
    rows.sort_unstable();
    rows.dedup();
    let row_inverses: Vec<Vec<Fe>> = rows
        .par_iter()
        .map(|&r| {
            let gr = domain.trace_point(r);
            let mut v: Vec<Fe> = points.iter().map(|x| *x - gr).collect();
            Fe::inplace_batch_inverse(&mut v).expect("the coset misses the trace domain");
            v
        })
        .collect();
    let boundary_slots: Vec<usize> =
        boundaries.iter().map(|bd| rows.binary_search(&bd.row).expect("row collected")).collect();
    let domains: Vec<ConstraintDomain> = air.constraints().iter().map(|c| c.domain).collect();
    let main_width = air.main_width();
    let empty: [Fe; 0] = [];

    let mut out = vec![Fe::zero(); big_n];
    const CHUNK: usize = 1 << 10;
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut values = vec![Fe::zero(); domains.len()];
        for (k, slot) in chunk.iter_mut().enumerate() {
            let i = c * CHUNK + k;
            let next = (i + b) % big_n;
            let frame = Frame {
                main: main.row(i),
                main_next: main.row(next),
                aux: aux.map_or(&empty[..], |a| a.row(i)),
                aux_next: aux.map_or(&empty[..], |a| a.row(next)),
            };
            air.evaluate(&frame, challenges, &mut values);
            let sums = split_sums(&domains, &values, &weights.transition);
            let zi = ZerofierInverses {
                vanishing: vanishing[i % b],
                last_factor: points[i] - last_row,
                first_row: row_inverses[0][i],
                last_row: row_inverses[rows.len() - 1][i],
            };
            let mut acc = transition_term(&sums, &zi);
            for ((bd, w), slot_idx) in boundaries.iter().zip(&weights.boundary).zip(&boundary_slots) {
                let cell = if bd.column < main_width { frame.main[bd.column] } else { frame.aux[bd.column - main_width] };
                acc += *w * (cell - bd.value) * row_inverses[*slot_idx][i];
            }
            *slot = acc;
        }
    });
    out
}

/// The DEEP composition on every point of the evaluation domain.
fn deep_evaluations(
    deep: &DeepCombiner,
    domain: &Domain,
    main: &Extended,
    aux: Option<&Extended>,
    comp: &Extended,
) -> Vec<Fe> {
    let points = domain.lde_points();
    let inv = |p: Fe| -> Vec<Fe> {
        let mut v: Vec<Fe> = points.par_iter().map(|x| *x - p).collect();
        Fe::inplace_batch_inverse(&mut v).expect("out-of-domain point is off the coset");
        v
    };
    let (iz, igz, izm) = (inv(deep.z), inv(deep.gz), inv(deep.z_m));
    let empty: [Fe; 0] = [];
    (0..domain.lde_size)
        .into_par_iter()
        .map(|i| {
            let row = [main.row(i), aux.map_or(&empty[..], |a| a.row(i))];
            deep.evaluate(&row, comp.row(i), (&iz[i], &igz[i], &izm[i]))
        })
        .collect()
}
