//! The prover: one trace per component in, [`StarkProof`] out.

use crate::air::{Air, RelationChallenge};
use crate::component::{Frame, LookupTerm, Row, TraceTable};
use crate::composition::{split_sums, transition_term, Weights, ZerofierInverses};
use crate::deep::DeepCombiner;
use crate::domain::Domain;
use crate::fiat_shamir::{absorb_ood, absorb_statement, relation_challenges, sample_ood_point, PROTOCOL_LABEL};
use crate::field::{Fe, F};
use crate::fri;
use crate::options::ProofOptions;
use crate::periodic::{trace_row, PeriodicLde};
use crate::proof::{ComponentOpenings, ComponentProof, OodValues, StarkProof};
use crate::shape::Shape;
use crate::mixed::{MixedTree, Tables};
use crate::table::Extended;
use crate::transcript::{grind, Transcript};
use lambdaworks_math::polynomial::Polynomial;
use rayon::prelude::*;
use tracing::debug;

/// Why a proof could not be made. None of these is the verifier's business: they mean the caller
/// handed over traces or options that cannot give a valid proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    #[error("trace shape is wrong: {0}")]
    TraceShape(String),
    #[error("proof options are invalid: {0}")]
    Options(String),
    #[error("component {component}: constraint {constraint} does not hold on row {row}: the trace is not a valid execution")]
    Unsatisfied { component: String, constraint: usize, row: usize },
    #[error("component {component}: boundary constraint {index} (column {column}, row {row}) does not hold")]
    BoundaryUnsatisfied { component: String, index: usize, column: usize, row: usize },
    #[error("lookup relation {relation} does not balance: some tuple is used more or less often than it is provided")]
    LookupUnbalanced { relation: usize },
    #[error("a lookup challenge hit a tuple exactly (probability 2^-240); prove again")]
    DegenerateChallenge,
}

/// Proves that the traces (one per component, in the AIR's order) satisfy `air`. Runs on the
/// current rayon pool: call it inside `ThreadPool::install` to cap its threads.
pub fn prove(air: &dyn Air, traces: Vec<TraceTable>, options: &ProofOptions) -> Result<StarkProof, ProveError> {
    prove_with(air, traces, options, true, fri::Cheat::Honest)
}

/// [`prove`] without checking that the traces satisfy the constraints and balance the lookups,
/// and with FRI committed as `cheat` says: what a cheating prover runs, so that soundness tests
/// can show the verifier refusing its proofs.
#[cfg(feature = "forge")]
pub fn prove_unchecked(
    air: &dyn Air,
    traces: Vec<TraceTable>,
    options: &ProofOptions,
    cheat: fri::Cheat,
) -> Result<StarkProof, ProveError> {
    prove_with(air, traces, options, false, cheat)
}

/// The prover's own checks, without committing to anything: every relation balances and every
/// constraint holds on every component's rows, with challenges drawn from `seed` instead of a
/// transcript. For tests and for telling a broken trace builder from a broken trace cheaply.
pub fn check_traces(air: &dyn Air, traces: &[TraceTable], seed: &[u8]) -> Result<(), ProveError> {
    let components = air.components();
    if traces.len() != components.len() {
        return Err(ProveError::TraceShape(format!("{} traces for {} components", traces.len(), components.len())));
    }
    let max_height = components.iter().map(|c| c.height()).max().unwrap_or(0);
    let shapes = components
        .iter()
        .map(|c| Shape::new(*c, 2, max_height))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ProveError::TraceShape)?;
    let challenges = relation_challenges(&mut Transcript::new(seed), air.relations());
    let mut relation_sums = vec![Fe::zero(); air.relations()];
    for (s, t) in shapes.iter().zip(traces) {
        if t.width() != s.main_width || t.columns.iter().any(|c| c.len() != s.height) {
            return Err(ProveError::TraceShape(format!("component {}: wrong trace shape", s.component.name())));
        }
        let (aux, claimed) = match &s.logup {
            Some(l) => {
                let (cols, claimed, sums) = l.build(&trace_terms(s, t), &challenges).ok_or(ProveError::DegenerateChallenge)?;
                for (r, v) in sums.iter().enumerate() {
                    relation_sums[r] += *v;
                }
                (TraceTable::new(cols), Some(claimed))
            }
            None => (TraceTable::default(), None),
        };
        check_constraints(s, t, &aux, claimed, &challenges)?;
    }
    for term in air.public_terms() {
        let d = challenges[term.relation].denominator(&term.term, term.width);
        relation_sums[term.relation] += term.term.multiplicity * d.inv().map_err(|_| ProveError::DegenerateChallenge)?;
    }
    match relation_sums.iter().position(|s| *s != Fe::zero()) {
        Some(relation) => Err(ProveError::LookupUnbalanced { relation }),
        None => Ok(()),
    }
}

