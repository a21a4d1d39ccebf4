//! Several API tokens, each with a rate limit of its own (Omni limits per key).

use crate::common::*;
use scimdrift_sim::{RateLimit, SimConfig};

const OTHER: &str = "other-token";
const THIRD: &str = "third-token";

async fn status(base: &str, token: &str) -> u16 {
    get_with(base, "/users", Some(token)).await.0
}

fn two_tokens(limit: u32) -> SimConfig {
    config(3)
        .tokens([TOKEN, OTHER])
        .rate_limit(Some(RateLimit::per_minute(limit)))
}

#[tokio::test]
async fn each_token_has_its_own_budget() {
    let sim = start(two_tokens(2)).await;
    let base = sim.scim_base_url();
    assert_eq!(status(&base, TOKEN).await, 200);
    assert_eq!(status(&base, TOKEN).await, 200);
    assert_eq!(status(&base, TOKEN).await, 429, "the first token is spent");
    assert_eq!(status(&base, OTHER).await, 200, "the second is not");
    assert_eq!(status(&base, OTHER).await, 200);
    assert_eq!(status(&base, OTHER).await, 429);
    let log = sim.requests();
    assert_eq!(
        log.iter().map(|r| (r.token, r.status)).collect::<Vec<_>>(),
        [
            (Some(0), 200),
            (Some(0), 200),
            (Some(0), 429),
            (Some(1), 200),
            (Some(1), 200),
            (Some(1), 429),
        ]
    );
}

#[tokio::test]
async fn a_token_may_have_a_budget_of_its_own() {
    let sim =
        start(two_tokens(100).add_token_with_rate_limit(THIRD, Some(RateLimit::per_minute(1))))
            .await;
    let base = sim.scim_base_url();
    assert_eq!(status(&base, THIRD).await, 200);
    assert_eq!(status(&base, THIRD).await, 429, "one request a minute");
    for _ in 0..5 {
        assert_eq!(status(&base, TOKEN).await, 200);
        assert_eq!(status(&base, OTHER).await, 200);
    }
    let unlimited = config(3)
        .rate_limit(Some(RateLimit::per_minute(1)))
        .add_token_with_rate_limit(OTHER, None);
    let sim = start(unlimited).await;
    let base = sim.scim_base_url();
    for _ in 0..5 {
        assert_eq!(status(&base, OTHER).await, 200);
    }
    assert_eq!(status(&base, TOKEN).await, 200);
    assert_eq!(status(&base, TOKEN).await, 429);
}

#[tokio::test]
async fn unknown_tokens_are_401_and_named_by_none() {
    let sim = start(two_tokens(1)).await;
    let base = sim.scim_base_url();
    assert_eq!(status(&base, THIRD).await, 401);
    assert_eq!(get_with(&base, "/users", None).await.0, 401);
    // Rejected requests spend no budget.
    assert_eq!(status(&base, OTHER).await, 200);
    let log = sim.requests();
    assert_eq!(
        log.iter().map(|r| r.token).collect::<Vec<_>>(),
        [None, None, Some(1)]
    );
    // `token` replaces every token set before; an empty list rejects all.
    let sim = start(two_tokens(1).token(THIRD)).await;
    assert_eq!(status(&sim.scim_base_url(), TOKEN).await, 401);
    assert_eq!(status(&sim.scim_base_url(), THIRD).await, 200);
    let sim = start(config(3).tokens(Vec::<String>::new())).await;
    assert_eq!(status(&sim.scim_base_url(), TOKEN).await, 401);
}

#[tokio::test]
async fn the_binary_takes_several_tokens_with_a_budget_each() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.json");
    std::fs::write(&path, serde_json::to_string(&org(3)).unwrap()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scimdrift-sim"))
        .args(["--org", path.to_str().unwrap()])
        .args(["--token", TOKEN, "--token", OTHER, "--rate-limit", "1/min"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = format!(
        "{}/api/scim/v2",
        line.trim_end().trim_start_matches("listening on ")
    );
    let got = [
        status(&base, TOKEN).await,
        status(&base, TOKEN).await,
        status(&base, OTHER).await,
        status(&base, OTHER).await,
        status(&base, THIRD).await,
    ];
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(got, [200, 429, 200, 429, 401]);
}
