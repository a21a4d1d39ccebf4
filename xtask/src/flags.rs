//! Every task of `cargo xtask` and every option it takes, declared once.
//!
//! `main` parses the command line into [`Xtask`] and hands each task its own
//! options struct; tasks that run other tasks build those structs too, so
//! nothing re-parses a command line. An unknown task or flag is a usage error
//! (message and usage on stderr, exit [`USAGE_EXIT`]).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::str::FromStr;

/// The exit code of a usage error. Not clap's default 2: `cargo xtask drift`
/// documents 2 as "drift found", and a typo must not look like drift. 4 is the
/// code `scimdrift` and `drift` document for invalid input.
pub const USAGE_EXIT: u8 = 4;

/// Developer automation for the scimdrift workspace.
#[derive(Debug, Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    disable_version_flag = true,
    // Deterministic help text (it is snapshotted): no terminal-size wrapping.
    term_width = 100
)]
pub struct Xtask {
    /// With no task, the help is printed.
    #[command(subcommand)]
    pub task: Option<Task>,
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum Task {
    /// The ops job: live check with OMNI_BASE_URL+OMNI_API_TOKEN, else the demo (exit 2)
    ///
    /// With OMNI_BASE_URL and OMNI_API_TOKEN set: checks the live instance
    /// against policies/. With neither: the demo (demo/org.json served by the
    /// simulator on loopback). Prints the human report; writes
    /// target/drift/report.{json,md,sarif}, target/drift/review.html and keeps
    /// history in target/drift/state/ (findings new or resolved since the last
    /// run). Exits like `scimdrift check`: 0 clean, 1 failure, 2 drift,
    /// 3 incomplete, 4 invalid input.
    Drift(Drift),
    /// fmt check, clippy -D warnings, the whole test suite (the README's test command)
    ///
    /// In order: `cargo fmt --check`, clippy with warnings denied, each
    /// criterion bench once in test mode on workload S, the doc tests, and
    /// every test with nextest (last, so its summary ends the output).
    Ci(Ci),
    /// Every fuzz suite (tests named *fuzz*) with --cases N (default 10000)
    ///
    /// Runs every proptest fuzz suite in the workspace (tests whose name
    /// contains `fuzz`) in release mode with N cases each instead of CI's
    /// bounded default. Suites read the count from SCIMDRIFT_FUZZ_CASES.
    Fuzz(Fuzz),
    /// Write a deterministic org file (--users, --embed-users, --groups, --seed, -o)
    ///
    /// Writes a scimdrift.snapshot/v1 org: users, embed users (with entities),
    /// groups ("All Embed Users", one per entity, departments), some
    /// deactivated users, some dangling members, long and non-ASCII names, user
    /// attributes. Same arguments, same bytes. Workloads: S = 500/2000/100,
    /// M = 20000/100000/2000, L = 50000/1000000/5000 (users/embed-users/groups).
    GenOrg(GenOrg),
    /// scimdrift fetch --provider scim against PyPI scim2-server (installed by .ci/run)
    ///
    /// Starts scim2-server on loopback (from target/interop-venv, or the
    /// SCIM2_SERVER executable), populates it through its own API, reads it
    /// back with `scimdrift fetch --provider scim` twice (--page-size auto and
    /// 37) and checks every resource equals what the server serves for its id;
    /// then `scimdrift init` and `check` of the adopted policies, and `scimdrift
    /// plan` and `apply --confirm` of policies that add, remove and create.
    Interop(Interop),
    /// Release scimdrift fetch of a 100k-embed-user gen-org org, checked byte for byte
    ///
    /// Generates an org with gen-org, serves it with the release
    /// `scimdrift-sim` binary, reads it back with the release `scimdrift
    /// fetch`, and checks every resource came back exactly as served (byte for
    /// byte), sorted by id, in the minimum number of requests.
    FetchRoundtrip(FetchRoundtrip),
    /// The demo's HTML access review in headless chromium -> target/screenshot/
    ///
    /// Writes target/screenshot/review.html (the demo org's access review, at
    /// a fixed --now) and target/screenshot/review.png, rendered by headless
    /// chromium (Debian: `apt-get install -y chromium`). No network access is
    /// needed or used.
    Screenshot(Screenshot),
    /// Filter parse/evaluate benches vs PyPI scim2-models -> BENCHMARKS.md
    ///
    /// The filter engine's criterion bench and the scim2-models baseline
    /// (`pip install scim2-models`), run in interleaved rounds on the same
    /// machine and inputs; writes the `## Filter engine` section of
    /// BENCHMARKS.md.
    BenchFilter(BenchFilter),
    /// Fetch time vs the rate-limit bound and a sequential client -> BENCHMARKS.md
    ///
    /// Measures `scimdrift fetch` (release) against `scimdrift-sim` with
    /// latency and a rate limit: wall time against the rate-limit bound
    /// (requests / rate), against a sequential page-by-page client measured in
    /// the same run, and the effect of `--page-size auto`. Writes `## Fetch` in
    /// BENCHMARKS.md.
    BenchFetch(BenchFetch),
    /// check --refresh vs full fetch on L: requests in the sim's log -> BENCHMARKS.md
    ///
    /// Generates the workload (default L: 50000 users, 1000000 embed users,
    /// 5000 groups) and serves it with `scimdrift-sim` in this process with no
    /// rate limit. Counts, in the simulator's request log: the release
    /// `scimdrift fetch --page-size 100`; `scimdrift check --base --snapshot
    /// --refresh` of a PR changing three exact group declarations, before and
    /// after two new users and one new embed user join those groups; and
    /// `check --snapshot --refresh` without --base. Times each refresh check
    /// with no limit and at --rate-limit 50/min, and compares its findings with
    /// a check of the whole data. Runs the release build of xtask unless
    /// --debug. Writes `### Targeted refresh: request economy on L (measured)`
    /// under `## Fetch` in BENCHMARKS.md (workload L only).
    BenchRefresh(BenchRefresh),
    /// scimdrift apply of 1,000 memberships in 50 groups vs the bound -> BENCHMARKS.md
    ///
    /// Serves an org of 2,000 users and 50 groups of 100 with `scimdrift-sim`
    /// in this process, plans 10 removals and 10 additions per group, and
    /// times `scimdrift apply --confirm` at `--rate-limit 6000/min` against the
    /// bound (writes + precondition reads + verification reads) ÷ rate.
    /// Writes `## Apply` in BENCHMARKS.md.
    BenchApply(BenchApply),
    /// scimdrift check on S/M/L vs the lean-decode floor and Python -> BENCHMARKS.md
    ///
    /// Generates each workload with gen-org (S = 500/2000/100,
    /// M = 20000/100000/2000, L = 50000/1000000/5000 users/embed users/groups),
    /// writes a policy set (half of the rules entity-scoped), checks that
    /// `scimdrift check` and the Python baseline find the same number of
    /// findings, then times N interleaved rounds of: the release `scimdrift
    /// check --snapshot`, the lean-decode floor
    /// (`crates/scimdrift-reconcile/examples/lean_decode.rs`) and the Python
    /// baseline (`xtask/bench/check_baseline.py`). Wall time, CPU time and
    /// peak RSS come from `/usr/bin/time`. Writes `## Engine` in BENCHMARKS.md.
    BenchEngine(BenchEngine),
    /// scimdrift init on a generated org (default M) vs check on it -> BENCHMARKS.md
    ///
    /// Generates the workload as bench-engine does (the same file under
    /// target/bench-engine/), then times N interleaved rounds of: the release
    /// `scimdrift init --snapshot` into a fresh directory, `scimdrift check`
    /// of the same snapshot against the policies init wrote, and `scimdrift
    /// check` against the bench-engine policy set. Reports the files' sizes
    /// and writes `## Init` in BENCHMARKS.md (target: init ≤ 2× check).
    BenchInit(BenchInit),
    /// Criterion benches of decode/index/rules/check, every renderer -> BENCHMARKS.md
    ///
    /// Runs the criterion benches of the hot paths on one generated workload:
    /// engine/decode, engine/index, engine/rules, engine/check (`cargo bench
    /// -p scimdrift-reconcile --bench engine`) and render/<format> for every
    /// report format (`cargo bench -p scimdrift-render --bench render`), then
    /// writes the medians to the `## Hot paths (criterion)` section of
    /// BENCHMARKS.md.
    BenchHot(BenchHot),
    /// bench-filter, bench-engine, bench-fetch, bench-hot in sequence (--quick, --only)
    ///
    /// Every benchmark task in sequence, each writing its section of
    /// BENCHMARKS.md: bench-filter (needs `pip install scim2-models`),
    /// bench-engine, bench-fetch, bench-hot.
    Bench(Bench),
    /// Simulator start-up, memory and page latency at 1M embed users -> BENCHMARKS.md
    ///
    /// Builds the release binaries, generates the org with gen-org (default:
    /// workload L), starts `scimdrift-sim` on it and measures start-up, memory
    /// and page latency at several offsets. Writes the `## Simulator` section
    /// of BENCHMARKS.md unless --no-write.
    SimBench(SimBench),
    /// One man page per scimdrift command -> target/man/ (or --out-dir)
    ///
    /// Generates scimdrift.1 and one page per subcommand (scimdrift-check.1,
    /// scimdrift-filter-eval.1, …) from the command-line definition the binary
    /// parses (clap_mangen), so the pages cannot drift from `--help`. Read one
    /// with `man -l target/man/scimdrift-check.1`; install them by copying
    /// them into a `man1` directory on your MANPATH.
    Man(Man),
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct Drift {}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct Ci {}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct Interop {}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct Man {
    /// Where to write the pages (default: target/man)
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct BenchFilter {}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct Fuzz {
    /// Cases per fuzz suite
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = positive::<u32>)]
    pub cases: u32,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct GenOrg {
    /// Workforce users
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = whole::<usize>)]
    pub users: usize,
    /// Embed users (spread over entities)
    #[arg(long, value_name = "M", default_value_t = 0, value_parser = whole::<usize>)]
    pub embed_users: usize,
    /// Groups
    #[arg(long, value_name = "G", default_value_t = 0, value_parser = whole::<usize>)]
    pub groups: usize,
    /// Seed of the generator
    #[arg(long, value_name = "S", default_value_t = 0, value_parser = whole::<u64>)]
    pub seed: u64,
    /// The file to write
    #[arg(short, long, value_name = "FILE")]
    pub out: PathBuf,
}

