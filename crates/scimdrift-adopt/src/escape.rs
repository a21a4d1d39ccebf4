//! Writing user data so that it loads back as the same literal: YAML scalars
//! (quoted unless plainly safe), group references (glob and template
//! metacharacters escaped) and comment text (no line breaks).

/// A YAML scalar for `value`: plain when that is unambiguous for every YAML
/// reader (letters, digits, a few punctuation marks; not a YAML word such as
/// `yes` or `null`), else double-quoted with every character outside YAML's
/// printable set escaped.
pub fn yaml_scalar(value: &str) -> String {
    if is_plain_safe(value) {
        value.to_owned()
    } else {
        quoted(value)
    }
}

/// `value` double-quoted for YAML.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    push_escaped(&mut out, value, true);
    out.push('"');
    out
}

/// Words YAML 1.1 or 1.2 readers may take for booleans or null.
const YAML_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
];

fn is_plain_safe(value: &str) -> bool {
    let mut chars = value.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_alphabetic() || value.ends_with(' ') {
        return false;
    }
    if YAML_WORDS.contains(&value.to_ascii_lowercase().as_str()) {
        return false;
    }
    // `.`, `-`, `_`, `@`, `+`, `/` and single spaces inside are literal in a
    // plain scalar; `:`, `#`, quotes, brackets and the like are not written
    // plain at all, so no context-dependent YAML rule applies.
    value
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '@' | '+' | '/'))
        && !value.contains("  ")
}

/// Whether YAML can hold `c` unescaped inside a double-quoted scalar.
fn printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn push_escaped(out: &mut String, value: &str, quotes: bool) {
    for c in value.chars() {
        match c {
            '"' if quotes => out.push_str("\\\""),
            '\\' if quotes => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
}

/// `value` made safe for a `#` comment: line breaks and other unprintable
/// characters written as escapes, so a name cannot end the comment.
pub fn comment_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_escaped(&mut out, value, false);
    out
}

/// How a live group name is referred to in `must_be_in`, `must_not_be_in`,
/// `only_in` and `ignore_groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    /// The reference text as the loader reads it (before YAML quoting).
    pub text: String,
    /// Whether the loader compiles it to a glob that may match more than the
    /// one name (see [`group_ref`]).
    pub glob: bool,
}

/// Escapes `*`, `?` and `\` so the loader reads them literally: the
/// loader's own escaping, so the two can never disagree.
pub use scimdrift_reconcile::escape_glob;

/// The reference to the live group called `name`.
///
/// An exact reference is the name with `*`, `?` and `\` escaped. Two kinds of
/// names cannot be written exactly, because the loader has no escape for them:
/// a name containing `${` (always read as a template) and a name that is only
/// whitespace (references must not be blank). Those become globs in which the
/// `{` of each `${` (or the last character) is `?`, matching the name and
/// possibly other names of the same length; callers check what else they
/// match ([`GroupRef::matches`]). An empty name cannot be referred to at all.
pub fn group_ref(name: &str) -> Option<GroupRef> {
    if name.is_empty() {
        return None;
    }
    let blank = name.trim().is_empty();
    if !blank && !name.contains("${") {
        return Some(GroupRef {
            text: escape_glob(name),
            glob: false,
        });
    }
    let chars: Vec<char> = name.chars().collect();
    let mut text = String::with_capacity(name.len() + 2);
    for (i, &c) in chars.iter().enumerate() {
        let after_dollar = c == '{' && i > 0 && chars[i - 1] == '$';
        let last_of_blank = blank && i + 1 == chars.len();
        if after_dollar || last_of_blank {
            text.push('?');
        } else if matches!(c, '*' | '?' | '\\') {
            text.push('\\');
            text.push(c);
        } else {
            text.push(c);
        }
    }
    Some(GroupRef { text, glob: true })
}

impl GroupRef {
    /// Whether the loader's compiled reference matches the live name `name`.
    pub fn matches(&self, name: &str) -> bool {
        if !self.glob {
            return unescape(&self.text) == name;
        }
        // The globs built by `group_ref` hold `?` and escaped characters only.
        let mut pattern = self.text.chars();
        let mut name = name.chars();
        loop {
            match (pattern.next(), name.next()) {
                (None, None) => return true,
                (Some('?'), Some(_)) => {}
                (Some('\\'), Some(n)) => {
                    if pattern.next() != Some(n) {
                        return false;
                    }
                }
                (Some(p), Some(n)) if p == n => {}
                _ => return false,
            }
        }
    }
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next().unwrap_or('\\'));
        } else {
            out.push(c);
        }
    }
    out
}

/// The `${embedEntity}` template with literal text around it, or `None` when
/// the text holds `${` (which the loader would read as another template).
pub fn entity_template(prefix: &str, suffix: &str) -> Option<String> {
    if prefix.contains("${") || suffix.contains("${") {
        return None;
    }
    Some(format!(
        "{}${{embedEntity}}{}",
        escape_glob(prefix),
        escape_glob(suffix)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn scalar(value: &str, expected: &str) {
        assert_eq!(yaml_scalar(value), expected);
    }

    #[test]
    fn scalars() {
        scalar("Blob Sales", "Blob Sales");
        scalar(
            "ada.abara.0@blobsrus.example",
            "ada.abara.0@blobsrus.example",
        );
        scalar("Équipe Données", "Équipe Données");
        scalar("yes", "\"yes\"");
        scalar("No", "\"No\"");
        scalar("null", "\"null\"");
        scalar("~", "\"~\"");
        scalar("123", "\"123\"");
        scalar("1e3", "\"1e3\"");
        scalar(" lead", "\" lead\"");
        scalar("trail ", "\"trail \"");
        scalar("a #b", "\"a #b\"");
        scalar("key: value", "\"key: value\"");
        scalar("say \"hi\"", r#""say \"hi\"""#);
        scalar(r"back\slash", r#""back\\slash""#);
        scalar("line\nbreak\u{2028}", r#""line\nbreak\u2028""#);
        scalar("nul\0", r#""nul\u0000""#);
        scalar("", "\"\"");
    }

    #[track_caller]
    fn reference(name: &str, text: &str, glob: bool) {
        let r = group_ref(name).unwrap();
        assert_eq!((r.text.as_str(), r.glob), (text, glob), "{name}");
        assert!(r.matches(name), "{name} matches itself");
    }

    #[test]
    fn references() {
        reference("Admins", "Admins", false);
        reference("Star *", r"Star \*", false);
        reference("Who?", r"Who\?", false);
        reference(r"a\b", r"a\\b", false);
        reference("Cost ${region}", "Cost $?region}", true);
        reference("   ", "  ?", true);
        assert_eq!(group_ref(""), None);
        let r = group_ref("a${b}").unwrap();
        assert!(r.matches("a$xb}"));
        assert!(!r.matches("a${b}c"));
        assert!(!group_ref("Star *").unwrap().matches("Star x"));
    }

    #[test]
    fn templates() {
        assert_eq!(
            entity_template("Entity ", "").as_deref(),
            Some("Entity ${embedEntity}")
        );
        assert_eq!(
            entity_template("*", " (ext)").as_deref(),
            Some(r"\*${embedEntity} (ext)")
        );
        assert_eq!(entity_template("${x}", ""), None);
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment_text("a\nb\r\u{85}c"), r"a\nb\r\u0085c");
        assert_eq!(comment_text("\"q\""), "\"q\"");
    }
}
