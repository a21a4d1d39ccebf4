//! The fetch client against the simulator: round trips, the fault matrix and
//! request economy, all read from the simulator's own request log.

use std::time::Duration;

use scimdrift_fetch::{FetchOptions, NoProgress, PageSize, PathCase, Token, fetch};
use scimdrift_proto::{Provider, Resource, Snapshot};
use scimdrift_sim::{FaultSpec, Mutation, Profile, RateLimit, SimConfig, Simulator};
use serde_json::json;
use url::Url;

pub const SIM_TOKEN: &str = "fetch-test-token-7c1e";

fn created(i: usize) -> String {
    format!(
        "2024-01-{:02}T{:02}:{:02}:00Z",
        1 + i / 1440,
        (i / 60) % 24,
        i % 60
    )
}

/// An org with ids deliberately out of creation order, non-ASCII names,
/// extension attributes and memberships from both sides.
pub fn org(users: usize, embed_users: usize, groups: usize) -> Snapshot {
    let mut s = Snapshot::new(Default::default());
    for i in 0..users {
        s.users.push(
            Resource::from_value(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": format!("{:08x}-0000-4000-8000-{:012x}", (users - i) * 7919, i),
                "userName": format!("user{i}@example.com"),
                "displayName": if i % 3 == 0 { format!("Zoë Ångström {i}") } else { format!("User {i}") },
                "active": i % 11 != 5,
                "emails": [{"primary": true, "value": format!("user{i}@example.com")}],
                "groups": [{"display": format!("Group {}", i % groups.max(1)), "value": format!("g{:04}", i % groups.max(1))}],
                "urn:omni:params:1.0:UserAttribute": {"region": (["eu", "us"][i % 2]), "level": i % 5, "flag": null},
                "meta": {"created": created(i), "lastModified": created(i), "resourceType": "User"},
            }))
            .unwrap(),
        );
    }
    for i in 0..embed_users {
        s.embed_users.push(
            Resource::from_value(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": format!("e{:07}", (embed_users - i) * 31 % 10_000_000),
                "userName": format!("embed-{i}@embed.invalid"),
                "embedExternalId": format!("Ext-{i}"),
                "embedEntity": (["acme", "globex", "initech"][i % 3]),
                "embedEmail": if i % 4 == 0 { serde_json::Value::Null } else { json!(format!("p{i}@acme.com")) },
                "active": true,
                "meta": {"created": created(i), "resourceType": "User"},
            }))
            .unwrap(),
        );
    }
    for g in 0..groups {
        let members: Vec<_> = (0..users)
            .filter(|i| i % groups.max(1) == g)
            .map(|i| json!({"display": format!("user{i}@example.com"), "value": format!("{:08x}-0000-4000-8000-{:012x}", (users - i) * 7919, i)}))
            .collect();
        s.groups.push(
            Resource::from_value(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": format!("g{:04}", g),
                "displayName": format!("Group {g} – équipe"),
                "members": members,
                "meta": {"created": created(groups - g), "resourceType": "Group"},
            }))
            .unwrap(),
        );
    }
    s.sort();
    s
}

pub fn sim_config(org: &Snapshot) -> SimConfig {
    SimConfig::new(org.clone())
        .token(SIM_TOKEN)
        .rate_limit(None)
}

pub fn token() -> Token {
    Token::new(SIM_TOKEN, "test").unwrap()
}

/// Fast client options against a simulator.
pub fn options(sim: &Simulator, provider: Provider) -> FetchOptions {
    let mut o = FetchOptions::new(Url::parse(&sim.base_url()).unwrap(), provider);
    o.rate_limit_per_min = 600_000.0;
    o.backoff_base = Duration::from_millis(1);
    o.backoff_max = Duration::from_millis(20);
    o.request_timeout = Duration::from_secs(5);
    o.jitter_seed = Some(3);
    o
}

/// The simulator's current state, the truth a complete fetch must equal.
fn truth(sim: &Simulator) -> Snapshot {
    sim.with_store(|s| s.to_snapshot())
}

