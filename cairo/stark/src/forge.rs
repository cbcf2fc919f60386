//! Soundness-test harnesses (feature `forge`; nothing in the product uses it): every check the
//! verifier makes, each broken on its own, on whatever AIR the caller proves.
//!
//! [`assert_every_check_rejects`] tampers with an honest proof one field at a time and demands the
//! rejection that names the check; [`assert_cheating_fri_rejected`] has a cheating prover commit
//! FRI layers that are of low degree but not folds of each other. The engine's own tests run them
//! on toy AIRs, the Cairo prover's tests on real Cairo proofs, so a change to either side is
//! attacked the same way.

use crate::field::Fe;
use crate::fri::Cheat;
use crate::{StarkProof, VerifyError};

/// Verifies a (tampered) STARK proof at a security floor, as the caller's verifier does.
pub type VerifyFn<'a> = &'a dyn Fn(&StarkProof, u32) -> Result<(), VerifyError>;

fn expect(verify: VerifyFn<'_>, p: &StarkProof, what: &str, want: fn(&VerifyError) -> bool) {
    match verify(p, 0) {
        Err(e) if want(&e) => {}
        other => panic!("{what}: got {other:?}"),
    }
}

/// Tampers with `honest` (which `verify` must accept) one field at a time and checks that each
/// tamper is refused by the check responsible for that field.
pub fn assert_every_check_rejects(honest: &StarkProof, verify: VerifyFn<'_>) {
    use VerifyError as E;
    verify(honest, 0).expect("the honest proof verifies");
    let one = Fe::one();
    let t = |f: &dyn Fn(&mut StarkProof)| {
        let mut p = honest.clone();
        f(&mut p);
        p
    };

    // Options and the security floor.
    let bits = honest.options.security_bits();
    assert!(matches!(verify(honest, bits + 1), Err(E::SecurityTooLow { .. })), "security floor");
    expect(verify, &t(&|p| p.options.blowup_log = 0), "blowup 1", |e| matches!(e, E::InvalidOptions(_)));
    expect(verify, &t(&|p| p.options.fri_last_layer_log = 11), "last layer log", |e| matches!(e, E::InvalidOptions(_)));
    expect(verify, &t(&|p| p.options.queries += 1), "claimed query count", |e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| p.options.grinding_bits += 1), "claimed grinding", |e| {
        matches!(e, E::Grinding | E::MainOpening | E::OodConstraintMismatch)
    });

    // Shapes.
    expect(verify, &t(&|p| p.trace_length *= 2), "trace length", |e| matches!(e, E::TraceLength { .. }));
    expect(verify, &t(&|p| { p.queries.pop(); }), "query count", |e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| { p.queries[0].main.values.pop(); }), "opening width", |e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| { p.ood.main.pop(); }), "ood width", |e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| { p.ood.composition.push(Fe::zero()); }), "ood parts", |e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| { p.fri_roots.pop(); }), "fri layers", |e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| { p.fri_last_layer.push(Fe::zero()); }), "last layer size", |e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| p.aux_root = if p.aux_root.is_some() { None } else { Some([0; 32]) }), "aux presence", |e| {
        matches!(e, E::Shape(_))
    });

    // Commitments: a changed root changes every later challenge.
    let root_moved = |e: &VerifyError| {
        matches!(e, E::OodConstraintMismatch | E::Grinding | E::MainOpening | E::AuxOpening | E::CompositionOpening)
    };
    expect(verify, &t(&|p| p.main_root[0] ^= 1), "main root", root_moved);
    if honest.aux_root.is_some() {
        expect(verify, &t(&|p| p.aux_root.as_mut().unwrap()[0] ^= 1), "aux root", root_moved);
    }
    expect(verify, &t(&|p| p.composition_root[3] ^= 1), "composition root", root_moved);
    expect(verify, &t(&|p| p.fri_roots[0][0] ^= 1), "fri root", |e| {
        matches!(e, E::Grinding | E::FriOpening { .. } | E::FriFold { .. })
    });
    expect(verify, &t(&|p| p.fri_last_layer[0] += one), "fri last layer", |e| {
        matches!(e, E::Grinding | E::FriLastLayer { .. } | E::FriFold { .. })
    });

    // Out-of-domain values: every one is refused, those the constraints read by the out-of-domain
    // check itself.
    type Pick = fn(&mut crate::proof::OodValues) -> &mut Vec<Fe>;
    let groups: [(&str, Pick); 5] = [
        ("main", |o| &mut o.main),
        ("main next", |o| &mut o.main_next),
        ("aux", |o| &mut o.aux),
        ("aux next", |o| &mut o.aux_next),
        ("composition", |o| &mut o.composition),
    ];
    for (name, pick) in groups {
        let width = pick(&mut honest.ood.clone()).len();
        let mut caught = 0;
        for j in 0..width {
            let p = t(&|p| pick(&mut p.ood)[j] += one);
            match verify(&p, 0) {
                Err(E::OodConstraintMismatch) => caught += 1,
                Err(_) => {}
                Ok(()) => panic!("ood {name}[{j}] changed and the proof still verifies"),
            }
        }
        // An AIR need not read the next row of every table; it always reads the current row
        // and every composition part.
        let must_read = !name.ends_with("next");
        assert!(width == 0 || !must_read || caught > 0, "no ood {name} value is read by the out-of-domain check");
    }

    // Grinding: some other nonce fails the proof of work (another that passes moves the queries).
    let grinding = (1..4096u64).any(|d| matches!(verify(&t(&|p| p.nonce = p.nonce.wrapping_add(d)), 0), Err(E::Grinding)));
    assert!(grinding || honest.options.grinding_bits == 0, "no nonce failed the grinding check");

    // Openings and their multiproofs.
    expect(verify, &t(&|p| p.queries[0].main.values[0] += one), "main opening", |e| matches!(e, E::MainOpening));
    expect(verify, &t(&|p| p.paths.main[2][5] ^= 1), "main multiproof node", |e| matches!(e, E::MainOpening));
    expect(verify, &t(&|p| { p.paths.main.pop(); }), "main multiproof short", |e| matches!(e, E::MainOpening));
    if honest.aux_root.is_some() {
        expect(verify, &t(&|p| p.queries[1].aux.as_mut().unwrap().values[0] += one), "aux opening", |e| {
            matches!(e, E::AuxOpening)
        });
        expect(verify, &t(&|p| p.paths.aux.as_mut().unwrap()[1][3] ^= 1), "aux multiproof", |e| matches!(e, E::AuxOpening));
    }
    expect(verify, &t(&|p| p.queries[0].composition.values[1] += one), "composition opening", |e| {
        matches!(e, E::CompositionOpening)
    });
    expect(verify, &t(&|p| p.paths.composition[0][0] ^= 1), "composition multiproof", |e| {
        matches!(e, E::CompositionOpening)
    });
    expect(verify, &t(&|p| p.queries[2].fri[0].values[0] += one), "fri opening", |e| {
        matches!(e, E::FriOpening { layer: 1 })
    });
    if honest.paths.fri.len() > 1 {
        expect(verify, &t(&|p| p.paths.fri[1][0][0] ^= 1), "fri multiproof", |e| matches!(e, E::FriOpening { layer: 2 }));
    }
}

/// A cheating prover's FRI: a committed layer that is its honest fold plus a constant (still of
/// low degree, so only the fold check can see it) and a last layer off by a constant. `prove`
/// makes the proof with the given cheat; `verify` must refuse each.
pub fn assert_cheating_fri_rejected(prove: &dyn Fn(Cheat) -> StarkProof, verify: VerifyFn<'_>) {
    let honest = prove(Cheat::Honest);
    verify(&honest, 0).expect("the honest proof verifies");
    let layers = honest.fri_roots.len();
    assert!(layers >= 2, "too few FRI layers to cheat on");
    for layer in [1, layers] {
        let p = prove(Cheat::OffsetLayer { layer, delta: Fe::one() });
        match verify(&p, 0) {
            Err(VerifyError::FriFold { layer: l, .. }) if l == layer => {}
            other => panic!("layer {layer} off by a constant: got {other:?}"),
        }
    }
    let p = prove(Cheat::OffsetLastLayer { delta: Fe::one() });
    assert!(matches!(verify(&p, 0), Err(VerifyError::FriLastLayer { .. })), "last layer off by a constant");
}
