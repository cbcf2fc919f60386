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
use crate::proof::OodValues;
use crate::{StarkProof, VerifyError};

/// Verifies a (tampered) STARK proof at a security floor, as the caller's verifier does.
pub type VerifyFn<'a> = &'a dyn Fn(&StarkProof, u32) -> Result<(), VerifyError>;

fn expect(verify: VerifyFn<'_>, p: &StarkProof, what: &str, want: &dyn Fn(&VerifyError) -> bool) {
    match verify(p, 0) {
        Err(e) if want(&e) => {}
        other => panic!("{what}: got {other:?}"),
    }
}

fn rejected(verify: VerifyFn<'_>, p: &StarkProof, what: &str) {
    assert!(verify(p, 0).is_err(), "{what}: the tampered proof verifies");
}

fn phase_error(name: &str) -> impl Fn(&VerifyError) -> bool + '_ {
    move |e| match name {
        "main" => matches!(e, VerifyError::MainOpening { .. }),
        "aux" => matches!(e, VerifyError::AuxOpening { .. }),
        _ => matches!(e, VerifyError::CompositionOpening { .. }),
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

    // Options and the security floor. Options are in the transcript, so a changed one is
    // refused one way or another; those the verifier refuses outright, by name.
    let bits = honest.options.security_bits();
    assert!(matches!(verify(honest, bits + 1), Err(E::SecurityTooLow { .. })), "security floor");
    expect(verify, &t(&|p| p.options.blowup_log = 0), "blowup 1", &|e| matches!(e, E::InvalidOptions(_)));
    expect(verify, &t(&|p| p.options.fri_last_layer_log = 11), "last layer log", &|e| matches!(e, E::InvalidOptions(_)));
    rejected(verify, &t(&|p| p.options.queries += 1), "claimed query count");
    rejected(verify, &t(&|p| p.options.grinding_bits += 1), "claimed grinding");

    // Shapes.
    expect(verify, &t(&|p| p.log_heights[0] += 1), "component height", &|e| matches!(e, E::TraceLength { .. }));
    expect(verify, &t(&|p| { p.components.pop(); }), "component count", &|e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| { p.fri_roots.pop(); }), "fri layers", &|e| matches!(e, E::Shape(_)));
    expect(verify, &t(&|p| p.fri_last_layer.push(Fe::zero())), "last layer size", &|e| matches!(e, E::Shape(_)));

    let with_lookups: Vec<usize> = (0..honest.components.len()).filter(|&c| honest.components[c].claimed_sum.is_some()).collect();
    for c in 0..honest.components.len() {
        let shape = |e: &VerifyError| matches!(e, E::Shape(_));
        expect(verify, &t(&|p| { p.components[c].ood.main.pop(); }), "ood width", &shape);
        expect(verify, &t(&|p| p.components[c].ood.composition.push(Fe::zero())), "ood parts", &shape);
        expect(verify, &t(&|p| {
            let k = &mut p.openings[c];
            k.aux = if k.aux.is_some() { None } else { Some(Vec::new()) };
        }), "aux presence", &shape);
        if honest.components[c].claimed_sum.is_some() {
            expect(verify, &t(&|p| *p.components[c].claimed_sum.as_mut().unwrap() += one), "claimed sum", &|e| {
                matches!(e, E::LookupSum)
            });
        }

        // Out-of-domain values: every one is refused, those the constraints read by the
        // out-of-domain check itself (an AIR need not read every table's next row).
        type Pick = fn(&mut OodValues) -> &mut Vec<Fe>;
        let groups: [(&str, Pick, bool); 5] = [
            ("main", |o| &mut o.main, true),
            ("main next", |o| &mut o.main_next, false),
            ("aux", |o| &mut o.aux, true),
            ("aux next", |o| &mut o.aux_next, false),
            ("composition", |o| &mut o.composition, true),
        ];
        for (name, pick, must_read) in groups {
            let width = pick(&mut honest.components[c].ood.clone()).len();
            let mut caught = 0;
            for j in 0..width {
                match verify(&t(&|p| pick(&mut p.components[c].ood)[j] += one), 0) {
                    Err(E::OodConstraintMismatch { .. }) => caught += 1,
                    Err(_) => {}
                    Ok(()) => panic!("component {c}: ood {name}[{j}] changed and the proof still verifies"),
                }
            }
            assert!(width == 0 || !must_read || caught > 0, "component {c}: no ood {name} value is read by the out-of-domain check");
        }

        // Openings: every component's leaves in every phase's tree.
        type Open = fn(&mut StarkProof, usize) -> Option<&mut Vec<Vec<Fe>>>;
        let tables: [(&str, Open); 3] = [
            ("main", |p, c| Some(&mut p.openings[c].main)),
            ("aux", |p, c| p.openings[c].aux.as_mut()),
            ("composition", |p, c| Some(&mut p.openings[c].composition)),
        ];
        for (name, open) in tables {
            if open(&mut honest.clone(), c).is_none() {
                continue;
            }
            let want = phase_error(name);
            let last = open(&mut honest.clone(), c).unwrap().len() - 1;
            expect(verify, &t(&|p| open(p, c).unwrap()[0][0] += one), &format!("{name} opening"), &want);
            expect(verify, &t(&|p| open(p, c).unwrap()[last][1] += one), &format!("{name} last opening"), &want);
            expect(verify, &t(&|p| { open(p, c).unwrap().pop(); }), &format!("{name} opening count"), &want);
        }
    }
    // Each phase's root (a changed root changes every later challenge) and multiproof.
    rejected(verify, &t(&|p| p.main_root[0] ^= 1), "main root");
    rejected(verify, &t(&|p| p.composition_root[3] ^= 1), "composition root");
    if honest.aux_root.is_some() {
        rejected(verify, &t(&|p| p.aux_root.as_mut().unwrap()[0] ^= 1), "aux root");
        expect(verify, &t(&|p| p.aux_root = None), "aux root presence", &|e| matches!(e, E::Shape(_)));
    }
    type Nodes = fn(&mut StarkProof) -> Option<&mut crate::merkle::Path>;
    let phases: [(&str, Nodes); 3] = [
        ("main", |p| Some(&mut p.main_nodes)),
        ("aux", |p| p.aux_nodes.as_mut()),
        ("composition", |p| Some(&mut p.composition_nodes)),
    ];
    for (name, nodes) in phases {
        if nodes(&mut honest.clone()).is_none_or(|n| n.is_empty()) {
            continue;
        }
        let want = phase_error(name);
        expect(verify, &t(&|p| nodes(p).unwrap()[0][5] ^= 1), &format!("{name} multiproof node"), &want);
        expect(verify, &t(&|p| { nodes(p).unwrap().pop(); }), &format!("{name} multiproof short"), &want);
        expect(verify, &t(&|p| nodes(p).unwrap().push([0; 32])), &format!("{name} multiproof long"), &want);
    }
    // Claimed sums moved between two components: the relation still balances, but a running
    // sum's last value no longer matches its claim.
    if let [a, b, ..] = with_lookups[..] {
        let p = t(&|p| {
            *p.components[a].claimed_sum.as_mut().unwrap() += one;
            let s = p.components[b].claimed_sum.as_mut().unwrap();
            *s = *s - one;
        });
        expect(verify, &p, "claimed sums moved", &|e| matches!(e, E::OodConstraintMismatch { .. }));
    }

    rejected(verify, &t(&|p| p.fri_roots[0][0] ^= 1), "fri root");
    expect(verify, &t(&|p| p.fri_last_layer[0] += one), "fri last layer", &|e| {
        matches!(e, E::Grinding | E::FriLastLayer { .. } | E::FriFold { .. })
    });

    // Grinding: some other nonce fails the proof of work (another that passes moves the queries).
    let grinding = (1..4096u64).any(|d| matches!(verify(&t(&|p| p.nonce = p.nonce.wrapping_add(d)), 0), Err(E::Grinding)));
    assert!(grinding || honest.options.grinding_bits == 0, "no nonce failed the grinding check");

    expect(verify, &t(&|p| p.fri_openings[0].leaves[0][0] += one), "fri opening", &|e| matches!(e, E::FriOpening { layer: 1 }));
    if honest.fri_openings.len() > 1 {
        expect(verify, &t(&|p| p.fri_openings[1].nodes[0][0] ^= 1), "fri multiproof", &|e| matches!(e, E::FriOpening { layer: 2 }));
    }
}

/// A cheating prover's FRI: a committed layer that is its honest value plus a constant (still of
/// low degree, so only the fold check can see it) and a last layer off by a constant. `prove`
/// makes the proof with the given cheat; `verify` must refuse each.
pub fn assert_cheating_fri_rejected(prove: &dyn Fn(Cheat) -> StarkProof, verify: VerifyFn<'_>) {
    let honest = prove(Cheat::Honest);
    verify(&honest, 0).expect("the honest proof verifies");
    let layers = honest.fri_roots.len();
    assert!(layers >= 2, "too few FRI layers to cheat on");
    // Every committed layer, including those where shorter components join.
    for layer in 1..=layers {
        let p = prove(Cheat::OffsetLayer { layer, delta: Fe::one() });
        match verify(&p, 0) {
            Err(VerifyError::FriFold { layer: l, .. }) if l == layer => {}
            other => panic!("layer {layer} off by a constant: got {other:?}"),
        }
    }
    let p = prove(Cheat::OffsetLastLayer { delta: Fe::one() });
    assert!(matches!(verify(&p, 0), Err(VerifyError::FriLastLayer { .. })), "last layer off by a constant");
}
