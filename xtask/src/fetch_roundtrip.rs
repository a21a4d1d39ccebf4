//! `cargo xtask fetch-roundtrip`: the release binaries end to end,
//! `scimdrift fetch` against `scimdrift-sim` serving a `gen-org` org over
//! loopback, and every resource checked byte for byte.

use crate::flags;
use crate::util::{self, sim};
use anyhow::{Result, ensure};
use scimdrift_proto::Snapshot;
use scimdrift_sim::orggen::OrgSpec;

pub fn run(opts: &flags::FetchRoundtrip) -> Result<()> {
    let spec = OrgSpec {
        users: opts.users,
        embed_users: opts.embed_users,
        groups: opts.groups,
        seed: 4,
    };
    let bins = sim::build(!opts.debug)?;
    let dir = util::target_dir().join("fetch-roundtrip");
    let org_path = dir.join("org.json");
    crate::gen_org::write(&spec, &org_path)?;
    let org: Snapshot = serde_json::from_slice(&std::fs::read(&org_path)?)?;
    const MAX_PAGE: usize = 1000;
    let server = sim::start(
        &bins,
        &org_path,
        &[
            "--rate-limit",
            "off",
            "--max-page-size",
            &MAX_PAGE.to_string(),
        ],
    )?;
    let out = dir.join("snapshot.json");
    let (snapshot, wall) = sim::fetch(&bins, &server.url, &out, &["--rate-limit", "1000000/min"])?;
    drop(server);

    ensure!(
        snapshot.complete,
        "incomplete: {:?}",
        snapshot.incomplete_reasons
    );
    for (name, got, want) in [
        ("groups", &snapshot.groups, &org.groups),
        ("users", &snapshot.users, &org.users),
        ("embed_users", &snapshot.embed_users, &org.embed_users),
    ] {
        ensure!(
            got.len() == want.len(),
            "{name}: {} read, {} in the org",
            got.len(),
            want.len()
        );
        ensure!(
            got.windows(2).all(|w| w[0].id() < w[1].id()),
            "{name}: not sorted by id"
        );
        let mut want_sorted: Vec<_> = want.iter().collect();
        want_sorted.sort_by(|a, b| a.id().cmp(b.id()));
        for (g, w) in got.iter().zip(want_sorted) {
            ensure!(
                g.id() == w.id(),
                "{name}: `{}` where `{}` was expected",
                g.id(),
                w.id()
            );
            ensure!(g == w, "{name}: `{}` differs", g.id());
        }
    }
    // Pages at the server's cap, plus the read at `total + 1` a list needs
    // when its last page is full exactly at the total (a multi-page list
    // whose length is a multiple of the cap).
    let pages = |n: usize| {
        n.div_ceil(MAX_PAGE).max(1) as u64 + u64::from(n > MAX_PAGE && n.is_multiple_of(MAX_PAGE))
    };
    let minimum = pages(org.groups.len()) + pages(org.users.len()) + pages(org.embed_users.len());
    ensure!(
        snapshot.stats.requests == minimum,
        "{} requests, the minimum is {minimum}",
        snapshot.stats.requests
    );
    eprintln!(
        "fetch-roundtrip ok: {} groups, {} users, {} embed users reproduced exactly in {} requests (the minimum), {:.2} s",
        org.groups.len(),
        org.users.len(),
        org.embed_users.len(),
        snapshot.stats.requests,
        wall
    );
    Ok(())
}
