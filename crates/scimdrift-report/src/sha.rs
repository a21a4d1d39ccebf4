//! Hashes as reports show them.

/// A sha256 or git commit hash shortened for display: its first 12
/// characters (all of it when shorter). Reports keep full hashes; headers,
/// comments and labels show this.
///
/// ```
/// use scimdrift_report::short_sha;
/// assert_eq!(short_sha("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"), "9f86d081884c");
/// assert_eq!(short_sha("abc"), "abc");
/// ```
pub fn short_sha(sha: &str) -> &str {
    // By character, not byte: a hand-edited report may hold anything here.
    sha.char_indices()
        .nth(12)
        .map_or(sha, |(end, _)| &sha[..end])
}

#[cfg(test)]
mod tests {
    use super::short_sha;

    #[test]
    fn keeps_twelve_characters() {
        let full = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(short_sha(full), "e3b0c44298fc");
        assert_eq!(short_sha("e3b0c44298fc"), "e3b0c44298fc");
        assert_eq!(short_sha(""), "");
        assert_eq!(short_sha("ééééééééééééé"), "éééééééééééé");
    }
}
