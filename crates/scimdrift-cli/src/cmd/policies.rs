//! Reading a policies directory into [`PolicySource`]s and loading them.

use crate::exit::Exit;
use scimdrift_reconcile::{Loaded, MAX_POLICY_FILE_BYTES, PolicySource, load_policies, render_all};
use std::io::Write as _;
use std::path::Path;

/// Most policy files one directory may hold.
const MAX_FILES: usize = 10_000;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 16;

fn fail(message: &str, hint: Option<&str>) -> Exit {
    let mut stderr = anstream::stderr();
    let _ = writeln!(stderr, "error: {message}");
    if let Some(hint) = hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    Exit::Invalid
}

/// Reads every `*.yaml`/`*.yml` file under `dir`, recursively, sorted by
/// path (relative to `dir`, with `/` separators). Prints the problem and
/// returns the exit code on failure.
pub fn read_policy_dir(dir: &Path) -> Result<Vec<PolicySource>, Exit> {
    if !dir.is_dir() {
        return Err(fail(
            &format!("policies directory `{}` does not exist", dir.display()),
            Some("pass --policies DIR, or run from the directory that holds `policies/`"),
        ));
    }
    let mut out = Vec::new();
    walk(dir, dir, 0, &mut out)?;
    if out.is_empty() {
        return Err(fail(
            &format!("no `*.yaml` or `*.yml` files under `{}`", dir.display()),
            Some("a policy file starts with `version: 1`"),
        ));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<PolicySource>) -> Result<(), Exit> {
    if depth > MAX_DEPTH {
        return Err(fail(
            &format!(
                "`{}` is nested more than {MAX_DEPTH} directories deep",
                dir.display()
            ),
            None,
        ));
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| fail(&format!("cannot read `{}`: {e}", dir.display()), None))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| fail(&format!("cannot read `{}`: {e}", dir.display()), None))?;
        paths.push(entry.path());
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
            return Err(fail(&format!("more than {MAX_FILES} policy files"), None));
        }
        let shown = relative(root, &path);
        let meta = std::fs::metadata(&path)
            .map_err(|e| fail(&format!("cannot read `{shown}`: {e}"), None))?;
        if meta.len() > MAX_POLICY_FILE_BYTES as u64 {
            return Err(fail(
                &format!(
                    "policy file `{shown}` is larger than {} KiB",
                    MAX_POLICY_FILE_BYTES / 1024
                ),
                Some("split the policies into several files"),
            ));
        }
        let bytes =
            std::fs::read(&path).map_err(|e| fail(&format!("cannot read `{shown}`: {e}"), None))?;
        let contents = String::from_utf8(bytes).map_err(|_| {
            fail(
                &format!("policy file `{shown}` is not valid UTF-8"),
                Some("save it as UTF-8"),
            )
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

/// Reads and loads a policies directory; prints warnings, or every error
/// (returning exit 4).
pub fn load_dir(dir: &Path) -> Result<(Vec<PolicySource>, Loaded), Exit> {
    let files = read_policy_dir(dir)?;
    let mut stderr = anstream::stderr();
    match load_policies(&files) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                let _ = write!(stderr, "{}", render_all(&loaded.warnings));
            }
            Ok((files, loaded))
        }
        Err(diags) => {
            let errors = diags
                .iter()
                .filter(|d| d.level == scimdrift_reconcile::Level::Error)
                .count();
            let _ = write!(stderr, "{}", render_all(&diags));
            let _ = writeln!(
                stderr,
                "\nerror: {errors} error(s) in the policies under `{}`",
                dir.display()
            );
            Err(Exit::Invalid)
        }
    }
}
