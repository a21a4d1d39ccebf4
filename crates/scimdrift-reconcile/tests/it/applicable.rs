//! `applicable_rules` is the engine's own decision: the rules it lists for
//! a subject are the rules `check` evaluates on it.

use scimdrift_proto::{Resource, Snapshot, SnapshotSource};
use scimdrift_reconcile::{
    AppliedRules, CheckOptions, PolicySource, ReportSource, SubjectKind, applicable_rules, check,
    load_policies,
};

const POLICY: &str = r#"
version: 1
embed_users:
  - id: acme
    where: 'embedEntity eq "acme"'
    must_be_in: ["Acme"]
  - id: active
    where: 'active eq true'
    must_be_in: ["Active"]
  - id: everyone
    must_be_in: ["All"]
  - id: numbered
    where: 'embedEntity gt 5'
    must_be_in: ["Numbered"]
  - id: idle
    inactive_for: 30d
    must_be_in: ["Idle"]
users:
  - id: staff
    must_be_in: ["Staff"]
"#;

fn now() -> jiff::Timestamp {
    "2027-01-01T00:00:00Z".parse().unwrap()
}

fn snapshot() -> Snapshot {
    let mut snapshot = Snapshot::new(SnapshotSource::default());
    for json in [
        // Entity-scoped rules match case-insensitively, as the filter does.
        // Idle since 2026 (`idle` applies to it).
        r#"{"id": "e1", "embedExternalId": "x1", "embedEntity": "ACME", "active": true,
            "urn:omni:params:scim:schemas:extension:user:2.0": {"lastLogin": "2026-06-02T00:00:00Z"}}"#,
        // Never logged in and no creation date: `idle` cannot be decided.
        r#"{"id": "e2", "embedExternalId": "x2", "embedEntity": "globex", "active": false}"#,
        // A non-ASCII entity goes through every filter. Logged in recently.
        r#"{"id": "e3", "embedExternalId": "x3", "embedEntity": "Ünited",
            "urn:omni:params:scim:schemas:extension:user:2.0": {"lastLogin": "2026-12-30T00:00:00Z"}}"#,
        // Not a valid SCIM user: no rule is decided for it.
        r#"{"id": "e4", "embedExternalId": 7}"#,
    ] {
        snapshot
            .embed_users
            .push(Resource::from_json(json).unwrap());
    }
    snapshot
        .users
        .push(Resource::from_json(r#"{"id": "u1", "userName": "alice"}"#).unwrap());
    snapshot
}

#[test]
fn the_rules_that_apply_are_the_rules_check_evaluates() {
    let source = PolicySource {
        path: "p.yaml".into(),
        contents: POLICY.into(),
    };
    let policies = load_policies(&[source]).unwrap().policies;
    let snapshot = snapshot();

    let embed = applicable_rules(&snapshot, &policies, SubjectKind::EmbedUser, now());
    let decided = |a: &AppliedRules| {
        let errors: Vec<String> = a.errors.iter().map(|e| e.rule.clone()).collect();
        (a.rules.clone(), errors)
    };
    let decisions: Vec<_> = embed.iter().map(|a| a.as_ref().map(decided)).collect();
    let everyone = || vec!["everyone".to_owned()];
    assert_eq!(
        decisions,
        [
            Some((
                vec![
                    "acme".into(),
                    "active".into(),
                    "everyone".into(),
                    "idle".into()
                ],
                vec!["numbered".to_owned()]
            )),
            Some((everyone(), vec!["numbered".to_owned(), "idle".to_owned()])),
            Some((everyone(), vec!["numbered".to_owned()])),
            None,
        ]
    );
    let message = &embed[0].as_ref().unwrap().errors[0].message;
    let users = applicable_rules(&snapshot, &policies, SubjectKind::User, now());
    assert_eq!(
        users,
        [Some(AppliedRules {
            rules: vec!["staff".to_owned()],
            errors: Vec::new(),
        })]
    );

    // `check` evaluated the same rules on the same subjects.
    let report = check(
        &snapshot,
        &policies,
        &CheckOptions::new(now(), ReportSource::default()),
    );
    assert_eq!(report.summary.coverage.embed_users_governed, 3);
    assert_eq!(report.summary.coverage.users_governed, 1);
    let expected = format!(
        "rule `numbered`: the `where` filter could not be evaluated for 3 subject(s): {message}"
    );
    assert!(
        report.incomplete_reasons.contains(&expected),
        "{:?}",
        report.incomplete_reasons
    );
    let idle = "rule `idle`: `inactive_for: 30d` could not be evaluated for 1 subject(s): \
                embed user `x2` (entity `globex`): never logged in, and has no `meta.created` to date it by";
    assert!(
        report.incomplete_reasons.iter().any(|r| r == idle),
        "{:?}",
        report.incomplete_reasons
    );
    let idle_finding = report
        .findings
        .iter()
        .find(|f| f.rule == "idle")
        .expect("an idle finding");
    assert_eq!(
        idle_finding.message,
        "embed user `x1` (entity `ACME`) must be in `Idle` but is not; last login 2026-06-02, 213 days before now"
    );
    let mut required: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter_map(|f| Some((f.subject.as_ref()?.id.as_deref()?, f.rule.as_str())))
        .collect();
    required.sort_unstable();
    assert_eq!(
        required,
        [
            ("e1", "acme"),
            ("e1", "active"),
            ("e1", "everyone"),
            ("e1", "idle"),
            ("e2", "everyone"),
            ("e3", "everyone"),
            ("u1", "staff"),
        ]
    );
}
