//! Request economy of a targeted refresh against a full fetch, counted in
//! the simulator's request log: a PR changing three exact group declarations
//! costs three filtered group reads plus the members the snapshot does not
//! know (one request for a user, two for an embed user: `/users/{id}` is
//! asked first), against the full fetch's page count at the same page size.
//! `BENCHMARKS.md` (`## Fetch`) has the same counts measured on the L
//! workload (`cargo xtask bench-refresh`), and they must agree with these
//! formulas.

use scimdrift_fetch::{GroupSelection, NoProgress, PageSize, fetch, refresh};
use scimdrift_proto::{Provider, Resource};
use scimdrift_sim::{Kind, Simulator};
use serde_json::json;

use crate::sim::{options, org, sim_config, token};

/// Requests of a full fetch at page size `page`: every page, plus one
/// end-of-list confirmation for each kind whose last page is full.
pub fn full_fetch_requests(counts: &[usize], page: usize) -> usize {
    counts
        .iter()
        .map(|&n| n.div_ceil(page).max(1) + usize::from(n > 0 && n % page == 0))
        .sum()
}

/// Requests of a refresh of `groups` named groups with `users` and `embed`
/// members the snapshot does not know.
pub fn refresh_requests(groups: usize, users: usize, embed: usize) -> usize {
    groups + users + 2 * embed
}

#[tokio::test]
async fn a_refresh_of_three_groups_costs_three_requests_plus_unknown_members() {
    let (n_users, n_embed, n_groups) = (1000, 3000, 50);
    let sim = Simulator::start(sim_config(&org(n_users, n_embed, n_groups)).max_page_size(100))
        .await
        .unwrap();
    let mut o = options(&sim, Provider::Omni);
    o.page_size = PageSize::Fixed(100);
    let snapshot = fetch(&o, &token(), &NoProgress).await.unwrap();
    assert!(snapshot.complete);
    let full = sim.requests().len();
    assert_eq!(
        full,
        full_fetch_requests(&[n_groups, n_users, n_embed], 100)
    );
    assert_eq!(full, 43);

    // Live, after the snapshot: a new user joins group 1, a new embed user
    // joins group 2, someone leaves group 3.
    let name = |g: usize| format!("Group {g} – équipe");
    sim.mutate(|store| {
        let mut add = |g: usize, kind: Kind, id: &str, extra: serde_json::Value| {
            let mut resource = json!({"id": id, "userName": format!("{id}@example.com")});
            resource
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            store.push(kind, Resource::from_value(&resource).unwrap());
            let mut group = store
                .get(Kind::Groups, &format!("g{g:04}"))
                .unwrap()
                .to_value();
            group["members"]
                .as_array_mut()
                .unwrap()
                .push(json!({"value": id}));
            assert!(store.replace(Kind::Groups, Resource::from_value(&group).unwrap()));
        };
        add(1, Kind::Users, "u-new", json!({}));
        add(
            2,
            Kind::EmbedUsers,
            "e-new",
            json!({"embedExternalId": "Ext-new"}),
        );
        let mut group = store.get(Kind::Groups, "g0003").unwrap().to_value();
        group["members"].as_array_mut().unwrap().pop();
        assert!(store.replace(Kind::Groups, Resource::from_value(&group).unwrap()));
    });
    sim.clear_requests();
    let selection = GroupSelection::Named([name(1), name(2), name(3)].into_iter().collect());
    let refreshed = refresh(&o, &token(), &selection, &snapshot, &NoProgress)
        .await
        .unwrap();
    assert!(refreshed.complete(), "{:?}", refreshed.incomplete_reasons);
    assert_eq!(refreshed.groups.len(), 3);
    assert_eq!(refreshed.users.len(), 1);
    assert_eq!(refreshed.embed_users.len(), 1);
    let log = sim.requests();
    assert!(log.iter().all(|r| r.method == "GET"));
    assert_eq!(log.len(), refresh_requests(3, 1, 1), "{log:?}");
    assert_eq!(log.len(), 6);
    // At most 3 + (unknown members) × 2, against 43 for the full fetch.
    assert!(log.len() <= 3 + 2 * 2 && log.len() * 7 < full);

    // Laid over the snapshot, it equals the live org's groups and identities.
    let mut merged = snapshot.clone();
    refreshed.overlay(&mut merged);
    let truth = sim.with_store(scimdrift_sim::Store::to_snapshot);
    assert_eq!(merged.groups, truth.groups);
    assert_eq!(merged.users, truth.users);
    assert_eq!(merged.embed_users, truth.embed_users);
}

/// The request count in the row of BENCHMARKS.md's measured refresh table
/// that starts with `row`.
fn measured_requests(row: &str) -> usize {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let heading = "### Targeted refresh: request economy on L (measured)";
    let section = text
        .split_once(heading)
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .unwrap_or_else(|| panic!("BENCHMARKS.md has no `{heading}`"));
    let line = section
        .lines()
        .find(|l| l.starts_with(&format!("| {row}")))
        .unwrap_or_else(|| panic!("no row `{row}` under `{heading}`"));
    line.split('|')
        .nth(2)
        .and_then(|cell| cell.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in {line:?}"))
}

#[test]
fn the_l_workload_figures_in_benchmarks_md() {
    // L: 5000 groups, 50000 users, 1000000 embed users, pages of 100,
    // measured in the simulator's request log by `cargo xtask bench-refresh`.
    let full = full_fetch_requests(&[5000, 50_000, 1_000_000], 100);
    assert_eq!(full, 10_553);
    // At 50 requests a minute: 211.1 minutes (3 h 31 min), in whole minutes 212.
    assert_eq!(full.div_ceil(50), 212);
    assert_eq!(measured_requests("full fetch"), full);
    // Three changed declarations; then 2 new users and 1 new embed user.
    assert_eq!(
        measured_requests("`check --base"),
        refresh_requests(3, 0, 0)
    );
    assert_eq!(
        measured_requests("the same, after"),
        refresh_requests(3, 2, 1)
    );
    assert_eq!(refresh_requests(3, 2, 1), 7);
    // Every group: the group pages, and each dangling member (one in every
    // 50th group of a generated org) asked for as a user and an embed user.
    assert_eq!(
        measured_requests("`check --snapshot"),
        full_fetch_requests(&[5000], 100) + refresh_requests(0, 0, 5000 / 50)
    );
    // The full live check after the new members joined: the same page count.
    assert_eq!(
        measured_requests("full live PR check"),
        full_fetch_requests(&[5000, 50_002, 1_000_001], 100)
    );
}
