// Integer arithmetic without the bitwise builtin: Euclid's gcd, lcm, decimal digits and binary
// popcounts, all by unsigned_div_rem.
//
// proofgrid job program (corpus). Args: a b n, with a, b < 2^64, b >= 1, n small.
// Output: [a, b, n, gcd(a, b), lcm(a, b), Euclid's division count, sum of gcd(k, a) for k in 1..=n,
// sum of the decimal digit sums of k in 1..=n, sum of the popcounts of k in 1..=n, digit sum of a,
// the number a's decimal digits make reversed].
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: integer division by unsigned_div_rem (a hint checked by range checks), loops driven by
// quotients, products and sums of large numbers.
%builtins output range_check

from starkware.cairo.common.math import assert_nn_le, unsigned_div_rem
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 3;

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
    local a = args[0];
    local b = args[1];
    local n = args[2];
    assert_nn_le(a, 2 ** 64 - 1);
    assert_nn_le(1, b);
    assert_nn_le(b, 2 ** 64 - 1);
    assert_nn_le(n, 100000);

    let (g, divisions) = gcd(a, b, 0);
    local g = g;
    local divisions = divisions;
    let (a_over_g, _) = unsigned_div_rem(a, g);
    local lcm = a_over_g * b;
    let gcd_sum = sum_gcds(a, 1, n, 0);
    local gcd_sum = gcd_sum;
    let digit_sum = sum_digit_sums(1, n, 0);
    local digit_sum = digit_sum;
    let pop_sum = sum_popcounts(1, n, 0);
    local pop_sum = pop_sum;
    let a_digits = digit_sum_of(a, 0);
    local a_digits = a_digits;
    let a_reversed = reverse_digits(a, 0);
    local a_reversed = a_reversed;

    serialize_word(a);
    serialize_word(b);
    serialize_word(n);
    serialize_word(g);
    serialize_word(lcm);
    serialize_word(divisions);
    serialize_word(gcd_sum);
    serialize_word(digit_sum);
    serialize_word(pop_sum);
    serialize_word(a_digits);
    serialize_word(a_reversed);
    return ();
}

// gcd(x, y) for y >= 1 (or x = y = 0 is never asked), and divisions + the divisions it took.
func gcd{range_check_ptr}(x: felt, y: felt, divisions: felt) -> (g: felt, divisions: felt) {
    if (y == 0) {
        return (g=x, divisions=divisions);
    }
    let (_, r) = unsigned_div_rem(x, y);
    return gcd(y, r, divisions + 1);
}

func sum_gcds{range_check_ptr}(a: felt, k: felt, n: felt, acc: felt) -> felt {
    if (k == n + 1) {
        return acc;
    }
    let (g, _) = gcd(a, k, 0);
    return sum_gcds(a, k + 1, n, acc + g);
}

func digit_sum_of{range_check_ptr}(x: felt, acc: felt) -> felt {
    if (x == 0) {
        return acc;
    }
    let (q, r) = unsigned_div_rem(x, 10);
    return digit_sum_of(q, acc + r);
}

func reverse_digits{range_check_ptr}(x: felt, acc: felt) -> felt {
    if (x == 0) {
        return acc;
    }
    let (q, r) = unsigned_div_rem(x, 10);
    return reverse_digits(q, acc * 10 + r);
}

func popcount{range_check_ptr}(x: felt, acc: felt) -> felt {
    if (x == 0) {
        return acc;
    }
    let (q, r) = unsigned_div_rem(x, 2);
    return popcount(q, acc + r);
}

func sum_digit_sums{range_check_ptr}(k: felt, n: felt, acc: felt) -> felt {
    if (k == n + 1) {
        return acc;
    }
    let s = digit_sum_of(k, 0);
    return sum_digit_sums(k + 1, n, acc + s);
}

func sum_popcounts{range_check_ptr}(k: felt, n: felt, acc: felt) -> felt {
    if (k == n + 1) {
        return acc;
    }
    let s = popcount(k, 0);
    return sum_popcounts(k + 1, n, acc + s);
}
