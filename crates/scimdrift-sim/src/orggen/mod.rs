//! A deterministic generator of realistic orgs.
//!
//! [`write_org`] streams a `scimdrift.snapshot/v1` document: groups, users and
//! embed users, each sorted by id as the format asks. Every resource is a pure
//! function of `(seed, kind, index)` (its own ChaCha stream position), so the
//! writer never holds the resources in memory: it keeps only the ids (to sort
//! them) and the group membership lists. A million embed users take seconds.
//!
//! What the org contains, so policies have something to find:
//! - standard users with emails, departments (one or two department groups),
//!   Omni user attributes, a `lastLogin` (most within two months of
//!   2026-12-01, some months or years before it, a fifth never: `null`),
//!   about 4% deactivated, and every 97th
//!   user a re-activated duplicate (same `userName` as the inactive user before
//!   it, a new id), some long and non-ASCII names;
//! - embed users with `embedExternalId`, `embedEntity` (an entity every embed
//!   user of which usually sits in that entity's group), a generated
//!   `userName`, `embedEmail` (sometimes null), a `lastLogin` (mostly
//!   recent, some old, one in ten never), mostly in "All Embed Users";
//! - groups: "All Embed Users" (when there are embed users), one group per
//!   entity (about half of the rest), and department groups; every 50th group
//!   has a dangling member (a user id that does not exist).
//!
//! [`bench_policies`] writes the policy set the benchmarks check such an org
//! against (`cargo xtask bench-engine`, the engine and renderer benches).

//!
//! The pieces: [`atoms`](self) (seeded streams, ids, timestamps), the word
//! lists, the group layout, the people (users and embed users), and the
//! benchmark workloads in `policies`.

mod atoms;
mod layout;
mod people;
mod policies;
mod words;

use atoms::{STREAM_DANGLING, json_str, rng_at, timestamp, uuid};
use layout::Layout;
use people::{embed_user, user, write_person};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use scimdrift_proto::Snapshot;
use scimdrift_proto::scim::GROUP_URN;
use std::io::{self, Write};
use words::DOMAIN;

pub use policies::{BENCH_WORKLOADS, BenchPolicies, BenchWorkload, bench_policies, group_names};

/// How big an org to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgSpec {
    /// Standard users.
    pub users: usize,
    /// Embed users.
    pub embed_users: usize,
    /// Groups (all kinds together).
    pub groups: usize,
    /// The seed: same spec, same bytes.
    pub seed: u64,
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrgStats {
    /// Groups written.
    pub groups: usize,
    /// Standard users written.
    pub users: usize,
    /// Embed users written.
    pub embed_users: usize,
    /// Membership entries written on the group side (dangling ones included).
    pub memberships: usize,
    /// Embed entities.
    pub entities: usize,
}

