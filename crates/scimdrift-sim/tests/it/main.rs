//! Integration tests: drive the simulator over real loopback HTTP with reqwest.

mod common;
mod faults;
mod hostile;
mod omni_facts;
mod paging;
mod tokens;
mod writes;
