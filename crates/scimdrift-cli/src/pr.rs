//! PR mode (`check --base DIR-or-git-ref`): the base policies and the head
//! policies are checked against the same snapshot, and every finding gets a
//! `change`: introduced (head only), resolved (base only), unchanged (both).

use crate::error::CliError;
use crate::exit::Exit;
use scimdrift_reconcile::{Loaded, PolicySource, Report, load_policies, render_all, short_sha};
use std::path::Path;
use std::process::Command;

/// The base policies of PR mode.
#[derive(Debug)]
pub struct Base {
    /// How messages name the base: `` `DIR` `` or `` `REF` (commit) ``.
    pub label: String,
    /// The policy files, paths relative to the base policies directory.
    pub files: Vec<PolicySource>,
    /// For a base directory: where it is relative to the head policies
    /// directory (e.g. `../base/policies`), so that findings only the base
    /// has keep pointing at the base's files. `None` for a git ref (the same
    /// directory at another commit) or when it is the head directory itself.
    pub dir_from_head: Option<String>,
}

/// Reads the base policies: `base` is a directory, or a git ref at which the
/// `head_dir` directory is read from the repository.
pub fn read_base(base: &str, head_dir: &Path) -> Result<Base, CliError> {
    let as_dir = Path::new(base);
    if as_dir.is_dir() {
        let files = crate::input::policies::read_policy_dir(as_dir)
            .map_err(|err| err.context(format!("cannot read the base policies in `{base}`")))?;
        return Ok(Base {
            label: format!("`{base}`"),
            files,
            dir_from_head: relative_dir(head_dir, as_dir)?,
        });
    }
    let git = |args: &[&str]| -> Result<Vec<u8>, CliError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(head_dir)
            .args(args)
            .output()
            .map_err(|err| CliError::caused_by(Exit::Failure, "cannot run git", err))?;
        if !out.status.success() {
            return Err(CliError::invalid(format!(
                "`--base {base}` is neither a directory nor a git ref: git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
            .with_hint(
                "pass a directory of base policies, or a commit, branch or tag (e.g. `origin/main`)",
            ));
        }
        Ok(out.stdout)
    };
    let rev = format!("{base}^{{commit}}");
    let commit = String::from_utf8_lossy(&git(&["rev-parse", "--verify", "-q", &rev])?)
        .trim()
        .to_owned();
    // The policies directory relative to the repository root, e.g. `policies/`.
    let prefix = String::from_utf8_lossy(&git(&["rev-parse", "--show-prefix"])?)
        .trim()
        .to_owned();
    let listing = git(&[
        "ls-tree",
        "-r",
        "-z",
        "--name-only",
        "--full-tree",
        &commit,
        "--",
        &prefix,
    ])?;
    let mut files = Vec::new();
    for path in listing.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path).into_owned();
        let rel = path.strip_prefix(&prefix).unwrap_or(&path);
        let hidden = rel.split('/').any(|c| c.starts_with('.'));
        if hidden || !(rel.ends_with(".yaml") || rel.ends_with(".yml")) {
            continue;
        }
        let bytes = git(&["cat-file", "blob", &format!("{commit}:{path}")])?;
        let contents = String::from_utf8(bytes).map_err(|_| {
            CliError::invalid(format!(
                "base policy file `{rel}` at `{base}` is not valid UTF-8"
            ))
        })?;
        files.push(PolicySource {
            path: rel.to_owned(),
            contents,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Base {
        label: format!("`{base}` ({})", short_sha(&commit)),
        files,
        dir_from_head: None,
    })
}

/// `to` relative to `from` (both existing directories), with `/`
/// separators, e.g. `../base/policies`; `None` when they are the same
/// directory. Computed on the canonical paths, so it holds whether the
/// directories were given relative or absolute.
fn relative_dir(from: &Path, to: &Path) -> Result<Option<String>, CliError> {
    let canonical = |dir: &Path| {
        dir.canonicalize().map_err(|err| {
            CliError::caused_by(
                Exit::Failure,
                format!("cannot resolve `{}`", dir.display()),
                err,
            )
        })
    };
    let (from, to) = (canonical(from)?, canonical(to)?);
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let parts: Vec<String> = std::iter::repeat_n("..".to_owned(), from.len() - common)
        .chain(
            to[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

/// Loads the base policies; errors in them are invalid input naming the base.
pub fn load_base(label: &str, files: &[PolicySource]) -> Result<Loaded, CliError> {
    load_policies(files).map_err(|diags| {
        CliError::invalid(format!(
            "the base policies {label} do not load:\n{}",
            render_all(&diags).trim_end()
        ))
        .with_hint(
            "PR mode checks the base and the head policies; fix the base or pick another `--base`",
        )
    })
}

/// Merges the base report into the head report: head findings become
/// introduced or unchanged, base-only findings are appended as resolved
/// (see [`Report::mark_against_base`]). With `introduced_only`, only
/// introduced findings count as failing, and the summary and status say so
/// (see [`Report::fail_only_introduced`]).
pub fn merge(
    head: Report,
    base: &Report,
    base_dir_from_head: Option<&str>,
    introduced_only: bool,
) -> Report {
    let mut report = head;
    report.mark_against_base(base, base_dir_from_head);
    if introduced_only {
        report.fail_only_introduced();
    }
    report
}
