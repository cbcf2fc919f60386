//! The verifier: an [`Air`], options and a [`StarkProof`] in, accept or a named rejection out.
//!
//! Every length in the proof is checked against what the AIR and the options imply before it is
//! used, so malformed proofs are rejected without panics or unbounded work.

use crate::air::{composition_parts, Air, Frame};
use crate::composition::{composition_at, Weights};
use crate::deep::DeepCombiner;
use crate::domain::Domain;
use crate::error::VerifyError;
use crate::field::Fe;
use crate::fri::{self, FriCommitments, FriQueryError};
use crate::merkle::verify_batch;
use crate::options::ProofOptions;
use crate::proof::{OodValues, StarkProof};
use crate::transcript::{grinding_ok, Transcript};

pub(crate) const PROTOCOL_LABEL: &[u8] = b"proofgrid-stark/1";

/// The statement goes into the transcript before anything the prover sends: options, shape and
/// public inputs. (Leaving public inputs out is the "Frozen Heart" forgery.)
pub(crate) fn absorb_statement(t: &mut Transcript, air: &dyn Air, options: &ProofOptions) {
    t.absorb_bytes(&[
        options.blowup_log,
        options.grinding_bits,
        options.fri_last_layer_log,
    ]);
    t.absorb_bytes(&options.queries.to_be_bytes());
    let shape = [
        air.trace_length() as u64,
        air.main_width() as u64,
        air.aux_width() as u64,
        air.num_challenges() as u64,
        air.constraints().len() as u64,
    ];
    for v in shape {
        t.absorb_bytes(&v.to_be_bytes());
    }
    t.absorb_bytes(&air.public_input_bytes());
}

pub(crate) fn absorb_ood(t: &mut Transcript, ood: &OodValues) {
    t.absorb_fes(&ood.main);
    t.absorb_fes(&ood.main_next);
    t.absorb_fes(&ood.aux);
    t.absorb_fes(&ood.aux_next);
    t.absorb_fes(&ood.composition);
}

/// Draws the out-of-domain point, redrawing (identically on both sides) in the negligible event
/// that it lands where a denominator would vanish.
pub(crate) fn sample_ood_point(t: &mut Transcript, domain: &Domain, parts: usize) -> Fe {
    loop {
        let z = t.challenge();
        if !is_degenerate_ood_point(&z, domain, parts) {
            return z;
        }
    }
}

/// Whether `z` would make a denominator vanish: z on the trace domain (the zerofiers), or z or
/// z^parts on the evaluation coset (the DEEP quotients at a query point). Because the point is
/// redrawn until this is false, `VerifyError::DegenerateOodPoint` is a defensive check that no
/// proof can reach.
pub(crate) fn is_degenerate_ood_point(z: &Fe, domain: &Domain, parts: usize) -> bool {
    let coset_power = domain.offset.pow(domain.lde_size as u64);
    let on_trace = z.pow(domain.trace_length as u64) == Fe::one();
    let on_coset = z.pow(domain.lde_size as u64) == coset_power;
    let zm_on_coset = z.pow(parts as u64).pow(domain.lde_size as u64) == coset_power;
    on_trace || on_coset || zm_on_coset
}

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
    let n = air.trace_length();
    if proof.trace_length != n as u64 {
        return Err(VerifyError::TraceLength { got: proof.trace_length, expected: n as u64 });
    }
    let domain = Domain::new(n, options.blowup())
        .ok_or_else(|| VerifyError::InvalidOptions("trace length and blowup give no domain".into()))?;
    let parts = composition_parts(air);
    if options.blowup() < parts {
        return Err(VerifyError::InvalidOptions(format!("blowup below the {parts} composition parts")));
    }
    let (main_w, aux_w) = (air.main_width(), air.aux_width());
    check_shapes(proof, &domain, main_w, aux_w, parts)?;

    let mut t = Transcript::new(PROTOCOL_LABEL);
    absorb_statement(&mut t, air, options);
    t.absorb_bytes(&proof.main_root);
    let challenges = t.challenges(air.num_challenges());
    if let Some(root) = &proof.aux_root {
        t.absorb_bytes(root);
    }
    let boundaries = air.boundaries(&challenges);
    for b in &boundaries {
        if b.column >= main_w + aux_w || b.row >= n {
            return Err(shape("the AIR names a boundary cell outside the trace"));
        }
    }
    let weights = Weights {
        transition: t.challenges(air.constraints().len()),
        boundary: t.challenges(boundaries.len()),
    };
    t.absorb_bytes(&proof.composition_root);

    // Out-of-domain check: the constraints at z against the committed composition parts.
    let z = sample_ood_point(&mut t, &domain, parts);
    let gz = z * domain.trace_generator;
    let z_m = z.pow(parts as u64);
    let ood = &proof.ood;
    let frame = Frame { main: &ood.main, main_next: &ood.main_next, aux: &ood.aux, aux_next: &ood.aux_next };
    let h_z = composition_at(air, &frame, &challenges, &boundaries, &weights, &z, &domain)
        .ok_or(VerifyError::DegenerateOodPoint)?;
    let mut claimed = Fe::zero();
    let mut z_pow = Fe::one();
    for part in &ood.composition {
        claimed += z_pow * *part;
        z_pow *= z;
    }
    if claimed != h_z {
        return Err(VerifyError::OodConstraintMismatch);
    }
    absorb_ood(&mut t, ood);

    // DEEP weights and FRI challenges, replayed in the prover's order.
    let width = main_w + aux_w;
    let deep_weights = t.challenges(DeepCombiner::weight_count(width, parts));
    let at_z: Vec<Fe> = ood.main.iter().chain(&ood.aux).copied().collect();
    let at_gz: Vec<Fe> = ood.main_next.iter().chain(&ood.aux_next).copied().collect();
    let deep = DeepCombiner::new(deep_weights, &at_z, &at_gz, &ood.composition, z, gz, z_m);
    let folds = fri::fold_count(domain.trace_log, options.fri_last_layer_log) as usize;
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

    let fri_commitments = FriCommitments { roots: &proof.fri_roots, zetas, last_layer: &proof.fri_last_layer };
    let half = domain.lde_size / 2;
    let depth = half.trailing_zeros();
    let indices: Vec<usize> = proof.queries.iter().map(|_| t.index(half)).collect();
    let leaves = |pick: &dyn Fn(&crate::proof::QueryProof) -> &Vec<Fe>| -> Vec<(usize, &Vec<Fe>)> {
        indices.iter().zip(&proof.queries).map(|(q, query)| (*q, pick(query))).collect()
    };
    if !verify_batch(&proof.main_root, depth, &leaves(&|q| &q.main.values), &proof.paths.main) {
        return Err(VerifyError::MainOpening);
    }
    if let (Some(root), Some(path)) = (&proof.aux_root, &proof.paths.aux) {
        let aux: Vec<(usize, &Vec<Fe>)> = indices
            .iter()
            .zip(&proof.queries)
            .filter_map(|(q, query)| query.aux.as_ref().map(|a| (*q, &a.values)))
            .collect();
        if aux.len() != indices.len() || !verify_batch(root, depth, &aux, path) {
            return Err(VerifyError::AuxOpening);
        }
    }
    if !verify_batch(&proof.composition_root, depth, &leaves(&|q| &q.composition.values), &proof.paths.composition) {
        return Err(VerifyError::CompositionOpening);
    }
    let fri_openings: Vec<&[crate::proof::Opening]> = proof.queries.iter().map(|q| q.fri.as_slice()).collect();
    fri::verify_layers(&domain, &proof.fri_roots, &indices, &fri_openings, &proof.paths.fri)
        .map_err(|layer| VerifyError::FriOpening { layer })?;
    for (qi, (query, &q)) in proof.queries.iter().zip(&indices).enumerate() {
        let deep_at = |side: usize| -> Option<Fe> {
            let m = &query.main.values[side * main_w..(side + 1) * main_w];
            let a: &[Fe] = match &query.aux {
                Some(o) => &o.values[side * aux_w..(side + 1) * aux_w],
                None => &[],
            };
            let c = &query.composition.values[side * parts..(side + 1) * parts];
            let x = domain.lde_point(q + side * half);
            let (i0, i1, i2) = deep.inverses(&x)?;
            Some(deep.evaluate(&[m, a], c, (&i0, &i1, &i2)))
        };
        let pair = (
            deep_at(0).ok_or(VerifyError::DegenerateOodPoint)?,
            deep_at(1).ok_or(VerifyError::DegenerateOodPoint)?,
        );
        fri::verify_query(&domain, &fri_commitments, q, pair, &query.fri).map_err(|e| match e {
            FriQueryError::Fold { layer } => VerifyError::FriFold { query: qi, layer },
            FriQueryError::LastLayer => VerifyError::FriLastLayer { query: qi },
        })?;
    }
    Ok(())
}

