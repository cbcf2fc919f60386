// Comparisons of whole field elements and the standard library's usort: is_le_felt,
// assert_le_felt, split_felt on values anywhere in [0, p), and the distinct residues of a sequence
// with their multiplicities.
//
// proofgrid job program (corpus). Args: a b n, any field elements a and b, n <= 1000.
// Output: [a, b, n, L, H, W, K, u_1, ..., u_K, m_1, ..., m_K] over x_i = a * i + b (in the field)
// for i in 0..n: L counts the i in 1..n with x_{i-1} <= x_i as integers in [0, p), H is the sum of
// the high 128 bits of the x_i and W of their low 128 bits (both in the field), and u_1 < ... < u_K
// are the distinct values of (low 128 bits of x_i) mod 8, m_j how many x_i give u_j.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: assert_le_felt / is_le_felt (hint-chosen branches over range-checked 3-way splits),
// split_felt, usort (arrays written by a hint, then verified), output of variable length.
%builtins output range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.math import assert_le_felt, assert_nn_le, split_felt, unsigned_div_rem
from starkware.cairo.common.math_cmp import is_le_felt
from starkware.cairo.common.serialize import serialize_word
from starkware.cairo.common.usort import usort

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
    assert_nn_le(n, 1000);

    let (residues) = alloc();
    let (le_count, highs, lows) = scan(a, b, 0, n, residues, 0, 0, 0);
    local le_count = le_count;
    local highs = highs;
    local lows = lows;
    let (k, values, multiplicities) = usort(n, residues);
    local k = k;
    local values: felt* = values;
    local multiplicities: felt* = multiplicities;

    serialize_word(a);
    serialize_word(b);
    serialize_word(n);
    serialize_word(le_count);
    serialize_word(highs);
    serialize_word(lows);
    serialize_word(k);
    write_all(values, k);
    write_all(multiplicities, k);
    return ();
}

func scan{range_check_ptr}(
    a: felt, b: felt, i: felt, n: felt, residues: felt*, le_count: felt, highs: felt, lows: felt
) -> (le_count: felt, highs: felt, lows: felt) {
    alloc_locals;
    if (i == n) {
        return (le_count=le_count, highs=highs, lows=lows);
    }
    local x = a * i + b;
    let (high, low) = split_felt(x);
    local high = high;
    local low = low;
    let (_, r) = unsigned_div_rem(low, 8);
    assert residues[i] = r;
    local le;
    if (i == 0) {
        le = 0;
        tempvar range_check_ptr = range_check_ptr;
    } else {
        let prev = a * (i - 1) + b;
        let is_le = is_le_felt(prev, x);
        le = is_le;
        // The same comparison, asserted the other way round when it fails.
        if (is_le == 1) {
            assert_le_felt(prev, x);
            tempvar range_check_ptr = range_check_ptr;
        } else {
            assert_le_felt(x, prev);
            tempvar range_check_ptr = range_check_ptr;
        }
    }
    return scan(a, b, i + 1, n, residues, le_count + le, highs + high, lows + low);
}

func write_all{output_ptr: felt*}(p: felt*, left: felt) {
    if (left == 0) {
        return ();
    }
    serialize_word([p]);
    return write_all(p + 1, left - 1);
}