#[track_caller]
fn assert_same_resources(got: &Snapshot, want: &Snapshot) {
    for (name, g, w) in [
        ("groups", &got.groups, &want.groups),
        ("users", &got.users, &want.users),
        ("embed_users", &got.embed_users, &want.embed_users),
    ] {
        assert_eq!(g.len(), w.len(), "{name}: count");
        for (a, b) in g.iter().zip(w) {
            assert_eq!(a, b, "{name}: resource differs");
            // Byte-exact as served, too.
            assert_eq!(a.json(), b.json(), "{name}: raw text differs");
        }
    }
}

#[tokio::test]
async fn round_trip_small_org_every_dialect() {
    let org = org(230, 170, 12);
    for (profile, provider, case) in [
        (Profile::Omni, Provider::Omni, PathCase::Lower),
        (Profile::Omni, Provider::Omni, PathCase::Capitalized),
        (Profile::Scim, Provider::Scim, PathCase::Lower),
    ] {
        let sim = Simulator::start(sim_config(&org).profile(profile).max_page_size(50))
            .await
            .unwrap();
        let mut o = options(&sim, provider);
        o.path_case = case;
        let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
        assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
        assert_same_resources(&snapshot, &truth(&sim));
        if provider == Provider::Omni {
            assert_same_resources(&snapshot, &org);
        } else {
            assert!(snapshot.embed_users.is_empty());
        }
        assert_eq!(snapshot.source.provider, provider);
        assert_eq!(snapshot.source.base_url.as_deref(), Some(&*sim.base_url()));
    }
}

#[tokio::test]
async fn request_economy_is_the_minimum_page_count() {
    let org = org(250, 1001, 7);
    for (max_page, page_size) in [
        (100usize, PageSize::Auto),
        (100, PageSize::Fixed(100)),
        (1000, PageSize::Auto),
        (5000, PageSize::Auto),
    ] {
        let sim = Simulator::start(sim_config(&org).max_page_size(max_page))
            .await
            .unwrap();
        let mut o = options(&sim, Provider::Omni);
        o.page_size = page_size;
        let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
        assert!(snapshot.complete);
        let log = sim.requests();
        let count = |suffix: &str| log.iter().filter(|r| r.path.ends_with(suffix)).count();
        let pages = |n: usize| n.div_ceil(max_page).max(1);
        let case = format!("max page {max_page}, {page_size:?}");
        assert_eq!(count("/groups"), pages(7), "{case}");
        assert_eq!(count("/scim/v2/users"), pages(250), "{case}");
        assert_eq!(count("/embed/users"), pages(1001), "{case}");
        assert_eq!(log.len() as u64, snapshot.stats.requests, "{case}");
        assert_eq!(snapshot.stats.retries, 0);
        assert!(log.iter().all(|r| r.method == "GET" && r.status == 200));
        // Every last page came back short: no end-of-list confirmation.
        assert!(
            log.iter()
                .all(|r| !r.query.as_deref().unwrap_or("").ends_with("&count=1")),
            "{case}"
        );
    }
}

