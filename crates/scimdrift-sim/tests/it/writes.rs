//! Omni's documented group writes: PATCH add/remove/replace members and
//! replace displayName, POST with 409 on a duplicate name, 400 for what Omni
//! refuses; every write in the request log with its body.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed request should panic loudly"
)]

use crate::common::*;
use scimdrift_sim::{Kind, Simulator};
use serde_json::{Value, json};

const ENG: &str = "g-0_x";

async fn send(sim: &Simulator, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
    let resp = client()
        .request(method, format!("{}{path}", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn patch(sim: &Simulator, group: &str, ops: Value) -> (u16, Value) {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops,
    });
    send(
        sim,
        reqwest::Method::PATCH,
        &format!("/groups/{group}"),
        &body,
    )
    .await
}

async fn post(sim: &Simulator, body: Value) -> (u16, Value) {
    send(sim, reqwest::Method::POST, "/groups", &body).await
}

fn members(group: &Value) -> Vec<String> {
    group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of the groups user `id` lists in its own `groups`.
fn groups_of(sim: &Simulator, kind: Kind, id: &str) -> Vec<(String, String)> {
    sim.with_store(|s| s.get(kind, id).unwrap().to_value())["groups"]
        .as_array()
        .map(|gs| {
            gs.iter()
                .map(|g| {
                    (
                        g["value"].as_str().unwrap().to_owned(),
                        g["display"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn group_json(sim: &Simulator, id: &str) -> String {
    sim.with_store(|s| s.get(Kind::Groups, id).unwrap().json().to_owned())
}

fn remove(id: &str) -> Value {
    json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")})
}

#[tokio::test]
async fn patch_adds_removes_and_replaces_members_with_op_names_in_any_case() {
    let sim = start(config(10)).await;
    assert_eq!(
        members(&get_json(&sim.scim_base_url(), &format!("/groups/{ENG}")).await),
        ["u010"]
    );
    let (status, group) = patch(
        &sim,
        ENG,
        json!([{"op": "Add", "path": "members", "value": [{"value": "u003"}, {"value": "e010", "display": "ignored"}]}]),
    )
    .await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(members(&group), ["u010", "u003", "e010"]);
    assert_eq!(
        group["members"][1]["display"], "user7@example.com",
        "display is the userName"
    );
    assert_eq!(
        get_json(&sim.scim_base_url(), &format!("/groups/{ENG}")).await,
        group,
        "the answer is what is served next"
    );
    // Both sides: the members list the group in their own `groups`.
    assert_eq!(
        groups_of(&sim, Kind::Users, "u003"),
        [(ENG.to_owned(), "Engineering".to_owned())]
    );
    assert_eq!(
        groups_of(&sim, Kind::EmbedUsers, "e010"),
        [(ENG.to_owned(), "Engineering".to_owned())]
    );
    // Adding a member twice changes nothing.
    let (_, again) = patch(
        &sim,
        ENG,
        json!([{"op": "ADD", "path": "Members", "value": [{"value": "u003"}]}]),
    )
    .await;
    assert_eq!(members(&again), ["u010", "u003", "e010"]);

    let (status, group) = patch(
        &sim,
        ENG,
        json!([{"op": "REMOVE", "path": "members[value eq \"u003\"]"}]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(members(&group), ["u010", "e010"]);
    assert!(groups_of(&sim, Kind::Users, "u003").is_empty());
    // Removing a user who is not a member changes nothing.
    let (status, group) = patch(&sim, ENG, json!([remove("u005")])).await;
    assert_eq!(
        (status, members(&group)),
        (200, vec!["u010".to_owned(), "e010".to_owned()])
    );

    let (status, group) = patch(
        &sim,
        ENG,
        json!([{"op": "Replace", "path": "members", "value": [{"value": "u001"}, {"value": "u002"}]}]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(members(&group), ["u001", "u002"]);
    assert!(groups_of(&sim, Kind::EmbedUsers, "e010").is_empty());
    assert!(groups_of(&sim, Kind::Users, "u010").is_empty());
    assert_eq!(groups_of(&sim, Kind::Users, "u001").len(), 1);
    // Several operations in one request, in order.
    let (status, group) = patch(
        &sim,
        ENG,
        json!([
            {"op": "add", "path": "members", "value": [{"value": "u009"}]},
            remove("u001"),
        ]),
    )
    .await;
    assert_eq!(
        (status, members(&group)),
        (200, vec!["u002".to_owned(), "u009".to_owned()])
    );
}

#[tokio::test]
async fn patch_renames_and_a_taken_name_is_409() {
    let sim = start(config(4)).await;
    patch(
        &sim,
        ENG,
        json!([{"op": "add", "path": "members", "value": [{"value": "u001"}]}]),
    )
    .await;
    let untouched = sim.with_store(|s| s.get(Kind::Users, "u002").unwrap().json().to_owned());
    let (status, group) = patch(
        &sim,
        ENG,
        json!([{"op": "replace", "path": "displayName", "value": "Platform"}]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(group["displayName"], "Platform");
    assert_eq!(
        groups_of(&sim, Kind::Users, "u001"),
        [(ENG.to_owned(), "Platform".to_owned())]
    );
    assert_eq!(
        sim.with_store(|s| s.get(Kind::Users, "u002").unwrap().json().to_owned()),
        untouched,
        "a user whose membership did not change is not rewritten"
    );
    let before = group_json(&sim, ENG);
    let (status, body) = patch(
        &sim,
        ENG,
        json!([{"op": "replace", "path": "displayName", "value": "Sales"}]),
    )
    .await;
    assert_eq!(status, 409);
    insta::assert_snapshot!(body, @r#"{"detail":"a group named `Sales` already exists","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"uniqueness","status":"409"}"#);
    assert_eq!(group_json(&sim, ENG), before);
    // Its own name is not a conflict.
    let (status, _) = patch(
        &sim,
        ENG,
        json!([{"op": "replace", "path": "displayName", "value": "Platform"}]),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn post_creates_a_group_and_a_duplicate_name_is_409() {
    let sim = start(config(4)).await;
    let (status, group) = post(
        &sim,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Data", "members": [{"value": "u001"}]}),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    insta::assert_snapshot!(group, @r#"{"displayName":"Data","id":"sim-group-1","members":[{"display":"user3@example.com","value":"u001"}],"meta":{"resourceType":"Group"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#);
    let base = sim.scim_base_url();
    assert_eq!(get_json(&base, "/groups/sim-group-1").await, group);
    let page = get_json(&base, "/groups").await;
    assert_eq!(page["totalResults"], 4);
    assert_eq!(
        ids(&page).last().map(String::as_str),
        Some("sim-group-1"),
        "the newest lists last"
    );
    assert_eq!(
        groups_of(&sim, Kind::Users, "u001"),
        [("sim-group-1".to_owned(), "Data".to_owned())]
    );
    // Members are optional.
    let (status, empty) = post(&sim, json!({"displayName": "Empty"})).await;
    assert_eq!((status, empty["id"].as_str()), (201, Some("sim-group-2")));
    assert_eq!(empty["members"], json!([]));
    for name in ["Data", "Engineering"] {
        let (status, body) = post(&sim, json!({"displayName": name})).await;
        assert_eq!(status, 409, "{name}: {body}");
        assert_eq!(body["scimType"], "uniqueness");
    }
    let (status, body) = post(&sim, json!({"members": []})).await;
    assert_eq!(status, 400);
    insta::assert_snapshot!(body["detail"], @r#""`displayName` must be a non-empty string of at most 64 characters""#);
    let (status, _) = post(&sim, json!({"displayName": "x".repeat(65)})).await;
    assert_eq!(status, 400);
    let (status, body) = post(
        &sim,
        json!({"displayName": "Ghosts", "members": [{"value": "nobody"}]}),
    )
    .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidValue"))
    );
    assert_eq!(
        get_json(&base, "/groups").await["totalResults"],
        5,
        "nothing made by a refused POST"
    );
}

#[tokio::test]
async fn refused_patches_are_400_and_change_nothing() {
    let sim = start(config(4)).await;
    let before = group_json(&sim, ENG);
    let detail = |body: &Value| {
        format!(
            "{} {}",
            body["scimType"].as_str().unwrap_or("-"),
            body["detail"].as_str().unwrap_or("-")
        )
    };
    let mut seen = Vec::new();
    for ops in [
        json!([{"op": "remove", "path": "members[value eq u001]"}]),
        json!([{"op": "remove", "path": "members"}]),
        json!([{"op": "remove", "path": "members[display eq \"u001\"]"}]),
        json!([remove("no-such-user")]),
        json!([{"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}]),
        json!([{"op": "add", "path": "members", "value": {"value": "u001"}}]),
        json!([{"op": "add", "path": "emails", "value": []}]),
        json!([{"op": "move", "path": "members", "value": []}]),
        json!([]),
        // All or nothing: the first operation is fine, the second is not.
        json!([{"op": "add", "path": "members", "value": [{"value": "u001"}]}, remove("no-such-user")]),
    ] {
        let (status, body) = patch(&sim, ENG, ops).await;
        assert_eq!(status, 400, "{body}");
        seen.push(detail(&body));
    }
    let (status, body) = send(
        &sim,
        reqwest::Method::PATCH,
        &format!("/groups/{ENG}"),
        &json!({"Operations": [remove("u001")]}),
    )
    .await;
    assert_eq!(status, 400);
    seen.push(detail(&body));
    let resp = client()
        .patch(format!("{}/groups/{ENG}", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    insta::assert_snapshot!(seen.join("\n"), @r#"
    invalidPath remove needs the path `members[value eq "<id>"]`, got `members[value eq u001]`
    invalidPath remove needs the path `members[value eq "<id>"]`, got `members`
    invalidPath remove needs the path `members[value eq "<id>"]`, got `members[display eq "u001"]`
    invalidValue no user or embed user has the id `no-such-user`
    invalidValue no user or embed user has the id `no-such-user`
    invalidValue `members` must be an array of objects with a string `value`
    invalidPath unsupported path `emails` for `add`
    invalidSyntax unknown op `move`
    invalidSyntax `Operations` must be a non-empty array
    invalidValue no user or embed user has the id `no-such-user`
    invalidSyntax `schemas` must hold `urn:ietf:params:scim:api:messages:2.0:PatchOp`
    "#);
    assert_eq!(
        group_json(&sim, ENG),
        before,
        "no refused PATCH changed the group"
    );
    assert!(groups_of(&sim, Kind::Users, "u001").is_empty());
    let (status, body) = patch(&sim, "no-such-group", json!([remove("u001")])).await;
    assert_eq!((status, body["status"].as_str()), (404, Some("404")));
}

#[tokio::test]
async fn a_dangling_member_can_be_removed() {
    let sim = start(config(4)).await;
    sim.mutate(|s| {
        let mut g = s.get(Kind::Groups, ENG).unwrap().to_value();
        g["members"] =
            json!([{"value": "u004"}, {"value": "gone", "display": "ghost@example.com"}]);
        s.replace(
            Kind::Groups,
            scimdrift_proto::Resource::from_value(&g).unwrap(),
        )
    });
    let (status, group) = patch(
        &sim,
        ENG,
        json!([{"op": "add", "path": "members", "value": [{"value": "u001"}]}]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        group["members"][1],
        json!({"value": "gone", "display": "ghost@example.com"}),
        "kept as it was"
    );
    let (status, group) = patch(&sim, ENG, json!([remove("gone")])).await;
    assert_eq!(
        (status, members(&group)),
        (200, vec!["u004".to_owned(), "u001".to_owned()])
    );
}

#[tokio::test]
async fn writes_are_logged_with_their_bodies_and_reads_without() {
    let sim = start(config(4)).await;
    let ops = json!([remove("u004")]);
    let (status, _) = patch(&sim, ENG, ops.clone()).await;
    assert_eq!(status, 200);
    let (status, _) = post(&sim, json!({"displayName": "Logged"})).await;
    assert_eq!(status, 201);
    get(&sim.scim_base_url(), "/groups").await;
    let log = sim.requests();
    assert_eq!(
        log.iter()
            .map(|r| (r.method.as_str(), r.status))
            .collect::<Vec<_>>(),
        [("PATCH", 200), ("POST", 201), ("GET", 200)]
    );
    assert_eq!(log[0].path, format!("/api/scim/v2/groups/{ENG}"));
    let sent: Value = serde_json::from_str(log[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(sent["Operations"], ops);
    assert_eq!(log[1].body.as_deref(), Some(r#"{"displayName":"Logged"}"#));
    assert_eq!(log[2].body, None);
}

#[tokio::test]
async fn the_generic_scim_profile_writes_groups_too() {
    let sim = start(config(4).profile(scimdrift_sim::Profile::Scim)).await;
    let (status, group) = send(
        &sim,
        reqwest::Method::POST,
        "/Groups",
        &json!({"displayName": "Generic", "members": [{"value": "u002"}]}),
    )
    .await;
    assert_eq!(status, 201);
    let id = group["id"].as_str().unwrap().to_owned();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [remove("u002")],
    });
    let (status, group) = send(
        &sim,
        reqwest::Method::PATCH,
        &format!("/Groups/{id}"),
        &body,
    )
    .await;
    assert_eq!((status, members(&group)), (200, Vec::<String>::new()));
}
