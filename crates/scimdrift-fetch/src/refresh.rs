//! Targeted refresh: chosen groups re-read live (one filtered request per
//! group name, or a full scan of the groups), and the members a snapshot does
//! not know fetched by id; then laid over the snapshot.
//!
//! This is what `check --snapshot FILE --refresh` costs instead of a full
//! fetch: a pull request that edits three group declarations needs three
//! requests (`GET /groups?filter=displayName eq "G"`) plus one per member the
//! snapshot has never seen (`GET /users/{id}`, and `GET /embed/users/{id}` when
//! that is a 404: two for an embed user), plus one `GET /groups/{id}` per
//! snapshot group with one of the names that the server no longer lists by it
//! (renamed or deleted live). Only GET requests, like the fetch.
//! Whatever cannot be read completely is a reason in
//! [`Refreshed::incomplete_reasons`]: the caller fails closed on it.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::Ordering;

use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use scimdrift_proto::{FetchStats, Provider, Resource, Snapshot};
use tokio::time::Instant;
use url::Url;

use crate::client::{Http, PageError};
use crate::error::FetchError;
use crate::fetch::{Progress, scan_kind};
use crate::options::{FetchOptions, ResourceKind};
use crate::token::Keys;

/// Which groups to read live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupSelection {
    /// Every group (a full scan of the groups; users and embed users are not
    /// read).
    All,
    /// The groups with exactly these display names (case-sensitive, as
    /// policies name groups).
    Named(BTreeSet<String>),
}

/// What a refresh read.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// What was asked.
    pub selection: GroupSelection,
    /// The live groups selected: every group for [`GroupSelection::All`],
    /// else those whose display name is one of the names (none for a name
    /// that no longer exists live).
    pub groups: Vec<Resource>,
    /// Members of those groups the snapshot did not know, read by id.
    pub users: Vec<Resource>,
    /// Embed users among them.
    pub embed_users: Vec<Resource>,
    /// Member ids that exist neither as a user nor as an embed user (the
    /// group names an identity the server does not serve: a full fetch would
    /// not have it either).
    pub dangling: Vec<String>,
    /// Why the refresh is not complete; empty when it is.
    pub incomplete_reasons: Vec<String>,
    /// Request counters (wall-clock times are left for the caller).
    pub stats: FetchStats,
}

impl Refreshed {
    /// Whether everything asked was read.
    pub fn complete(&self) -> bool {
        self.incomplete_reasons.is_empty()
    }

    /// Lays the refresh over `snapshot`: for [`GroupSelection::All`] the
    /// groups are replaced; for named groups, every snapshot group with one
    /// of the names or the id of a refreshed group (a group renamed live) is
    /// dropped and the live ones put in. The identities read by id are added.
    /// Reasons the refresh is incomplete mark the snapshot incomplete.
    pub fn overlay(self, snapshot: &mut Snapshot) {
        match &self.selection {
            GroupSelection::All => snapshot.groups = self.groups,
            GroupSelection::Named(names) => {
                let ids: HashSet<&str> = self.groups.iter().map(Resource::id).collect();
                snapshot.groups.retain(|g| {
                    !ids.contains(g.id()) && display_name(g).is_none_or(|n| !names.contains(n))
                });
                snapshot.groups.extend(self.groups);
            }
        }
        let known: HashSet<String> = snapshot
            .users
            .iter()
            .chain(&snapshot.embed_users)
            .map(|r| r.id().to_owned())
            .collect();
        snapshot
            .users
            .extend(self.users.into_iter().filter(|r| !known.contains(r.id())));
        snapshot.embed_users.extend(
            self.embed_users
                .into_iter()
                .filter(|r| !known.contains(r.id())),
        );
        for reason in self.incomplete_reasons {
            snapshot.mark_incomplete(format!("refresh: {reason}"));
        }
        snapshot.sort();
    }
}

fn display_name(group: &Resource) -> Option<&str> {
    group.core().ok()?.display_name.as_deref()
}

