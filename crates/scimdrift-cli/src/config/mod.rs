//! `scimdrift.toml`: the configuration file, found from the working
//! directory upward (or named by `--config`), and the one place where a
//! setting's layers meet: a flag given on the command line, then its
//! environment variable, then the file, then the flag's default.
//!
//! Whether a flag was given is clap's [`ArgMatches::value_source`]; the
//! commands only ever see the resolved arguments. [`Layers`] records where
//! each value came from, for `scimdrift config`.

pub mod file;

use crate::cmd::check::CheckArgs;
use crate::connect::{BASE_URL_ENV, ConnectArgs};
use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use crate::output::OutputFormat;
use clap::ArgMatches;
use clap::ValueEnum;
use clap::parser::ValueSource;
use file::{At, ConfigFile};
use scimdrift_fetch::{PageSize, TOKEN_ENV};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The file looked for in the working directory and its parents.
pub const FILE_NAME: &str = "scimdrift.toml";

/// A configuration file larger than this is refused.
const MAX_BYTES: u64 = 1 << 20;

/// `--config FILE` and `--no-config`, accepted by every command.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Configuration")]
pub struct ConfigFlags {
    /// Read settings from FILE instead of the `scimdrift.toml` found in the
    /// working directory or the nearest parent that has one.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
}

/// How the configuration file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// `--no-config`.
    Disabled,
    /// None was found from the working directory upward.
    NotFound,
    /// Found from the working directory upward.
    Discovered,
    /// Named by `--config`.
    Given,
}

/// The configuration file in force, if any.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// How it was chosen.
    pub how: How,
    /// The file, read and checked.
    pub file: Option<ConfigFile>,
}

/// Finds and reads the configuration file these flags ask for. A file that
/// exists but is not valid is an error (exit 4), never ignored.
pub fn load(flags: &ConfigFlags) -> Result<Loaded, CliError> {
    if flags.no_config {
        return Ok(Loaded {
            how: How::Disabled,
            file: None,
        });
    }
    let (path, shown, dir, how) = match &flags.config {
        Some(path) => {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (path.clone(), path.display().to_string(), dir, How::Given)
        }
        None => match discover()? {
            Some((path, shown, dir)) => (path, shown, dir, How::Discovered),
            None => {
                return Ok(Loaded {
                    how: How::NotFound,
                    file: None,
                });
            }
        },
    };
    let text = read(&path, &shown)?;
    match file::parse(&text, &shown, &dir) {
        Ok(file) => Ok(Loaded {
            how,
            file: Some(file),
        }),
        Err(diags) => Err(CliError::invalid(format!(
            "{} error(s) in the configuration file `{shown}`",
            diags.len()
        ))
        .with_hint("fix the file, or run with --no-config to ignore it")
        .with_diagnostics(scimdrift_reconcile::render_all(&diags))),
    }
}

/// The nearest `scimdrift.toml` from the working directory upward: the path
/// to read, the path as shown (`scimdrift.toml`, `../scimdrift.toml`, …)
/// and the directory its relative paths start from, as the user would
/// write it. The search stops below a directory anyone may write to
/// (`/tmp`): a file there could be anybody's, and it says where the token
/// is sent.
fn discover() -> Result<Option<(PathBuf, String, PathBuf)>, CliError> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let mut up = PathBuf::new();
    for dir in cwd.ancestors() {
        if writable_by_anyone(dir) {
            break;
        }
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            let shown = up.join(FILE_NAME).display().to_string();
            return Ok(Some((candidate, shown, up)));
        }
        up.push("..");
    }
    Ok(None)
}

#[cfg(unix)]
fn writable_by_anyone(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o002 != 0)
}

#[cfg(not(unix))]
fn writable_by_anyone(_dir: &Path) -> bool {
    false
}

