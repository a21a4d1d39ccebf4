//! What init declared, inferred and left out, for the summary on stderr.

use std::fmt;

/// What init did, and what it did not infer and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Live groups in the snapshot.
    pub groups_live: usize,
    /// Groups declared `exact` with one member list.
    pub exact: usize,
    /// Groups declared `exact` with both a `users` and an `embed_users` list.
    pub both_lists: usize,
    /// Groups declared `at_least` (some members could not be named).
    pub at_least: usize,
    /// Groups declared `unmanaged`.
    pub unmanaged: usize,
    /// Groups listed in `ignore_groups` (they cannot be declared).
    pub ignored: usize,
    /// Groups that can be neither declared nor ignored (no usable name).
    pub undeclarable: usize,
    /// One line per inferred rule.
    pub rules: Vec<String>,
    /// Exceptions written for today's deviations.
    pub exceptions: usize,
    /// Their expiry day.
    pub exceptions_expire: Option<jiff::civil::Date>,
    /// What was not inferred, and why (one line each).
    pub not_inferred: Vec<String>,
    /// Dangling members (ids matching no user), one line each.
    pub dangling: Vec<String>,
}

impl Summary {
    /// Live groups whose membership the declarations check (exact or at_least).
    pub fn membership_checked(&self) -> usize {
        self.exact + self.both_lists + self.at_least
    }
}

/// A few example names for a summary line.
#[derive(Debug, Default)]
pub(crate) struct Examples {
    count: usize,
    names: Vec<String>,
}

const EXAMPLES: usize = 3;

impl Examples {
    pub fn push(&mut self, name: &str) {
        self.count += 1;
        if self.names.len() < EXAMPLES {
            self.names
                .push(format!("`{}`", crate::escape::comment_text(name)));
        }
    }

    /// Adds "N groups (`a`, `b`, …): <what>" to `lines` when there are any.
    pub fn note(&self, lines: &mut Vec<String>, what: &str) {
        if self.count == 0 {
            return;
        }
        let more = if self.count > self.names.len() {
            ", …"
        } else {
            ""
        };
        let groups = if self.count == 1 { "group" } else { "groups" };
        lines.push(format!(
            "{} {groups} ({}{more}): {what}",
            self.count,
            self.names.join(", ")
        ));
    }
}

/// Lines of a list shown in full up to this many.
const SHOWN: usize = 20;

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "declared {} of {} live groups: {} exact, {} with both user lists, {} at_least, {} unmanaged; {} ignored",
            self.exact + self.both_lists + self.at_least + self.unmanaged,
            self.groups_live,
            self.exact,
            self.both_lists,
            self.at_least,
            self.unmanaged,
            self.ignored
        )?;
        if self.rules.is_empty() {
            writeln!(f, "rules inferred: none")?;
        } else {
            writeln!(f, "rules inferred:")?;
            for r in &self.rules {
                writeln!(f, "  - {r}")?;
            }
        }
        match self.exceptions_expire {
            Some(day) if self.exceptions > 0 => writeln!(
                f,
                "exceptions: {} for today's deviations, expiring {day}: review each one",
                self.exceptions
            )?,
            _ => writeln!(f, "exceptions: none")?,
        }
        if !self.not_inferred.is_empty() {
            writeln!(f, "not inferred:")?;
            for line in &self.not_inferred {
                writeln!(f, "  - {line}")?;
            }
        }
        if !self.dangling.is_empty() {
            writeln!(
                f,
                "dangling members (cannot be declared; `check` reports each as member_dangling):"
            )?;
            for line in self.dangling.iter().take(SHOWN) {
                writeln!(f, "  - {line}")?;
            }
            if self.dangling.len() > SHOWN {
                writeln!(f, "  - … and {} more", self.dangling.len() - SHOWN)?;
            }
        }
        let checked = self.membership_checked();
        let percent = (checked * 100).checked_div(self.groups_live).unwrap_or(100);
        writeln!(
            f,
            "coverage: the membership of {checked} of {} live groups ({percent}%) is declared",
            self.groups_live
        )
    }
}
