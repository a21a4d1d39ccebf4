//! The RFC 7644 §3.4.2.2 filter grammar: lex → parse (span-carrying AST) → evaluate.
//!
//! PUBLIC API CONTRACT (other crates build against exactly this; keep it):
//!
//! - `Filter::parse(&str) -> Result<Filter, ParseError>`; `impl FromStr for Filter`.
//! - `impl Display for Filter`: canonical text that parses back to the same AST.
//! - `Filter::evaluate(&self, &serde_json::Value) -> Result<bool, EvalError>`
//!   (an `EvalError` is SCIM's `invalidFilter`).
//! - `Filter::attribute_paths(&self) -> Vec<AttrPath>`: every attribute path the
//!   filter mentions (for "unknown attribute" warnings), in source order.
//! - `ParseError::span() -> std::ops::Range<usize>` (byte offsets into the input),
//!   `message()`, `hint() -> Option<&str>`, `render(&self, source: &str) -> String`
//!   (a caret diagnostic), `impl Display` (message only, plus ` at byte N`).
//! - `EvalError: Display + std::error::Error`.
//! - `AttrPath { urn: Option<String>, name: String, sub: Option<String> }` with
//!   `Display` (e.g. `emails.value`, `urn:…:User:manager.value`) and
//!   `AttrPath::parse(&str) -> Result<AttrPath, ParseError>` (for `${attr}` templates),
//!   `AttrPath::lookup<'v>(&self, &'v Value) -> Vec<&'v Value>` (case-insensitive names).
//! - `quote(&str) -> String`: a JSON string literal safe to splice into a filter;
//!   `eq(attr: &str, value: &str) -> String` builds `attr eq "value"` safely.

mod placeholder;

pub use placeholder::*;