/// Checks every constraint of one component on every row, and its boundaries.
fn check_constraints(
    shape: &Shape<'_>,
    main: &TraceTable,
    aux: &TraceTable,
    claimed: Option<Fe>,
    ch: &[RelationChallenge],
) -> Result<(), ProveError> {
    let n = shape.height;
    let columns = shape.component.periodic();
    let name = shape.component.name().to_string();
    let failure = (0..n).into_par_iter().find_map_first(|i| {
        let next = (i + 1) % n;
        let (m, mn) = (main.row(i), main.row(next));
        let (a, an) = (aux.row(i), aux.row(next));
        let mut p = vec![Fe::zero(); columns.len()];
        let mut pn = p.clone();
        trace_row(columns, i, &mut p);
        trace_row(columns, next, &mut pn);
        let frame = Frame { main: &m, main_next: &mn, periodic: &p, periodic_next: &pn };
        let (mut t, mut tn) = shape.lookup_buffers();
        let mut out = vec![Fe::zero(); shape.constraints.len()];
        shape.evaluate(&frame, &a, &an, ch, &mut t, &mut tn, &mut out);
        out.iter().enumerate().find_map(|(j, v)| {
            (shape.constraints[j].domain.covers(i, n) && *v != Fe::zero()).then_some(j)
        }).map(|j| (j, i))
    });
    if let Some((constraint, row)) = failure {
        return Err(ProveError::Unsatisfied { component: name, constraint, row });
    }
    let w = main.width();
    for (index, b) in shape.boundaries(claimed).iter().enumerate() {
        let cell = if b.column < w { main.columns[b.column][b.row] } else { aux.columns[b.column - w][b.row] };
        if cell != b.value {
            return Err(ProveError::BoundaryUnsatisfied { component: name, index, column: b.column, row: b.row });
        }
    }
    Ok(())
}

/// Every row's lookup terms of one component.
fn trace_terms(shape: &Shape<'_>, main: &TraceTable) -> Vec<Vec<LookupTerm>> {
    let columns = shape.component.periodic();
    (0..shape.height)
        .into_par_iter()
        .map(|i| {
            let m = main.row(i);
            let mut p = vec![Fe::zero(); columns.len()];
            trace_row(columns, i, &mut p);
            let mut t = vec![LookupTerm::default(); shape.component.lookups().len()];
            shape.component.lookup_terms(&Row { main: &m, periodic: &p }, &mut t);
            t
        })
        .collect()
}

