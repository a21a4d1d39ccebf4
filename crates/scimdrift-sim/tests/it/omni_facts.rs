//! One test per fact in `omni-scim-api.md` that the simulator emulates.
//! (Paging defaults, creation order, caps and 404s live in `paging.rs`.)

use crate::common::*;
use scimdrift_proto::ScimError;
use scimdrift_sim::{Profile, SimConfig, Simulator};

fn filter(attr_op_value: &str) -> String {
    // Omni asks for `%20`, not `+`, for spaces.
    percent_encoding::utf8_percent_encode(attr_op_value, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
}

async fn list_ids(sim: &Simulator, path: &str) -> (u16, Vec<String>, String) {
    let (status, body) = get(&sim.scim_base_url(), path).await;
    let ids = serde_json::from_str(&body)
        .map(|v| ids(&v))
        .unwrap_or_default();
    (status, ids, body)
}

#[tokio::test]
async fn fact_lowercase_paths() {
    let sim = start(config(4)).await;
    for path in [
        "/users",
        "/groups",
        "/embed/users",
        "/users/u001",
        "/groups/g-0_x",
        "/embed/users/e004",
    ] {
        assert_eq!(get(&sim.scim_base_url(), path).await.0, 200, "{path}");
    }
}

#[tokio::test]
async fn fact_capitalised_paths_as_omnis_cli_calls_them() {
    let sim = start(config(4)).await;
    let base = sim.scim_base_url();
    for path in [
        "/Users",
        "/Groups",
        "/embed/Users",
        "/Users/u001",
        "/embed/Users/e004",
    ] {
        assert_eq!(get(&base, path).await.0, 200, "{path}");
    }
    // `embed` is always lowercase.
    assert_eq!(get(&base, "/Embed/Users").await.0, 404);
    assert_eq!(
        get_json(&base, "/Users").await,
        get_json(&base, "/users").await
    );
}

#[tokio::test]
async fn fact_generic_scim_server_has_users_and_groups_only() {
    let sim = start(config(4).profile(Profile::Scim)).await;
    assert!(sim.scim_base_url().ends_with("/scim/v2"));
    let base = sim.scim_base_url();
    assert_eq!(get(&base, "/Users").await.0, 200);
    assert_eq!(get(&base, "/Groups/g-1_x").await.0, 200);
    assert_eq!(
        get(&sim.base_url(), "/Users").await.0,
        200,
        "also at the root"
    );
    assert_eq!(get(&base, "/embed/Users").await.0, 404);
    assert_eq!(get(&base, "/users").await.0, 404);
    let resp = client()
        .get(format!("{base}/Users"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "application/scim+json");
    // Any filter the grammar accepts.
    let (status, ids, body) = list_ids(
        &sim,
        &format!(
            "/Users?filter={}",
            filter(r#"active eq false or userName sw "user1""#)
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids, ["u003", "u001"], "user1 by name, user3 inactive");
}

#[tokio::test]
async fn fact_users_filter_username_eq_case_insensitive() {
    let sim = start(config(5)).await;
    let (status, ids, body) = list_ids(
        &sim,
        &format!(
            "/users?filter={}",
            filter(r#"userName eq "USER2@Example.com""#)
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids, ["u003"]);
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["totalResults"], 1);
    // Attribute and operator names are case-insensitive too.
    let (_, ids, _) = list_ids(
        &sim,
        &format!(
            "/users?filter={}",
            filter(r#"USERNAME EQ "user2@example.com""#)
        ),
    )
    .await;
    assert_eq!(ids, ["u003"]);
    let (_, ids, body) = list_ids(
        &sim,
        &format!(
            "/users?filter={}",
            filter(r#"userName eq "nobody@example.com""#)
        ),
    )
    .await;
    assert!(ids.is_empty());
    assert!(!body.contains("Resources"), "absent when empty: {body}");
}

#[tokio::test]
async fn fact_embed_filters_username_or_external_id_with_eq_or_co() {
    let sim = start(config(8)).await;
    let q = |f: &str| format!("/embed/users?filter={}", filter(f));
    assert_eq!(
        list_ids(&sim, &q(r#"embedExternalId eq "Ext-2""#)).await.1,
        ["e006"]
    );
    // embedExternalId is case-sensitive.
    assert!(
        list_ids(&sim, &q(r#"embedExternalId eq "ext-2""#))
            .await
            .1
            .is_empty()
    );
    assert_eq!(
        list_ids(&sim, &q(r#"embedExternalId co "t-3""#)).await.1,
        ["e005"]
    );
    assert_eq!(
        list_ids(&sim, &q(r#"userName co "EMBED-1@""#)).await.1,
        ["e007"]
    );
    assert_eq!(
        list_ids(&sim, &q(r#"username eq "embed-0@embed.invalid""#))
            .await
            .1,
        ["e008"]
    );
}

#[tokio::test]
async fn fact_groups_filter_display_name_eq() {
    let sim = start(config(3)).await;
    let q = format!(
        "/groups?filter={}",
        filter(r#"displayName eq "all embed users""#)
    );
    assert_eq!(list_ids(&sim, &q).await.1, ["g-2_x"]);
}

#[tokio::test]
async fn fact_undocumented_filters_are_rejected_as_invalid_filter() {
    let sim = start(config(3)).await;
    for (path, f) in [
        ("/users", r#"userName co "user""#),
        ("/users", r#"userName eq "a" or userName eq "b""#),
        ("/users", "userName pr"),
        ("/users", r#"userName sw "u""#),
        ("/users", r#"userName ne "u""#),
        ("/embed/users", r#"embedEntity eq "acme""#),
        ("/groups", r#"displayName co "Eng""#),
    ] {
        let (status, body) = get(
            &sim.scim_base_url(),
            &format!("{path}?filter={}", filter(f)),
        )
        .await;
        assert_eq!(status, 400, "{path} {f}");
        let err: ScimError = serde_json::from_str(&body).unwrap();
        assert_eq!(err.scim_type.as_deref(), Some("invalidFilter"));
        assert_eq!(err.status, Some(400));
    }
    let (status, body) = get(
        &sim.scim_base_url(),
        &format!("/users?filter={}", filter(r#"userName eq "unterminated"#)),
    )
    .await;
    assert_eq!(status, 400);
    insta::assert_snapshot!(body, @r#"{"detail":"Unsupported filter: userName eq \"unterminated","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"invalidFilter","status":"400"}"#);
}

#[tokio::test]
async fn fact_filters_must_be_url_encoded_plus_is_a_space() {
    let mut org = org(2);
    org.users.push(
        scimdrift_proto::Resource::from_json(r#"{"id":"plus","userName":"a+b@example.com"}"#)
            .unwrap(),
    );
    let sim = start(SimConfig::new(org).token(TOKEN).rate_limit(None)).await;
    let encoded = format!(
        "/users?filter={}",
        filter(r#"userName eq "a+b@example.com""#)
    );
    assert_eq!(list_ids(&sim, &encoded).await.1, ["plus"]);
    // A client that leaves `+` raw asks for "a b@example.com".
    let raw = "/users?filter=userName%20eq%20%22a+b@example.com%22";
    assert!(list_ids(&sim, raw).await.1.is_empty());
}

#[tokio::test]
async fn fact_groups_accept_excluded_attributes_members() {
    let sim = start(config(3)).await;
    let base = sim.scim_base_url();
    let page = get_json(&base, "/groups?excludedAttributes=members").await;
    for g in page["Resources"].as_array().unwrap() {
        assert!(g.get("members").is_none(), "{g}");
        assert!(g.get("displayName").is_some());
    }
    let full = get_json(&base, "/groups/g-0_x").await;
    assert!(full["members"].is_array());
    let slim = get_json(&base, "/groups/g-0_x?excludedAttributes=members").await;
    assert!(slim.get("members").is_none());
}

#[tokio::test]
async fn fact_list_envelope() {
    let sim = start(config(2)).await;
    let (_, body) = get(&sim.scim_base_url(), "/groups?count=1").await;
    insta::assert_snapshot!(body, @r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"startIndex":1,"itemsPerPage":1,"Resources":[{"displayName":"Engineering","id":"g-0_x","members":[{"display":"user0@example.com","value":"u002"}],"meta":{"created":"2024-01-01T00:00:00Z","resourceType":"Group"}}]}"#);
}

#[tokio::test]
async fn fact_default_rate_limit_is_60_per_minute_without_retry_after() {
    let sim = Simulator::start(SimConfig::new(org(1)).token(TOKEN))
        .await
        .unwrap();
    let base = sim.scim_base_url();
    // The bucket starts full (60) and refills at one request per second, so a
    // slow machine may squeeze in a few more before the first 429: count the
    // successes and bound them by the time the burst took.
    let started = std::time::Instant::now();
    let mut ok = 0u64;
    let resp = loop {
        let resp = client()
            .get(format!("{base}/users"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        if resp.status() != 200 {
            break resp;
        }
        ok += 1;
        assert!(ok <= 600, "no 429 after {ok} requests");
    };
    let refilled = started.elapsed().as_secs() + 1;
    assert!(
        (60..=60 + refilled).contains(&ok),
        "{ok} requests passed in {refilled} s; expected 60 plus one per second"
    );
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().get("retry-after").is_none());
    assert!(
        resp.headers()
            .keys()
            .all(|k| !k.as_str().starts_with("x-ratelimit"))
    );
}

#[tokio::test]
async fn fact_error_bodies_come_in_several_shapes() {
    let sim = start(config(1).rate_limit(Some("1/min".parse().unwrap()))).await;
    let base = sim.scim_base_url();
    // 404: SCIM Error schema with `status` as a string.
    let (s404, b404) = get(&base, "/users/missing").await;
    // 429: `{detail, status}` with a number.
    let (s429, b429) = get(&base, "/users").await;
    // 401: `{error, message}`.
    let (s401, b401) = get_with(&base, "/users", Some("personal-access-token")).await;
    assert_eq!((s404, s429, s401), (404, 429, 401));
    let e404: ScimError = serde_json::from_str(&b404).unwrap();
    let e429: ScimError = serde_json::from_str(&b429).unwrap();
    assert_eq!((e404.status, e429.status), (Some(404), Some(429)));
    let v401: serde_json::Value = serde_json::from_str(&b401).unwrap();
    assert_eq!(v401["error"], "Unauthorized");
}
