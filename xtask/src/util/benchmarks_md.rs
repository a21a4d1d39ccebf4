//! BENCHMARKS.md: each bench task owns one `## ` section and rewrites it.

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

/// Rewrites the section headed by `heading` in the file at `path`.
pub fn write_section(path: &Path, heading: &str, section: &str) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    std::fs::write(path, replace_section(&old, heading, section))
        .with_context(|| format!("cannot write `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::replace_section;

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
}
