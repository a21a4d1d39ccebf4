//! `scimdrift config`: the settings `scimdrift check` would use, printed
//! as TOML, each with where its value came from (the command line, the
//! environment, the configuration file at `file:line:column`, or the
//! default).

use crate::config::{How, Loaded, Setting, Source};
use crate::error::CliError;
use crate::exit::Exit;
use std::fmt::Write as _;
use std::io::Write as _;

/// Arguments of `scimdrift config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// Flags of `scimdrift check` to take into account, after `--`, e.g.
    /// `scimdrift config -- --fail-on warning`.
    #[arg(last = true, value_name = "CHECK-FLAGS")]
    pub check_flags: Vec<String>,
}

/// The widest `key = value` that the source comments are aligned after.
const ALIGN: usize = 40;

/// The settings as TOML, a comment after each naming its source.
pub fn render(loaded: &Loaded, settings: &[Setting]) -> String {
    let mut out = String::new();
    let shown = loaded.file.as_ref().map_or("", |f| f.shown.as_str());
    let header = match loaded.how {
        How::Discovered => format!(
            "# configuration file: {shown} (the nearest one from the working directory upward)"
        ),
        How::Given => format!("# configuration file: {shown} (--config)"),
        How::NotFound => {
            "# configuration file: none (no scimdrift.toml in the working directory or its parents)"
                .to_owned()
        }
        How::Disabled => "# configuration file: none (--no-config)".to_owned(),
    };
    let _ = writeln!(out, "{header}");
    let lines: Vec<(String, String)> = settings.iter().map(line).collect();
    let width = lines
        .iter()
        .map(|(left, _)| left.chars().count())
        .filter(|n| *n <= ALIGN)
        .max()
        .unwrap_or(0);
    let mut section = "";
    for (setting, (left, comment)) in settings.iter().zip(&lines) {
        let this = setting.key.split_once('.').map_or("", |(table, _)| table);
        if this != section && setting.key != "token" {
            let _ = writeln!(out, "\n[{this}]");
            section = this;
        }
        if comment.is_empty() {
            let _ = writeln!(out, "{left}");
        } else {
            let pad = width.saturating_sub(left.chars().count());
            let _ = writeln!(out, "{left}{}  # {comment}", " ".repeat(pad));
        }
    }
    out
}

/// One setting: `key = value` (or a comment when unset) and its source.
fn line(setting: &Setting) -> (String, String) {
    let name = setting
        .key
        .split_once('.')
        .map_or(setting.key, |(_, name)| name);
    if setting.key == "token" {
        let text = match &setting.value {
            Some(from) => format!("# token: {from}"),
            None => format!(
                "# token: not set (export {}, or set token_file)",
                scimdrift_fetch::TOKEN_ENV
            ),
        };
        return (text, String::new());
    }
    let Some(value) = &setting.value else {
        return (format!("# {name}"), "not set".to_owned());
    };
    let source = match &setting.source {
        Source::CommandLine => format!("command line: {}", setting.flag),
        Source::Environment(var) => format!("environment: {var}"),
        Source::File(at) => at.clone(),
        Source::Default => "default".to_owned(),
        Source::Unset => "not set".to_owned(),
    };
    (format!("{name} = {value}"), source)
}

/// Prints the settings.
pub fn run(loaded: &Loaded, settings: &[Setting]) -> Result<Exit, CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(render(loaded, settings).as_bytes())?;
    stdout.flush()?;
    Ok(Exit::Clean)
}
