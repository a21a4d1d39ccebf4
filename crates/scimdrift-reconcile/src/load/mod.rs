//! Loading and validating policy files: YAML → spanned tree → typed
//! [`Policies`], collecting every error instead of stopping at the first.
//!
//! [`load_policies`] parses each file and decodes its sections through a
//! [`Ctx`](ctx::Ctx) (the accessors that report wrong types, unknown keys
//! and duplicates), one module per section: [`settings`], [`groups`],
//! [`rules`], [`sod`], [`exceptions`]; then [`cross`] checks across files
//! and [`warnings`] adds schema warnings (unknown attributes, literals of
//! a type their attribute never holds). The allowed keys are in [`keys`].

mod cross;
pub(crate) mod ctx;
mod exceptions;
mod groups;
mod keys;
mod rules;
mod settings;
mod sod;
mod warnings;

pub(crate) use ctx::suggest;

use crate::diag::{Diagnostic, Level, Related};
use crate::model::{Policies, SubjectKind};
use crate::schema_attrs::SeenTypes;
use crate::yaml::{self, Node, NodeKind, Style};
use ctx::{Ctx, loc};
use scimdrift_report::{PolicyFileRef, PolicyLocation};
use sha2::{Digest as _, Sha256};

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
///
/// ```
/// use scimdrift_reconcile::{Level, PolicySource, SubjectKind, load_policies};
///
/// let good = PolicySource {
///     path: "embed.yaml".into(),
///     contents: "version: 1\nembed_users:\n  - id: in-all\n    must_be_in: [All]\n".into(),
/// };
/// let loaded = load_policies(&[good]).expect("the policy loads");
/// assert_eq!(loaded.policies.rules[0].id, "in-all");
/// assert_eq!(loaded.policies.rules[0].subjects, SubjectKind::EmbedUser);
///
/// // Every error is reported, pointing into the file.
/// let bad = PolicySource {
///     path: "typo.yaml".into(),
///     contents: "version: 1\ngroup:\n  - name: Admins\n".into(),
/// };
/// let errors = load_policies(&[bad]).expect_err("`group` is not a section");
/// assert_eq!(errors[0].level, Level::Error);
/// assert_eq!((errors[0].file.as_str(), errors[0].line), ("typo.yaml", 2));
/// assert_eq!(errors[0].message, "unknown key `group` in the policy file");
/// assert_eq!(errors[0].hint.as_deref(), Some("did you mean `groups`?"));
/// ```
pub fn load_policies(files: &[PolicySource]) -> Result<Loaded, Vec<Diagnostic>> {
    load_policies_seeing(files, &SeenTypes::default())
}

/// [`load_policies`], also warning about `where` literals of a type the
/// snapshot `seen` was learned from never shows for their attribute (for
/// attributes no known schema types; see [`SeenTypes`]).
pub fn load_policies_seeing(
    files: &[PolicySource],
    seen: &SeenTypes,
) -> Result<Loaded, Vec<Diagnostic>> {
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
            seen,
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
    cross::cross_checks(&policies, &mut diags);
    warnings::warn_unknown_attributes(&policies, &mut diags);
    warnings::fill_excerpts(files, &mut diags);
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

impl Ctx<'_> {
    /// Decodes one file's top-level mapping into `policies`, section by
    /// section; `settings_at` remembers the first file that gave `settings`.
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
        let Some(map) = self.mapping(root, keys::TOP, "the policy file") else {
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
}
