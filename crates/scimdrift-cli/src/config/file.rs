//! Reading one `scimdrift.toml`: a spanned TOML table walked key by key,
//! so every unknown key, wrong type or bad value is a `file:line:column`
//! diagnostic with a caret and a hint, like the policy loader's.
//!
//! A token in the file is refused, and no excerpt ever shows its value.

use crate::cmd::check::FailOnArg;
use crate::connect::{PathCaseArg, ProviderArg, parse_page_size, parse_rate};
use crate::output::{OutputSpec, parse_output};
use clap::ValueEnum;
use scimdrift_fetch::PageSize;
use scimdrift_reconcile::{Diagnostic, Level};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The top-level keys.
const ROOT_KEYS: &[&str] = &["policies", "connection", "check"];
/// The keys of `[connection]`.
const CONNECTION_KEYS: &[&str] = &[
    "provider",
    "base_url",
    "path_case",
    "rate_limit",
    "page_size",
    "token_file",
];
/// The keys of `[check]`.
const CHECK_KEYS: &[&str] = &["fail_on", "outputs", "state_dir", "full_report"];

/// A value from the file and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    /// The value (paths already resolved against the file's directory).
    pub value: T,
    /// 1-based line of the value.
    pub line: u32,
    /// 1-based column of the value.
    pub column: u32,
}

/// One configuration file, read and checked. It never holds a token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    /// The file as shown in messages (relative to the working directory
    /// when it was discovered).
    pub shown: String,
    /// `policies`.
    pub policies: Option<At<PathBuf>>,
    /// `connection.provider`.
    pub provider: Option<At<ProviderArg>>,
    /// `connection.base_url`.
    pub base_url: Option<At<String>>,
    /// `connection.path_case`.
    pub path_case: Option<At<PathCaseArg>>,
    /// `connection.rate_limit`, requests per minute.
    pub rate_limit: Option<At<f64>>,
    /// `connection.page_size`.
    pub page_size: Option<At<PageSize>>,
    /// `connection.token_file`.
    pub token_file: Option<At<PathBuf>>,
    /// `check.fail_on`.
    pub fail_on: Option<At<FailOnArg>>,
    /// `check.outputs`.
    pub outputs: Option<At<Vec<OutputSpec>>>,
    /// `check.state_dir`.
    pub state_dir: Option<At<PathBuf>>,
    /// `check.full_report`.
    pub full_report: Option<At<String>>,
}

/// Parses `text`, the file shown as `shown`; relative paths in it are
/// resolved against `dir` (the file's directory, as the user would write
/// it on the command line). Every problem is one diagnostic.
pub fn parse(text: &str, shown: &str, dir: &Path) -> Result<ConfigFile, Vec<Diagnostic>> {
    let mut reader = Reader {
        text,
        shown,
        dir,
        diags: Vec::new(),
    };
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim_end().to_owned();
            reader.error(
                span,
                format!("invalid TOML: {message}"),
                Some("see the README's \"Configuration\" section for the format".to_owned()),
            );
            return Err(reader.diags);
        }
    };
    let mut file = ConfigFile {
        shown: shown.to_owned(),
        ..ConfigFile::default()
    };
    for (key, value) in reader.entries(root.get_ref(), ROOT_KEYS, "") {
        match key {
            "policies" => file.policies = reader.path(value, "policies"),
            "connection" => {
                if let Some(table) = reader.table(value, "connection") {
                    reader.connection(table, &mut file);
                }
            }
            "check" => {
                if let Some(table) = reader.table(value, "check") {
                    reader.check(table, &mut file);
                }
            }
            _ => {}
        }
    }
    if reader.diags.is_empty() {
        Ok(file)
    } else {
        reader.diags.sort_by_key(|d| (d.line, d.column));
        Err(reader.diags)
    }
}

/// Whether a key names a secret: the token must never be written in the file.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    key != "token_file"
        && ["token", "secret", "password", "api_key", "apikey"]
            .iter()
            .any(|s| key.contains(s))
}

/// The walk over the file, collecting diagnostics.
struct Reader<'t> {
    text: &'t str,
    shown: &'t str,
    dir: &'t Path,
    diags: Vec<Diagnostic>,
}

type Value<'i> = Spanned<DeValue<'i>>;