/// Every length in the proof against what the statement implies.
fn check_shapes(
    proof: &StarkProof,
    domain: &Domain,
    main_w: usize,
    aux_w: usize,
    parts: usize,
) -> Result<(), VerifyError> {
    let o = &proof.ood;
    if o.main.len() != main_w || o.main_next.len() != main_w {
        return Err(shape("out-of-domain main values"));
    }
    if o.aux.len() != aux_w || o.aux_next.len() != aux_w {
        return Err(shape("out-of-domain auxiliary values"));
    }
    if o.composition.len() != parts {
        return Err(shape("out-of-domain composition values"));
    }
    if proof.aux_root.is_some() != (aux_w > 0) || proof.paths.aux.is_some() != (aux_w > 0) {
        return Err(shape("auxiliary commitment presence"));
    }
    if proof.paths.fri.len() != proof.fri_roots.len() {
        return Err(shape("number of FRI multiproofs"));
    }
    let folds = fri::fold_count(domain.trace_log, proof.options.fri_last_layer_log) as usize;
    if proof.fri_roots.len() != folds.saturating_sub(1) {
        return Err(shape("number of FRI layers"));
    }
    if proof.fri_last_layer.len() != domain.trace_length >> folds {
        return Err(shape("size of the last FRI layer"));
    }
    if proof.queries.len() != proof.options.queries as usize {
        return Err(shape("number of queries"));
    }
    for q in &proof.queries {
        if q.main.values.len() != 2 * main_w
            || q.composition.values.len() != 2 * parts
            || q.aux.as_ref().map_or(aux_w != 0, |a| a.values.len() != 2 * aux_w)
            || q.fri.len() != proof.fri_roots.len()
        {
            return Err(shape("query opening sizes"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_ood_points_are_recognised_and_redrawn() {
        let domain = Domain::new(64, 4).unwrap();
        let parts = 2;
        assert!(is_degenerate_ood_point(&domain.trace_point(5), &domain, parts), "on the trace domain");
        assert!(is_degenerate_ood_point(&domain.lde_point(17), &domain, parts), "on the coset");
        assert!(!is_degenerate_ood_point(&Fe::from(123456789u64), &domain, parts));
        let mut t = Transcript::new(b"ood");
        let z = sample_ood_point(&mut t, &domain, parts);
        assert!(!is_degenerate_ood_point(&z, &domain, parts));
    }
}
