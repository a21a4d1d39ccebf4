//! `cargo xtask interop`: `scimdrift fetch --provider scim` against a SCIM
//! server nobody here wrote (PyPI `scim2-server`), on loopback.
//!
//! The server is started with a random bearer token, populated through its
//! own HTTP API (users with varied attributes, groups with members), then
//! read back twice (`--page-size auto` and a small odd page size that forces
//! many pages). Every resource in the snapshot must equal what the server
//! serves for it by id, and the id sets must match what was created. Then
//! the adoption leg (`interop_init`) and the apply leg (`interop_apply`).

use crate::{flags, util};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result, bail, ensure};
use serde_json::{Value, json};

const USERS: usize = 300;
const GROUPS: usize = 30;

/// Where `.ci/run` installs the server.
const VENV: &str = "target/interop-venv";

pub(crate) struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(_opts: &flags::Interop) -> Result<()> {
    let exe = server_exe()?;
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let token = format!("interop-{}-{port}", std::process::id());
    let _server = Server {
        child: Command::new(&exe)
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
            .args(["--bearer-token", &token])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start `{}`", exe.display()))?,
    };
    wait_until_up(addr, &token)?;
    eprintln!(
        "scim2-server listening on http://{addr}; populating {USERS} users and {GROUPS} groups"
    );

    let (users, groups) = populate(addr, &token)?;

    util::run_cargo(&["build", "--quiet", "-p", "scimdrift-cli"])?;
    let bin = util::bin_dir(false).join("scimdrift");
    let dir = util::target_dir().join("interop");
    std::fs::create_dir_all(&dir)?;
    for page_size in ["auto", "37"] {
        let out = dir.join(format!("snapshot-{page_size}.json"));
        let status = Command::new(&bin)
            .args(["fetch", "--provider", "scim", "--quiet"])
            .args(["--base-url", &format!("http://{addr}")])
            .args(["--page-size", page_size, "--rate-limit", "6000/min"])
            .arg("--out")
            .arg(&out)
            .env("OMNI_API_TOKEN", &token)
            .status()
            .context("cannot run scimdrift")?;
        ensure!(
            status.code() == Some(0),
            "scimdrift fetch --page-size {page_size} exited {status}"
        );
        let snapshot: Value = serde_json::from_slice(&std::fs::read(&out)?)?;
        check(&snapshot, addr, &token, &users, &groups)
            .with_context(|| format!("with --page-size {page_size}"))?;
        let requests = &snapshot["stats"]["requests"];
        eprintln!(
            "interop ok (--page-size {page_size}): {USERS} users and {GROUPS} groups read back exactly in {requests} requests"
        );
    }
    crate::interop_init::run(addr, &token, &bin, &groups)?;
    crate::interop_apply::run(addr, &token, &bin)
}

fn server_exe() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("SCIM2_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let path = util::root().join(VENV).join("bin/scim2-server");
    if path.exists() {
        return Ok(path);
    }
    bail!(
        "scim2-server is not installed\nhint: python3 -m venv {VENV} && {VENV}/bin/pip install scim2-server (as .ci/run does), or set SCIM2_SERVER"
    )
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn wait_until_up(addr: SocketAddr, token: &str) -> Result<()> {
    for _ in 0..200 {
        if let Ok((200, _)) = http(addr, token, "GET", "/ServiceProviderConfig", None) {
            return Ok(());
        }
        #[expect(
            clippy::disallowed_methods,
            reason = "xtask is a blocking CLI edge waiting for a child process"
        )]
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("scim2-server did not answer on {addr} within 20 s")
}

/// Group id → member ids.
pub(crate) type Memberships = BTreeMap<String, BTreeSet<String>>;

