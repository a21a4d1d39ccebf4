//! `cargo xtask bench-refresh`: what a targeted refresh costs against a full
//! fetch, counted in the request log of `scimdrift-sim` running in this
//! process on a generated org (default: workload L).
//!
//! The release `scimdrift fetch --page-size 100` writes the snapshot (its
//! requests are the full fetch's count). Then a PR changes three exact group
//! declarations, and `scimdrift check --base … --snapshot … --refresh` runs
//! live, before and after two new users and one new embed user (unknown to
//! the snapshot) join those groups; `check --snapshot … --refresh` without
//! `--base` refreshes every group. Each refresh check runs with no rate limit
//! in effect and at the default `--rate-limit 50/min`, and its findings are
//! compared with a check of the whole data: the snapshot itself before the
//! change, a full live check after it. Writes [`HEADING`] under `## Fetch`
//! in BENCHMARKS.md.

use crate::flags::{self, Size};
use crate::util;
use anyhow::{Context as _, Result, anyhow, bail, ensure};
use scimdrift_proto::{Resource, Snapshot};
use scimdrift_sim::orggen::{BenchWorkload, write_org};
use scimdrift_sim::{Entry, Kind, RequestRecord, SimConfig, Simulator, Store};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

/// The subsection this task writes under `## Fetch`.
pub const HEADING: &str = "### Targeted refresh: request economy on L (measured)";
/// How its heading line starts (what it replaces, whatever the suffix).
pub const HEADING_PREFIX: &str = "### Targeted refresh:";

/// The table rows, in order (`scimdrift-fetch`'s
/// `economy::the_l_workload_figures_in_benchmarks_md` reads them).
pub const ROW_FULL: &str = "full fetch (`scimdrift fetch --page-size 100`)";
pub const ROW_THREE: &str = "`check --base … --snapshot … --refresh`, 3 exact group declarations changed, no unknown member";
pub const ROW_UNKNOWN: &str =
    "the same, after 2 new users and 1 new embed user (not in the snapshot) joined those groups";
pub const ROW_EVERY: &str =
    "`check --snapshot … --refresh` without `--base` (every group; users from the snapshot)";
pub const ROW_LIVE: &str =
    "full live PR check after the change (`check --base …`, no snapshot), for comparison";

const TOKEN: &str = "bench-refresh-token";
const PAGE_SIZE: &str = "100";
/// A client rate limit far above anything loopback reaches: no limit in effect.
const NO_LIMIT: &str = "6000000/min";
/// The client's default rate limit, and the one the 50/min column uses.
const DEFAULT_RATE: &str = "50/min";
const DEFAULT_PER_MIN: f64 = 50.0;
/// The PR's refresh checks are timed at both.
const BOTH_RATES: &[&str] = &[NO_LIMIT, DEFAULT_RATE];
/// `SCIMDRIFT_MAX_SNAPSHOT_MB` of every check: L's snapshot is just over the
/// default 1 GiB.
const MAX_SNAPSHOT_MB: &str = "4096";
/// New members joining the PR's groups after the snapshot.
const NEW_USERS: usize = 2;
const NEW_EMBED_USERS: usize = 1;
/// Groups the PR declares have between this many members (inclusive).
const MEMBERS: std::ops::RangeInclusive<usize> = 5..=1000;

