//! Owner digests (`--output owners=DIR`): one Markdown file per owner named
//! in the policies, ready to mail or post, and `unowned.md` for the rest.
//!
//! An owner's digest lists the current findings in the groups whose
//! declaration names them as `owner:`, and the findings about the
//! exceptions they own (expired, expiring within the window, unused). A
//! finding no owner claims (no group, a group without an owner, an exception
//! without one) goes to `unowned.md`. Every owner gets a file, also when
//! nothing needs them, so a mailing job can tell "nothing to do" from "no
//! digest".

use crate::RenderOptions;
use crate::markdown::{code, escape, finding_line};
use crate::text::most_severe_first;
use scimdrift_report::{Finding, FindingKind, PolicyLocation, Report};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The file of findings no owner claims.
pub const UNOWNED_FILE: &str = "unowned.md";

/// Who owns what, from the policies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    /// Group display name → the `owner:` of its declaration.
    pub groups: BTreeMap<String, String>,
    /// Where an exception is declared → its `owner:`.
    pub exceptions: BTreeMap<PolicyLocation, String>,
}

/// One digest file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// The file name (`<owner>.md`, or [`UNOWNED_FILE`]).
    pub file: String,
    /// The owner, `None` for `unowned.md`.
    pub owner: Option<String>,
    /// The Markdown text.
    pub text: String,
}

/// The digests, sorted by file name, `unowned.md` included.
pub fn render(report: &Report, owners: &Owners, opts: &RenderOptions) -> Vec<Digest> {
    let current = crate::changes::current_only(report);
    let mut names: BTreeSet<&str> = owners.groups.values().map(String::as_str).collect();
    names.extend(owners.exceptions.values().map(String::as_str));

    // Each finding goes to exactly one place.
    let mut in_groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    let mut in_exceptions: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    let mut unowned: Vec<&Finding> = Vec::new();
    for f in &current.findings {
        let exception_owner = is_about_an_exception(f)
            .then(|| f.policy.as_ref().and_then(|p| owners.exceptions.get(p)))
            .flatten();
        let group_owner = f.group.as_ref().and_then(|g| owners.groups.get(g));
        match (is_about_an_exception(f), exception_owner, group_owner) {
            (true, Some(owner), _) => in_exceptions.entry(owner).or_default().push(f),
            (false, _, Some(owner)) => in_groups.entry(owner).or_default().push(f),
            _ => unowned.push(f),
        }
    }

    let mut taken: BTreeSet<String> = BTreeSet::from([UNOWNED_FILE.to_owned()]);
    let mut digests = Vec::new();
    for owner in names {
        let file = unique_file_name(owner, &mut taken);
        let groups: Vec<&str> = owners
            .groups
            .iter()
            .filter(|(_, o)| o.as_str() == owner)
            .map(|(g, _)| g.as_str())
            .collect();
        let exceptions = owners.exceptions.values().filter(|o| *o == owner).count();
        let text = owner_digest(
            &current,
            owner,
            &groups,
            exceptions,
            in_groups.get(owner).map_or(&[][..], Vec::as_slice),
            in_exceptions.get(owner).map_or(&[][..], Vec::as_slice),
            opts,
        );
        digests.push(Digest {
            file,
            owner: Some(owner.to_owned()),
            text,
        });
    }
    digests.push(Digest {
        file: UNOWNED_FILE.to_owned(),
        owner: None,
        text: unowned_digest(&current, &unowned, opts),
    });
    digests.sort_by(|a, b| a.file.cmp(&b.file));
    digests
}

fn is_about_an_exception(f: &Finding) -> bool {
    matches!(
        f.kind,
        FindingKind::ExceptionExpired
            | FindingKind::ExceptionExpiring
            | FindingKind::ExceptionUnused
    )
}

/// `<owner>.md` with every character outside `[A-Za-z0-9@._+-]` replaced by
/// `_` (an owner is free text: it must not reach another directory), made
/// unique with `-2`, `-3`, … when two owners map to the same name.
fn unique_file_name(owner: &str, taken: &mut BTreeSet<String>) -> String {
    let mut stem: String = owner
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@._+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // No hidden files, no `..`.
    if stem.is_empty() || stem.starts_with('.') {
        stem.insert(0, '_');
    }
    let mut file = format!("{stem}.md");
    let mut n = 2;
    while !taken.insert(file.to_lowercase()) {
        file = format!("{stem}-{n}.md");
        n += 1;
    }
    file
}

