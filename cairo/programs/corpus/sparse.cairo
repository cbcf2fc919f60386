// Sparse memory: an array written every `gap` cells, and instructions whose offsets reach far from
// ap (up to the largest offset an instruction can hold), so that memory has long runs of holes
// that no instruction ever touches.
//
// proofgrid job program (corpus). Args: n gap far, with gap >= 1 and far 0 or 1.
// Output: [n, gap, far, sum of (i * i + 1) for i in 0..n, the far cells' check or 0]
// where the far check, run only if far is 1, is 2 * (n + 1) + 3 * (gap + 2) = 2n + 3 gap + 8.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: about n * gap unwritten cells between written ones in a data segment; dst and op0 with
// offsets 1000 and 32767 (the largest) from ap, and about 33k holes in the execution segment.
%builtins output

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 3;

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
    local gap = args[1];
    local far = args[2];

    let (a) = alloc();
    fill(a, gap, 0, n);
    let sum = read(a, gap, n, 0);
    local sum = sum;
    local check;
    if (far == 0) {
        check = 0;
    } else {
        let x = far_cells(n, gap);
        check = x;
    }

    serialize_word(n);
    serialize_word(gap);
    serialize_word(far);
    serialize_word(sum);
    serialize_word(check);
    return ();
}

// p[i * gap] = i * i + 1 for i in i..n.
func fill(p: felt*, gap: felt, i: felt, n: felt) {
    if (i == n) {
        return ();
    }
    assert [p] = i * i + 1;
    return fill(p + gap, gap, i + 1, n);
}

func read(p: felt*, gap: felt, left: felt, acc: felt) -> felt {
    if (left == 0) {
        return acc;
    }
    return read(p + gap, gap, left - 1, acc + [p]);
}

// 2 * (x + 1) + 3 * (y + 2), through cells 1000 and 32767 past ap.
func far_cells(x: felt, y: felt) -> felt {
    [ap + 1000] = [fp - 4] + 1;
    [ap + 32767] = [fp - 3] + 2;
    [ap] = [ap + 1000] * 2, ap++;
    [ap] = [ap + 32766] * 3, ap++;
    [ap] = [ap - 2] + [ap - 1], ap++;
    ret;
}
