//! Completeness over the Cairo 0 corpus in cairo/programs/corpus/ (issue 3): each program runs in
//! cairo-vm at two or three trace sizes, its output is checked against a reference computed here in
//! Rust, and the execution is proven and verified; the verified output must be the reference's too.
//!
//! Together the programs use every opcode and flag combination Cairo 0 code uses: call rel / call
//! abs / ret, jmp rel / jmp abs / jnz with immediate and computed offsets, assert_eq with op1, add
//! and mul results on ap-, fp-, immediate and double-dereference operands, ap++ and ap += n (also a
//! computed n), memory holes, hint-driven loops (memcpy, memset, pow, dictionaries), the output and
//! range_check builtins. Each program's header comment says what it covers, and
//! `corpus_covers_the_instruction_forms` checks that the forms listed there are really executed.
//! The largest sizes (2^15 rows and more) are #[ignore]d: run them with
//! `cargo test --release -p proofgrid-prover --test corpus -- --ignored`.

mod common;

use common::run;
use proofgrid_cairo::Felt;
use proofgrid_prover::{prove, verify, CairoProof, ProofOptions};
use std::collections::BTreeMap;

fn f(x: impl Into<Felt>) -> Felt {
    x.into()
}

/// Runs corpus/NAME.json on args, checks the output, proves, verifies; returns the step count
/// and the trace length.
fn check(name: &str, args: &[&str], expected: &[Felt]) -> (usize, usize) {
    let exec = run(&format!("corpus/{name}.json"), args);
    assert_eq!(exec.output, expected, "{name} {args:?}: execution output");
    let started = std::time::Instant::now();
    let proof = prove(&exec, &ProofOptions::TEST, 2)
        .unwrap_or_else(|e| panic!("{name} {args:?} ({} steps): prove failed: {e}", exec.steps));
    // Verify the proof as a verifier gets it: from its bytes.
    let proof = CairoProof::from_bytes(&proof.to_bytes())
        .unwrap_or_else(|e| panic!("{name} {args:?}: own proof bytes do not decode: {e}"));
    let out = verify(&proof, 0)
        .unwrap_or_else(|e| panic!("{name} {args:?} ({} steps): verify failed: {e}", exec.steps));
    assert_eq!(out, expected, "{name} {args:?}: verified output");
    let length = 1usize << proof.params.cpu_log;
    eprintln!(
        "{name} {args:?}: {} steps, trace length {length}, {:?}",
        exec.steps,
        started.elapsed()
    );
    (exec.steps, length)
}

/// `check` on each (args, expected) case, in order of size: the step counts must grow, and there
/// must be at least two trace lengths among the cases.
fn check_sizes(name: &str, cases: &[(Vec<String>, Vec<Felt>)]) {
    let sizes: Vec<(usize, usize)> = cases
        .iter()
        .map(|(args, expected)| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            check(name, &args, expected)
        })
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0].0 < w[1].0),
        "{name}: steps should grow: {sizes:?}"
    );
    let mut lengths: Vec<usize> = sizes.iter().map(|s| s.1).collect();
    lengths.dedup();
    assert!(
        cases.len() < 2 || lengths.len() >= 2,
        "{name}: trace lengths should differ: {sizes:?}"
    );
}