impl<'t> Reader<'t> {
    /// The entries of `table` with an allowed key, sorted by position;
    /// unknown keys and secrets are reported. `prefix` names the table in
    /// messages (`""` for the top level, else `connection.`).
    fn entries<'v>(
        &mut self,
        table: &'v DeTable<'t>,
        allowed: &[&str],
        prefix: &str,
    ) -> Vec<(&'v str, &'v Value<'t>)> {
        let mut out = Vec::new();
        for (key, value) in table {
            let name: &str = key.get_ref();
            if is_secret_key(name) {
                self.error(
                    key.span(),
                    format!("a token does not belong in `{}`", self.shown),
                    Some(
                        "put the token in a file readable only by you and set `token_file` under [connection], or export OMNI_API_TOKEN"
                            .to_owned(),
                    ),
                );
            } else if allowed.contains(&name) {
                out.push((name, value));
            } else {
                let hint = misplaced(name, prefix)
                    .or_else(|| suggest(name, allowed).map(|c| format!("did you mean `{c}`?")))
                    .unwrap_or_else(|| format!("allowed keys: {}", allowed.join(", ")));
                let table = if prefix.is_empty() {
                    "at the top level".to_owned()
                } else {
                    format!("in [{}]", prefix.trim_end_matches('.'))
                };
                self.error(
                    key.span(),
                    format!("unknown key `{name}` {table}"),
                    Some(hint),
                );
            }
        }
        out.sort_by_key(|(_, v)| v.span().start);
        out
    }

    fn connection(&mut self, table: &DeTable<'t>, file: &mut ConfigFile) {
        for (key, value) in self.entries(table, CONNECTION_KEYS, "connection.") {
            let what = format!("connection.{key}");
            match key {
                "provider" => file.provider = self.choice(value, &what),
                "path_case" => file.path_case = self.choice(value, &what),
                "base_url" => {
                    file.base_url = self.string(value, &what).and_then(|at| {
                        match url::Url::parse(&at.value) {
                            Ok(_) => Some(at),
                            Err(e) => {
                                self.error(
                                    value.span(),
                                    format!("`{what}` is not a URL: {e}"),
                                    Some(
                                        "write the instance URL, e.g. \"https://blobsrus.omniapp.co\""
                                            .to_owned(),
                                    ),
                                );
                                None
                            }
                        }
                    });
                }
                "rate_limit" => file.rate_limit = self.rate(value, &what),
                "page_size" => file.page_size = self.page_size(value, &what),
                "token_file" => file.token_file = self.path(value, &what),
                _ => {}
            }
        }
    }

    fn check(&mut self, table: &DeTable<'t>, file: &mut ConfigFile) {
        for (key, value) in self.entries(table, CHECK_KEYS, "check.") {
            let what = format!("check.{key}");
            match key {
                "fail_on" => file.fail_on = self.choice(value, &what),
                "outputs" => file.outputs = self.outputs(value, &what),
                "state_dir" => file.state_dir = self.path(value, &what),
                "full_report" => file.full_report = self.string(value, &what),
                _ => {}
            }
        }
    }

    fn table<'v>(&mut self, value: &'v Value<'t>, what: &str) -> Option<&'v DeTable<'t>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                self.wrong_type(value, what, "a table", other);
                None
            }
        }
    }

    fn string(&mut self, value: &Value<'t>, what: &str) -> Option<At<String>> {
        match value.get_ref() {
            DeValue::String(s) => Some(self.at(value, s.to_string())),
            other => {
                self.wrong_type(value, what, "a string", other);
                None
            }
        }
    }

    /// A path, resolved against the file's directory.
    fn path(&mut self, value: &Value<'t>, what: &str) -> Option<At<PathBuf>> {
        let at = self.string(value, what)?;
        if at.value.is_empty() {
            self.error(value.span(), format!("`{what}` is empty"), None);
            return None;
        }
        Some(At {
            value: self.dir.join(&at.value),
            line: at.line,
            column: at.column,
        })
    }

    /// One of a flag's values, spelled as on the command line.
    fn choice<T: ValueEnum + Clone>(&mut self, value: &Value<'t>, what: &str) -> Option<At<T>> {
        let at = self.string(value, what)?;
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        if let Ok(choice) = T::from_str(&at.value, false) {
            return Some(At {
                value: choice,
                line: at.line,
                column: at.column,
            });
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = suggest(&at.value, &refs)
            .map(|c| format!("did you mean \"{c}\"?"))
            .unwrap_or_else(|| format!("expected one of: {}", names.join(", ")));
        self.error(
            value.span(),
            format!("`{what}` cannot be \"{}\"", at.value),
            Some(hint),
        );
        None
    }

    fn rate(&mut self, value: &Value<'t>, what: &str) -> Option<At<f64>> {
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(n) => n.as_str().to_owned(),
            DeValue::Float(n) => n.as_str().to_owned(),
            other => {
                self.wrong_type(
                    value,
                    what,
                    "a string such as \"50/min\", or a number",
                    other,
                );
                return None;
            }
        };
        match parse_rate(&text) {
            Ok(rate) => Some(self.at(value, rate)),
            Err(e) => {
                self.error(value.span(), format!("`{what}`: {e}"), None);
                None
            }
        }
    }

    fn page_size(&mut self, value: &Value<'t>, what: &str) -> Option<At<PageSize>> {
        let text = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(n) => n.as_str().to_owned(),
            other => {
                self.wrong_type(value, what, "\"auto\" or a number", other);
                return None;
            }
        };
        match parse_page_size(&text) {
            Ok(size) => Some(self.at(value, size)),
            Err(e) => {
                self.error(value.span(), format!("`{what}`: {e}"), None);
                None
            }
        }
    }

    fn outputs(&mut self, value: &Value<'t>, what: &str) -> Option<At<Vec<OutputSpec>>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                value,
                what,
                "an array of \"FORMAT=PATH\" strings",
                value.get_ref(),
            );
            return None;
        };
        let mut specs = Vec::new();
        let mut ok = true;
        for item in items {
            let Some(at) = self.string(item, &format!("each entry of `{what}`")) else {
                ok = false;
                continue;
            };
            match parse_output(&at.value) {
                Ok(mut spec) => {
                    spec.path = self.dir.join(&spec.path);
                    specs.push(spec);
                }
                Err(e) => {
                    self.error(item.span(), format!("`{what}`: {e}"), None);
                    ok = false;
                }
            }
        }
        ok.then(|| self.at(value, specs))
    }

    fn at<T>(&self, value: &Value<'t>, v: T) -> At<T> {
        let (line, column) = self.position(value.span().start);
        At {
            value: v,
            line,
            column,
        }
    }

    fn wrong_type(&mut self, value: &Value<'t>, what: &str, expected: &str, found: &DeValue<'_>) {
        self.error(
            value.span(),
            format!("`{what}` must be {expected}, found {}", type_name(found)),
            None,
        );
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    fn error(&mut self, span: Range<usize>, message: String, hint: Option<String>) {
        let (line, column) = self.position(span.start);
        let source_line = self.text.lines().nth((line as usize).saturating_sub(1));
        let len = self
            .text
            .get(span.clone())
            .map_or(1, |s| s.lines().next().unwrap_or("").chars().count().max(1));
        self.diags.push(Diagnostic {
            level: Level::Error,
            file: self.shown.to_owned(),
            line,
            column,
            len: u32::try_from(len).unwrap_or(1),
            message,
            hint,
            excerpt: source_line.map(redact),
            related: None,
        });
    }
}

