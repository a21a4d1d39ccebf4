//! `scimdrift review`: the compliance access review of embed users.

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::exit::Exit;
use crate::input::{self, parse_now, policies, snapshot};
use crate::output::write_file;
use scimdrift_proto::Filter;
use scimdrift_reconcile::{CheckOptions, SubjectKind, applicable_rules, check};
use scimdrift_render::review::{self, Review, ReviewDeclaration, ReviewFilter, ReviewTimeBound};
use std::io::Write as _;
use std::path::PathBuf;

/// Review formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewFormat {
    /// A Markdown document.
    Markdown,
    /// One CSV row per embed user, after `#` evidence lines.
    Csv,
    /// `scimdrift.review/v1` JSON.
    Json,
    /// One self-contained HTML page (inline CSS and SVG, no network).
    Html,
}

/// One `--output FORMAT=PATH`.
#[derive(Debug, Clone)]
pub struct ReviewOutput {
    format: ReviewFormat,
    path: PathBuf,
}

fn parse_output(s: &str) -> Result<ReviewOutput, String> {
    use clap::ValueEnum as _;
    let Some((format, path)) = s.split_once('=') else {
        return Err(format!(
            "expected FORMAT=PATH (e.g. `html=review.html`), got `{s}`"
        ));
    };
    let format = ReviewFormat::from_str(format, false).map_err(|_| {
        format!("unknown review format `{format}` (expected one of: markdown, csv, json, html)")
    })?;
    if path.is_empty() {
        return Err("no path after `=`".to_owned());
    }
    Ok(ReviewOutput {
        format,
        path: PathBuf::from(path),
    })
}

/// Arguments of `scimdrift review`.
///
/// Exit codes: 0 the review was written, 3 the live data is incomplete (the
/// review is still written, and says so), 1 runtime failure, 4 invalid input.
#[derive(Debug, clap::Args)]
#[command(after_help = snapshot::snapshot_env_help())]
pub struct ReviewArgs {
    /// A snapshot file to review instead of fetching live.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The policies directory.
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    /// The evaluation time (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Only embed users of this entity (repeatable).
    #[arg(long, value_name = "ENTITY")]
    pub entity: Vec<String>,
    /// Only embed users this SCIM filter matches, e.g. 'active eq true'.
    #[arg(long = "where", value_name = "FILTER")]
    pub where_: Option<String>,
    /// Format written to stdout.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Markdown)]
    pub format: ReviewFormat,
    /// Also write FORMAT to PATH (repeatable), e.g. `--output html=review.html`.
    #[arg(long = "output", value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub outputs: Vec<ReviewOutput>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

fn render(review: &Review, format: ReviewFormat) -> String {
    match format {
        ReviewFormat::Markdown => review::render_markdown(review),
        ReviewFormat::Csv => review::render_csv(review),
        ReviewFormat::Json => review::render_json(review),
        ReviewFormat::Html => review::render_html(review),
    }
}

/// Runs `scimdrift review`.
pub fn run(args: ReviewArgs) -> Result<Exit, CliError> {
    let now = parse_now(args.now.as_deref())?;
    let filter = match &args.where_ {
        Some(text) => Some(Filter::parse(text).map_err(|err| {
            CliError::invalid(format!("invalid --where filter\n{}", err.render(text)))
                .with_hint("filters follow RFC 7644 §3.4.2.2, e.g. `active eq true`")
        })?),
        None => None,
    };
    let (_files, loaded) = policies::load_dir(&args.policies)?;
    let input = input::load(args.snapshot.as_deref(), &args.connect)?;
    // The default threshold, so the evidence's status reads as `check` would.
    let mut opts = CheckOptions::new(now, input.source.clone());
    opts.tool_version = env!("CARGO_PKG_VERSION").to_owned();
    let mut report = check(&input.snapshot, &loaded.policies, &opts);
    report.policies_commit = input::policies_commit(&args.policies);

    let applied = applicable_rules(
        &input.snapshot,
        &loaded.policies,
        SubjectKind::EmbedUser,
        now,
    );
    let declarations: Vec<ReviewDeclaration> = loaded
        .policies
        .groups
        .iter()
        .filter(|g| !g.embed_users.is_empty())
        .map(|g| ReviewDeclaration {
            rule: g.rule_id(),
            embed_users: g.embed_users.iter().map(|m| m.name.clone()).collect(),
            time_bound: g
                .embed_users
                .iter()
                .filter_map(|m| {
                    m.until.as_ref().map(|u| ReviewTimeBound {
                        embed_user: m.name.clone(),
                        until: u.date.to_string(),
                        reason: u.reason.clone(),
                        ticket: u.ticket.clone(),
                    })
                })
                .collect(),
        })
        .collect();
    let select = ReviewFilter {
        entities: args.entity.clone(),
        filter: filter.as_ref(),
        filter_text: args.where_.clone(),
    };
    let review = review::build(&input.snapshot, &report, &applied, &declarations, &select)
        .map_err(|err| CliError::from_error(Exit::Invalid, err))?;

    for output in &args.outputs {
        write_file(&output.path, &render(&review, output.format))?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(render(&review, args.format).as_bytes())?;
    stdout.flush()?;
    Ok(match Exit::from(report.status) {
        Exit::Incomplete => Exit::Incomplete,
        _ => Exit::Clean,
    })
}