fn read(path: &Path, shown: &str) -> Result<String, CliError> {
    let file = std::fs::File::open(path).map_err(|e| {
        CliError::caused_by(
            Exit::Invalid,
            format!("cannot read the configuration file `{shown}`"),
            e,
        )
        .with_hint("check the --config path, or run with --no-config")
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the configuration file `{shown}`"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(CliError::invalid(format!(
            "the configuration file `{shown}` is larger than 1 MiB"
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        CliError::invalid(format!(
            "the configuration file `{shown}` is not UTF-8 text"
        ))
    })
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The flag, on the command line.
    CommandLine,
    /// The flag's environment variable.
    Environment(&'static str),
    /// The configuration file, at `file:line:column`.
    File(String),
    /// The flag's default.
    Default,
    /// Nowhere: the setting is not set.
    Unset,
}

/// One resolved setting, as `scimdrift config` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key in the file (`policies`, `connection.base_url`, …).
    pub key: &'static str,
    /// The flag that sets it.
    pub flag: &'static str,
    /// The value in force, as it would be written in the file (TOML);
    /// `None` when unset.
    pub value: Option<String>,
    /// Where the value came from.
    pub source: Source,
}

/// Applies the configuration file under the flags of one command: a value
/// from the file replaces a flag only where the flag was neither given nor
/// set by its environment variable.
#[derive(Debug)]
pub struct Layers<'a> {
    matches: &'a ArgMatches,
    file: Option<&'a ConfigFile>,
    settings: Vec<Setting>,
}

impl<'a> Layers<'a> {
    /// Layers for a command whose arguments clap parsed into `matches`.
    pub fn new(matches: &'a ArgMatches, loaded: &'a Loaded) -> Self {
        Layers {
            matches,
            file: loaded.file.as_ref(),
            settings: Vec::new(),
        }
    }

    /// What was resolved, in the order of the file's keys.
    pub fn into_settings(self) -> Vec<Setting> {
        self.settings
    }

    /// The flag `id` wins when given or set by its environment variable,
    /// else the file's value, else the default.
    fn pick<T>(
        &self,
        id: &str,
        env: Option<&'static str>,
        from_file: Option<&'a At<T>>,
    ) -> (Source, Option<&'a T>) {
        match self.matches.value_source(id) {
            Some(ValueSource::CommandLine) => (Source::CommandLine, None),
            Some(ValueSource::EnvVariable) => {
                (Source::Environment(env.unwrap_or("the environment")), None)
            }
            other => match (from_file, self.file) {
                (Some(at), Some(file)) => (
                    Source::File(format!("{}:{}:{}", file.shown, at.line, at.column)),
                    Some(&at.value),
                ),
                _ if other == Some(ValueSource::DefaultValue) => (Source::Default, None),
                _ => (Source::Unset, None),
            },
        }
    }

    fn record(
        &mut self,
        key: &'static str,
        flag: &'static str,
        source: Source,
        value: Option<String>,
    ) {
        let source = if value.is_none() {
            Source::Unset
        } else {
            source
        };
        self.settings.push(Setting {
            key,
            flag,
            value,
            source,
        });
    }

    /// `policies` (`--policies`).
    pub fn policies(&mut self, policies: &mut PathBuf) {
        let from_file = self.file.and_then(|f| f.policies.as_ref());
        let (source, value) = self.pick("policies", None, from_file);
        if let Some(value) = value {
            policies.clone_from(value);
        }
        self.record("policies", "--policies", source, Some(path_value(policies)));
    }