fn args(a: &[u64]) -> Vec<String> {
    a.iter().map(|x| x.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// fib_rec: naive doubly recursive Fibonacci.

fn fib_rec_expected(n: u64) -> Vec<Felt> {
    // fib(n) and the calls of the naive recursion.
    let (mut fibs, mut calls) = (vec![0u64, 1], vec![1u64, 1]);
    for i in 2..=n as usize {
        fibs.push(fibs[i - 1] + fibs[i - 2]);
        calls.push(calls[i - 1] + calls[i - 2] + 1);
    }
    vec![f(n), f(fibs[n as usize]), f(calls[n as usize])]
}

#[test]
fn fib_rec() {
    let cases: Vec<_> = [5, 10, 13]
        .iter()
        .map(|&n| (args(&[n]), fib_rec_expected(n)))
        .collect();
    check_sizes("fib_rec", &cases);
}

// ---------------------------------------------------------------------------------------------
// asm_ops: hand-written assembly loops and instruction forms.

fn asm_ops_expected(n: u64) -> Vec<Felt> {
    let squares: u64 = (1..=n).map(|i| i * i).sum();
    let linear: u64 = (0..n).map(|i| 3 * i + 1).sum();
    let frame = |x: u64| if x == 0 { 2010 } else { 103 * x + 10 };
    let rel_call = |x: u64| if x == 1 { 6 } else { x + 1 };
    vec![
        f(n),
        f(squares),
        f(linear),
        f(frame(n)),
        f(frame(0)),
        f(rel_call(n)),
        f(rel_call(1)),
    ]
}

#[test]
fn asm_ops() {
    let cases: Vec<_> = [0, 3, 200, 600]
        .iter()
        .map(|&n| (args(&[n]), asm_ops_expected(n)))
        .collect();
    check_sizes("asm_ops", &cases);
}

// ---------------------------------------------------------------------------------------------
// factorial: recursive and iterative factorials in the field.

fn factorial_expected(n: u64) -> Vec<Felt> {
    let (mut fact, mut sum) = (Felt::ONE, Felt::ONE);
    for k in 1..=n {
        fact *= f(k);
        sum += fact;
    }
    vec![f(n), fact, sum]
}

#[test]
fn factorial() {
    let cases: Vec<_> = [0, 10, 100, 300]
        .iter()
        .map(|&n| (args(&[n]), factorial_expected(n)))
        .collect();
    check_sizes("factorial", &cases);
}

// ---------------------------------------------------------------------------------------------
// jumps: call abs, jmp abs, invoke and a jump table.

fn jumps_expected(n: u64) -> Vec<Felt> {
    let fs = |k: u64, x: Felt| match k % 3 {
        0 => f(3) * x + f(1),
        1 => x * x + f(7),
        _ => x + f(100),
    };
    let mut x = Felt::ONE;
    for i in 0..n {
        let (k, fi) = (i % 3, f(i));
        let g = match k {
            0 => f(2) * fi,
            1 => fi * fi,
            _ => f(5),
        };
        x = fs(k, x) + fs(k + 1, fi) + fs(k + 2, x + fi) + g;
    }
    vec![f(n), x]
}

#[test]
fn jumps() {
    let cases: Vec<_> = [0, 4, 30, 100]
        .iter()
        .map(|&n| (args(&[n]), jumps_expected(n)))
        .collect();
    check_sizes("jumps", &cases);
}

// ---------------------------------------------------------------------------------------------
// linked_list: a list of structs walked through pointers.

fn linked_list_expected(n: u64) -> Vec<Felt> {
    let values: Vec<u64> = (0..n).map(|i| i * i + 1).collect();
    let sum: u64 = values.iter().sum();
    let weighted: u64 = values
        .iter()
        .rev()
        .enumerate()
        .map(|(j, v)| (j as u64 + 1) * v)
        .sum();
    vec![
        f(n),
        f(sum),
        f(weighted),
        f(values.get(3).copied().unwrap_or(0)),
    ]
}

#[test]
fn linked_list() {
    let cases: Vec<_> = [0, 4, 40, 150]
        .iter()
        .map(|&n| (args(&[n]), linked_list_expected(n)))
        .collect();
    check_sizes("linked_list", &cases);
}

// ---------------------------------------------------------------------------------------------
// array_mem: fill, memcpy, reversed copy, memset, find_element.

fn array_mem_expected(n: u64) -> Vec<Felt> {
    let a: Vec<u64> = (0..n).map(|i| i * i + 7).collect();
    let checksum: u64 = a.iter().enumerate().map(|(i, v)| (i as u64 + 1) * v).sum();
    let rev: u64 = a
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| (i as u64 + 1) * v)
        .sum();
    let found = a.iter().position(|&v| v == (n / 2) * (n / 2) + 7).unwrap() as u64;
    vec![f(n), f(checksum), f(rev), f(7 * n), f(found)]
}

#[test]
fn array_mem() {
    let cases: Vec<_> = [5, 120]
        .iter()
        .map(|&n| (args(&[n]), array_mem_expected(n)))
        .collect();
    check_sizes("array_mem", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 31k steps"]
fn array_mem_large() {
    let n = 500;
    check_sizes("array_mem", &[(args(&[n]), array_mem_expected(n))]);
}

// ---------------------------------------------------------------------------------------------
// structs: a polygon of Points and Segments.

fn structs_expected(n: u64) -> Vec<Felt> {
    let n = n as i128;
    let p: Vec<(i128, i128)> = (0..n).map(|i| (i + 1, i * i - 5 * i + 2)).collect();
    let at = |i: i128| p[(i % n) as usize];
    let edge = |i: i128| (at(i + 1).0 - at(i).0, at(i + 1).1 - at(i).1);
    let (mut area2, mut dots, mut mids) = (0i128, 0i128, 0i128);
    for i in 0..n {
        area2 += at(i).0 * at(i + 1).1 - at(i + 1).0 * at(i).1;
        dots += edge(i).0 * edge(i + 1).0 + edge(i).1 * edge(i + 1).1;
        mids += at(i).0 + at(i + 1).0 + at(i).1 + at(i + 1).1;
    }
    vec![f(n), f(area2), f(dots), f(mids)]
}

#[test]
fn structs() {
    let cases: Vec<_> = [1, 3, 30, 80]
        .iter()
        .map(|&n| (args(&[n]), structs_expected(n)))
        .collect();
    check_sizes("structs", &cases);
}

// ---------------------------------------------------------------------------------------------
// range_checks: the math library over [lo, hi).

fn range_checks_expected(lo: u64, hi: u64) -> Vec<Felt> {
    let mid = ((lo + hi) / 2) as i64;
    let isqrt = |n: u64| {
        let mut r = (n as f64).sqrt() as u64;
        while r * r > n {
            r -= 1;
        }
        while (r + 1) * (r + 1) <= n {
            r += 1;
        }
        r
    };
    let (mut squares, mut roots, mut q_sum, mut threes) = (0u64, 0u64, 0u64, 0u64);
    let (mut signed_q, mut abs_sum, mut le, mut signs) = (0i64, 0i64, 0u64, 0i64);
    for n in lo..hi {
        let r = isqrt(n);
        squares += (r * r == n) as u64;
        roots += r;
        q_sum += n / 7;
        threes += (n % 7 == 3) as u64;
        let d = n as i64 - mid;
        signed_q += d.div_euclid(5);
        abs_sum += d.abs();
        le += (n as i64 <= mid) as u64;
        signs += d.signum();
    }
    vec![
        f(lo),
        f(hi),
        f(squares),
        f(roots),
        f(q_sum),
        f(threes),
        f(signed_q as i128),
        f(abs_sum as i128),
        f(le),
        f(signs as i128),
    ]
}

#[test]
fn range_checks() {
    let cases: Vec<_> = [(0, 5), (4_294_967_265, 4_294_967_295)]
        .iter()
        .map(|&(lo, hi)| (args(&[lo, hi]), range_checks_expected(lo, hi)))
        .collect();
    check_sizes("range_checks", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 29k steps"]
fn range_checks_large() {
    let (lo, hi) = (1_000_000, 1_000_120);
    check_sizes(
        "range_checks",
        &[(args(&[lo, hi]), range_checks_expected(lo, hi))],
    );
}

// ---------------------------------------------------------------------------------------------
// divmod: gcd, lcm, digits and popcounts by unsigned_div_rem.

fn divmod_expected(a: u64, b: u64, n: u64) -> Vec<Felt> {
    let gcd = |mut x: u64, mut y: u64| {
        let mut divisions = 0u64;
        while y != 0 {
            (x, y) = (y, x % y);
            divisions += 1;
        }
        (x, divisions)
    };
    let digit_sum = |mut x: u64| {
        let mut s = 0;
        while x > 0 {
            s += x % 10;
            x /= 10;
        }
        s
    };
    let (g, divisions) = gcd(a, b);
    let lcm = (a / g) as u128 * b as u128;
    let gcd_sum: u64 = (1..=n).map(|k| gcd(a, k).0).sum();
    let digit_sums: u64 = (1..=n).map(digit_sum).sum();
    let popcounts: u64 = (1..=n).map(|k| k.count_ones() as u64).sum();
    let reversed = a
        .to_string()
        .chars()
        .rev()
        .collect::<String>()
        .parse::<u128>()
        .unwrap();
    vec![
        f(a),
        f(b),
        f(n),
        f(g),
        f(lcm),
        f(divisions),
        f(gcd_sum),
        f(digit_sums),
        f(popcounts),
        f(digit_sum(a)),
        f(if a == 0 { 0 } else { reversed }),
    ]
}

#[test]
fn divmod() {
    let cases: Vec<_> = [(12, 18, 0), (u64::MAX, 12_345_678_901_234_567, 18)]
        .iter()
        .map(|&(a, b, n)| (args(&[a, b, n]), divmod_expected(a, b, n)))
        .collect();
    check_sizes("divmod", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 30k steps"]
fn divmod_large() {
    let (a, b, n) = (600_851_475_143, 6857, 80);
    check_sizes("divmod", &[(args(&[a, b, n]), divmod_expected(a, b, n))]);
}

// ---------------------------------------------------------------------------------------------
// dict_hist: a histogram in a default dictionary.

fn dict_hist_expected(n: u64, m: u64) -> Vec<Felt> {
    let mut counts = BTreeMap::new();
    for i in 0..n {
        *counts.entry((i * i + 3 * i) % m).or_insert(0u64) += 1;
    }
    let mut out = vec![f(n), f(m), f(counts.len() as u64)];
    for (k, c) in counts {
        out.extend([f(k), f(c)]);
    }
    out
}

#[test]
fn dict_hist() {
    let cases: Vec<_> = [(10, 7), (100, 13)]
        .iter()
        .map(|&(n, m)| (args(&[n, m]), dict_hist_expected(n, m)))
        .collect();
    check_sizes("dict_hist", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 29k steps"]
fn dict_hist_large() {
    let (n, m) = (400, 50);
    check_sizes("dict_hist", &[(args(&[n, m]), dict_hist_expected(n, m))]);
}

// ---------------------------------------------------------------------------------------------
// silent: only asserts, outputs only its argument.

#[test]
fn silent() {
    let cases: Vec<_> = [0, 5, 100, 400]
        .iter()
        .map(|&n| (args(&[n]), vec![f(n)]))
        .collect();
    check_sizes("silent", &cases);
}

// ---------------------------------------------------------------------------------------------
// field_arith: horner_eval, pow, inverses, products, quadratic residues.

fn field_arith_expected(x: u64, n: u64) -> Vec<Felt> {
    let fx = f(x);
    let poly = (0..=n).rev().fold(Felt::ZERO, |acc, i| acc * fx + f(i + 1));
    let small_power = fx.pow(n as u128);
    let big_power = fx.pow_felt(&(Felt::TWO.pow(250u128) + f(n)));
    let harmonic = (1..=n).fold(Felt::ZERO, |acc, i| acc + f(i).inverse().unwrap());
    let product = (0..n).fold(Felt::ONE, |acc, i| acc * (fx + f(i)));
    let squares = (0..n).filter(|&i| (fx + f(i)).sqrt().is_some()).count() as u64;
    vec![
        fx,
        f(n),
        poly,
        small_power,
        big_power,
        harmonic,
        product,
        f(squares),
    ]
}

#[test]
fn field_arith() {
    let cases: Vec<_> = [(0, 4), (123_456_789, 100)]
        .iter()
        .map(|&(x, n)| (args(&[x, n]), field_arith_expected(x, n)))
        .collect();
    check_sizes("field_arith", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 22k steps"]
fn field_arith_large() {
    let (x, n) = (5, 400);
    check_sizes(
        "field_arith",
        &[(args(&[x, n]), field_arith_expected(x, n))],
    );
}

// ---------------------------------------------------------------------------------------------
// merge_sort: sorting pseudo-random numbers.

fn merge_sort_expected(n: u64, seed: u64) -> Vec<Felt> {
    let mut a = Vec::new();
    let mut v = seed;
    for _ in 0..n {
        a.push(v);
        v = (1_103_515_245 * v + 12345) % (1 << 31);
    }
    a.sort();
    let checksum: u64 = a.iter().enumerate().map(|(i, v)| (i as u64 + 1) * v).sum();
    vec![
        f(n),
        f(seed),
        f(a[0]),
        f(a[n as usize - 1]),
        f(a[n as usize / 2]),
        f(checksum),
    ]
}

#[test]
fn merge_sort() {
    let cases: Vec<_> = [(2, 7), (30, 1)]
        .iter()
        .map(|&(n, seed)| (args(&[n, seed]), merge_sort_expected(n, seed)))
        .collect();
    check_sizes("merge_sort", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 30k steps"]
fn merge_sort_large() {
    let (n, seed) = (100, 2024);
    check_sizes(
        "merge_sort",
        &[(args(&[n, seed]), merge_sort_expected(n, seed))],
    );
}

// ---------------------------------------------------------------------------------------------
// matrix: C = A B.

fn matrix_expected(n: u64) -> Vec<Felt> {
    let n = n as i128;
    let a = |i: i128, j: i128| i + 2 * j + 1;
    let b = |i: i128, j: i128| i * j + 1;
    let c = |i: i128, j: i128| (0..n).map(|k| a(i, k) * b(k, j)).sum::<i128>();
    let trace: i128 = (0..n).map(|i| c(i, i)).sum();
    let total: i128 = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| c(i, j))
        .sum();
    let skew: i128 = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| c(i, j) * (i - j))
        .sum();
    vec![f(n), f(trace), f(total), f(c(n - 1, 0)), f(skew)]
}

#[test]
fn matrix() {
    let cases: Vec<_> = [1, 2, 4, 7]
        .iter()
        .map(|&n| (args(&[n]), matrix_expected(n)))
        .collect();
    check_sizes("matrix", &cases);
}

// ---------------------------------------------------------------------------------------------
// mutual: is_even / is_odd, Hofstadter's F and M, Ackermann.

fn ackermann(x: u64, y: u64) -> u64 {
    match (x, y) {
        (0, y) => y + 1,
        (x, 0) => ackermann(x - 1, 1),
        (x, y) => ackermann(x - 1, ackermann(x, y - 1)),
    }
}

fn hofstadter_f(k: u64) -> u64 {
    if k == 0 {
        1
    } else {
        k - hofstadter_m(hofstadter_f(k - 1))
    }
}

fn hofstadter_m(k: u64) -> u64 {
    if k == 0 {
        0
    } else {
        k - hofstadter_f(hofstadter_m(k - 1))
    }
}

fn mutual_expected(n: u64, m: u64) -> Vec<Felt> {
    vec![
        f(n),
        f(m),
        f(n % 2),
        f(hofstadter_f(n)),
        f(hofstadter_m(n)),
        f(ackermann(m, n)),
    ]
}

#[test]
fn mutual() {
    let cases: Vec<_> = [(0, 0), (3, 1), (2, 3), (13, 2)]
        .iter()
        .map(|&(n, m)| (args(&[n, m]), mutual_expected(n, m)))
        .collect();
    check_sizes("mutual", &cases);
}

// ---------------------------------------------------------------------------------------------
// hanoi: the moves of the recursive solution.

fn hanoi_moves(disks: u64, src: u64, dst: u64, via: u64, out: &mut Vec<(u64, u64)>) {
    if disks > 0 {
        hanoi_moves(disks - 1, src, via, dst, out);
        out.push((src, dst));
        hanoi_moves(disks - 1, via, dst, src, out);
    }
}

fn hanoi_expected(n: u64) -> Vec<Felt> {
    let mut moves = Vec::new();
    hanoi_moves(n, 0, 2, 1, &mut moves);
    let checksum: u64 = moves
        .iter()
        .enumerate()
        .map(|(k, &(s, d))| (k as u64 + 1) * (3 * s + d))
        .sum();
    vec![f(n), f(moves.len() as u64), f(checksum), f(n)]
}

#[test]
fn hanoi() {
    let cases: Vec<_> = [1, 5]
        .iter()
        .map(|&n| (args(&[n]), hanoi_expected(n)))
        .collect();
    check_sizes("hanoi", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 18k steps"]
fn hanoi_large() {
    let n = 7;
    check_sizes("hanoi", &[(args(&[n]), hanoi_expected(n))]);
}

// ---------------------------------------------------------------------------------------------
// uint256_fib: Fibonacci mod 2^256 in two 128-bit limbs.

/// 256-bit unsigned integers as four 64-bit limbs, low first.
type U256 = [u64; 4];

fn u256_add(a: U256, b: U256) -> (U256, bool) {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let s = a[i] as u128 + b[i] as u128 + carry;
        out[i] = s as u64;
        carry = s >> 64;
    }
    (out, carry != 0)
}

fn u256_mul_wide(a: U256, b: U256) -> [u64; 8] {
    let mut out = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let t = a[i] as u128 * b[j] as u128 + out[i + j] as u128 + carry;
            out[i + j] = t as u64;
            carry = t >> 64;
        }
        out[i + 4] = carry as u64;
    }
    out
}

fn limb128(lo: u64, hi: u64) -> Felt {
    f(((hi as u128) << 64) | lo as u128)
}

fn uint256_fib_expected(n: u64) -> Vec<Felt> {
    let (mut a, mut b, mut carries): (U256, U256, u64) = ([0; 4], [1, 0, 0, 0], 0);
    for _ in 0..n {
        let (sum, carry) = u256_add(a, b);
        (a, b) = (b, sum);
        carries += carry as u64;
    }
    let p = u256_mul_wide(a, b);
    vec![
        f(n),
        limb128(a[0], a[1]),
        limb128(a[2], a[3]),
        f(carries),
        limb128(p[0], p[1]),
        limb128(p[2], p[3]),
        limb128(p[4], p[5]),
        limb128(p[6], p[7]),
    ]
}

#[test]
fn uint256_fib() {
    let cases: Vec<_> = [10, 375]
        .iter()
        .map(|&n| (args(&[n]), uint256_fib_expected(n)))
        .collect();
    check_sizes("uint256_fib", &cases);
}

/// A trace of 2^15 rows.
#[test]
#[ignore = "large: about 31k steps"]
fn uint256_fib_large() {
    let n = 800;
    check_sizes("uint256_fib", &[(args(&[n]), uint256_fib_expected(n))]);
}

// ---------------------------------------------------------------------------------------------
// sparse: memory with long runs of holes.

fn sparse_expected(n: u64, gap: u64, far: u64) -> Vec<Felt> {
    let sum: u64 = (0..n).map(|i| i * i + 1).sum();
    let check = if far == 0 { 0 } else { 2 * n + 3 * gap + 8 };
    vec![f(n), f(gap), f(far), f(sum), f(check)]
}

#[test]
fn sparse_data() {
    for (n, gap) in [(0, 1), (10, 100), (20, 300)] {
        check(
            "sparse",
            &[&n.to_string(), &gap.to_string(), "0"],
            &sparse_expected(n, gap, 0),
        );
    }
}

/// About 33k holes in the execution segment and offsets up to 2^15 - 1.
#[test]
fn sparse_far_offsets() {
    check("sparse", &["3", "1", "1"], &sparse_expected(3, 1, 1));
}

/// 160k holes for 154 steps: the layout must grow the trace until the spare slots fit them.
#[test]
fn sparse_large() {
    check(
        "sparse",
        &["5", "40000", "0"],
        &sparse_expected(5, 40000, 0),
    );
}

// ---------------------------------------------------------------------------------------------
// Step counts at a power of two and one either side of it: no padding row, one, all but one.

#[test]
fn steps_at_powers_of_two() {
    type Expected = fn(u64) -> Vec<Felt>;
    let programs: [(&str, Expected); 6] = [
        ("silent", |n| vec![f(n)]),
        ("factorial", factorial_expected),
        ("linked_list", linked_list_expected),
        ("asm_ops", asm_ops_expected),
        ("jumps", jumps_expected),
        ("fib_rec", fib_rec_expected),
    ];
    let near_power = |steps: usize| {
        (6..=11).find_map(|k| {
            let p = 1usize << k;
            (steps + 1 >= p && steps <= p + 1).then_some(steps as i64 - p as i64)
        })
    };
    let mut found = Vec::new();
    for (name, expected) in programs {
        let program =
            proofgrid_cairo::Program::load(&common::program_path(&format!("corpus/{name}.json")))
                .expect("corpus program loads");
        for n in 0..=150u64 {
            if name == "fib_rec" && n > 16 {
                break;
            }
            let a = [f(n)];
            let exec = proofgrid_cairo::execute(&program, &a, &proofgrid_cairo::Limits::default())
                .unwrap();
            if let Some(off) = near_power(exec.steps) {
                check(name, &[&n.to_string()], &expected(n));
                found.push((name, n, exec.steps, off));
            }
        }
    }
    eprintln!("steps near a power of two: {found:?}");
    assert!(
        found.iter().any(|c| c.3 == 0),
        "no exact power of two: {found:?}"
    );
    assert!(found.len() >= 3, "too few cases: {found:?}");
}

// ---------------------------------------------------------------------------------------------
// Which instruction forms the corpus executes (cairo-vm only, no proving).

/// One run of each corpus program.
const COVERAGE_RUNS: &[(&str, &[&str])] = &[
    ("fib_rec", &["10"]),
    ("asm_ops", &["20"]),
    ("factorial", &["20"]),
    ("jumps", &["10"]),
    ("linked_list", &["10"]),
    ("array_mem", &["20"]),
    ("structs", &["10"]),
    ("range_checks", &["0", "20"]),
    ("divmod", &["1071", "462", "10"]),
    ("dict_hist", &["20", "7"]),
    ("silent", &["10"]),
    ("field_arith", &["7", "10"]),
    ("merge_sort", &["10", "42"]),
    ("matrix", &["3"]),
    ("mutual", &["3", "2"]),
    ("hanoi", &["3"]),
    ("uint256_fib", &["20"]),
    ("sparse", &["3", "1", "1"]),
    ("rc_extremes", &["5"]),
    ("output_many", &["10", "2"]),
    ("rc_gap", &["5", "3"]),
    ("felt_cmp", &["3", "7", "10"]),
];

/// An instruction's flags as readable fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Form {
    opcode: &'static str,
    pc: &'static str,
    ap: &'static str,
    res: &'static str,
    op1: &'static str,
    dst_fp: bool,
    op0_fp: bool,
}

fn form(word: u64) -> Form {
    let flags = word >> 48;
    let bits = |from: u32, width: u32| (flags >> from) & ((1 << width) - 1);
    Form {
        dst_fp: bits(0, 1) == 1,
        op0_fp: bits(1, 1) == 1,
        op1: ["[op0+k]", "imm", "[fp+k]", "?", "[ap+k]", "?", "?", "?"][bits(2, 3) as usize],
        res: ["op1", "add", "mul", "?"][bits(5, 2) as usize],
        pc: ["regular", "jmp abs", "jmp rel", "?", "jnz", "?", "?", "?"][bits(7, 3) as usize],
        ap: ["", "ap += res", "ap++", "?"][bits(10, 2) as usize],
        opcode: ["nop", "call", "ret", "?", "assert_eq", "?", "?", "?"][bits(12, 3) as usize],
    }
}

#[test]
fn corpus_covers_the_instruction_forms() {
    let mut forms = std::collections::BTreeSet::new();
    for (name, a) in COVERAGE_RUNS {
        let exec = run(&format!("corpus/{name}.json"), a);
        for state in &exec.trace {
            let word = exec.memory[state.pc as usize].expect("instruction in memory");
            forms.insert(form(
                u64::try_from(word.to_biguint()).expect("an instruction word"),
            ));
        }
    }
    for form in &forms {
        eprintln!("{form:?}");
    }
    type Want = (&'static str, fn(&Form) -> bool);
    let wanted: &[Want] = &[
        ("call rel imm", |f| {
            f.opcode == "call" && f.pc == "jmp rel" && f.op1 == "imm"
        }),
        ("call rel [fp+k]", |f| {
            f.opcode == "call" && f.pc == "jmp rel" && f.op1 == "[fp+k]"
        }),
        ("call abs [fp+k]", |f| {
            f.opcode == "call" && f.pc == "jmp abs" && f.op1 == "[fp+k]"
        }),
        ("ret", |f| f.opcode == "ret"),
        ("jmp abs [fp+k]", |f| {
            f.opcode == "nop" && f.pc == "jmp abs" && f.ap.is_empty()
        }),
        ("jmp abs, ap++", |f| {
            f.opcode == "nop" && f.pc == "jmp abs" && f.ap == "ap++"
        }),
        ("jmp rel imm", |f| {
            f.pc == "jmp rel" && f.opcode == "nop" && f.op1 == "imm" && f.ap.is_empty()
        }),
        ("jmp rel imm, ap++", |f| {
            f.pc == "jmp rel" && f.op1 == "imm" && f.ap == "ap++"
        }),
        ("jmp rel [ap+k]", |f| f.pc == "jmp rel" && f.op1 == "[ap+k]"),
        ("jnz imm", |f| {
            f.pc == "jnz" && f.op1 == "imm" && f.ap.is_empty()
        }),
        ("jnz imm, ap++", |f| {
            f.pc == "jnz" && f.op1 == "imm" && f.ap == "ap++"
        }),
        ("jnz [ap+k]", |f| f.pc == "jnz" && f.op1 == "[ap+k]"),
        ("jnz [fp+k]", |f| f.pc == "jnz" && f.op1 == "[fp+k]"),
        ("jnz on dst [fp+k]", |f| f.pc == "jnz" && f.dst_fp),
        ("jnz on dst [ap+k]", |f| f.pc == "jnz" && !f.dst_fp),
        ("ap += imm", |f| {
            f.opcode == "nop" && f.pc == "regular" && f.ap == "ap += res" && f.op1 == "imm"
        }),
        ("ap += [fp+k]", |f| {
            f.opcode == "nop" && f.ap == "ap += res" && f.op1 == "[fp+k]"
        }),
        ("assert_eq, ap++", |f| {
            f.opcode == "assert_eq" && f.ap == "ap++"
        }),
        ("assert_eq dst fp", |f| f.opcode == "assert_eq" && f.dst_fp),
        ("assert_eq dst ap", |f| f.opcode == "assert_eq" && !f.dst_fp),
        ("assert_eq imm", |f| {
            f.opcode == "assert_eq" && f.res == "op1" && f.op1 == "imm"
        }),
        ("assert_eq [fp+k]", |f| {
            f.opcode == "assert_eq" && f.res == "op1" && f.op1 == "[fp+k]"
        }),
        ("assert_eq [ap+k]", |f| {
            f.opcode == "assert_eq" && f.res == "op1" && f.op1 == "[ap+k]"
        }),
        ("assert_eq [[fp+k]+m]", |f| {
            f.opcode == "assert_eq" && f.op1 == "[op0+k]" && f.op0_fp
        }),
        ("assert_eq [[ap+k]+m]", |f| {
            f.opcode == "assert_eq" && f.op1 == "[op0+k]" && !f.op0_fp
        }),
        ("add imm", |f| {
            f.opcode == "assert_eq" && f.res == "add" && f.op1 == "imm"
        }),
        ("add [fp+k]", |f| {
            f.opcode == "assert_eq" && f.res == "add" && f.op1 == "[fp+k]"
        }),
        ("add [ap+k]", |f| {
            f.opcode == "assert_eq" && f.res == "add" && f.op1 == "[ap+k]"
        }),
        ("add op0 fp", |f| {
            f.opcode == "assert_eq" && f.res == "add" && f.op0_fp
        }),
        ("add op0 ap", |f| {
            f.opcode == "assert_eq" && f.res == "add" && !f.op0_fp
        }),
        ("mul imm", |f| {
            f.opcode == "assert_eq" && f.res == "mul" && f.op1 == "imm"
        }),
        ("mul [fp+k]", |f| {
            f.opcode == "assert_eq" && f.res == "mul" && f.op1 == "[fp+k]"
        }),
        ("mul [ap+k]", |f| {
            f.opcode == "assert_eq" && f.res == "mul" && f.op1 == "[ap+k]"
        }),
        ("mul op0 fp", |f| {
            f.opcode == "assert_eq" && f.res == "mul" && f.op0_fp
        }),
        ("mul op0 ap", |f| {
            f.opcode == "assert_eq" && f.res == "mul" && !f.op0_fp
        }),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, want)| !forms.iter().any(want))
        .map(|(name, _)| *name)
        .collect();
    assert!(missing.is_empty(), "the corpus never executes: {missing:?}");
    eprintln!("{} distinct instruction forms", forms.len());
}

// ---------------------------------------------------------------------------------------------
// rc_extremes: one range-checked value with limbs at the ends of [0, 2^16).

#[test]
fn rc_extremes() {
    for x in [0u128, 5, 65536, u128::MAX] {
        check("rc_extremes", &[&x.to_string()], &[f(x), f(1u64)]);
    }
}

#[test]
fn rc_extremes_full_limb_span() {
    // Limbs 65535 and 0: the limb pool must fill 65534 values for a 25-step program.
    check("rc_extremes", &["65535"], &[f(65535u64), f(1u64)]);
}

// ---------------------------------------------------------------------------------------------
// output_many: a long public output, partly written by memcpy; an unused range_check builtin.

fn output_many_expected(n: u64, a: u64) -> Vec<Felt> {
    let s: Vec<Felt> = (0..n).map(|i| f(a) * f(i) * f(i) + f(i)).collect();
    let mut out = vec![f(n), f(a)];
    out.extend(s.iter().copied());
    out.extend(s.iter().rev().map(|x| *x + Felt::ONE));
    out
}

#[test]
fn output_many() {
    let cases: Vec<_> = [(0, 3), (10, 2), (100, 7), (250, 123_456_789)]
        .iter()
        .map(|&(n, a)| (args(&[n, a]), output_many_expected(n, a)))
        .collect();
    check_sizes("output_many", &cases);
}

/// 3002 output words, 2^16 rows.
#[test]
#[ignore = "large: about 45k steps"]
fn output_many_large() {
    check_sizes(
        "output_many",
        &[(
            args(&[1500, 123_456_789]),
            output_many_expected(1500, 123_456_789),
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// Arguments that are large field elements: p - 1, and values past 2^128 and 2^251.

#[test]
fn field_sized_arguments() {
    let minus_one = Felt::MAX; // p - 1
    let big = Felt::TWO.pow(251u128) + f(12345u64);
    for x in [minus_one, big] {
        let text = x.to_string();
        // field_arith on x with n = 4: no bound on x.
        let fx = x;
        let n = 4u64;
        let poly = (0..=n).rev().fold(Felt::ZERO, |acc, i| acc * fx + f(i + 1));
        let big_power = fx.pow_felt(&(Felt::TWO.pow(250u128) + f(n)));
        let harmonic = (1..=n).fold(Felt::ZERO, |acc, i| acc + f(i).inverse().unwrap());
        let product = (0..n).fold(Felt::ONE, |acc, i| acc * (fx + f(i)));
        let squares = (0..n).filter(|&i| (fx + f(i)).sqrt().is_some()).count() as u64;
        let expected = [
            fx,
            f(n),
            poly,
            fx.pow(n as u128),
            big_power,
            harmonic,
            product,
            f(squares),
        ];
        check("field_arith", &[&text, "4"], &expected);
        // output_many with a = x.
        let s: Vec<Felt> = (0..3u64).map(|i| x * f(i) * f(i) + f(i)).collect();
        let mut expected = vec![f(3u64), x];
        expected.extend(s.iter().copied());
        expected.extend(s.iter().rev().map(|v| *v + Felt::ONE));
        check("output_many", &["3", &text], &expected);
    }
}

// ---------------------------------------------------------------------------------------------
// One thread: the same statement proves and verifies.

#[test]
fn one_thread() {
    let exec = run("corpus/jumps.json", &["30"]);
    let proof = prove(&exec, &ProofOptions::TEST, 1).expect("proves on one thread");
    let out = verify(&CairoProof::from_bytes(&proof.to_bytes()).unwrap(), 0).expect("verifies");
    assert_eq!(out, jumps_expected(30));
}

// ---------------------------------------------------------------------------------------------
// rc_gap: unwritten cells inside the range_check builtin's segment.

#[test]
fn rc_gap() {
    let cases: Vec<_> = [(5, 1), (1000, 10), (7, 500)]
        .iter()
        .map(|&(x, n)| (args(&[x, n]), vec![f(x), f(n)]))
        .collect();
    check_sizes("rc_gap", &cases);
}

// ---------------------------------------------------------------------------------------------
// felt_cmp: is_le_felt, assert_le_felt, split_felt and usort over x_i = a i + b.

fn felt_cmp_expected(a: Felt, b: Felt, n: u64) -> Vec<Felt> {
    let xs: Vec<Felt> = (0..n).map(|i| a * f(i) + b).collect();
    // Big-endian bytes compare as the integers in [0, p) do.
    let le = xs
        .windows(2)
        .filter(|w| w[0].to_bytes_be() <= w[1].to_bytes_be())
        .count() as u64;
    let split = |x: &Felt| {
        let bytes = x.to_bytes_be();
        let high = u128::from_be_bytes(bytes[..16].try_into().unwrap());
        let low = u128::from_be_bytes(bytes[16..].try_into().unwrap());
        (high, low)
    };
    let highs = xs.iter().fold(Felt::ZERO, |acc, x| acc + f(split(x).0));
    let lows = xs.iter().fold(Felt::ZERO, |acc, x| acc + f(split(x).1));
    let mut counts = BTreeMap::new();
    for x in &xs {
        *counts.entry((split(x).1 % 8) as u64).or_insert(0u64) += 1;
    }
    let mut out = vec![a, b, f(n), f(le), highs, lows, f(counts.len() as u64)];
    out.extend(counts.keys().map(|&k| f(k)));
    out.extend(counts.values().map(|&m| f(m)));
    out
}

#[test]
fn felt_cmp() {
    let half = Felt::TWO.inverse().unwrap(); // (p + 1) / 2: x_i alternates between small and huge
    let cases = [
        (f(1u64), f(0u64), 5u64),
        (half, f(5u64), 20),
        (Felt::MAX, Felt::MAX, 30),
    ];
    let cases: Vec<_> = cases
        .iter()
        .map(|&(a, b, n)| {
            (
                vec![a.to_string(), b.to_string(), n.to_string()],
                felt_cmp_expected(a, b, n),
            )
        })
        .collect();
    check_sizes("felt_cmp", &cases);
}
