//! The builtins: each component's function against cairo-lang's on random inputs, its
//! constants against cairo-lang's, its constraints on real cairo-vm traces (every constrained cell
//! matters), its guards against a non-canonical decomposition, and the corpus programs that use
//! it proven and verified against their independent Python references.

mod common;

use common::{cairo_lang_python, felts, python_reference, run};
use proofgrid_cairo::{Builtin, Execution, Statement};
use proofgrid_prover::air::CairoAir;
use proofgrid_prover::components::{bitwise, curve, ec_op, ecdsa, felt_bits, memory, pedersen, poseidon};
use proofgrid_prover::public::public_memory;
use proofgrid_prover::trace::{self, Checks};
use proofgrid_prover::{prove, verify, CairoProof, ProofOptions};
use proofgrid_stark::air::Air;
use proofgrid_stark::check_traces;
use proofgrid_stark::field::{fe, Fe};
use proofgrid_stark::TraceTable;

/// Deterministic pseudo-random felts below 2^bits (248 ≤ bits ≤ 252, and below p), from a
/// xorshift stream, so a failure can be rerun.
fn random_felts(seed: u64, count: usize, bits: u32) -> Vec<Fe> {
    assert!((248..=252).contains(&bits));
    let mut s = seed.max(1);
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..count)
        .map(|_| {
            let mut bytes = [0u8; 32];
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&next().to_be_bytes());
            }
            bytes[0] &= ((1u16 << (bits - 248)) - 1) as u8;
            proofgrid_stark::field::from_bytes(&bytes).unwrap_or_else(|| {
                bytes[0] &= 0x07;
                proofgrid_stark::field::from_bytes(&bytes).expect("below 2^251")
            })
        })
        .collect()
}

