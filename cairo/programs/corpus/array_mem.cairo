// Memory-heavy code: fill an array, copy it with memcpy, copy it reversed by index, fill another
// with memset, search it with find_element, and read everything back.
//
// proofgrid job program (corpus). Args: n, with 1 <= n <= 100000.
// Output: [n, sum of (i + 1) * a_i, sum of (i + 1) * a_{n - 1 - i}, 7n, n / 2]
// where a_i = i * i + 7 for i in 0..n; the last word is the index find_element finds a_{n / 2} at.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: about 5n memory cells written once and read back, writes at computed addresses
// ([ap] = [[ap - 1]]-style op0-based operands), memcpy and memset (hint-driven jnz loops over
// cells the hints write), find_element, range_check via assert_nn_le and unsigned_div_rem.
%builtins output range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.find_element import find_element
from starkware.cairo.common.math import assert_nn_le, unsigned_div_rem
from starkware.cairo.common.memcpy import memcpy
from starkware.cairo.common.memset import memset
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

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
    assert_nn_le(1, n);
    assert_nn_le(n, 100000);

    let (a) = alloc();
    fill(a, 0, n);
    let (copy) = alloc();
    memcpy(copy, a, n);
    let (rev) = alloc();
    fill_reversed(rev, a, 0, n);
    let (sevens) = alloc();
    memset(sevens, 7, n);

    let checksum = weighted_sum(copy, n, 1, 0);
    local checksum = checksum;
    let rev_checksum = weighted_sum(rev, n, 1, 0);
    local rev_checksum = rev_checksum;
    let sevens_sum = weighted_sum(sevens, n, 0, 0);
    local sevens_sum = sevens_sum;
    let (half, _) = unsigned_div_rem(n, 2);
    local half = half;
    let (found) = find_element(copy, 1, n, half * half + 7);

    serialize_word(n);
    serialize_word(checksum);
    serialize_word(rev_checksum);
    serialize_word(sevens_sum);
    serialize_word(found - copy);
    return ();
}

// a[i] = i * i + 7 for i in i..n, written by index.
func fill(a: felt*, i: felt, n: felt) {
    if (i == n) {
        return ();
    }
    assert a[i] = i * i + 7;
    return fill(a, i + 1, n);
}

// rev[i] = a[n - 1 - i] for i in i..n.
func fill_reversed(rev: felt*, a: felt*, i: felt, n: felt) {
    if (i == n) {
        return ();
    }
    assert rev[i] = a[n - 1 - i];
    return fill_reversed(rev, a, i + 1, n);
}

// acc + sum of (weight + j) * p[j] for j in 0..len, or of p[j] if weight is 0.
func weighted_sum(p: felt*, len: felt, weight: felt, acc: felt) -> felt {
    if (len == 0) {
        return acc;
    }
    if (weight == 0) {
        return weighted_sum(p + 1, len - 1, 0, acc + p[0]);
    }
    return weighted_sum(p + 1, len - 1, weight + 1, acc + weight * p[0]);
}
