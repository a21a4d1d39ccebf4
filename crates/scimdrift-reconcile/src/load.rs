//! Loading and validating policy files: YAML → spanned tree → typed
//! [`Policies`], collecting every error instead of stopping at the first.

use crate::diag::{Diagnostic, Level, Related};
use crate::model::{
    DeclaredMember, Exception, GroupDecl, MembersMode, Policies, Rule, Settings, SodRule,
    SubjectKind, UnmanagedGroups,
};
use crate::pattern::GroupPattern;
use crate::schema_attrs;
use crate::yaml::{self, Node, NodeKind, Pos, Style};
use scimdrift_proto::Filter;
use scimdrift_report::{PolicyFileRef, PolicyLocation, Severity};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// Largest policy file accepted, in bytes.
pub const MAX_POLICY_FILE_BYTES: usize = 1024 * 1024;

/// One policy file handed to the loader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    /// The path as shown to users (relative to the policies directory, `/` separators).
    pub path: String,
    /// The file's text.
    pub contents: String,
}

/// Successfully loaded policies and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The merged policies.
    pub policies: Policies,
    /// Warnings (the policies are usable).
    pub warnings: Vec<Diagnostic>,
}

/// Loads and validates policy files. On failure, returns every error (and
/// warning) found, sorted by file and position.
pub fn load_policies(files: &[PolicySource]) -> Result<Loaded, Vec<Diagnostic>> {
    let mut sorted: Vec<&PolicySource> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut diags = Vec::new();
    let mut policies = Policies::default();
    let mut settings_at: Option<PolicyLocation> = None;
    for file in sorted {
        policies.files.push(PolicyFileRef {
            file: file.path.clone(),
            sha256: hex::encode(Sha256::digest(file.contents.as_bytes())),
        });
        // A byte-order mark (some editors write one) is not part of the YAML.
        let contents = file
            .contents
            .strip_prefix('\u{feff}')
            .unwrap_or(&file.contents);
        let mut ctx = Ctx {
            file: &file.path,
            source: contents,
            diags: &mut diags,
        };
        if file.contents.len() > MAX_POLICY_FILE_BYTES {
            ctx.whole_file(
                format!(
                    "policy file is larger than {} KiB",
                    MAX_POLICY_FILE_BYTES / 1024
                ),
                Some("split the policies into several files".to_owned()),
            );
            continue;
        }
        let root = match yaml::parse(contents) {
            Ok(Some(root)) => root,
            Ok(None) => {
                ctx.whole_file(
                    "policy file is empty".to_owned(),
                    Some("start the file with `version: 1`".to_owned()),
                );
                continue;
            }
            Err(err) => {
                ctx.at(err.pos, err.message, err.hint);
                continue;
            }
        };
        ctx.file_root(&root, &mut policies, &mut settings_at);
    }
    cross_checks(&policies, &mut diags);
    warn_unknown_attributes(&policies, files, &mut diags);
    diags.sort_by(|a, b| {
        (a.level, &a.file, a.line, a.column, &a.message)
            .cmp(&(b.level, &b.file, b.line, b.column, &b.message))
    });
    diags.dedup();
    if diags.iter().any(|d| d.level == Level::Error) {
        return Err(diags);
    }
    Ok(Loaded {
        policies,
        warnings: diags,
    })
}

struct Ctx<'a> {
    file: &'a str,
    source: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

