//! The donor daemon.
fn main() {}
