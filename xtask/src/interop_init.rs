//! The adoption leg of `cargo xtask interop`: `scimdrift init --provider scim`
//! against the populated `scim2-server`, then `scimdrift check` live against
//! the generated policies (clean), then one membership removed on the server
//! and checked again (exactly that one `member_missing`).

use crate::interop::{Memberships, http, id_of};
use anyhow::{Context as _, Result, ensure};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

/// Runs the adoption round trip against the server at `addr`, whose groups
/// (by id, with their member ids) are `groups`.
pub(crate) fn run(addr: SocketAddr, token: &str, bin: &Path, groups: &Memberships) -> Result<()> {
    let dir = crate::util::target_dir().join("interop").join("init");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot clear `{}`", dir.display()))?;
    }
    let policies = dir.join("policies");
    let base_url = format!("http://{addr}");
    let connect = |cmd: &mut Command| {
        cmd.args(["--provider", "scim", "--base-url", &base_url])
            .args(["--rate-limit", "6000/min"])
            .env("OMNI_API_TOKEN", token);
    };

    let mut init = Command::new(bin);
    init.args(["init", "--out"]).arg(&policies);
    connect(&mut init);
    let out = init.output().context("cannot run scimdrift init")?;
    ensure!(
        out.status.code() == Some(0),
        "scimdrift init --provider scim exited {}:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let files = std::fs::read_dir(&policies)?.count();
    eprintln!("interop init: `scimdrift init --provider scim` wrote {files} policy files");

    let (code, report) = check(bin, &policies, &connect)?;
    let open = findings(&report)?;
    ensure!(
        code == 0 && open.is_empty(),
        "check of the adopted policies exited {code} with {} finding(s): {open:?}",
        open.len()
    );
    eprintln!(
        "interop init: `scimdrift check --provider scim` of the adopted policies: exit 0, zero findings"
    );

    // One membership changes on the server, behind scimdrift's back.
    let (group_id, member_id) = groups
        .iter()
        .find_map(|(g, members)| members.first().map(|m| (g.clone(), m.clone())))
        .context("no populated group has a member")?;
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": format!("members[value eq \"{member_id}\"]")}],
    });
    let (status, body) = http(
        addr,
        token,
        "PATCH",
        &format!("/Groups/{group_id}"),
        Some(&patch),
    )?;
    ensure!(
        status == 200 || status == 204,
        "PATCH /Groups/{group_id}: HTTP {status}: {body}"
    );
    let group_name = served(addr, token, &format!("/Groups/{group_id}"), "displayName")?;
    let user_name = served(addr, token, &format!("/Users/{member_id}"), "userName")?;

    let (code, report) = check(bin, &policies, &connect)?;
    let after = findings(&report)?;
    let expected = vec![(
        "member_missing".to_owned(),
        group_name.clone(),
        user_name.clone(),
    )];
    ensure!(
        code == 2 && after == expected,
        "after removing `{user_name}` from `{group_name}` on the server, check exited {code} with {after:?}; expected exit 2 with exactly {expected:?}"
    );
    eprintln!(
        "interop init: after one membership was removed on the server, check found exactly it: member_missing `{user_name}` in `{group_name}` (exit 2)"
    );
    Ok(())
}

/// `scimdrift check` live against `policies`, JSON on stdout: the exit code
/// and the report.
fn check(bin: &Path, policies: &Path, connect: &dyn Fn(&mut Command)) -> Result<(i32, Value)> {
    let mut cmd = Command::new(bin);
    cmd.args([
        "check",
        "--quiet",
        "--format",
        "json",
        "--fail-on",
        "note",
        "--policies",
    ])
    .arg(policies);
    connect(&mut cmd);
    let out = cmd.output().context("cannot run scimdrift check")?;
    let code = out.status.code().unwrap_or(-1);
    let report: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "scimdrift check exited {code} without a JSON report:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    ensure!(
        report["status"] != json!("incomplete"),
        "check read incomplete data: {}",
        report["incomplete_reasons"]
    );
    Ok((code, report))
}

/// Every finding, excused or not, as (kind, group, subject's name).
fn findings(report: &Value) -> Result<Vec<(String, String, String)>> {
    let list = report["findings"]
        .as_array()
        .context("the report has no `findings` array")?;
    Ok(list
        .iter()
        .map(|f| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            let subject = &f["subject"];
            let name = subject
                .get("userName")
                .or_else(|| subject.get("embedExternalId"))
                .map(text)
                .unwrap_or_default();
            (text(&f["kind"]), text(&f["group"]), name)
        })
        .collect())
}

/// One attribute of the resource the server serves at `path`.
fn served(addr: SocketAddr, token: &str, path: &str, attribute: &str) -> Result<String> {
    let (status, body) = http(addr, token, "GET", path, None)?;
    ensure!(status == 200, "GET {path}: HTTP {status}");
    let resource: Value = serde_json::from_str(&body)?;
    let _ = id_of(&resource)?;
    resource[attribute]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{path} has no `{attribute}`"))
}
