// Finds the n in [lo, hi) with the longest Collatz stopping time.
//
// proofgrid job program. Args: lo hi, with lo <= hi < 2^32.
// Output: [lo, hi, the n in [lo, hi) with the longest stopping time, that time]; the stopping time
// of n is the number of steps x -> x / 2 (x even) or 3x + 1 (x odd) that take n to 1 (0 for 0 and
// 1). Ties go to the smallest n; if every time is 0 the answer is [lo, hi, 0, 0].
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
%builtins output range_check

from starkware.cairo.common.math import assert_nn_le, unsigned_div_rem
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
    let lo = args[0];
    let hi = args[1];
    // Below 2^32 every trajectory stays far below the 2^128 bound of unsigned_div_rem.
    assert_nn_le(hi, 2 ** 32 - 1);
    assert_nn_le(lo, hi);

    let (best, best_time) = longest(lo, hi, 0, 0);

    serialize_word(lo);
    serialize_word(hi);
    serialize_word(best);
    serialize_word(best_time);
    return ();
}

// The n in [n, hi) with the longest stopping time, if longer than best_time.
func longest{range_check_ptr}(n: felt, hi: felt, best: felt, best_time: felt) -> (
    best: felt, best_time: felt
) {
    if (n == hi) {
        return (best=best, best_time=best_time);
    }
    let time = stopping_time(n, 0);
    let not_longer = is_le(time, best_time);
    if (not_longer == 0) {
        return longest(n + 1, hi, n, time);
    }
    return longest(n + 1, hi, best, best_time);
}

// Steps from x to 1, plus the steps already taken.
func stopping_time{range_check_ptr}(x: felt, steps: felt) -> felt {
    if (x == 0) {
        return steps;
    }
    if (x == 1) {
        return steps;
    }
    let (half, odd) = unsigned_div_rem(x, 2);
    if (odd == 0) {
        return stopping_time(half, steps + 1);
    }
    return stopping_time(3 * x + 1, steps + 1);
}