/// Writes the org as a `scimdrift.snapshot/v1` document.
pub fn write_org<W: Write>(spec: &OrgSpec, out: W) -> io::Result<OrgStats> {
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    let base = ChaCha8Rng::seed_from_u64(spec.seed);
    let layout = Layout::new(spec, &base);

    // Pass 1: ids, user names and memberships (the group side needs the
    // inverse, and member entries carry the user name).
    let mut members: Vec<Vec<(bool, u32)>> = vec![Vec::new(); layout.groups.len()];
    let mut user_ids: Vec<String> = Vec::with_capacity(spec.users);
    let mut user_names: Vec<String> = Vec::with_capacity(spec.users);
    for i in 0..spec.users {
        let p = user(&base, &layout, i);
        for &g in &p.groups {
            members[g].push((false, u32::try_from(i).unwrap_or(u32::MAX)));
        }
        user_ids.push(p.id);
        user_names.push(p.user_name);
    }
    let mut embed_ids: Vec<String> = Vec::with_capacity(spec.embed_users);
    let mut embed_names: Vec<String> = Vec::with_capacity(spec.embed_users);
    for i in 0..spec.embed_users {
        let p = embed_user(&base, &layout, i);
        for &g in &p.groups {
            members[g].push((true, u32::try_from(i).unwrap_or(u32::MAX)));
        }
        embed_ids.push(p.id);
        embed_names.push(p.user_name);
    }
    let mut user_order: Vec<usize> = (0..spec.users).collect();
    user_order.sort_unstable_by(|&a, &b| user_ids[a].cmp(&user_ids[b]));
    let mut embed_order: Vec<usize> = (0..spec.embed_users).collect();
    embed_order.sort_unstable_by(|&a, &b| embed_ids[a].cmp(&embed_ids[b]));
    let mut group_order: Vec<usize> = (0..layout.groups.len()).collect();
    group_order.sort_by(|&a, &b| layout.groups[a].id.cmp(&layout.groups[b].id));

    let mut stats = OrgStats {
        groups: layout.groups.len(),
        users: spec.users,
        embed_users: spec.embed_users,
        memberships: 0,
        entities: layout.entities.len(),
    };
    let mut buf = String::with_capacity(4096);
    out.write_all(
        br#"{"schema":"scimdrift.snapshot/v1","source":{"provider":"omni","base_url":null},"groups":["#,
    )?;
    for (k, &g) in group_order.iter().enumerate() {
        let info = &layout.groups[g];
        buf.clear();
        if k > 0 {
            buf.push(',');
        }
        buf.push_str(r#"{"schemas":[""#);
        buf.push_str(GROUP_URN);
        buf.push_str(r#""],"id":""#);
        buf.push_str(&info.id);
        buf.push_str(r#"","displayName":"#);
        json_str(&mut buf, &info.name);
        buf.push_str(r#","members":["#);
        out.write_all(buf.as_bytes())?;
        let mut first = true;
        for &(embed, i) in &members[g] {
            let i = usize::try_from(i).unwrap_or(usize::MAX);
            let (ids, names) = if embed {
                (&embed_ids, &embed_names)
            } else {
                (&user_ids, &user_names)
            };
            buf.clear();
            if !first {
                buf.push(',');
            }
            first = false;
            buf.push_str(r#"{"display":"#);
            json_str(&mut buf, &names[i]);
            buf.push_str(r#","value":""#);
            buf.push_str(&ids[i]);
            buf.push_str(r#""}"#);
            out.write_all(buf.as_bytes())?;
            stats.memberships += 1;
        }
        buf.clear();
        if g % 50 == 7 {
            // A member pointing at nobody: a user deleted without the group
            // being cleaned up.
            let mut r = rng_at(&base, STREAM_DANGLING, g);
            if !first {
                buf.push(',');
            }
            buf.push_str(&format!(
                r#"{{"display":"former.employee.{g}@{DOMAIN}","value":"{}"}}"#,
                uuid(&mut r)
            ));
            stats.memberships += 1;
        }
        buf.push_str(r#"],"meta":{"created":""#);
        buf.push_str(&timestamp(info.created));
        buf.push_str(r#"","lastModified":""#);
        buf.push_str(&timestamp(info.created + 7 * 86_400));
        buf.push_str(r#"","resourceType":"Group"}}"#);
        out.write_all(buf.as_bytes())?;
    }
    out.write_all(br#"],"users":["#)?;
    for (k, &i) in user_order.iter().enumerate() {
        buf.clear();
        if k > 0 {
            buf.push(',');
        }
        write_person(&mut buf, &user(&base, &layout, i), &layout, false);
        out.write_all(buf.as_bytes())?;
    }
    out.write_all(br#"],"embed_users":["#)?;
    for (k, &i) in embed_order.iter().enumerate() {
        buf.clear();
        if k > 0 {
            buf.push(',');
        }
        write_person(&mut buf, &embed_user(&base, &layout, i), &layout, true);
        out.write_all(buf.as_bytes())?;
    }
    out.write_all(b"]}\n")?;
    out.flush()?;
    Ok(stats)
}

/// Generates the org in memory (for tests and small orgs).
pub fn generate(spec: &OrgSpec) -> Snapshot {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail, and the writer emits valid JSON.
    let _ = write_org(spec, &mut bytes);
    serde_json::from_slice(&bytes).unwrap_or_else(|_| Snapshot::new(Default::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn spec(users: usize, embed_users: usize, groups: usize) -> OrgSpec {
        OrgSpec {
            users,
            embed_users,
            groups,
            seed: 7,
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut c = Vec::new();
        write_org(&spec(30, 40, 8), &mut a).unwrap();
        write_org(&spec(30, 40, 8), &mut b).unwrap();
        write_org(
            &OrgSpec {
                seed: 8,
                ..spec(30, 40, 8)
            },
            &mut c,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn output_is_a_valid_sorted_snapshot_with_consistent_memberships() {
        let s = generate(&spec(200, 300, 12));
        assert_eq!(
            (s.users.len(), s.embed_users.len(), s.groups.len()),
            (200, 300, 12)
        );
        for list in [&s.users, &s.embed_users, &s.groups] {
            assert!(
                list.windows(2).all(|w| w[0].id() < w[1].id()),
                "sorted, unique"
            );
        }
        let users: std::collections::HashMap<&str, serde_json::Value> = s
            .users
            .iter()
            .chain(&s.embed_users)
            .map(|r| (r.id(), r.to_value()))
            .collect();
        let mut dangling = 0;
        let mut names = HashSet::new();
        for g in &s.groups {
            let g = g.to_value();
            names.insert(g["displayName"].as_str().unwrap().to_owned());
            let gid = g["id"].as_str().unwrap();
            for m in g["members"].as_array().unwrap() {
                match users.get(m["value"].as_str().unwrap()) {
                    None => dangling += 1,
                    Some(u) => {
                        assert_eq!(m["display"], u["userName"]);
                        let back = u["groups"].as_array().unwrap();
                        assert!(back.iter().any(|r| r["value"] == gid), "both sides agree");
                    }
                }
            }
        }
        assert_eq!(dangling, 1, "group 7 has a dangling member");
        assert!(names.contains("All Embed Users"));
        assert!(names.contains("Entity acme"));
        assert!(names.iter().all(|n| n.chars().count() <= 64));
        let embed = s.embed_users[0].to_value();
        assert!(embed["embedExternalId"].is_string());
        let inactive = s
            .users
            .iter()
            .filter(|u| u.to_value()["active"] == false)
            .count();
        assert!((2..40).contains(&inactive), "{inactive}");
        // The 97th user re-uses the 96th's userName.
        let names: Vec<String> = s
            .users
            .iter()
            .map(|u| u.to_value()["userName"].as_str().unwrap().to_owned())
            .collect();
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(names.len() - unique.len(), 2);
    }

    #[test]
    fn degenerate_sizes() {
        let s = generate(&spec(0, 0, 0));
        assert!(s.users.is_empty() && s.groups.is_empty());
        let s = generate(&spec(0, 5, 1));
        assert_eq!(s.groups.len(), 1);
        assert_eq!(s.embed_users.len(), 5);
        let s = generate(&spec(3, 0, 2));
        assert_eq!(s.groups.len(), 2);
    }
}
