//! The journal: one JSON line per operation, appended and fsynced before the
//! next request, so that an apply cut off at any moment leaves a record of
//! everything it sent and what came of it. It never holds the token (no
//! header is recorded, and server texts are scrubbed by the writer).

use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::ApplyError;

/// The default journal of a plan file: `plan.json` ⇒ `plan.journal.jsonl`.
pub fn default_path(plan: &Path) -> PathBuf {
    plan.with_extension("journal.jsonl")
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// The apply starts.
    Start {
        /// When.
        at: String,
        /// The plan's checksum.
        plan: String,
        /// The target's SCIM base (no credentials).
        target: String,
        /// Groups in the plan.
        groups: usize,
    },
    /// One group's operation (its precondition read, the write, and what
    /// came of it).
    Operation {
        /// The plan's checksum.
        plan: String,
        /// The group's display name.
        group: String,
        /// Its id (for a create: the new id, when known).
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// `PATCH /…/groups/ID` or `POST /…/groups`.
        op: String,
        /// The membership changes: `+id` and `-id`.
        changes: Vec<String>,
        /// When the (first) write was sent; absent when none was.
        #[serde(skip_serializing_if = "Option::is_none")]
        sent_at: Option<String>,
        /// Writes sent.
        attempts: u32,
        /// The last HTTP status of the write, when an answer came back.
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// applied, already_true, skipped_precondition or failed.
        outcome: crate::Outcome,
        /// Why, in words.
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// A group re-read after the writes.
    Verify {
        /// The group's display name.
        group: String,
        /// Its id.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Whether every planned change holds.
        verified: bool,
        /// What does not hold.
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// The apply stopped on an error that ends it (the key rejected, the
    /// server unreachable); the lines above say what was done before. No
    /// `end` line follows.
    Abort {
        /// When.
        at: String,
        /// The group being written or verified when it stopped.
        group: String,
        /// Why, in words (never a credential).
        error: String,
    },
    /// The apply ends.
    End {
        /// When.
        at: String,
        /// Groups applied (or already true) and verified.
        verified: usize,
        /// Groups skipped, failed or unverified.
        not_done: usize,
    },
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (creating or appending to) the journal file.
    pub fn open(path: &Path) -> Result<Journal, ApplyError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| ApplyError::Journal {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Journal {
            path: path.to_owned(),
            file,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and syncs it to disk.
    pub fn append(&mut self, entry: &Entry) -> Result<(), ApplyError> {
        let mut line = serde_json::to_string(entry)
            .map_err(|e| ApplyError::Internal(format!("cannot encode a journal entry: {e}")))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_all())
            .map_err(|source| ApplyError::Journal {
                path: self.path.display().to_string(),
                source,
            })
    }
}

/// The time, for the journal: the one clock the apply reads.
pub fn timestamp() -> String {
    #[expect(
        clippy::disallowed_methods,
        reason = "the journal records when each write was sent"
    )]
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Millisecond)
        .unwrap_or(now)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_paths() {
        assert_eq!(
            default_path(Path::new("plan.json")),
            Path::new("plan.journal.jsonl")
        );
        assert_eq!(
            default_path(Path::new("out/p")),
            Path::new("out/p.journal.jsonl")
        );
    }

    #[test]
    fn lines_are_appended_one_json_object_each() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        for _ in 0..2 {
            let mut j = Journal::open(&path).unwrap();
            j.append(&Entry::Verify {
                group: "g".into(),
                id: Some("1".into()),
                verified: true,
                detail: None,
            })
            .unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "{\"event\":\"verify\",\"group\":\"g\",\"id\":\"1\",\"verified\":true}\n".repeat(2)
        );
    }
}
