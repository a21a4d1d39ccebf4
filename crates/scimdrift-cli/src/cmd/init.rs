//! `scimdrift init`: today's live state (or a snapshot's) written as a
//! starting policy set that checks clean.
//!
//! The inference lives in `scimdrift-adopt` (pure); this command reads the
//! data, checks the generated policies against it with the engine before
//! writing anything, and writes the files. Exit 0 written, 1 runtime
//! failure, 3 incomplete data (nothing written), 4 invalid input.

use crate::connect::ConnectArgs;
use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use scimdrift_adopt::{AdoptError, Adoption, Options, PolicyFile};
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{
    CheckOptions, FindingKind, PolicySource, Report, UnmanagedGroups, check, load_policies,
    render_all,
};
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  # Adopt a snapshot: write the policies into a new directory, then review them
  scimdrift init --snapshot org.json --out policies

  # Adopt the live instance (OMNI_BASE_URL and OMNI_API_TOKEN set)
  scimdrift init --out policies

  # Later: declare only the live groups no existing policy declares, in a new file
  scimdrift init --snapshot org.json --out policies --merge

  # Then check: clean, except the exceptions for today's deviations
  scimdrift check --snapshot org.json --policies policies --fail-on note";

/// Arguments of `scimdrift init`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct InitArgs {
    /// A snapshot file to adopt instead of fetching live.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The directory to write the policy files into (created if absent;
    /// must be empty unless --merge or --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Groups with more members than this are declared `unmanaged` instead
    /// of listing every member.
    #[arg(long, value_name = "N", default_value_t = scimdrift_adopt::DEFAULT_MAX_EXACT_MEMBERS)]
    pub max_exact_members: usize,
    /// The exceptions written for today's deviations expire this many days
    /// after --now.
    #[arg(
        long,
        value_name = "N",
        default_value_t = scimdrift_adopt::DEFAULT_EXCEPTION_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub exception_days: u32,
    /// The time written into the files (RFC 3339); exceptions expire
    /// relative to it. Default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Keep the policies in --out: add declarations only for live groups no
    /// policy there declares, in a new file `imported.yaml`; every existing
    /// file stays byte-identical.
    #[arg(long, conflicts_with = "force")]
    pub merge: bool,
    /// Write into a non-empty --out, replacing the files init writes (other
    /// files are kept).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs `scimdrift init`.
