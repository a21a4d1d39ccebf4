//! List pages: Omni's paging (1-based `startIndex`, `count` defaulting and
//! capped), the documented filters, and the `ListResponse` envelope.

use super::lies;
use super::reply::Answer;
use super::resources::{Params, without_members};
use super::state::{Shared, lock, read};
use crate::config::Profile;
use crate::store::{Entry, Kind};
use axum::http::StatusCode;
use scimdrift_proto::Filter;
use scimdrift_proto::scim::LIST_RESPONSE_URN;

/// What later stages need to know about a served list page.
#[derive(Debug, Clone, Copy)]
pub(super) struct Page {
    /// The collection listed.
    pub(super) kind: Kind,
    /// Whether this is the first page of an unfiltered list that goes on (a
    /// multi-page scan has begun: the `mutate` fault strikes here).
    pub(super) more_pages: bool,
}

/// The list page `params` ask for, or the 400 for a bad parameter or filter.
pub(super) fn page(shared: &Shared, kind: Kind, params: &Params) -> Result<(Answer, Page), Answer> {
    let s = &shared.settings;
    let start = parse_int("startIndex", params.start_index.as_deref())?
        .unwrap_or(1)
        .max(1);
    let count = parse_int("count", params.count.as_deref())?
        .map_or(s.default_page_size, |c| {
            usize::try_from(c.max(0)).unwrap_or(usize::MAX)
        })
        .min(s.max_page_size)
        // A lying server may stuff more than was asked for into a page.
        .saturating_add(s.faults.overfull);
    let filter = match params.filter.as_deref() {
        None => None,
        Some(text) => Some(parse_filter(s.profile, kind, text)?),
    };
    let store = read(&shared.store);
    let all = store.list(kind);
    let from = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let (total, page): (usize, Vec<&Entry>) = match &filter {
        None => {
            let lo = from.min(all.len());
            let hi = from.saturating_add(count).min(all.len());
            (all.len(), all[lo..hi].iter().collect())
        }
        Some(f) => {
            let mut matched = Vec::new();
            for r in all {
                if f.evaluate(&r.to_value()).map_err(|e| invalid_filter(&e))? {
                    matched.push(r);
                }
            }
            let total = matched.len();
            let page = matched.into_iter().skip(from).take(count).collect();
            (total, page)
        }
    };
    let strip = kind == Kind::Groups && params.excludes_members();
    let mut items: Vec<String> = page
        .iter()
        .map(|r| {
            if strip {
                without_members(r)
            } else {
                r.json().to_owned()
            }
        })
        .collect();
    lies::rewrite_items(&s.faults, &store, kind, strip, &mut items);
    let drift = {
        let mut rt = lock(&shared.runtime);
        let middle = start > 1 && from.saturating_add(page.len()) < total;
        if middle && !items.is_empty() && rt.short_pages_done < s.faults.short_pages {
            rt.short_pages_done += 1;
            items.pop();
        }
        let served = &mut rt.pages_served[kind_slot(kind)];
        *served += 1;
        if *served > 1 { s.faults.total_drift } else { 0 }
    };
    let mut shown = lies::Shown::new(&s.faults, total, start, items.len());
    shown.total = shown.total.saturating_add(drift).max(0);
    let more_pages = filter.is_none() && start == 1 && page.len() < total;
    Ok((
        Answer::json(StatusCode::OK, envelope(&shown, &items)),
        Page { kind, more_pages },
    ))
}

fn kind_slot(kind: Kind) -> usize {
    match kind {
        Kind::Groups => 0,
        Kind::Users => 1,
        Kind::EmbedUsers => 2,
    }
}

/// The `ListResponse` text. Omni leaves `Resources` out of an empty page.
fn envelope(shown: &lies::Shown, items: &[String]) -> String {
    let lies::Shown {
        total,
        start,
        items_per_page,
    } = shown;
    let mut body = String::with_capacity(128 + items.iter().map(|r| r.len() + 1).sum::<usize>());
    body.push_str(r#"{"schemas":[""#);
    body.push_str(LIST_RESPONSE_URN);
    body.push_str(&format!(
        r#""],"totalResults":{total},"startIndex":{start},"itemsPerPage":{items_per_page}"#
    ));
    if !items.is_empty() {
        body.push_str(r#","Resources":["#);
        body.push_str(&items.join(","));
        body.push(']');
    }
    body.push('}');
    body
}

fn parse_int(name: &str, v: Option<&str>) -> Result<Option<i64>, Answer> {
    match v {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            Answer::scim_error(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                &format!("{name} must be an integer, got `{v}`"),
            )
        }),
    }
}

/// The filter, when Omni would accept it (only the documented ones) or the
/// generic profile can parse it.
fn parse_filter(profile: Profile, kind: Kind, text: &str) -> Result<Filter, Answer> {
    if profile == Profile::Omni && !documented_filter(kind, text) {
        return Err(Answer::scim_error(
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
            &format!("Unsupported filter: {text}"),
        ));
    }
    Filter::parse(text).map_err(|e| invalid_filter(&e))
}

fn invalid_filter(e: &dyn std::fmt::Display) -> Answer {
    Answer::scim_error(
        StatusCode::BAD_REQUEST,
        Some("invalidFilter"),
        &format!("Invalid filter: {e}"),
    )
}

/// Whether a filter is one Omni documents for this collection: `userName eq`
/// (users), `userName`/`embedExternalId` with `eq`/`co` (embed users),
/// `displayName eq` (groups). Attribute and operator names are
/// case-insensitive.
fn documented_filter(kind: Kind, text: &str) -> bool {
    let text = text.trim();
    let Some((attr, rest)) = text.split_once(char::is_whitespace) else {
        return false;
    };
    let rest = rest.trim_start();
    let Some((op, value)) = rest.split_once(char::is_whitespace) else {
        return false;
    };
    if serde_json::from_str::<String>(value.trim()).is_err() {
        return false;
    }
    let attr = attr.to_ascii_lowercase();
    let op = op.to_ascii_lowercase();
    match kind {
        Kind::Users => attr == "username" && op == "eq",
        Kind::EmbedUsers => {
            (attr == "username" || attr == "embedexternalid") && (op == "eq" || op == "co")
        }
        Kind::Groups => attr == "displayname" && op == "eq",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_filters() {
        use Kind::*;
        assert!(documented_filter(Users, r#"userName eq "a@b.c""#));
        assert!(documented_filter(Users, r#"USERNAME EQ "a b""#));
        assert!(!documented_filter(Users, r#"userName co "a""#));
        assert!(documented_filter(EmbedUsers, r#"embedExternalId co "x""#));
        assert!(!documented_filter(EmbedUsers, r#"embedEntity eq "x""#));
        assert!(documented_filter(Groups, r#"displayName eq "Eng""#));
        assert!(!documented_filter(
            Groups,
            r#"displayName eq "a" and displayName eq "b""#
        ));
        assert!(!documented_filter(Users, r#"active eq true"#));
        assert!(!documented_filter(Users, r#"userName pr"#));
    }
}
