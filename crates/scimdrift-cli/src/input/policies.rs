//! Reading a policies directory into [`PolicySource`]s and loading them.

use crate::PolicyDirError;
use crate::error::CliError;
use crate::exit::Exit;
use scimdrift_reconcile::{Loaded, PolicySource, SeenTypes, load_policies_seeing, render_all};
use std::io::Write as _;
use std::path::Path;

/// [`crate::read_policy_dir`], the walk the tests share; its
/// errors are invalid input (exit 4).
pub fn read_policy_dir(dir: &Path) -> Result<Vec<PolicySource>, CliError> {
    crate::read_policy_dir(dir).map_err(|err| {
        let hint = match &err {
            PolicyDirError::Missing(_) => {
                Some("pass --policies DIR, or run from the directory that holds `policies/`")
            }
            PolicyDirError::Empty(_) => Some("a policy file starts with `version: 1`"),
            PolicyDirError::TooLarge(_) => Some("split the policies into several files"),
            PolicyDirError::NotUtf8(_) => Some("save it as UTF-8"),
            PolicyDirError::TooDeep(_) | PolicyDirError::TooMany | PolicyDirError::Read { .. } => {
                None
            }
        };
        CliError::from_error(Exit::Invalid, err).with_hint_opt(hint)
    })
}

/// Reads and loads a policies directory; prints the warnings. Errors are
/// invalid input (exit 4) carrying every diagnostic.
pub fn load_dir(dir: &Path) -> Result<(Vec<PolicySource>, Loaded), CliError> {
    load_dir_seeing(dir, &SeenTypes::default())
}

/// [`load_dir`], also linting `where` literals against the attribute types
/// a snapshot shows (`validate --snapshot`).
pub fn load_dir_seeing(
    dir: &Path,
    seen: &SeenTypes,
) -> Result<(Vec<PolicySource>, Loaded), CliError> {
    let files = read_policy_dir(dir)?;
    match load_policies_seeing(&files, seen) {
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
