//! The `scimdrift-sim` binary.

fn main() {}
