//! The organization tool.
fn main() {}
