//! Routing: a method and a path to the resource they name, per profile.
//! Reads are `GET`s of every collection; the only writes are Omni's group
//! writes (`PATCH /groups/{id}`, `POST /groups`).

use super::reply::Answer;
use crate::config::Profile;
use crate::store::Kind;
use axum::http::{Method, StatusCode};

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    /// `GET` a collection's list page.
    List(Kind),
    /// `GET` one resource by id (decoded).
    Get(Kind, String),
    /// `PATCH /groups/{id}` (id decoded).
    PatchGroup(String),
    /// `POST /groups`.
    CreateGroup,
}

impl Route {
    /// Whether the route changes the org.
    pub(super) fn is_write(&self) -> bool {
        matches!(self, Route::PatchGroup(_) | Route::CreateGroup)
    }
}

/// The route of a request, or the 404 (a `GET` of no such endpoint) or 405
/// (any other method and path) to answer instead.
pub(super) fn resolve(profile: Profile, method: &Method, path: &str) -> Result<Route, Answer> {
    let target = route(profile, path);
    match (method, target) {
        (&Method::GET, Some(route)) => Ok(route),
        (&Method::GET, None) => Err(Answer::omni_error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "no such endpoint",
        )),
        (&Method::PATCH, Some(Route::Get(Kind::Groups, id))) => Ok(Route::PatchGroup(id)),
        (&Method::POST, Some(Route::List(Kind::Groups))) => Ok(Route::CreateGroup),
        _ => Err(Answer::omni_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "the simulator serves GET requests, and PATCH and POST on groups only",
        )),
    }
}

/// The `GET` route a path names.
fn route(profile: Profile, path: &str) -> Option<Route> {
    let rest = match profile {
        Profile::Omni => path.strip_prefix("/api/scim/v2/")?,
        Profile::Scim => path
            .strip_prefix("/scim/v2/")
            .or_else(|| path.strip_prefix('/'))?,
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    match (profile, segs.as_slice()) {
        // `embed` is always lowercase; its `users` takes both spellings.
        (Profile::Omni, ["embed", "users" | "Users"]) => Some(Route::List(Kind::EmbedUsers)),
        (Profile::Omni, ["embed", "users" | "Users", id]) if !id.is_empty() => {
            Some(Route::Get(Kind::EmbedUsers, decode(id)))
        }
        (_, [seg]) => kind_segment(profile, seg).map(Route::List),
        (_, [seg, id]) if !id.is_empty() => {
            kind_segment(profile, seg).map(|k| Route::Get(k, decode(id)))
        }
        _ => None,
    }
}

fn kind_segment(profile: Profile, seg: &str) -> Option<Kind> {
    match (profile, seg) {
        (Profile::Omni, "users" | "Users") | (Profile::Scim, "Users") => Some(Kind::Users),
        (Profile::Omni, "groups" | "Groups") | (Profile::Scim, "Groups") => Some(Kind::Groups),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        use Kind::*;
        let omni = |p: &str| route(Profile::Omni, p);
        assert_eq!(omni("/api/scim/v2/users"), Some(Route::List(Users)));
        assert_eq!(omni("/api/scim/v2/Users/"), Some(Route::List(Users)));
        assert_eq!(
            omni("/api/scim/v2/Groups/ab_c-1"),
            Some(Route::Get(Groups, "ab_c-1".into()))
        );
        assert_eq!(
            omni("/api/scim/v2/embed/Users"),
            Some(Route::List(EmbedUsers))
        );
        assert_eq!(
            omni("/api/scim/v2/embed/users/x%20y"),
            Some(Route::Get(EmbedUsers, "x y".into()))
        );
        assert_eq!(omni("/api/scim/v2/Embed/Users"), None);
        assert_eq!(omni("/api/scim/v2/USERS"), None);
        assert_eq!(omni("/Users"), None);
        assert_eq!(omni("/api/scim/v2/users/a/b"), None);
        let scim = |p: &str| route(Profile::Scim, p);
        assert_eq!(scim("/Users"), Some(Route::List(Users)));
        assert_eq!(
            scim("/scim/v2/Groups/g"),
            Some(Route::Get(Groups, "g".into()))
        );
        assert_eq!(scim("/users"), None);
        assert_eq!(scim("/embed/Users"), None);
    }

    #[test]
    fn reads_and_group_writes_are_served() {
        let status = |m: Method, p: &str| {
            resolve(Profile::Omni, &m, p)
                .err()
                .map(|a| a.status.as_u16())
        };
        assert_eq!(status(Method::GET, "/api/scim/v2/users"), None);
        assert_eq!(status(Method::GET, "/api/scim/v2/nope"), Some(404));
        assert_eq!(status(Method::DELETE, "/api/scim/v2/users/u1"), Some(405));
        assert_eq!(status(Method::POST, "/nope"), Some(405));
        assert_eq!(status(Method::POST, "/api/scim/v2/users"), Some(405));
        assert_eq!(status(Method::PATCH, "/api/scim/v2/users/u1"), Some(405));
        assert_eq!(status(Method::PATCH, "/api/scim/v2/groups"), Some(405));
        assert_eq!(status(Method::POST, "/api/scim/v2/groups/g"), Some(405));
        assert_eq!(status(Method::PUT, "/api/scim/v2/groups/g"), Some(405));
        let ok = |m: Method, p: &str| resolve(Profile::Omni, &m, p).ok();
        assert_eq!(
            ok(Method::PATCH, "/api/scim/v2/Groups/a%2Fb"),
            Some(Route::PatchGroup("a/b".into()))
        );
        assert_eq!(
            ok(Method::POST, "/api/scim/v2/groups"),
            Some(Route::CreateGroup)
        );
        assert_eq!(
            resolve(Profile::Scim, &Method::POST, "/Groups").ok(),
            Some(Route::CreateGroup)
        );
    }
}
