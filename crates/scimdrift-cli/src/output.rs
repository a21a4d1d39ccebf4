//! `--format` and `--output FORMAT=PATH`, shared by `check` and `render`:
//! one report, several formats per run. `--output owners=DIR` is the one
//! output that is a directory: one Markdown digest per owner.

use crate::error::{CliError, Context as _};
use crate::write::write_atomic;
use scimdrift_reconcile::Report;
use scimdrift_render::owners::Owners;
use scimdrift_render::{Format, RenderOptions, markdown};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

/// Output arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Format written to stdout: human, json, markdown, sarif, junit, github,
    /// csv, openmetrics.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = parse_format)]
    pub format: Format,
    /// Also write FORMAT to PATH (repeatable), e.g. `--output sarif=drift.sarif`;
    /// `owners=DIR` writes one Markdown digest per policy owner (and
    /// `unowned.md`) into DIR.
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub outputs: Vec<OutputSpec>,
    /// Where readers find the full report, named when Markdown or annotations
    /// are truncated (default: the `--output json=PATH` file, if any).
    #[arg(long, value_name = "TEXT")]
    pub full_report: Option<String>,
}

/// One `--output FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The format.
    pub format: OutputFormat,
    /// The file (a directory for `owners`).
    pub path: PathBuf,
}

/// What an `--output` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One report format, one file.
    Report(Format),
    /// The owner digests, a directory.
    Owners,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

pub(crate) fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let Some((format, path)) = s.split_once('=') else {
        return Err(format!(
            "expected FORMAT=PATH (e.g. `sarif=drift.sarif`), got `{s}`"
        ));
    };
    if path.is_empty() {
        return Err(format!("no path after `{format}=`"));
    }
    let format = if format == "owners" {
        OutputFormat::Owners
    } else {
        OutputFormat::Report(parse_format(format).map_err(|e| format!("{e}, or owners=DIR"))?)
    };
    Ok(OutputSpec {
        format,
        path: PathBuf::from(path),
    })
}

impl OutputArgs {
    /// Render options for these arguments. `policies_dir` is the policies
    /// directory as given on the command line.
    pub fn render_options(&self, policies_dir: &Path) -> RenderOptions {
        let full_report = self.full_report.clone().or_else(|| {
            self.outputs
                .iter()
                .find(|o| o.format == OutputFormat::Report(Format::Json))
                .map(|o| format!("`{}`", o.path.display()))
        });
        RenderOptions {
            policies_dir: repo_relative(policies_dir),
            full_report,
            color: self.format == Format::Human
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            ..RenderOptions::default()
        }
    }

    /// Whether an `--output owners=DIR` asks for the policies' owners.
    pub fn wants_owners(&self) -> bool {
        self.outputs
            .iter()
            .any(|o| o.format == OutputFormat::Owners)
    }

    /// Writes every `--output` file, then the `--format` rendering to stdout,
    /// and with `--format github` appends the Markdown summary to
    /// `$GITHUB_STEP_SUMMARY` when it is set. `owners` is who owns what in
    /// the policies, needed when [`Self::wants_owners`].
    pub fn emit(
        &self,
        report: &Report,
        opts: &RenderOptions,
        owners: Option<&Owners>,
    ) -> Result<(), CliError> {
        let file_opts = RenderOptions {
            color: false,
            ..opts.clone()
        };
        for output in &self.outputs {
            match output.format {
                OutputFormat::Report(format) => write_file(
                    &output.path,
                    &scimdrift_render::render(report, format, &file_opts),
                )?,
                OutputFormat::Owners => {
                    let owners = owners.cloned().unwrap_or_default();
                    write_digests(&output.path, report, &owners, &file_opts)?;
                }
            }
        }
        let text = scimdrift_render::render(report, self.format, opts);
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        if self.format == Format::Github
            && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
        {
            append_step_summary(Path::new(&path), report, opts)?;
        }
        Ok(())
    }
}

/// Writes an output file atomically, creating its parent directories.
pub fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    write_atomic(path, text.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.display()))
}

/// Writes the owner digests into `dir` (created if missing).
fn write_digests(
    dir: &Path,
    report: &Report,
    owners: &Owners,
    opts: &RenderOptions,
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    for digest in scimdrift_render::owners::render(report, owners, opts) {
        write_file(&dir.join(&digest.file), &digest.text)?;
    }
    Ok(())
}

/// Who owns which group and exception in these policies.
pub fn owners_of(policies: &scimdrift_reconcile::Policies) -> Owners {
    let mut owners = Owners::default();
    for group in &policies.groups {
        if let Some(owner) = group.owner.as_ref().filter(|o| !o.trim().is_empty()) {
            owners.groups.insert(group.name.clone(), owner.clone());
        }
    }
    for exception in &policies.exceptions {
        if let Some(owner) = exception.owner.as_ref().filter(|o| !o.trim().is_empty()) {
            owners
                .exceptions
                .insert(exception.at.clone(), owner.clone());
        }
    }
    owners
}

/// Appends the Markdown summary to the step summary file, keeping the file
/// within GitHub's 1 MiB limit (what earlier steps wrote counts too).
fn append_step_summary(path: &Path, report: &Report, opts: &RenderOptions) -> Result<(), CliError> {
    let existing = std::fs::metadata(path).map_or(0, |m| m.len());
    let existing = usize::try_from(existing).unwrap_or(usize::MAX);
    // One byte for the separating newline.
    let room = markdown::STEP_SUMMARY_LIMIT
        .saturating_sub(existing)
        .saturating_sub(1);
    // A summary needs a few KiB to say anything; with less room, skip it
    // rather than overflow the limit.
    if room < 8 * 1024 {
        return Ok(());
    }
    let text = markdown::render_within(report, opts, room);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open `{}`", path.display()))?;
    file.write_all(b"\n")?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// The policies directory as the repository sees it: relative paths as given
/// (with `/`), absolute ones relative to the working directory when inside it.
fn repo_relative(dir: &Path) -> String {
    let shown = if dir.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| dir.strip_prefix(cwd).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| dir.to_path_buf())
    } else {
        dir.to_path_buf()
    };
    let text = shown.to_string_lossy().replace('\\', "/");
    text.trim_start_matches("./")
        .trim_end_matches('/')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_specs() {
        assert_eq!(
            parse_output("sarif=out/x.sarif"),
            Ok(OutputSpec {
                format: OutputFormat::Report(Format::Sarif),
                path: "out/x.sarif".into()
            })
        );
        assert_eq!(
            parse_output("owners=digests"),
            Ok(OutputSpec {
                format: OutputFormat::Owners,
                path: "digests".into()
            })
        );
        assert_eq!(
            parse_output("x.sarif").unwrap_err(),
            "expected FORMAT=PATH (e.g. `sarif=drift.sarif`), got `x.sarif`"
        );
        assert_eq!(parse_output("json=").unwrap_err(), "no path after `json=`");
        assert!(
            parse_output("pdf=a.pdf")
                .unwrap_err()
                .starts_with("unknown format `pdf`")
        );
    }

    #[test]
    fn policies_dir_as_the_repo_sees_it() {
        assert_eq!(repo_relative(Path::new("./policies/")), "policies");
        assert_eq!(
            repo_relative(Path::new("config/policies")),
            "config/policies"
        );
    }
}