fn hex(x: &Fe) -> String {
    format!("0x{}", proofgrid_stark::field::to_bytes(x).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn parse_fe(text: &str) -> Fe {
    let n = proofgrid_cairo::Felt::from_dec_str(text.trim()).expect("decimal");
    proofgrid_stark::field::from_bytes(&n.to_bytes_be()).expect("canonical")
}

#[test]
fn poseidon_constants_and_permutation_match_cairo_lang() {
    let ours = poseidon::round_constants();
    let theirs = cairo_lang_python(
        "from starkware.cairo.common.poseidon_utils import PoseidonParams\n\
         p = PoseidonParams.get_default_poseidon_params()\n\
         print(' '.join(str(x) for row in p.ark for x in row))",
    );
    let theirs: Vec<Fe> = theirs.split_whitespace().map(parse_fe).collect();
    assert_eq!(theirs.len(), 3 * poseidon::ROUNDS);
    assert_eq!(ours.iter().flatten().copied().collect::<Vec<_>>(), theirs, "round constants");

    let inputs = random_felts(7, 3 * 12, 251);
    let code = format!(
        "from starkware.cairo.common.poseidon_hash import poseidon_perm\n\
         xs = [{}]\n\
         for i in range(0, len(xs), 3): print(' '.join(str(v) for v in poseidon_perm(*xs[i:i+3])))",
        inputs.iter().map(hex).collect::<Vec<_>>().join(", ")
    );
    for (chunk, line) in inputs.chunks(3).zip(cairo_lang_python(&code).lines()) {
        let expected: Vec<Fe> = line.split_whitespace().map(parse_fe).collect();
        assert_eq!(poseidon::permutation([chunk[0], chunk[1], chunk[2]]).to_vec(), expected);
    }
}

#[test]
fn curve_and_pedersen_match_cairo_lang() {
    let points = cairo_lang_python(
        "from starkware.crypto.signature.signature import CONSTANT_POINTS, BETA, ALPHA\n\
         print(ALPHA, BETA)\n\
         for i in [0, 2, 250, 254, 502]: print(*CONSTANT_POINTS[i])",
    );
    let lines: Vec<Vec<Fe>> = points.lines().map(|l| l.split_whitespace().map(parse_fe).collect()).collect();
    assert_eq!(lines[0], vec![curve::ALPHA, curve::BETA]);
    assert_eq!(lines[1], vec![curve::SHIFT.0, curve::SHIFT.1]);
    for k in 0..4 {
        assert_eq!(lines[2 + k], vec![curve::PEDERSEN[k].0, curve::PEDERSEN[k].1], "P_{k}");
    }
    let mut inputs = random_felts(11, 16, 252);
    inputs.extend([Fe::zero(), Fe::zero(), -Fe::one(), -Fe::one()]);
    let code = format!(
        "from starkware.crypto.signature.fast_pedersen_hash import pedersen_hash\n\
         xs = [{}]\n\
         for i in range(0, len(xs), 2): print(pedersen_hash(xs[i], xs[i+1]))",
        inputs.iter().map(hex).collect::<Vec<_>>().join(", ")
    );
    for (pair, line) in inputs.chunks(2).zip(cairo_lang_python(&code).lines()) {
        assert_eq!(pedersen::hash(&pair[0], &pair[1]), Some(parse_fe(line)));
    }
}

#[test]
fn ec_op_matches_cairo_lang() {
    let scalars = random_felts(13, 6, 252);
    let code = format!(
        "from starkware.crypto.signature.signature import CONSTANT_POINTS, ALPHA, FIELD_PRIME, EC_GEN\n\
         from starkware.python.math_utils import ec_safe_add, ec_safe_mult\n\
         P, Q = CONSTANT_POINTS[0], EC_GEN\n\
         for m in [{}]:\n    print(*ec_safe_add(P, ec_safe_mult(m, Q, ALPHA, FIELD_PRIME), ALPHA, FIELD_PRIME))\n\
         print(*EC_GEN)",
        scalars.iter().map(hex).collect::<Vec<_>>().join(", ")
    );
    let out = cairo_lang_python(&code);
    let lines: Vec<Vec<Fe>> = out.lines().map(|l| l.split_whitespace().map(parse_fe).collect()).collect();
    let g = (lines[scalars.len()][0], lines[scalars.len()][1]);
    assert!(curve::on_curve(&g));
    for (m, line) in scalars.iter().zip(&lines) {
        assert_eq!(ec_op::ec_op(curve::SHIFT, g, m).unwrap(), (line[0], line[1]));
    }
    assert!(ec_op::ec_op((Fe::zero(), Fe::zero()), g, &fe(3)).is_err(), "a point off the curve");
}

/// ecdsa's check against cairo-lang's signatures: cairo-lang signs random messages under random
/// keys; each (public key, message, r, w = s⁻¹ mod n) verifies as the component checks it, and
/// the same signature on another message, or another w, does not.
#[test]
fn ecdsa_matches_cairo_lang() {
    let keys = random_felts(17, 4, 248);
    let messages = random_felts(19, 4, 250);
    let code = format!(
        "from starkware.crypto.signature.signature import sign, private_to_stark_key, EC_ORDER\n\
         for k, m in zip([{}], [{}]):\n    r, s = sign(m, k)\n    print(private_to_stark_key(k), m, r, pow(s, -1, EC_ORDER))\n\
         from starkware.crypto.signature.signature import EC_GEN\n\
         print(*EC_GEN)",
        keys.iter().map(hex).collect::<Vec<_>>().join(", "),
        messages.iter().map(hex).collect::<Vec<_>>().join(", ")
    );
    let out = cairo_lang_python(&code);
    let lines: Vec<Vec<Fe>> = out.lines().map(|l| l.split_whitespace().map(parse_fe).collect()).collect();
    assert_eq!(lines[keys.len()], vec![curve::GENERATOR.0, curve::GENERATOR.1], "the generator");
    for l in &lines[..keys.len()] {
        let (public, z, r, w) = (l[0], l[1], l[2], l[3]);
        assert!(ecdsa::verifies(public, z, r, w), "cairo-lang's signature verifies");
        assert!(!ecdsa::verifies(public, z + Fe::one(), r, w), "not on another message");
        assert!(!ecdsa::verifies(public, z, r, w + Fe::one()), "not with another w");
        assert!(!ecdsa::verifies(public + Fe::one(), z, r, w), "not under another key");
    }
}

/// Every (constraint, row, value) of `component` that does not vanish on the trace `t`: which
/// checks, exactly, stop a hand-built forgery.
fn failing_constraints(component: &dyn proofgrid_stark::Component, t: &[Vec<Fe>]) -> Vec<(usize, usize, Fe)> {
    let n = component.height();
    let periodic = component.periodic();
    let row = |i: usize| -> Vec<Fe> { t.iter().map(|c| c[i]).collect() };
    let mut failing = Vec::new();
    for i in 0..n {
        let next = (i + 1) % n;
        let (m, mn) = (row(i), row(next));
        let p: Vec<Fe> = periodic.iter().map(|c| c.values[i % c.values.len()]).collect();
        let pn: Vec<Fe> = periodic.iter().map(|c| c.values[next % c.values.len()]).collect();
        let frame = proofgrid_stark::Frame { main: &m, main_next: &mn, periodic: &p, periodic_next: &pn };
        let mut out = vec![Fe::zero(); component.constraints().len()];
        component.evaluate(&frame, &mut out);
        for (j, v) in out.iter().enumerate() {
            if component.constraints()[j].domain.covers(i, n) && *v != Fe::zero() {
                failing.push((j, i, *v));
            }
        }
    }
    failing
}

/// A message of 2^251 or more, which cairo-vm refuses: z = 66 + n (the curve's order) has the
/// same multiple of G as 66, so the corpus's signature of 66 verifies for it in the group. Only
/// the bit gadget's "bit 251 is 0" tells them apart, and exactly that check fails.
#[test]
fn ecdsa_refuses_a_message_of_2_251_or_more() {
    let honest = run("corpus/signatures.json", &signed(0, "1"));
    let sig = honest.signatures[0];
    let z = parse_fe("3618502788666131213697322783095070105526743751716087489154079457884512865649");
    assert_eq!(z, fe(66) + parse_fe("3618502788666131213697322783095070105526743751716087489154079457884512865583"), "66 + n");
    let to_felt = |x: &Fe| proofgrid_cairo::Felt::from_bytes_be(&proofgrid_stark::field::to_bytes(x));
    let mut memory = vec![None; ADDR as usize + 2];
    memory[ADDR as usize] = Some(proofgrid_cairo::Felt::from_dec_str(SIGNED[0][0]).unwrap());
    memory[ADDR as usize + 1] = Some(to_felt(&z));
    let mem = proofgrid_prover::components::cpu::Memory { cells: &memory };
    let witness = proofgrid_cairo::SignatureWitness { address: ADDR, ..sig };
    let n = ecdsa::ROWS;
    assert!(ecdsa::trace(&mem, &[witness], ADDR, ADDR + ecdsa::CELLS, n, false).is_err(), "the honest prover refuses it");
    let t = ecdsa::trace(&mem, &[witness], ADDR, ADDR + ecdsa::CELLS, n, true).unwrap();
    let failing = failing_constraints(&ecdsa::Ecdsa::new(n, ADDR, ADDR + ecdsa::CELLS), &t);
    let top_of_z = felt_bits::constraints().len();
    assert_eq!(failing.iter().map(|&(j, i, _)| (j, i)).collect::<Vec<_>>(), vec![(top_of_z, felt_bits::BITS - 1)], "{failing:?}");
}

/// The forgery an adversarial review found in the first ecdsa AIR: a key made up so that
/// z·G + r·Q = −2S, so lane 2 ends at E2 = −S. Then the chord S + A = E2 has a free slope λ (any
/// line through S passes through −E2 = S), A = (r, S.y + λ(r − S.x)) for λ² = r + 2·S.x is off the
/// curve, and with w = 1 lane 3 ends at E3 = S + A = −S, so B = A has x = r: every check of the
/// instance held, with no signature behind it. Built here cell by cell as a cheating prover
/// would; exactly the two checks E ≠ ±S fail (each evaluates to −1 on the last row).
#[test]
fn ecdsa_refuses_a_chord_from_minus_s() {
    let (sx, sy) = curve::SHIFT;
    let z = fe(5);
    let (r, lambda) = (2u64..).map(fe).find_map(|r| (r + sx.double()).sqrt().map(|(l, _)| (r, l))).unwrap();
    let code = format!(
        "from starkware.crypto.signature.signature import CONSTANT_POINTS, ALPHA, FIELD_PRIME as P, EC_GEN, EC_ORDER\n\
         from starkware.python.math_utils import ec_safe_add, ec_safe_mult\n\
         S = CONSTANT_POINTS[0]\n\
         t = ec_safe_add(ec_safe_mult(2, S, ALPHA, P), ec_safe_mult({}, EC_GEN, ALPHA, P), ALPHA, P)\n\
         print(*ec_safe_mult(pow({}, -1, EC_ORDER), (t[0], -t[1] % P), ALPHA, P))",
        hex(&z),
        hex(&r)
    );
    let q: Vec<Fe> = cairo_lang_python(&code).split_whitespace().map(parse_fe).collect();
    let q = (q[0], q[1]);
    let w = Fe::one();

    let n = ecdsa::ROWS;
    let mut t = vec![vec![Fe::zero(); n]; ecdsa::WIDTH];
    let bits = |x: &Fe| felt_bits::block(&proofgrid_stark::field::to_bytes(x));
    for (k, x) in [z, r, w].iter().enumerate() {
        for (i, (b, v, g)) in bits(x).into_iter().enumerate() {
            (t[3 * k][i], t[3 * k + 1][i], t[3 * k + 2][i]) = (b, v, g);
        }
    }
    // A lane: the accumulator from `start`, adding points[i] where the lane's bit is set.
    let lane = |t: &mut Vec<Vec<Fe>>, at: usize, bit: usize, start: (Fe, Fe), points: &[(Fe, Fe)]| {
        let mut acc = start;
        for i in 0..n {
            let mut after = acc;
            if t[bit][i] == Fe::one() {
                let (sum, slope) = curve::add(&acc, &points[i]).unwrap();
                (t[at + 4][i], t[at + 5][i]) = (slope, (points[i].0 - acc.0).inv().unwrap());
                after = sum;
            }
            (t[at][i], t[at + 1][i], t[at + 2][i], t[at + 3][i]) = (acc.0, acc.1, after.0, after.1);
            acc = after;
        }
        acc
    };
    // A doubling chain by the tangent formula (which holds for any point, on the curve or not).
    let chain = |t: &mut Vec<Vec<Fe>>, at: usize, ds: usize, p: (Fe, Fe)| {
        let mut d = p;
        let mut out = Vec::new();
        for i in 0..n {
            let slope = (fe(3) * d.0 * d.0 + curve::ALPHA) * d.1.double().inv().unwrap();
            (t[at][i], t[at + 1][i], t[ds][i]) = (d.0, d.1, slope);
            out.push(d);
            let x = slope * slope - d.0.double();
            d = (x, slope * (d.0 - x) - d.1);
        }
        out
    };
    let e1 = lane(&mut t, ecdsa::LANE1, ecdsa::ZB, curve::SHIFT, &curve::doublings(&curve::GENERATOR, n));
    let qs = chain(&mut t, ecdsa::QX, ecdsa::QDS, q);
    let e2 = lane(&mut t, ecdsa::LANE2, ecdsa::RB, e1, &qs);
    assert_eq!(e2, (sx, -sy), "the made-up key takes lane 2 to −S");
    let a = (r, sy + lambda * (r - sx));
    assert!(!curve::on_curve(&a), "A is off the curve");
    let ds = chain(&mut t, ecdsa::DX, ecdsa::DDS, a);
    let e3 = lane(&mut t, ecdsa::LANE3, ecdsa::WB, curve::SHIFT, &ds);
    assert_eq!(e3, (sx, -sy), "w = 1 takes lane 3 to S + A = −S");
    let xinv = (r - sx).inv().unwrap();
    for i in 0..n {
        let row = [
            (ecdsa::QXX, q.0 * q.0), (ecdsa::E1X, e1.0), (ecdsa::E1Y, e1.1), (ecdsa::AX, a.0), (ecdsa::AY, a.1),
            (ecdsa::RC, r), (ecdsa::FS1, lambda), (ecdsa::FI1, xinv), (ecdsa::BY, a.1), (ecdsa::FS2, lambda),
            (ecdsa::FI2, xinv), (ecdsa::RINV, r.inv().unwrap()), (ecdsa::ADDR, fe(ADDR)),
        ];
        for (col, v) in row {
            t[col][i] = v;
        }
    }
    let failing = failing_constraints(&ecdsa::Ecdsa::new(n, ADDR, ADDR + ecdsa::CELLS), &t);
    assert_eq!(failing.len(), 2, "only E2 ≠ ±S and E3 ≠ ±S stop it: {failing:?}");
    assert!(failing.iter().all(|&(_, i, v)| i == n - 1 && v == -Fe::one()), "{failing:?}");
}

/// The corpus's signed cases (references.py's `SIGNED`): public key, message, r, s.
const SIGNED: [[&str; 4]; 2] = [
    [
        "961402640779120116494199688070946729708169893186414498106599600291824840092",
        "66",
        "1675335844326976358187072830826296402879338285926641080113243705398127243624",
        "2892921445311508862282871849372624179317315831599287014657245082578671015517",
    ],
    [
        "2075402701887105690188174329489387959200079502719094774757914290150226629711",
        "1809251394333065553493296640760748560207343510400633813116524750123642662969",
        "2806521303527724556766722679470834316496700936356697470561592791703815726216",
        "1883954971547030305964194540528825774902065838974718215267023004681505885292",
    ],
];

fn signed<'a>(case: usize, reps: &'a str) -> Vec<&'a str> {
    let mut v: Vec<&str> = SIGNED[case].to_vec();
    v.push(reps);
    v
}

