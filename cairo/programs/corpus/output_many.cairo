// A long output: thousands of public output words, half of them copied into the output segment
// by memcpy, half written one by one; the range_check builtin is declared but never used.
//
// proofgrid job program (corpus). Args: n a.
// Output: [n, a, s_0, ..., s_{n-1}, t_0, ..., t_{n-1}] with s_i = a * i * i + i and
// t_i = s_{n-1-i} + 1, in the field.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: a public memory of 2n + 2 output cells, output written through memcpy (op0-based writes
// to the output segment), a declared builtin whose segment stays empty.
%builtins output range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.memcpy import memcpy
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
    local a = args[1];

    serialize_word(n);
    serialize_word(a);
    let (s) = alloc();
    fill(s, a, 0, n);
    memcpy(output_ptr, s, n);
    let output_ptr = output_ptr + n;
    write_reversed(s + n, n);
    return ();
}

func fill(s: felt*, a: felt, i: felt, n: felt) {
    if (i == n) {
        return ();
    }
    assert s[i] = a * i * i + i;
    return fill(s, a, i + 1, n);
}

// Writes end[-1] + 1, end[-2] + 1, ..., for `left` words.
func write_reversed{output_ptr: felt*}(end: felt*, left: felt) {
    if (left == 0) {
        return ();
    }
    serialize_word(end[-1] + 1);
    return write_reversed(end - 1, left - 1);
}
