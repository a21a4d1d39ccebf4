//! Markdown for a pull-request comment or a job summary.
//!
//! Layout: a summary table first (status and counts), counts by kind and
//! coverage, then — in PR mode — what the PR introduces and resolves, then the
//! findings grouped by group (or by rule when no group is involved), most
//! severe first within each. The output never exceeds the byte budget: when
//! the findings do not all fit, the first ones in that order are shown and a
//! closing note says how many were left out, of which severities, and where
//! the full report is. Bytes are counted, so the budget also holds for
//! GitHub's character limits.

use crate::RenderOptions;
use crate::text::{most_severe_first, one_line, subject_label};
use scimdrift_report::{Change, Finding, Report, Severity, Since, Status, short_sha};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// GitHub's limit on a PR comment or check-run text (65,536 characters).
pub const COMMENT_LIMIT: usize = 65_536;

/// GitHub's limit on one step's job summary (1 MiB).
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// Room kept for the truncation note, which is itself bounded.
const NOTE_RESERVE: usize = 1_024;

/// Renders the report as Markdown within `opts.markdown_max_bytes`.
pub fn render(report: &Report, opts: &RenderOptions) -> String {
    render_within(report, opts, opts.markdown_max_bytes)
}

/// Renders the report as Markdown within `max_bytes` bytes (at least a
/// summary's worth: budgets below 4 KiB are raised to 4 KiB).
pub fn render_within(report: &Report, opts: &RenderOptions, max_bytes: usize) -> String {
    let max_bytes = max_bytes.max(4 * 1024);
    let mut out = head(report);
    let sections = sections(report, opts);
    let total: usize = sections.iter().map(Section::len).sum();
    let budget = max_bytes.saturating_sub(NOTE_RESERVE);

    let mut shown = 0usize;
    let mut omitted = Omitted::default();
    let mut full = false;
    for section in &sections {
        let mut section_started = false;
        for block in &section.blocks {
            let mut block_started = false;
            for item in &block.items {
                let mut piece = String::new();
                if !section_started {
                    let _ = write!(piece, "\n### {} ({})\n", section.title, section.len());
                }
                if !block_started {
                    if let Some(heading) = &block.heading {
                        let _ = write!(piece, "\n#### {heading}\n\n");
                    } else if !section_started {
                        piece.push('\n');
                    }
                }
                piece.push_str(&item.line);
                piece.push('\n');
                if full || out.len() + piece.len() > budget {
                    full = true;
                    omitted.add(section.title, item.severity);
                    continue;
                }
                out.push_str(&piece);
                section_started = true;
                block_started = true;
                shown += 1;
            }
        }
    }
    if full {
        out.push_str(&truncation_note(opts, max_bytes, shown, total, &omitted));
    }
    out
}

#[derive(Debug)]
struct Item {
    severity: Severity,
    line: String,
}

#[derive(Debug)]
struct Block {
    heading: Option<String>,
    items: Vec<Item>,
}

#[derive(Debug)]
struct Section {
    title: &'static str,
    blocks: Vec<Block>,
}

impl Section {
    fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.items.len()).sum()
    }
}

#[derive(Debug, Default)]
struct Omitted {
    by_section: Vec<(&'static str, usize)>,
    by_severity: BTreeMap<Severity, usize>,
}

impl Omitted {
    fn add(&mut self, section: &'static str, severity: Severity) {
        match self.by_section.last_mut() {
            Some((title, n)) if *title == section => *n += 1,
            _ => self.by_section.push((section, 1)),
        }
        *self.by_severity.entry(severity).or_default() += 1;
    }
}

fn truncation_note(
    opts: &RenderOptions,
    max_bytes: usize,
    shown: usize,
    total: usize,
    omitted: &Omitted,
) -> String {
    let left_out = total - shown;
    let mut note = format!(
        "\n---\n\n**Truncated:** {left_out} of {total} findings are not shown here \
         (this summary is kept under {max_bytes} bytes)."
    );
    let sections: Vec<String> = omitted
        .by_section
        .iter()
        .map(|(title, n)| format!("{n} from “{title}”"))
        .collect();
    let severities: Vec<String> = omitted
        .by_severity
        .iter()
        .rev()
        .map(|(sev, n)| format!("{n} {}", plural(sev.as_str(), *n)))
        .collect();
    let _ = write!(
        note,
        " Left out: {}; {}.",
        sections.join(", "),
        severities.join(", ")
    );
    let where_ = opts.full_report.clone().unwrap_or_else(|| {
        "the JSON report (`scimdrift check --output json=PATH`, or re-render it with `scimdrift render`)"
            .to_owned()
    });
    let _ = writeln!(note, " The full report is in {}.", escape(&where_));
    note
}

fn plural(word: &str, n: usize) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

fn head(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let status = report.status.as_str();
    let _ = writeln!(out, "## scimdrift: {status}\n");
    let sev = |x: Severity| s.by_severity.get(&x).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "| status | findings | failing | excused | errors | warnings | notes |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| **{status}** | {} | {} | {} | {} | {} | {} |\n",
        s.total,
        s.failing,
        s.excused,
        sev(Severity::Error),
        sev(Severity::Warning),
        sev(Severity::Note)
    );

