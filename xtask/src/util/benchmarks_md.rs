//! BENCHMARKS.md: each bench task owns one `## ` section and rewrites it.
//!
//! A task may instead own one `### ` subsection of another task's section
//! (`bench-refresh`'s under `## Fetch`); the section's owner carries it over
//! when it rewrites the section ([`subsection`]).

use anyhow::{Context as _, Result};
use std::path::Path;

/// `doc` with the section headed by the line `heading` (up to the next `## `
/// heading) replaced by `section`, or with `section` appended.
pub fn replace_section(doc: &str, heading: &str, section: &str) -> String {
    let Some(start) = doc.find(&format!("{heading}\n")) else {
        let mut out = doc.trim_end().to_owned();
        out.push_str("\n\n");
        out.push_str(section);
        return out;
    };
    let after = start + heading.len();
    let end = doc[after..]
        .find("\n## ")
        .map_or(doc.len(), |i| after + i + 1);
    format!("{}{}{}", &doc[..start], section, &doc[end..])
}

/// The byte range of the section headed by the line `heading` (up to the
/// next `## ` heading), if `doc` has one.
fn section_range(doc: &str, heading: &str) -> Option<std::ops::Range<usize>> {
    let start = if doc.starts_with(&format!("{heading}\n")) {
        0
    } else {
        doc.find(&format!("\n{heading}\n"))? + 1
    };
    let after = start + heading.len();
    let end = doc[after..]
        .find("\n## ")
        .map_or(doc.len(), |i| after + i + 1);
    Some(start..end)
}

/// The byte range of the subsection of the section `parent` whose `### `
/// heading line starts with `prefix`, up to the next `### ` or `## `
/// heading.
fn subsection_range(doc: &str, parent: &str, prefix: &str) -> Option<std::ops::Range<usize>> {
    let section = section_range(doc, parent)?;
    let text = &doc[section.clone()];
    let start = text.find(&format!("\n{prefix}"))? + 1;
    let after = start + prefix.len();
    let end = text[after..]
        .find("\n### ")
        .map_or(text.len(), |i| after + i + 1);
    Some(section.start + start..section.start + end)
}

/// The text of the subsection of the section `parent` whose `### ` heading
/// line starts with `prefix` (up to the next `### ` or `## ` heading), for
/// the section's owner to carry over when it rewrites the section.
pub fn subsection<'d>(doc: &'d str, parent: &str, prefix: &str) -> Option<&'d str> {
    subsection_range(doc, parent, prefix).map(|r| &doc[r])
}

/// `doc` with the subsection of `parent` whose heading line starts with
/// `prefix` replaced by `text`; without one, `text` ends the section
/// `parent`, and without that section both are appended.
pub fn replace_subsection(doc: &str, parent: &str, prefix: &str, text: &str) -> String {
    if let Some(range) = subsection_range(doc, parent, prefix) {
        return format!("{}{}{}", &doc[..range.start], text, &doc[range.end..]);
    }
    let Some(section) = section_range(doc, parent) else {
        let mut out = doc.trim_end().to_owned();
        out.push_str(&format!("\n\n{parent}\n\n{text}"));
        return out;
    };
    // After the section's text and one blank line.
    let before = doc[..section.end].trim_end();
    format!("{before}\n\n{text}{}", &doc[section.end..])
}

/// Rewrites the subsection of `parent` whose heading starts with `prefix`
/// in the file at `path` (see [`replace_subsection`]).
pub fn write_subsection(path: &Path, parent: &str, prefix: &str, text: &str) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    std::fs::write(path, replace_subsection(&old, parent, prefix, text))
        .with_context(|| format!("cannot write `{}`", path.display()))
}

/// Rewrites the section headed by `heading` in the file at `path`.
pub fn write_section(path: &Path, heading: &str, section: &str) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    std::fs::write(path, replace_section(&old, heading, section))
        .with_context(|| format!("cannot write `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{replace_section, replace_subsection, subsection};

    #[test]
    fn section_is_replaced_in_place_or_appended() {
        let doc = "# B\n\n## Other\nx\n\n## Mine\nold\n\n## Last\ny\n";
        assert_eq!(
            replace_section(doc, "## Mine", "## Mine\nnew\n\n"),
            "# B\n\n## Other\nx\n\n## Mine\nnew\n\n## Last\ny\n"
        );
        assert_eq!(
            replace_section("# B\n\n## Mine\nold\n", "## Mine", "## Mine\nnew\n"),
            "# B\n\n## Mine\nnew\n"
        );
        assert_eq!(
            replace_section("# B\n\n## Minesweeper\nz\n", "## Mine", "## Mine\nnew\n"),
            "# B\n\n## Minesweeper\nz\n\n## Mine\nnew\n"
        );
    }

    #[test]
    fn subsection_is_found_replaced_in_place_or_added_to_its_section() {
        let doc = "# B\n\n## Fetch\nx\n\n### Keys\nk\n\n### Refresh (computed)\nold\n\n## Hot\ny\n";
        assert_eq!(
            subsection(doc, "## Fetch", "### Refresh"),
            Some("### Refresh (computed)\nold\n\n")
        );
        assert_eq!(
            subsection(doc, "## Fetch", "### Keys"),
            Some("### Keys\nk\n\n")
        );
        assert_eq!(subsection(doc, "## Hot", "### Refresh"), None);
        assert_eq!(
            replace_subsection(
                doc,
                "## Fetch",
                "### Refresh",
                "### Refresh (measured)\nnew\n\n"
            ),
            "# B\n\n## Fetch\nx\n\n### Keys\nk\n\n### Refresh (measured)\nnew\n\n## Hot\ny\n"
        );
        assert_eq!(
            replace_subsection(doc, "## Fetch", "### Keys", "### Keys\nK\n\n"),
            "# B\n\n## Fetch\nx\n\n### Keys\nK\n\n### Refresh (computed)\nold\n\n## Hot\ny\n"
        );
        // Missing: it ends its section, or both are appended.
        assert_eq!(
            replace_subsection(doc, "## Hot", "### R", "### R\nr\n"),
            format!("{doc}\n### R\nr\n")
        );
        assert_eq!(
            replace_subsection("# B\n", "## Fetch", "### R", "### R\nr\n"),
            "# B\n\n## Fetch\n\n### R\nr\n"
        );
        // A rewrite of the section that carries the subsection over keeps it.
        let carried = subsection(doc, "## Fetch", "### Refresh").unwrap_or_default();
        let rewritten = replace_section(doc, "## Fetch", &format!("## Fetch\nz\n\n{carried}"));
        assert_eq!(
            rewritten,
            "# B\n\n## Fetch\nz\n\n### Refresh (computed)\nold\n\n## Hot\ny\n"
        );
    }
}
