//! Every output format on the demo org, `render`, PR mode and `--state-dir`.
//! Each test works on a copy of `policies/` and `demo/org.json` in a
//! temporary directory, so nothing depends on the checkout's git state.

use crate::support::{
    DEMO_NOW as NOW, Outcome, assert_outcome, copy_dir, demo, git, outcome, root, scimdrift,
};
use std::path::{Path, PathBuf};

fn check(dir: &Path, extra: &[&str]) -> Outcome {
    outcome(
        scimdrift(dir)
            .args(["check", "--snapshot", "org.json", "--now", NOW])
            .args(extra),
    )
}

#[test]
fn every_format_on_the_demo_org() {
    let dir = demo();
    for format in [
        "human", "json", "markdown", "sarif", "junit", "github", "csv",
    ] {
        let out = check(dir.path(), &["--format", format]).status(2).stdout;
        if format == "sarif" {
            assert_valid_sarif(&out);
        }
        insta::assert_snapshot!(format!("demo_{format}"), out);
    }
}

/// Validates a SARIF log against the OASIS SARIF 2.1.0 schema.
fn assert_valid_sarif(text: &str) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/schemas/sarif-schema-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    let log: serde_json::Value = serde_json::from_str(text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn outputs_match_stdout_and_render_reproduces_them() {
    let dir = demo();
    let formats = [
        "json", "markdown", "sarif", "junit", "github", "csv", "human",
    ];
    let mut args = vec!["--format".to_owned(), "json".to_owned()];
    for f in formats {
        args.push("--output".into());
        args.push(format!("{f}=out/report.{f}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let json_stdout = check(dir.path(), &args).status(2).stdout;
    let out = dir.path().join("out");
    assert_eq!(
        std::fs::read_to_string(out.join("report.json")).unwrap(),
        json_stdout
    );
    for f in formats {
        let written = std::fs::read_to_string(out.join(format!("report.{f}"))).unwrap();
        let rendered = outcome(scimdrift(dir.path()).args([
            "render",
            "out/report.json",
            "--format",
            f,
            "--full-report",
            "`out/report.json`",
        ]))
        .status(0)
        .stdout;
        assert_eq!(
            rendered, written,
            "`render --format {f}` differs from `check --output`"
        );
    }
}

#[test]
fn github_format_appends_the_step_summary() {
    let dir = demo();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let out = outcome(
        scimdrift(dir.path())
            .args([
                "check",
                "--snapshot",
                "org.json",
                "--now",
                NOW,
                "--format",
                "github",
            ])
            .env("GITHUB_STEP_SUMMARY", &summary),
    )
    .status(2)
    .stdout;
    assert!(out.starts_with("::error "), "{out}");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("# earlier step\n\n## scimdrift: drift\n"),
        "{text}"
    );
}

#[test]
fn bad_output_spec_is_invalid_input() {
    let dir = demo();
    let run = check(dir.path(), &["--output", "report.sarif"]);
    assert!(run.stderr.contains("expected FORMAT=PATH"), "{run}");
    assert_outcome!(run, @r"
    --- stdout
    --- stderr
    error: invalid value 'report.sarif' for '--output <FORMAT=PATH>': expected FORMAT=PATH (e.g. `sarif=drift.sarif`), got `report.sarif`

    For more information, try '--help'.
    [exit status: 4]
    ");
    let run = check(dir.path(), &["--format", "pdf"]);
    assert!(run.stderr.contains("unknown format `pdf`"), "{run}");
    assert_outcome!(run, @r"
    --- stdout
    --- stderr
    error: invalid value 'pdf' for '--format <FORMAT>': unknown format `pdf` (expected one of: human, json, markdown, sarif, junit, github, csv, openmetrics)

    For more information, try '--help'.
    [exit status: 4]
    ");
}

#[test]
fn render_rejects_what_is_not_a_report() {
    let dir = demo();
    std::fs::write(dir.path().join("x.json"), "{\"schema\": 1}").unwrap();
    assert_outcome!(outcome(scimdrift(dir.path()).args(["render", "x.json", "--format", "csv"])), @r"
    --- stdout
    --- stderr
    error: x.json:1:12: not a valid report: invalid type: integer `1`, expected a string
    hint: a report is written by `scimdrift check --output json=PATH`
    [exit status: 4]
    ");
}

/// Head policies that introduce one violation and resolve another, relative
/// to the demo's policies (the base).
fn pr_head(dir: &Path) -> PathBuf {
    let head = dir.join("head");
    copy_dir(&dir.join("policies"), &head);
    let groups = std::fs::read_to_string(head.join("groups.yaml")).unwrap();
    std::fs::write(head.join("groups.yaml"), pr_edit(&groups)).unwrap();
    head
}

/// The edit a PR makes: `Data Analysts` no longer needs 3 members (resolves
/// the `group_size` finding) and `Admins` loses `bob.marley` from its
/// declared members (introduces a `member_unexpected`).
fn pr_edit(groups: &str) -> String {
    let edited = groups
        .replacen("min_members: 3", "min_members: 2", 1)
        .replacen("      - bob.marley@blobsrus.co\n", "", 1);
    assert_ne!(
        edited, groups,
        "the demo policies changed: update the PR edit"
    );
    edited
}

fn changes(report: &serde_json::Value, change: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == change)
        .map(|f| {
            format!(
                "{} {}",
                f["kind"].as_str().unwrap(),
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn pr_mode_with_a_base_directory() {
    let dir = demo();
    let head = pr_head(dir.path());
    let out = check(
        dir.path(),
        &[
            "--policies",
            "head",
            "--base",
            "policies",
            "--format",
            "json",
        ],
    )
    .status(2)
    .stdout;
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        changes(&report, "introduced"),
        ["member_unexpected group:Admins"]
    );
    assert_eq!(
        changes(&report, "resolved"),
        ["group_size group:Data Analysts"]
    );
    assert!(changes(&report, "unchanged").len() > 10);
    drop(head);

    // Markdown and human lead with what the PR changes.
    for format in ["markdown", "human"] {
        let out = check(
            dir.path(),
            &[
                "--policies",
                "head",
                "--base",
                "policies",
                "--format",
                format,
            ],
        )
        .stdout;
        insta::assert_snapshot!(format!("pr_{format}"), out);
    }
}

/// With `--base DIR`, a resolved finding exists only in the base run, so it
/// points at the base file (its line is a line of the base file), in the
/// JSON (relative to `--policies`, like every policy location) and in what
/// renderers show, whether the base is given relative or absolute.
#[test]
fn pr_mode_resolved_findings_point_at_the_base_files() {
    let dir = demo();
    pr_head(dir.path());
    let absolute = dir.path().join("policies");
    for base in ["policies", absolute.to_str().unwrap()] {
        let out = check(
            dir.path(),
            &[
                "--policies",
                "head",
                "--base",
                base,
                "--format",
                "json",
                "--output",
                "markdown=pr.md",
                "--output",
                "csv=pr.csv",
            ],
        )
        .status(2)
        .stdout;
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let resolved: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["change"] == "resolved")
            .collect();
        assert_eq!(resolved.len(), 1, "{base}");
        let policy = &resolved[0]["policy"];
        assert_eq!(policy["file"], "../policies/groups.yaml", "{base}");
        let line = policy["line"].as_u64().unwrap();
        let base_text = std::fs::read_to_string(dir.path().join("policies/groups.yaml")).unwrap();
        let declared = base_text
            .lines()
            .nth(usize::try_from(line).unwrap() - 1)
            .unwrap();
        assert!(
            declared.contains("Data Analysts"),
            "{base}: line {line}: {declared}"
        );

        let md = std::fs::read_to_string(dir.path().join("pr.md")).unwrap();
        let section = md.split("### Resolved by this PR (1)").nth(1).unwrap();
        let item = section.trim_start().lines().next().unwrap();
        assert!(
            item.ends_with(&format!("· `policies/groups.yaml:{line}`")),
            "{base}: {item}"
        );
        let csv = std::fs::read_to_string(dir.path().join("pr.csv")).unwrap();
        let row = csv.lines().find(|l| l.contains(",resolved,")).unwrap();
        assert!(
            row.contains(&format!(",policies/groups.yaml,{line},")),
            "{base}: {row}"
        );
    }
}

#[test]
fn fail_on_introduced_only_makes_summary_and_exit_agree() {
    let dir = demo();
    pr_head(dir.path());
    let pr = |extra: &[&str]| check(dir.path(), &[&["--format", "json"][..], extra].concat());
    // The head introduces an error: exit 2, and exactly one failing finding.
    let out = pr(&[
        "--policies",
        "head",
        "--base",
        "policies",
        "--fail-on-introduced-only",
    ])
    .status(2)
    .stdout;
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["summary"]["failing"], 1);
    assert_eq!(report["status"], "drift");
    // A PR that changes nothing the check sees: clean, exit 0, although
    // ambient drift remains.
    let out = pr(&[
        "--policies",
        "head",
        "--base",
        "head",
        "--fail-on-introduced-only",
    ])
    .status(0)
    .stdout;
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["summary"]["failing"], 0);
    assert_eq!(report["status"], "clean");
    assert!(changes(&report, "introduced").is_empty());
    assert!(!changes(&report, "unchanged").is_empty());
    // The Markdown says the same as the exit code.
    let md = check(
        dir.path(),
        &[
            "--policies",
            "head",
            "--base",
            "head",
            "--fail-on-introduced-only",
            "--format",
            "markdown",
        ],
    )
    .status(0)
    .stdout;
    assert!(md.starts_with("## scimdrift: clean\n"), "{md}");
    assert!(
        md.contains("**This PR introduces 0 findings and resolves 0**"),
        "{md}"
    );
    // Without the flag, ambient drift still fails the run.
    pr(&["--policies", "head", "--base", "head"]).status(2);
}

#[test]
fn pr_mode_with_a_git_ref() {
    let dir = demo();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "policies"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    let groups = dir.path().join("policies/groups.yaml");
    let text = std::fs::read_to_string(&groups).unwrap();
    std::fs::write(&groups, pr_edit(&text)).unwrap();
    let out = check(dir.path(), &["--base", "main", "--format", "json"])
        .status(2)
        .stdout;
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        changes(&report, "introduced"),
        ["member_unexpected group:Admins"]
    );
    assert_eq!(
        changes(&report, "resolved"),
        ["group_size group:Data Analysts"]
    );

    let run = check(dir.path(), &["--base", "no-such-ref"]);
    assert!(
        run.stderr
            .contains("`--base no-such-ref` is neither a directory nor a git ref"),
        "{run}"
    );
    assert_outcome!(run, @r"
    --- stdout
    --- stderr
    error: `--base no-such-ref` is neither a directory nor a git ref: git rev-parse --verify -q no-such-ref^{commit} failed: 
    hint: pass a directory of base policies, or a commit, branch or tag (e.g. `origin/main`)
    [exit status: 4]
    ");
}

fn since(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["since_last_run"].as_str().unwrap().to_owned(),
                format!(
                    "{} {}",
                    f["kind"].as_str().unwrap(),
                    f["rule"].as_str().unwrap()
                ),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn state_dir_across_three_runs() {
    let dir = demo();
    let state = ["--state-dir", "state", "--format", "json"];
    // Run 1: everything is new.
    let out = check(dir.path(), &state).status(2).stdout;
    let first: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(since(&first).iter().all(|(s, _)| s == "new"));
    assert!(dir.path().join("state/last-report.json").is_file());
    assert!(dir.path().join("state/last-snapshot.json").is_file());

    // Run 2, same data: everything persists.
    let out = check(dir.path(), &state).stdout;
    let second: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(since(&second).iter().all(|(s, _)| s == "persisting"));
    assert_eq!(
        first["findings"].as_array().unwrap().len(),
        second["findings"].as_array().unwrap().len()
    );

    // Run 3: a third member joined `Data Analysts` (which fixes its size)
    // and `Admins` (where they are not declared).
    let mut org: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("org.json")).unwrap())
            .unwrap();
    let user_id = |name: &str| {
        org["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["userName"] == name)
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let newcomer = user_id("ken.thompson@blobsrus.co");
    for group in org["groups"].as_array_mut().unwrap() {
        if group["displayName"] == "Data Analysts" || group["displayName"] == "Admins" {
            group["members"].as_array_mut().unwrap().push(
                serde_json::json!({"value": newcomer, "display": "ken.thompson@blobsrus.co"}),
            );
        }
    }
    std::fs::write(
        dir.path().join("org.json"),
        serde_json::to_string_pretty(&org).unwrap(),
    )
    .unwrap();
    let out = check(dir.path(), &state).stdout;
    let third: serde_json::Value = serde_json::from_str(&out).unwrap();
    let third_since = since(&third);
    assert!(
        third_since.contains(&("resolved".into(), "group_size group:Data Analysts".into())),
        "{third_since:?}"
    );
    let new: Vec<_> = third_since.iter().filter(|(s, _)| s == "new").collect();
    assert!(
        !new.is_empty(),
        "the newcomer breaks another rule: {third_since:?}"
    );
    assert!(third_since.iter().any(|(s, _)| s == "persisting"));

    // The human and Markdown outputs say so.
    let human = check(dir.path(), &["--state-dir", "state"]).stdout;
    assert!(
        human.starts_with("Since the last run: 0 new, 0 resolved,"),
        "{human}"
    );
    let md = check(
        dir.path(),
        &["--state-dir", "state", "--format", "markdown"],
    )
    .stdout;
    assert!(
        md.contains("Since the last run: **0 new**, 0 resolved"),
        "{md}"
    );
}

#[test]
fn state_dir_markdown_and_human_show_new_and_resolved() {
    let dir = demo();
    let state = ["--state-dir", "state"];
    // The first run is checked with stricter head policies, so the second
    // run (the demo's own policies) resolves a finding.
    let head = pr_head(dir.path());
    check(dir.path(), &["--policies", "head", "--state-dir", "state"]).status(2);
    drop(head);
    let human = check(dir.path(), &state).stdout;
    insta::assert_snapshot!(
        "state_human_preamble",
        human.split("scimdrift check:").next().unwrap()
    );
    let _ = std::fs::remove_dir_all(dir.path().join("state"));
}

/// `check` records the policies' git commit (as `review` does): in the JSON
/// report, and next to the other provenance in the human, Markdown, SARIF and
/// JUnit output; `-dirty` with uncommitted policy changes; absent outside git.
#[test]
fn check_records_the_policies_commit() {
    let dir = demo();
    let json = |dir: &Path| check(dir, &["--format", "json"]).status(2).stdout;
    let report: serde_json::Value = serde_json::from_str(&json(dir.path())).unwrap();
    assert_eq!(report.get("policies_commit"), None, "outside git");

    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "policies"]);
    git(dir.path(), &["commit", "-q", "-m", "policies"]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    let first = json(dir.path());
    let report: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(report["policies_commit"], head.as_str());
    assert_eq!(json(dir.path()), first, "same commit, same bytes");

    let short = &head[..12];
    let human = check(dir.path(), &[]).stdout;
    let markdown = check(dir.path(), &["--format", "markdown"]).stdout;
    let header = format!(
        "{}\n{}",
        human.lines().take(4).collect::<Vec<_>>().join("\n"),
        markdown
            .lines()
            .find(|l| l.starts_with("Checked "))
            .unwrap()
    );
    insta::assert_snapshot!(header.replace(short, "[commit]"), @r"
    scimdrift check: DRIFT
      source: snapshot org.json (sha256 b42b536e6199)
      evaluated at 2027-03-25T09:00:00Z; fail on error; 5 policy file(s)
      policies at commit [commit]
    Checked snapshot `org.json` (sha256 `b42b536e6199`; policies at commit `[commit]`) at 2027-03-25T09:00:00Z, failing on `error`; scimdrift 0.1.0.
    ");
    let sarif = check(dir.path(), &["--format", "sarif"]).stdout;
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        sarif["runs"][0]["properties"]["policiesCommit"],
        head.as_str()
    );
    let junit = check(dir.path(), &["--format", "junit"]).stdout;
    assert!(
        junit.contains(&format!(
            "<property name=\"policies_commit\" value=\"{head}\"/>"
        )),
        "{junit}"
    );

    // Uncommitted changes to the policies are marked.
    let groups = dir.path().join("policies/groups.yaml");
    let text = std::fs::read_to_string(&groups).unwrap();
    std::fs::write(&groups, format!("{text}# edited\n")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&json(dir.path())).unwrap();
    assert_eq!(report["policies_commit"], format!("{head}-dirty"));

    // Policies in a directory git ignores were not read at any commit.
    std::fs::write(dir.path().join(".gitignore"), "scratch/\n").unwrap();
    std::fs::create_dir(dir.path().join("scratch")).unwrap();
    std::fs::rename(
        dir.path().join("policies"),
        dir.path().join("scratch/policies"),
    )
    .unwrap();
    let out = check(
        dir.path(),
        &["--format", "json", "--policies", "scratch/policies"],
    )
    .status(2)
    .stdout;
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report.get("policies_commit"), None, "ignored policies");
}