    let source = match (&report.source.base_url, &report.source.snapshot_path) {
        (Some(url), _) => format!("`{}`", escape(url)),
        (None, Some(path)) => format!("snapshot `{}`", escape(path)),
        (None, None) => "a snapshot".to_owned(),
    };
    let sha = short_sha(&report.source.snapshot_sha256);
    let commit = report
        .policies_commit
        .as_deref()
        .map(|c| format!("; policies at commit `{}`", crate::text::short_commit(c)))
        .unwrap_or_default();
    let fail_on = report.fail_on.map_or("never", Severity::as_str);
    let _ = writeln!(
        out,
        "Checked {source} (sha256 `{sha}`{commit}) at {}, failing on `{fail_on}`; scimdrift {}.\n",
        escape(&report.generated_at),
        escape(&report.tool.version)
    );
    if let Some(refresh) = &report.source.refresh {
        let _ = writeln!(out, "{}.\n", escape(&refresh.summary_line()));
    }

    if report.status == Status::Incomplete {
        let _ = writeln!(
            out,
            "> [!CAUTION]\n> **Incomplete:** the live data could not be read completely or looks \
             implausible, so these results cannot be trusted."
        );
        for reason in report.incomplete_reasons.iter().take(20) {
            let _ = writeln!(out, "> - {}", escape(&one_line(reason)));
        }
        if report.incomplete_reasons.len() > 20 {
            let _ = writeln!(
                out,
                "> - … and {} more reasons",
                report.incomplete_reasons.len() - 20
            );
        }
        out.push('\n');
    }

    let changes = count_changes(report);
    if let Some([introduced, resolved, unchanged]) = changes.pr {
        let _ = writeln!(
            out,
            "**This PR introduces {introduced} {} and resolves {resolved}**; {unchanged} {} already present.\n",
            plural("finding", introduced),
            if unchanged == 1 { "was" } else { "were" }
        );
    }
    if let Some([new, persisting, resolved]) = changes.since {
        let _ = writeln!(
            out,
            "Since the last run: **{new} new**, {resolved} resolved, {persisting} persisting.\n"
        );
    }

    if !s.by_kind.is_empty() {
        let _ = writeln!(out, "| kind | findings |\n|---|---:|");
        for (kind, n) in &s.by_kind {
            let _ = writeln!(out, "| `{}` | {n} |", kind.as_str());
        }
        out.push('\n');
    }
    let c = &s.coverage;
    let _ = writeln!(
        out,
        "Coverage: {} of {} live groups declared, {} ignored, {} unmanaged; \
         {} of {} users and {} of {} embed users governed by a policy.",
        c.groups_declared,
        c.groups_live,
        c.groups_ignored,
        c.groups_unmanaged,
        c.users_governed,
        c.users_live,
        c.embed_users_governed,
        c.embed_users_live
    );
    if report.findings.is_empty() {
        let _ = writeln!(out, "\nNo findings.");
    }
    out
}

struct ChangeCounts {
    pr: Option<[usize; 3]>,
    since: Option<[usize; 3]>,
}

fn count_changes(report: &Report) -> ChangeCounts {
    let mut pr = None::<[usize; 3]>;
    let mut since = None::<[usize; 3]>;
    for f in &report.findings {
        if let Some(change) = f.change {
            let counts = pr.get_or_insert([0; 3]);
            counts[match change {
                Change::Introduced => 0,
                Change::Resolved => 1,
                Change::Unchanged => 2,
            }] += 1;
        }
        if let Some(s) = f.since_last_run {
            let counts = since.get_or_insert([0; 3]);
            counts[match s {
                Since::New => 0,
                Since::Persisting => 1,
                Since::Resolved => 2,
            }] += 1;
        }
    }
    ChangeCounts { pr, since }
}

