//! `--help` of the commands, snapshotted so changes show in review.

use crate::support::{outcome, scimdrift};

/// Every command that reads a snapshot file documents the size limit's
/// environment variable in its `--help` (and `-h`).
#[test]
fn snapshot_readers_document_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        &["check"][..],
        &["review"],
        &["diff"],
        &["filter", "eval"],
        &["plan"],
    ] {
        let name = command.join("_");
        // Terminal size from the environment would change the wrapping.
        let help = |flag: &str| {
            outcome(
                scimdrift(dir.path())
                    .env_remove("COLUMNS")
                    .env_remove("LINES")
                    .args(command)
                    .arg(flag),
            )
        };
        let long = help("--help").status(0);
        insta::assert_snapshot!(format!("help_{name}"), long.stdout);
        let short = help("-h").status(0);
        assert!(
            short
                .stdout
                .contains("Environment:\n  SCIMDRIFT_MAX_SNAPSHOT_MB  "),
            "{name} -h: {short}"
        );
    }
}
