//! Shared helpers: a small org and a client.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a setup failure should panic loudly"
)]

use scimdrift_proto::{Resource, Snapshot};
use scimdrift_sim::{SimConfig, Simulator};
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token";

fn created(i: usize) -> String {
    format!("2024-01-01T00:{:02}:{:02}Z", i / 60, i % 60)
}

/// `n` users `u000…`, `n / 2` embed users, three groups; ids deliberately not
/// in creation order (ids run backwards) so ordering bugs show.
pub fn org(n: usize) -> Snapshot {
    let mut s = Snapshot::new(Default::default());
    for i in 0..n {
        s.users.push(
            Resource::from_value(&json!({
                "id": format!("u{:03}", n - i),
                "userName": format!("user{i}@example.com"),
                "displayName": format!("User {i}"),
                "active": i % 7 != 3,
                "meta": {"created": created(i), "resourceType": "User"},
            }))
            .unwrap(),
        );
    }
    for i in 0..n / 2 {
        s.embed_users.push(
            Resource::from_value(&json!({
                "id": format!("e{:03}", n - i),
                "userName": format!("embed-{i}@embed.invalid"),
                "embedExternalId": format!("Ext-{i}"),
                "embedEntity": if i % 2 == 0 { "acme" } else { "globex" },
                "meta": {"created": created(i), "resourceType": "User"},
            }))
            .unwrap(),
        );
    }
    for (i, name) in ["Engineering", "Sales", "All Embed Users"]
        .iter()
        .enumerate()
    {
        s.groups.push(
            Resource::from_value(&json!({
                "id": format!("g-{i}_x"),
                "displayName": name,
                "members": [{"value": format!("u{:03}", n), "display": "user0@example.com"}],
                "meta": {"created": created(i), "resourceType": "Group"},
            }))
            .unwrap(),
        );
    }
    s.sort();
    s
}

pub fn config(n: usize) -> SimConfig {
    SimConfig::new(org(n)).token(TOKEN).rate_limit(None)
}

pub async fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

/// GET `base + path` with the test token; returns status and body text.
pub async fn get(base: &str, path: &str) -> (u16, String) {
    get_with(base, path, Some(TOKEN)).await
}

pub async fn get_with(base: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = client().get(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

pub async fn get_json(base: &str, path: &str) -> Value {
    let (status, body) = get(base, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The ids of a list page, in order.
pub fn ids(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
