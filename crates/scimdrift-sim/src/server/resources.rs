//! Serving a route: a list page (see [`super::list`]), one resource by id, or
//! a group write (see [`super::writes`]); and the query parameters reads
//! understand.

use super::list;
use super::reply::Answer;
use super::route::Route;
use super::state::{Shared, read};
use super::writes;
use crate::store::{Entry, Kind};
use axum::http::StatusCode;

/// The answer to a route, before body faults.
#[derive(Debug)]
pub(super) struct Served {
    pub(super) answer: Answer,
    /// Set when the answer is a list page (status 200).
    pub(super) page: Option<list::Page>,
}

/// Answers `route` from the org (`body`: the request's, for writes).
pub(super) fn serve(shared: &Shared, route: &Route, params: &Params, body: &[u8]) -> Served {
    match route {
        Route::List(kind) => match list::page(shared, *kind, params) {
            Ok((answer, page)) => Served {
                answer,
                page: Some(page),
            },
            Err(answer) => Served { answer, page: None },
        },
        Route::Get(kind, id) => Served {
            answer: get(shared, *kind, id, params),
            page: None,
        },
        Route::PatchGroup(id) => Served {
            answer: writes::patch_group(shared, id, body),
            page: None,
        },
        Route::CreateGroup => Served {
            answer: writes::create_group(shared, body),
            page: None,
        },
    }
}

/// The query parameters the simulator understands.
#[derive(Debug, Default)]
pub(super) struct Params {
    pub(super) start_index: Option<String>,
    pub(super) count: Option<String>,
    pub(super) filter: Option<String>,
    pub(super) excluded: Option<String>,
}

impl Params {
    /// The first value of each parameter; unknown parameters are ignored.
    pub(super) fn parse(query: Option<&str>) -> Self {
        let mut p = Params::default();
        // `+` decodes to a space, as in most web stacks: a client that does not
        // percent-encode `+` in `userName eq "a+b@x"` gets a surprise.
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match k.as_ref() {
                "startIndex" => &mut p.start_index,
                "count" => &mut p.count,
                "filter" => &mut p.filter,
                "excludedAttributes" => &mut p.excluded,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.into_owned());
            }
        }
        p
    }

    /// Whether `excludedAttributes` names `members` (case-insensitively).
    pub(super) fn excludes_members(&self) -> bool {
        self.excluded.as_deref().is_some_and(|e| {
            e.split(',')
                .any(|a| a.trim().eq_ignore_ascii_case("members"))
        })
    }
}

/// The resource's JSON without its `members` (`excludedAttributes=members`).
pub(super) fn without_members(r: &Entry) -> String {
    let mut v = r.to_value();
    if let Some(obj) = v.as_object_mut() {
        obj.retain(|k, _| !k.eq_ignore_ascii_case("members"));
    }
    v.to_string()
}

fn get(shared: &Shared, kind: Kind, id: &str, params: &Params) -> Answer {
    let store = read(&shared.store);
    match store.get(kind, id) {
        Some(r) if kind == Kind::Groups && params.excludes_members() => {
            Answer::json(StatusCode::OK, without_members(r))
        }
        Some(r) => Answer::json(StatusCode::OK, r.json().to_owned()),
        None => Answer::scim_error(
            StatusCode::NOT_FOUND,
            None,
            &format!("Resource {id} not found"),
        ),
    }
}
