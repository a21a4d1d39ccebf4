//! The group layout: which group index is "All Embed Users", an entity group
//! or a department group, with each group's id, name and creation time.

use super::OrgSpec;
use super::atoms::{EPOCH_2023, STREAM_GROUP, group_id, rng_at};
use super::words::{DEPARTMENTS, ENTITY_WORDS, REGIONS};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

#[derive(Debug)]
pub(super) struct GroupInfo {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) created: i64,
}

/// The group layout: which index is what.
#[derive(Debug)]
pub(super) struct Layout {
    pub(super) groups: Vec<GroupInfo>,
    /// Index of "All Embed Users", if any.
    pub(super) all_embed: Option<usize>,
    /// Entity names; entity `k` has group `first_entity + k` when `k < entity_groups`.
    pub(super) entities: Vec<String>,
    pub(super) first_entity: usize,
    pub(super) entity_groups: usize,
    /// Department groups: `first_dept..groups.len()`.
    pub(super) first_dept: usize,
}

impl Layout {
    pub(super) fn new(spec: &OrgSpec, base: &ChaCha8Rng) -> Self {
        let g = spec.groups;
        let all_embed = (spec.embed_users > 0 && g > 0).then_some(0);
        let first_entity = usize::from(all_embed.is_some());
        let remaining = g - first_entity;
        let entity_groups = if spec.embed_users > 0 {
            // About half the remaining groups, all of them when there are no
            // standard users to put in departments.
            let share = if spec.users == 0 {
                remaining
            } else {
                remaining.div_ceil(2)
            };
            share.min(spec.embed_users)
        } else {
            0
        };
        let n_entities = if spec.embed_users > 0 {
            entity_groups.max(1)
        } else {
            0
        };
        let entities: Vec<String> = (0..n_entities)
            .map(|k| {
                let w = ENTITY_WORDS[k % ENTITY_WORDS.len()];
                let round = k / ENTITY_WORDS.len();
                if round == 0 {
                    w.to_owned()
                } else {
                    format!("{w}-{round}")
                }
            })
            .collect();
        let first_dept = first_entity + entity_groups;
        let mut seen = HashSet::new();
        let mut groups = Vec::with_capacity(g);
        for i in 0..g {
            let mut r = rng_at(base, STREAM_GROUP, i);
            let mut id = group_id(&mut r);
            while !seen.insert(id.clone()) {
                id = group_id(&mut r);
            }
            let name = if Some(i) == all_embed {
                "All Embed Users".to_owned()
            } else if i < first_dept {
                format!("Entity {}", entities[i - first_entity])
            } else {
                let d = i - first_dept;
                let dept = DEPARTMENTS[d % DEPARTMENTS.len()];
                let round = d / DEPARTMENTS.len();
                if d % 37 == 36 {
                    // Omni caps display names at 64 characters; some sit right at it.
                    let long = format!(
                        "{dept} — cross-functional working group {d} for quarterly planning"
                    );
                    long.chars().take(64).collect()
                } else if round == 0 {
                    dept.to_owned()
                } else {
                    format!(
                        "{dept} {} {round}",
                        REGIONS[round % REGIONS.len()].to_uppercase()
                    )
                }
            };
            groups.push(GroupInfo {
                id,
                name,
                created: EPOCH_2023 + i64::try_from(i).unwrap_or(0) * 3_600,
            });
        }
        Layout {
            groups,
            all_embed,
            entities,
            first_entity,
            entity_groups,
            first_dept,
        }
    }

    pub(super) fn departments(&self) -> usize {
        self.groups.len() - self.first_dept
    }
}
