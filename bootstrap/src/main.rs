//! The bootstrap node.
fn main() {}
