//! Paging, caps, ordering, get-by-id, auth and rate limiting.

use crate::common::*;
use scimdrift_sim::{Kind, RateLimit, SimConfig};

#[tokio::test]
async fn default_page_is_100_in_creation_order() {
    let sim = start(config(250)).await;
    let page = get_json(&sim.scim_base_url(), "/users").await;
    assert_eq!(page["totalResults"], 250);
    assert_eq!(page["startIndex"], 1);
    assert_eq!(page["itemsPerPage"], 100);
    let ids = ids(&page);
    assert_eq!(ids.len(), 100);
    // Created first = listed first; ids run backwards in this fixture.
    assert_eq!(ids[0], "u250");
    assert_eq!(ids[99], "u151");
    assert_eq!(
        page["schemas"],
        serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
}

#[tokio::test]
async fn pages_tile_the_list_and_the_last_page_is_short() {
    let sim = start(config(25)).await;
    let base = sim.scim_base_url();
    let mut seen = Vec::new();
    let mut start_index = 1;
    for _ in 0..10 {
        let page = get_json(&base, &format!("/users?startIndex={start_index}&count=10")).await;
        let got = ids(&page);
        assert_eq!(page["itemsPerPage"], got.len());
        assert_eq!(page["startIndex"], start_index);
        if got.is_empty() {
            break;
        }
        start_index += got.len();
        seen.extend(got);
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 25, "no duplicates");
    let last = get_json(&base, "/users?startIndex=21&count=10").await;
    assert_eq!(last["itemsPerPage"], 5);
}

#[tokio::test]
async fn count_above_the_maximum_is_capped() {
    let sim = start(config(30).max_page_size(7)).await;
    let page = get_json(&sim.scim_base_url(), "/users?count=1000").await;
    assert_eq!(page["itemsPerPage"], 7);
    assert_eq!(ids(&page).len(), 7);
    assert_eq!(page["totalResults"], 30);
}

#[tokio::test]
async fn start_index_beyond_the_end_is_empty_without_resources() {
    let sim = start(config(5)).await;
    let (status, body) = get(&sim.scim_base_url(), "/users?startIndex=6").await;
    assert_eq!(status, 200);
    insta::assert_snapshot!(body, @r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":5,"startIndex":6,"itemsPerPage":0}"#);
}

#[tokio::test]
async fn odd_paging_values() {
    let sim = start(config(5)).await;
    let base = sim.scim_base_url();
    // RFC 7644: startIndex < 1 means 1; count 0 asks for the total only.
    let p = get_json(&base, "/users?startIndex=0&count=2").await;
    assert_eq!((p["startIndex"].as_i64(), ids(&p).len()), (Some(1), 2));
    let p = get_json(&base, "/users?count=0").await;
    assert_eq!(
        (p["totalResults"].as_i64(), p["itemsPerPage"].as_i64()),
        (Some(5), Some(0))
    );
    let p = get_json(&base, "/users?count=-3").await;
    assert_eq!(p["itemsPerPage"], 0);
    let (status, body) = get(&base, "/users?count=ten").await;
    assert_eq!(status, 400);
    insta::assert_snapshot!(body, @r#"{"detail":"count must be an integer, got `ten`","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"invalidValue","status":"400"}"#);
}

#[tokio::test]
async fn get_by_id_serves_the_raw_resource_and_404s_unknown_ids() {
    let sim = start(config(3)).await;
    let base = sim.scim_base_url();
    let expected = sim.with_store(|s| s.get(Kind::Users, "u002").unwrap().json().to_owned());
    let (status, body) = get(&base, "/users/u002").await;
    assert_eq!((status, body), (200, expected));
    let (status, body) = get(&base, "/users/nope").await;
    assert_eq!(status, 404);
    insta::assert_snapshot!(body, @r#"{"detail":"Resource nope not found","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#);
    // A user id is not an embed-user id.
    assert_eq!(get(&base, "/embed/users/u002").await.0, 404);
    assert_eq!(get(&base, "/groups/g-1_x").await.0, 200);
}

#[tokio::test]
async fn missing_and_wrong_tokens_get_401_with_a_json_body() {
    let sim = start(config(3)).await;
    let base = sim.scim_base_url();
    let (status, body) = get_with(&base, "/users", None).await;
    assert_eq!(status, 401);
    insta::assert_snapshot!(body, @r#"{"error":"Unauthorized","message":"Missing API key: send `Authorization: Bearer <Organization API key>`"}"#);
    let (status, body) = get_with(&base, "/users", Some("wrong")).await;
    assert_eq!(status, 401);
    insta::assert_snapshot!(body, @r#"{"error":"Unauthorized","message":"Invalid API key"}"#);
    assert!(!body.contains(TOKEN));
    let resp = client()
        .get(format!("{base}/users"))
        .header("authorization", format!("bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the scheme is case-insensitive");
    let log = sim.requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [401, 401, 200]
    );
}

#[tokio::test]
async fn rate_limit_answers_429_without_retry_after_by_default() {
    let sim = start(config(3).rate_limit(Some(RateLimit::per_minute(3)))).await;
    let base = sim.scim_base_url();
    for _ in 0..3 {
        assert_eq!(get(&base, "/users").await.0, 200);
    }
    let resp = client()
        .get(format!("{base}/users"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_none());
    insta::assert_snapshot!(resp.text().await.unwrap(), @r#"{"detail":"Rate limit exceeded","status":429}"#);
    // Unauthenticated requests do not spend the budget, and are still 401.
    assert_eq!(get_with(&base, "/users", None).await.0, 401);
}

#[tokio::test]
async fn rate_limit_sends_retry_after_when_asked() {
    let sim = start(
        config(3)
            .rate_limit(Some(RateLimit::per_minute(2)))
            .retry_after(true),
    )
    .await;
    let base = sim.scim_base_url();
    assert_eq!(get(&base, "/users").await.0, 200);
    assert_eq!(get(&base, "/users").await.0, 200);
    let resp = client()
        .get(format!("{base}/users"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let secs: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One request every 30 s refills the bucket.
    assert!((1..=30).contains(&secs), "{secs}");
}

#[tokio::test]
async fn request_log_records_method_path_query_status() {
    let sim = start(config(3)).await;
    let base = sim.scim_base_url();
    get(&base, "/groups?count=1&startIndex=2").await;
    // Users are read-only here (the simulator writes groups only).
    let resp = client()
        .post(format!("{base}/users"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    let log = sim.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/scim/v2/groups");
    assert_eq!(log[0].query.as_deref(), Some("count=1&startIndex=2"));
    assert_eq!(log[0].status, 200);
    assert_eq!((log[1].method.as_str(), log[1].status), ("POST", 405));
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn mutation_api_changes_what_is_served() {
    let sim = start(config(3)).await;
    let base = sim.scim_base_url();
    sim.mutate(|s| s.remove(Kind::Users, "u001"));
    assert_eq!(get(&base, "/users/u001").await.0, 404);
    let page = get_json(&base, "/users").await;
    assert_eq!(page["totalResults"], 2);
    sim.mutate(|s| s.insert_front_synthetic(Kind::Users, 1));
    let page = get_json(&base, "/users").await;
    assert_eq!(ids(&page)[0], "sim-inserted-1");
}

#[tokio::test]
async fn binary_prints_listening_line_first_and_serves() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    std::fs::write(&path, serde_json::to_string(&org(3)).unwrap()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scimdrift-sim"))
        .args(["--org", path.to_str().unwrap(), "--token", TOKEN])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line was {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let page = get_json(&format!("{url}/api/scim/v2"), "/users").await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(page["totalResults"], 3);
}

#[tokio::test]
async fn binary_rejects_a_bad_org_file_with_position_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    std::fs::write(
        &path,
        "{\"schema\": \"scimdrift.snapshot/v1\",\n \"users\": [{}]}",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scimdrift-sim"))
        .args(["--org", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let err = err.replace(path.to_str().unwrap(), "ORG");
    insta::assert_snapshot!(err, @r"
    error: ORG:2:12: `users[0]` has no string `id`
    hint: the org file is a `scimdrift.snapshot/v1` JSON document with `groups`, `users` and `embed_users` arrays (try `cargo xtask gen-org`)
    ");
}

#[test]
fn binary_help_documents_every_option_and_fault() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scimdrift-sim"))
        .arg("--help")
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[tokio::test]
async fn a_full_scan_reproduces_a_generated_org_byte_for_byte() {
    use scimdrift_sim::orggen::{OrgSpec, generate};
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize)]
    struct Page<'a> {
        #[serde(rename = "totalResults")]
        total: usize,
        #[serde(borrow, rename = "Resources", default)]
        resources: Vec<&'a RawValue>,
    }
    let org = generate(&OrgSpec {
        users: 23,
        embed_users: 31,
        groups: 9,
        seed: 5,
    });
    let sim = start(SimConfig::new(org.clone()).token(TOKEN).rate_limit(None)).await;
    for (path, expected) in [
        ("/users", &org.users),
        ("/groups", &org.groups),
        ("/embed/users", &org.embed_users),
    ] {
        let mut got: Vec<(String, String)> = Vec::new();
        let mut start_index = 1;
        for _ in 0..20 {
            let (status, body) = get(
                &sim.scim_base_url(),
                &format!("{path}?startIndex={start_index}&count=7"),
            )
            .await;
            assert_eq!(status, 200);
            let page: Page<'_> = serde_json::from_str(&body).unwrap();
            assert_eq!(page.total, expected.len());
            for r in &page.resources {
                let v: serde_json::Value = serde_json::from_str(r.get()).unwrap();
                got.push((v["id"].as_str().unwrap().to_owned(), r.get().to_owned()));
            }
            start_index += page.resources.len();
            if page.resources.is_empty() || start_index > page.total {
                break;
            }
        }
        got.sort();
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|r| (r.id().to_owned(), r.json().to_owned()))
            .collect();
        assert_eq!(got, want, "{path}");
    }
}