fn setup(exec: &Execution) -> (CairoAir, Vec<TraceTable>) {
    let statement = Statement::from_execution(exec);
    let public = public_memory(&statement).unwrap();
    let (traces, params) = trace::build(exec, &statement, &public, &ProofOptions::TEST, Checks::Honest).unwrap();
    (CairoAir::new(&statement, &params, public), traces)
}

const SEED: &[u8] = b"builtins test";

/// Cells no constraint reads, by design: a memory hole's value; an addition's slope (and
/// inverse) where the bit is clear; a bit gadget's value and comparison on idle rows; ec_op's x²
/// columns off an instance's first row.
fn free(component: &str, t: &TraceTable, col: usize, row: usize) -> bool {
    let idle = row % felt_bits::BLOCK >= felt_bits::BITS;
    match component {
        "memory" => col == memory::VALUE && t.columns[memory::MULT][row] == fe(0),
        "pedersen" => {
            (col == pedersen::SLOPE && t.columns[pedersen::BIT][row] == fe(0))
                || (idle && (col == pedersen::VALUE || col == pedersen::GT))
        }
        "ec_op" => {
            ((col == ec_op::SLOPE || col == ec_op::XINV) && t.columns[ec_op::BIT][row] == fe(0))
                || (idle && (col == ec_op::VALUE || col == ec_op::GT))
                || ((col == ec_op::PXX || col == ec_op::QXX) && row % ec_op::ROWS != 0)
        }
        "ecdsa" => {
            let at = row % ecdsa::ROWS;
            let lanes = [(ecdsa::LANE1, ecdsa::ZB), (ecdsa::LANE2, ecdsa::RB), (ecdsa::LANE3, ecdsa::WB)];
            lanes.iter().any(|&(lane, bit)| (col == lane + 4 || col == lane + 5) && t.columns[bit][row] == fe(0))
                || (idle && [ecdsa::ZV, ecdsa::ZG, ecdsa::RV, ecdsa::RG, ecdsa::WV, ecdsa::WG].contains(&col))
                || ((col == ecdsa::QXX || col == ecdsa::RINV) && at != 0)
                || ([ecdsa::FS1, ecdsa::FI1, ecdsa::BY, ecdsa::FS2, ecdsa::FI2, ecdsa::EI1, ecdsa::EI2].contains(&col) && at != ecdsa::ROWS - 1)
        }
        _ => false,
    }
}