#[tokio::test]
async fn confirming_the_end_costs_at_most_one_request_per_kind() {
    // Lists that are exact multiples of the page size: the last page is full
    // exactly at the total, which proves nothing, so each such kind costs one
    // more request at `total + 1` (and only those kinds).
    let org = org(200, 300, 7);
    for (page_size, extra_users, extra_embed, extra_groups) in
        [(PageSize::Fixed(100), 1, 1, 0), (PageSize::Auto, 1, 1, 0)]
    {
        // (extra_* = confirmation requests per kind.)
        let sim = Simulator::start(sim_config(&org).max_page_size(100))
            .await
            .unwrap();
        let mut o = options(&sim, Provider::Omni);
        o.page_size = page_size;
        let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
        assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
        assert_same_resources(&snapshot, &truth(&sim));
        let log = sim.requests();
        let count = |suffix: &str| log.iter().filter(|r| r.path.ends_with(suffix)).count();
        let case = format!("{page_size:?}");
        assert_eq!(count("/groups"), 1 + extra_groups, "{case}");
        assert_eq!(count("/scim/v2/users"), 2 + extra_users, "{case}");
        assert_eq!(count("/embed/users"), 3 + extra_embed, "{case}");
        let mut confirmations: Vec<_> = log
            .iter()
            .filter(|r| r.query.as_deref().unwrap_or("").ends_with("&count=1"))
            .map(|r| format!("{} {}", r.path, r.query.as_deref().unwrap_or("")))
            .collect();
        confirmations.sort();
        assert_eq!(
            confirmations,
            [
                "/api/scim/v2/embed/users startIndex=301&count=1",
                "/api/scim/v2/users startIndex=201&count=1"
            ],
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_total_lowered_from_the_second_page_on_is_never_a_clean_snapshot() {
    // The issue's case, as a new user would meet it: a proxy lowers
    // `totalResults` by 10 from the second users page on; the data itself is
    // unchanged (260 users, pages of 50). The re-read sees a consistent 250 on
    // every page, and the last page full exactly at 250: the read past it
    // finds the ten users the total hides.
    let org = org(260, 0, 5);
    let sim = Simulator::start(
        sim_config(&org)
            .max_page_size(50)
            .faults(spec(|s| s.total_drift = -10)),
    )
    .await
    .unwrap();
    let o = options(&sim, Provider::Omni);
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(
        !snapshot.complete,
        "a complete snapshot of {} users",
        snapshot.users.len()
    );
    insta::assert_snapshot!(snapshot.incomplete_reasons.join("\n"), @r"
    users: the page at startIndex 251 held 1 resource(s) past totalResults 250
    users: still inconsistent after 2 re-read(s)
    ");
}

#[tokio::test]
async fn matching_the_servers_rate_means_no_429s() {
    // A bucket of 10 refilled at 5 per second (300/min): a client faster
    // than the rate empties it and is refused; an evenly spaced client at the
    // rate never is (the 10 spare tokens absorb scheduling delays of up to
    // 2 s on a loaded machine).
    let org = org(60, 60, 3);
    let limit = RateLimit {
        requests: 10,
        period: Duration::from_millis(2000),
    };
    let sim = Simulator::start(sim_config(&org).rate_limit(Some(limit)).max_page_size(5))
        .await
        .unwrap();
    let mut o = options(&sim, Provider::Omni);
    o.rate_limit_per_min = 300.0;
    o.concurrency = 8;
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(snapshot.complete);
    // 12 + 12 + 1 pages, and one read past the end of each list whose last
    // page is full exactly at its total (60 = 12 × 5).
    assert_eq!(snapshot.stats.requests, 27);
    assert_eq!(snapshot.stats.rate_limited, 0);
    assert!(sim.requests().iter().all(|r| r.status == 200));

    // The same fetch at three times the rate does run into the limit, and
    // still ends complete: 429s are paused on, the rate adapts down.
    let sim = Simulator::start(sim_config(&org).rate_limit(Some(limit)).max_page_size(5))
        .await
        .unwrap();
    let mut o = options(&sim, Provider::Omni);
    o.rate_limit_per_min = 900.0;
    o.concurrency = 8;
    o.backoff_base = Duration::from_millis(50);
    o.max_retries = 10;
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert!(snapshot.stats.rate_limited > 0);
    assert_eq!(
        sim.requests().iter().filter(|r| r.status == 429).count() as u64,
        snapshot.stats.rate_limited
    );
    assert_same_resources(&snapshot, &truth(&sim));
}

/// One row of the fault matrix.
struct Case {
    name: &'static str,
    faults: FaultSpec,
    /// Whether this case must end complete (true) or incomplete (false);
    /// `None` when either is acceptable (combined faults).
    expect_complete: Option<bool>,
}

fn spec(f: impl FnOnce(&mut FaultSpec)) -> FaultSpec {
    let mut s = FaultSpec {
        slow_chunk_delay: Duration::from_millis(5),
        slow_chunks: 4,
        ..FaultSpec::default()
    };
    f(&mut s);
    s
}

fn matrix() -> Vec<Case> {
    let mut cases = Vec::new();
    // Each status/body fault alone: at 25% retries absorb it; at 100% they
    // cannot, and the snapshot must say so.
    type Set = fn(&mut FaultSpec, f64);
    let singles: [(&str, &str, Set); 7] = [
        ("500", "500 always", |s, x| s.status_500 = x),
        ("502", "502 always", |s, x| s.status_502 = x),
        ("503", "503 always", |s, x| s.status_503 = x),
        ("reset", "reset always", |s, x| s.reset = x),
        ("truncate", "truncate always", |s, x| s.truncate = x),
        ("malformed", "malformed always", |s, x| s.malformed = x),
        ("slow", "slow always", |s, x| s.slow = x),
    ];
    for (some, always, set) in singles {
        cases.push(Case {
            name: some,
            faults: spec(|s| set(s, 0.25)),
            // A 500 is retried once only: two in a row for one request (one
            // chance in 16) give up on it, as Omni advises.
            expect_complete: if some == "500" { None } else { Some(true) },
        });
        cases.push(Case {
            name: always,
            faults: spec(|s| set(s, 1.0)),
            expect_complete: Some(match always {
                // A slow body within the timeout is still a good answer.
                "slow always" => true,
                _ => false,
            }),
        });
    }
    cases.push(Case {
        name: "jitter",
        faults: spec(|s| s.jitter = Duration::from_millis(20)),
        expect_complete: Some(true),
    });
    cases.push(Case {
        name: "storm",
        faults: spec(|s| {
            s.storm = 0.1;
            s.storm_len = 3;
        }),
        expect_complete: Some(true),
    });
    cases.push(Case {
        name: "storm always",
        faults: spec(|s| {
            s.storm = 1.0;
            s.storm_len = 1000;
        }),
        expect_complete: Some(false),
    });
    for (name, mutation, times, complete) in [
        ("insert once", Mutation::InsertFront(3), 1, true),
        ("delete once", Mutation::DeleteFront(2), 1, true),
        ("insert every scan", Mutation::InsertFront(1), 1000, false),
        ("delete every scan", Mutation::DeleteFront(1), 1000, false),
    ] {
        cases.push(Case {
            name,
            faults: spec(|s| {
                s.mutation = mutation;
                s.mutation_times = times;
            }),
            expect_complete: Some(complete),
        });
    }
    // A total that cannot lie, and its family: every lie either fails to
    // reconcile (incomplete with the reason) or is seen through.
    for (name, faults, complete) in [
        (
            "total lowered from the second page",
            spec(|s| s.total_drift = -10),
            false,
        ),
        (
            "total raised from the second page",
            spec(|s| s.total_drift = 10),
            false,
        ),
        (
            "total lowered on every page",
            spec(|s| s.total_offset = -10),
            false,
        ),
        (
            "total raised on every page",
            spec(|s| s.total_offset = 10),
            false,
        ),
        (
            "itemsPerPage too high",
            spec(|s| s.items_per_page_offset = 3),
            true,
        ),
        (
            "itemsPerPage too low",
            spec(|s| s.items_per_page_offset = -1),
            true,
        ),
        (
            "one short page in the middle",
            spec(|s| s.short_pages = 1),
            true,
        ),
        (
            "short pages in the middle always",
            spec(|s| s.short_pages = 1000),
            false,
        ),
    ] {
        cases.push(Case {
            name,
            faults,
            expect_complete: Some(complete),
        });
    }
    cases.push(Case {
        name: "everything at once, mildly",
        faults: spec(|s| {
            s.status_500 = 0.03;
            s.status_502 = 0.03;
            s.status_503 = 0.03;
            s.reset = 0.03;
            s.truncate = 0.03;
            s.malformed = 0.03;
            s.slow = 0.03;
            s.jitter = Duration::from_millis(3);
            s.storm = 0.03;
            s.storm_len = 2;
            s.mutation = Mutation::InsertFront(2);
            s.mutation_times = 2;
        }),
        expect_complete: None,
    });
    cases.push(Case {
        name: "everything at once, hard",
        faults: spec(|s| {
            s.status_503 = 0.2;
            s.reset = 0.2;
            s.truncate = 0.2;
            s.malformed = 0.2;
            s.slow = 0.2;
            s.storm = 0.2;
            s.storm_len = 4;
            s.mutation = Mutation::DeleteFront(1);
            s.mutation_times = 1000;
        }),
        expect_complete: None,
    });
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix_is_identical_to_truth_or_incomplete_with_reasons() {
    let org = org(90, 120, 9);
    let mut outcomes = (0, 0);
    for case in matrix() {
        for seed in [1u64, 2] {
            let sim = Simulator::start(
                sim_config(&org)
                    .max_page_size(20)
                    .faults(case.faults.clone())
                    .seed(seed),
            )
            .await
            .unwrap();
            let mut o = options(&sim, Provider::Omni);
            o.max_retries = 6;
            let label = format!("{} (seed {seed})", case.name);
            let snapshot = fetch(&o, &token(), &NoProgress)
                .await
                .unwrap_or_else(|e| panic!("{label}: fatal error {e}"));
            if snapshot.complete {
                // Outcome 1: identical to the truth, with no reason given.
                assert!(snapshot.incomplete_reasons.is_empty(), "{label}");
                assert_same_resources(&snapshot, &truth(&sim));
                outcomes.0 += 1;
            } else {
                // Outcome 2: incomplete, and it says why for the kind(s) at fault.
                assert!(!snapshot.incomplete_reasons.is_empty(), "{label}");
                assert!(
                    snapshot
                        .incomplete_reasons
                        .iter()
                        .all(|r| r.starts_with("groups: ")
                            || r.starts_with("users: ")
                            || r.starts_with("embed users: ")),
                    "{label}: {:?}",
                    snapshot.incomplete_reasons
                );
                outcomes.1 += 1;
            }
            if let Some(want) = case.expect_complete {
                assert_eq!(
                    snapshot.complete, want,
                    "{label}: {:?}",
                    snapshot.incomplete_reasons
                );
            }
        }
    }
    // Both outcomes are exercised.
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

#[tokio::test]
async fn incompleteness_reasons_name_the_fault() {
    let org = org(30, 30, 3);
    for (faults, want) in [
        (spec(|s| s.status_503 = 1.0), "(last: HTTP 503)"),
        (spec(|s| s.status_500 = 1.0), "answered HTTP 500 twice"),
        (
            spec(|s| s.malformed = 1.0),
            "(last: the body is not a SCIM list response",
        ),
        (
            spec(|s| s.truncate = 1.0),
            "(last: the body is not a SCIM list response",
        ),
        (spec(|s| s.reset = 1.0), "(last: the connection broke"),
        (
            spec(|s| {
                s.storm = 1.0;
                s.storm_len = 1000;
            }),
            "(last: HTTP 429 (rate limited))",
        ),
        (
            spec(|s| {
                s.mutation = Mutation::InsertFront(1);
                s.mutation_times = 1000;
            }),
            "still inconsistent after 2 re-read(s)",
        ),
    ] {
        let sim = Simulator::start(sim_config(&org).max_page_size(10).faults(faults))
            .await
            .unwrap();
        let mut o = options(&sim, Provider::Omni);
        o.max_retries = 2;
        let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
        assert!(!snapshot.complete);
        assert!(
            snapshot.incomplete_reasons.iter().any(|r| r.contains(want)),
            "want {want:?} in {:?}",
            snapshot.incomplete_reasons
        );
    }
}

#[tokio::test]
async fn slow_bodies_past_the_timeout_are_incomplete() {
    let org = org(20, 0, 1);
    let sim = Simulator::start(sim_config(&org).faults(spec(|s| {
        s.slow = 1.0;
        s.slow_chunks = 4;
        s.slow_chunk_delay = Duration::from_millis(400);
    })))
    .await
    .unwrap();
    let mut o = options(&sim, Provider::Omni);
    o.request_timeout = Duration::from_millis(300);
    o.max_retries = 1;
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(!snapshot.complete);
    assert!(
        snapshot
            .incomplete_reasons
            .iter()
            .any(|r| r.contains("timed out")),
        "{:?}",
        snapshot.incomplete_reasons
    );
}

#[tokio::test]
async fn wrong_token_is_fatal_and_says_what_to_do() {
    let sim = Simulator::start(sim_config(&org(1, 1, 1))).await.unwrap();
    let o = options(&sim, Provider::Omni);
    let wrong = Token::new("personal-access-token-xyz", "test").unwrap();
    let err = fetch(&o, &wrong, &NoProgress).await.unwrap_err();
    let text = format!("{err} {err:?} {:?}", err.hint());
    assert!(!text.contains("personal-access-token-xyz"));
    assert!(text.contains("HTTP 401"));
    assert!(
        text.contains("SCIM needs an Organization API key; personal access tokens are rejected")
    );
}
