//! Reading a policies directory into [`PolicySource`]s and loading them.

use crate::error::CliError;
use crate::exit::Exit;
use scimdrift_reconcile::{Loaded, MAX_POLICY_FILE_BYTES, PolicySource, load_policies, render_all};
use std::io::Write as _;
use std::path::Path;

/// Most policy files one directory may hold.
const MAX_FILES: usize = 10_000;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 16;

/// Reads every `*.yaml`/`*.yml` file under `dir`, recursively, sorted by
/// path (relative to `dir`, with `/` separators).
pub fn read_policy_dir(dir: &Path) -> Result<Vec<PolicySource>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::invalid(format!(
            "policies directory `{}` does not exist",
            dir.display()
        ))
        .with_hint("pass --policies DIR, or run from the directory that holds `policies/`"));
    }
    let mut out = Vec::new();
    walk(dir, dir, 0, &mut out)?;
    if out.is_empty() {
        return Err(CliError::invalid(format!(
            "no `*.yaml` or `*.yml` files under `{}`",
            dir.display()
        ))
        .with_hint("a policy file starts with `version: 1`"));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    out: &mut Vec<PolicySource>,
) -> Result<(), CliError> {
    if depth > MAX_DEPTH {
        return Err(CliError::invalid(format!(
            "`{}` is nested more than {MAX_DEPTH} directories deep",
            dir.display()
        )));
    }
    let unreadable =
        |e| CliError::caused_by(Exit::Invalid, format!("cannot read `{}`", dir.display()), e);
    let entries = std::fs::read_dir(dir).map_err(unreadable)?;
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(entry.map_err(unreadable)?.path());
    }
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, depth + 1, out)?;
            continue;
        }
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml");
        if !is_yaml {
            continue;
        }
        if out.len() >= MAX_FILES {
            return Err(CliError::invalid(format!(
                "more than {MAX_FILES} policy files"
            )));
        }
        let shown = relative(root, &path);
        let unreadable =
            |e| CliError::caused_by(Exit::Invalid, format!("cannot read `{shown}`"), e);
        let meta = std::fs::metadata(&path).map_err(unreadable)?;
        if meta.len() > MAX_POLICY_FILE_BYTES as u64 {
            return Err(CliError::invalid(format!(
                "policy file `{shown}` is larger than {} KiB",
                MAX_POLICY_FILE_BYTES / 1024
            ))
            .with_hint("split the policies into several files"));
        }
        let bytes = std::fs::read(&path).map_err(unreadable)?;
        let contents = String::from_utf8(bytes).map_err(|_| {
            CliError::invalid(format!("policy file `{shown}` is not valid UTF-8"))
                .with_hint("save it as UTF-8")
        })?;
        out.push(PolicySource {
            path: shown,
            contents,
        });
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads and loads a policies directory; prints the warnings. Errors are
/// invalid input (exit 4) carrying every diagnostic.
pub fn load_dir(dir: &Path) -> Result<(Vec<PolicySource>, Loaded), CliError> {
    let files = read_policy_dir(dir)?;
    match load_policies(&files) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                let _ = write!(anstream::stderr(), "{}", render_all(&loaded.warnings));
            }
            Ok((files, loaded))
        }
        Err(diags) => {
            let errors = diags
                .iter()
                .filter(|d| d.level == scimdrift_reconcile::Level::Error)
                .count();
            Err(CliError::invalid(format!(
                "{errors} error(s) in the policies under `{}`",
                dir.display()
            ))
            .with_diagnostics(render_all(&diags)))
        }
    }
}
