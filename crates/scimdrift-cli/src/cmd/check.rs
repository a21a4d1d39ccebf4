//! `scimdrift check`: reconcile a snapshot (a file, or fetched live) against
//! the policies and render the report in one or several formats.
//! Exit 0 clean, 2 drift, 3 incomplete, 4 invalid input.
//!
//! `--base` adds PR mode ([`super::pr`]); `--state-dir` adds the history
//! since the last run ([`super::state`]).

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::exit::Exit;
use crate::input::{self, parse_now, policies, snapshot};
use crate::output::OutputArgs;
use scimdrift_reconcile::{CheckOptions, FailOn, check, lint_against_snapshot, render_all};
use std::io::Write as _;
use std::path::PathBuf;

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOnArg {
    /// Errors fail the run.
    Error,
    /// Warnings and errors fail the run.
    Warning,
    /// Every finding fails the run.
    Note,
    /// No finding fails the run (incomplete data still exits 3).
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(arg: FailOnArg) -> Self {
        match arg {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Note => FailOn::Note,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

/// Arguments of `scimdrift check`.
#[derive(Debug, clap::Args)]
#[command(after_help = snapshot::snapshot_env_help())]
pub struct CheckArgs {
    /// A snapshot file to check instead of fetching live.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The policies directory (every *.yaml/*.yml file under it, recursively).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    /// The evaluation time (RFC 3339), for reproducible runs; default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The lowest severity that fails the run (exit 2).
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    pub fail_on: FailOnArg,
    /// Report mass drift as drift instead of `incomplete` (exit 3).
    #[arg(long)]
    pub accept_mass_drift: bool,
    /// PR mode: also check the base policies (a directory, or a git ref such
    /// as `origin/main` at which --policies is read) against the same data;
    /// every finding is then introduced, resolved or unchanged.
    #[arg(long, value_name = "DIR|GIT-REF")]
    pub base: Option<String>,
    /// In PR mode, fail (exit 2) only on findings the PR introduces.
    #[arg(long, requires = "base")]
    pub fail_on_introduced_only: bool,
    /// With --snapshot: read live only the groups the policy change can
    /// affect (with --base: a changed declaration of G refreshes G, a changed
    /// rule its literal groups, a glob, template, `only_in` or settings change
    /// every group, an exception change none; without --base: every group)
    /// and lay them over the snapshot. Members the snapshot does not know are
    /// fetched by id. Needs the connection flags; a snapshot that is
    /// incomplete or older than --max-snapshot-age, or a refresh that cannot
    /// complete, exits 3.
    #[arg(long, requires = "snapshot")]
    pub refresh: bool,
    /// With --refresh: the oldest snapshot accepted (its `fetched_at` against
    /// the clock, not --now), e.g. `24h`, `90m`, `2d`.
    #[arg(long, value_name = "AGE", default_value = "24h", value_parser = crate::refresh::parse_age)]
    pub max_snapshot_age: jiff::SignedDuration,
    /// Keep the last snapshot and report here; findings are then marked new,
    /// persisting or resolved since the last run.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// With --state-dir: fail (exit 2) only when a failing finding is new
    /// since the last run, so a schedule alerts on change, not every night.
    #[arg(long)]
    pub fail_on_new: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `--fail-on-new`: drift exits 2 only when a failing finding is new since
/// the last run; otherwise 0, with a note on stderr saying why.
fn fail_on_new(report: &scimdrift_reconcile::Report) -> Exit {
    let failing = report
        .findings
        .iter()
        .filter(|f| f.fails(report.fail_on))
        .filter(|f| f.since_last_run != Some(scimdrift_reconcile::Since::Resolved));
    let (new, old): (Vec<_>, Vec<_>) =
        failing.partition(|f| f.since_last_run == Some(scimdrift_reconcile::Since::New));
    if !new.is_empty() {
        return Exit::Drift;
    }
    let _ = writeln!(
        anstream::stderr(),
        "note: {} failing finding{} persist{} from the last run and none is new: exit 0 (--fail-on-new)",
        old.len(),
        if old.len() == 1 { "" } else { "s" },
        if old.len() == 1 { "s" } else { "" },
    );
    Exit::Clean
}

/// Runs `scimdrift check`.
pub fn run(args: CheckArgs) -> Result<Exit, CliError> {
    // Not a clap `requires`: `state_dir` may come from scimdrift.toml.
    if args.fail_on_new && args.state_dir.is_none() {
        return Err(
            CliError::invalid("--fail-on-new needs --state-dir").with_hint(
                "pass --state-dir DIR, or set `state_dir` under [check] in scimdrift.toml",
            ),
        );
    }
    let now = parse_now(args.now.as_deref())?;
    let (files, loaded) = policies::load_dir(&args.policies)?;
    // The base is read before any network traffic: a bad ref is a usage
    // error and should not cost a fetch.
    let base = match &args.base {
        Some(base) => {
            let base = crate::pr::read_base(base, &args.policies)?;
            let loaded = crate::pr::load_base(&base.label, &base.files)?;
            Some((base, loaded))
        }
        None => None,
    };
    let mut input = input::load(args.snapshot.as_deref(), &args.connect)?;
    if args.refresh {
        let scope = base
            .as_ref()
            .map(|(_, base)| scimdrift_reconcile::refresh_scope(&base.policies, &loaded.policies));
        crate::refresh::apply(&mut input, scope, &args.connect, args.max_snapshot_age)?;
    }
    let lints = lint_against_snapshot(&input.snapshot, &loaded.policies, &files, now);
    if !lints.is_empty() {
        let _ = write!(anstream::stderr(), "{}", render_all(&lints));
    }
    let mut opts = CheckOptions::new(now, input.source.clone());
    opts.fail_on = args.fail_on.into();
    opts.accept_mass_drift = args.accept_mass_drift;
    opts.tool_version = env!("CARGO_PKG_VERSION").to_owned();
    let mut report = check(&input.snapshot, &loaded.policies, &opts);
    // The engine does no IO; the commit is provenance, added here as
    // `review` does.
    report.policies_commit = input::policies_commit(&args.policies);
    if let Some((base, loaded)) = &base {
        let base_report = check(&input.snapshot, &loaded.policies, &opts);
        report = crate::pr::merge(
            report,
            &base_report,
            base.dir_from_head.as_deref(),
            args.fail_on_introduced_only,
        );
    }
    if let Some(dir) = &args.state_dir {
        crate::state::annotate(&mut report, dir)?;
    }
    let mut render_opts = args.output.render_options(&args.policies);
    render_opts.fetch = Some(input.snapshot.stats.clone());
    let owners = args
        .output
        .wants_owners()
        .then(|| crate::output::owners_of(&loaded.policies));
    args.output.emit(&report, &render_opts, owners.as_ref())?;
    if let Some(dir) = &args.state_dir
        && !crate::state::save(&report, input.bytes.as_bytes(), dir)?
    {
        let _ = writeln!(
            anstream::stderr(),
            "warning: the data is incomplete, so the state in `{}` was kept as it was",
            dir.display()
        );
    }
    let mut code = Exit::from(report.status);
    if args.fail_on_new && code == Exit::Drift {
        code = fail_on_new(&report);
    }
    // The process ends right after: freeing a million small allocations
    // one by one would only delay the exit.
    std::mem::forget(report);
    std::mem::forget(input);
    Ok(code)
}