fn sections(report: &Report, opts: &RenderOptions) -> Vec<Section> {
    let since_resolved = |f: &Finding| f.since_last_run == Some(Since::Resolved);
    let flat = |findings: Vec<&Finding>, with_group: bool| -> Vec<Block> {
        if findings.is_empty() {
            return Vec::new();
        }
        let items = findings
            .iter()
            .map(|f| item(f, opts, with_group))
            .collect::<Vec<_>>();
        vec![Block {
            heading: None,
            items: sort_items(items),
        }]
    };
    let gone_since: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| since_resolved(f))
        .collect();
    let pr_mode = report.findings.iter().any(|f| f.change.is_some());
    let mut sections = if pr_mode {
        let pick = |change: Change| -> Vec<&Finding> {
            report
                .findings
                .iter()
                .filter(|f| !since_resolved(f) && f.change.unwrap_or(Change::Unchanged) == change)
                .collect()
        };
        vec![
            Section {
                title: "Introduced by this PR",
                blocks: flat(pick(Change::Introduced), true),
            },
            Section {
                title: "Resolved by this PR",
                blocks: flat(pick(Change::Resolved), true),
            },
            Section {
                title: "Already present",
                blocks: grouped(pick(Change::Unchanged), opts),
            },
        ]
    } else {
        vec![Section {
            title: "Findings",
            blocks: grouped(
                report
                    .findings
                    .iter()
                    .filter(|f| !since_resolved(f))
                    .collect(),
                opts,
            ),
        }]
    };
    sections.push(Section {
        title: "Resolved since the last run",
        blocks: flat(gone_since, true),
    });
    sections.retain(|s| s.len() > 0 || s.title == "Findings");
    sections
}

/// Most severe first; a stable sort keeps the report's order otherwise.
fn sort_items(mut items: Vec<Item>) -> Vec<Item> {
    items.sort_by_key(|i| std::cmp::Reverse(i.severity));
    items
}

fn grouped(findings: Vec<&Finding>, opts: &RenderOptions) -> Vec<Block> {
    // Groups first (by name), then findings that involve no group (by rule).
    let mut blocks: BTreeMap<(u8, String), Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        let key = match &f.group {
            Some(g) => (0, g.clone()),
            None => (1, f.rule.clone()),
        };
        blocks.entry(key).or_default().push(f);
    }
    blocks
        .into_iter()
        .map(|((kind, name), findings)| {
            let heading = if kind == 0 {
                format!("Group {}", code(&name))
            } else {
                format!("Rule {}", code(&name))
            };
            let owned: Vec<Finding> = findings.into_iter().cloned().collect();
            let items = most_severe_first(&owned)
                .into_iter()
                .map(|f| item(f, opts, false))
                .collect();
            Block {
                heading: Some(heading),
                items,
            }
        })
        .collect()
}

/// One finding as a Markdown list item (`- **error** `kind` message — facts`),
/// as the PR comment shows it; also the owner digests' line.
pub(crate) fn finding_line(f: &Finding, opts: &RenderOptions, with_group: bool) -> String {
    item(f, opts, with_group).line
}

fn item(f: &Finding, opts: &RenderOptions, with_group: bool) -> Item {
    let mut line = format!(
        "- **{}** `{}` {}",
        f.severity.as_str(),
        f.kind.as_str(),
        escape(&one_line(&f.message))
    );
    let mut facts = Vec::new();
    if with_group && let Some(group) = &f.group {
        facts.push(format!("group {}", code(group)));
    }
    if let Some(subject) = &f.subject {
        facts.push(code(&subject_label(subject)));
    }
    if let Some(p) = &f.policy {
        facts.push(code(&format!("{}:{}", opts.policy_path(&p.file), p.line)));
    }
    match f.since_last_run {
        Some(Since::New) => facts.push("**new** since the last run".to_owned()),
        Some(Since::Resolved | Since::Persisting) | None => {}
    }
    if !facts.is_empty() {
        let _ = write!(line, " — {}", facts.join(" · "));
    }
    if let Some(e) = &f.exception {
        let mut who = vec![format!("expires {}", escape(&e.expires))];
        if let Some(t) = &e.ticket {
            who.insert(0, escape(t));
        }
        if let Some(o) = &e.owner {
            who.push(format!("owner {}", escape(o)));
        }
        let _ = write!(
            line,
            " — _excused_ ({}): {}",
            who.join(", "),
            escape(&one_line(&e.reason))
        );
    }
    Item {
        severity: f.severity,
        line,
    }
}

/// A code span that survives backticks in the value.
pub(crate) fn code(text: &str) -> String {
    let text = one_line(text);
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// Escapes raw HTML, which would otherwise be interpreted (or stripped) by
/// the Markdown renderer. User values never reach a table cell.
pub(crate) fn escape(text: &str) -> String {
    text.replace('<', "&lt;").replace('>', "&gt;")
}
