//! Cairo programs in, executions out: loading Cairo 0 and Cairo 1 programs, running a shard in
//! cairo-vm's proof mode, and the statement a proof is about.
