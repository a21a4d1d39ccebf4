//! `scimdrift filter parse|eval`: test a SCIM filter, e.g. a policy's `where:`
//! selector, against a resource or a whole snapshot.

use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use crate::input::snapshot::{read_snapshot, snapshot_env_help};
use scimdrift_proto::{Filter, Resource};
use std::io::Write as _;
use std::path::PathBuf;

/// `scimdrift filter` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum FilterCommand {
    /// Parse a filter and print its canonical form.
    Parse(ParseArgs),
    /// Evaluate a filter against one resource or every resource of a snapshot.
    Eval(EvalArgs),
}

/// Arguments of `scimdrift filter parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// The filter, e.g. 'embedEntity eq "acme" and active eq true'.
    pub filter: String,
}

/// Which resources of a snapshot to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Standard users.
    Users,
    /// Embed users.
    EmbedUsers,
    /// Groups.
    Groups,
}

/// Arguments of `scimdrift filter eval`.
#[derive(Debug, clap::Args)]
#[command(
    group = clap::ArgGroup::new("input").required(true).args(["resource", "snapshot"]),
    after_help = snapshot_env_help(),
)]
pub struct EvalArgs {
    /// The filter (RFC 7644 §3.4.2.2), e.g. 'embedEntity eq "acme" and active eq true'.
    pub filter: String,
    /// A JSON file holding one SCIM resource: prints `true` or `false`
    /// (exit 4 if SCIM leaves the comparison undefined, e.g. `active gt true`).
    #[arg(long, value_name = "FILE")]
    pub resource: Option<PathBuf>,
    /// A snapshot file: prints `id<TAB>name` of every matching resource of
    /// `--kind`, sorted by id, and the count on stderr (exit 3 if the snapshot
    /// is marked incomplete).
    #[arg(long, value_name = "FILE", requires = "kind")]
    pub snapshot: Option<PathBuf>,
    /// Which resources of the snapshot to evaluate.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
}

/// Runs `scimdrift filter`.
pub fn run(command: FilterCommand) -> Result<Exit, CliError> {
    match command {
        FilterCommand::Parse(args) => {
            let filter = parse(&args.filter)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{filter}")?;
            Ok(Exit::Clean)
        }
        FilterCommand::Eval(args) => eval(args),
    }
}

fn parse(text: &str) -> Result<Filter, CliError> {
    Filter::parse(text).map_err(|err| {
        // The rendered diagnostic carries the parser's own hint; add the
        // generic one only when there is none.
        let hint = err.hint().is_none().then(|| {
            "filters follow RFC 7644 §3.4.2.2, e.g. `userName eq \"ann@example.com\"`".to_owned()
        });
        CliError::invalid(format!("invalid filter\n{}", err.render(text))).with_hint_opt(hint)
    })
}

fn read_json(path: &PathBuf) -> Result<String, CliError> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}

fn eval(args: EvalArgs) -> Result<Exit, CliError> {
    let filter = parse(&args.filter)?;
    let mut out = std::io::stdout().lock();
    if let Some(path) = &args.resource {
        let text = read_json(path)?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
            CliError::caused_by(
                Exit::Invalid,
                format!("`{}` is not valid JSON", path.display()),
                err,
            )
            .with_hint("pass one SCIM resource as a JSON object")
        })?;
        if !value.is_object() {
            return Err(CliError::invalid(format!("`{}` holds no JSON object", path.display()))
                .with_hint("pass one SCIM resource as a JSON object, e.g. `{\"id\": \"…\", \"userName\": \"…\"}`"));
        }
        let matched = filter
            .evaluate(&value)
            .map_err(|err| CliError::from_error(Exit::Invalid, err))?;
        writeln!(out, "{matched}")?;
        return Ok(Exit::Clean);
    }
    let Some(path) = &args.snapshot else {
        return Err(CliError::invalid("give --resource FILE or --snapshot FILE"));
    };
    // The same reader as `check`: the size limit, a byte-order mark, the
    // schema, and implausible content marking the snapshot incomplete.
    let (snapshot, _) = read_snapshot(path)?;
    let (resources, label): (&[Resource], &str) = match args.kind {
        Some(Kind::Users) | None => (&snapshot.users, "userName"),
        Some(Kind::EmbedUsers) => (&snapshot.embed_users, "userName"),
        Some(Kind::Groups) => (&snapshot.groups, "displayName"),
    };
    // Hand-written snapshots may not be sorted: sort by id so the output is
    // deterministic.
    let mut sorted: Vec<&Resource> = resources.iter().collect();
    sorted.sort_by(|a, b| a.id().cmp(b.id()));
    let mut matched = 0usize;
    for resource in sorted {
        let value = resource.to_value();
        if filter
            .evaluate(&value)
            .map_err(|err| CliError::invalid(format!("{err} (resource `{}`)", resource.id())))?
        {
            matched += 1;
            let name = value.get(label).and_then(|v| v.as_str()).unwrap_or("");
            writeln!(out, "{}\t{}", resource.id(), name)?;
        }
    }
    let mut err = std::io::stderr().lock();
    writeln!(err, "{matched} of {} matched", resources.len())?;
    if !snapshot.complete {
        // Fail closed: matches from a partial snapshot may miss resources.
        writeln!(
            err,
            "warning: the snapshot is incomplete, so resources may be missing: {}",
            snapshot.incomplete_reasons.join("; ")
        )?;
        return Ok(Exit::Incomplete);
    }
    Ok(Exit::Clean)
}