/// Every constraint holds on a real run, and a changed cell anywhere else breaks one.
fn every_cell_matters(exec: &Execution, names: &[&str]) {
    let (air, traces) = setup(exec);
    check_traces(&air, &traces, SEED).expect("a real run satisfies the AIR");
    let components = air.components();
    for (c, t) in traces.iter().enumerate() {
        let name = components[c].name();
        if !names.contains(&name) {
            continue;
        }
        let n = t.length();
        let rows = [0, 1, 2, 91, 251, 255, 256, 257, 300, 511, n / 2, n - 1];
        for col in 0..t.width() {
            for row in rows.iter().copied().filter(|r| *r < n) {
                if free(name, t, col, row) {
                    continue;
                }
                let mut bad = traces.clone();
                bad[c].columns[col][row] += fe(1);
                assert!(check_traces(&air, &bad, SEED).is_err(), "{name} column {col} row {row}: a changed cell went unnoticed");
            }
        }
    }
}

#[test]
fn bitwise_poseidon_and_range_check96_cells_all_matter() {
    every_cell_matters(&run("corpus/xorshift.json", &["88172645463325252", "2"]), &["bitwise", "nibbles"]);
    every_cell_matters(&run("corpus/hash_chain.json", &["7", "3"]), &["poseidon"]);
    every_cell_matters(&run("corpus/rc96.json", &["3"]), &["range_check96", "limbs"]);
}

