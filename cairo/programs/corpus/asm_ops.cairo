// Hand-written Cairo assembly: loops and instruction forms spelled out one instruction at a time.
//
// proofgrid job program (corpus). Args: n (small: the loops run n times).
// Output: [n, sum of i^2 for i in 1..=n, sum of 3i + 1 for i in 0..n, frame_ops(n), frame_ops(0),
// rel_call(n), rel_call(1)] where frame_ops(x) = 103x + 10 for x != 0 and 2010 for x == 0, and
// rel_call(x) = x + 1 for x != 1 and 6 for x == 1 (see below).
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: a do-while loop closed by jnz (jmp rel imm if [ap - 1] != 0), a while loop with a jnz
// forward and an unconditional jmp rel back, ap++ on assert_eq, add and mul with ap-, fp- and
// immediate operands, dst fp, ap += imm, ap += a computed value, jnz with a computed offset,
// jmp abs through a computed address with ap++, memory cells left unwritten (holes), call rel with
// an offset read from memory, jnz with an offset read from an ap-based cell.
%builtins output

from starkware.cairo.common.registers import get_label_location
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

    let squares = sum_squares(n);
    local squares = squares;
    let linear = sum_linear(n);
    local linear = linear;
    let (landing) = get_label_location(frame_ops.landing);
    local landing: felt* = landing;
    let a = frame_ops(n, landing);
    local a = a;
    let b = frame_ops(0, landing);
    local b = b;
    let (callee) = get_label_location(minus_one);
    local callee: felt* = callee;
    let (call_site) = get_label_location(rel_call.call_site);
    local offset = callee - call_site;
    let c = rel_call(n, offset);
    local c = c;
    let d = rel_call(1, offset);
    local d = d;

    serialize_word(n);
    serialize_word(squares);
    serialize_word(linear);
    serialize_word(a);
    serialize_word(b);
    serialize_word(c);
    serialize_word(d);
    return ();
}

// Sum of i^2 for i in 1..=n: a do-while loop closed by a backward jnz.
func sum_squares(n: felt) -> felt {
    [ap] = 0, ap++;  // acc
    [ap] = [fp - 3], ap++;  // i = n
    jmp loop if [ap - 1] != 0;
    [ap] = 0, ap++;
    ret;

    loop:
    // acc at [ap - 2], i at [ap - 1]
    [ap] = [ap - 1] * [ap - 1], ap++;  // i * i
    [ap] = [ap - 3] + [ap - 1], ap++;  // acc + i * i
    [ap] = [ap - 3] + (-1), ap++;  // i - 1
    jmp loop if [ap - 1] != 0;
    [ap] = [ap - 2], ap++;
    ret;
}

// Sum of 3i + 1 for i in 0..n: the test at the top (a forward jnz), an unconditional jmp back.
func sum_linear(n: felt) -> felt {
    [ap] = 0, ap++;  // acc
    [ap] = [fp - 3], ap++;  // remaining
    [ap] = 0, ap++;  // i

    top:
    // acc at [ap - 3], remaining at [ap - 2], i at [ap - 1]
    jmp body if [ap - 2] != 0;
    jmp done;

    body:
    [ap] = [ap - 1] * 3, ap++;  // 3i
    [ap] = [ap - 4] + [ap - 1], ap++;  // acc + 3i
    [ap] = [ap - 1] + 1, ap++;  // acc + 3i + 1
    [ap] = [ap - 1], ap++;  // new acc
    [ap] = [ap - 6] + (-1), ap++;  // remaining - 1
    [ap] = [ap - 6] + 1, ap++;  // i + 1
    jmp top;

    done:
    [ap] = [ap - 3], ap++;
    ret;
}

// Local-frame instruction forms; returns 103x + 10 if x != 0, else 2010. `target` must be the
// address of the label below.
func frame_ops(x: felt, target: felt*) -> felt {
    ap += 4;  // locals [fp] .. [fp + 3]
    [fp] = [fp - 4] * 7;  // 7x: mul by an immediate, dst and op0 fp-based
    [fp + 1] = [fp] + [fp - 4];  // 8x
    [fp + 2] = 3;
    [fp + 3] = [fp + 1] * [fp + 2];  // 24x
    // x != 0: jump over the next, two-word instruction (an offset read from memory).
    jmp rel [fp + 2] if [fp - 4] != 0;
    [ap] = 1000, ap++;  // x == 0 only
    [ap] = [fp + 3] + 5, ap++;  // 24x + 5
    [ap] = [ap - 1] + [ap - 2], ap++;  // x != 0: 24x + 5 + 24x; x == 0: 5 + 1000
    ap += [fp + 2];  // three cells; the first two are never written
    [ap - 1] = [ap - 4] * 2;
    jmp abs [fp - 3], ap++;  // leaves [ap - 1] unwritten too
    [ap] = 0, ap++;  // skipped
    ret;

    landing:
    [ap] = [ap - 2] + [fp], ap++;  // + 7x
    ret;
}

func minus_one(x: felt) -> felt {
    return x - 1;
}

// x + 1 if x != 1, else 6. `offset` must be the distance from the call below to minus_one.
func rel_call(x: felt, offset: felt) -> felt {
    [ap] = [fp - 4], ap++;  // the callee's argument

    call_site:
    call rel [fp - 3];  // r = x - 1
    [ap] = 2, ap++;
    // r != 0: jump over the next, one-word instruction (an offset read from [ap - 1]).
    jmp rel [ap - 1] if [ap - 2] != 0;
    [ap] = [ap - 1] * [ap - 1], ap++;  // r == 0 only: 4
    [ap] = [ap - 2] + [ap - 1], ap++;  // r != 0: r + 2; r == 0: 2 + 4
    ret;
}
