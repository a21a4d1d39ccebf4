//! Integration tests of the policy loader and the engine (one binary).

mod fixtures;
mod support;
