//! The apply leg of `cargo xtask interop`: policies that add, remove and
//! create against the populated `scim2-server`, `scimdrift plan`, a dry run
//! (nothing changes on the server), `scimdrift apply --confirm --provider
//! scim`, and then `scimdrift check` live exits 0; the server's groups are
//! read back to show exactly the planned memberships changed.
//!
//! scim2-server sends `meta.version` (a weak ETag): the plan records it, and
//! apply sends it as `If-Match`, so this leg also shows that a server which
//! honours versions accepts the plan's writes.

use crate::interop::{Memberships, http, id_of};
use anyhow::{Context as _, Result, ensure};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

/// Runs the leg against the server at `addr`.
pub(crate) fn run(addr: SocketAddr, token: &str, bin: &Path) -> Result<()> {
    let dir = crate::util::target_dir().join("interop").join("apply");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot clear `{}`", dir.display()))?;
    }
    let policies = dir.join("policies");
    std::fs::create_dir_all(&policies)?;
    let base_url = format!("http://{addr}");
    let connect = |cmd: &mut Command| {
        cmd.args(["--provider", "scim", "--base-url", &base_url])
            .args(["--rate-limit", "6000/min", "--quiet"])
            .env("OMNI_API_TOKEN", token);
    };

    // The live state now (the adoption leg changed one membership).
    let before = live_groups(addr, token)?;
    let users = user_names(addr, token)?;
    let name_of = |id: &String| users.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone());
    // The two largest groups: one loses a member and gains another, one
    // gains a member; and a new group is created with two members.
    let mut by_size: Vec<(&String, &(String, BTreeSet<String>))> = before.iter().collect();
    by_size.sort_by_key(|(id, (_, m))| (std::cmp::Reverse(m.len()), (*id).clone()));
    let [(a_id, (a_name, a_members)), (b_id, (b_name, b_members)), ..] = by_size.as_slice() else {
        anyhow::bail!("the server has fewer than two groups");
    };
    let outsider = |members: &BTreeSet<String>| {
        users
            .iter()
            .map(|(id, _)| id)
            .find(|id| !members.contains(*id))
            .cloned()
            .context("every user is in the group")
    };
    let a_gone = a_members.iter().next().cloned().context("empty group")?;
    let a_new = outsider(a_members)?;
    let b_new = outsider(b_members)?;
    let new_members: Vec<String> = users.iter().take(2).map(|(id, _)| id.clone()).collect();
    let list = |ids: &mut dyn Iterator<Item = &String>| -> Result<String> {
        let names: Vec<String> = ids
            .map(|id| name_of(id).context("a member that is no user"))
            .collect::<Result<_>>()?;
        Ok(names
            .iter()
            .map(|n| serde_json::to_string(n).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", "))
    };
    let a_want: BTreeSet<String> = a_members
        .iter()
        .filter(|m| **m != a_gone)
        .chain(std::iter::once(&a_new))
        .cloned()
        .collect();
    let b_want: BTreeSet<String> = b_members
        .iter()
        .chain(std::iter::once(&b_new))
        .cloned()
        .collect();
    let yaml = format!(
        "version: 1\nsettings:\n  unmanaged_groups: ignore\ngroups:\n  - name: {}\n    members: exact\n    users: [{}]\n  - name: {}\n    members: exact\n    users: [{}]\n  - name: Interop New\n    members: exact\n    users: [{}]\n",
        serde_json::to_string(a_name)?,
        list(&mut a_want.iter())?,
        serde_json::to_string(b_name)?,
        list(&mut b_want.iter())?,
        list(&mut new_members.iter())?,
    );
    std::fs::write(policies.join("interop.yaml"), yaml)?;

    let plan_path = dir.join("plan.json");
    let mut plan = Command::new(bin);
    plan.args(["plan", "--format", "json", "--policies"])
        .arg(&policies)
        .arg("--out")
        .arg(&plan_path);
    connect(&mut plan);
    let out = plan.output().context("cannot run scimdrift plan")?;
    ensure!(
        out.status.code() == Some(2),
        "scimdrift plan exited {} (expected 2, changes):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let planned: Value = serde_json::from_slice(&std::fs::read(&plan_path)?)?;
    let summary = &planned["summary"];
    ensure!(
        summary["additions"] == 4 && summary["removals"] == 1 && summary["creates"] == 1,
        "unexpected plan summary: {summary}"
    );
    let versions = planned["groups"]
        .as_array()
        .map(|gs| {
            gs.iter()
                .filter(|g| g["before"]["version"].is_string())
                .count()
        })
        .unwrap_or(0);
    eprintln!(
        "interop apply: `scimdrift plan --provider scim`: 1 create, 4 additions, 1 removal ({versions} groups with meta.version, sent as If-Match)"
    );

    // The dry run changes nothing.
    let mut dry = Command::new(bin);
    dry.arg("apply").arg(&plan_path);
    connect(&mut dry);
    let out = dry.output().context("cannot run scimdrift apply")?;
    ensure!(
        out.status.code() == Some(0),
        "scimdrift apply (dry run) exited {}:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        live_groups(addr, token)? == before,
        "the dry run changed the server"
    );

    let mut apply = Command::new(bin);
    apply.arg("apply").arg(&plan_path).arg("--confirm");
    connect(&mut apply);
    let out = apply.output().context("cannot run scimdrift apply")?;
    ensure!(
        out.status.code() == Some(0),
        "scimdrift apply --confirm --provider scim exited {}:\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "interop apply: `scimdrift apply --confirm --provider scim`: {}",
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
    );

    // Exactly the planned memberships changed.
    let after = live_groups(addr, token)?;
    let mut expected: Memberships = before
        .iter()
        .map(|(id, (_, m))| (id.clone(), m.clone()))
        .collect();
    expected.insert((*a_id).clone(), a_want);
    expected.insert((*b_id).clone(), b_want);
    let created = after
        .iter()
        .find(|(_, (name, _))| name == "Interop New")
        .map(|(id, _)| id.clone())
        .context("`Interop New` was not created")?;
    expected.insert(created, new_members.into_iter().collect());
    let got: Memberships = after.into_iter().map(|(id, (_, m))| (id, m)).collect();
    ensure!(
        got == expected,
        "the server's memberships after apply are not the planned ones"
    );

    let mut check = Command::new(bin);
    check
        .args(["check", "--fail-on", "note", "--policies"])
        .arg(&policies);
    connect(&mut check);
    let out = check.output().context("cannot run scimdrift check")?;
    ensure!(
        out.status.code() == Some(0),
        "scimdrift check after apply exited {}:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    eprintln!("interop apply: `scimdrift check --provider scim` after apply: exit 0");

    // The same plan again: every group is already as planned, nothing sent.
    let mut again = Command::new(bin);
    again.arg("apply").arg(&plan_path).arg("--confirm");
    connect(&mut again);
    let out = again.output().context("cannot run scimdrift apply")?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.code() == Some(0) && text.contains("0 writes"),
        "applying the plan a second time exited {}:\n{text}",
        out.status
    );
    eprintln!("interop apply: the same plan applied again: every group already true, 0 writes");

    stale_version(addr, token, bin, &dir, &connect, (a_id, a_name))
}