impl GenOrg {
    /// The command line that parses back into `self` (for running the task
    /// in another process: a release build of xtask).
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["gen-org".into()];
        for (flag, value) in [
            ("--users", self.users.to_string()),
            ("--embed-users", self.embed_users.to_string()),
            ("--groups", self.groups.to_string()),
            ("--seed", self.seed.to_string()),
        ] {
            args.push(flag.into());
            args.push(value.into());
        }
        args.push("-o".into());
        args.push(self.out.clone().into_os_string());
        args
    }
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct FetchRoundtrip {
    /// Workforce users in the generated org
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = whole::<usize>)]
    pub users: usize,
    /// Embed users in the generated org
    #[arg(long, value_name = "M", default_value_t = 100_000, value_parser = whole::<usize>)]
    pub embed_users: usize,
    /// Groups in the generated org
    #[arg(long, value_name = "G", default_value_t = 300, value_parser = whole::<usize>)]
    pub groups: usize,
    /// Use debug builds (faster to build, slower to run)
    #[arg(long)]
    pub debug: bool,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct Screenshot {
    /// Window width in pixels
    #[arg(long, value_name = "PX", default_value_t = 1400)]
    pub width: u32,
    /// Window height in pixels
    #[arg(long, value_name = "PX", default_value_t = 2200)]
    pub height: u32,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct BenchFetch {
    /// Runs per configuration (medians are reported)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = positive::<usize>)]
    pub runs: usize,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct BenchRefresh {
    /// The workload
    #[arg(long, value_enum, default_value_t = Size::L)]
    pub size: Size,
    /// Runs of each refresh check at each rate (medians are reported)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = positive::<usize>)]
    pub runs: usize,
    /// Use debug builds in this process (times mean nothing; leaves BENCHMARKS.md alone)
    #[arg(long)]
    pub debug: bool,
    /// Do not write BENCHMARKS.md
    #[arg(long)]
    pub dry_run: bool,
}

impl BenchRefresh {
    /// The command line that parses back into `self` (for the release build
    /// of xtask).
    pub fn to_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "bench-refresh".into(),
            "--size".into(),
            self.size.name().into(),
            "--runs".into(),
            self.runs.to_string().into(),
        ];
        if self.debug {
            args.push("--debug".into());
        }
        if self.dry_run {
            args.push("--dry-run".into());
        }
        args
    }
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct BenchApply {
    /// Runs (the median is reported)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = positive::<usize>)]
    pub runs: usize,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct BenchEngine {
    /// Workloads to run, comma-separated
    #[arg(
        long,
        value_name = "S,M,L",
        value_enum,
        value_delimiter = ',',
        default_values_t = [Size::S, Size::M]
    )]
    pub sizes: Vec<Size>,
    /// Interleaved rounds per workload
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = positive::<usize>)]
    pub runs: usize,
    /// Use debug builds (CI: exercises the code paths, times mean nothing; leaves BENCHMARKS.md alone)
    #[arg(long)]
    pub debug: bool,
    /// Do not write BENCHMARKS.md
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct BenchInit {
    /// The workload
    #[arg(long, value_enum, default_value_t = Size::M)]
    pub size: Size,
    /// Interleaved rounds
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = positive::<usize>)]
    pub runs: usize,
    /// Use debug builds (times mean nothing; leaves BENCHMARKS.md alone)
    #[arg(long)]
    pub debug: bool,
    /// Do not write BENCHMARKS.md
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct BenchHot {
    /// The workload (SCIMDRIFT_BENCH_SIZE of the benches)
    #[arg(long, value_enum, default_value_t = Size::M)]
    pub size: Size,
    /// 1 s warm-up and 3 s of measurement per benchmark instead of criterion's defaults
    #[arg(long)]
    pub quick: bool,
    /// Rewrite the section from the last run's results (target/criterion) without running anything
    #[arg(long)]
    pub no_run: bool,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct Bench {
    /// A cheap smoke run of each, not figures to publish: bench-engine --sizes S --runs 1,
    /// bench-fetch --runs 1, bench-hot --size S --quick (bench-filter has no quick mode)
    #[arg(long)]
    pub quick: bool,
    /// The benchmarks to run, comma-separated
    #[arg(
        long,
        value_name = "A,B",
        value_enum,
        value_delimiter = ',',
        default_values_t = [BenchName::Filter, BenchName::Engine, BenchName::Fetch, BenchName::Hot]
    )]
    pub only: Vec<BenchName>,
}