pub fn run(opts: &flags::BenchRefresh) -> Result<()> {
    if cfg!(debug_assertions) && !opts.debug {
        eprintln!("bench-refresh: running the release build of xtask");
        return util::run(
            util::cargo(["run", "--quiet", "--release", "-p", "xtask", "--"]).args(opts.to_args()),
        );
    }
    let release = !opts.debug;
    let mut build = vec!["build", "--quiet", "-p", "scimdrift-cli"];
    if release {
        build.push("--release");
    }
    util::run_cargo(&build)?;
    let bin = util::bin_dir(release).join("scimdrift");
    let workload = BenchWorkload::named(opts.size.name()).context("unknown workload")?;
    let spec = workload.org;
    let dir = util::target_dir().join("bench-refresh").join(workload.name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;

    let started = Instant::now();
    let mut text = Vec::new();
    write_org(&spec, &mut text)?;
    let store = Store::from_json(String::from_utf8(text)?)
        .map_err(|e| anyhow!("the generated org does not load: {e}"))?;
    eprintln!(
        "bench-refresh: workload {}: {} users, {} embed users, {} groups, generated in {:.1} s",
        workload.name,
        store.len(Kind::Users),
        store.len(Kind::EmbedUsers),
        store.len(Kind::Groups),
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sim = runtime
        .block_on(Simulator::start(
            SimConfig::from_store(store).token(TOKEN).rate_limit(None),
        ))
        .context("cannot start the simulator")?;
    let runner = Runner {
        bin: &bin,
        dir: &dir,
        url: sim.base_url(),
        sim: &sim,
    };

    // The PR: three exact declarations; head drops one member of each.
    let groups = sim.with_store(pick_groups)?;

    // The full fetch.
    let fetch = runner.fetch()?;
    eprintln!(
        "full fetch: {} requests ({}), {:.1} s",
        fetch.log.len(),
        breakdown(&fetch.log),
        fetch.no_limit_s()
    );

    std::fs::create_dir_all(dir.join("base"))?;
    std::fs::create_dir_all(dir.join("head"))?;
    std::fs::write(dir.join("base/groups.yaml"), policies_yaml(&groups, false))?;
    std::fs::write(dir.join("head/groups.yaml"), policies_yaml(&groups, true))?;
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    eprintln!("the PR changes the declarations of {names:?}");
    let pr = [
        "check",
        "--base",
        "base",
        "--policies",
        "head",
        "--format",
        "json",
    ];
    let pr_offline: Vec<&str> = pr
        .iter()
        .copied()
        .chain(["--snapshot", "snapshot.json"])
        .collect();
    let pr_refresh: Vec<&str> = pr_offline.iter().copied().chain(["--refresh"]).collect();

    let three = runner.timed("3 declarations", &pr_refresh, opts.runs, BOTH_RATES)?;
    ensure!(
        three.requests() <= 3,
        "a refresh of 3 groups sent {} requests: {}",
        three.requests(),
        breakdown(&three.log)
    );
    refreshed_groups_are(&three.report, &names, false)?;
    // Live equals the snapshot here, so the whole snapshot checked offline
    // must give the same findings.
    let (code, offline) = runner.report(&mut runner.offline(&pr_offline))?;
    ensure!(code == 2, "the offline PR check exited {code}, not 2");
    same_findings("the refresh", &three.report, "the snapshot", &offline)?;
    let introduced = about(&three.report, &names, "introduced");
    ensure!(
        introduced == groups.len(),
        "the PR should introduce one finding per group, not {introduced}"
    );

    let every_args = [
        "check",
        "--policies",
        "head",
        "--format",
        "json",
        "--snapshot",
        "snapshot.json",
        "--refresh",
    ];
    let every = runner.timed("every group", &every_args, opts.runs, &[NO_LIMIT])?;
    refreshed_groups_are(&every.report, &[], true)?;
    ensure!(
        every.requests() < fetch.log.len(),
        "refreshing every group cost as much as a full fetch"
    );

    // Members the snapshot does not know join the PR's groups.
    let new_ids = add_new_members(&sim, &groups)?;
    let unknown = runner.timed(
        "3 declarations, unknown members",
        &pr_refresh,
        opts.runs,
        BOTH_RATES,
    )?;
    let budget = 3 + NEW_USERS + 2 * NEW_EMBED_USERS;
    ensure!(
        unknown.requests() <= budget,
        "a refresh of 3 groups with {NEW_USERS} new users and {NEW_EMBED_USERS} new embed user sent {} requests \
         (budget {budget}): {}",
        unknown.requests(),
        breakdown(&unknown.log)
    );
    refreshed_groups_are(&unknown.report, &names, false)?;
    ensure!(
        unknown.report["source"]["refresh"]["identities_fetched"]
            == json!(NEW_USERS + NEW_EMBED_USERS),
        "identities fetched: {}",
        unknown.report["source"]["refresh"]
    );
    for id in &new_ids {
        ensure!(
            unknown.report["findings"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["subject"].to_string().contains(id))),
            "no finding about the new member `{id}`: the refresh did not see live membership"
        );
    }
    // The same PR against a full live fetch: the same findings.
    let live = runner.live(&pr)?;
    same_findings(
        "the refresh",
        &unknown.report,
        "the full live check",
        &live.report,
    )?;

    let section = render(&Figures {
        size: opts.size,
        release,
        spec: workload.org,
        runs: opts.runs,
        snapshot_mib: fetch.bytes as f64 / (1024.0 * 1024.0),
        groups: &groups,
        fetch: &fetch,
        three: &three,
        unknown: &unknown,
        every: &every,
        live: &live,
        introduced,
        findings: live.report["findings"].as_array().map_or(0, Vec::len),
    });
    eprint!("{section}");
    runtime.block_on(sim.shutdown());
    if opts.size != Size::L || opts.debug || opts.dry_run {
        eprintln!("bench-refresh: BENCHMARKS.md left alone (it shows workload L, release builds)");
        return Ok(());
    }
    util::benchmarks_md::write_subsection(
        &util::root().join("BENCHMARKS.md"),
        "## Fetch",
        HEADING_PREFIX,
        &section,
    )?;
    eprintln!("wrote `{HEADING}` in BENCHMARKS.md");
    Ok(())
}

/// A group the PR declares: its live members by the names policies use.
#[derive(Debug)]
struct Picked {
    id: String,
    name: String,
    /// userNames of the standard users among its members.
    users: Vec<String>,
    /// embedExternalIds of the embed users among its members.
    embed_users: Vec<String>,
}

/// Two department groups and one entity group, the first in the org's
/// order with a name no other group has, between [`MEMBERS`] members, and
/// every member an identity a declaration can name.
fn pick_groups(store: &Store) -> Result<Vec<Picked>> {
    let cores: Vec<Resource> = store
        .list(Kind::Groups)
        .iter()
        .filter_map(Entry::to_resource)
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for group in &cores {
        if let Ok(core) = group.core() {
            *seen
                .entry(core.display_name.as_deref().unwrap_or(""))
                .or_default() += 1;
        }
    }
    let name_of = |kind: Kind, id: &str| -> Option<String> {
        let core_of = store.get(kind, id)?.to_resource()?;
        let core = core_of.core().ok()?;
        match kind {
            Kind::EmbedUsers => core.embed_external_id.as_deref().map(str::to_owned),
            _ => core.user_name.as_deref().map(str::to_owned),
        }
    };
    let (mut departments, mut entities) = (Vec::new(), Vec::new());
    for group in &cores {
        let Ok(core) = group.core() else { continue };
        let name = core.display_name.as_deref().unwrap_or("");
        let members = core.members.as_deref().unwrap_or(&[]);
        let entity = name.starts_with("Entity ");
        let wanted = if entity { &entities } else { &departments };
        if seen.get(name) != Some(&1)
            || name == "All Embed Users"
            || !MEMBERS.contains(&members.len())
            || wanted.len() >= if entity { 1 } else { 2 }
        {
            continue;
        }
        let mut picked = Picked {
            id: group.id().to_owned(),
            name: name.to_owned(),
            users: Vec::new(),
            embed_users: Vec::new(),
        };
        let mut all_named = true;
        for member in members {
            if let Some(user) = name_of(Kind::Users, member) {
                picked.users.push(user);
            } else if let Some(embed) = name_of(Kind::EmbedUsers, member) {
                picked.embed_users.push(embed);
            } else {
                all_named = false;
                break;
            }
        }
        // A new user joins each department group: it must have users.
        if !all_named || (!entity && picked.users.is_empty()) {
            continue;
        }
        if entity {
            entities.push(picked);
        } else {
            departments.push(picked);
        }
    }
    ensure!(
        departments.len() == 2 && entities.len() == 1,
        "the org has {} department group(s) and {} entity group(s) with {MEMBERS:?} members, a unique name and \
         every member named: 2 and 1 are needed",
        departments.len(),
        entities.len()
    );
    departments.extend(entities);
    Ok(departments)
}

/// The policies: settings that leave undeclared groups alone, and each
/// group declared `exact` with its live members (the base, clean), or with
/// its first member dropped (the head: one `member_unexpected` each).
fn policies_yaml(groups: &[Picked], head: bool) -> String {
    // A JSON string is a YAML double-quoted scalar.
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut yaml = String::from(if head {
        "# The PR: each declaration drops its first member.\n"
    } else {
        "# The base: each group declared exactly as it is live.\n"
    });
    yaml.push_str("version: 1\n\nsettings:\n  unmanaged_groups: ignore\n\ngroups:\n");
    for g in groups {
        yaml.push_str(&format!(
            "  - name: {}\n    members: exact\n",
            quoted(&g.name)
        ));
        let skip_user = usize::from(head && !g.users.is_empty());
        let skip_embed = usize::from(head && g.users.is_empty());
        for (key, list, skip) in [
            ("users", &g.users, skip_user),
            ("embed_users", &g.embed_users, skip_embed),
        ] {
            if list.len() > skip {
                yaml.push_str(&format!("    {key}:\n"));
                for name in &list[skip..] {
                    yaml.push_str(&format!("      - {}\n", quoted(name)));
                }
            }
        }
    }
    yaml
}

/// Adds [`NEW_USERS`] users (one to each department group) and
/// [`NEW_EMBED_USERS`] embed user (to the entity group) to the live org, as
/// someone in Omni would after the snapshot was taken. Returns their ids.
fn add_new_members(sim: &Simulator, groups: &[Picked]) -> Result<Vec<String>> {
    let (user, embed) = sim.with_store(|s| {
        (
            s.list(Kind::Users).first().map(Entry::to_value),
            s.list(Kind::EmbedUsers).first().map(Entry::to_value),
        )
    });
    let (Some(user), Some(embed)) = (user, embed) else {
        bail!("the org has no users or no embed users to copy");
    };
    let fresh = |template: &Value, id: &str, fields: Value| -> Result<Resource> {
        let mut v = template.clone();
        let object = v.as_object_mut().context("a resource is an object")?;
        object.remove("groups");
        object.insert("id".to_owned(), json!(id));
        for (key, value) in fields.as_object().into_iter().flatten() {
            object.insert(key.clone(), value.clone());
        }
        Resource::from_value(&v).map_err(|e| anyhow!("new resource `{id}`: {e:?}"))
    };
    let mut joins = Vec::new();
    for i in 0..NEW_USERS {
        let id = format!("bench-refresh-user-{i}");
        let mail = format!("bench.refresh.{i}@blobsrus.example");
        let resource = fresh(
            &user,
            &id,
            json!({"userName": mail, "displayName": format!("Bench Refresh {i}"),
                   "emails": [{"primary": true, "value": mail}]}),
        )?;
        joins.push((Kind::Users, resource, &groups[i % 2].id));
    }
    for i in 0..NEW_EMBED_USERS {
        let id = format!("bench-refresh-embed-{i}");
        let resource = fresh(
            &embed,
            &id,
            json!({"userName": format!("embed-bench-refresh-{i}@embed.omniapp.example"),
                   "embedExternalId": format!("ext_bench_refresh_{i}")}),
        )?;
        joins.push((Kind::EmbedUsers, resource, &groups[2].id));
    }
    let mut ids = Vec::new();
    for (kind, resource, group) in joins {
        let id = resource.id().to_owned();
        sim.mutate(|store| store.push(kind, resource));
        let status = sim.edit_group(
            group,
            &json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}],
            }),
        );
        ensure!(
            (200..300).contains(&status),
            "adding `{id}` to group `{group}`: {status}"
        );
        ids.push(id);
    }
    Ok(ids)
}