/// Re-reads the `selection` of groups live and fetches by id the members
/// `snapshot` does not know. `Err` as for [`crate::fetch`] (options, a
/// rejected key, a wrong URL); trouble that outlasts the retries is a reason
/// in [`Refreshed::incomplete_reasons`].
pub async fn refresh(
    options: &FetchOptions,
    keys: impl Into<Keys>,
    selection: &GroupSelection,
    snapshot: &Snapshot,
    progress: &dyn Progress,
) -> Result<Refreshed, FetchError> {
    options.validate()?;
    let http = Http::new(options, keys.into())?;
    let started = Instant::now();
    let mut reasons = Vec::new();
    let groups = match selection {
        GroupSelection::All => {
            let outcome = scan_kind(&http, options, ResourceKind::Groups, progress).await?;
            reasons.extend(outcome.reasons.into_iter().map(|r| format!("groups: {r}")));
            outcome.resources
        }
        GroupSelection::Named(names) => {
            let mut groups = named_groups(&http, options, names, &mut reasons).await?;
            // A snapshot group with one of the names that the server no
            // longer lists by it was renamed or deleted: ask for it by id, so
            // the overlay neither keeps a stale copy nor loses a renamed one.
            let listed: HashSet<String> = groups.iter().map(|g| g.id().to_owned()).collect();
            let vanished: BTreeSet<String> = snapshot
                .groups
                .iter()
                .filter(|g| {
                    !listed.contains(g.id()) && display_name(g).is_some_and(|n| names.contains(n))
                })
                .map(|g| g.id().to_owned())
                .collect();
            groups.extend(groups_by_id(&http, options, &vanished, &mut reasons).await?);
            groups.sort_by(|a, b| a.id().cmp(b.id()));
            groups.dedup_by(|a, b| a.id() == b.id());
            groups
        }
    };
    let known: HashSet<&str> = snapshot
        .users
        .iter()
        .chain(&snapshot.embed_users)
        .map(Resource::id)
        .collect();
    let mut unknown = BTreeSet::new();
    for group in &groups {
        match group.core() {
            Ok(core) => {
                for member in core.members.iter().flatten() {
                    if !known.contains(&**member) {
                        unknown.insert(member.to_string());
                    }
                }
            }
            Err(problem) => reasons.push(format!("group `{}` is unusable: {problem}", group.id())),
        }
    }
    let (users, embed_users, dangling) = by_id(&http, options, &unknown, &mut reasons).await?;
    let counters = &http.counters;
    if counters.echoed_token.load(Ordering::Relaxed) {
        reasons.push(
            "the server sent an API key back inside an answer; it was redacted, so the data is not exactly as served"
                .to_owned(),
        );
    }
    let stats = FetchStats {
        requests: counters.requests.load(Ordering::Relaxed),
        retries: counters.retries.load(Ordering::Relaxed),
        rate_limited: counters.rate_limited.load(Ordering::Relaxed),
        pages: counters.pages.load(Ordering::Relaxed),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        started_at: None,
        finished_at: None,
    };
    tracing::info!(
        groups = groups.len(),
        fetched_by_id = users.len() + embed_users.len(),
        requests = stats.requests,
        complete = reasons.is_empty(),
        "refresh done"
    );
    Ok(Refreshed {
        selection: selection.clone(),
        groups,
        users,
        embed_users,
        dangling,
        incomplete_reasons: reasons,
        stats,
    })
}

/// Most groups one display name may match before the answer is implausible.
const MAX_GROUPS_PER_NAME: u32 = 100;

/// One filtered request per name: `filter=displayName eq "NAME"`.
async fn named_groups(
    http: &Http,
    options: &FetchOptions,
    names: &BTreeSet<String>,
    reasons: &mut Vec<String>,
) -> Result<Vec<Resource>, FetchError> {
    let endpoint = options.endpoint(ResourceKind::Groups);
    let mut in_flight: FuturesUnordered<_> = names
        .iter()
        .map(|name| {
            let mut url = endpoint.clone();
            url.query_pairs_mut()
                .append_pair("filter", &scimdrift_proto::filter::eq("displayName", name));
            async move { (name, http.get_page(&url, 1, MAX_GROUPS_PER_NAME).await) }
        })
        .collect();
    let mut groups = Vec::new();
    while let Some((name, result)) = in_flight.next().await {
        match result {
            Ok(page) => {
                let served = page.resources.len() as u64;
                if page.total > served {
                    reasons.push(format!(
                        "the server announced {} groups named `{name}` but served {served}",
                        page.total
                    ));
                }
                // `eq` on displayName may match regardless of case; policies
                // name groups exactly.
                groups.extend(
                    page.resources
                        .into_iter()
                        .filter(|g| display_name(g) == Some(name.as_str())),
                );
            }
            Err(PageError::Fatal(e)) => return Err(e),
            Err(PageError::GaveUp(reason)) => {
                reasons.push(format!("group `{name}`: {reason}"));
            }
        }
    }
    groups.sort_by(|a, b| a.id().cmp(b.id()));
    groups.dedup_by(|a, b| a.id() == b.id());
    Ok(groups)
}

/// `GET /groups/{id}` for each id; a 404 means the group is gone.
async fn groups_by_id(
    http: &Http,
    options: &FetchOptions,
    ids: &BTreeSet<String>,
    reasons: &mut Vec<String>,
) -> Result<Vec<Resource>, FetchError> {
    let endpoint = options.endpoint(ResourceKind::Groups);
    let mut in_flight: FuturesUnordered<_> = ids
        .iter()
        .map(|id| {
            let url = resource_url(&endpoint, id);
            async move { (id, http.get_one(&url).await) }
        })
        .collect();
    let mut groups = Vec::new();
    while let Some((id, result)) = in_flight.next().await {
        match result {
            Ok(Some(group)) if group.id() == id.as_str() => groups.push(group),
            Ok(Some(group)) => reasons.push(format!(
                "asked for the group `{id}`, the server answered with `{}`",
                group.id()
            )),
            Ok(None) => {}
            Err(PageError::Fatal(e)) => return Err(e),
            Err(PageError::GaveUp(reason)) => reasons.push(format!("group `{id}`: {reason}")),
        }
    }
    Ok(groups)
}

