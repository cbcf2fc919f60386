// Naive doubly recursive Fibonacci: deep call rel / ret recursion with locals saved across calls.
//
// proofgrid job program (corpus). Args: n (small: the recursion makes about 1.6^n calls).
// Output: [n, fib(n), number of calls made by the naive recursion].
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: call rel, ret, recursion, alloc_locals (ap += n), fp-based locals, jnz on n and n - 1.
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

    let (value, calls) = fib(n);

    serialize_word(n);
    serialize_word(value);
    serialize_word(calls);
    return ();
}

// fib(n), and how many calls computing it naively takes (this one included).
func fib(n: felt) -> (value: felt, calls: felt) {
    alloc_locals;
    if (n == 0) {
        return (value=0, calls=1);
    }
    if (n == 1) {
        return (value=1, calls=1);
    }
    let (a, a_calls) = fib(n - 1);
    local a_value = a;
    local a_count = a_calls;
    let (b, b_calls) = fib(n - 2);
    return (value=a_value + b, calls=a_count + b_calls + 1);
}
