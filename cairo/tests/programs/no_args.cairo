// Takes no arguments: outputs the first ten Fibonacci numbers.
%builtins output

from starkware.cairo.common.serialize import serialize_word

func main{output_ptr: felt*}() {
    fib(0, 1, 10);
    return ();
}

func fib{output_ptr: felt*}(a: felt, b: felt, n: felt) {
    if (n == 0) {
        return ();
    }
    serialize_word(a);
    return fib(b, a + b, n - 1);
}
