// Holes in the range_check builtin's segment: the program steps its range_check_ptr over cells it
// never writes, which the prover must fill with some value that passes the range check.
//
// proofgrid job program (corpus). Args: x n, with x + n < 2^128.
// Output: [x, n]: x, x + 1, ..., x + n - 1 passed assert_nn, each after an unwritten cell.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: a range_check segment with n holes (used size 2n), an output of just the args.
%builtins output range_check

from starkware.cairo.common.math import assert_nn
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

    check_with_gaps(x, n);

    serialize_word(x);
    serialize_word(n);
    return ();
}

func check_with_gaps{range_check_ptr}(x: felt, left: felt) {
    if (left == 0) {
        return ();
    }
    // Skip one cell of the builtin's segment: it is never written. (A hole after the last written
    // cell would be refused by cairo-vm: the segment's used size ends at its last written cell.)
    let range_check_ptr = range_check_ptr + 1;
    assert_nn(x);
    return check_with_gaps(x + 1, left - 1);
}
