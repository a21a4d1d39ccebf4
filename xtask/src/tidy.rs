//! Tidy checks, run as tests: ARCHITECTURE.md stays the map of the code.
//!
//! Two rules, checked in both directions:
//! - every path ARCHITECTURE.md names in backticks (`crates/…`, `xtask/…`,
//!   `docs/…`, or `src/…`, `tests/…`, `benches/…`, `examples/…` inside a
//!   crate's section) exists;
//! - every Rust module under `crates/*/src` and `xtask/src` is named in its
//!   crate's section (a `mod.rs` may be named by its directory, and files
//!   under a named `tests/` directory are covered by it).
//!
//! A crate's section starts at a `##`/`###` heading that names the crate's
//! folder in backticks, e.g. ``### `crates/scimdrift-proto` ``.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Prefixes of paths resolved against the repository root.
const ROOT_PREFIXES: &[&str] = &[
    "crates/",
    "xtask/",
    "docs/",
    "demo/",
    "policies/",
    "examples/",
    "tests/",
    ".ci/",
];
/// Prefixes of paths resolved against the current crate's folder.
const CRATE_PREFIXES: &[&str] = &["src/", "tests/", "benches/", "examples/"];

/// What ARCHITECTURE.md says: the paths it names, each with the crate section
/// it appeared in (if any).
#[derive(Debug, Default)]
struct Map {
    /// (crate folder or "", path as written, line number).
    named: Vec<(String, String, usize)>,
}

fn backticked(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

fn looks_like_path(token: &str) -> bool {
    !token.is_empty()
        && !token.contains(char::is_whitespace)
        && !token.contains("::")
        && !token.contains(['{', '}', '*', '<', '>', '=', '$', '"', '\''])
        && (ROOT_PREFIXES.iter().any(|p| token.starts_with(p))
            || CRATE_PREFIXES.iter().any(|p| token.starts_with(p)))
}

fn parse(text: &str) -> Map {
    let mut map = Map::default();
    let mut current = String::new();
    let mut in_fence = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if line.starts_with("## ") || line.starts_with("### ") {
            current = backticked(line)
                .find(|t| {
                    (t.starts_with("crates/") && t.matches('/').count() == 1) || *t == "xtask"
                })
                .map(|t| t.trim_end_matches('/').to_owned())
                .unwrap_or_default();
        }
        for token in backticked(line) {
            if looks_like_path(token) {
                map.named.push((current.clone(), token.to_owned(), i + 1));
            }
        }
    }
    map
}

/// Every problem found, one line each (empty: the map is true).
pub fn check(root: &Path, architecture: &str) -> Vec<String> {
    let map = parse(architecture);
    let mut problems = Vec::new();
    // Normalised named paths per crate folder, for the completeness rule.
    let mut covered: BTreeSet<PathBuf> = BTreeSet::new();
    for (krate, path, line) in &map.named {
        let in_crate = (!krate.is_empty() && CRATE_PREFIXES.iter().any(|p| path.starts_with(p)))
            .then(|| root.join(krate).join(path))
            .filter(|p| p.exists());
        let at_root = ROOT_PREFIXES
            .iter()
            .any(|p| path.starts_with(p))
            .then(|| root.join(path))
            .filter(|p| p.exists());
        match in_crate.or(at_root) {
            Some(found) => {
                covered.insert(found.strip_prefix(root).unwrap_or(&found).to_path_buf());
            }
            None => problems.push(format!(
                "ARCHITECTURE.md:{line}: `{path}` does not exist{}",
                if krate.is_empty() {
                    String::new()
                } else {
                    format!(" (read in the section of `{krate}`)")
                }
            )),
        }
    }
    for module in rust_modules(root) {
        let is_covered = covered.contains(&module)
            || (module.file_name().is_some_and(|n| n == "mod.rs")
                && module.parent().is_some_and(|d| covered.contains(d)))
            || module
                .ancestors()
                .skip(1)
                .any(|a| a.file_name().is_some_and(|n| n == "tests") && covered.contains(a));
        if !is_covered {
            problems.push(format!(
                "ARCHITECTURE.md does not name the module `{}`: add it to its crate's code map",
                module.display()
            ));
        }
    }
    problems
}

/// Every `.rs` file under `crates/*/src` and `xtask/src`, relative to `root`, sorted.
fn rust_modules(root: &Path) -> Vec<PathBuf> {
    let mut srcs = vec![root.join("xtask/src")];
    if let Ok(entries) = std::fs::read_dir(root.join("crates")) {
        for entry in entries.flatten() {
            srcs.push(entry.path().join("src"));
        }
    }
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = srcs.into_iter().filter(|p| p.is_dir()).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    #[test]
    fn architecture_md_is_the_map() {
        let root = repo_root();
        let text = std::fs::read_to_string(root.join("ARCHITECTURE.md"))
            .unwrap_or_else(|e| panic!("cannot read ARCHITECTURE.md: {e}"));
        let problems = check(&root, &text);
        assert!(
            problems.is_empty(),
            "ARCHITECTURE.md is out of date:\n{}",
            problems.join("\n")
        );
    }

    /// A throwaway tree: the checker must catch a renamed module both ways.
    #[test]
    fn a_renamed_module_fails_the_check() {
        let dir = std::env::temp_dir().join(format!("scimdrift-tidy-{}", std::process::id()));
        let src = dir.join("crates/demo/src/engine");
        std::fs::create_dir_all(&src).unwrap_or_else(|e| panic!("{e}"));
        for file in ["crates/demo/src/lib.rs", "crates/demo/src/engine/mod.rs"] {
            std::fs::write(dir.join(file), "").unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(src.join("index.rs"), "").unwrap_or_else(|e| panic!("{e}"));
        let map = "## `crates/demo`\n\n- `src/lib.rs`: the façade\n- `src/engine/`: the engine\n- `src/engine/index.rs`: the index\n";
        assert_eq!(check(&dir, map), Vec::<String>::new());

        // Rename the module without touching the map.
        std::fs::rename(src.join("index.rs"), src.join("indices.rs"))
            .unwrap_or_else(|e| panic!("{e}"));
        let problems = check(&dir, map);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            problems,
            [
                "ARCHITECTURE.md:5: `src/engine/index.rs` does not exist (read in the section of `crates/demo`)",
                "ARCHITECTURE.md does not name the module `crates/demo/src/engine/indices.rs`: add it to its crate's code map",
            ]
        );
    }
}
