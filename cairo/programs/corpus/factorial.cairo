// Factorials in the field: non-tail recursion (the multiply after the call returns), a
// tail-recursive accumulator, and a running sum of factorials.
//
// proofgrid job program (corpus). Args: n (small: the recursion is n calls deep).
// Output: [n, n! mod p, sum of k! for k in 0..=n mod p], p the Cairo field's prime.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: call rel and ret at depth n, mul with op0 fp (an argument) and op1 ap (a return value),
// tail calls, field wrap-around of products.
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
    let n = args[0];

    let recursive = fact_rec(n);
    local recursive = recursive;
    let iterative = fact_iter(n, 1);
    // Two ways to the same number.
    assert iterative = recursive;
    let sum = sum_facts(n, 1, 1, 1);

    serialize_word(n);
    serialize_word(recursive);
    serialize_word(sum);
    return ();
}

// n!, multiplying on the way back up.
func fact_rec(n: felt) -> felt {
    if (n == 0) {
        return 1;
    }
    let smaller = fact_rec(n - 1);
    return n * smaller;
}

// acc * n!, multiplying on the way down (tail calls).
func fact_iter(n: felt, acc: felt) -> felt {
    if (n == 0) {
        return acc;
    }
    return fact_iter(n - 1, acc * n);
}

// sum + sum of k! for k in next..=n, given fact = (next - 1)!.
func sum_facts(n: felt, next: felt, fact: felt, sum: felt) -> felt {
    if (next == n + 1) {
        return sum;
    }
    let fact = fact * next;
    return sum_facts(n, next + 1, fact, sum + fact);
}
