//! What the report says beside the findings: coverage (which live
//! identities some rule or declaration governs) and the list of everything
//! that was evaluated. The summary's counts and the status are derived by
//! `scimdrift_report` ([`Summary::count`], [`Status::derive`]), the one
//! definition PR mode shares.
//!
//! [`Summary::count`]: scimdrift_report::Summary::count
//! [`Status::derive`]: scimdrift_report::Status::derive

use super::index::Index;
use crate::model::{Policies, SubjectKind};
use scimdrift_report::{Coverage, EvaluatedRule, PolicyLocation, RuleKind};

/// Per live identity (index order): whether a rule or a declaration governs it.
pub(super) struct Governed {
    pub(super) users: Vec<bool>,
    pub(super) embed: Vec<bool>,
}

impl Governed {
    /// Nobody governed yet.
    pub(super) fn new(index: &Index<'_>) -> Self {
        Governed {
            users: vec![false; index.users.len()],
            embed: vec![false; index.embed.len()],
        }
    }

    /// Fills the identity counts of `coverage`.
    pub(super) fn count_into(&self, coverage: &mut Coverage) {
        coverage.users_live = self.users.len() as u64;
        coverage.embed_users_live = self.embed.len() as u64;
        coverage.users_governed = self.users.iter().filter(|g| **g).count() as u64;
        coverage.embed_users_governed = self.embed.iter().filter(|g| **g).count() as u64;
    }
}

/// Every declaration and rule, sorted by position, for reports that list what passed.
pub(super) fn evaluated_rules(policies: &Policies) -> Vec<EvaluatedRule> {
    let mut out: Vec<EvaluatedRule> = Vec::new();
    let mut push = |rule: String, kind: RuleKind, at: &PolicyLocation| {
        out.push(EvaluatedRule {
            rule,
            kind,
            policy: at.clone(),
        });
    };
    if let Some(at) = &policies.settings.at {
        push("settings".to_owned(), RuleKind::Settings, at);
    }
    for g in &policies.groups {
        push(g.rule_id(), RuleKind::Group, &g.at);
    }
    for r in &policies.rules {
        let kind = match r.subjects {
            SubjectKind::User => RuleKind::UserRule,
            SubjectKind::EmbedUser => RuleKind::EmbedUserRule,
        };
        push(r.id.clone(), kind, &r.at);
    }
    for s in &policies.separation_of_duties {
        push(s.id.clone(), RuleKind::SeparationOfDuties, &s.at);
    }
    for e in &policies.exceptions {
        push(format!("exception:{}", e.rule), RuleKind::Exception, &e.at);
    }
    out.sort_by(|a, b| (&a.policy, &a.rule).cmp(&(&b.policy, &b.rule)));
    out
}
