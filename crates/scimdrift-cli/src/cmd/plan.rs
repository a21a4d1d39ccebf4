//! `scimdrift plan`: the SCIM changes that fix the drift `check` reports,
//! written to `--out` (`scimdrift.plan/v1`) and shown on stdout. Read-only:
//! the live instance is only read, exactly as `check` reads it.
//! Exit 0 nothing to change, 2 a plan with changes, 3 incomplete data (no
//! plan written), 4 invalid input, 1 runtime failure.

use crate::connect::ConnectArgs;
use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use crate::input::{self, parse_now, policies, snapshot};
use crate::write::write_atomic;
use scimdrift_plan::{PlanError, PlanInputs, plan, render};
use scimdrift_reconcile::{CheckOptions, check, lint_against_snapshot, render_all};
use std::io::Write as _;
use std::path::PathBuf;

/// `plan --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Terminal text.
    Human,
    /// Markdown for a pull-request comment (kept under GitHub's 65,536-byte limit).
    Markdown,
    /// The plan file itself.
    Json,
}

/// Arguments of `scimdrift plan`.
#[derive(Debug, clap::Args)]
#[command(after_help = snapshot::snapshot_env_help())]
pub struct PlanArgs {
    /// A snapshot file to plan from instead of fetching live.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The policies directory (every *.yaml/*.yml file under it, recursively).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    /// The evaluation time (RFC 3339), for reproducible runs; default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Plan even when the drift looks like a mass drift (which check reports
    /// as incomplete).
    #[arg(long)]
    pub accept_mass_drift: bool,
    /// Where to write the plan (`scimdrift.plan/v1` JSON) for `scimdrift apply`.
    #[arg(long, value_name = "FILE", default_value = "plan.json")]
    pub out: PathBuf,
    /// Format written to stdout.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs `scimdrift plan`.
pub fn run(args: PlanArgs) -> Result<Exit, CliError> {
    let now = parse_now(args.now.as_deref())?;
    let (files, loaded) = policies::load_dir(&args.policies)?;
    let input = input::load(args.snapshot.as_deref(), &args.connect)?;
    let lints = lint_against_snapshot(&input.snapshot, &loaded.policies, &files, now);
    if !lints.is_empty() {
        let _ = write!(anstream::stderr(), "{}", render_all(&lints));
    }
    let mut opts = CheckOptions::new(now, input.source.clone());
    opts.accept_mass_drift = args.accept_mass_drift;
    opts.tool_version = env!("CARGO_PKG_VERSION").to_owned();
    let mut report = check(&input.snapshot, &loaded.policies, &opts);
    report.policies_commit = input::policies_commit(&args.policies);
    let made = plan(&PlanInputs {
        snapshot: &input.snapshot,
        policies: &loaded.policies,
        check: &opts,
        report: &report,
    });
    let plan = match made {
        Ok(plan) => plan,
        Err(PlanError::Incomplete { reasons }) => {
            let mut stderr = anstream::stderr();
            let _ = writeln!(
                stderr,
                "error: the data is incomplete, so no plan was made (`{}` was not written):",
                args.out.display()
            );
            for reason in &reasons {
                let _ = writeln!(stderr, "  - {reason}");
            }
            return Ok(Exit::Incomplete);
        }
    };
    let mut json = serde_json::to_string_pretty(&plan).context("cannot encode the plan")?;
    json.push('\n');
    write_atomic(&args.out, json.as_bytes())
        .with_context(|| format!("cannot write the plan to `{}`", args.out.display()))?;
    let text = match args.format {
        PlanFormat::Human => render::human(&plan),
        PlanFormat::Markdown => render::markdown(&plan, scimdrift_render::markdown::COMMENT_LIMIT),
        PlanFormat::Json => json,
    };
    anstream::stdout()
        .write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    Ok(if plan.summary.has_changes() {
        Exit::Drift
    } else {
        Exit::Clean
    })
}
