//! Several API keys: a rate limiter per key, pages spread over the keys, a
//! 429 on one key slowing that key only, a rejected key named by position and
//! fingerprint (never by value). Read from the simulator's request log.

use std::time::Duration;

use scimdrift_fetch::{FetchError, Keys, NoProgress, PageSize, Token, fetch};
use scimdrift_proto::Provider;
use scimdrift_sim::{RateLimit, Simulator};

use crate::sim::{options, org, sim_config};

const KEYS: [&str; 3] = [
    "omni_org_key_one-a1F9",
    "omni_org_key_two-b2G8",
    "omni_org_key_three-c3H7",
];

fn keys(values: &[&str]) -> Keys {
    Keys::new(
        values
            .iter()
            .map(|v| Token::new(v, "test").unwrap())
            .collect(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_rejected_second_key_fails_naming_it_by_position_and_fingerprint() {
    // The server knows keys 1 and 3; key 2 was revoked.
    let sim = Simulator::start(sim_config(&org(20, 20, 3)).tokens([KEYS[0], KEYS[2]]))
        .await
        .unwrap();
    let o = options(&sim, Provider::Omni);
    let err = fetch(&o, &keys(&KEYS), &NoProgress).await.unwrap_err();
    let text = format!("{err} {err:?} {:?}", err.hint());
    for key in KEYS {
        assert!(!text.contains(key), "{text}");
    }
    let fingerprint = Token::new(KEYS[1], "t").unwrap().fingerprint();
    assert!(matches!(err, FetchError::Unauthorized { status: 401, .. }));
    assert!(
        err.to_string().starts_with(&format!(
            "the server rejected API key 2 of 3 (sha256 fingerprint {fingerprint}) (HTTP 401 from `"
        )),
        "{err}"
    );
    // Key 1 was used too (whether key 3 was, before key 2's 401 ended the
    // fetch, depends on timing); no known key is index 2.
    let used: std::collections::BTreeSet<_> =
        sim.requests().iter().filter_map(|r| r.token).collect();
    assert!(used.contains(&0), "{:?}", sim.requests());
    assert!(used.is_subset(&[0, 1].into_iter().collect()), "{used:?}");
}

#[tokio::test]
async fn a_429_storm_on_one_key_slows_that_key_only() {
    // Keys 1 and 3 are unlimited; key 2 is spent by someone else: one request
    // an hour, then 429s.
    let config = sim_config(&org(120, 120, 10))
        .tokens([KEYS[0]])
        .add_token_with_rate_limit(
            KEYS[1],
            Some(RateLimit {
                requests: 1,
                period: Duration::from_secs(3600),
            }),
        )
        .add_token_with_rate_limit(KEYS[2], None);
    let sim = Simulator::start(config).await.unwrap();
    let mut o = options(&sim, Provider::Omni);
    // 10 requests a second per key, pages of 10: ~30 requests.
    o.rate_limit_per_min = 600.0;
    o.page_size = PageSize::Fixed(10);
    let started = std::time::Instant::now();
    let snapshot = fetch(&o, &keys(&KEYS), &NoProgress).await.unwrap();
    let elapsed = started.elapsed();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    assert_eq!(snapshot.users.len(), 120);
    assert_eq!(snapshot.embed_users.len(), 120);

    let log = sim.requests();
    let limited: Vec<_> = log.iter().filter(|r| r.status == 429).collect();
    assert!(!limited.is_empty(), "key 2 was never refused");
    assert!(
        limited.iter().all(|r| r.token == Some(1)),
        "a 429 on another key: {limited:?}"
    );
    assert_eq!(snapshot.stats.rate_limited, limited.len() as u64);
    // Keys 1 and 3 kept their pace: about 100 ms apart (never closer than
    // their rate allows), and they carried nearly all the work.
    let ok = log.iter().filter(|r| r.status == 200).count();
    for key in [0, 2] {
        let at: Vec<_> = log
            .iter()
            .filter(|r| r.token == Some(key))
            .map(|r| r.received)
            .collect();
        assert!(
            at.len() * 10 >= ok * 4,
            "key {} sent {} of {ok}",
            key + 1,
            at.len()
        );
        // Arrival times jitter on a busy machine: judge the pace on the
        // average (never faster than the rate) and the median (not slowed).
        let span = at[at.len() - 1].saturating_sub(at[0]);
        let average = span / u32::try_from(at.len() - 1).unwrap();
        assert!(
            average >= Duration::from_millis(85),
            "key {} faster than its rate: {average:?} on average",
            key + 1
        );
        let mut gaps: Vec<_> = at.windows(2).map(|w| w[1].saturating_sub(w[0])).collect();
        gaps.sort_unstable();
        let median = gaps[gaps.len() / 2];
        assert!(
            median <= Duration::from_millis(160),
            "key {} slowed down: median gap {median:?} ({gaps:?})",
            key + 1
        );
    }
    // Two keys at 10/s: the bound is half the request count in tenths of a
    // second; a global pause-and-slow-down would take far longer.
    let bound = Duration::from_millis(100) * u32::try_from(ok / 2).unwrap();
    assert!(
        elapsed < bound.mul_f64(1.5) + Duration::from_secs(1),
        "{elapsed:?} for {ok} requests (bound {bound:?})"
    );
}

#[tokio::test]
async fn pages_spread_over_every_key() {
    let config = sim_config(&org(200, 200, 10)).tokens(KEYS);
    let sim = Simulator::start(config).await.unwrap();
    let mut o = options(&sim, Provider::Omni);
    o.rate_limit_per_min = 6000.0;
    o.page_size = PageSize::Fixed(10);
    let snapshot = fetch(&o, &keys(&KEYS), &NoProgress).await.unwrap();
    assert!(snapshot.complete, "{:?}", snapshot.incomplete_reasons);
    let log = sim.requests();
    let mut per_key = [0usize; 3];
    for r in &log {
        per_key[r.token.unwrap()] += 1;
    }
    let total = log.len();
    for (key, n) in per_key.iter().enumerate() {
        assert!(
            n * 4 >= total,
            "key {} carried {n} of {total}: {per_key:?}",
            key + 1
        );
    }
}
