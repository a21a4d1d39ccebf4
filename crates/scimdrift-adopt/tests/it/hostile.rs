//! A hand-built org whose names are as hostile as Omni allows: glob and
//! template metacharacters, YAML words and indicators, quotes, blanks,
//! line breaks, non-ASCII, names at and beyond the 64-character limit,
//! shared names, and identities a name cannot single out.

use crate::{options, round_trip};
use scimdrift_proto::Snapshot;
use serde_json::{Value, json};

/// Group names that must load back as the same literal.
pub const HOSTILE_GROUPS: &[&str] = &[
    "Star *",
    "Who?",
    r"back\slash",
    r"\*escaped",
    "Cost ${region}",
    "${embedEntity}",
    "$${",
    " Leading space",
    "Trailing space ",
    "   ",
    "Hash # tag",
    "#first",
    "a: b",
    "- dash",
    "[brackets]",
    "{braces}",
    "&anchor",
    "*alias",
    "!tag",
    "%percent",
    "@at",
    "`backtick`",
    "|pipe",
    ">folded",
    "Quote \"double\"",
    "It's",
    "yes",
    "No",
    "null",
    "~",
    "on",
    "OFF",
    "true",
    "123",
    "1.5",
    "0x1F",
    "1e3",
    ".inf",
    "2027-01-31",
    "line\nbreak",
    "tab\tname",
    "nel\u{85}sep\u{2028}",
    "bom\u{feff}",
    "Équipe Données 開発チーム",
    "🚀 Launch",
    "Exactly sixty-four characters long, which is Omni's upper limit!",
    "Seventy characters long: one more than Omni allows, so it cannot be de",
    "Dup",
    "Admins",
    "admins",
];

fn user(id: &str, user_name: &str) -> Value {
    json!({"id": id, "userName": user_name, "active": true})
}

fn embed(id: &str, ext: &str, entity: &str) -> Value {
    json!({"id": id, "userName": format!("{id}@embed"), "embedExternalId": ext, "embedEntity": entity})
}

fn group(id: String, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .map(|m| json!({"value": m, "display": format!("display of {m}")}))
        .collect();
    json!({"id": id, "displayName": name, "members": members})
}

/// The hostile org.
pub fn org() -> Snapshot {
    let users = vec![
        user("u01", "o'brien@blobsrus.example"),
        user("u02", "ÉMILE@blobsrus.example"),
        // Same userName as u02 once lowercased: it cannot be named apart.
        user("u03", "émile@blobsrus.example"),
        user("u04", "yes"),
        user("u05", "null@blobsrus.example"),
        user("u06", "#hash"),
        user("u07", "quote\"d@blobsrus.example"),
        user("u08", " padded "),
        user("u09", "tab\tuser"),
        user("u10", "123"),
    ];
    let entities = ["Acme*", "Glo?bex", "${x}", "Ünïcode", "yes"];
    let mut embed_users = Vec::new();
    let mut tenant: Vec<Vec<String>> = vec![Vec::new(); entities.len()];
    let exts = [
        "ext*1", "ext?2", r"ext\3", "${ext}", " lead", "123", "no", "null", "x: y", "#c",
    ];
    for (k, entity) in entities.iter().enumerate() {
        for j in 0..2 {
            let id = format!("e{k}{j}");
            embed_users.push(embed(&id, exts[k * 2 + j], entity));
            // One embed user of the last entity is not in its tenant group.
            if !(k == 4 && j == 1) {
                tenant[k].push(id);
            }
        }
    }
    // A cross-tenant leak: an Acme* embed user in Glo?bex's group.
    tenant[1].push("e00".to_owned());
    let all_embed: Vec<String> = (0..entities.len())
        .flat_map(|k| (0..2).map(move |j| format!("e{k}{j}")))
        .collect();
    let mut groups = Vec::new();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        format!("g{n:03}")
    };
    for (k, entity) in entities.iter().enumerate() {
        let members: Vec<&str> = tenant[k].iter().map(String::as_str).collect();
        groups.push(group(next_id(), &format!("Tenant {entity}"), &members));
    }
    let all: Vec<&str> = all_embed.iter().map(String::as_str).collect();
    groups.push(group(next_id(), "All Embed *", &all));
    groups.push(group(next_id(), "Mixed: one of each", &["u01", "e00"]));
    groups.push(group(next_id(), "Ambiguous", &["u02", "u03", "u04"]));
    for (i, name) in HOSTILE_GROUPS.iter().enumerate() {
        let a = format!("u{:02}", i % 10 + 1);
        let b = format!("u{:02}", (i + 3) % 10 + 1);
        let members: Vec<&str> = if i % 7 == 6 { vec![] } else { vec![&a, &b] };
        groups.push(group(next_id(), name, &members));
    }
    // A second live group called `Dup`.
    groups.push(group(next_id(), "Dup", &["u05"]));
    let value = json!({
        "schema": "scimdrift.snapshot/v1",
        "groups": groups,
        "users": users,
        "embed_users": embed_users,
    });
    Snapshot::from_json_bytes(value.to_string().as_bytes(), 64).unwrap()
}

/// Every file init writes, one after the other, for the snapshot.
pub fn rendered(files: &[scimdrift_adopt::PolicyFile]) -> String {
    files
        .iter()
        .map(|f| format!("===== {} =====\n{}", f.path, f.contents))
        .collect()
}

#[test]
fn hostile_names_round_trip() {
    let org = org();
    let adoption = round_trip(&org, &options());
    insta::assert_snapshot!("hostile-files", rendered(&adoption.files));
    insta::assert_snapshot!("hostile-summary", adoption.summary.to_string());
}

#[test]
fn every_hostile_group_is_declared_or_ignored_by_its_own_name() {
    let org = org();
    let adoption = scimdrift_adopt::init(&org, &options()).unwrap();
    let loaded = scimdrift_reconcile::load_policies(&crate::sources(&adoption.files)).unwrap();
    let p = &loaded.policies;
    for name in HOSTILE_GROUPS {
        let declared = p.groups.iter().any(|g| g.name == *name);
        let undeclarable = name.chars().count() > 64 || name.trim().is_empty();
        assert_eq!(
            declared, !undeclarable,
            "{name:?} is declared under its own name"
        );
    }
    // The two undeclarable names are ignored instead.
    assert_eq!(p.settings.ignore_groups.len(), 2);
}