/// One command measured: the requests of its last run, the wall time of
/// every run with no limit in effect and at the default rate, and the report
/// of its first run.
struct Timed {
    log: Vec<RequestRecord>,
    no_limit: Vec<f64>,
    default_rate: Vec<f64>,
    /// Seconds from the first request to the last one arriving, per run,
    /// with no limit in effect and at the default rate.
    span_no_limit: Vec<f64>,
    span_default_rate: Vec<f64>,
    report: Value,
    /// Snapshot bytes (the fetch only).
    bytes: u64,
}

impl Timed {
    fn requests(&self) -> usize {
        self.log.len()
    }

    /// The median wall time with no limit in effect.
    fn no_limit_s(&self) -> f64 {
        util::median(self.no_limit.iter().copied()).unwrap_or(f64::NAN)
    }

    /// The median span of the requests with no limit and at the default
    /// rate (`—` when not measured), for people.
    fn spans(&self) -> String {
        format!(
            "{}; {}",
            median_or_dash(&self.span_no_limit),
            median_or_dash(&self.span_default_rate)
        )
    }

    /// The median wall time at the default rate, if it was measured.
    fn default_rate_s(&self) -> Option<f64> {
        util::median(self.default_rate.iter().copied())
    }
}

/// The median of some seconds for people, `—` when there are none.
fn median_or_dash(values: &[f64]) -> String {
    util::median(values.iter().copied()).map_or_else(|| "—".to_owned(), secs)
}