#[test]
fn pedersen_and_ec_op_cells_all_matter() {
    every_cell_matters(&run("corpus/merkle.json", &["5", "1", "1"]), &["pedersen"]);
    every_cell_matters(&run("corpus/ec_ops.json", &["5", "1"]), &["ec_op"]);
}

/// The memory estimate a donor's worker refuses shards by counts every cell the prover commits,
/// the builtins' components included: 40 ecdsa checks are a CPU trace of 1,024 rows but a
/// component of 16,384 rows of 48 columns, which an estimate from the step count alone missed.
#[test]
fn the_memory_estimate_counts_the_builtins_components() {
    use proofgrid_prover::cost;
    for exec in [run("corpus/signatures.json", &signed(0, "40")), run("corpus/merkle.json", &["5", "3", "6"]), run("primes.json", &["2", "100"])] {
        let (air, _) = setup(&exec);
        let committed: usize = air.components().iter().map(|c| c.height() * c.main_width()).sum();
        let cpu_row = proofgrid_prover::components::cpu::col::WIDTH + 3;
        let counted = cost::layout_rows(&exec) as usize * cpu_row;
        // The small fixed tables (bytes, nibbles, the sparse range tables) are left to the
        // per-row margin (12 KiB counted per row, 11.2 measured).
        assert!(counted >= committed - committed / 20, "{} steps: {counted} cells counted, {committed} committed", exec.steps);
        assert!(counted <= 3 * committed, "{} steps: {counted} cells counted, {committed} committed", exec.steps);
        assert!(cost::address_space_for(&exec, 2) >= cost::address_space(exec.steps as u64, exec.memory_cells() as u64, 2));
    }
    let heavy = run("corpus/signatures.json", &signed(0, "40"));
    assert!(cost::layout_rows(&heavy) > 16 * cost::rows(heavy.steps as u64, heavy.memory_cells() as u64));
}

