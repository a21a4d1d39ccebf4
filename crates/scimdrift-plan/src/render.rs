//! A plan for people: the terminal text ([`human`]) and Markdown for a pull
//! request comment ([`markdown`], within a byte budget like the Markdown
//! report). The JSON file is the plan itself.

use crate::model::{ChangeOp, FindingRef, GroupAction, GroupChange, Plan};
use scimdrift_report::short_sha;
use std::fmt::Write as _;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn resolves(list: &[FindingRef]) -> String {
    list.iter()
        .map(|f| format!("{} {}", f.kind.as_str(), f.rule))
        .collect::<Vec<_>>()
        .join(", ")
}

fn headline(plan: &Plan) -> String {
    let s = &plan.summary;
    if !s.has_changes() {
        return "nothing to change".to_owned();
    }
    let mut parts = Vec::new();
    if s.creates > 0 {
        parts.push(format!("{} to create", s.creates));
    }
    parts.push(plural(s.additions, "addition", "additions"));
    parts.push(plural(s.removals, "removal", "removals"));
    format!(
        "{} change{}: {}",
        plural(s.groups, "group", "groups"),
        if s.groups == 1 { "s" } else { "" },
        parts.join(", ")
    )
}

fn source_line(plan: &Plan) -> String {
    let src = &plan.source;
    let mut out = format!(
        "{} {}, snapshot {}",
        match src.provider {
            scimdrift_proto::Provider::Omni => "omni",
            scimdrift_proto::Provider::Scim => "scim",
        },
        src.base_url.as_deref().unwrap_or("(no base URL)"),
        short_sha(&src.snapshot_sha256)
    );
    if let Some(commit) = &plan.policies_commit {
        let _ = write!(out, ", policies at {}", short_sha(commit));
    }
    let _ = write!(out, ", now {}", plan.now);
    out
}

fn group_title(g: &GroupChange) -> String {
    match g.action {
        GroupAction::Create => format!(
            "{} (create): {}",
            g.display_name,
            plural(g.changes.len() as u64, "member", "members")
        ),
        GroupAction::Patch => {
            let before = g.before.as_ref().map_or(0, |b| b.members.len());
            let after = before + g.of(ChangeOp::Add).count() - g.of(ChangeOp::Remove).count();
            format!(
                "{} (id {}): {before} → {after} members",
                g.display_name,
                g.id.as_deref().unwrap_or("?")
            )
        }
    }
}

/// The plan as terminal text.
pub fn human(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "plan: {}", headline(plan));
    let _ = writeln!(out, "source: {}", source_line(plan));
    for g in &plan.groups {
        let sign = match g.action {
            GroupAction::Create => '+',
            GroupAction::Patch => '~',
        };
        let _ = writeln!(out, "\n{sign} {}", group_title(g));
        let width = g
            .changes
            .iter()
            .map(|c| c.member.label().chars().count())
            .max()
            .unwrap_or(0);
        for c in &g.changes {
            let _ = writeln!(
                out,
                "    {} {:width$}  {}",
                c.op.sign(),
                c.member.label(),
                resolves(&c.resolves)
            );
        }
    }
    if !plan.conflicts.is_empty() {
        let _ = writeln!(out, "\nconflicts ({}), not planned:", plan.conflicts.len());
        for c in &plan.conflicts {
            let _ = writeln!(
                out,
                "  - {} {} {} `{}`: wanted by {}",
                c.op.sign(),
                c.member.label(),
                if c.op == ChangeOp::Add { "to" } else { "from" },
                c.group,
                resolves(&c.wanted_by)
            );
            for o in &c.opposed_by {
                let _ = writeln!(
                    out,
                    "      {} {} {}: {}",
                    o.effect.as_str(),
                    o.finding.kind.as_str(),
                    o.finding.rule,
                    o.message
                );
            }
        }
    }
    if !plan.needs_person.is_empty() {
        let _ = writeln!(out, "\nneeds a person ({}):", plan.needs_person.len());
        for n in &plan.needs_person {
            let _ = writeln!(
                out,
                "  - {} {}: {}",
                n.finding.kind.as_str(),
                n.finding.rule,
                n.message
            );
            let _ = writeln!(out, "      why: {}", n.reason);
        }
    }
    let _ = writeln!(out, "\nchecksum: {}", plan.checksum);
    out
}

/// Text inside a Markdown code span, whatever backticks it holds.
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let mut fence = "`".to_owned();
    while text.contains(fence.as_str()) {
        fence.push('`');
    }
    if fence.len() > 1 || text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("`{text}`")
    }
}