/// Creates the users and groups; returns what the server said it created,
/// by id.
fn populate(addr: SocketAddr, token: &str) -> Result<(BTreeSet<String>, Memberships)> {
    let mut user_ids = Vec::new();
    for i in 0..USERS {
        let name = match i % 4 {
            0 => format!("Zoë Ångström {i}"),
            1 => format!("李 {i}"),
            2 => format!("O'Brien-{i}"),
            _ => format!("User {i}"),
        };
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("user{i:03}@example.com"),
            "displayName": name,
            "active": i % 7 != 0,
            "name": {"givenName": format!("Given{i}"), "familyName": "Family"},
            "emails": [{"value": format!("user{i:03}@example.com"), "primary": true, "type": "work"}],
            "externalId": format!("ext-{i}"),
        });
        let (status, body) = http(addr, token, "POST", "/Users", Some(&user))?;
        ensure!(status == 201, "creating user {i}: HTTP {status}: {body}");
        let created: Value = serde_json::from_str(&body)?;
        user_ids.push(id_of(&created)?);
    }
    let mut groups = BTreeMap::new();
    for g in 0..GROUPS {
        // Group g holds every user whose index is ≡ g mod (g + 2): varied sizes,
        // overlapping memberships, a few empty-ish groups.
        let members: Vec<&String> = user_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % (g + 2) == g % (g + 2))
            .map(|(_, id)| id)
            .collect();
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": format!("Group {g:02} – équipe"),
            "members": members.iter().map(|id| json!({"value": id})).collect::<Vec<_>>(),
        });
        let (status, body) = http(addr, token, "POST", "/Groups", Some(&group))?;
        ensure!(status == 201, "creating group {g}: HTTP {status}: {body}");
        let created: Value = serde_json::from_str(&body)?;
        groups.insert(
            id_of(&created)?,
            members.into_iter().cloned().collect::<BTreeSet<_>>(),
        );
    }
    Ok((user_ids.into_iter().collect(), groups))
}

fn check(
    snapshot: &Value,
    addr: SocketAddr,
    token: &str,
    users: &BTreeSet<String>,
    groups: &Memberships,
) -> Result<()> {
    ensure!(
        snapshot["complete"] == json!(true),
        "snapshot incomplete: {}",
        snapshot["incomplete_reasons"]
    );
    ensure!(
        snapshot["source"]["provider"] == json!("scim"),
        "wrong provider"
    );
    let list = |key: &str| -> Result<Vec<Value>> {
        snapshot[key]
            .as_array()
            .cloned()
            .with_context(|| format!("`{key}` is not an array"))
    };
    let got_users = list("users")?;
    let got_groups = list("groups")?;
    ensure!(
        list("embed_users")?.is_empty(),
        "a generic SCIM server has no embed users"
    );
    let user_ids: Vec<String> = got_users.iter().map(id_of).collect::<Result<_>>()?;
    let mut sorted = user_ids.clone();
    sorted.sort();
    ensure!(user_ids == sorted, "users are not sorted by id");
    ensure!(
        user_ids.iter().cloned().collect::<BTreeSet<_>>() == *users
            && user_ids.len() == users.len(),
        "user ids differ: {} read, {} created",
        user_ids.len(),
        users.len()
    );
    let group_ids: BTreeSet<String> = got_groups.iter().map(id_of).collect::<Result<_>>()?;
    ensure!(
        group_ids == groups.keys().cloned().collect(),
        "group ids differ"
    );
    // Every resource equals what the server serves for its id.
    for (path, resources) in [("/Users", &got_users), ("/Groups", &got_groups)] {
        for resource in resources {
            let id = id_of(resource)?;
            let (status, body) = http(addr, token, "GET", &format!("{path}/{id}"), None)?;
            ensure!(status == 200, "GET {path}/{id}: HTTP {status}");
            let served: Value = serde_json::from_str(&body)?;
            ensure!(
                &served == resource,
                "{path}/{id} differs:\nsnapshot: {resource}\nserver:   {served}"
            );
        }
    }
    // Memberships came back whole.
    for group in &got_groups {
        let id = id_of(group)?;
        let members: BTreeSet<String> = group["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        ensure!(members == groups[&id], "group {id}: members differ");
    }
    Ok(())
}

pub(crate) fn id_of(v: &Value) -> Result<String> {
    v["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("resource without id: {v}"))
}

/// One request to the server; the status and the body.
pub(crate) fn http(
    addr: SocketAddr,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, String)> {
    let body = body.map(Value::to_string);
    let answer = util::http::request(addr, token, method, path, body.as_deref())?;
    Ok((answer.status, answer.body))
}