/// A peer's execution claiming a builtin segment of 2^30 cells (its cells need not exist) is
/// refused before any column is allocated, and the memory estimate the org and the donors check
/// first says it is enormous.
#[test]
fn a_claimed_giant_builtin_segment_is_refused_before_allocating() {
    use proofgrid_prover::cost;
    let mut exec = run("corpus/signatures.json", &signed(0, "1"));
    let seg = exec.segments.builtins.iter_mut().find(|(b, _)| *b == Builtin::Ecdsa).unwrap();
    seg.1.stop = seg.1.begin + (1 << 30);
    assert!(cost::address_space_for(&exec, 1) > 1 << 40, "the estimate sees the claimed component");
    let statement = Statement::from_execution(&exec);
    let public = public_memory(&statement).unwrap();
    // Building it would allocate 2^37 rows of 48 columns: it must be refused first.
    let err = trace::build(&exec, &statement, &public, &ProofOptions::TEST, Checks::Honest).map(|_| ()).unwrap_err();
    assert!(matches!(err, proofgrid_prover::ProveError::TooLarge(_)), "{err}");
}

#[test]
fn ecdsa_cells_all_matter() {
    every_cell_matters(&run("corpus/signatures.json", &signed(0, "2")), &["ecdsa"]);
}

/// A tiny AIR holding only the bit gadget: bits of a felt on one 256-row block.
struct BitsOnly {
    periodic: Vec<proofgrid_stark::PeriodicColumn>,
    constraints: Vec<proofgrid_stark::ConstraintInfo>,
}

const BITS: felt_bits::Columns = felt_bits::Columns { bit: 0, value: 1, gt: 2, periodic: 0 };

impl proofgrid_stark::Component for BitsOnly {
    fn name(&self) -> &str {
        "bits"
    }
    fn height(&self) -> usize {
        felt_bits::BLOCK
    }
    fn main_width(&self) -> usize {
        3
    }
    fn periodic(&self) -> &[proofgrid_stark::PeriodicColumn] {
        &self.periodic
    }
    fn constraints(&self) -> &[proofgrid_stark::ConstraintInfo] {
        &self.constraints
    }
    fn evaluate(&self, f: &proofgrid_stark::Frame<'_>, out: &mut [Fe]) {
        felt_bits::evaluate(&BITS, f, out);
    }
}

impl Air for BitsOnly {
    fn components(&self) -> Vec<&dyn proofgrid_stark::Component> {
        vec![self]
    }
    fn public_input_bytes(&self) -> Vec<u8> {
        Vec::new()
    }
}

/// The bits of an integer below 2^252 (big-endian bytes), as the gadget lays them out but with
/// the comparison computed honestly, whatever the integer.
fn bits_trace(x: &[u8; 32]) -> TraceTable {
    let rows = felt_bits::block(x);
    TraceTable::new((0..3).map(|k| rows.iter().map(|r| [r.0, r.1, r.2][k]).collect()).collect())
}

/// x + p decomposes into 252 bits as well for about half of all felts x; the gadget must refuse
/// it, or a Pedersen hash or an EC multiplication would use the wrong integer.
#[test]
fn the_bit_gadget_refuses_x_plus_p() {
    let air = BitsOnly { periodic: felt_bits::periodic(), constraints: felt_bits::constraints().to_vec() };
    for x in [Fe::zero(), fe(5), -Fe::one(), random_felts(3, 1, 250)[0], random_felts(4, 1, 248)[0]] {
        let canonical = proofgrid_stark::field::to_bytes(&x);
        check_traces(&air, &[bits_trace(&canonical)], SEED).unwrap_or_else(|e| panic!("{}: {e}", hex(&x)));
        // x + p as a 256-bit integer.
        let p: [u8; 32] = {
            let mut b = [0u8; 32];
            b[0] = 0x08;
            b[7] = 0x11;
            b[31] = 0x01;
            b
        };
        let mut sum = [0u8; 32];
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let s = canonical[i] as u16 + p[i] as u16 + carry;
            sum[i] = s as u8;
            carry = s >> 8;
        }
        if sum[0] >= 0x10 {
            continue; // x + p needs more than 252 bits: nothing to forge
        }
        let forged = bits_trace(&sum);
        assert_eq!(forged.columns[1][0], x, "the forged bits still add up to x mod p");
        assert!(check_traces(&air, &[forged.clone()], SEED).is_err(), "{}: x + p accepted", hex(&x));
        // Even with the comparison column lying (0 throughout), the recurrence catches it.
        let mut lying = forged;
        lying.columns[2] = vec![Fe::zero(); felt_bits::BLOCK];
        assert!(check_traces(&air, &[lying], SEED).is_err(), "{}: a lying comparison accepted", hex(&x));
    }
}

/// x + p as a 256-bit big-endian integer.
fn plus_p(x: &Fe) -> [u8; 32] {
    let xb = proofgrid_stark::field::to_bytes(x);
    let mut p = [0u8; 32];
    p[0] = 0x08;
    p[7] = 0x11;
    p[31] = 0x01;
    let mut sum = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = xb[i] as u16 + p[i] as u16 + carry;
        sum[i] = s as u8;
        carry = s >> 8;
    }
    sum
}

