%builtins output

func main{output_ptr: felt*}() {
    let x = 1 +;
    return ();
}