type ById = (Vec<Resource>, Vec<Resource>, Vec<String>);

/// `GET /users/{id}`, then `GET /embed/users/{id}` on a 404 (Omni only).
async fn by_id(
    http: &Http,
    options: &FetchOptions,
    ids: &BTreeSet<String>,
    reasons: &mut Vec<String>,
) -> Result<ById, FetchError> {
    let kinds: &[ResourceKind] = match options.provider {
        Provider::Omni => &[ResourceKind::Users, ResourceKind::EmbedUsers],
        Provider::Scim => &[ResourceKind::Users],
    };
    let mut in_flight: FuturesUnordered<_> = ids
        .iter()
        .map(|id| async move {
            for &kind in kinds {
                let url = resource_url(&options.endpoint(kind), id);
                match http.get_one(&url).await {
                    Ok(Some(resource)) => return (id, Ok(Some((kind, resource)))),
                    Ok(None) => {}
                    Err(e) => return (id, Err(e)),
                }
            }
            (id, Ok(None))
        })
        .collect();
    let (mut users, mut embed_users, mut dangling) = (Vec::new(), Vec::new(), Vec::new());
    while let Some((id, result)) = in_flight.next().await {
        match result {
            Ok(Some((_, resource))) if resource.id() != id.as_str() => reasons.push(format!(
                "asked for the identity `{id}`, the server answered with `{}`",
                resource.id()
            )),
            Ok(Some((ResourceKind::EmbedUsers, resource))) => embed_users.push(resource),
            Ok(Some((_, resource))) => users.push(resource),
            Ok(None) => dangling.push(id.clone()),
            Err(PageError::Fatal(e)) => return Err(e),
            Err(PageError::GaveUp(reason)) => reasons.push(format!("member `{id}`: {reason}")),
        }
    }
    users.sort_by(|a, b| a.id().cmp(b.id()));
    embed_users.sort_by(|a, b| a.id().cmp(b.id()));
    dangling.sort();
    Ok((users, embed_users, dangling))
}

/// `{endpoint}/{id}`, the id percent-encoded as one path segment.
fn resource_url(endpoint: &Url, id: &str) -> Url {
    let mut url = endpoint.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(id);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_encoded_segment() {
        let endpoint = Url::parse("https://x.example/api/scim/v2/users").unwrap();
        assert_eq!(
            resource_url(&endpoint, "a/b c?d").as_str(),
            "https://x.example/api/scim/v2/users/a%2Fb%20c%3Fd"
        );
    }

    fn group(id: &str, name: &str, members: &[&str]) -> Resource {
        let members: Vec<_> = members
            .iter()
            .map(|m| serde_json::json!({"value": m}))
            .collect();
        Resource::from_value(
            &serde_json::json!({"id": id, "displayName": name, "members": members}),
        )
        .unwrap()
    }

    fn user(id: &str) -> Resource {
        Resource::from_value(&serde_json::json!({"id": id, "userName": id})).unwrap()
    }

    #[test]
    fn overlay_replaces_the_named_groups_and_follows_renames() {
        let mut snapshot = Snapshot::new(Default::default());
        snapshot.groups = vec![
            group("g1", "Eng", &["u1"]),
            group("g2", "Old name", &["u1"]),
            group("g3", "Sales", &["u1"]),
        ];
        snapshot.users = vec![user("u1")];
        let refreshed = Refreshed {
            selection: GroupSelection::Named(
                ["Eng".to_owned(), "New name".to_owned()]
                    .into_iter()
                    .collect(),
            ),
            // Eng lost u1 and gained u2; g2 was renamed live.
            groups: vec![
                group("g1", "Eng", &["u2"]),
                group("g2", "New name", &["u1"]),
            ],
            users: vec![user("u2"), user("u1")],
            embed_users: Vec::new(),
            dangling: Vec::new(),
            incomplete_reasons: Vec::new(),
            stats: FetchStats::default(),
        };
        refreshed.overlay(&mut snapshot);
        let names: Vec<_> = snapshot
            .groups
            .iter()
            .map(|g| (g.id(), display_name(g).unwrap()))
            .collect();
        assert_eq!(names, [("g1", "Eng"), ("g2", "New name"), ("g3", "Sales")]);
        let users: Vec<_> = snapshot.users.iter().map(Resource::id).collect();
        assert_eq!(users, ["u1", "u2"]);
        assert!(snapshot.complete);
    }

    #[test]
    fn an_incomplete_refresh_marks_the_snapshot_incomplete() {
        let mut snapshot = Snapshot::new(Default::default());
        let refreshed = Refreshed {
            selection: GroupSelection::All,
            groups: Vec::new(),
            users: Vec::new(),
            embed_users: Vec::new(),
            dangling: Vec::new(),
            incomplete_reasons: vec!["group `Eng`: gave up".to_owned()],
            stats: FetchStats::default(),
        };
        refreshed.overlay(&mut snapshot);
        assert!(!snapshot.complete);
        assert_eq!(
            snapshot.incomplete_reasons,
            ["refresh: group `Eng`: gave up"]
        );
    }
}
