//! `scimdrift apply PLAN`: the one command that writes. Without `--confirm`
//! a dry run (the precondition reads only, and every request it would send);
//! with it, the plan's changes through `scimdrift_apply`, a journal line per
//! operation, and a verification read of every touched group.
//! Exit 0 every group applied and verified (or a dry run), 3 some group
//! skipped or unverified, 1 a write failed or a runtime failure, 4 the plan
//! is refused (nothing sent).

use crate::connect::{self, ConnectArgs};
use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use crate::input::parse_now;
use scimdrift_apply::{ApplyError, Ending, Guards, Journal, Refusal, Writer};
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

/// The largest plan file read.
const MAX_PLAN_BYTES: u64 = 256 * 1024 * 1024;

const EXAMPLES: &str = "\
Examples:
  # In the PR: the plan, for review (read-only)
  scimdrift plan --policies policies --out plan.json --format markdown
  # After the merge: see what would be sent (reads only), then send it
  scimdrift apply plan.json
  scimdrift apply plan.json --confirm
  # The journal (default: next to the plan) says what came of each group
  cat plan.journal.jsonl

Guards (each refuses the whole plan with exit 4, before any request):
  the checksum does not match; the plan was computed on another instance or
  from a snapshot with no base URL; it is older than --max-plan-age; a group
  would lose more than 25% of its members, or the plan removes more than 100
  memberships (--allow-mass-removal lifts both); a non-empty group would be
  left empty and the policies do not declare it empty.
Per group: a group whose live members differ from the plan's before state is
skipped (exit 3), the others go ahead.

Exit codes: 0 every group applied (or already true) and verified, or a dry
run; 3 some group skipped or unverified; 1 a write failed, or a runtime
failure; 4 the plan is refused (nothing sent).";

/// Arguments of `scimdrift apply`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct ApplyArgs {
    /// The plan file `scimdrift plan --out` wrote.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// Make the changes. Without it: a dry run that reads the groups and
    /// prints every request it would send, and writes nothing.
    #[arg(long)]
    pub confirm: bool,
    /// The journal, one JSON line per operation, appended and fsynced.
    /// Default: next to the plan (`plan.json` ⇒ `plan.journal.jsonl`).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Refuse a plan older than this (`90m`, `1h`, `2h 30m`).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_age)]
    pub max_plan_age: Duration,
    /// Lift the deletion budget (25% of a group, 100 removals in total).
    /// A non-empty group is still never emptied unless the policies declare
    /// it empty.
    #[arg(long)]
    pub allow_mass_removal: bool,
    /// The time the plan's age is measured at (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

fn parse_age(text: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = text
        .trim()
        .parse()
        .map_err(|_| "expected a duration such as `90m`, `1h` or `2h 30m`".to_owned())?;
    Duration::try_from(d).map_err(|_| "the age must not be negative".to_owned())
}

fn refused(r: Refusal) -> CliError {
    let hint = r.hint();
    CliError::from_error(Exit::Invalid, r)
        .context("the plan is refused; nothing was sent")
        .with_hint_opt(hint)
}

fn failed(e: ApplyError) -> CliError {
    let hint = e.hint();
    CliError::from_error(Exit::Failure, e).with_hint_opt(hint)
}

/// Runs `scimdrift apply`.
pub fn run(args: ApplyArgs) -> Result<Exit, CliError> {
    let now = parse_now(args.now.as_deref())?;
    let shown = args.plan.display().to_string();
    let mut text = String::new();
    std::fs::File::open(&args.plan)
        .and_then(|f| f.take(MAX_PLAN_BYTES).read_to_string(&mut text))
        .map_err(|e| {
            CliError::caused_by(Exit::Invalid, format!("cannot read the plan `{shown}`"), e)
        })?;
    let plan = scimdrift_apply::load_plan(&text, &shown).map_err(refused)?;
    let options = args.connect.to_options()?;
    let guards = Guards {
        now,
        max_age: args.max_plan_age,
        allow_mass_removal: args.allow_mass_removal,
    };
    scimdrift_apply::check(&plan, &options, &guards).map_err(refused)?;
    let mut stdout = anstream::stdout();
    if plan.groups.is_empty() {
        writeln!(stdout, "apply: the plan changes nothing").context("cannot write to stdout")?;
        return Ok(Exit::Clean);
    }
    connect::init_logging(args.connect.verbose);
    let token = args.connect.token()?;
    let writer = Writer::new(&options, token).map_err(failed)?;
    let runtime = connect::runtime()?;
    if !args.confirm {
        let groups = runtime
            .block_on(scimdrift_apply::dry_run(&plan, &writer))
            .map_err(failed)?;
        stdout
            .write_all(scimdrift_apply::render::dry_run(&groups).as_bytes())
            .context("cannot write to stdout")?;
        return Ok(Exit::Clean);
    }
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| scimdrift_apply::default_journal_path(&args.plan));
    let mut journal = Journal::open(&journal_path).map_err(failed)?;
    let report = runtime
        .block_on(scimdrift_apply::apply(&plan, &writer, &mut journal))
        .map_err(|e| {
            failed(e).context(format!(
                "the apply stopped; `{}` records what was done",
                journal_path.display()
            ))
        })?;
    stdout
        .write_all(scimdrift_apply::render::human(&report).as_bytes())
        .context("cannot write to stdout")?;
    if !args.connect.quiet {
        let _ = writeln!(anstream::stderr(), "journal: `{}`", journal_path.display());
    }
    Ok(match report.ending() {
        Ending::Done => Exit::Clean,
        Ending::Partial => Exit::Incomplete,
        Ending::Failed => Exit::Failure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_age("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_age("2h 30m"), Ok(Duration::from_secs(9000)));
        assert!(parse_age("-1h").is_err());
        assert!(parse_age("soon").is_err());
    }
}