/// [`group_title`] with the user-controlled name in a code span.
fn md_group_title(g: &GroupChange) -> String {
    let name = code(&g.display_name);
    match g.action {
        GroupAction::Create => format!(
            "{name} (create): {}",
            plural(g.changes.len() as u64, "member", "members")
        ),
        GroupAction::Patch => {
            let before = g.before.as_ref().map_or(0, |b| b.members.len());
            let after = before + g.of(ChangeOp::Add).count() - g.of(ChangeOp::Remove).count();
            format!(
                "{name} (id {}): {before} → {after} members",
                code(g.id.as_deref().unwrap_or("?"))
            )
        }
    }
}

/// Text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ").replace('|', "\\|")
}

fn md_resolves(list: &[FindingRef]) -> String {
    list.iter()
        .map(|f| format!("{} {}", code(f.kind.as_str()), cell(&code(&f.rule))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plan as Markdown for a pull-request comment, never longer than
/// `max_bytes` (budgets below 4 KiB are raised to 4 KiB). When it does not
/// fit, whole sections are left out from the end and a note says how many
/// and where the full plan is.
pub fn markdown(plan: &Plan, max_bytes: usize) -> String {
    const NOTE_RESERVE: usize = 512;
    let max_bytes = max_bytes.max(4 * 1024);
    let budget = max_bytes.saturating_sub(NOTE_RESERVE);
    let mut out = String::new();
    let _ = writeln!(out, "## scimdrift plan: {}\n", headline(plan));
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "**{}** to create · **{}** · **{}** · **{}** · **{}**\n",
        s.creates,
        plural(s.additions, "addition", "additions"),
        plural(s.removals, "removal", "removals"),
        plural(s.needs_person, "needs a person", "need a person"),
        plural(s.conflicts, "conflict", "conflicts"),
    );
    let _ = writeln!(out, "Source: {}\n", cell(&source_line(plan)));

    let mut pieces: Vec<String> = Vec::new();
    for g in &plan.groups {
        let mut p = String::new();
        let _ = writeln!(p, "#### {}\n", md_group_title(g));
        let _ = writeln!(p, "| | member | resolves |\n|---|---|---|");
        for c in &g.changes {
            let _ = writeln!(
                p,
                "| {} | {} | {} |",
                match c.op {
                    ChangeOp::Add => "➕",
                    ChangeOp::Remove => "➖",
                },
                cell(&code(&c.member.label())),
                md_resolves(&c.resolves)
            );
        }
        p.push('\n');
        pieces.push(p);
    }
    if !plan.conflicts.is_empty() {
        let mut p = format!(
            "### Conflicts ({}), not planned\n\n| change | wanted by | opposed by |\n|---|---|---|\n",
            plan.conflicts.len()
        );
        for c in &plan.conflicts {
            let opposed = c
                .opposed_by
                .iter()
                .map(|o| {
                    format!(
                        "{} {}: {}",
                        o.effect.as_str(),
                        code(o.finding.kind.as_str()),
                        cell(&o.message)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let _ = writeln!(
                p,
                "| {} {} {} {} | {} | {} |",
                c.op.sign(),
                cell(&code(&c.member.label())),
                if c.op == ChangeOp::Add { "to" } else { "from" },
                cell(&code(&c.group)),
                md_resolves(&c.wanted_by),
                opposed
            );
        }
        p.push('\n');
        pieces.push(p);
    }
    if !plan.needs_person.is_empty() {
        let mut p = format!(
            "### Needs a person ({})\n\n| finding | message | why |\n|---|---|---|\n",
            plan.needs_person.len()
        );
        for n in &plan.needs_person {
            let _ = writeln!(
                p,
                "| {} {} | {} | {} |",
                code(n.finding.kind.as_str()),
                cell(&code(&n.finding.rule)),
                cell(&n.message),
                cell(&n.reason)
            );
        }
        p.push('\n');
        pieces.push(p);
    }
    if !plan.groups.is_empty() {
        out.push_str("### Changes\n\n");
    }
    let total = pieces.len();
    let mut shown = 0;
    for p in pieces {
        if out.len() + p.len() > budget {
            break;
        }
        out.push_str(&p);
        shown += 1;
    }
    if shown < total {
        let _ = writeln!(
            out,
            "> **Truncated:** {} of {total} sections are not shown (this comment is kept under {max_bytes} bytes). The full plan is in the plan file.\n",
            total - shown
        );
    }
    let _ = writeln!(
        out,
        "<sub>checksum {} · {} {}</sub>",
        code(&plan.checksum),
        plan.tool.name,
        plan.tool.version
    );
    out
}
