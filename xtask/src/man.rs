//! `cargo xtask man`: one man page per scimdrift command, generated with
//! clap_mangen from the command-line definition the binary parses
//! (`scimdrift_cli::command`), so the pages say what `--help` says.

use crate::{flags, util};
use anyhow::{Context as _, Result};
use std::path::Path;

/// Writes every page into `--out-dir` (default `target/man`).
pub fn run(opts: &flags::Man) -> Result<()> {
    let dir = opts
        .out_dir
        .clone()
        .unwrap_or_else(|| util::target_dir().join("man"));
    let written = write_pages(&dir)?;
    println!("{} man pages in {}", written.len(), dir.display());
    for name in written {
        println!("  {name}");
    }
    Ok(())
}

/// Writes the pages into `dir`; returns their file names, sorted.
pub fn write_pages(dir: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut names = Vec::new();
    for (name, page) in pages()? {
        let path = dir.join(&name);
        std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
        names.push(name);
    }
    Ok(names)
}

/// Every page as (file name, roff text): `scimdrift.1`, then one per visible
/// subcommand at any depth (`scimdrift-filter-eval.1`), sorted by name.
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out)?;
        }
        // After `build`, a subcommand's display name is its full path
        // (`scimdrift-filter-eval`): the page's title and file name.
        let title = cmd
            .get_display_name()
            .unwrap_or_else(|| cmd.get_name())
            .to_owned();
        let man = clap_mangen::Man::new(cmd.clone()).title(title.clone());
        let mut page = Vec::new();
        man.render(&mut page)
            .with_context(|| format!("cannot render the page of {title}"))?;
        out.push((format!("{title}.1"), page));
        Ok(())
    }
    let mut cmd = scimdrift_cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::pages;

    #[test]
    fn one_page_per_command_naming_its_flags() {
        let pages = pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
        for expected in [
            "scimdrift.1",
            "scimdrift-check.1",
            "scimdrift-completions.1",
            "scimdrift-filter-eval.1",
            "scimdrift-filter.1",
            "scimdrift-validate.1",
        ] {
            assert!(names.contains(&expected), "no {expected} in {names:?}");
        }
        let sub_count = scimdrift_cli::command().get_subcommands().count();
        assert!(names.len() > sub_count, "{names:?}");
        let check = pages
            .iter()
            .find(|(name, _)| name == "scimdrift-check.1")
            .map(|(_, page)| String::from_utf8_lossy(page).into_owned())
            .unwrap();
        assert!(check.starts_with(".ie \\n(.g .ds Aq"), "{check}");
        assert!(check.contains(".TH scimdrift-check 1"), "{check}");
        assert!(check.contains("state\\-dir"), "{check}");
    }
}
