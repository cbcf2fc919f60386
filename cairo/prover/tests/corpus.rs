//! Completeness over the Cairo 0 corpus in cairo/programs/corpus/ (issue 3): each program runs in
//! cairo-vm at two or three trace sizes, its output is checked against a reference computed here in
//! Rust, and the execution is proven and verified; the verified output must be the reference's too.
//!
//! Together the programs use every opcode and flag combination Cairo 0 code uses: call rel / call
//! abs / ret, jmp rel / jmp abs / jnz with immediate and computed offsets, assert_eq with op1, add
//! and mul results on ap-, fp-, immediate and double-dereference operands, ap++ and ap += n (also a
//! computed n), memory holes, hint-driven loops (memcpy, memset, pow, dictionaries), the output and
//! range_check builtins. Each program's header comment says what it covers. The largest sizes are
//! #[ignore]d: run them with `cargo test --release -p proofgrid-prover --test corpus -- --ignored`.

mod common;

use common::run;
use proofgrid_cairo::Felt;
use proofgrid_prover::{prove, verify, ProofOptions};
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
    let out = verify(&proof, 0)
        .unwrap_or_else(|e| panic!("{name} {args:?} ({} steps): verify failed: {e}", exec.steps));
    assert_eq!(out, expected, "{name} {args:?}: verified output");
    let length = proof.params.layout.trace_length;
    eprintln!(
        "{name} {args:?}: {} steps, trace length {length}, {:?}",
        exec.steps,
        started.elapsed()
    );
    (exec.steps, length)
}

/// Whether a program's trace length is floored by the range_check builtin. The builtin's 16-bit
/// limbs share the range-checked column with the instruction offsets (biased by 2^15), and that
/// column must hold every value between its least and greatest, so a program whose range checks
/// see small numbers needs 2^15 to 2^16 range-checked cells, a trace of 2^13 or 2^14 rows, however
/// few its steps. Its cases then differ in steps, not in trace length, below that floor.
#[derive(Clone, Copy, PartialEq)]
enum Floor {
    None,
    RangeCheck,
}

/// `check` on each (args, expected) case, in order of size: the step counts must grow, and without
/// a floor so must the trace lengths (at least two of them).
fn check_sizes(name: &str, floor: Floor, cases: &[(Vec<String>, Vec<Felt>)]) {
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
    if floor == Floor::None && cases.len() >= 2 {
        assert!(
            lengths.len() >= 2,
            "{name}: trace lengths should differ: {sizes:?}"
        );
    }
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
    check_sizes("fib_rec", Floor::None, &cases);
}

// ---------------------------------------------------------------------------------------------
// asm_ops: hand-written assembly loops and instruction forms.

fn asm_ops_expected(n: u64) -> Vec<Felt> {
    let squares: u64 = (1..=n).map(|i| i * i).sum();
    let linear: u64 = (0..n).map(|i| 3 * i + 1).sum();
    let frame = |x: u64| if x == 0 { 2010 } else { 103 * x + 10 };
    vec![f(n), f(squares), f(linear), f(frame(n)), f(frame(0))]
}

#[test]
fn asm_ops() {
    let cases: Vec<_> = [0, 3, 200, 600]
        .iter()
        .map(|&n| (args(&[n]), asm_ops_expected(n)))
        .collect();
    check_sizes("asm_ops", Floor::None, &cases);
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
    check_sizes("factorial", Floor::None, &cases);
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
    check_sizes("jumps", Floor::None, &cases);
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
    check_sizes("linked_list", Floor::None, &cases);
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
    let cases: Vec<_> = [5, 250]
        .iter()
        .map(|&n| (args(&[n]), array_mem_expected(n)))
        .collect();
    check_sizes("array_mem", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 31k steps"]
fn array_mem_large() {
    let n = 500;
    check_sizes(
        "array_mem",
        Floor::RangeCheck,
        &[(args(&[n]), array_mem_expected(n))],
    );
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
    check_sizes("structs", Floor::None, &cases);
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
    let cases: Vec<_> = [(0, 5), (4_294_967_235, 4_294_967_295)]
        .iter()
        .map(|&(lo, hi)| (args(&[lo, hi]), range_checks_expected(lo, hi)))
        .collect();
    check_sizes("range_checks", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 29k steps"]
fn range_checks_large() {
    let (lo, hi) = (1_000_000, 1_000_120);
    check_sizes(
        "range_checks",
        Floor::RangeCheck,
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
    let cases: Vec<_> = [(12, 18, 0), (u64::MAX, 12_345_678_901_234_567, 25)]
        .iter()
        .map(|&(a, b, n)| (args(&[a, b, n]), divmod_expected(a, b, n)))
        .collect();
    check_sizes("divmod", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 30k steps"]
fn divmod_large() {
    let (a, b, n) = (600_851_475_143, 6857, 80);
    check_sizes(
        "divmod",
        Floor::RangeCheck,
        &[(args(&[a, b, n]), divmod_expected(a, b, n))],
    );
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
    let cases: Vec<_> = [(10, 7), (200, 13)]
        .iter()
        .map(|&(n, m)| (args(&[n, m]), dict_hist_expected(n, m)))
        .collect();
    check_sizes("dict_hist", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 29k steps"]
fn dict_hist_large() {
    let (n, m) = (400, 50);
    check_sizes(
        "dict_hist",
        Floor::RangeCheck,
        &[(args(&[n, m]), dict_hist_expected(n, m))],
    );
}

// ---------------------------------------------------------------------------------------------
// silent: only asserts, outputs only its argument.

#[test]
fn silent() {
    let cases: Vec<_> = [0, 5, 100, 400]
        .iter()
        .map(|&n| (args(&[n]), vec![f(n)]))
        .collect();
    check_sizes("silent", Floor::None, &cases);
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
    check_sizes("field_arith", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 22k steps"]
fn field_arith_large() {
    let (x, n) = (5, 400);
    check_sizes(
        "field_arith",
        Floor::RangeCheck,
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
    let cases: Vec<_> = [(2, 7), (50, 1)]
        .iter()
        .map(|&(n, seed)| (args(&[n, seed]), merge_sort_expected(n, seed)))
        .collect();
    check_sizes("merge_sort", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 30k steps"]
fn merge_sort_large() {
    let (n, seed) = (100, 2024);
    check_sizes(
        "merge_sort",
        Floor::RangeCheck,
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
    check_sizes("matrix", Floor::None, &cases);
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
    check_sizes("mutual", Floor::None, &cases);
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
    check_sizes("hanoi", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 18k steps"]
fn hanoi_large() {
    let n = 7;
    check_sizes(
        "hanoi",
        Floor::RangeCheck,
        &[(args(&[n]), hanoi_expected(n))],
    );
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
    check_sizes("uint256_fib", Floor::RangeCheck, &cases);
}

/// Past the floor: a trace of 2^15 rows.
#[test]
#[ignore = "large: about 31k steps"]
fn uint256_fib_large() {
    let n = 800;
    check_sizes(
        "uint256_fib",
        Floor::RangeCheck,
        &[(args(&[n]), uint256_fib_expected(n))],
    );
}
