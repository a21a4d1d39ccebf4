//! The API token: a newtype that never prints itself.
//!
//! Omni Organization API keys never expire and act with Organization Admin
//! rights, so the token is kept out of every `Debug`, `Display`, log line,
//! error message and snapshot. The only way to read it is
//! [`Token::expose`], which the client calls once to build the
//! `Authorization` header (marked sensitive, so the HTTP stack redacts it too).
//!
//! A fetch may use several keys ([`Keys`]): Omni limits requests per key, and
//! its rate-limit page advises several keys for more throughput. A key is
//! named in messages by its position and [`Token::fingerprint`] (the first 8
//! hex digits of its sha256), never by its value.

use std::fmt;
use std::path::Path;

use sha2::{Digest as _, Sha256};

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
    /// A token file holds no token (only blank lines and comments).
    #[error("the token file `{path}` holds no API token")]
    NoneInFile {
        /// The file path.
        path: String,
    },
    /// The same key was given twice (each key has its own rate limit, so a
    /// key counted twice would be sent twice its budget).
    #[error("API key {second} is the same as key {first} (sha256 fingerprint {fingerprint})")]
    Duplicate {
        /// The position (1-based) of the first occurrence.
        first: usize,
        /// The position (1-based) of the repeat.
        second: usize,
        /// The key's fingerprint.
        fingerprint: String,
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

    /// Reads the tokens of a file: one per line, blank lines and lines
    /// starting with `#` ignored, surrounding whitespace trimmed. At least
    /// one is required.
    pub fn from_file(path: &Path) -> Result<Vec<Self>, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::File {
            path: path.display().to_string(),
            source,
        })?;
        let mut tokens = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            tokens.push(Self::new(
                line,
                &format!("`{}` line {}", path.display(), n + 1),
            )?);
        }
        if tokens.is_empty() {
            return Err(TokenError::NoneInFile {
                path: path.display().to_string(),
            });
        }
        Ok(tokens)
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

    /// The first 8 hex digits of the token's sha256: enough to tell keys
    /// apart in a message, useless for guessing the key.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.0.as_bytes());
        digest[..4].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Replaces every occurrence of the token in `text` by [`REDACTED`].
    ///
    /// Used on anything a server sends back that ends up in an error message:
    /// a hostile or buggy server may echo the `Authorization` header.
    pub fn redact(&self, text: &str) -> String {
        text.replace(self.0.as_str(), REDACTED)
    }
}

/// The API keys of one fetch: at least one, no two alike, in the order
/// given (positions in messages count from 1). Each key gets its own rate
/// limiter; requests are spread over them.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys(Vec<Token>);

impl Keys {
    /// The keys, in order. Fails on an empty list or a key given twice.
    pub fn new(tokens: Vec<Token>) -> Result<Self, TokenError> {
        if tokens.is_empty() {
            return Err(TokenError::Missing);
        }
        for (i, token) in tokens.iter().enumerate() {
            if let Some(first) = tokens[..i].iter().position(|t| t == token) {
                return Err(TokenError::Duplicate {
                    first: first + 1,
                    second: i + 1,
                    fingerprint: token.fingerprint(),
                });
            }
        }
        Ok(Keys(tokens))
    }

    /// The keys, in order.
    pub fn tokens(&self) -> &[Token] {
        &self.0
    }

    /// How many keys there are (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: there is at least one key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How messages name the key at `index` (0-based): `key 2 of 3 (sha256
    /// fingerprint 1a2b3c4d)`.
    pub fn describe(&self, index: usize) -> String {
        let fingerprint = self
            .0
            .get(index)
            .map_or_else(|| "unknown".to_owned(), Token::fingerprint);
        format!(
            "key {} of {} (sha256 fingerprint {fingerprint})",
            index + 1,
            self.0.len()
        )
    }

    /// Replaces every occurrence of every key in `text` by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for token in &self.0 {
            if out.contains(token.expose()) {
                out = token.redact(&out);
            }
        }
        out
    }
}

impl From<Token> for Keys {
    fn from(token: Token) -> Self {
        Keys(vec![token])
    }
}

impl From<&Token> for Keys {
    fn from(token: &Token) -> Self {
        Keys(vec![token.clone()])
    }
}

impl From<&Keys> for Keys {
    fn from(keys: &Keys) -> Self {
        keys.clone()
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keys({} × {REDACTED})", self.0.len())
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
        let tokens = Token::from_file(&path).unwrap();
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].expose(), SECRET);
        let missing = Token::from_file(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(missing, TokenError::File { .. }));
    }

    #[test]
    fn reads_several_tokens_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(
            &path,
            format!("# scimdrift keys\n\n  {SECRET}-1  \n# second one\n{SECRET}-2\n\n"),
        )
        .unwrap();
        let tokens = Token::from_file(&path).unwrap();
        let exposed: Vec<_> = tokens.iter().map(Token::expose).collect();
        assert_eq!(exposed, [format!("{SECRET}-1"), format!("{SECRET}-2")]);

        std::fs::write(&path, "# nothing here\n\n").unwrap();
        let err = Token::from_file(&path).unwrap_err();
        assert!(matches!(err, TokenError::NoneInFile { .. }), "{err}");

        std::fs::write(&path, format!("{SECRET}\n{SECRET} x\n")).unwrap();
        let err = Token::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains(SECRET), "{err}");
    }

    #[test]
    fn keys_are_named_by_position_and_fingerprint() {
        let a = Token::new(SECRET, "t").unwrap();
        let b = Token::new("another-key", "t").unwrap();
        // sha256("omni_org_5ecret-VALUE") starts with these 8 hex digits.
        assert_eq!(a.fingerprint(), "e0c7e0c8");
        assert_ne!(a.fingerprint(), b.fingerprint());
        let keys = Keys::new(vec![a.clone(), b.clone()]).unwrap();
        assert_eq!(
            keys.describe(1),
            format!("key 2 of 2 (sha256 fingerprint {})", b.fingerprint())
        );
        let printed = format!("{keys:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert_eq!(
            keys.redact(&format!("{SECRET} and another-key")),
            "[redacted] and [redacted]"
        );
        let dup = Keys::new(vec![a.clone(), b, a.clone()]).unwrap_err();
        assert_eq!(
            dup.to_string(),
            format!(
                "API key 3 is the same as key 1 (sha256 fingerprint {})",
                a.fingerprint()
            )
        );
        assert!(matches!(Keys::new(Vec::new()), Err(TokenError::Missing)));
    }
}
