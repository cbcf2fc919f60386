// A program whose output is nothing but its arguments: it only asserts identities, so its proof
// says "these identities hold for n" and nothing more.
//
// proofgrid job program (corpus). Args: n (small: the loops run n times).
// Output: [n]. It fails (no proof) unless, in the field, sum of (2i + 1) for i in 0..n is n^2,
// sum of i^3 for i in 1..=n is (n (n + 1) / 2)^2 and sum of i for i in 1..=n is n (n + 1) / 2,
// where / 2 is field division (multiplying by the inverse of 2).
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: an output segment holding only the args, field division (assert_eq solved for an
// operand), asserts against values already in memory, tail recursion with three accumulators.
%builtins output

from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

func main{output_ptr: felt*}() {
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

    let (odd_sum, cube_sum, sum) = sums(0, n, 0, 0, 0);
    assert odd_sum = n * n;
    // triangle * 2 = n (n + 1): the VM solves the multiplication for triangle.
    tempvar triangle;
    assert triangle * 2 = n * (n + 1);
    assert sum = triangle;
    assert cube_sum = triangle * triangle;

    serialize_word(n);
    return ();
}

// Over i in i..n: odd + sum of (2i + 1), cubes + sum of (i + 1)^3, total + sum of (i + 1).
func sums(i: felt, n: felt, odd: felt, cubes: felt, total: felt) -> (
    odd: felt, cubes: felt, total: felt
) {
    if (i == n) {
        return (odd=odd, cubes=cubes, total=total);
    }
    let j = i + 1;
    return sums(i + 1, n, odd + 2 * i + 1, cubes + j * j * j, total + j);
}
