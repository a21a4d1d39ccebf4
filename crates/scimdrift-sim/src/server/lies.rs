//! The list-page lies of a hostile server (see the lie fields of
//! [`FaultSpec`]): numbers in the envelope that do not match the page, and
//! resources rewritten to carry ids they should not.

use crate::faults::{FaultKind, FaultSpec};
use crate::store::{Kind, Store};

/// The numbers a list page's envelope shows, lies included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shown {
    /// `totalResults`.
    pub(super) total: i64,
    /// `startIndex` as echoed.
    pub(super) start: i64,
    /// `itemsPerPage`.
    pub(super) items_per_page: i64,
}

impl Shown {
    /// The true `total`, `start` and page length, each moved by its lie.
    pub(super) fn new(spec: &FaultSpec, total: usize, start: i64, items: usize) -> Self {
        Shown {
            total: offset_by(total, spec.total_offset),
            start: offset_by(
                usize::try_from(start).unwrap_or(usize::MAX),
                spec.start_index_offset,
            ),
            items_per_page: offset_by(items, spec.items_per_page_offset),
        }
    }
}

/// The page's resources rewritten by the switched-on lies: a dangling member
/// in every group (unless members were excluded), the first user's id on the
/// first group or embed user, the first resource repeated at the end.
pub(super) fn rewrite_items(
    spec: &FaultSpec,
    store: &Store,
    kind: Kind,
    members_excluded: bool,
    items: &mut Vec<String>,
) {
    if spec.dangling_members && kind == Kind::Groups && !members_excluded {
        for item in items.iter_mut() {
            *item = with_dangling_member(item);
        }
    }
    if spec.cross_type_ids
        && kind != Kind::Users
        && let (Some(first), Some(user)) = (items.first_mut(), store.list(Kind::Users).first())
    {
        *first = with_id(first, user.id());
    }
    if spec.duplicate_ids
        && let Some(first) = items.first().cloned()
    {
        items.push(first);
    }
}

/// The fault a served list page is recorded with when lies are on and no
/// other fault hit it.
pub(super) fn label(
    spec: &FaultSpec,
    fault: Option<FaultKind>,
    list_page: bool,
) -> Option<FaultKind> {
    if fault.is_none() && spec.lies() && list_page {
        Some(FaultKind::Lie)
    } else {
        fault
    }
}

fn offset_by(n: usize, by: i64) -> i64 {
    i64::try_from(n)
        .unwrap_or(i64::MAX)
        .saturating_add(by)
        .max(0)
}

fn with_id(json: &str, id: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("id".into(), id.into());
    }
    v.to_string()
}

fn with_dangling_member(json: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let gid = v["id"].as_str().unwrap_or("").to_owned();
    if let Some(obj) = v.as_object_mut() {
        let members = obj
            .entry("members")
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let Some(list) = members.as_array_mut() {
            list.push(serde_json::json!({
                "value": format!("sim-dangling-{gid}"),
                "display": "ghost@sim.invalid",
            }));
        }
    }
    v.to_string()
}
