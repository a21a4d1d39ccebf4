//! Acceptance 2 through the library: every fault the simulator can throw at
//! a write, and each time the server's final state, the outcome per group,
//! the journal and the number of writes sent (a lost answer is settled by a
//! re-read, never by sending the write again blindly).

use crate::support::*;
use scimdrift_apply::{Ending, Outcome};
use scimdrift_sim::FaultSpec;
use serde_json::json;

/// [`three_groups`] plus Sales, which only loses u5 (every op kind: a
/// patch with a remove and an add, one with an add only, one with a remove
/// only, and a create).
fn four_groups() -> (scimdrift_proto::Snapshot, String) {
    let org = org(
        &[
            ("g-eng", "Engineering", &[1, 2, 3, 4, 5]),
            ("g-ops", "Ops", &[1, 2, 3, 4]),
            ("g-sales", "Sales", &[1, 2, 3, 4, 5]),
        ],
        8,
    );
    let yaml = format!(
        "{THREE_GROUPS}  - name: Sales\n    members: exact\n    users: [u1@x.co, u2@x.co, u3@x.co, u4@x.co]\n"
    );
    (org, yaml)
}

/// The state every test that applies the whole plan must end in.
fn assert_final_state(sim: &scimdrift_sim::Simulator) {
    assert_eq!(members(sim, "Engineering"), Some(ids(&[1, 2, 3, 4, 6])));
    assert_eq!(members(sim, "Ops"), Some(ids(&[1, 2, 3, 4, 7])));
    assert_eq!(members(sim, "Sales"), Some(ids(&[1, 2, 3, 4])));
    assert_eq!(members(sim, "Data"), Some(ids(&[2, 8])));
}

fn assert_no_token(dir: &std::path::Path, report: &scimdrift_apply::ApplyReport) {
    let text = std::fs::read_to_string(dir.join("plan.journal.jsonl")).unwrap();
    assert!(!text.contains(TOKEN));
    assert!(!format!("{report:?}").contains(TOKEN));
}

/// Writes sent per request line (`PATCH /api/scim/v2/groups/g-eng`).
fn write_counts(sim: &scimdrift_sim::Simulator) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for r in writes(sim) {
        *counts
            .entry(format!("{} {}", r.method, r.path))
            .or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_apply_applies_verifies_and_journals_every_group() {
    let (org, yaml) = four_groups();
    let sim = start(org, FaultSpec::default()).await;
    let plan = plan_live(&sim, &yaml).await;
    assert_eq!(plan.groups.len(), 4);
    sim.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let report = apply(&sim, &plan, dir.path()).await;
    assert_eq!(report.ending(), Ending::Done, "{report:#?}");
    assert!(
        report
            .groups
            .iter()
            .all(|g| g.outcome == Outcome::Applied && g.attempts == 1)
    );
    assert_final_state(&sim);
    // One write per group, each the plan's exact body.
    for (g, w) in plan.groups.iter().zip(writes(&sim)) {
        let sent: serde_json::Value = serde_json::from_str(w.body.as_deref().unwrap()).unwrap();
        assert_eq!(sent, g.body);
    }
    assert_eq!(writes(&sim).len(), 4);
    // 4 precondition reads, 4 writes, 4 verification reads.
    assert_eq!(report.counts.requests, 12);
    let lines = journal(dir.path());
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "start",
            "operation",
            "operation",
            "operation",
            "operation",
            "verify",
            "verify",
            "verify",
            "verify",
            "end"
        ]
    );
    let data = &lines[1];
    assert_eq!(data["group"], "Data");
    assert_eq!(data["op"], "POST /api/scim/v2/groups");
    assert_eq!(data["status"], 201);
    assert_eq!(data["outcome"], "applied");
    assert!(data["sent_at"].is_string());
    assert_no_token(dir.path(), &report);
    // Applying the same plan again changes nothing: every group is already
    // as planned.
    sim.clear_requests();
    let again = apply(&sim, &plan, dir.path()).await;
    assert!(
        again
            .groups
            .iter()
            .all(|g| g.outcome == Outcome::AlreadyTrue),
        "{again:#?}"
    );
    assert_eq!(again.ending(), Ending::Done);
    assert!(writes(&sim).is_empty());
    assert_final_state(&sim);
}