/// A plan whose group then changes on the server in a way its members do
/// not show (another attribute, so `meta.version` moves): the write carries
/// the plan's version as `If-Match`, the server refuses it with 412, and
/// apply skips the group (exit 3) without changing it.
fn stale_version(
    addr: SocketAddr,
    token: &str,
    bin: &Path,
    dir: &Path,
    connect: &dyn Fn(&mut Command),
    (id, name): (&String, &String),
) -> Result<()> {
    let users = user_names(addr, token)?;
    let (_, (_, members)) = live_groups(addr, token)?
        .into_iter()
        .find(|(g, _)| g == id)
        .context("the group is gone")?;
    let newcomer = users
        .iter()
        .find(|(u, _)| !members.contains(u))
        .context("every user is in the group")?;
    let mut names: Vec<String> = users
        .iter()
        .filter(|(u, _)| members.contains(u))
        .map(|(_, n)| serde_json::to_string(n).unwrap_or_default())
        .collect();
    names.push(serde_json::to_string(&newcomer.1)?);
    let policies = dir.join("stale-policies");
    std::fs::create_dir_all(&policies)?;
    std::fs::write(
        policies.join("p.yaml"),
        format!(
            "version: 1\nsettings:\n  unmanaged_groups: ignore\ngroups:\n  - name: {}\n    members: exact\n    users: [{}]\n",
            serde_json::to_string(name)?,
            names.join(", ")
        ),
    )?;
    let plan_path = dir.join("stale-plan.json");
    let mut plan = Command::new(bin);
    plan.args(["plan", "--policies"])
        .arg(&policies)
        .arg("--out")
        .arg(&plan_path);
    connect(&mut plan);
    let out = plan.output().context("cannot run scimdrift plan")?;
    ensure!(
        out.status.code() == Some(2),
        "scimdrift plan exited {}",
        out.status
    );
    let patch = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "externalId", "value": "changed-behind-the-plan"}],
    });
    let (status, body) = http(addr, token, "PATCH", &format!("/Groups/{id}"), Some(&patch))?;
    ensure!(
        status == 200 || status == 204,
        "PATCH /Groups/{id}: HTTP {status}: {body}"
    );
    let mut apply = Command::new(bin);
    apply.arg("apply").arg(&plan_path).arg("--confirm");
    connect(&mut apply);
    let out = apply.output().context("cannot run scimdrift apply")?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.code() == Some(3) && text.contains("HTTP 412"),
        "apply with a stale meta.version exited {} (expected 3, skipped on 412):\n{text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, (_, now)) = live_groups(addr, token)?
        .into_iter()
        .find(|(g, _)| g == id)
        .context("the group is gone")?;
    ensure!(now == members, "the refused write changed the group");
    eprintln!(
        "interop apply: a group whose meta.version moved after the plan: If-Match refused with 412, skipped, unchanged (exit 3)"
    );
    Ok(())
}