/// Seconds from the first request of `log` to the last one arriving.
fn span(log: &[RequestRecord]) -> f64 {
    match (log.first(), log.last()) {
        (Some(first), Some(last)) => last.received.saturating_sub(first.received).as_secs_f64(),
        _ => 0.0,
    }
}

/// A median wall time for people, with the range of the runs when there
/// were several: `16.6 s (13.7–18.5 s)`.
fn spread(walls: &[f64]) -> String {
    let median = util::median(walls.iter().copied()).unwrap_or(f64::NAN);
    let (lo, hi) = walls
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &w| {
            (lo.min(w), hi.max(w))
        });
    if walls.len() > 1 {
        format!("{} ({lo:.1}–{})", secs(median), secs(hi))
    } else {
        secs(median)
    }
}

struct Runner<'a> {
    bin: &'a Path,
    dir: &'a Path,
    url: String,
    sim: &'a Simulator,
}

impl Runner<'_> {
    /// `scimdrift ARGS` in the work directory, with no connection flags.
    fn offline(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.bin);
        cmd.current_dir(self.dir)
            .args(args)
            .env("SCIMDRIFT_MAX_SNAPSHOT_MB", MAX_SNAPSHOT_MB)
            .env_remove("OMNI_BASE_URL")
            .env_remove("OMNI_API_TOKEN");
        cmd
    }

    /// `scimdrift ARGS` against the simulator at the client rate `rate`.
    fn live_command(&self, args: &[&str], rate: &str) -> Command {
        let mut cmd = self.offline(args);
        cmd.args(["--base-url", &self.url, "--rate-limit", rate])
            .args(["--page-size", PAGE_SIZE, "--quiet"])
            .env("OMNI_API_TOKEN", TOKEN);
        cmd
    }

    /// Runs `cmd`; its exit code and its stdout as a JSON report.
    fn report(&self, cmd: &mut Command) -> Result<(i32, Value)> {
        let out = cmd.output().context("cannot run scimdrift")?;
        let code = out.status.code().unwrap_or(-1);
        let report = serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "exit {code}, not a JSON report: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
        Ok((code, report))
    }

    /// The full fetch into `snapshot.json`, checked complete.
    fn fetch(&self) -> Result<Timed> {
        self.sim.clear_requests();
        let mut cmd = self.live_command(&["fetch", "--out", "snapshot.json"], NO_LIMIT);
        let started = Instant::now();
        let out = cmd.output().context("cannot run scimdrift fetch")?;
        let wall = started.elapsed().as_secs_f64();
        let log = self.sim.requests();
        let spanned = span(&log);
        ensure!(
            out.status.code() == Some(0),
            "scimdrift fetch exited {} (3 is incomplete): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(self.dir.join("snapshot.json"))?;
        let bytes = text.len() as u64;
        let snapshot = Snapshot::from_json_text(Arc::new(text), 1 << 20)
            .map_err(|e| anyhow!("snapshot.json: {e}"))?;
        ensure!(
            snapshot.complete && snapshot.incomplete_reasons.is_empty(),
            "the snapshot is incomplete: {:?}",
            snapshot.incomplete_reasons
        );
        ensure!(
            snapshot.stats.requests == log.len() as u64,
            "the fetch counted {} requests, the simulator {}",
            snapshot.stats.requests,
            log.len()
        );
        let counts = self
            .sim
            .with_store(|s| [Kind::Groups, Kind::Users, Kind::EmbedUsers].map(|k| s.len(k)));
        ensure!(
            [
                snapshot.groups.len(),
                snapshot.users.len(),
                snapshot.embed_users.len()
            ] == counts,
            "the snapshot does not hold every resource"
        );
        Ok(Timed {
            log,
            no_limit: vec![wall],
            default_rate: Vec::new(),
            span_no_limit: vec![spanned],
            span_default_rate: Vec::new(),
            report: Value::Null,
            bytes,
        })
    }

    /// `check ARGS` (a refresh) `runs` times with no rate limit in effect
    /// and `runs` times at the default rate; each exits 2, sends the same
    /// requests and says so in its report.
    fn timed(&self, what: &str, args: &[&str], runs: usize, rates: &[&str]) -> Result<Timed> {
        let mut report = Value::Null;
        let mut log: Option<Vec<RequestRecord>> = None;
        let mut walls: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut spans: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for &rate in rates {
            for run in 0..runs {
                self.sim.clear_requests();
                let mut cmd = self.live_command(args, rate);
                let started = Instant::now();
                let (code, this) = self.report(&mut cmd)?;
                let wall = started.elapsed().as_secs_f64();
                let requests = self.sim.requests();
                ensure!(code == 2, "{what}: exit {code}, not 2 (drift)");
                let counted = &this["source"]["refresh"]["requests"];
                ensure!(
                    *counted == json!(requests.len()),
                    "{what}: the report counts {counted} requests, the simulator {}",
                    requests.len()
                );
                if let Some(first) = &log {
                    ensure!(
                        first.len() == requests.len(),
                        "{what}: {} requests, then {}",
                        first.len(),
                        requests.len()
                    );
                }
                eprintln!(
                    "{what} at {rate} run {}: {} requests, {wall:.2} s",
                    run + 1,
                    requests.len()
                );
                if report.is_null() {
                    report = this;
                }
                walls.entry(rate).or_default().push(wall);
                spans.entry(rate).or_default().push(span(&requests));
                log = Some(requests);
            }
        }
        let mut walls_at = |rate: &str| walls.remove(rate).unwrap_or_default();
        let (no_limit, default_rate) = (walls_at(NO_LIMIT), walls_at(DEFAULT_RATE));
        let mut spans_at = |rate: &str| spans.remove(rate).unwrap_or_default();
        Ok(Timed {
            log: log.context("no run")?,
            no_limit,
            default_rate,
            span_no_limit: spans_at(NO_LIMIT),
            span_default_rate: spans_at(DEFAULT_RATE),
            report,
            bytes: 0,
        })
    }

    /// `check ARGS` live, without a snapshot: a full fetch and the check.
    fn live(&self, args: &[&str]) -> Result<Timed> {
        self.sim.clear_requests();
        let started = Instant::now();
        let (code, report) = self.report(&mut self.live_command(args, NO_LIMIT))?;
        let wall = started.elapsed().as_secs_f64();
        ensure!(code == 2, "the full live check exited {code}, not 2");
        let log = self.sim.requests();
        let spanned = span(&log);
        eprintln!(
            "full live check: {} requests ({}), {wall:.1} s",
            log.len(),
            breakdown(&log)
        );
        Ok(Timed {
            log,
            no_limit: vec![wall],
            default_rate: Vec::new(),
            span_no_limit: vec![spanned],
            span_default_rate: Vec::new(),
            report,
            bytes: 0,
        })
    }
}