/// The bitwise component and its nibble table alone, one instance at `ADDR`, with the instance's
/// five memory cells provided by public terms (so only bitwise's own checks are in play).
struct BitwiseOnly {
    bitwise: bitwise::Bitwise,
    nibbles: bitwise::NibbleTable,
    cells: [Fe; 5],
}

const ADDR: u64 = 100;

impl Air for BitwiseOnly {
    fn components(&self) -> Vec<&dyn proofgrid_stark::Component> {
        vec![&self.bitwise, &self.nibbles]
    }
    fn relations(&self) -> usize {
        proofgrid_prover::components::relation::COUNT
    }
    fn public_terms(&self) -> Vec<proofgrid_stark::PublicTerm> {
        (0..5)
            .map(|k| proofgrid_stark::PublicTerm {
                relation: proofgrid_prover::components::relation::MEMORY,
                term: proofgrid_stark::LookupTerm::new(-Fe::one(), &[fe(ADDR + k as u64), self.cells[k]]),
                width: 2,
            })
            .collect()
    }
    fn public_input_bytes(&self) -> Vec<u8> {
        Vec::new()
    }
}

/// The nibble table's multiplicities for `trace` of `component`.
fn nibble_counts(component: &dyn proofgrid_stark::Component, trace: &TraceTable) -> TraceTable {
    let mut counts = vec![Fe::zero(); bitwise::NIBBLE_TABLE_HEIGHT];
    trace::for_each_term(component, trace, |relation, t| {
        if relation == proofgrid_prover::components::relation::NIBBLES && t.multiplicity != Fe::zero() {
            let small = |k: usize| proofgrid_stark::field::to_u64(&t.values[k]).filter(|v| *v < 16);
            if let (Some(a), Some(b)) = (small(0), small(1)) {
                counts[bitwise::NibbleTable::row_of(a, b)] += t.multiplicity;
            }
        }
    });
    TraceTable::new(vec![counts])
}

/// bitwise(x, 0) on the integer x + p instead of x gives the same output felts (x & 0 = 0,
/// x ^ 0 = x | 0 = x mod p), so only the 2^251 bound tells them apart: the nibbles of x + p
/// must be refused, by the nibble lookup of twice the nibble holding bit 251.
#[test]
fn bitwise_refuses_an_input_decomposed_as_x_plus_p() {
    for x in [fe(5), random_felts(9, 1, 250)[0]] {
        let air = BitwiseOnly {
            bitwise: bitwise::Bitwise::new(bitwise::ROWS, ADDR, ADDR + bitwise::CELLS),
            nibbles: bitwise::NibbleTable::default(),
            cells: [x, Fe::zero(), Fe::zero(), x, x],
        };
        let mut memory = vec![None; ADDR as usize + 2];
        memory[ADDR as usize] = Some(proofgrid_cairo::Felt::from_bytes_be(&proofgrid_stark::field::to_bytes(&x)));
        memory[ADDR as usize + 1] = Some(proofgrid_cairo::Felt::ZERO);
        let mem = proofgrid_prover::components::cpu::Memory { cells: &memory };
        let honest = TraceTable::new(bitwise::trace(&mem, ADDR, ADDR + bitwise::CELLS, bitwise::ROWS, false).unwrap());
        let table = nibble_counts(&air.bitwise, &honest);
        check_traces(&air, &[honest.clone(), table], SEED).expect("the honest instance");

        let sum = plus_p(&x);
        let mut forged = honest;
        let mut acc = [Fe::zero(); 4];
        for r in 0..bitwise::ROWS {
            let a = if r % 2 == 0 { sum[r / 2] >> 4 } else { sum[r / 2] & 15 } as u64;
            let nib = [a, 0, 0, a];
            for k in 0..4 {
                acc[k] = acc[k] * fe(16) + fe(nib[k]);
                forged.columns[bitwise::NIB + k][r] = fe(nib[k]);
                forged.columns[bitwise::ACC + k][r] = acc[k];
            }
        }
        assert_eq!(acc, [x, Fe::zero(), Fe::zero(), x], "x + p's nibbles give the same output felts");
        let table = nibble_counts(&air.bitwise, &forged);
        assert_eq!(
            check_traces(&air, &[forged, table], SEED),
            Err(proofgrid_stark::ProveError::LookupUnbalanced { relation: proofgrid_prover::components::relation::NIBBLES }),
            "x = {}", hex(&x)
        );
    }
}