/// Group id → (display name, member ids), as the server serves them now.
fn live_groups(
    addr: SocketAddr,
    token: &str,
) -> Result<std::collections::BTreeMap<String, (String, BTreeSet<String>)>> {
    let mut out = std::collections::BTreeMap::new();
    for g in list(addr, token, "/Groups")? {
        let members = g["members"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let name = g["displayName"].as_str().unwrap_or_default().to_owned();
        out.insert(id_of(&g)?, (name, members));
    }
    Ok(out)
}

/// (id, userName) of every user, sorted by userName.
fn user_names(addr: SocketAddr, token: &str) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = list(addr, token, "/Users")?
        .iter()
        .map(|u| {
            Ok((
                id_of(u)?,
                u["userName"].as_str().unwrap_or_default().to_owned(),
            ))
        })
        .collect::<Result<_>>()?;
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Every resource of a collection (one large page, then the rest).
fn list(addr: SocketAddr, token: &str, path: &str) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    loop {
        let (status, body) = http(
            addr,
            token,
            "GET",
            &format!("{path}?startIndex={}&count=500", all.len() + 1),
            None,
        )?;
        ensure!(status == 200, "GET {path}: HTTP {status}");
        let page: Value = serde_json::from_str(&body)?;
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        let total = page["totalResults"].as_u64().unwrap_or(0);
        let done = resources.is_empty();
        all.extend(resources);
        if done || all.len() as u64 >= total {
            return Ok(all);
        }
    }
}