/// The report says it refreshed exactly `names` (or every group).
fn refreshed_groups_are(report: &Value, names: &[&str], all: bool) -> Result<()> {
    let info = &report["source"]["refresh"];
    ensure!(info["all_groups"] == json!(all), "refresh: {info}");
    if !all {
        let mut want: Vec<&str> = names.to_vec();
        want.sort_unstable();
        ensure!(
            info["groups"] == json!(want),
            "refreshed: {}",
            info["groups"]
        );
    }
    Ok(())
}

/// Each finding's id and PR change, sorted.
fn findings(report: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["id"].to_string(), f["change"].to_string()))
        .collect();
    out.sort();
    out
}

/// Both reports have the same findings, each with the same change.
fn same_findings(a_name: &str, a: &Value, b_name: &str, b: &Value) -> Result<()> {
    let (fa, fb) = (findings(a), findings(b));
    if fa != fb {
        let only_a: Vec<_> = fa.iter().filter(|f| !fb.contains(f)).take(5).collect();
        let only_b: Vec<_> = fb.iter().filter(|f| !fa.contains(f)).take(5).collect();
        bail!(
            "{a_name} has {} findings, {b_name} {}; only in {a_name}: {only_a:?}; only in {b_name}: {only_b:?}",
            fa.len(),
            fb.len()
        );
    }
    Ok(())
}