pub fn run(args: InitArgs) -> Result<Exit, CliError> {
    let now = crate::input::parse_now(args.now.as_deref())?;
    // Everything that can be refused is refused before any network traffic.
    let existing = if args.merge {
        Some(crate::input::policies::load_dir(&args.out)?)
    } else {
        if !args.force && !is_empty_dir(&args.out)? {
            return Err(CliError::invalid(format!(
                "`{}` is not empty: init never overwrites policies",
                args.out.display()
            ))
            .with_hint(
                "pass --merge to add declarations only for undeclared groups, --force to replace the files init writes, or choose another --out",
            ));
        }
        None
    };
    let input = crate::input::load(args.snapshot.as_deref(), &args.connect)?;
    let source = match (&input.source.base_url, &input.source.snapshot_path) {
        (Some(url), _) => url.clone(),
        (None, Some(path)) => format!("snapshot {path}"),
        (None, None) => "a snapshot".to_owned(),
    };
    let opts = Options {
        max_exact_members: args.max_exact_members,
        exception_days: args.exception_days,
        now,
        source,
        sha256: input.source.snapshot_sha256.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let mut stderr = anstream::stderr();
    let result = match &existing {
        None => scimdrift_adopt::init(&input.snapshot, &opts),
        Some((files, loaded)) => {
            let undeclared = undeclared(&input.snapshot, &loaded.policies, now);
            if undeclared.is_empty() {
                let _ = writeln!(
                    stderr,
                    "scimdrift init --merge: every live group is already declared or ignored in `{}`; nothing written",
                    args.out.display()
                );
                return Ok(Exit::Clean);
            }
            let stem = free_stem(&args.out, files);
            scimdrift_adopt::merge(&input.snapshot, &opts, &undeclared, &stem)
        }
    };
    let adoption = match result {
        Ok(adoption) => adoption,
        Err(AdoptError::Incomplete(reasons)) => {
            let _ = writeln!(
                stderr,
                "error: the data is incomplete, so no policies were written:"
            );
            for r in reasons {
                let _ = writeln!(stderr, "  - {r}");
            }
            let _ = writeln!(
                stderr,
                "hint: policies written from partial data would not describe the instance; fetch again"
            );
            return Ok(Exit::Incomplete);
        }
    };
    // The engine has the last word: the new policies must load cleanly and
    // check clean against the same data before a byte is written.
    let mut sources: Vec<PolicySource> = existing
        .as_ref()
        .map(|(files, _)| {
            files
                .iter()
                .filter(|f| !adoption.files.iter().any(|n| n.path == f.path))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    sources.extend(adoption.files.iter().map(|f| PolicySource {
        path: f.path.clone(),
        contents: f.contents.clone(),
    }));
    let report = verify(&input.snapshot, &sources, &opts, existing.is_some())?;
    write_files(&args.out, &adoption.files, args.force)?;
    print_summary(&args.out, &adoption, &report, existing.is_some());
    Ok(Exit::Clean)
}

fn is_empty_dir(dir: &Path) -> Result<bool, CliError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(CliError::invalid(format!(
            "`--out {}` is not a directory",
            dir.display()
        ))),
        Err(e) => Err(e).context(format!("cannot read `{}`", dir.display())),
    }
}

/// The live groups that the existing policies leave unmanaged, as the engine
/// sees them (`unmanaged_groups: ignore` only silences the findings).
fn undeclared(
    snapshot: &Snapshot,
    policies: &scimdrift_reconcile::Policies,
    now: jiff::Timestamp,
) -> BTreeSet<String> {
    let mut policies = policies.clone();
    policies.settings.unmanaged_groups = UnmanagedGroups::Report;
    let mut opts = CheckOptions::new(now, Default::default());
    opts.accept_mass_drift = true;
    check(snapshot, &policies, &opts)
        .findings
        .into_iter()
        .filter(|f| f.kind == FindingKind::GroupUnmanaged)
        .filter_map(|f| f.group)
        .collect()
}

/// `imported`, or `imported-2`, … whichever no file in the directory uses.
fn free_stem(dir: &Path, files: &[PolicySource]) -> String {
    (1..)
        .map(|k| {
            if k == 1 {
                "imported".to_owned()
            } else {
                format!("imported-{k}")
            }
        })
        .find(|stem| {
            let taken = |p: &str| p == format!("{stem}.yaml") || p.starts_with(&format!("{stem}-"));
            !files.iter().any(|f| taken(&f.path)) && !dir.join(format!("{stem}.yaml")).exists()
        })
        .unwrap_or_else(|| "imported".to_owned())
}

/// Loads the policies and checks the snapshot against them: a full init
/// must be clean apart from dangling members; a merge must leave no group
/// unmanaged that it could declare.
fn verify(
    snapshot: &Snapshot,
    sources: &[PolicySource],
    opts: &Options,
    merge: bool,
) -> Result<Report, CliError> {
    let loaded = match load_policies(sources) {
        Ok(loaded) => loaded,
        Err(diags) => {
            return Err(CliError::failure(
                "internal error: the generated policies do not load (nothing was written)",
            )
            .with_diagnostics(render_all(&diags)));
        }
    };
    if !merge && !loaded.warnings.is_empty() {
        return Err(CliError::failure(
            "internal error: the generated policies load with warnings (nothing was written)",
        )
        .with_diagnostics(render_all(&loaded.warnings)));
    }
    let mut check_opts = CheckOptions::new(opts.now, Default::default());
    check_opts.accept_mass_drift = merge;
    let report = check(snapshot, &loaded.policies, &check_opts);
    let open: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.exception.is_none() && f.kind != FindingKind::MemberDangling)
        .filter(|f| !merge || f.kind == FindingKind::GroupUnmanaged)
        .filter(|f| {
            !merge
                || f.group
                    .as_deref()
                    .is_some_and(|g| !g.trim().is_empty() && g.chars().count() <= 64)
        })
        .map(|f| format!("  - {}", f.message))
        .collect();
    if !open.is_empty() {
        return Err(CliError::failure(
            "internal error: the generated policies do not check clean (nothing was written); please report this",
        )
        .with_diagnostics(open.join("\n")));
    }
    Ok(report)
}

fn write_files(dir: &Path, files: &[PolicyFile], force: bool) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    for f in files {
        let path = dir.join(&f.path);
        let written = if force {
            crate::write::write_atomic(&path, f.contents.as_bytes())
        } else {
            crate::write::write_new(&path, f.contents.as_bytes())
        };
        written.with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}

fn print_summary(dir: &Path, adoption: &Adoption, report: &Report, merge: bool) {
    let mut stderr = anstream::stderr();
    let names: Vec<&str> = adoption.files.iter().map(|f| f.path.as_str()).collect();
    let command = if merge {
        "scimdrift init --merge"
    } else {
        "scimdrift init"
    };
    let _ = writeln!(
        stderr,
        "{command}: wrote {} to `{}`: {}",
        if names.len() == 1 {
            "1 file".to_owned()
        } else {
            format!("{} files", names.len())
        },
        dir.display(),
        names.join(", ")
    );
    let _ = write!(stderr, "{}", adoption.summary);
    let excused = report
        .findings
        .iter()
        .filter(|f| f.exception.is_some())
        .count();
    let dangling = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::MemberDangling)
        .count();
    let c = &report.summary.coverage;
    if merge {
        let _ = writeln!(
            stderr,
            "checked: {} of {} live groups are declared now; {} unmanaged",
            c.groups_declared, c.groups_live, c.groups_unmanaged
        );
    } else {
        let _ = writeln!(
            stderr,
            "checked: the new policies against the same data: {} finding(s), {excused} excused by the new exceptions, {dangling} member_dangling; {} of {} users and {} of {} embed users governed",
            report.findings.len(),
            c.users_governed,
            c.users_live,
            c.embed_users_governed,
            c.embed_users_live
        );
    }
    let _ = writeln!(
        stderr,
        "next: review the files in a pull request, tighten the rules, and run `scimdrift check`"
    );
}
