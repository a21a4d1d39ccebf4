//! Table-driven tests of the grammar and the evaluator, written from RFC 7644
//! §3.4.2.2 and `scim-filter.md`.

mod eval_cases;
mod fuzz;
mod parse_cases;
mod props;
mod type_cases;