    /// `[connection]`: the connection flags.
    pub fn connect(&mut self, args: &mut ConnectArgs) {
        let file = self.file;
        let (source, value) = self.pick("provider", None, file.and_then(|f| f.provider.as_ref()));
        if let Some(value) = value {
            args.provider = *value;
        }
        self.record(
            "connection.provider",
            "--provider",
            source,
            Some(choice(args.provider)),
        );

        let (source, value) = self.pick(
            "base_url",
            Some(BASE_URL_ENV),
            file.and_then(|f| f.base_url.as_ref()),
        );
        if let Some(value) = value {
            args.base_url = Some(value.clone());
        }
        let shown = args.base_url.as_deref().map(toml_string);
        self.record("connection.base_url", "--base-url", source, shown);

        let (source, value) = self.pick("path_case", None, file.and_then(|f| f.path_case.as_ref()));
        if let Some(value) = value {
            args.path_case = *value;
        }
        self.record(
            "connection.path_case",
            "--path-case",
            source,
            Some(choice(args.path_case)),
        );

        let (source, value) =
            self.pick("rate_limit", None, file.and_then(|f| f.rate_limit.as_ref()));
        if let Some(value) = value {
            args.rate_limit = *value;
        }
        let shown = toml_string(&format!("{}/min", args.rate_limit));
        self.record("connection.rate_limit", "--rate-limit", source, Some(shown));

        let (source, value) = self.pick("page_size", None, file.and_then(|f| f.page_size.as_ref()));
        if let Some(value) = value {
            args.page_size = *value;
        }
        let shown = match args.page_size {
            PageSize::Auto => toml_string("auto"),
            PageSize::Fixed(n) => n.to_string(),
        };
        self.record("connection.page_size", "--page-size", source, Some(shown));

        // The token: --token-file, --token and OMNI_API_TOKEN all beat the
        // file's token_file (flags > environment > file).
        let token_flag = self.matches.value_source("token") == Some(ValueSource::CommandLine);
        let token_env = std::env::var_os(TOKEN_ENV).is_some();
        let from_file = file.and_then(|f| f.token_file.as_ref());
        let (mut source, value) = self.pick("token_file", None, from_file);
        if let Some(value) = value {
            if token_flag || token_env {
                source = Source::Unset;
            } else {
                args.token_file = vec![value.clone()];
            }
        }
        // Several --token-file flags: shown as a TOML array.
        let shown = match args.token_file.as_slice() {
            [] => None,
            [one] => Some(path_value(one)),
            many => Some(format!(
                "[{}]",
                many.iter()
                    .map(|p| path_value(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.record("connection.token_file", "--token-file", source, shown);
        let token = if !args.token_file.is_empty() {
            Some(("the token_file above", Source::Unset))
        } else if token_flag {
            Some(("--token", Source::CommandLine))
        } else if token_env {
            Some((TOKEN_ENV, Source::Environment(TOKEN_ENV)))
        } else {
            None
        };
        self.settings.push(Setting {
            key: "token",
            flag: "--token",
            value: token
                .as_ref()
                .map(|(from, _)| format!("read from {from}, never shown")),
            source: token.map_or(Source::Unset, |(_, source)| source),
        });
    }

    /// `[check]` and everything `check` reads: `policies`, `[connection]`.
    pub fn check(&mut self, args: &mut CheckArgs) {
        self.policies(&mut args.policies);
        self.connect(&mut args.connect);
        let file = self.file;
        let (source, value) = self.pick("fail_on", None, file.and_then(|f| f.fail_on.as_ref()));
        if let Some(value) = value {
            args.fail_on = *value;
        }
        self.record(
            "check.fail_on",
            "--fail-on",
            source,
            Some(choice(args.fail_on)),
        );

        let (source, value) = self.pick("outputs", None, file.and_then(|f| f.outputs.as_ref()));
        if let Some(value) = value {
            args.output.outputs.clone_from(value);
        }
        let shown: Vec<String> = args
            .output
            .outputs
            .iter()
            .map(|o| {
                let format = match o.format {
                    OutputFormat::Report(format) => format.as_str(),
                    OutputFormat::Owners => "owners",
                };
                toml_string(&format!("{format}={}", o.path.display()))
            })
            .collect();
        let source = if shown.is_empty() && source == Source::Unset {
            Source::Default
        } else {
            source
        };
        self.record(
            "check.outputs",
            "--output",
            source,
            Some(format!("[{}]", shown.join(", "))),
        );

        let (source, value) = self.pick("state_dir", None, file.and_then(|f| f.state_dir.as_ref()));
        if let Some(value) = value {
            args.state_dir = Some(value.clone());
        }
        let shown = args.state_dir.as_deref().map(path_value);
        self.record("check.state_dir", "--state-dir", source, shown);

        let (source, value) = self.pick(
            "full_report",
            None,
            file.and_then(|f| f.full_report.as_ref()),
        );
        if let Some(value) = value {
            args.output.full_report = Some(value.clone());
        }
        let shown = args.output.full_report.as_deref().map(toml_string);
        self.record("check.full_report", "--full-report", source, shown);
    }
}

/// A flag value's name, as a TOML string.
fn choice<T: ValueEnum>(value: T) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |p| toml_string(p.get_name()))
}

fn path_value(path: &Path) -> String {
    toml_string(&path.to_string_lossy())
}

/// `text` as a TOML basic string.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_escape() {
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_string("x\u{1}"), r#""x\u0001""#);
    }
}