fn prove_with(
    air: &dyn Air,
    traces: Vec<TraceTable>,
    options: &ProofOptions,
    check: bool,
    cheat: fri::Cheat,
) -> Result<StarkProof, ProveError> {
    options.validate().map_err(ProveError::Options)?;
    let components = air.components();
    if components.is_empty() || traces.len() != components.len() {
        return Err(ProveError::TraceShape(format!(
            "{} traces for {} components",
            traces.len(),
            components.len()
        )));
    }
    let max_height = components.iter().map(|c| c.height()).max().expect("non-empty");
    let shapes = components
        .iter()
        .map(|c| Shape::new(*c, options.blowup(), max_height))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ProveError::TraceShape)?;
    for (s, t) in shapes.iter().zip(&traces) {
        if t.width() != s.main_width || t.columns.iter().any(|c| c.len() != s.height) {
            return Err(ProveError::TraceShape(format!(
                "component {}: expected {} columns of {} rows, got {} columns of {} rows",
                s.component.name(),
                s.main_width,
                s.height,
                t.width(),
                t.length()
            )));
        }
        if s.height < 1 << options.fri_last_layer_log {
            return Err(ProveError::Options(format!(
                "component {} has {} rows, fewer than the last FRI layer's {}",
                s.component.name(),
                s.height,
                1u64 << options.fri_last_layer_log
            )));
        }
        if options.blowup() < s.parts {
            return Err(ProveError::Options(format!(
                "blowup {} is below the {} composition parts component {} needs",
                options.blowup(),
                s.parts,
                s.component.name()
            )));
        }
    }

    let clock = std::time::Instant::now();
    let phase = |name: &str| debug!(phase = name, elapsed_ms = clock.elapsed().as_millis() as u64, "prover phase done");
    let mut transcript = Transcript::new(PROTOCOL_LABEL);
    absorb_statement(&mut transcript, air, &shapes, options);

    // Round 1: every main trace, in one tree.
    let mains: Vec<Extended> = shapes.iter().zip(&traces).map(|(s, t)| Extended::new(&t.columns, &s.domain)).collect();
    let main_tree = commit_phase(mains.iter());
    transcript.absorb_bytes(&main_tree.root());
    phase("main traces committed");

    // Round 2: the logUp columns, from challenges that depend on every main commitment.
    let challenges = relation_challenges(&mut transcript, air.relations());
    let mut relation_sums = vec![Fe::zero(); air.relations()];
    let mut auxes: Vec<(TraceTable, Option<Fe>)> = Vec::with_capacity(shapes.len());
    for (s, t) in shapes.iter().zip(&traces) {
        match &s.logup {
            Some(l) => {
                let terms = trace_terms(s, t);
                let (cols, claimed, sums) = l.build(&terms, &challenges).ok_or(ProveError::DegenerateChallenge)?;
                for (r, v) in sums.iter().enumerate() {
                    relation_sums[r] += *v;
                }
                auxes.push((TraceTable::new(cols), Some(claimed)));
            }
            None => auxes.push((TraceTable::default(), None)),
        }
    }
    if check {
        for term in air.public_terms() {
            let d = challenges[term.relation].denominator(&term.term, term.width);
            relation_sums[term.relation] += term.term.multiplicity * d.inv().map_err(|_| ProveError::DegenerateChallenge)?;
        }
        if let Some(relation) = relation_sums.iter().position(|s| *s != Fe::zero()) {
            return Err(ProveError::LookupUnbalanced { relation });
        }
        for ((s, t), (a, claimed)) in shapes.iter().zip(&traces).zip(&auxes) {
            check_constraints(s, t, a, *claimed, &challenges)?;
        }
    }
    drop(traces);
    let aux_ext: Vec<Option<Extended>> = shapes
        .iter()
        .zip(&auxes)
        .map(|(s, (a, _))| (s.aux_width > 0).then(|| Extended::new(&a.columns, &s.domain)))
        .collect();
    let claimed: Vec<Option<Fe>> = auxes.iter().map(|(_, c)| *c).collect();
    drop(auxes);
    let aux_tree = aux_ext.iter().any(Option::is_some).then(|| commit_phase(aux_ext.iter().flatten()));
    if let Some(t) = &aux_tree {
        transcript.absorb_bytes(&t.root());
    }
    for c in claimed.iter().flatten() {
        transcript.absorb_fe(c);
    }
    phase("logUp columns committed");

    // Round 3: each component's composition polynomial.
    let weights: Vec<Weights> = shapes
        .iter()
        .zip(&claimed)
        .map(|(s, c)| Weights {
            transition: transcript.challenges(s.constraints.len()),
            boundary: transcript.challenges(s.boundaries(*c).len()),
        })
        .collect();
    let mut comps: Vec<Extended> = Vec::with_capacity(shapes.len());
    for i in 0..shapes.len() {
        let s = &shapes[i];
        let h_evals = composition_evaluations(s, &mains[i], aux_ext[i].as_ref(), claimed[i], &challenges, &weights[i]);
        let h_coeffs = Polynomial::interpolate_offset_fft::<F>(&h_evals, &s.domain.offset)
            .expect("power-of-two domain")
            .coefficients()
            .to_vec();
        drop(h_evals);
        let n = s.height;
        let part_polys: Vec<Polynomial<Fe>> = (0..s.parts)
            .map(|k| {
                let coeffs: Vec<Fe> =
                    (0..n).map(|j| h_coeffs.get(k + j * s.parts).copied().unwrap_or_else(Fe::zero)).collect();
                Polynomial::new(&coeffs)
            })
            .collect();
        comps.push(Extended::from_polys(part_polys, &s.domain));
    }
    let comp_tree = commit_phase(comps.iter());
    transcript.absorb_bytes(&comp_tree.root());
    phase("compositions committed");

    // Round 4: out-of-domain values.
    let z = sample_ood_point(&mut transcript, &shapes);
    let oods: Vec<OodValues> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let gz = z * s.domain.trace_generator;
            OodValues {
                main: mains[i].evaluate_at(&z),
                main_next: mains[i].evaluate_at(&gz),
                aux: aux_ext[i].as_ref().map_or_else(Vec::new, |a| a.evaluate_at(&z)),
                aux_next: aux_ext[i].as_ref().map_or_else(Vec::new, |a| a.evaluate_at(&gz)),
                composition: comps[i].evaluate_at(&z.pow(s.parts as u64)),
            }
        })
        .collect();
    for o in &oods {
        absorb_ood(&mut transcript, o);
    }
    phase("out-of-domain values");

    // Round 5: the DEEP compositions, summed by height, and FRI.
    let max_log = max_height.trailing_zeros();
    let mut entries: Vec<Option<Vec<Fe>>> = vec![None; max_log as usize + 1];
    for (i, s) in shapes.iter().enumerate() {
        let width = s.main_width + s.aux_width;
        let deep_weights = transcript.challenges(DeepCombiner::weight_count(width, s.parts));
        let o = &oods[i];
        let at_z: Vec<Fe> = o.main.iter().chain(&o.aux).copied().collect();
        let at_gz: Vec<Fe> = o.main_next.iter().chain(&o.aux_next).copied().collect();
        let deep = DeepCombiner::new(
            deep_weights,
            &at_z,
            &at_gz,
            &o.composition,
            z,
            z * s.domain.trace_generator,
            z.pow(s.parts as u64),
        );
        let evals = deep_evaluations(&deep, &s.domain, &mains[i], aux_ext[i].as_ref(), &comps[i]);
        let layer = (max_log - s.height.trailing_zeros()) as usize;
        match &mut entries[layer] {
            Some(acc) => acc.par_iter_mut().zip(evals.par_iter()).for_each(|(a, e)| *a += *e),
            slot => *slot = Some(evals),
        }
    }
    phase("deep compositions");
    let tallest = shapes.iter().find(|s| s.height == max_height).expect("tallest").domain.clone();
    let fri_prover = fri::commit(entries, &tallest, options.fri_last_layer_log, &mut transcript, cheat);
    phase("fri committed");

    // Round 6: grinding, then the queries.
    let nonce = grind(&transcript.grinding_seed(), options.grinding_bits);
    transcript.absorb_bytes(&nonce.to_be_bytes());
    phase("grinding");
    let indices: Vec<usize> = (0..options.queries).map(|_| transcript.index(tallest.lde_size / 2)).collect();
    let openings = (0..shapes.len())
        .map(|i| ComponentOpenings {
            main: mains[i].open(&indices),
            aux: aux_ext[i].as_ref().map(|a| a.open(&indices)),
            composition: comps[i].open(&indices),
        })
        .collect();
    phase("queries opened");
    Ok(StarkProof {
        options: *options,
        log_heights: shapes.iter().map(|s| s.height.trailing_zeros() as u8).collect(),
        main_root: main_tree.root(),
        aux_root: aux_tree.as_ref().map(MixedTree::root),
        composition_root: comp_tree.root(),
        main_nodes: main_tree.multi_open(&indices),
        aux_nodes: aux_tree.as_ref().map(|t| t.multi_open(&indices)),
        composition_nodes: comp_tree.multi_open(&indices),
        components: (0..shapes.len())
            .map(|i| ComponentProof { claimed_sum: claimed[i], ood: oods[i].clone() })
            .collect(),
        fri_roots: fri_prover.layers.iter().map(|c| c.root()).collect(),
        fri_openings: fri_prover.open(&indices),
        fri_last_layer: fri_prover.last_layer,
        nonce,
        openings,
    })
}

