//! The transcript steps both sides take in the same order: the statement before anything the
//! prover sends, the relation challenges, the out-of-domain point and values.

use crate::air::{Air, RelationChallenge};
use crate::field::Fe;
use crate::options::ProofOptions;
use crate::proof::OodValues;
use crate::shape::Shape;
use crate::transcript::Transcript;

pub(crate) const PROTOCOL_LABEL: &[u8] = b"proofgrid-stark/3";

/// The statement goes into the transcript before anything the prover sends: options, every
/// component's shape and the public inputs. (Leaving public inputs out is the "Frozen Heart"
/// forgery.)
pub(crate) fn absorb_statement(t: &mut Transcript, air: &dyn Air, shapes: &[Shape<'_>], options: &ProofOptions) {
    t.absorb_bytes(&[options.blowup_log, options.grinding_bits, options.fri_last_layer_log]);
    t.absorb_bytes(&options.queries.to_be_bytes());
    t.absorb_bytes(&(shapes.len() as u64).to_be_bytes());
    for s in shapes {
        t.absorb_bytes(s.component.name().as_bytes());
        let shape = [
            s.height as u64,
            s.main_width as u64,
            s.aux_width as u64,
            s.periodic.len() as u64,
            s.constraints.len() as u64,
            s.component.lookups().len() as u64,
        ];
        for v in shape {
            t.absorb_bytes(&v.to_be_bytes());
        }
    }
    t.absorb_bytes(&(air.relations() as u64).to_be_bytes());
    t.absorb_bytes(&air.public_input_bytes());
}

/// Two challenges per relation: its point z and its tuple combiner α.
pub(crate) fn relation_challenges(t: &mut Transcript, relations: usize) -> Vec<RelationChallenge> {
    (0..relations)
        .map(|_| {
            let z = t.challenge();
            let alpha = t.challenge();
            RelationChallenge::new(z, alpha)
        })
        .collect()
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
pub(crate) fn sample_ood_point(t: &mut Transcript, shapes: &[Shape<'_>]) -> Fe {
    loop {
        let z = t.challenge();
        if !shapes.iter().any(|s| is_degenerate_ood_point(&z, &s.domain, s.parts)) {
            return z;
        }
    }
}

/// Whether `z` would make a denominator of this component vanish: z on its trace domain (the
/// zerofiers), or z or z^parts on its evaluation coset (the DEEP quotients at a query point).
/// Because the point is redrawn until this is false, `VerifyError::DegenerateOodPoint` is a
/// defensive check that no proof can reach.
pub(crate) fn is_degenerate_ood_point(z: &Fe, domain: &crate::domain::Domain, parts: usize) -> bool {
    let coset_power = domain.offset.pow(domain.lde_size as u64);
    let on_trace = z.pow(domain.trace_length as u64) == Fe::one();
    let on_coset = z.pow(domain.lde_size as u64) == coset_power;
    let zm_on_coset = z.pow(parts as u64).pow(domain.lde_size as u64) == coset_power;
    on_trace || on_coset || zm_on_coset
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Domain;

    #[test]
    fn degenerate_ood_points_are_recognised() {
        let domain = Domain::new(64, 4, 256).unwrap();
        let parts = 2;
        assert!(is_degenerate_ood_point(&domain.trace_point(5), &domain, parts), "on the trace domain");
        assert!(is_degenerate_ood_point(&domain.lde_point(17), &domain, parts), "on the coset");
        assert!(!is_degenerate_ood_point(&Fe::from(123456789u64), &domain, parts));
    }
}