fn loc(file: &str, pos: Pos) -> PolicyLocation {
    PolicyLocation {
        file: file.to_owned(),
        line: pos.line,
        column: pos.column,
    }
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let lower = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

fn did_you_mean(word: &str, candidates: &[&str]) -> Option<String> {
    suggest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

const TOP_KEYS: &[&str] = &[
    "version",
    "settings",
    "groups",
    "embed_users",
    "users",
    "separation_of_duties",
    "exceptions",
];
const SETTINGS_KEYS: &[&str] = &[
    "unmanaged_groups",
    "ignore_groups",
    "group_name_pattern",
    "expiring_within_days",
    "max_missing_ratio",
];
const GROUP_KEYS: &[&str] = &[
    "name",
    "owner",
    "members",
    "users",
    "embed_users",
    "min_members",
    "max_members",
    "severity",
];
const RULE_KEYS: &[&str] = &[
    "id",
    "description",
    "where",
    "must_be_in",
    "must_not_be_in",
    "only_in",
    "severity",
];
const SOD_KEYS: &[&str] = &["id", "description", "groups", "severity"];
const EXCEPTION_KEYS: &[&str] = &[
    "rule", "subject", "group", "reason", "ticket", "owner", "expires",
];

impl Ctx<'_> {
    fn excerpt(&self, line: u32) -> Option<String> {
        if line == 0 {
            return None;
        }
        self.source
            .lines()
            .nth(line as usize - 1)
            .map(str::to_owned)
    }

    fn push(&mut self, level: Level, pos: Pos, message: String, hint: Option<String>) {
        let excerpt = self.excerpt(pos.line);
        self.diags.push(Diagnostic {
            level,
            file: self.file.to_owned(),
            line: pos.line,
            column: pos.column,
            len: pos.len,
            message,
            hint,
            excerpt,
            related: None,
        });
    }

    fn at(&mut self, pos: Pos, message: String, hint: Option<String>) {
        self.push(Level::Error, pos, message, hint);
    }

    fn whole_file(&mut self, message: String, hint: Option<String>) {
        self.diags.push(Diagnostic {
            level: Level::Error,
            file: self.file.to_owned(),
            line: 0,
            column: 0,
            len: 0,
            message,
            hint,
            excerpt: None,
            related: None,
        });
    }

    fn wrong_type(&mut self, node: &Node, expected: &str, what: &str) {
        self.at(
            node.pos,
            format!("`{what}` must be {expected}, found {}", node.type_name()),
            None,
        );
    }

    /// Checks a mapping's keys: unknown keys, duplicate keys, non-string keys.
    /// Returns the entries by key (first occurrence wins).
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        allowed: &[&str],
        what: &str,
    ) -> Option<BTreeMap<&'n str, (&'n Node, &'n Node)>> {
        let NodeKind::Map(entries) = &node.kind else {
            self.wrong_type(node, "a mapping", what);
            return None;
        };
        let mut out: BTreeMap<&str, (&Node, &Node)> = BTreeMap::new();
        for (key, value) in entries {
            let Some(k) = key.as_scalar() else {
                self.at(key.pos, format!("keys in `{what}` must be strings"), None);
                continue;
            };
            let name = k.value.as_str();
            if !allowed.contains(&name) {
                let hint = did_you_mean(name, allowed)
                    .or_else(|| Some(format!("allowed keys: {}", allowed.join(", "))));
                self.at(key.pos, format!("unknown key `{name}` in {what}"), hint);
                continue;
            }
            if let Some((first, _)) = out.get(name) {
                let related = Related {
                    label: "first given".to_owned(),
                    file: self.file.to_owned(),
                    line: first.pos.line,
                    column: first.pos.column,
                };
                self.at(
                    key.pos,
                    format!("duplicate key `{name}` in {what}"),
                    Some("remove one of them".to_owned()),
                );
                if let Some(last) = self.diags.last_mut() {
                    last.related = Some(related);
                }
                continue;
            }
            out.insert(name, (key, value));
        }
        Some(out)
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Scalar(s) if !node.is_null() || s.style != Style::Plain => {
                Some(s.value.clone())
            }
            _ => {
                self.wrong_type(node, "a string", what);
                None
            }
        }
    }

    fn non_empty_string(&mut self, node: &Node, what: &str) -> Option<String> {
        let s = self.string(node, what)?;
        if s.trim().is_empty() {
            self.at(node.pos, format!("`{what}` must not be empty"), None);
            return None;
        }
        Some(s)
    }

    fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.kind {
            NodeKind::Seq(items) => Some(items),
            _ => {
                self.wrong_type(node, "a list", what);
                None
            }
        }
    }

    fn uint(&mut self, node: &Node, what: &str) -> Option<u64> {
        let parsed = match &node.kind {
            NodeKind::Scalar(s) if s.style == Style::Plain => s.value.parse::<u64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.at(
                node.pos,
                format!(
                    "`{what}` must be a non-negative whole number, found {}",
                    node.type_name()
                ),
                None,
            );
        }
        parsed
    }

    fn severity(&mut self, node: &Node) -> Option<Severity> {
        let s = self.string(node, "severity")?;
        match s.as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            other => {
                let hint = did_you_mean(other, &["error", "warning", "note"])
                    .unwrap_or_else(|| "use `error`, `warning` or `note`".to_owned());
                self.at(node.pos, format!("unknown severity `{other}`"), Some(hint));
                None
            }
        }
    }

    fn patterns(&mut self, node: &Node, what: &str) -> Option<Vec<GroupPattern>> {
        let items = self.seq(node, what)?;
        let mut out = Vec::new();
        for item in items {
            let Some(text) = self.non_empty_string(item, what) else {
                continue;
            };
            match GroupPattern::compile(&text, loc(self.file, item.pos)) {
                Ok(p) => out.push(p),
                Err(err) => {
                    let pos = yaml::scalar_offset_pos(item, self.source, err.offset, 2);
                    self.at(
                        pos,
                        format!("invalid group reference `{text}`: {}", err.message),
                        err.hint,
                    );
                }
            }
        }
        Some(out)
    }

    fn file_root(
        &mut self,
        root: &Node,
        policies: &mut Policies,
        settings_at: &mut Option<PolicyLocation>,
    ) {
        if !matches!(root.kind, NodeKind::Map(_)) {
            self.at(
                root.pos,
                format!(
                    "a policy file must be a mapping, found {}",
                    root.type_name()
                ),
                Some("start the file with `version: 1`, then the sections".to_owned()),
            );
            return;
        }
        let Some(map) = self.mapping(root, TOP_KEYS, "the policy file") else {
            return;
        };
        match map.get("version") {
            None => self.at(
                root.pos,
                "missing `version`".to_owned(),
                Some("add `version: 1` at the top of the file".to_owned()),
            ),
            Some((_, v)) => {
                let ok = matches!(&v.kind, NodeKind::Scalar(s) if s.value == "1" && s.style == Style::Plain);
                if !ok {
                    self.at(
                        v.pos,
                        "unsupported policy `version`".to_owned(),
                        Some("this scimdrift reads `version: 1`".to_owned()),
                    );
                }
            }
        }
        if let Some((key, node)) = map.get("settings") {
            let here = loc(self.file, key.pos);
            if let Some(first) = settings_at.as_ref() {
                self.at(
                    key.pos,
                    "`settings` given in more than one file".to_owned(),
                    Some("keep one `settings` section for the whole policy set".to_owned()),
                );
                if let Some(last) = self.diags.last_mut() {
                    last.related = Some(Related {
                        label: "first given".to_owned(),
                        file: first.file.clone(),
                        line: first.line,
                        column: first.column,
                    });
                }
            } else {
                *settings_at = Some(here.clone());
                if let Some(settings) = self.settings(node, here) {
                    policies.settings = settings;
                }
            }
        }
        if let Some((_, node)) = map.get("groups")
            && let Some(items) = self.seq(node, "groups")
        {
            for item in items {
                if let Some(g) = self.group(item) {
                    policies.groups.push(g);
                }
            }
        }
        for (section, kind) in [
            ("embed_users", SubjectKind::EmbedUser),
            ("users", SubjectKind::User),
        ] {
            if let Some((_, node)) = map.get(section)
                && let Some(items) = self.seq(node, section)
            {
                for item in items {
                    if let Some(r) = self.rule(item, kind, section) {
                        policies.rules.push(r);
                    }
                }
            }
        }
        if let Some((_, node)) = map.get("separation_of_duties")
            && let Some(items) = self.seq(node, "separation_of_duties")
        {
            for item in items {
                if let Some(r) = self.sod(item) {
                    policies.separation_of_duties.push(r);
                }
            }
        }
        if let Some((_, node)) = map.get("exceptions")
            && let Some(items) = self.seq(node, "exceptions")
        {
            for item in items {
                if let Some(e) = self.exception(item) {
                    policies.exceptions.push(e);
                }
            }
        }
    }

    fn settings(&mut self, node: &Node, at: PolicyLocation) -> Option<Settings> {
        let map = self.mapping(node, SETTINGS_KEYS, "settings")?;
        let mut s = Settings {
            at: Some(at),
            ..Settings::default()
        };
        let mut ok = true;
        if let Some((_, v)) = map.get("unmanaged_groups") {
            match self.string(v, "unmanaged_groups").as_deref() {
                Some("report") => s.unmanaged_groups = UnmanagedGroups::Report,
                Some("ignore") => s.unmanaged_groups = UnmanagedGroups::Ignore,
                Some(other) => {
                    let hint = did_you_mean(other, &["report", "ignore"])
                        .unwrap_or_else(|| "use `report` or `ignore`".to_owned());
                    self.at(
                        v.pos,
                        format!("unknown `unmanaged_groups` value `{other}`"),
                        Some(hint),
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some((_, v)) = map.get("ignore_groups") {
            match self.patterns(v, "ignore_groups") {
                Some(p) => s.ignore_groups = p,
                None => ok = false,
            }
        }
        if let Some((_, v)) = map.get("group_name_pattern") {
            if let Some(text) = self.string(v, "group_name_pattern") {
                match regex::Regex::new(&text) {
                    Ok(re) => s.group_name_pattern = Some(re),
                    Err(err) => {
                        let detail = match &err {
                            regex::Error::Syntax(msg) => msg
                                .lines()
                                .rev()
                                .find(|l| l.starts_with("error:"))
                                .unwrap_or("syntax error")
                                .trim_start_matches("error: ")
                                .to_owned(),
                            other => other.to_string(),
                        };
                        self.at(
                            v.pos,
                            format!("invalid `group_name_pattern` regex: {detail}"),
                            Some("the pattern uses Rust `regex` syntax; quote it with single quotes in YAML".to_owned()),
                        );
                        ok = false;
                    }
                }
            } else {
                ok = false;
            }
        }
        if let Some((_, v)) = map.get("expiring_within_days") {
            match self.uint(v, "expiring_within_days") {
                Some(n) => s.expiring_within_days = u32::try_from(n).unwrap_or(u32::MAX),
                None => ok = false,
            }
        }
        if let Some((_, v)) = map.get("max_missing_ratio") {
            let parsed = match &v.kind {
                NodeKind::Scalar(sc) if sc.style == Style::Plain => sc.value.parse::<f64>().ok(),
                _ => None,
            };
            match parsed {
                Some(r) if (0.0..=1.0).contains(&r) => s.max_missing_ratio = r,
                _ => {
                    self.at(
                        v.pos,
                        "`max_missing_ratio` must be a number between 0 and 1".to_owned(),
                        Some("e.g. `0.5`: more than half of a group's declared members missing looks like a broken fetch".to_owned()),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(s)
    }

    fn members_list(&mut self, node: &Node, what: &str) -> Vec<DeclaredMember> {
        let Some(items) = self.seq(node, what) else {
            return Vec::new();
        };
        let mut out: Vec<DeclaredMember> = Vec::new();
        for item in items {
            let Some(name) = self.non_empty_string(item, what) else {
                continue;
            };
            let dup = if what == "users" {
                out.iter().any(|m| m.name.eq_ignore_ascii_case(&name))
            } else {
                out.iter().any(|m| m.name == name)
            };
            if dup {
                self.push(
                    Level::Warning,
                    item.pos,
                    format!("`{name}` is listed twice in `{what}`"),
                    Some("remove the duplicate".to_owned()),
                );
                continue;
            }
            out.push(DeclaredMember {
                name,
                at: loc(self.file, item.pos),
            });
        }
        out
    }

    fn group(&mut self, node: &Node) -> Option<GroupDecl> {
        let map = self.mapping(node, GROUP_KEYS, "a group declaration")?;
        let name = match map.get("name") {
            Some((_, v)) => self.non_empty_string(v, "name"),
            None => {
                self.at(
                    node.pos,
                    "group declaration without `name`".to_owned(),
                    Some("add `name: <the group's exact display name>`".to_owned()),
                );
                None
            }
        };
        let mut ok = name.is_some();
        if let Some(n) = &name
            && n.chars().count() > 64
            && let Some((_, v)) = map.get("name")
        {
            self.at(
                v.pos,
                format!("group name is {} characters long", n.chars().count()),
                Some("Omni caps group names at 64 characters".to_owned()),
            );
            ok = false;
        }
        let owner = map.get("owner").and_then(|(_, v)| self.string(v, "owner"));
        let users = map
            .get("users")
            .map(|(_, v)| self.members_list(v, "users"))
            .unwrap_or_default();
        let embed_users = map
            .get("embed_users")
            .map(|(_, v)| self.members_list(v, "embed_users"))
            .unwrap_or_default();
        let listed = map.contains_key("users") || map.contains_key("embed_users");
        let members = match map.get("members") {
            None if listed => MembersMode::Exact,
            None => MembersMode::Unmanaged,
            Some((_, v)) => match self.string(v, "members").as_deref() {
                Some("exact") => MembersMode::Exact,
                Some("at_least") => MembersMode::AtLeast,
                Some("unmanaged") => MembersMode::Unmanaged,
                Some(other) => {
                    let hint = did_you_mean(other, &["exact", "at_least", "unmanaged"])
                        .unwrap_or_else(|| "use `exact`, `at_least` or `unmanaged`".to_owned());
                    self.at(
                        v.pos,
                        format!("unknown `members` mode `{other}`"),
                        Some(hint),
                    );
                    ok = false;
                    MembersMode::Unmanaged
                }
                None => {
                    ok = false;
                    MembersMode::Unmanaged
                }
            },
        };
        let explicit_unmanaged = map
            .get("members")
            .and_then(|(_, v)| v.as_scalar())
            .is_some_and(|s| s.value == "unmanaged");
        if explicit_unmanaged
            && listed
            && let Some((k, _)) = map.get("members")
        {
            self.at(
                k.pos,
                "`members: unmanaged` with a `users` or `embed_users` list".to_owned(),
                Some("use `exact` or `at_least` to check the list, or drop the list".to_owned()),
            );
            ok = false;
        }
        let min_members = map
            .get("min_members")
            .and_then(|(_, v)| self.uint(v, "min_members"));
        let max_members = map
            .get("max_members")
            .and_then(|(_, v)| self.uint(v, "max_members"));
        if let (Some(min), Some(max)) = (min_members, max_members)
            && min > max
            && let Some((_, v)) = map.get("min_members")
        {
            self.at(
                v.pos,
                format!("`min_members` ({min}) is larger than `max_members` ({max})"),
                None,
            );
            ok = false;
        }
        let severity = match map.get("severity") {
            Some((_, v)) => self.severity(v),
            None => Some(Severity::Error),
        };
        ok &= severity.is_some();
        if !ok {
            return None;
        }
        Some(GroupDecl {
            name: name?,
            owner,
            members,
            users,
            embed_users,
            min_members,
            max_members,
            severity: severity?,
            at: loc(self.file, node.pos),
        })
    }

    fn rule_id(&mut self, map: &BTreeMap<&str, (&Node, &Node)>, node: &Node) -> Option<String> {
        let Some((_, v)) = map.get("id") else {
            self.at(
                node.pos,
                "rule without `id`".to_owned(),
                Some("add `id: <lowercase-words-with-dashes>`".to_owned()),
            );
            return None;
        };
        let id = self.string(v, "id")?;
        let mut chars = id.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            let fixed: String = id
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .trim_matches('-')
                .to_owned();
            let hint = if fixed.is_empty() {
                "rule ids match `[a-z0-9][a-z0-9-]*`".to_owned()
            } else {
                format!("rule ids match `[a-z0-9][a-z0-9-]*`, e.g. `{fixed}`")
            };
            self.at(v.pos, format!("invalid rule id `{id}`"), Some(hint));
            return None;
        }
        Some(id)
    }

    fn rule(&mut self, node: &Node, subjects: SubjectKind, section: &str) -> Option<Rule> {
        let what = format!("a rule in `{section}`");
        let before = self.diags.len();
        let map = self.mapping(node, RULE_KEYS, &what)?;
        let key_errors = self.diags.len() > before;
        let id = self.rule_id(&map, node);
        let mut ok = id.is_some();
        let description = map
            .get("description")
            .and_then(|(_, v)| self.string(v, "description"));
        let mut filter = None;
        let where_at = map.get("where").map(|(_, v)| loc(self.file, v.pos));
        if let Some((_, v)) = map.get("where") {
            match self.string(v, "where") {
                Some(text) => match Filter::parse(&text) {
                    Ok(f) => filter = Some(f),
                    Err(err) => {
                        let span = err.span();
                        let start = text.get(..span.start).map_or(0, |s| s.chars().count());
                        let len = text
                            .get(span.clone())
                            .map_or(1, |s| s.chars().count().max(1));
                        let pos = yaml::scalar_offset_pos(v, self.source, start, len);
                        self.at(
                            pos,
                            format!("invalid `where` filter: {}", err.message()),
                            err.hint().map(str::to_owned),
                        );
                        ok = false;
                    }
                },
                None => ok = false,
            }
        }
        if let (Some(f), Some((_, v))) = (&filter, map.get("where")) {
            self.warn_where_attributes(f, v, subjects, id.as_deref().unwrap_or("?"));
        }
        let mut list = |ctx: &mut Self, key: &str| -> Option<Vec<GroupPattern>> {
            let (_, v) = map.get(key)?;
            let p = ctx.patterns(v, key);
            if p.is_none() {
                ok = false;
            }
            p
        };
        let must_be_in = list(self, "must_be_in").unwrap_or_default();
        let must_not_be_in = list(self, "must_not_be_in").unwrap_or_default();
        let only_in = list(self, "only_in");
        if !map.contains_key("must_be_in")
            && !map.contains_key("must_not_be_in")
            && !map.contains_key("only_in")
            && !key_errors
        {
            self.at(
                node.pos,
                format!("rule `{}` checks nothing", id.as_deref().unwrap_or("?")),
                Some("give `must_be_in`, `must_not_be_in` or `only_in`".to_owned()),
            );
            ok = false;
        }
        let severity = match map.get("severity") {
            Some((_, v)) => self.severity(v),
            None => Some(Severity::Error),
        };
        ok &= severity.is_some();
        if !ok {
            return None;
        }
        Some(Rule {
            id: id?,
            subjects,
            description,
            filter,
            where_at,
            must_be_in,
            must_not_be_in,
            only_in,
            severity: severity?,
            at: loc(self.file, node.pos),
        })
    }

    /// Warns about attributes of a `where` filter that no known schema has,
    /// pointing at the attribute inside the YAML string.
    fn warn_where_attributes(&mut self, filter: &Filter, node: &Node, kind: SubjectKind, id: &str) {
        let text = node
            .as_scalar()
            .map(|s| s.value.to_lowercase())
            .unwrap_or_default();
        for path in filter.attribute_paths() {
            let Some(hint) = schema_attrs::unknown(&path, kind) else {
                continue;
            };
            let needle = path.to_string();
            let offset = text
                .find(&needle.to_lowercase())
                .map_or(0, |b| text[..b].chars().count());
            let pos = yaml::scalar_offset_pos(node, self.source, offset, needle.chars().count());
            self.push(
                Level::Warning,
                pos,
                format!("attribute `{needle}` in `where` of rule `{id}` is in no known schema"),
                hint,
            );
        }
    }

    fn sod(&mut self, node: &Node) -> Option<SodRule> {
        let map = self.mapping(node, SOD_KEYS, "a separation_of_duties rule")?;
        let id = self.rule_id(&map, node);
        let groups = match map.get("groups") {
            Some((_, v)) => {
                let g = self.patterns(v, "groups");
                if let Some(list) = &g
                    && list.len() < 2
                {
                    self.at(
                        v.pos,
                        "separation of duties needs at least two groups".to_owned(),
                        None,
                    );
                    None
                } else {
                    g
                }
            }
            None => {
                self.at(
                    node.pos,
                    "separation_of_duties rule without `groups`".to_owned(),
                    Some("list the mutually exclusive groups".to_owned()),
                );
                None
            }
        };
        let severity = match map.get("severity") {
            Some((_, v)) => self.severity(v),
            None => Some(Severity::Error),
        };
        Some(SodRule {
            id: id?,
            groups: groups?,
            severity: severity?,
            at: loc(self.file, node.pos),
        })
    }

    fn exception(&mut self, node: &Node) -> Option<Exception> {
        let map = self.mapping(node, EXCEPTION_KEYS, "an exception")?;
        let required = |ctx: &mut Self, key: &str| -> Option<String> {
            match map.get(key) {
                Some((_, v)) => ctx.non_empty_string(v, key),
                None => {
                    ctx.at(
                        node.pos,
                        format!("exception without `{key}`"),
                        Some(
                            "exceptions need `rule`, `subject`, `reason` and `expires`".to_owned(),
                        ),
                    );
                    None
                }
            }
        };
        let rule = required(self, "rule");
        let subject = required(self, "subject");
        let reason = required(self, "reason");
        let expires_text = required(self, "expires");
        let group = map.get("group").and_then(|(_, v)| self.string(v, "group"));
        let ticket = map
            .get("ticket")
            .and_then(|(_, v)| self.string(v, "ticket"));
        let owner = map.get("owner").and_then(|(_, v)| self.string(v, "owner"));
        let expires = expires_text.and_then(|text| {
            let shaped = text.len() == 10
                && text.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            let date = if shaped {
                text.parse::<jiff::civil::Date>().ok()
            } else {
                None
            };
            if date.is_none()
                && let Some((_, v)) = map.get("expires")
            {
                self.at(
                    v.pos,
                    format!("`expires` must be a date, found `{text}`"),
                    Some("write `YYYY-MM-DD`, e.g. `2027-01-31`".to_owned()),
                );
            }
            date
        });
        Some(Exception {
            rule: rule?,
            subject: subject?,
            group,
            reason: reason?,
            ticket,
            owner,
            expires: expires?,
            at: loc(self.file, node.pos),
        })
    }
}

fn error_at(at: &PolicyLocation, message: String, hint: Option<String>) -> Diagnostic {
    Diagnostic {
        level: Level::Error,
        file: at.file.clone(),
        line: at.line,
        column: at.column,
        len: 1,
        message,
        hint,
        excerpt: None,
        related: None,
    }
}

/// Checks across files: duplicate groups and rule ids, exceptions naming nothing.
fn cross_checks(policies: &Policies, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, &PolicyLocation> = BTreeMap::new();
    for g in &policies.groups {
        if let Some(first) = seen.get(g.name.as_str()) {
            let mut d = error_at(
                &g.at,
                format!("group `{}` is declared twice", g.name),
                Some("merge the two declarations".to_owned()),
            );
            d.related = Some(related("first declared", first));
            diags.push(d);
        } else {
            seen.insert(&g.name, &g.at);
        }
    }
    let mut ids: BTreeMap<&str, &PolicyLocation> = BTreeMap::new();
    let all_ids = policies.rules.iter().map(|r| (r.id.as_str(), &r.at)).chain(
        policies
            .separation_of_duties
            .iter()
            .map(|r| (r.id.as_str(), &r.at)),
    );
    for (id, at) in all_ids {
        if let Some(first) = ids.get(id) {
            let mut d = error_at(
                at,
                format!("rule id `{id}` is used twice"),
                Some("rule ids must be unique across all policy files".to_owned()),
            );
            d.related = Some(related("first used", first));
            diags.push(d);
        } else {
            ids.insert(id, at);
        }
    }
    let rule_ids: Vec<&str> = ids.keys().copied().collect();
    let group_names: Vec<&str> = seen.keys().copied().collect();
    for e in &policies.exceptions {
        if let Some(name) = e.rule.strip_prefix("group:") {
            if !seen.contains_key(name) {
                let hint = suggest(name, &group_names)
                    .map(|c| format!("did you mean `group:{c}`?"))
                    .or_else(|| Some("`group:<name>` must name a declared group".to_owned()));
                diags.push(error_at(
                    &e.at,
                    format!("exception names undeclared group `{name}`"),
                    hint,
                ));
            }
        } else if !ids.contains_key(e.rule.as_str()) {
            let hint = did_you_mean(&e.rule, &rule_ids).or_else(|| {
                Some("`rule` must be a rule id or `group:<declared group name>`".to_owned())
            });
            diags.push(error_at(
                &e.at,
                format!("exception names unknown rule `{}`", e.rule),
                hint,
            ));
        }
    }
}

fn related(label: &str, at: &PolicyLocation) -> Related {
    Related {
        label: label.to_owned(),
        file: at.file.clone(),
        line: at.line,
        column: at.column,
    }
}

/// Warns about attributes in `where` filters and `${…}` templates that no
/// known schema has.
fn warn_unknown_attributes(
    policies: &Policies,
    files: &[PolicySource],
    diags: &mut Vec<Diagnostic>,
) {
    for rule in &policies.rules {
        let mut paths = Vec::new();
        for p in rule
            .must_be_in
            .iter()
            .chain(&rule.must_not_be_in)
            .chain(rule.only_in.iter().flatten())
        {
            paths.extend(
                p.attributes()
                    .into_iter()
                    .map(|a| (a.clone(), &p.at, "a `${…}` template")),
            );
        }
        for (path, at, place) in paths {
            if let Some(hint) = schema_attrs::unknown(&path, rule.subjects) {
                diags.push(Diagnostic {
                    level: Level::Warning,
                    file: at.file.clone(),
                    line: at.line,
                    column: at.column,
                    len: 1,
                    message: format!(
                        "attribute `{path}` in {place} of rule `{}` is in no known schema",
                        rule.id
                    ),
                    hint,
                    excerpt: None,
                    related: None,
                });
            }
        }
    }
    // Fill excerpts for diagnostics created outside a file context.
    for d in diags
        .iter_mut()
        .filter(|d| d.excerpt.is_none() && d.line > 0)
    {
        if let Some(file) = files.iter().find(|f| f.path == d.file) {
            d.excerpt = file
                .contents
                .lines()
                .nth(d.line as usize - 1)
                .map(str::to_owned);
        }
    }
}
