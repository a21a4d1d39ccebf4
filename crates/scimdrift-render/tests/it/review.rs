use crate::fixture;
use scimdrift_proto::{Filter, Snapshot};
use scimdrift_reconcile::{PolicySource, SubjectKind, applicable_rules, load_policies};
use scimdrift_render::review::{self, ReviewDeclaration, ReviewFilter, ReviewTimeBound};

fn snapshot() -> Snapshot {
    serde_json::from_str(
        r#"{
  "schema": "scimdrift.snapshot/v1",
  "groups": [
    {"id": "g-all", "displayName": "All Embed Users", "members": [{"value": "eu-acme-support-7"}, {"value": "eu-acme-2"}, {"value": "eu-beta-1"}]},
    {"id": "g-sup", "displayName": "Support Escalations", "members": [{"value": "eu-acme-support-7"}]},
    {"id": "g-acme", "displayName": "acme", "members": [{"value": "eu-acme-2"}]}
  ],
  "users": [],
  "embed_users": [
    {"id": "eu-acme-2", "userName": "acme-2@embed", "embedExternalId": "acme-2", "embedEntity": "acme", "active": true},
    {"id": "eu-acme-support-7", "userName": "acme-support-7@embed", "embedExternalId": "acme-support-7", "embedEntity": "acme", "active": true},
    {"id": "eu-beta-1", "userName": "beta-1@embed", "embedExternalId": "beta-1<script>", "embedEntity": "beta", "active": false}
  ]
}"#,
    )
    .unwrap()
}

fn build(select: &ReviewFilter<'_>) -> review::Review {
    let mut report = fixture::sample();
    // An open finding for a beta user too, so both entities chart.
    let mut beta = report.findings[4].clone();
    beta.id = "f9".into();
    beta.rule = "beta-isolation".into();
    beta.exception = None;
    beta.subject = Some(fixture::embed("beta-1<script>", "beta"));
    beta.subject.as_mut().unwrap().id = Some("eu-beta-1".into());
    report.findings.push(beta);
    // The engine decides which rules apply to whom; the review lists it.
    let policies = load_policies(&[PolicySource {
        path: "embed.yaml".into(),
        contents: r#"
version: 1
embed_users:
  - id: acme-isolation
    where: 'embedEntity eq "acme"'
    must_not_be_in: ["beta"]
  - id: all-embed
    must_be_in: ["All Embed Users"]
"#
        .into(),
    }])
    .unwrap()
    .policies;
    let applied = applicable_rules(
        &snapshot(),
        &policies,
        SubjectKind::EmbedUser,
        "2027-01-01T00:00:00Z".parse().unwrap(),
    );
    let decls = [ReviewDeclaration {
        rule: "group:Support Escalations".into(),
        embed_users: vec!["acme-support-7".into()],
        time_bound: vec![ReviewTimeBound {
            embed_user: "acme-support-7".into(),
            until: "2027-03-31".into(),
            reason: "support rota cover".into(),
            ticket: Some("SEC-9".into()),
        }],
    }];
    review::build(&snapshot(), &report, &applied, &decls, select).unwrap()
}

#[test]
fn every_embed_user_with_groups_rules_findings_and_exceptions() {
    let r = build(&ReviewFilter::default());
    assert_eq!(r.users.len(), 3);
    let sup = r
        .users
        .iter()
        .find(|u| u.external_id == "acme-support-7")
        .unwrap();
    assert_eq!(sup.groups, ["All Embed Users", "Support Escalations"]);
    // The time-bound membership is listed with its terms.
    assert_eq!(sup.time_bound.len(), 1);
    assert_eq!(
        (
            sup.time_bound[0].group.as_str(),
            sup.time_bound[0].until.as_str()
        ),
        ("Support Escalations", "2027-03-31")
    );
    assert_eq!(
        sup.rules,
        ["acme-isolation", "all-embed", "group:Support Escalations"]
    );
    assert_eq!(sup.findings.len(), 1);
    let e = sup.findings[0].exception.as_ref().unwrap();
    assert_eq!(
        (e.owner.as_deref(), e.ticket.as_deref(), e.expires.as_str()),
        (Some("security@blobsrus.co"), Some("SEC-123"), "2027-01-31")
    );
    let beta = r.users.iter().find(|u| u.entity == "beta").unwrap();
    assert_eq!(beta.rules, ["all-embed", "beta-isolation"]);
    assert_eq!(r.summary.users_with_open_findings, 1);
    insta::assert_snapshot!("json", review::render_json(&r));
    insta::assert_snapshot!("markdown", review::render_markdown(&r));
    insta::assert_snapshot!("csv", review::render_csv(&r));
    insta::assert_snapshot!("html", review::render_html(&r));
}

#[test]
fn entity_and_where_filters() {
    let r = build(&ReviewFilter {
        entities: vec!["beta".into()],
        ..ReviewFilter::default()
    });
    assert_eq!(r.users.len(), 1);
    assert_eq!(r.evidence.entities, ["beta"]);
    let f = Filter::parse("active eq true").unwrap();
    let r = build(&ReviewFilter {
        filter: Some(&f),
        filter_text: Some("active eq true".into()),
        ..ReviewFilter::default()
    });
    let ids: Vec<&str> = r.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["eu-acme-2", "eu-acme-support-7"]);
    assert_eq!(r.evidence.where_.as_deref(), Some("active eq true"));
}

#[test]
fn html_is_self_contained_and_escaped() {
    let html = review::render_html(&build(&ReviewFilter::default()));
    assert!(!html.contains("<script"), "user values are escaped");
    assert!(html.contains("beta-1&lt;script&gt;"));
    for needle in ["http://", "https://", "src=", "href=", "@import", "url("] {
        let outside_svg_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !outside_svg_ns.contains(needle),
            "no network reference: {needle}"
        );
    }
    assert_eq!(html.matches("<svg").count(), 2);
}

#[test]
fn every_format_carries_the_evidence() {
    let r = build(&ReviewFilter::default());
    let sha = &r.evidence.snapshot_sha256;
    for text in [
        review::render_json(&r),
        review::render_markdown(&r),
        review::render_csv(&r),
        review::render_html(&r),
    ] {
        assert!(text.contains(sha.as_str()));
        assert!(text.contains("2026-11-20T09:00:00Z"));
        assert!(text.contains("demo/org.json"));
        assert!(text.contains("0.1.0"));
        assert!(text.contains(&"aa".repeat(32)), "policy file hash");
    }
}
