// Indirect control flow: function pointers called with call abs, a tail call through jmp abs, the
// standard library's invoke, and a jump table entered with a computed jmp rel.
//
// proofgrid job program (corpus). Args: n (small: the loop runs n times).
// Output: [n, x_n] where x_0 = 1 and, with f_0(x) = 3x + 1, f_1(x) = x * x + 7,
// f_2(x) = x + 100 and k = i mod 3,
//   x_{i+1} = f_k(x_i) + f_{k+1 mod 3}(i) + f_{k+2 mod 3}(x_i + i) + g_k(i),
// g_0(i) = 2i, g_1(i) = i * i, g_2(i) = 5, all in the field.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: call abs [fp - k], jmp abs [fp - k] (a tail call), invoke (call abs on a pointer from
// memory), jmp rel [ap - 1] into a jump table of jmp rel imm, get_label_location.
%builtins output

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.invoke import invoke
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

    // A table of code pointers, twice over so that table[k + 1] and table[k + 2] need no mod.
    let (table: felt**) = alloc();
    let (f0) = get_label_location(f_0);
    assert table[0] = f0;
    assert table[3] = f0;
    let (f1) = get_label_location(f_1);
    assert table[1] = f1;
    assert table[4] = f1;
    let (f2) = get_label_location(f_2);
    assert table[2] = f2;
    assert table[5] = f2;

    let x = iterate(table, 0, n, 0, 1);

    serialize_word(n);
    serialize_word(x);
    return ();
}

func f_0(x: felt) -> felt {
    return 3 * x + 1;
}

func f_1(x: felt) -> felt {
    return x * x + 7;
}

func f_2(x: felt) -> felt {
    return x + 100;
}

// Calls the function at `target` on x with call abs.
func call_pointer(target: felt*, x: felt) -> felt {
    [ap] = [fp - 3], ap++;
    call abs [fp - 4];
    ret;
}

// Tail-calls the function at `target` on x: its frame is this one, whose last argument is x.
func jump_to(target: felt*, x: felt) -> felt {
    jmp abs [fp - 4];
}

// g_k(i) by a jump table: each entry is a two-word jmp rel to the case.
func switch3(k: felt, i: felt) -> felt {
    [ap] = [fp - 4] * 2, ap++;
    [ap] = [ap - 1] + 1, ap++;  // the entries start one word after the jmp
    jmp rel [ap - 1];
    jmp case_0;
    jmp case_1;
    jmp case_2;

    case_0:
    [ap] = [fp - 3] * 2, ap++;
    ret;

    case_1:
    [ap] = [fp - 3] * [fp - 3], ap++;
    ret;

    case_2:
    [ap] = 5, ap++;
    ret;
}

func iterate(table: felt**, i: felt, n: felt, k: felt, x: felt) -> felt {
    alloc_locals;
    if (i == n) {
        return x;
    }
    let a = call_pointer(table[k], x);
    local a = a;
    let b = jump_to(table[k + 1], i);
    local b = b;
    let (argv) = alloc();
    assert argv[0] = x + i;
    invoke(table[k + 2], 1, argv);
    // The callee's return value is left at [ap - 1].
    local c = [ap - 1];
    let d = switch3(k, i);
    local next_k = k + 1;
    if (next_k == 3) {
        return iterate(table, i + 1, n, 0, a + b + c + d);
    }
    return iterate(table, i + 1, n, next_k, a + b + c + d);
}