/// Findings about one of `groups` with this PR change.
fn about(report: &Value, groups: &[&str], change: &str) -> usize {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["change"] == change && f["group"].as_str().is_some_and(|g| groups.contains(&g))
        })
        .count()
}

/// What a request asked for: `METHOD /groups pages`, `METHOD
/// /groups?filter=…`, `METHOD /users/{id}`, ….
fn shape(r: &RequestRecord) -> String {
    let path = r.path.split("/api/scim/v2").nth(1).unwrap_or(&r.path);
    let filtered = r.query.as_deref().is_some_and(|q| q.contains("filter="));
    let what = if ["/groups", "/users", "/embed/users"].contains(&path) {
        format!("{path}{}", if filtered { "?filter=…" } else { " pages" })
    } else {
        let parent = path.rsplit_once('/').map_or(path, |(parent, _id)| parent);
        format!("{parent}/{{id}}")
    };
    format!("{} {what}", r.method)
}

/// Requests of this [`shape`] in `log`, and how many of them answered 404.
fn asked(log: &[RequestRecord], what: &str) -> (usize, usize) {
    log.iter()
        .filter(|r| shape(r) == what)
        .fold((0, 0), |(n, missing), r| {
            (n + 1, missing + usize::from(r.status == 404))
        })
}

/// What a request log asked for, e.g. "3 `GET /groups?filter=…`, 2 `GET
/// /users/{id}`".
fn breakdown(log: &[RequestRecord]) -> String {
    let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in log {
        let entry = kinds.entry(shape(r)).or_default();
        entry.0 += 1;
        entry.1 += usize::from(r.status == 404);
    }
    kinds
        .iter()
        .map(|(kind, (n, missing))| {
            let mut s = format!("{n} `{kind}`");
            if *missing > 0 {
                s.push_str(&format!(" ({missing} answered 404)"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds for people.
fn secs(s: f64) -> String {
    if s >= 60.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

/// A difference of seconds with its sign, `?` when there is none.
fn signed(d: Option<f64>) -> String {
    d.map_or_else(|| "?".to_owned(), |d| format!("{d:+.1} s"))
}

/// Wall time of `requests` at `per_min`, the first request sent at once.
fn at_rate(requests: usize, per_min: f64) -> String {
    let secs = requests.saturating_sub(1) as f64 * 60.0 / per_min;
    if secs >= 3600.0 {
        format!(
            "{:.0} h {:02.0} min",
            (secs / 3600.0).floor(),
            (secs % 3600.0) / 60.0
        )
    } else if secs >= 60.0 {
        format!("{:.1} min", secs / 60.0)
    } else {
        format!("{secs:.1} s")
    }
}

/// Everything the section shows.
struct Figures<'a> {
    size: Size,
    release: bool,
    spec: scimdrift_sim::orggen::OrgSpec,
    runs: usize,
    snapshot_mib: f64,
    groups: &'a [Picked],
    fetch: &'a Timed,
    three: &'a Timed,
    unknown: &'a Timed,
    every: &'a Timed,
    live: &'a Timed,
    /// Findings the PR introduces about its groups.
    introduced: usize,
    /// Findings of the full live check.
    findings: usize,
}

fn render(f: &Figures<'_>) -> String {
    let date = util::output(Command::new("date").args(["-u", "+%Y-%m-%d"]))
        .unwrap_or_else(|_| "?".to_owned());
    let heading = HEADING.replace("on L", &format!("on {}", f.size.name()));
    let build = if f.release { "release" } else { "debug" };
    let mut s = format!("{heading}\n\n");
    s.push_str(&format!(
        "Measured {date} on the {build} build of `{}` (2 cores shared with other work; load average {} when it ended) with:\n\n\
```sh\ncargo xtask bench-refresh --size {} --runs {}\n```\n\n",
        util::commit(),
        util::load_average(),
        f.size.name(),
        f.runs
    ));
    let declared: Vec<String> = f
        .groups
        .iter()
        .map(|g| {
            format!(
                "`{}` ({} members)",
                g.name,
                g.users.len() + g.embed_users.len()
            )
        })
        .collect();
    s.push_str(&format!(
        "Workload {}: the `gen-org` org of {} users, {} embed users and {} groups, served by `scimdrift-sim` in the xtask's \
process over loopback with **no server rate limit**. Every request count is read from the simulator's request log (and \
equals the count the client reports). The {build} `scimdrift fetch --page-size 100` (Omni's default page size) writes the \
snapshot ({:.0} MiB, complete, every resource; the checks read it with `SCIMDRIFT_MAX_SNAPSHOT_MB={MAX_SNAPSHOT_MB}`). The PR: the base declares 3 groups `members: exact` with their live members \
({}), the head drops one member of each ({} introduced `member_unexpected`); `unmanaged_groups: ignore`, nothing else is \
declared. Wall times are of the whole command (process start, reading the snapshot, checking base and head, the JSON \
report), medians of {} run(s) with no client limit in effect (`--rate-limit 6000000/min`) and, for the PR's refresh \
checks, at the default `--rate-limit 50/min` (one key). The rows marked *computed* were not run at 50/min: their figure is \
(requests − 1) ÷ 50 min from the **measured** request count, the rate-limit bound (a full fetch at 50/min takes hours).\n\n",
        f.size.name(),
        f.spec.users,
        f.spec.embed_users,
        f.spec.groups,
        f.snapshot_mib,
        declared.join(", "),
        f.introduced,
        f.runs,
    ));
    s.push_str(
        "| run | requests | what was asked | first → last request, no limit; at 50/min | wall, no limit | wall at 50/min |\n\
|---|---:|---|---:|---:|---:|\n",
    );
    let at_50 = |t: &Timed| {
        if t.default_rate.is_empty() {
            format!("{} *computed*", at_rate(t.requests(), DEFAULT_PER_MIN))
        } else {
            spread(&t.default_rate)
        }
    };
    for (row, t) in [
        (ROW_FULL, f.fetch),
        (ROW_THREE, f.three),
        (ROW_UNKNOWN, f.unknown),
        (ROW_EVERY, f.every),
        (ROW_LIVE, f.live),
    ] {
        s.push_str(&format!(
            "| {row} | {} | {} | {} | {} | {} |\n",
            t.requests(),
            breakdown(&t.log),
            t.spans(),
            spread(&t.no_limit),
            at_50(t),
        ));
    }
    let (three, unknown, full) = (f.three.requests(), f.unknown.requests(), f.fetch.requests());
    let (pages, _) = asked(&f.every.log, "GET /groups pages");
    let (_, dangling) = asked(&f.every.log, "GET /embed/users/{id}");
    let confirm = if f.spec.groups.is_multiple_of(100) {
        ": the pages, and one more that confirms the end after a full last page"
    } else {
        ""
    };
    s.push_str(&format!(
        "\nReading it: the PR costs {three} requests instead of the full fetch's {full} ({:.0}× fewer): {} instead of {} at \
50/min. With members the snapshot does not know it costs {unknown}: one filtered read per changed declaration, then each \
unknown member by id, one request for a user (`GET /users/{{id}}`) and two for an embed user (a member's id does not say \
which kind it is, so `/users/{{id}}` is asked first and answers 404, then `/embed/users/{{id}}`): 3 + {NEW_USERS} × 1 + \
{NEW_EMBED_USERS} × 2 = {}. Counted per unknown member (3 + {}), the bound holds for users and is exceeded by one request \
per unknown embed user. Without `--base` every group is read ({pages} list requests{confirm}) and every member id the snapshot does not know is asked for: here the org's {dangling} dangling members (ids no \
identity has, one in every 50th group), two 404s each. The PR's refresh checks' findings ({} in all) are identical, id for id \
and change for change, to the same PR checked against the whole snapshot (before the new members joined) and against a full \
live fetch (after).\n\n\
Wall times: a refresh check is mostly reading the {:.0} MiB snapshot and checking base and head ({} with no limit). \
On loopback with no limit a full live PR check, fetch included, takes {}: the refresh pays off against the rate limit, not \
on a link nothing limits. The rate limit's own cost shows in the simulator's clock (first → last request arriving): \
at 50/min the PR rows' requests span {} and {}, the (requests − 1) × 1.2 s the limiter spaces them by ({} and {}), against \
{} and {} with no limit. Between the two rates the whole command's median wall time differs by {} and {}; the runs of \
one command spread over up to {:.1} s (min–max in parentheses) on this shared 2-core machine.\n\n",
        full as f64 / three.max(1) as f64,
        f.three.default_rate_s().map_or_else(|| "?".to_owned(), secs),
        at_rate(full, DEFAULT_PER_MIN),
        3 + NEW_USERS + 2 * NEW_EMBED_USERS,
        NEW_USERS + NEW_EMBED_USERS,
        f.findings,
        f.snapshot_mib,
        secs(f.three.no_limit_s()),
        secs(f.live.no_limit_s()),
        median_or_dash(&f.three.span_default_rate),
        median_or_dash(&f.unknown.span_default_rate),
        at_rate(three, DEFAULT_PER_MIN),
        at_rate(unknown, DEFAULT_PER_MIN),
        median_or_dash(&f.three.span_no_limit),
        median_or_dash(&f.unknown.span_no_limit),
        signed(f.three.default_rate_s().map(|s| s - f.three.no_limit_s())),
        signed(f.unknown.default_rate_s().map(|s| s - f.unknown.no_limit_s())),
        [f.three, f.unknown]
            .iter()
            .flat_map(|t| [&t.no_limit, &t.default_rate])
            .map(|walls| {
                let hi = walls.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lo = walls.iter().copied().fold(f64::INFINITY, f64::min);
                if walls.is_empty() { 0.0 } else { hi - lo }
            })
            .fold(0.0, f64::max),
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str, query: Option<&str>, status: u16) -> RequestRecord {
        RequestRecord {
            method: "GET".to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            status,
            fault: None,
            delay: std::time::Duration::ZERO,
            host: None,
            authorization: true,
            token: Some(0),
            body: None,
            received: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn a_log_is_summed_up_by_what_it_asked() {
        let log = [
            record(
                "/api/scim/v2/groups",
                Some("filter=displayName+eq+%22A%22"),
                200,
            ),
            record(
                "/api/scim/v2/groups",
                Some("filter=displayName+eq+%22B%22"),
                200,
            ),
            record("/api/scim/v2/users/u1", None, 200),
            record("/api/scim/v2/users/e1", None, 404),
            record("/api/scim/v2/embed/users/e1", None, 200),
            record(
                "/api/scim/v2/embed/users",
                Some("startIndex=1&count=100"),
                200,
            ),
            record("/api/scim/v2/users", Some("startIndex=1&count=100"), 200),
        ];
        assert_eq!(asked(&log, "GET /users/{id}"), (2, 1));
        assert_eq!(asked(&log, "GET /groups pages"), (0, 0));
        assert_eq!(
            breakdown(&log),
            "1 `GET /embed/users pages`, 1 `GET /embed/users/{id}`, 2 `GET /groups?filter=…`, \
             1 `GET /users pages`, 2 `GET /users/{id}` (1 answered 404)"
        );
    }

    #[test]
    fn wall_times_at_a_rate_count_the_intervals() {
        assert_eq!(at_rate(10_553, 50.0), "3 h 31 min");
        assert_eq!(at_rate(3, 50.0), "2.4 s");
        assert_eq!(at_rate(51, 50.0), "1.0 min");
        assert_eq!(secs(7.25), "7.2 s");
        assert_eq!(secs(95.0), "1.6 min");
        assert_eq!(spread(&[16.6, 13.7, 18.5]), "16.6 s (13.7–18.5 s)");
        assert_eq!(spread(&[2.0]), "2.0 s");
        assert_eq!(signed(Some(-0.54)), "-0.5 s");
        assert_eq!(signed(Some(2.4)), "+2.4 s");
    }

    #[test]
    fn head_drops_one_member_of_each_declaration() {
        let groups = [
            Picked {
                id: "g1".to_owned(),
                name: "Sales \"EMEA\"".to_owned(),
                users: vec!["a@x".to_owned(), "b@x".to_owned()],
                embed_users: vec!["ext_1".to_owned()],
            },
            Picked {
                id: "g2".to_owned(),
                name: "Entity acme".to_owned(),
                users: Vec::new(),
                embed_users: vec!["ext_2".to_owned(), "ext_3".to_owned()],
            },
        ];
        insta::assert_snapshot!(policies_yaml(&groups, false), @r#"
        # The base: each group declared exactly as it is live.
        version: 1

        settings:
          unmanaged_groups: ignore

        groups:
          - name: "Sales \"EMEA\""
            members: exact
            users:
              - "a@x"
              - "b@x"
            embed_users:
              - "ext_1"
          - name: "Entity acme"
            members: exact
            embed_users:
              - "ext_2"
              - "ext_3"
        "#);
        let head = policies_yaml(&groups, true);
        assert!(
            !head.contains("\"a@x\"") && head.contains("\"b@x\""),
            "{head}"
        );
        assert!(
            !head.contains("\"ext_2\"") && head.contains("\"ext_3\""),
            "{head}"
        );
        assert!(head.contains("\"ext_1\""), "{head}");
    }

    #[test]
    fn the_heading_is_what_bench_fetch_carries_over() {
        assert!(HEADING.starts_with(HEADING_PREFIX));
        for row in [ROW_FULL, ROW_THREE, ROW_UNKNOWN, ROW_EVERY, ROW_LIVE] {
            assert!(!row.contains('|'), "{row}");
        }
    }
}
