//! Integration tests of the fetch crate, over real HTTP on loopback.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test loudly when setup breaks"
)]

mod behaviour;
mod economy;
mod hostile;
mod keys;
mod responder;
mod sim;
