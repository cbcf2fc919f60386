// Field arithmetic without the bitwise builtin: polynomial evaluation, exponentiation by
// squaring, field inverses, long products and quadratic residuosity.
//
// proofgrid job program (corpus). Args: x n, with n <= 10000.
// Output: [x, n, sum of (i + 1) x^i for i in 0..=n, x^n, x^(2^250 + n), sum of 1 / i for i in 1..=n,
// product of (x + i) for i in 0..n, how many of x + i for i in 0..n are squares], all in the field.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the standard library's horner_eval and pow (a hand-written loop over fp - 2 based
// locals, with jmp rel, ap++ and jnz ap++), is_quad_residue, division as an assert_eq solved for
// an operand, multiplication chains that wrap around the prime.
%builtins output range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.math import assert_nn_le, horner_eval, is_quad_residue
from starkware.cairo.common.pow import pow
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 2;

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    // The proofgrid args hint: the same two lines run under cairo-run --program_input.
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local x = args[0];
    local n = args[1];
    assert_nn_le(n, 10000);

    let (coefficients) = alloc();
    fill_coefficients(coefficients, 0, n + 1);
    let (poly) = horner_eval(n + 1, coefficients, x);
    local poly = poly;
    let (small_power) = pow(x, n);
    local small_power = small_power;
    let (big_power) = pow(x, 2 ** 250 + n);
    local big_power = big_power;
    let harmonic = harmonic_sum(1, n, 0);
    local harmonic = harmonic;
    let product = rising_product(x, n, 1);
    local product = product;
    let squares = count_squares(x, n, 0);
    local squares = squares;

    serialize_word(x);
    serialize_word(n);
    serialize_word(poly);
    serialize_word(small_power);
    serialize_word(big_power);
    serialize_word(harmonic);
    serialize_word(product);
    serialize_word(squares);
    return ();
}

func fill_coefficients(c: felt*, i: felt, len: felt) {
    if (i == len) {
        return ();
    }
    assert c[i] = i + 1;
    return fill_coefficients(c, i + 1, len);
}

// acc + sum of 1 / i over i in i..=n.
func harmonic_sum(i: felt, n: felt, acc: felt) -> felt {
    if (i == n + 1) {
        return acc;
    }
    tempvar inverse;
    assert inverse * i = 1;
    return harmonic_sum(i + 1, n, acc + inverse);
}

// acc times x (x + 1) ... (x + left - 1).
func rising_product(x: felt, left: felt, acc: felt) -> felt {
    if (left == 0) {
        return acc;
    }
    return rising_product(x + 1, left - 1, acc * x);
}

func count_squares(x: felt, left: felt, acc: felt) -> felt {
    if (left == 0) {
        return acc;
    }
    let square = is_quad_residue(x);
    return count_squares(x + 1, left - 1, acc + square);
}