async fn processed_then_failed(faults: &str) {
    let (org, yaml) = four_groups();
    let sim = start(org, faults.parse().unwrap()).await;
    let plan = plan_live(&sim, &yaml).await;
    sim.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let report = apply(&sim, &plan, dir.path()).await;
    assert_eq!(report.ending(), Ending::Done, "{faults}: {report:#?}");
    for g in &report.groups {
        assert_eq!(g.outcome, Outcome::Applied, "{faults}: {g:#?}");
        assert_eq!(g.verified, Some(true));
        assert_eq!(g.attempts, 1, "{faults}: a write was sent again");
        assert!(
            g.detail
                .as_deref()
                .unwrap()
                .contains("a re-read shows the change took effect"),
            "{g:#?}"
        );
    }
    // Each write went out exactly once: the re-read settled it.
    assert!(
        write_counts(&sim).values().all(|n| *n == 1),
        "{:?}",
        write_counts(&sim)
    );
    assert_eq!(write_counts(&sim).len(), 4);
    assert_final_state(&sim);
    assert_no_token(dir.path(), &report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_processed_then_answered_500_are_settled_by_a_reread() {
    processed_then_failed("write-500=1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_processed_then_cut_off_are_settled_by_a_reread() {
    processed_then_failed("write-reset=1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_and_errors_everywhere_still_end_in_the_planned_state() {
    for seed_faults in [
        "reset=0.2,500=0.1,502=0.1",
        "reset=0.3,write-500=0.2",
        "truncate=0.2,write-reset=0.2,503=0.1",
    ] {
        let (org, yaml) = four_groups();
        let sim = start(org, scimdrift_sim::FaultSpec::default()).await;
        let plan = plan_live(&sim, &yaml).await;
        drop(sim);
        // The plan is computed without faults; the apply meets them.
        let (org, _) = four_groups();
        let sim = start(org, seed_faults.parse().unwrap()).await;
        let plan = rebase(&plan, &sim);
        let dir = tempfile::tempdir().unwrap();
        let report = apply(&sim, &plan, dir.path()).await;
        assert_eq!(report.ending(), Ending::Done, "{seed_faults}: {report:#?}");
        assert_final_state(&sim);
        assert_no_token(dir.path(), &report);
        // A write was sent again only after a re-read showed it had not
        // taken effect: never more than once past what the faults refused.
        for g in &report.groups {
            assert!(g.attempts >= 1);
        }
    }
}

/// The plan with its base URL pointed at `sim` (same org, new port).
fn rebase(plan: &scimdrift_plan::Plan, sim: &scimdrift_sim::Simulator) -> scimdrift_plan::Plan {
    let mut plan = plan.clone();
    plan.source.base_url = Some(format!("{}/api/scim/v2", sim.base_url()));
    scimdrift_plan::checksum::seal(&mut plan);
    plan
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out_and_nothing_is_written_twice() {
    let (org, yaml) = four_groups();
    let sim = start(org, FaultSpec::default()).await;
    let plan = plan_live(&sim, &yaml).await;
    drop(sim);
    let (org, _) = four_groups();
    let sim = start(org, "storm=0.3,storm-len=3".parse().unwrap()).await;
    let plan = rebase(&plan, &sim);
    let dir = tempfile::tempdir().unwrap();
    let report = apply(&sim, &plan, dir.path()).await;
    assert_eq!(report.ending(), Ending::Done, "{report:#?}");
    assert!(report.counts.rate_limited > 0, "no storm hit: {report:#?}");
    assert_final_state(&sim);
    // A 429 is refused before it is processed: the write is sent again, and
    // exactly one of its copies was answered 2xx.
    for (line, _) in write_counts(&sim) {
        let ok = writes(&sim)
            .iter()
            .filter(|r| format!("{} {}", r.method, r.path) == line && r.status < 300)
            .count();
        assert_eq!(ok, 1, "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_retry_after_is_honoured() {
    let (org, yaml) = four_groups();
    let sim = start(org, FaultSpec::default()).await;
    let plan = plan_live(&sim, &yaml).await;
    drop(sim);
    let (org, _) = four_groups();
    let sim = start(org, "503=0.2,503-retry-after=1".parse().unwrap()).await;
    let plan = rebase(&plan, &sim);
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(&sim);
    options.backoff_max = std::time::Duration::from_secs(5);
    scimdrift_apply::check(&plan, &options, &guards()).unwrap();
    let writer = scimdrift_apply::Writer::new(&options, token()).unwrap();
    let mut journal =
        scimdrift_apply::Journal::open(&dir.path().join("plan.journal.jsonl")).unwrap();
    let started = std::time::Instant::now();
    let report = scimdrift_apply::apply(&plan, &writer, &mut journal)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let unavailable = sim.requests().iter().filter(|r| r.status == 503).count();
    assert!(unavailable > 0, "no 503 was drawn");
    // Each 503 held everything back for its Retry-After of one second.
    assert!(
        elapsed >= std::time::Duration::from_secs(u64::try_from(unavailable).unwrap()),
        "{unavailable} 503s in {elapsed:?}"
    );
    assert_eq!(report.ending(), Ending::Done, "{report:#?}");
    assert_final_state(&sim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_changed_between_plan_and_apply_is_skipped_and_the_others_applied() {
    let (org, yaml) = four_groups();
    let sim = start(org, FaultSpec::default()).await;
    let plan = plan_live(&sim, &yaml).await;
    // Someone adds u8 to Ops in the UI after the plan was made.
    let status = sim.edit_group(
        "g-ops",
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": uid(8)}]}],
        }),
    );
    assert_eq!(status, 200);
    sim.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let report = apply(&sim, &plan, dir.path()).await;
    assert_eq!(report.ending(), Ending::Partial, "{report:#?}");
    let ops = report
        .groups
        .iter()
        .find(|g| g.display_name == "Ops")
        .unwrap();
    assert_eq!(ops.outcome, Outcome::SkippedPrecondition);
    assert_eq!(
        ops.detail.as_deref(),
        Some(format!("its members changed since the plan (+{} since)", uid(8)).as_str())
    );
    // Ops is as the other person left it; nothing was sent to it.
    assert_eq!(members(&sim, "Ops"), Some(ids(&[1, 2, 3, 4, 8])));
    assert!(writes(&sim).iter().all(|w| !w.path.ends_with("/g-ops")));
    // The other groups went ahead.
    assert_eq!(members(&sim, "Engineering"), Some(ids(&[1, 2, 3, 4, 6])));
    assert_eq!(members(&sim, "Sales"), Some(ids(&[1, 2, 3, 4])));
    assert_eq!(members(&sim, "Data"), Some(ids(&[2, 8])));
    let lines = journal(dir.path());
    let skipped = lines.iter().find(|l| l["group"] == "Ops").unwrap();
    assert_eq!(skipped["outcome"], "skipped_precondition");
    assert_eq!(skipped["attempts"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_created_by_someone_else_meanwhile_is_skipped() {
    let (org, yaml) = four_groups();
    let sim = start(org, FaultSpec::default()).await;
    let plan = plan_live(&sim, &yaml).await;
    sim.mutate(|s| {
        s.push(
            scimdrift_sim::Kind::Groups,
            scimdrift_proto::Resource::from_value(
                &json!({"id": "g-data", "displayName": "Data", "members": []}),
            )
            .unwrap(),
        );
    });
    let dir = tempfile::tempdir().unwrap();
    let report = apply(&sim, &plan, dir.path()).await;
    assert_eq!(report.ending(), Ending::Partial);
    let data = report
        .groups
        .iter()
        .find(|g| g.display_name == "Data")
        .unwrap();
    assert_eq!(data.outcome, Outcome::SkippedPrecondition);
    assert_eq!(members(&sim, "Data"), Some(ids(&[])));
    assert!(writes(&sim).iter().all(|w| w.method != "POST"));
}