/// One phase's tables in one mixed-height tree.
fn commit_phase<'a>(tables: impl Iterator<Item = &'a Extended>) -> MixedTree {
    let t = std::time::Instant::now();
    let tables = Tables { tables: tables.map(|e| (e.log_leaves(), e.leaves.as_slice())).collect() };
    let tree = MixedTree::build(&tables);
    debug!(ms = t.elapsed().as_millis() as u64, tables = tables.tables.len(), "committed");
    tree
}

/// H of one component on every point of its evaluation domain.
fn composition_evaluations(
    s: &Shape<'_>,
    main: &Extended,
    aux: Option<&Extended>,
    claimed: Option<Fe>,
    challenges: &[RelationChallenge],
    weights: &Weights,
) -> Vec<Fe> {
    let domain: &Domain = &s.domain;
    let big_n = domain.lde_size;
    let b = domain.blowup;
    let n = domain.trace_length as u64;
    let points = domain.lde_points();
    // x^n − 1 repeats with period b on the coset.
    let mut vanishing: Vec<Fe> = (0..b).map(|i| points[i].pow(n) - Fe::one()).collect();
    Fe::inplace_batch_inverse(&mut vanishing).expect("the coset misses the trace domain");
    let last_row = domain.trace_point(domain.trace_length - 1);

    let boundaries = s.boundaries(claimed);
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
    let domains: Vec<_> = s.constraints.iter().map(|c| c.domain).collect();
    let periodic = PeriodicLde::new(&s.periodic, domain);
    let main_width = s.main_width;
    let empty: [Fe; 0] = [];

    let mut out = vec![Fe::zero(); big_n];
    const CHUNK: usize = 1 << 10;
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut values = vec![Fe::zero(); domains.len()];
        let mut p = vec![Fe::zero(); periodic.width()];
        let mut pn = p.clone();
        let (mut t, mut tn) = s.lookup_buffers();
        for (k, slot) in chunk.iter_mut().enumerate() {
            let i = c * CHUNK + k;
            let next = (i + b) % big_n;
            periodic.row(i, &mut p);
            periodic.row(next, &mut pn);
            let frame = Frame { main: main.row(i), main_next: main.row(next), periodic: &p, periodic_next: &pn };
            let (a, an) = match aux {
                Some(a) => (a.row(i), a.row(next)),
                None => (&empty[..], &empty[..]),
            };
            s.evaluate(&frame, a, an, challenges, &mut t, &mut tn, &mut values);
            let sums = split_sums(&domains, &values, &weights.transition);
            let zi = ZerofierInverses {
                vanishing: vanishing[i % b],
                last_factor: points[i] - last_row,
                first_row: row_inverses[0][i],
                last_row: row_inverses[rows.len() - 1][i],
            };
            let mut acc = transition_term(&sums, &zi);
            for ((bd, w), slot_idx) in boundaries.iter().zip(&weights.boundary).zip(&boundary_slots) {
                let cell = if bd.column < main_width { frame.main[bd.column] } else { a[bd.column - main_width] };
                acc += *w * (cell - bd.value) * row_inverses[*slot_idx][i];
            }
            *slot = acc;
        }
    });
    out
}

/// One component's DEEP composition on every point of its evaluation domain.
fn deep_evaluations(deep: &DeepCombiner, domain: &Domain, main: &Extended, aux: Option<&Extended>, comp: &Extended) -> Vec<Fe> {
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
