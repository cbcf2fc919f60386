//! The verifier: an [`Air`], options and a [`StarkProof`] in, accept or a named rejection out.
//!
//! Every length in the proof is checked against what the AIR and the options imply before it is
//! used, so malformed proofs are rejected without panics or unbounded work.

use crate::air::Air;
use crate::component::Frame;
use crate::composition::{composition_at, Weights};
use crate::deep::DeepCombiner;
use crate::error::VerifyError;
use crate::fiat_shamir::{absorb_ood, absorb_statement, relation_challenges, sample_ood_point, PROTOCOL_LABEL};
use crate::field::Fe;
use crate::fri::{self, FriCommitments, FriQueryError};
use crate::mixed;
use crate::proof::StarkProof;
use crate::shape::Shape;
use crate::transcript::{grinding_ok, Transcript};
use std::collections::BTreeMap;

fn shape(what: impl Into<String>) -> VerifyError {
    VerifyError::Shape(what.into())
}

/// Verifies `proof` against `air`. `min_security_bits` is the verifier's own floor: options in
/// the proof that give less are refused whatever else the proof says.
pub fn verify(air: &dyn Air, proof: &StarkProof, min_security_bits: u32) -> Result<(), VerifyError> {
    let options = &proof.options;
    options.validate().map_err(VerifyError::InvalidOptions)?;
    if options.security_bits() < min_security_bits {
        return Err(VerifyError::SecurityTooLow { got: options.security_bits(), required: min_security_bits });
    }
    let components = air.components();
    if components.is_empty() {
        return Err(shape("the AIR has no components"));
    }
    let heights: Vec<u8> = components.iter().map(|c| c.height().trailing_zeros() as u8).collect();
    if proof.log_heights != heights {
        return Err(VerifyError::TraceLength { got: proof.log_heights.clone(), expected: heights });
    }
    let max_height = components.iter().map(|c| c.height()).max().expect("non-empty");
    let shapes = components
        .iter()
        .map(|c| Shape::new(*c, options.blowup(), max_height))
        .collect::<Result<Vec<_>, _>>()
        .map_err(VerifyError::Shape)?;
    for s in &shapes {
        if s.height < 1 << options.fri_last_layer_log {
            return Err(VerifyError::InvalidOptions(format!(
                "component {} is shorter than the last FRI layer",
                s.component.name()
            )));
        }
        if options.blowup() < s.parts {
            return Err(VerifyError::InvalidOptions(format!(
                "blowup below the {} composition parts of component {}",
                s.parts,
                s.component.name()
            )));
        }
    }
    let tallest = shapes.iter().find(|s| s.height == max_height).expect("tallest").domain.clone();
    check_shapes(proof, &shapes, &tallest)?;

    let mut t = Transcript::new(PROTOCOL_LABEL);
    absorb_statement(&mut t, air, &shapes, options);
    t.absorb_bytes(&proof.main_root);
    let challenges = relation_challenges(&mut t, air.relations());
    if let Some(root) = &proof.aux_root {
        t.absorb_bytes(root);
    }
    for sum in proof.components.iter().filter_map(|c| c.claimed_sum.as_ref()) {
        t.absorb_fe(sum);
    }
    // Every relation balances: the claimed sums and the verifier's own terms add up to zero.
    let mut total: Fe = proof.components.iter().filter_map(|c| c.claimed_sum).fold(Fe::zero(), |a, b| a + b);
    let public = air.public_terms();
    if public.iter().any(|t| t.relation >= challenges.len() || t.width > crate::component::MAX_LOOKUP_WIDTH) {
        return Err(shape("a public lookup term names no relation"));
    }
    let mut denominators: Vec<Fe> = public.iter().map(|t| challenges[t.relation].denominator(&t.term, t.width)).collect();
    Fe::inplace_batch_inverse(&mut denominators).map_err(|_| VerifyError::LookupSum)?;
    for (term, inv) in public.iter().zip(&denominators) {
        total += term.term.multiplicity * *inv;
    }
    if total != Fe::zero() {
        return Err(VerifyError::LookupSum);
    }
    for s in &shapes {
        if s.component.lookups().iter().any(|l| l.relation >= challenges.len() || l.width > crate::component::MAX_LOOKUP_WIDTH) {
            return Err(shape(format!("component {} looks up a relation the AIR does not have", s.component.name())));
        }
    }
    let boundaries: Vec<_> = shapes.iter().zip(&proof.components).map(|(s, c)| s.boundaries(c.claimed_sum)).collect();
    for (s, bs) in shapes.iter().zip(&boundaries) {
        if bs.iter().any(|b| b.column >= s.main_width + s.aux_width || b.row >= s.height) {
            return Err(shape(format!("component {} names a boundary cell outside its table", s.component.name())));
        }
    }
    let weights: Vec<Weights> = shapes
        .iter()
        .zip(&boundaries)
        .map(|(s, bs)| Weights { transition: t.challenges(s.constraints.len()), boundary: t.challenges(bs.len()) })
        .collect();
    t.absorb_bytes(&proof.composition_root);

    // Out-of-domain check: each component's constraints at z against its committed parts.
    let z = sample_ood_point(&mut t, &shapes);
    for (i, s) in shapes.iter().enumerate() {
        let ood = &proof.components[i].ood;
        let gz = z * s.domain.trace_generator;
        let (p, pn) = (s.periodic_at(&z), s.periodic_at(&gz));
        let frame = Frame { main: &ood.main, main_next: &ood.main_next, periodic: &p, periodic_next: &pn };
        let (mut terms, mut terms_next) = s.lookup_buffers();
        let mut values = vec![Fe::zero(); s.constraints.len()];
        s.evaluate(&frame, &ood.aux, &ood.aux_next, &challenges, &mut terms, &mut terms_next, &mut values);
        let domains: Vec<_> = s.constraints.iter().map(|c| c.domain).collect();
        let cells = |c: usize| if c < s.main_width { ood.main[c] } else { ood.aux[c - s.main_width] };
        let h_z = composition_at(&domains, &values, &cells, &boundaries[i], &weights[i], &z, &s.domain)
            .ok_or(VerifyError::DegenerateOodPoint)?;
        let mut claimed = Fe::zero();
        let mut z_pow = Fe::one();
        for part in &ood.composition {
            claimed += z_pow * *part;
            z_pow *= z;
        }
        if claimed != h_z {
            return Err(VerifyError::OodConstraintMismatch { component: s.component.name().to_string() });
        }
    }
    for c in &proof.components {
        absorb_ood(&mut t, &c.ood);
    }

    // DEEP weights and FRI challenges, replayed in the prover's order.
    let deeps: Vec<DeepCombiner> = shapes
        .iter()
        .zip(&proof.components)
        .map(|(s, c)| {
            let width = s.main_width + s.aux_width;
            let w = t.challenges(DeepCombiner::weight_count(width, s.parts));
            let o = &c.ood;
            let at_z: Vec<Fe> = o.main.iter().chain(&o.aux).copied().collect();
            let at_gz: Vec<Fe> = o.main_next.iter().chain(&o.aux_next).copied().collect();
            DeepCombiner::new(w, &at_z, &at_gz, &o.composition, z, z * s.domain.trace_generator, z.pow(s.parts as u64))
        })
        .collect();
    let folds = fri::fold_count(tallest.trace_log, options.fri_last_layer_log) as usize;
    let mut zetas = Vec::with_capacity(folds);
    for k in 0..folds {
        zetas.push(t.challenge());
        if k + 1 < folds {
            t.absorb_bytes(&proof.fri_roots[k]);
        }
    }
    t.absorb_fes(&proof.fri_last_layer);
    if !grinding_ok(&t.grinding_seed(), proof.nonce, options.grinding_bits) {
        return Err(VerifyError::Grinding);
    }
    t.absorb_bytes(&proof.nonce.to_be_bytes());

    let half = tallest.lde_size / 2;
    let indices: Vec<usize> = (0..options.queries).map(|_| t.index(half)).collect();

    // Every phase's openings against its root.
    let name = |t: usize, ids: &[usize]| ids.get(t).map_or("the tree".to_string(), |&i| shapes[i].component.name().to_string());
    let all: Vec<usize> = (0..shapes.len()).collect();
    let main_tables: Vec<(u32, usize, &[Vec<Fe>])> = all
        .iter()
        .map(|&i| (shapes[i].domain.lde_log - 1, 2 * shapes[i].main_width, proof.openings[i].main.as_slice()))
        .collect();
    mixed::verify(&proof.main_root, &main_tables, &indices, &proof.main_nodes)
        .map_err(|t| VerifyError::MainOpening { table: name(t, &all) })?;
    let with_aux: Vec<usize> = all.iter().copied().filter(|&i| shapes[i].aux_width > 0).collect();
    if let (Some(root), Some(nodes)) = (&proof.aux_root, &proof.aux_nodes) {
        let aux_tables: Vec<(u32, usize, &[Vec<Fe>])> = with_aux
            .iter()
            .map(|&i| (shapes[i].domain.lde_log - 1, 2 * shapes[i].aux_width, proof.openings[i].aux.as_deref().unwrap_or(&[])))
            .collect();
        mixed::verify(root, &aux_tables, &indices, nodes).map_err(|t| VerifyError::AuxOpening { table: name(t, &with_aux) })?;
    }
    let comp_tables: Vec<(u32, usize, &[Vec<Fe>])> = all
        .iter()
        .map(|&i| (shapes[i].domain.lde_log - 1, 2 * shapes[i].parts, proof.openings[i].composition.as_slice()))
        .collect();
    mixed::verify(&proof.composition_root, &comp_tables, &indices, &proof.composition_nodes)
        .map_err(|t| VerifyError::CompositionOpening { table: name(t, &all) })?;
    type Leaves<'p> = BTreeMap<usize, &'p Vec<Fe>>;
    fn by_index<'p>(indices: &[usize], rows: &'p [Vec<Fe>], m: u32) -> BTreeMap<usize, &'p Vec<Fe>> {
        mixed::opened(indices, m).into_iter().zip(rows.iter()).collect()
    }
    let opened: Vec<(Leaves<'_>, Option<Leaves<'_>>, Leaves<'_>)> = (0..shapes.len())
        .map(|i| {
            let (o, m) = (&proof.openings[i], shapes[i].domain.lde_log - 1);
            (by_index(&indices, &o.main, m), o.aux.as_ref().map(|a| by_index(&indices, a, m)), by_index(&indices, &o.composition, m))
        })
        .collect();
    let layers = fri::verify_layers(&tallest, &proof.fri_roots, &indices, &proof.fri_openings)
        .map_err(|layer| VerifyError::FriOpening { layer })?;

    // A component's DEEP value at point `j` of its evaluation domain, from its opened leaf.
    let deep_at = |i: usize, j: usize| -> Option<Fe> {
        let s = &shapes[i];
        let half_c = s.domain.lde_size / 2;
        let (leaf, side) = (j % half_c, j / half_c);
        let (main, aux, comp) = &opened[i];
        let m = &main.get(&leaf)?[side * s.main_width..(side + 1) * s.main_width];
        let a: &[Fe] = match aux {
            Some(a) => &a.get(&leaf)?[side * s.aux_width..(side + 1) * s.aux_width],
            None => &[],
        };
        let c = &comp.get(&leaf)?[side * s.parts..(side + 1) * s.parts];
        let x = s.domain.lde_point(j);
        let (i0, i1, i2) = deeps[i].inverses(&x)?;
        Some(deeps[i].evaluate(&[m, a], c, (&i0, &i1, &i2)))
    };
    // The sum of the DEEP values of the components joining FRI at `layer`, at its point `j`.
    let max_log = tallest.trace_log;
    let by_layer: Vec<Vec<usize>> = (0..=max_log as usize)
        .map(|k| (0..shapes.len()).filter(|&i| (max_log - shapes[i].domain.trace_log) as usize == k).collect())
        .collect();
    let entry = |layer: usize, j: usize| -> Result<Option<Fe>, ()> {
        let members = by_layer.get(layer).ok_or(())?;
        if members.is_empty() {
            return Ok(None);
        }
        let mut acc = Fe::zero();
        for &i in members {
            acc += deep_at(i, j).ok_or(())?;
        }
        Ok(Some(acc))
    };
    let fri_commitments = FriCommitments { roots: &proof.fri_roots, zetas, last_layer: &proof.fri_last_layer };
    for (qi, &q) in indices.iter().enumerate() {
        let pair = (
            entry(0, q).map_err(|_| VerifyError::DegenerateOodPoint)?.ok_or_else(|| shape("no tallest component"))?,
            entry(0, q + half).map_err(|_| VerifyError::DegenerateOodPoint)?.ok_or_else(|| shape("no tallest component"))?,
        );
        fri::verify_query(&tallest, &fri_commitments, q, pair, &layers, &entry).map_err(|e| match e {
            FriQueryError::Fold { layer } => VerifyError::FriFold { query: qi, layer },
            FriQueryError::LastLayer => VerifyError::FriLastLayer { query: qi },
            FriQueryError::Entry => VerifyError::DegenerateOodPoint,
        })?;
    }
    Ok(())
}

