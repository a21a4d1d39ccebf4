//! The CLI's integration tests: one binary (`it`), one module per area.

mod filter;
mod util;
