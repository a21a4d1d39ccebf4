//! The API token: a newtype that never prints itself.
//!
//! Omni Organization API keys never expire and act with Organization Admin
//! rights, so the token is kept out of every `Debug`, `Display`, log line,
//! error message and snapshot. The only way to read it is
//! [`Token::expose`], which the client calls once to build the
//! `Authorization` header (marked sensitive, so the HTTP stack redacts it too).

use std::fmt;
use std::path::Path;

/// The environment variable the token is read from by default.
pub const TOKEN_ENV: &str = "OMNI_API_TOKEN";

/// What `Debug` and `Display` print instead of the token.
pub const REDACTED: &str = "[redacted]";

/// An API token (an Omni Organization API key, or any SCIM bearer token).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// Why a token could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is empty (or only whitespace).
    #[error("the API token from {origin} is empty")]
    Empty {
        /// Where the token came from (`OMNI_API_TOKEN`, a file path, ...).
        origin: String,
    },
    /// The token holds characters an HTTP header cannot carry.
    #[error(
        "the API token from {origin} contains whitespace or control characters (it cannot be sent in an HTTP header)"
    )]
    BadCharacters {
        /// Where the token came from.
        origin: String,
    },
    /// The token file could not be read.
    #[error("cannot read the token file `{path}`")]
    File {
        /// The file path.
        path: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// No token was given anywhere.
    #[error("no API token: set {TOKEN_ENV} or pass --token-file")]
    Missing,
}

impl Token {
    /// Wraps a token, trimming surrounding whitespace (a trailing newline from
    /// `echo` into a file is common). `origin` names the source in errors.
    pub fn new(value: &str, origin: &str) -> Result<Self, TokenError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(TokenError::Empty {
                origin: origin.to_owned(),
            });
        }
        // Header values may hold visible ASCII and spaces; a bearer token has
        // no reason to hold anything but visible ASCII.
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::BadCharacters {
                origin: origin.to_owned(),
            });
        }
        Ok(Token(trimmed.to_owned()))
    }

    /// Reads a token from a file (its whole content, trimmed).
    pub fn from_file(path: &Path) -> Result<Self, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::File {
            path: path.display().to_string(),
            source,
        })?;
        Self::new(&text, &format!("`{}`", path.display()))
    }

    /// Reads the token from [`TOKEN_ENV`], if set.
    pub fn from_env() -> Option<Result<Self, TokenError>> {
        let value = std::env::var(TOKEN_ENV).ok()?;
        Some(Self::new(&value, TOKEN_ENV))
    }

    /// The secret itself. Only the HTTP client should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the token in `text` by [`REDACTED`].
    ///
    /// Used on anything a server sends back that ends up in an error message:
    /// a hostile or buggy server may echo the `Authorization` header.
    pub fn redact(&self, text: &str) -> String {
        text.replace(self.0.as_str(), REDACTED)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({REDACTED})")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "omni_org_5ecret-VALUE";

    #[test]
    fn never_prints_itself() {
        let token = Token::new(SECRET, "test").unwrap();
        let printed = format!("{token} {token:?} {token:#?} {:?}", Some(&token));
        assert!(!printed.contains(SECRET), "{printed}");
        assert_eq!(
            printed,
            "[redacted] Token([redacted]) Token([redacted]) Some(Token([redacted]))"
        );
        assert_eq!(token.expose(), SECRET);
    }

    #[test]
    fn trims_and_validates() {
        assert_eq!(Token::new(" abc\n", "t").unwrap().expose(), "abc");
        assert!(matches!(
            Token::new(" \n", "t"),
            Err(TokenError::Empty { .. })
        ));
        assert!(matches!(
            Token::new("ab c", "t"),
            Err(TokenError::BadCharacters { .. })
        ));
        assert!(matches!(
            Token::new("abc\u{7}", "t"),
            Err(TokenError::BadCharacters { .. })
        ));
    }

    #[test]
    fn errors_do_not_contain_the_token() {
        let err = Token::new(&format!("{SECRET} x"), "OMNI_API_TOKEN").unwrap_err();
        assert!(!err.to_string().contains(SECRET));
        insta::assert_snapshot!(err, @"the API token from OMNI_API_TOKEN contains whitespace or control characters (it cannot be sent in an HTTP header)");
    }

    #[test]
    fn redacts_echoes() {
        let token = Token::new(SECRET, "t").unwrap();
        assert_eq!(
            token.redact(&format!("bad header: Bearer {SECRET}")),
            "bad header: Bearer [redacted]"
        );
    }

    #[test]
    fn reads_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, format!("{SECRET}\n")).unwrap();
        assert_eq!(Token::from_file(&path).unwrap().expose(), SECRET);
        let missing = Token::from_file(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(missing, TokenError::File { .. }));
    }
}
