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
//!   Omni user attributes, a `lastLogin`, about 4% deactivated, and every 97th
//!   user a re-activated duplicate (same `userName` as the inactive user before
//!   it, a new id), some long and non-ASCII names;
//! - embed users with `embedExternalId`, `embedEntity` (an entity every embed
//!   user of which usually sits in that entity's group), a generated
//!   `userName`, `embedEmail` (sometimes null), mostly in "All Embed Users";
//! - groups: "All Embed Users" (when there are embed users), one group per
//!   entity (about half of the rest), and department groups; every 50th group
//!   has a dangling member (a user id that does not exist).
//!
//! [`bench_policies`] writes the policy set the benchmarks check such an org
//! against (`cargo xtask bench-engine`, the engine and renderer benches).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scimdrift_proto::Snapshot;
use scimdrift_proto::scim::{
    GROUP_URN, OMNI_USER_ATTRIBUTE_URN, OMNI_USER_EXTENSION_URN, USER_URN,
};
use std::collections::HashSet;
use std::io::{self, Write};

mod policies;

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

const DOMAIN: &str = "blobsrus.example";

/// (display, ASCII for email local parts)
const FIRST: &[(&str, &str)] = &[
    ("Ada", "ada"),
    ("Bruno", "bruno"),
    ("Chloé", "chloe"),
    ("Dmitri", "dmitri"),
    ("Émile", "emile"),
    ("Fatima", "fatima"),
    ("Grace", "grace"),
    ("Hiroshi", "hiroshi"),
    ("Ingrid", "ingrid"),
    ("José", "jose"),
    ("Kwame", "kwame"),
    ("Łukasz", "lukasz"),
    ("Mei", "mei"),
    ("Nadia", "nadia"),
    ("Oğuz", "oguz"),
    ("Priya", "priya"),
    ("Quentin", "quentin"),
    ("Rosa", "rosa"),
    ("Søren", "soren"),
    ("Tanvi", "tanvi"),
    ("Uma", "uma"),
    ("Vítor", "vitor"),
    ("Wen", "wen"),
    ("Xavier", "xavier"),
    ("Yara", "yara"),
    ("Zoë", "zoe"),
    ("Аня", "anya"),
    ("李娜", "li.na"),
];

const LAST: &[(&str, &str)] = &[
    ("Abara", "abara"),
    ("Ångström", "angstrom"),
    ("Becker", "becker"),
    ("Chen", "chen"),
    ("Dubois", "dubois"),
    ("Eriksson", "eriksson"),
    ("Fernández", "fernandez"),
    ("Gupta", "gupta"),
    ("Haddad", "haddad"),
    ("Ivanova", "ivanova"),
    ("Jensen", "jensen"),
    ("Kowalski", "kowalski"),
    ("Lee", "lee"),
    ("Müller", "mueller"),
    ("Núñez", "nunez"),
    ("O'Brien", "obrien"),
    ("Papadopoulos", "papadopoulos"),
    ("Rossi", "rossi"),
    ("Smith", "smith"),
    ("Tanaka", "tanaka"),
    ("Usman", "usman"),
    ("van der Berg", "vanderberg"),
    ("Wójcik", "wojcik"),
    ("Yılmaz", "yilmaz"),
];

const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Support",
    "Data Platform",
    "Legal",
    "People Ops",
    "Security",
    "Analytics",
    "Product",
    "Design",
    "Vertrieb Österreich",
    "Équipe Données",
    "開発チーム",
];

const REGIONS: &[&str] = &["amer", "emea", "apac", "latam"];

const ENTITY_WORDS: &[&str] = &[
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "soylent",
    "wonka",
    "aperture",
    "vandelay",
    "oscorp",
    "duff",
    "gringotts",
];

