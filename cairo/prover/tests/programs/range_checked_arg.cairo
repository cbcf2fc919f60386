// Range-checks its argument with range_check96 and with range_check, and outputs it: the target
// of the forgery tests, run with the builtins' validation off on an argument of 2^96 or more.
%builtins output range_check range_check96

from starkware.cairo.common.serialize import serialize_word

const N_ARGS = 1;

func main{output_ptr: felt*, range_check_ptr, range_check96_ptr}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local v = args[0];
    assert [range_check96_ptr] = v;
    assert [range_check_ptr] = v;
    let range_check96_ptr = range_check96_ptr + 1;
    let range_check_ptr = range_check_ptr + 1;
    serialize_word(v);
    return ();
}
