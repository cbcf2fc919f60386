// Merge sort of pseudo-random numbers: recursion that allocates and fills new arrays, comparisons
// by is_le, a final check that the result is sorted.
//
// proofgrid job program (corpus). Args: n seed, with 1 <= n <= 10000 and seed < 2^31.
// Output: [n, seed, min, max, the element at index n // 2 of the sorted array, sum of (i + 1) * s_i]
// over the sorted array s of a_0 = seed, a_{i+1} = (1103515245 a_i + 12345) mod 2^31.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: deep non-tail recursion with locals, write-once arrays built by index and by pointer,
// is_le / assert_le range checks, unsigned_div_rem for mod 2^31 and for halving.
%builtins output range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.math import assert_le, assert_nn_le, unsigned_div_rem
from starkware.cairo.common.math_cmp import is_le
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
    local n = args[0];
    local seed = args[1];
    assert_nn_le(1, n);
    assert_nn_le(n, 10000);
    assert_nn_le(seed, 2 ** 31 - 1);

    let (a) = alloc();
    generate(a, n, seed);
    let sorted = merge_sort(a, n);
    local sorted: felt* = sorted;
    check_sorted(sorted, n);
    let (half, _) = unsigned_div_rem(n, 2);
    let checksum = weighted_sum(sorted, n, 1, 0);

    serialize_word(n);
    serialize_word(seed);
    serialize_word(sorted[0]);
    serialize_word(sorted[n - 1]);
    serialize_word(sorted[half]);
    serialize_word(checksum);
    return ();
}

func generate{range_check_ptr}(a: felt*, left: felt, value: felt) {
    if (left == 0) {
        return ();
    }
    assert a[0] = value;
    let (_, next) = unsigned_div_rem(1103515245 * value + 12345, 2 ** 31);
    return generate(a + 1, left - 1, next);
}

// A new sorted array holding a[0..len].
func merge_sort{range_check_ptr}(a: felt*, len: felt) -> felt* {
    alloc_locals;
    if (len == 1) {
        return a;
    }
    let (local half, _) = unsigned_div_rem(len, 2);
    let left = merge_sort(a, half);
    local left: felt* = left;
    let right = merge_sort(a + half, len - half);
    local right: felt* = right;
    let (out) = alloc();
    merge(left, half, right, len - half, out);
    return out;
}

// Writes the merge of the sorted x[0..nx] and y[0..ny] to out.
func merge{range_check_ptr}(x: felt*, nx: felt, y: felt*, ny: felt, out: felt*) {
    if (nx == 0) {
        if (ny == 0) {
            return ();
        }
        assert out[0] = y[0];
        return merge(x, 0, y + 1, ny - 1, out + 1);
    }
    if (ny == 0) {
        assert out[0] = x[0];
        return merge(x + 1, nx - 1, y, 0, out + 1);
    }
    let x_first = is_le(x[0], y[0]);
    if (x_first == 1) {
        assert out[0] = x[0];
        return merge(x + 1, nx - 1, y, ny, out + 1);
    }
    assert out[0] = y[0];
    return merge(x, nx, y + 1, ny - 1, out + 1);
}

func check_sorted{range_check_ptr}(s: felt*, len: felt) {
    if (len == 1) {
        return ();
    }
    assert_le(s[0], s[1]);
    return check_sorted(s + 1, len - 1);
}

func weighted_sum(s: felt*, len: felt, weight: felt, acc: felt) -> felt {
    if (len == 0) {
        return acc;
    }
    return weighted_sum(s + 1, len - 1, weight + 1, acc + weight * s[0]);
}