/// Every length in the proof against what the statement implies.
fn check_shapes(proof: &StarkProof, shapes: &[Shape<'_>], tallest: &crate::domain::Domain) -> Result<(), VerifyError> {
    if proof.components.len() != shapes.len() || proof.openings.len() != shapes.len() {
        return Err(shape("number of components"));
    }
    for ((s, c), o) in shapes.iter().zip(&proof.components).zip(&proof.openings) {
        let name = s.component.name();
        let d = &c.ood;
        if d.main.len() != s.main_width || d.main_next.len() != s.main_width {
            return Err(shape(format!("component {name}: out-of-domain main values")));
        }
        if d.aux.len() != s.aux_width || d.aux_next.len() != s.aux_width {
            return Err(shape(format!("component {name}: out-of-domain auxiliary values")));
        }
        if d.composition.len() != s.parts {
            return Err(shape(format!("component {name}: out-of-domain composition values")));
        }
        let has_aux = s.aux_width > 0;
        if c.claimed_sum.is_some() != has_aux || o.aux.is_some() != has_aux {
            return Err(shape(format!("component {name}: auxiliary commitment presence")));
        }
    }
    let any_aux = shapes.iter().any(|s| s.aux_width > 0);
    if proof.aux_root.is_some() != any_aux || proof.aux_nodes.is_some() != any_aux {
        return Err(shape("auxiliary commitment presence"));
    }
    let folds = fri::fold_count(tallest.trace_log, proof.options.fri_last_layer_log) as usize;
    if proof.fri_roots.len() != folds.saturating_sub(1) || proof.fri_openings.len() != proof.fri_roots.len() {
        return Err(shape("number of FRI layers"));
    }
    if proof.fri_last_layer.len() != tallest.trace_length >> folds {
        return Err(shape("size of the last FRI layer"));
    }
    Ok(())
}