#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct SimBench {
    /// Workforce users in the generated org
    #[arg(long, value_name = "N", default_value_t = 50_000, value_parser = whole::<u64>)]
    pub users: u64,
    /// Embed users in the generated org
    #[arg(long, value_name = "M", default_value_t = 1_000_000, value_parser = whole::<u64>)]
    pub embed_users: u64,
    /// Groups in the generated org
    #[arg(long, value_name = "G", default_value_t = 5_000, value_parser = whole::<u64>)]
    pub groups: u64,
    /// Interleaved repetitions per page offset (medians are reported)
    #[arg(long, value_name = "R", default_value_t = 25, value_parser = positive::<usize>)]
    pub reps: usize,
    /// Print the section but do not write BENCHMARKS.md
    #[arg(long)]
    pub no_write: bool,
}

/// A named benchmark workload (`scimdrift_sim::orggen::BenchWorkload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Size {
    #[value(name = "S")]
    S,
    #[value(name = "M")]
    M,
    #[value(name = "L")]
    L,
}

impl Size {
    /// The workload's name, as `BenchWorkload::named` knows it.
    pub fn name(self) -> &'static str {
        match self {
            Size::S => "S",
            Size::M => "M",
            Size::L => "L",
        }
    }
}

/// A benchmark task that `cargo xtask bench` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchName {
    /// bench-filter
    Filter,
    /// bench-engine
    Engine,
    /// bench-fetch
    Fetch,
    /// bench-hot
    Hot,
}

