// Many read-modify-write updates to a few keys of a default dictionary, then the access log is
// squashed with squash_dict directly (not through default_dict_finalize) and its initial values
// are checked against the default by hand. Most keys are above 2^128, which sends squash_dict down
// its big-keys path (keys compared with assert_lt_felt).
//
// proofgrid job program (corpus). Args: n m, with n <= 2500 and 1 <= m <= 100.
// Output: [n, m, K, key_1, value_1, ..., key_K, value_K] where update i in 0..n touches slot
// s_i = (3 * i * i + i) mod m, whose key is s * 2^200 + 7, setting its value v (0 at first) to
// 3 * v + i + 1 (in the field); the K touched keys come in increasing order with their final
// values.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: dict_read and dict_update (explicit previous value) on a DictManager dictionary,
// squash_dict on the raw DictAccess log (sorting hints, big keys via assert_lt_felt and
// split_felt, repeated-key chains), reading the squashed DictAccess structs back.
%builtins output range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.default_dict import default_dict_new
from starkware.cairo.common.dict import dict_read, dict_update
from starkware.cairo.common.dict_access import DictAccess
from starkware.cairo.common.math import assert_nn_le, unsigned_div_rem
from starkware.cairo.common.serialize import serialize_word
from starkware.cairo.common.squash_dict import squash_dict

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 2;

const KEY_STRIDE = 2 ** 200;
const KEY_OFFSET = 7;

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
    local m = args[1];
    assert_nn_le(n, 2500);
    assert_nn_le(1, m);
    assert_nn_le(m, 100);

    let (local start: DictAccess*) = default_dict_new(default_value=0);
    let dict_ptr = start;
    with dict_ptr {
        update(0, n, m);
    }
    let (local squashed: DictAccess*) = alloc();
    let (squashed_end) = squash_dict(start, dict_ptr, squashed);
    local keys = (squashed_end - squashed) / DictAccess.SIZE;

    serialize_word(n);
    serialize_word(m);
    serialize_word(keys);
    write_final(squashed, keys);
    return ();
}

func update{range_check_ptr, dict_ptr: DictAccess*}(i: felt, n: felt, m: felt) {
    if (i == n) {
        return ();
    }
    let (_, slot) = unsigned_div_rem(3 * i * i + i, m);
    tempvar key = slot * KEY_STRIDE + KEY_OFFSET;
    let (v) = dict_read(key);
    dict_update(key, v, 3 * v + i + 1);
    return update(i + 1, n, m);
}

// Outputs each squashed entry's key and final value, after checking it started at the default.
func write_final{output_ptr: felt*}(entry: DictAccess*, left: felt) {
    if (left == 0) {
        return ();
    }
    assert entry.prev_value = 0;
    serialize_word(entry.key);
    serialize_word(entry.new_value);
    return write_final(entry + DictAccess.SIZE, left - 1);
}
