//! The floor for `cargo xtask bench-engine`: decode, from a snapshot file,
//! only the fields the checks need (ids, names, memberships, `embedEntity`,
//! `active`) into lean typed structs, and nothing else.
//!
//! usage: lean_decode SNAPSHOT

#![expect(clippy::print_stdout, reason = "a benchmark program reports on stdout")]

use serde::Deserialize;

#[derive(Deserialize)]
struct Member {
    #[expect(dead_code, reason = "decoded to measure the cost")]
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    #[expect(dead_code, reason = "decoded to measure the cost")]
    id: String,
    #[expect(dead_code, reason = "decoded to measure the cost")]
    display_name: Option<String>,
    #[serde(default)]
    members: Vec<Member>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    #[expect(dead_code, reason = "decoded to measure the cost")]
    id: String,
    #[expect(dead_code, reason = "decoded to measure the cost")]
    user_name: Option<String>,
    #[expect(dead_code, reason = "decoded to measure the cost")]
    embed_external_id: Option<String>,
    #[expect(dead_code, reason = "decoded to measure the cost")]
    embed_entity: Option<String>,
    #[expect(dead_code, reason = "decoded to measure the cost")]
    active: Option<bool>,
}

#[derive(Deserialize)]
struct Lean {
    groups: Vec<Group>,
    users: Vec<Identity>,
    embed_users: Vec<Identity>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: lean_decode SNAPSHOT")?;
    let bytes = std::fs::read(path)?;
    let lean: Lean = serde_json::from_slice(&bytes)?;
    let members: usize = lean.groups.iter().map(|g| g.members.len()).sum();
    println!(
        "{} groups, {} users, {} embed users, {members} memberships",
        lean.groups.len(),
        lean.users.len(),
        lean.embed_users.len()
    );
    Ok(())
}