/// One corpus program proven and verified on `args`: the proven output is the Python
/// reference's, the used builtins have their components, and the proof round-trips its bytes.
fn prove_corpus(name: &str, args: &[&str], builtins: &[Builtin]) -> CairoProof {
    let exec = run(&format!("corpus/{name}.json"), args);
    let expected = python_reference(name, args);
    assert_eq!(exec.output, expected, "{name} {args:?}: cairo-vm against the Python reference");
    for b in builtins {
        assert!(exec.used_builtins().contains(b), "{name} {args:?} uses {b}");
    }
    let started = std::time::Instant::now();
    let proof = prove(&exec, &ProofOptions::TEST, 2).unwrap_or_else(|e| panic!("{name} {args:?}: {e}"));
    let proof = CairoProof::from_bytes(&proof.to_bytes()).unwrap();
    let out = verify(&proof, 0).unwrap_or_else(|e| panic!("{name} {args:?}: {e}"));
    assert_eq!(out, expected, "{name} {args:?}: verified output");
    eprintln!("{name} {args:?}: {} steps, {:?}", exec.steps, started.elapsed());
    proof
}

#[test]
fn xorshift_prng_with_bitwise() {
    prove_corpus("xorshift", &["88172645463325252", "2"], &[Builtin::Bitwise]);
    prove_corpus("xorshift", &["2463534242", "100"], &[Builtin::Bitwise]);
    // Declared but unused: no component at all.
    let proof = prove_corpus("xorshift", &["5", "0"], &[]);
    assert!(proof.params.builtin_logs.len() == 1, "only range_check has a component");
}

#[test]
fn poseidon_hash_chain() {
    prove_corpus("hash_chain", &["7", "10"], &[Builtin::Poseidon]);
    prove_corpus(
        "hash_chain",
        &["1809251394333065553493296640760748560207343510400633813116524750123642662969", "60"],
        &[Builtin::Poseidon],
    );
}

#[test]
fn pedersen_merkle_path() {
    prove_corpus("merkle", &["5", "3", "6"], &[Builtin::Pedersen]);
    prove_corpus("merkle", &["12345", "5", "20"], &[Builtin::Pedersen]);
}

#[test]
fn ec_op_multiplications() {
    prove_corpus("ec_ops", &["5", "3"], &[Builtin::EcOp]);
    prove_corpus("ec_ops", &["123456789", "12"], &[Builtin::EcOp]);
}

#[test]
fn ecdsa_signature_checks() {
    prove_corpus("signatures", &signed(0, "1"), &[Builtin::Ecdsa]);
    prove_corpus("signatures", &signed(1, "12"), &[Builtin::Ecdsa]);
}

#[test]
fn range_check96_limbs() {
    prove_corpus("rc96", &["3"], &[Builtin::RangeCheck96]);
    prove_corpus("rc96", &["80"], &[Builtin::RangeCheck96]);
}

#[test]
fn dict_squash_and_u256() {
    prove_corpus("dict_squash", &["5", "3"], &[Builtin::RangeCheck]);
    prove_corpus("dict_squash", &["120", "7"], &[Builtin::RangeCheck]);
    prove_corpus("u256", &["2", "1"], &[Builtin::Bitwise]);
    prove_corpus("u256", &["5", "37"], &[Builtin::Bitwise]);
}

#[test]
fn every_supported_builtin_in_one_program() {
    let all = [Builtin::Pedersen, Builtin::RangeCheck, Builtin::Bitwise, Builtin::EcOp, Builtin::Poseidon];
    prove_corpus("mix_all", &["7", "3"], &all);
    prove_corpus("mix_all", &["12345", "20"], &all);
    // mix_all's loop with a signature check in every step: every builtin with a component.
    let all = [Builtin::Pedersen, Builtin::RangeCheck, Builtin::Ecdsa, Builtin::Bitwise, Builtin::EcOp, Builtin::Poseidon];
    let args = |seed: &'static str, n: &'static str| [&[seed, n][..], &SIGNED[0][..]].concat();
    prove_corpus("mix_signed", &args("7", "3"), &all);
    prove_corpus("mix_signed", &args("12345", "12"), &all);
}

#[test]
#[ignore = "large: about 100k steps each"]
fn builtin_corpus_large() {
    prove_corpus("xorshift", &["12345", "1000"], &[Builtin::Bitwise]);
    prove_corpus("hash_chain", &["3618502788666131213697322783095070105623107215331596699973092056135872020480", "3900"], &[Builtin::Poseidon]);
    prove_corpus("merkle", &["1606938044258990275541962092341162602522202993782792835301377", "11", "1365"], &[Builtin::Pedersen]);
    prove_corpus("ec_ops", &["904625697166532776746648320380374280103671755200316906558262375061821325319", "900"], &[Builtin::EcOp]);
    prove_corpus("mix_all", &["3618502788666131213697322783095070105623107215331596699973092056135872020480", "600"], &[Builtin::Poseidon]);
    prove_corpus("signatures", &signed(1, "1000"), &[Builtin::Ecdsa]);
}

#[test]
fn circuits_are_refused_naming_the_builtin() {
    let exec = run("corpus/circuit.json", &["3", "2"]);
    let err = prove(&exec, &ProofOptions::TEST, 1).expect_err("add_mod has no component");
    assert!(err.to_string().contains("add_mod"), "{err}");
    let _ = felts(&[]);
}