// ChaCha stream ids, one per kind of draw, so adding a draw to one kind never
// shifts another kind's values.
const STREAM_GROUP: u64 = 1;
const STREAM_USER: u64 = 2;
const STREAM_EMBED: u64 = 3;
const STREAM_DANGLING: u64 = 4;
/// 32-bit words reserved per resource in its stream.
const WORDS_PER_ITEM: u128 = 256;

fn rng_at(base: &ChaCha8Rng, stream: u64, index: usize) -> ChaCha8Rng {
    let mut r = base.clone();
    r.set_stream(stream);
    r.set_word_pos(index as u128 * WORDS_PER_ITEM);
    r
}

fn uuid(r: &mut ChaCha8Rng) -> String {
    let mut b: [u8; 16] = r.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// An 8-character Omni-style group id (letters, digits, `_`, `-`).
fn group_id(r: &mut ChaCha8Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    (0..8)
        .map(|_| char::from(ALPHABET[r.random_range(0..ALPHABET.len())]))
        .collect()
}

/// RFC 3339 UTC text for seconds since the Unix epoch.
fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// 2023-01-01T00:00:00Z
const EPOCH_2023: i64 = 1_672_531_200;

fn json_str(out: &mut String, s: &str) {
    // serde_json's escaping of a plain &str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

#[derive(Debug)]
struct GroupInfo {
    id: String,
    name: String,
    created: i64,
}

/// The group layout: which index is what.
#[derive(Debug)]
struct Layout {
    groups: Vec<GroupInfo>,
    /// Index of "All Embed Users", if any.
    all_embed: Option<usize>,
    /// Entity names; entity `k` has group `first_entity + k` when `k < entity_groups`.
    entities: Vec<String>,
    first_entity: usize,
    entity_groups: usize,
    /// Department groups: `first_dept..groups.len()`.
    first_dept: usize,
}

impl Layout {
    fn new(spec: &OrgSpec, base: &ChaCha8Rng) -> Self {
        let g = spec.groups;
        let all_embed = (spec.embed_users > 0 && g > 0).then_some(0);
        let first_entity = usize::from(all_embed.is_some());
        let remaining = g - first_entity;
        let entity_groups = if spec.embed_users > 0 {
            // About half the remaining groups, all of them when there are no
            // standard users to put in departments.
            let share = if spec.users == 0 {
                remaining
            } else {
                remaining.div_ceil(2)
            };
            share.min(spec.embed_users)
        } else {
            0
        };
        let n_entities = if spec.embed_users > 0 {
            entity_groups.max(1)
        } else {
            0
        };
        let entities: Vec<String> = (0..n_entities)
            .map(|k| {
                let w = ENTITY_WORDS[k % ENTITY_WORDS.len()];
                let round = k / ENTITY_WORDS.len();
                if round == 0 {
                    w.to_owned()
                } else {
                    format!("{w}-{round}")
                }
            })
            .collect();
        let first_dept = first_entity + entity_groups;
        let mut seen = HashSet::new();
        let mut groups = Vec::with_capacity(g);
        for i in 0..g {
            let mut r = rng_at(base, STREAM_GROUP, i);
            let mut id = group_id(&mut r);
            while !seen.insert(id.clone()) {
                id = group_id(&mut r);
            }
            let name = if Some(i) == all_embed {
                "All Embed Users".to_owned()
            } else if i < first_dept {
                format!("Entity {}", entities[i - first_entity])
            } else {
                let d = i - first_dept;
                let dept = DEPARTMENTS[d % DEPARTMENTS.len()];
                let round = d / DEPARTMENTS.len();
                if d % 37 == 36 {
                    // Omni caps display names at 64 characters; some sit right at it.
                    let long = format!(
                        "{dept} — cross-functional working group {d} for quarterly planning"
                    );
                    long.chars().take(64).collect()
                } else if round == 0 {
                    dept.to_owned()
                } else {
                    format!(
                        "{dept} {} {round}",
                        REGIONS[round % REGIONS.len()].to_uppercase()
                    )
                }
            };
            groups.push(GroupInfo {
                id,
                name,
                created: EPOCH_2023 + i64::try_from(i).unwrap_or(0) * 3_600,
            });
        }
        Layout {
            groups,
            all_embed,
            entities,
            first_entity,
            entity_groups,
            first_dept,
        }
    }

    fn departments(&self) -> usize {
        self.groups.len() - self.first_dept
    }
}

/// Everything about one standard or embed user, derived from its index.
#[derive(Debug)]
struct Person {
    id: String,
    user_name: String,
    display_name: String,
    email: Option<String>,
    active: bool,
    created: i64,
    last_login: Option<i64>,
    groups: Vec<usize>,
    region: &'static str,
    cost_center: u32,
    contractor: bool,
    // embed only
    external_id: Option<String>,
    entity: Option<usize>,
}

fn name_at(base: &ChaCha8Rng, stream: u64, i: usize) -> (String, String, String) {
    let mut r = rng_at(base, stream, i);
    // Skip the id draw so names are independent of it.
    let _: [u8; 16] = r.random();
    let (f, fa) = FIRST[r.random_range(0..FIRST.len())];
    let (l, la) = LAST[r.random_range(0..LAST.len())];
    let display = if i % 211 == 17 {
        format!("{f} María-Concepción de los Ángeles {l} y Montenegro-Villaverde")
    } else {
        format!("{f} {l}")
    };
    (display, fa.to_owned(), la.to_owned())
}

fn user(base: &ChaCha8Rng, layout: &Layout, i: usize) -> Person {
    let mut r = rng_at(base, STREAM_USER, i);
    let id = uuid(&mut r);
    // A re-activated user: same userName as the (inactive) user before it.
    let reactivated = i % 97 == 96;
    let name_index = if reactivated { i - 1 } else { i };
    let (display_name, fa, la) = name_at(base, STREAM_USER, name_index);
    let user_name = format!("{fa}.{la}.{name_index}@{DOMAIN}");
    // Draws after the name (the name consumed words from its own copy).
    let inactive_roll: f64 = r.random();
    let active = !(i % 97 == 95 || inactive_roll < 0.04);
    let mut groups = Vec::new();
    let depts = layout.departments();
    if depts > 0 {
        let d = r.random_range(0..depts);
        groups.push(layout.first_dept + d);
        if r.random::<f64>() < 0.3 {
            let e = r.random_range(0..depts);
            if e != d {
                groups.push(layout.first_dept + e);
            }
        }
    }
    groups.sort_unstable();
    let created = EPOCH_2023 + i64::try_from(i).unwrap_or(0) * 600;
    let last_login = (r.random::<f64>() < 0.8).then(|| created + r.random_range(3_600..40_000_000));
    Person {
        id,
        email: Some(user_name.clone()),
        user_name,
        display_name,
        active,
        created,
        last_login,
        groups,
        region: REGIONS[r.random_range(0..REGIONS.len())],
        cost_center: r.random_range(1000..10000),
        contractor: r.random::<f64>() < 0.1,
        external_id: None,
        entity: None,
    }
}

fn embed_user(base: &ChaCha8Rng, layout: &Layout, i: usize) -> Person {
    let mut r = rng_at(base, STREAM_EMBED, i);
    let id = uuid(&mut r);
    let (display_name, fa, la) = name_at(base, STREAM_EMBED, i);
    let tag: u32 = r.random();
    let entity = r.random_range(0..layout.entities.len().max(1));
    let mut groups = Vec::new();
    if entity < layout.entity_groups && r.random::<f64>() < 0.97 {
        groups.push(layout.first_entity + entity);
    }
    if let Some(all) = layout.all_embed
        && r.random::<f64>() < 0.95
    {
        groups.push(all);
    }
    if layout.departments() > 0 && r.random::<f64>() < 0.02 {
        // An embed user someone added to an internal group by hand.
        groups.push(layout.first_dept + r.random_range(0..layout.departments()));
    }
    groups.sort_unstable();
    groups.dedup();
    let entity_name = layout.entities.get(entity).map_or("", String::as_str);
    let email = (r.random::<f64>() < 0.85).then(|| format!("{fa}.{la}.{i}@{entity_name}.example"));
    let created = EPOCH_2023 + i64::try_from(i).unwrap_or(0) * 30;
    let last_login = Some(created + r.random_range(60..20_000_000));
    Person {
        id,
        user_name: format!("embed-{i:x}-{tag:08x}@embed.omniapp.example"),
        display_name,
        email,
        active: r.random::<f64>() >= 0.01,
        created,
        last_login,
        groups,
        region: REGIONS[r.random_range(0..REGIONS.len())],
        cost_center: r.random_range(1000..10000),
        contractor: false,
        external_id: Some(format!("ext_{i:07}_{:04x}", tag & 0xffff)),
        entity: Some(entity),
    }
}

fn write_person(out: &mut String, p: &Person, layout: &Layout, embed: bool) {
    out.push_str(r#"{"schemas":[""#);
    out.push_str(USER_URN);
    out.push_str(r#"",""#);
    out.push_str(OMNI_USER_ATTRIBUTE_URN);
    out.push_str(r#"",""#);
    out.push_str(OMNI_USER_EXTENSION_URN);
    out.push_str(r#""],"id":""#);
    out.push_str(&p.id);
    out.push_str(r#"","userName":"#);
    json_str(out, &p.user_name);
    out.push_str(r#","displayName":"#);
    json_str(out, &p.display_name);
    out.push_str(r#","active":"#);
    out.push_str(if p.active { "true" } else { "false" });
    if !embed && let Some(email) = &p.email {
        out.push_str(r#","emails":[{"primary":true,"value":"#);
        json_str(out, email);
        out.push_str("}]");
    }
    if embed {
        out.push_str(r#","embedExternalId":"#);
        json_str(out, p.external_id.as_deref().unwrap_or(""));
        if let Some(e) = p.entity.and_then(|k| layout.entities.get(k)) {
            out.push_str(r#","embedEntity":"#);
            json_str(out, e);
        }
        out.push_str(r#","embedEmail":"#);
        match &p.email {
            Some(e) => json_str(out, e),
            None => out.push_str("null"),
        }
    }
    out.push_str(r#","groups":["#);
    for (k, &g) in p.groups.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let info = &layout.groups[g];
        out.push_str(r#"{"display":"#);
        json_str(out, &info.name);
        out.push_str(r#","value":""#);
        out.push_str(&info.id);
        out.push_str(r#""}"#);
    }
    out.push_str(r#"],"meta":{"created":""#);
    out.push_str(&timestamp(p.created));
    out.push_str(r#"","lastModified":""#);
    out.push_str(&timestamp(p.created + 86_400));
    out.push_str(r#"","resourceType":"User"},""#);
    out.push_str(OMNI_USER_ATTRIBUTE_URN);
    out.push_str(r#"":{"region":""#);
    out.push_str(p.region);
    out.push_str(&format!(
        r#"","cost_center":{},"contractor":{},"regions":[""#,
        p.cost_center, p.contractor
    ));
    out.push_str(p.region);
    out.push_str(r#""],"manager":null},""#);
    out.push_str(OMNI_USER_EXTENSION_URN);
    out.push_str(r#"":{"lastLogin":"#);
    match p.last_login {
        Some(t) => {
            out.push('"');
            out.push_str(&timestamp(t));
            out.push('"');
        }
        None => out.push_str("null"),
    }
    out.push_str("}}");
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

    fn spec(users: usize, embed_users: usize, groups: usize) -> OrgSpec {
        OrgSpec {
            users,
            embed_users,
            groups,
            seed: 7,
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(EPOCH_2023), "2023-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400 + 3_661), "2000-02-29T01:01:01Z");
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
