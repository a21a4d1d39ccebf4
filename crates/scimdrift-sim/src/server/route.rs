//! Routing: a method and a path to the resource they name, per profile.

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
}

/// The route of a request, or the 405 (any method but `GET`) or 404 (no such
/// endpoint) to answer instead.
pub(super) fn resolve(profile: Profile, method: &Method, path: &str) -> Result<Route, Answer> {
    if method != Method::GET {
        return Err(Answer::omni_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "the simulator serves GET requests only",
        ));
    }
    route(profile, path)
        .ok_or_else(|| Answer::omni_error(StatusCode::NOT_FOUND, "Not Found", "no such endpoint"))
}

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
    fn only_get_is_served() {
        let status = |m: Method, p: &str| {
            resolve(Profile::Omni, &m, p)
                .err()
                .map(|a| a.status.as_u16())
        };
        assert_eq!(status(Method::GET, "/api/scim/v2/users"), None);
        assert_eq!(status(Method::GET, "/api/scim/v2/nope"), Some(404));
        assert_eq!(status(Method::DELETE, "/api/scim/v2/users/u1"), Some(405));
        assert_eq!(status(Method::POST, "/nope"), Some(405));
    }
}
