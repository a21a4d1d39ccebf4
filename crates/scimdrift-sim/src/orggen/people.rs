//! Standard and embed users: each a pure function of the seed and its index,
//! and the writer of its JSON text.

use super::atoms::{
    EPOCH_2023, STREAM_EMBED, STREAM_USER, json_str, last_login, rng_at, timestamp, uuid,
};
use super::layout::Layout;
use super::words::{DOMAIN, FIRST, LAST, REGIONS};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use scimdrift_proto::scim::{OMNI_USER_ATTRIBUTE_URN, OMNI_USER_EXTENSION_URN, USER_URN};

/// Everything about one standard or embed user, derived from its index.
#[derive(Debug)]
pub(super) struct Person {
    pub(super) id: String,
    pub(super) user_name: String,
    pub(super) display_name: String,
    pub(super) email: Option<String>,
    pub(super) active: bool,
    pub(super) created: i64,
    pub(super) last_login: Option<i64>,
    pub(super) groups: Vec<usize>,
    pub(super) region: &'static str,
    pub(super) cost_center: u32,
    pub(super) contractor: bool,
    // embed only
    pub(super) external_id: Option<String>,
    pub(super) entity: Option<usize>,
}

pub(super) fn name_at(base: &ChaCha8Rng, stream: u64, i: usize) -> (String, String, String) {
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

pub(super) fn user(base: &ChaCha8Rng, layout: &Layout, i: usize) -> Person {
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
    // A fifth never logged in; of the others, three in four logged in within
    // the last two months, the rest four months to two years ago.
    let roll = r.random::<f64>();
    let last_login = (roll < 0.8).then(|| {
        let x: i64 = r.random_range(3_600..40_000_000);
        last_login(created, x, roll < 0.6, 60, 120)
    });
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

pub(super) fn embed_user(base: &ChaCha8Rng, layout: &Layout, i: usize) -> Person {
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
    // One in ten never logged in, seven in ten within the last 45 days, the
    // rest over 100 days ago.
    let x: i64 = r.random_range(60..20_000_000);
    let last_login = match x % 10 {
        0 => None,
        1..=7 => Some(last_login(created, x / 10, true, 45, 100)),
        _ => Some(last_login(created, x / 10, false, 45, 100)),
    };
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

pub(super) fn write_person(out: &mut String, p: &Person, layout: &Layout, embed: bool) {
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