/// A whole number; `_` may separate digits (`1_000_000`).
fn whole<T: FromStr>(text: &str) -> Result<T, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| "not a whole number".to_owned())
}

/// A whole number above zero; `_` may separate digits.
fn positive<T: FromStr + PartialOrd + Default>(text: &str) -> Result<T, String> {
    match whole::<T>(text)? {
        n if n > T::default() => Ok(n),
        _ => Err("expected a number above zero".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Xtask, clap::Error> {
        Xtask::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
    }

    #[track_caller]
    fn task(args: &[&str]) -> Task {
        match parse(args) {
            Ok(Xtask { task: Some(task) }) => task,
            other => panic!("{args:?} did not parse into a task: {other:?}"),
        }
    }

    #[track_caller]
    fn usage_error(args: &[&str]) -> String {
        match parse(args) {
            Err(e) => {
                assert!(e.use_stderr(), "{args:?}: not an error but {:?}", e.kind());
                e.render().to_string()
            }
            Ok(flags) => panic!("{args:?} parsed: {flags:?}"),
        }
    }

    #[test]
    fn command_is_well_formed() {
        Xtask::command().debug_assert();
    }

    #[test]
    fn unknown_task_is_a_usage_error() {
        assert_eq!(
            parse(&["no-such-task"]).map(|_| ()).map_err(|e| e.kind()),
            Err(ErrorKind::InvalidSubcommand)
        );
        insta::assert_snapshot!(usage_error(&["no-such-task"]), @r"
        error: unrecognized subcommand 'no-such-task'

        Usage: cargo xtask [COMMAND]

        For more information, try '--help'.
        ");
    }

    #[test]
    fn unknown_flag_is_a_usage_error() {
        assert_eq!(
            parse(&["bench-engine", "--no-such-flag"])
                .map(|_| ())
                .map_err(|e| e.kind()),
            Err(ErrorKind::UnknownArgument)
        );
        insta::assert_snapshot!(usage_error(&["bench-engine", "--no-such-flag"]), @r"
        error: unexpected argument '--no-such-flag' found

        Usage: cargo xtask bench-engine [OPTIONS]

        For more information, try '--help'.
        ");
    }

    #[test]
    fn tasks_without_options_reject_arguments() {
        for name in ["drift", "ci", "interop", "bench-filter"] {
            usage_error(&[name, "--typo"]);
            usage_error(&[name, "extra"]);
        }
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let errors: Vec<String> = [
            &["bench-engine", "--sizes", "S,X"][..],
            &["bench-engine", "--runs", "0"],
            &["fuzz", "--cases", "0"],
            &["gen-org", "--users", "many", "-o", "x"],
            &["gen-org", "--users", "3"],
            &["bench", "--only", "engine,nope"],
        ]
        .iter()
        .map(|args| format!("$ cargo xtask {}\n{}", args.join(" "), usage_error(args)))
        .collect();
        insta::assert_snapshot!(errors.join("\n"), @r"
        $ cargo xtask bench-engine --sizes S,X
        error: invalid value 'X' for '--sizes <S,M,L>'
          [possible values: S, M, L]

        For more information, try '--help'.

        $ cargo xtask bench-engine --runs 0
        error: invalid value '0' for '--runs <N>': expected a number above zero

        For more information, try '--help'.

        $ cargo xtask fuzz --cases 0
        error: invalid value '0' for '--cases <N>': expected a number above zero

        For more information, try '--help'.

        $ cargo xtask gen-org --users many -o x
        error: invalid value 'many' for '--users <N>': not a whole number

        For more information, try '--help'.

        $ cargo xtask gen-org --users 3
        error: the following required arguments were not provided:
          --out <FILE>

        Usage: cargo xtask gen-org --out <FILE> --users <N>

        For more information, try '--help'.

        $ cargo xtask bench --only engine,nope
        error: invalid value 'nope' for '--only <A,B>'
          [possible values: filter, engine, fetch, hot]

        For more information, try '--help'.
        ");
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(
            task(&["bench-engine"]),
            Task::BenchEngine(BenchEngine {
                sizes: vec![Size::S, Size::M],
                runs: 3,
                debug: false,
                dry_run: false
            })
        );
        assert_eq!(
            task(&[
                "bench-engine",
                "--sizes",
                "S,M,L",
                "--runs",
                "1",
                "--debug",
                "--dry-run"
            ]),
            Task::BenchEngine(BenchEngine {
                sizes: vec![Size::S, Size::M, Size::L],
                runs: 1,
                debug: true,
                dry_run: true
            })
        );
        assert_eq!(task(&["fuzz"]), Task::Fuzz(Fuzz { cases: 10_000 }));
        assert_eq!(
            task(&["fuzz", "--cases", "100_000"]),
            Task::Fuzz(Fuzz { cases: 100_000 })
        );
        assert_eq!(
            task(&["bench", "--quick", "--only", "engine,hot"]),
            Task::Bench(Bench {
                quick: true,
                only: vec![BenchName::Engine, BenchName::Hot]
            })
        );
        assert_eq!(
            task(&["fetch-roundtrip", "--debug"]),
            Task::FetchRoundtrip(FetchRoundtrip {
                users: 2000,
                embed_users: 100_000,
                groups: 300,
                debug: true
            })
        );
        assert_eq!(
            task(&["sim-bench", "--embed-users", "1_000", "--no-write"]),
            Task::SimBench(SimBench {
                users: 50_000,
                embed_users: 1000,
                groups: 5000,
                reps: 25,
                no_write: true
            })
        );
        assert_eq!(
            task(&["bench-hot", "--size", "S", "--quick", "--no-run"]),
            Task::BenchHot(BenchHot {
                size: Size::S,
                quick: true,
                no_run: true
            })
        );
        assert_eq!(
            task(&["screenshot", "--width", "800"]),
            Task::Screenshot(Screenshot {
                width: 800,
                height: 2200
            })
        );
        assert_eq!(
            task(&["bench-fetch", "--runs", "1"]),
            Task::BenchFetch(BenchFetch { runs: 1 })
        );
        assert!(matches!(parse(&[]), Ok(Xtask { task: None })));
        assert_eq!(
            task(&["bench-refresh"]),
            Task::BenchRefresh(BenchRefresh {
                size: Size::L,
                runs: 3,
                debug: false,
                dry_run: false
            })
        );
    }

    #[test]
    fn bench_refresh_args_parse_back() {
        for spec in [
            BenchRefresh {
                size: Size::L,
                runs: 3,
                debug: false,
                dry_run: false,
            },
            BenchRefresh {
                size: Size::S,
                runs: 1,
                debug: true,
                dry_run: true,
            },
        ] {
            let args = spec.to_args();
            let flags = Xtask::try_parse_from(std::iter::once(OsString::from("xtask")).chain(args));
            assert_eq!(
                flags.ok().and_then(|f| f.task),
                Some(Task::BenchRefresh(spec))
            );
        }
    }

    #[test]
    fn gen_org_args_parse_back() {
        let spec = GenOrg {
            users: 500,
            embed_users: 2000,
            groups: 100,
            seed: 7,
            out: PathBuf::from("target/x y/org.json"),
        };
        let args = spec.to_args();
        let flags = Xtask::try_parse_from(std::iter::once(OsString::from("xtask")).chain(args));
        assert_eq!(flags.ok().and_then(|f| f.task), Some(Task::GenOrg(spec)));
    }

    fn help(args: &[&str]) -> String {
        match parse(args) {
            Err(e) if e.kind() == ErrorKind::DisplayHelp => e.render().to_string(),
            other => panic!("{args:?} did not ask for help: {other:?}"),
        }
    }

    #[test]
    fn help_lists_every_task() {
        let text = help(&["--help"]);
        let listed: Vec<&str> = text
            .split("\nCommands:\n")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap_or_default()
            .lines()
            .collect();
        let command = Xtask::command();
        let names: Vec<&str> = command
            .get_subcommands()
            .map(|sub| sub.get_name())
            .chain(["help"])
            .collect();
        // One line per task, each starting with the task's name.
        assert_eq!(listed.len(), names.len(), "{text}");
        for (line, name) in listed.iter().zip(&names) {
            assert!(
                line.starts_with(&format!("  {name} ")),
                "{line:?} is not `{name}`'s line"
            );
        }
        insta::assert_snapshot!(text);
    }

    #[test]
    fn help_of_each_task_lists_its_flags() {
        for sub in Xtask::command().get_subcommands() {
            let name = sub.get_name();
            if name == "help" {
                continue;
            }
            let text = help(&[name, "--help"]);
            for arg in sub.get_arguments() {
                if let Some(long) = arg.get_long() {
                    assert!(
                        text.contains(&format!("--{long}")),
                        "{name}: --{long}:\n{text}"
                    );
                }
            }
            insta::assert_snapshot!(format!("help-{name}"), text);
        }
    }
}