/// The line under each title: status, time, data.
fn context(report: &Report) -> String {
    let source = match (&report.source.base_url, &report.source.snapshot_path) {
        (Some(url), _) => code(url),
        (None, Some(path)) => format!("snapshot {}", code(path)),
        (None, None) => "a snapshot".to_owned(),
    };
    let fetched = report
        .source
        .fetched_at
        .as_deref()
        .map(|t| format!(" (fetched {})", escape(t)))
        .unwrap_or_default();
    format!(
        "Checked {source}{fetched} at {}: status **{}**.\n\n",
        escape(&report.generated_at),
        report.status.as_str()
    )
}

/// Findings grouped under `### group` headings (most severe first).
fn by_group(out: &mut String, findings: &[&Finding], opts: &RenderOptions) {
    let mut groups: BTreeMap<Option<&str>, Vec<Finding>> = BTreeMap::new();
    for f in findings {
        groups
            .entry(f.group.as_deref())
            .or_default()
            .push((*f).clone());
    }
    for (group, list) in groups {
        match group {
            Some(g) => {
                let _ = writeln!(out, "### {} ({})\n", code(g), list.len());
            }
            None => {
                let _ = writeln!(out, "### Not about one group ({})\n", list.len());
            }
        }
        for f in most_severe_first(&list) {
            let _ = writeln!(out, "{}", finding_line(f, opts, false));
        }
        out.push('\n');
    }
}

fn owner_digest(
    report: &Report,
    owner: &str,
    groups: &[&str],
    exceptions: usize,
    group_findings: &[&Finding],
    exception_findings: &[&Finding],
    opts: &RenderOptions,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# scimdrift digest for {}\n", escape(owner));
    out.push_str(&context(report));
    let owned_groups = if groups.is_empty() {
        "no group".to_owned()
    } else {
        groups
            .iter()
            .map(|g| code(g))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "You own {owned_groups} and {exceptions} exception{}.\n",
        if exceptions == 1 { "" } else { "s" }
    );
    if group_findings.is_empty() && exception_findings.is_empty() {
        out.push_str(
            "Nothing needs your attention: no finding in your groups, and none of your exceptions is expired, expiring or unused.\n",
        );
        return out;
    }
    if !group_findings.is_empty() {
        let _ = writeln!(
            out,
            "## Findings in your groups ({})\n",
            group_findings.len()
        );
        by_group(&mut out, group_findings, opts);
    }
    if !exception_findings.is_empty() {
        let _ = writeln!(
            out,
            "## Your exceptions that need attention ({})\n",
            exception_findings.len()
        );
        let list: Vec<Finding> = exception_findings.iter().map(|f| (*f).clone()).collect();
        for f in most_severe_first(&list) {
            let _ = writeln!(out, "{}", finding_line(f, opts, true));
        }
        out.push('\n');
    }
    trim_end(out)
}

fn unowned_digest(report: &Report, findings: &[&Finding], opts: &RenderOptions) -> String {
    let mut out = String::new();
    out.push_str("# scimdrift: findings no owner claims\n\n");
    out.push_str(&context(report));
    out.push_str(
        "These findings are in no group whose declaration names an `owner:`, or about an exception without one.\n\n",
    );
    if findings.is_empty() {
        out.push_str("None: every finding has an owner.\n");
        return out;
    }
    let _ = writeln!(out, "## Findings ({})\n", findings.len());
    by_group(&mut out, findings, opts);
    trim_end(out)
}

/// One final newline.
fn trim_end(mut text: String) -> String {
    while text.ends_with("\n\n") {
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_in_the_directory_and_are_unique() {
        let mut taken = BTreeSet::from([UNOWNED_FILE.to_owned()]);
        assert_eq!(unique_file_name("a@b.co", &mut taken), "a@b.co.md");
        assert_eq!(unique_file_name("A@B.co", &mut taken), "A@B.co-2.md");
        assert_eq!(
            unique_file_name("../etc/passwd", &mut taken),
            "_.._etc_passwd.md"
        );
        assert_eq!(unique_file_name("Team Blue", &mut taken), "Team_Blue.md");
        assert_eq!(unique_file_name("unowned", &mut taken), "unowned-2.md");
        assert_eq!(unique_file_name("", &mut taken), "_.md");
    }
}
