//! Lying and hostile server modes (for the fetch crate's hardening tests).

use crate::common::*;
use scimdrift_sim::{FaultKind, FaultSpec, SimConfig};

fn hostile(spec: &str) -> SimConfig {
    config(10).faults(spec.parse::<FaultSpec>().expect("a valid fault spec"))
}

#[tokio::test]
async fn html_page_with_status_200() {
    let sim = start(hostile("html200=1")).await;
    let resp = client()
        .get(format!("{}/users", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(resp.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    assert_eq!(sim.requests()[0].fault, Some(FaultKind::Html200));
}

#[tokio::test]
async fn json_of_the_wrong_shape() {
    let sim = start(hostile("wrong-shape=1")).await;
    let page = get_json(&sim.scim_base_url(), "/users").await;
    assert!(page["Resources"].is_object());
    assert!(page["totalResults"].is_string());
}

#[tokio::test]
async fn an_endless_body_keeps_coming() {
    let sim = start(hostile("endless=1,slow-chunk-ms=1")).await;
    let mut resp = client()
        .get(format!("{}/users", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut chunks = 0;
    while chunks < 20 {
        let chunk = resp.chunk().await.unwrap();
        assert!(chunk.is_some(), "the body ended after {chunks} chunks");
        chunks += 1;
    }
    drop(resp);
}

#[tokio::test]
async fn redirect_to_another_origin() {
    let sim = start(hostile("redirect=1")).await;
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_follow
        .get(format!("{}/users?count=2", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers()["location"],
        format!(
            "http://localhost:{}/api/scim/v2/users?count=2",
            sim.addr().port()
        )
        .as_str()
    );
    // reqwest drops the token on a cross-origin redirect; the log shows
    // which origin each request was sent to and whether it carried a token.
    sim.clear_requests();
    let status = client()
        .get(format!("{}/users", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .status();
    let log = sim.requests();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].fault, Some(FaultKind::Redirect));
    assert!(log[0].authorization);
    assert_eq!(
        log[1].host.as_deref(),
        Some(format!("localhost:{}", sim.addr().port()).as_str())
    );
    assert!(!log[1].authorization, "the token did not follow");
    assert_eq!((status.as_u16(), log[1].status), (401, 401));
}

#[tokio::test]
async fn gzip_bomb_inflates_far_beyond_its_size() {
    let sim = start(hostile("gzip-bomb=1,bomb-mib=4")).await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let resp = raw
        .get(format!("{}/users", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let wire = resp.bytes().await.unwrap().len();
    assert!(wire < 64 * 1024, "{wire} bytes on the wire");
    // A client that inflates gets 4 MiB of zeros, then a CRC error.
    let mut resp = client()
        .get(format!("{}/users", sim.scim_base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let mut inflated = 0usize;
    let mut failed = false;
    for _ in 0..100_000 {
        match resp.chunk().await {
            Ok(Some(c)) => {
                assert!(c.iter().all(|&b| b == 0));
                inflated += c.len();
            }
            Ok(None) => break,
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert_eq!(inflated, 4 << 20);
    assert!(failed, "the trailer does not check out");
}

#[tokio::test]
async fn list_pages_that_lie_about_their_numbers() {
    let sim = start(hostile("total-results=+5,items-per-page=-1,start-index=+3")).await;
    let page = get_json(&sim.scim_base_url(), "/users?startIndex=2&count=3").await;
    assert_eq!(page["totalResults"], 15);
    assert_eq!(page["itemsPerPage"], 2);
    assert_eq!(page["startIndex"], 5);
    assert_eq!(ids(&page).len(), 3);
    assert_eq!(sim.requests()[0].fault, Some(FaultKind::Lie));
    let sim = start(hostile("total-results=-4")).await;
    let page = get_json(&sim.scim_base_url(), "/users").await;
    assert_eq!(
        (page["totalResults"].as_i64(), ids(&page).len()),
        (Some(6), 10)
    );
}

#[tokio::test]
async fn a_total_that_drifts_after_the_first_page_and_short_middle_pages() {
    let sim = start(hostile("total-drift=-4,short-pages=1")).await;
    let base = sim.scim_base_url();
    let total = |page: &serde_json::Value| page["totalResults"].as_i64();
    // The first users page tells the truth; every later one drifts.
    let first = get_json(&base, "/users?count=3").await;
    assert_eq!((total(&first), ids(&first).len()), (Some(10), 3));
    // The first page in the middle of the list loses its last resource
    // (and says so in itemsPerPage); the next one is whole.
    let middle = get_json(&base, "/users?startIndex=4&count=3").await;
    assert_eq!((total(&middle), ids(&middle).len()), (Some(6), 2));
    assert_eq!(middle["itemsPerPage"], 2);
    let again = get_json(&base, "/users?startIndex=4&count=3").await;
    assert_eq!(ids(&again).len(), 3);
    // The page reaching the end is never cut.
    let last = get_json(&base, "/users?startIndex=8&count=3").await;
    assert_eq!(ids(&last).len(), 3);
    // Each kind drifts after its own first page.
    let groups = get_json(&base, "/groups").await;
    assert_eq!(
        total(&groups),
        Some(sim.with_store(|s| s.to_snapshot()).groups.len() as i64)
    );
}

#[tokio::test]
async fn overfull_pages_and_duplicate_ids() {
    let sim = start(hostile("overfull=2,duplicate-ids=on")).await;
    let page = get_json(&sim.scim_base_url(), "/users?count=3").await;
    let got = ids(&page);
    assert_eq!(got.len(), 6, "3 asked, 2 extra, 1 repeated");
    assert_eq!(got.first(), got.last());
}

#[tokio::test]
async fn ids_reused_across_types_and_dangling_members() {
    let sim = start(hostile("cross-type-ids=on,dangling-members=on")).await;
    let base = sim.scim_base_url();
    let first_user = ids(&get_json(&base, "/users").await)[0].clone();
    let groups = get_json(&base, "/groups").await;
    assert_eq!(ids(&groups)[0], first_user);
    assert_eq!(ids(&get_json(&base, "/embed/users").await)[0], first_user);
    for g in groups["Resources"].as_array().unwrap() {
        let members = g["members"].as_array().unwrap();
        assert!(
            members
                .iter()
                .any(|m| m["value"].as_str().unwrap().starts_with("sim-dangling-"))
        );
    }
}
