// A histogram in a default dictionary: reads and writes through dict_read / dict_write, then
// default_dict_finalize squashes the accesses (sorting keys with range checks) and checks defaults.
//
// proofgrid job program (corpus). Args: n m, with n <= 100000 and 1 <= m <= 1000.
// Output: [n, m, K, key_1, count_1, ..., key_K, count_K] where count_j > 0 is how many i in 0..n
// have (i * i + 3 * i) mod m = key_j, keys in increasing order.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: the dictionary library (hints with a DictManager, DictAccess structs in memory,
// squash_dict's range-checked sorting), output of a variable length, struct pointers.
%builtins output range_check

from starkware.cairo.common.default_dict import default_dict_finalize, default_dict_new
from starkware.cairo.common.dict import dict_read, dict_write
from starkware.cairo.common.dict_access import DictAccess
from starkware.cairo.common.math import assert_nn_le, unsigned_div_rem
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
    local m = args[1];
    assert_nn_le(n, 100000);
    assert_nn_le(1, m);
    assert_nn_le(m, 1000);

    let (local start: DictAccess*) = default_dict_new(default_value=0);
    let dict_ptr = start;
    with dict_ptr {
        count(0, n, m);
    }
    let (squashed, squashed_end) = default_dict_finalize(start, dict_ptr, 0);
    local squashed: DictAccess* = squashed;
    local keys = (squashed_end - squashed) / DictAccess.SIZE;

    serialize_word(n);
    serialize_word(m);
    serialize_word(keys);
    write_counts(squashed, keys);
    return ();
}

func count{range_check_ptr, dict_ptr: DictAccess*}(i: felt, n: felt, m: felt) {
    if (i == n) {
        return ();
    }
    let (_, key) = unsigned_div_rem(i * i + 3 * i, m);
    let (c) = dict_read(key);
    dict_write(key, c + 1);
    return count(i + 1, n, m);
}

func write_counts{output_ptr: felt*}(entry: DictAccess*, left: felt) {
    if (left == 0) {
        return ();
    }
    serialize_word(entry.key);
    serialize_word(entry.new_value);
    return write_counts(entry + DictAccess.SIZE, left - 1);
}
