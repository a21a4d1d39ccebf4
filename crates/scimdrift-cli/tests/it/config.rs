//! `scimdrift.toml`: errors with `file:line:column` and a hint (a token in
//! the file refused without echoing it), precedence (flag > environment >
//! file > default) seen both in `scimdrift config` and in what `check`
//! does, discovery from a subdirectory, `--config` and `--no-config`.

use crate::support::{DEMO_NOW, assert_outcome, demo, outcome, root, scimdrift};
use scimdrift_proto::Snapshot;
use scimdrift_sim::{DEFAULT_TOKEN, SimConfig, Simulator};
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn unknown_keys_get_a_did_you_mean() {
    let dir = demo();
    write(
        dir.path(),
        "scimdrift.toml",
        "polices = \"policies\"\nfail_on = \"warning\"\n\n[connection]\nbase-url = \"https://blobsrus.omniapp.co\"\n\n[check]\nexpiring_within_days = 30\nflavour = 1\n",
    );
    assert_outcome!(outcome(scimdrift(dir.path()).arg("validate")).status(4), @r#"
    --- stdout
    --- stderr
    error: unknown key `polices` at the top level
     --> scimdrift.toml:1:1
      |
    1 | polices = "policies"
      | ^^^^^^^
      = hint: did you mean `policies`?

    error: unknown key `fail_on` at the top level
     --> scimdrift.toml:2:1
      |
    2 | fail_on = "warning"
      | ^^^^^^^
      = hint: `fail_on` belongs in [check]

    error: unknown key `base-url` in [connection]
     --> scimdrift.toml:5:1
      |
    5 | base-url = "https://blobsrus.omniapp.co"
      | ^^^^^^^^
      = hint: did you mean `base_url`?

    error: unknown key `expiring_within_days` in [check]
     --> scimdrift.toml:8:1
      |
    8 | expiring_within_days = 30
      | ^^^^^^^^^^^^^^^^^^^^
      = hint: `expiring_within_days` stays in the policies: set it in a policy file's `settings:`

    error: unknown key `flavour` in [check]
     --> scimdrift.toml:9:1
      |
    9 | flavour = 1
      | ^^^^^^^
      = hint: allowed keys: fail_on, outputs, state_dir, full_report

    error: 5 error(s) in the configuration file `scimdrift.toml`
    hint: fix the file, or run with --no-config to ignore it
    [exit status: 4]
    "#);
}

#[test]
fn wrong_types_and_values_point_at_the_value() {
    let dir = demo();
    write(
        dir.path(),
        "scimdrift.toml",
        "policies = [\"policies\"]\n\n[connection]\nprovider = \"omin\"\nrate_limit = true\npage_size = 0\n\n[check]\nfail_on = 2\noutputs = [\"pdf=report.pdf\", 7]\nstate_dir = \"\"\n",
    );
    assert_outcome!(outcome(scimdrift(dir.path()).arg("check")).status(4), @r#"
    --- stdout
    --- stderr
    error: `policies` must be a string, found an array
     --> scimdrift.toml:1:12
      |
    1 | policies = ["policies"]
      |            ^^^^^^^^^^^^

    error: `connection.provider` cannot be "omin"
     --> scimdrift.toml:4:12
      |
    4 | provider = "omin"
      |            ^^^^^^
      = hint: did you mean "omni"?

    error: `connection.rate_limit` must be a string such as "50/min", or a number, found a boolean
     --> scimdrift.toml:5:14
      |
    5 | rate_limit = true
      |              ^^^^

    error: `connection.page_size`: expected `auto` or a whole number of at least 1
     --> scimdrift.toml:6:13
      |
    6 | page_size = 0
      |             ^

    error: `check.fail_on` must be a string, found an integer
     --> scimdrift.toml:9:11
      |
    9 | fail_on = 2
      |           ^

    error: `check.outputs`: unknown format `pdf` (expected one of: human, json, markdown, sarif, junit, github, csv, openmetrics), or owners=DIR
      --> scimdrift.toml:10:12
       |
    10 | outputs = ["pdf=report.pdf", 7]
       |            ^^^^^^^^^^^^^^^^

    error: `each entry of `check.outputs`` must be a string, found an integer
      --> scimdrift.toml:10:30
       |
    10 | outputs = ["pdf=report.pdf", 7]
       |                              ^

    error: `check.state_dir` is empty
      --> scimdrift.toml:11:13
       |
    11 | state_dir = ""
       |             ^^

    error: 8 error(s) in the configuration file `scimdrift.toml`
    hint: fix the file, or run with --no-config to ignore it
    [exit status: 4]
    "#);
}

/// A token in the file is refused, wherever it is written, and no part of
/// it is ever printed (the excerpt stops at the key).
#[test]
fn a_token_in_the_file_is_refused_without_being_shown() {
    const SECRET: &str = "omni_org_key_CONFIG-SECRET-77";
    let dir = demo();
    write(
        dir.path(),
        "scimdrift.toml",
        &format!(
            "[connection]\nbase_url = \"https://blobsrus.omniapp.co\"\ntoken = \"{SECRET}\"\n"
        ),
    );
    let run = outcome(scimdrift(dir.path()).arg("check")).status(4);
    assert!(!run.stderr.contains(SECRET) && !run.stdout.contains(SECRET));
    assert_outcome!(run, @r#"
    --- stdout
    --- stderr
    error: a token does not belong in `scimdrift.toml`
     --> scimdrift.toml:3:1
      |
    3 | token = …
      | ^^^^^
      = hint: put the token in a file readable only by you and set `token_file` under [connection], or export OMNI_API_TOKEN

    error: 1 error(s) in the configuration file `scimdrift.toml`
    hint: fix the file, or run with --no-config to ignore it
    [exit status: 4]
    "#);

    // Other spellings, and lines that are not even valid TOML: the value
    // never reaches the output either.
    for text in [
        format!("api_token = \"{SECRET}\"\n"),
        format!("connection = {{ omni_api_token = \"{SECRET}\" }}\n"),
        format!("[connection]\ntoken = {SECRET}\n"),
        format!("connection.token = \"{SECRET}\n"),
    ] {
        write(dir.path(), "scimdrift.toml", &text);
        let run = outcome(scimdrift(dir.path()).arg("check")).status(4);
        assert!(
            !run.stderr.contains(SECRET) && !run.stderr.contains("CONFIG-SECRET"),
            "{text}\n{}",
            run.stderr
        );
        assert!(run.stderr.contains("scimdrift.toml:"), "{}", run.stderr);
    }
}

const FILE: &str = r#"# The demo's settings.
policies = "policies"

[connection]
base_url = "https://from-the-file.example"
rate_limit = 30
page_size = 500

[check]
fail_on = "never"
outputs = ["json=out/report.json"]
"#;

/// `scimdrift config` from a subdirectory: the file two levels up is found,
/// its paths are shown as seen from here, and each value says where it came
/// from.
#[test]
fn config_shows_every_setting_and_its_source() {
    let dir = demo();
    write(dir.path(), "scimdrift.toml", FILE);
    let sub = dir.path().join("teams/blue");
    std::fs::create_dir_all(&sub).unwrap();
    assert_outcome!(outcome(scimdrift(&sub).arg("config")).status(0), @r#"
    --- stdout
    # configuration file: ../../scimdrift.toml (the nearest one from the working directory upward)
    policies = "../../policies"               # ../../scimdrift.toml:2:12

    [connection]
    provider = "omni"                         # default
    base_url = "https://from-the-file.example"  # ../../scimdrift.toml:5:12
    path_case = "lower"                       # default
    rate_limit = "30/min"                     # ../../scimdrift.toml:6:14
    page_size = 500                           # ../../scimdrift.toml:7:13
    # token_file                              # not set
    # token: not set (export OMNI_API_TOKEN, or set token_file)

    [check]
    fail_on = "never"                         # ../../scimdrift.toml:10:11
    outputs = ["json=../../out/report.json"]  # ../../scimdrift.toml:11:11
    # state_dir                               # not set
    # full_report                             # not set
    --- stderr
    [exit status: 0]
    "#);

    // Flag beats environment beats file beats default.
    let run = outcome(
        scimdrift(&sub)
            .env("OMNI_BASE_URL", "https://from-the-env.example")
            .env("OMNI_API_TOKEN", "not-printed-token")
            .args([
                "config",
                "--",
                "--fail-on",
                "warning",
                "--path-case",
                "capitalized",
            ]),
    )
    .status(0);
    assert!(!run.stdout.contains("not-printed-token"));
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| {
            [
                "base_url",
                "fail_on",
                "path_case",
                "rate_limit",
                "provider",
                "# token",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"), @r#"
    provider = "omni"                         # default
    base_url = "https://from-the-env.example"  # environment: OMNI_BASE_URL
    path_case = "capitalized"                 # command line: --path-case
    rate_limit = "30/min"                     # ../../scimdrift.toml:6:14
    # token_file                              # not set
    # token: read from OMNI_API_TOKEN, never shown
    fail_on = "warning"                       # command line: --fail-on
    "#);
    let run = outcome(
        scimdrift(&sub)
            .env("OMNI_BASE_URL", "https://from-the-env.example")
            .args([
                "config",
                "--",
                "--base-url",
                "https://from-the-flag.example",
            ]),
    )
    .status(0);
    assert!(
        run.stdout
            .contains("base_url = \"https://from-the-flag.example\"  # command line: --base-url"),
        "{}",
        run.stdout
    );

    // --no-config: defaults only. --config: that file.
    let run = outcome(scimdrift(&sub).args(["config", "--no-config"])).status(0);
    assert!(
        run.stdout
            .starts_with("# configuration file: none (--no-config)\npolicies = \"policies\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("fail_on = \"error\"  "),
        "{}",
        run.stdout
    );
    write(dir.path(), "other.toml", "[check]\nfail_on = \"note\"\n");
    let run = outcome(scimdrift(&sub).args(["config", "--config", "../../other.toml"])).status(0);
    assert!(
        run.stdout
            .starts_with("# configuration file: ../../other.toml (--config)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("# ../../other.toml:2:11"),
        "{}",
        run.stdout
    );
}

/// What `check` does follows the same layers: the file's `fail_on =
/// "never"` turns the demo's drift into exit 0, the flag turns it back;
/// the file's outputs are written next to the file, from a subdirectory.
#[test]
fn check_follows_flag_over_file_over_default() {
    let dir = demo();
    write(dir.path(), "scimdrift.toml", FILE);
    let sub = dir.path().join("teams");
    std::fs::create_dir_all(&sub).unwrap();
    let check = |extra: &[&str]| {
        let mut cmd = scimdrift(&sub);
        cmd.args([
            "check",
            "--snapshot",
            "../org.json",
            "--now",
            DEMO_NOW,
            "--format",
            "json",
        ])
        .args(extra);
        outcome(&mut cmd)
    };
    // The file: fail_on = "never", outputs written beside the file.
    let run = check(&[]).status(0);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["status"], "clean");
    assert!(report["summary"]["total"].as_u64().unwrap() > 10);
    assert!(dir.path().join("out/report.json").is_file());
    // The flag beats the file.
    check(&["--fail-on", "error"]).status(2);
    // --no-config: the default (error), and `policies` as the flag's
    // default, which does not exist from here.
    let run = check(&["--no-config"]).status(4);
    assert!(run.stderr.contains("policies"), "{}", run.stderr);
    let run = check(&["--no-config", "--policies", "../policies"]).status(2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["fail_on"], "error");
}

/// `validate` from a subdirectory finds the file upward and reads the
/// policies it names; a file in a directory below a world-writable one
/// is still found, but the search never reads one in (or above) such a
/// directory.
#[test]
fn discovery_from_a_subdirectory() {
    let dir = demo();
    std::fs::rename(dir.path().join("policies"), dir.path().join("access")).unwrap();
    write(dir.path(), "scimdrift.toml", "policies = \"access\"\n");
    let deep = dir.path().join("a/b/c");
    std::fs::create_dir_all(&deep).unwrap();
    let run = outcome(scimdrift(&deep).arg("validate")).status(0);
    assert!(run.stdout.starts_with("ok: 5 file(s)"), "{}", run.stdout);
    // Without the file, `policies` is not there.
    outcome(scimdrift(&deep).args(["validate", "--no-config"])).status(4);
}

/// Env beats file for the base URL in a live run: the file names a host
/// that does not exist, OMNI_BASE_URL the simulator; the file's
/// `token_file` is used because OMNI_API_TOKEN is not set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_beats_file_in_a_live_check() {
    let text = std::fs::read_to_string(root().join("demo/org.json")).unwrap();
    let org: Snapshot = serde_json::from_str(&text).unwrap();
    let sim = Simulator::start(SimConfig::new(org).rate_limit(None))
        .await
        .unwrap();
    let dir = demo();
    write(dir.path(), "token.txt", DEFAULT_TOKEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(
            dir.path().join("token.txt"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    write(
        dir.path(),
        "scimdrift.toml",
        "[connection]\nbase_url = \"http://127.0.0.1:9\"\nrate_limit = \"600000/min\"\ntoken_file = \"token.txt\"\n",
    );
    let base_url = sim.base_url();
    let run = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || {
            outcome(
                scimdrift(&dir)
                    .env("OMNI_BASE_URL", base_url)
                    .args(["check", "--quiet", "--now", DEMO_NOW, "--format", "json"]),
            )
        }
    })
    .await
    .unwrap()
    .status(2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["source"]["base_url"], sim.base_url());
    sim.shutdown().await;
}
