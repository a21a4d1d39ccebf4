//! Rule evaluation runs on rayon; a single-threaded run must give the same
//! bytes.

use crate::support::{fixtures, read_policies};
use scimdrift_proto::Snapshot;
use scimdrift_reconcile::{CheckOptions, ReportSource, check, load_policies};

#[test]
fn parallel_and_single_threaded_reports_are_identical() {
    let text = std::fs::read_to_string(fixtures().join("../../demo/org.json")).unwrap();
    let snapshot: Snapshot = serde_json::from_str(&text).unwrap();
    let files = read_policies(&fixtures().join("../../policies"));
    let loaded = load_policies(&files).unwrap();
    let opts = CheckOptions::new(
        "2027-03-25T09:00:00Z".parse().unwrap(),
        ReportSource::default(),
    );
    let parallel = serde_json::to_string(&check(&snapshot, &loaded.policies, &opts)).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let single =
        pool.install(|| serde_json::to_string(&check(&snapshot, &loaded.policies, &opts)).unwrap());
    assert_eq!(parallel, single);
}