/// The hint for a key written in the wrong table.
fn misplaced(name: &str, prefix: &str) -> Option<String> {
    let home = if CONNECTION_KEYS.contains(&name) {
        "[connection]"
    } else if CHECK_KEYS.contains(&name) {
        "[check]"
    } else if name == "policies" {
        "the top level"
    } else if name == "expiring_within_days" {
        return Some(
            "`expiring_within_days` stays in the policies: set it in a policy file's `settings:`"
                .to_owned(),
        );
    } else {
        return None;
    };
    let here = if prefix.is_empty() {
        "the top level".to_owned()
    } else {
        format!("[{}]", prefix.trim_end_matches('.'))
    };
    (home != here).then(|| format!("`{name}` belongs in {home}"))
}

/// A line as an excerpt may show it: when it mentions a secret (a key
/// such as `token`, even inside an inline table), everything after the
/// first `=` is replaced, so no error ever prints a token.
fn redact(line: &str) -> String {
    let lower = line.to_ascii_lowercase().replace("token_file", "");
    let secret = ["token", "secret", "password", "api_key", "apikey"]
        .iter()
        .any(|s| lower.contains(s));
    match line.find('=') {
        Some(eq) if secret => format!("{}= …", &line[..eq]),
        None if secret => "…".to_owned(),
        _ => line.to_owned(),
    }
}

/// The closest candidate to `word`, if close enough to be a likely typo
/// (the policy loader's rule).
fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let lower = word.to_lowercase().replace('-', "_");
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_never_show_a_secret() {
        assert_eq!(redact("token = \"abc\""), "token = …");
        assert_eq!(redact("connection = { token = \"abc\" }"), "connection = …");
        assert_eq!(redact("api_token abc"), "…");
        assert_eq!(
            redact("token_file = \"secret.txt\""),
            "token_file = …",
            "a file name that says secret is hidden too: better safe"
        );
        assert_eq!(redact("token_file = \"t.txt\""), "token_file = \"t.txt\"");
    }

    #[test]
    fn paths_resolve_against_the_file() {
        let file = parse(
            "policies = \"p\"\n[check]\nstate_dir = \"/abs\"\noutputs = [\"json=r.json\"]\n",
            "../scimdrift.toml",
            Path::new(".."),
        )
        .unwrap();
        assert_eq!(file.policies.unwrap().value, Path::new("../p"));
        assert_eq!(file.state_dir.unwrap().value, Path::new("/abs"));
        assert_eq!(file.outputs.unwrap().value[0].path, Path::new("../r.json"));
    }

    #[test]
    fn positions_count_characters() {
        let errors =
            parse("# é\n[check]\n  \"fäil_on\" = 1\n", "s.toml", Path::new("")).unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (3, 3));
        assert_eq!(errors[0].hint.as_deref(), Some("did you mean `fail_on`?"));
    }
}
