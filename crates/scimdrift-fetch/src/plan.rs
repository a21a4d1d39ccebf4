//! Page planning and position-by-position assembly of one scan.
//!
//! SCIM paging is offset based and Omni sorts by creation time, so a resource
//! created or deleted during a scan shifts every later page. The assembly
//! keeps each resource at the 1-based position the server put it, which turns
//! the symptoms of a shift into checks:
//!
//! - the same id at two positions, or two ids at one position → the list
//!   shifted (`duplicate`);
//! - `totalResults` differing between pages → resources were created or
//!   deleted (`total changed`);
//! - positions past `totalResults`, or positions that stay empty after the
//!   gaps were asked for again → the server's count and its pages disagree.
//!
//! Pages are planned from what the server actually returned: the first page
//! tells the total and the server's real page size (it may cap `count`), the
//! rest are cut into windows of that size and fetched concurrently; whatever a
//! short page leaves uncovered is a gap planned again.
//!
//! `totalResults` is a claim, not a fact: a proxy (or a bug) may lower it, and
//! a list read up to a lowered total looks complete. So the window reaching
//! the announced end always asks for a whole page, and the end counts as
//! confirmed only when that page came back shorter than asked with an
//! `itemsPerPage` agreeing with its length (the server ran out). A last page
//! that is full exactly at the total proves nothing; the caller then asks
//! once more at `total + 1` ([`Assembly::end_confirmed`]).

use std::collections::{BTreeMap, HashMap};

use scimdrift_proto::Resource;

/// One list page as the server sent it.
#[derive(Debug)]
pub struct Page {
    /// The `startIndex` we asked for (1-based).
    pub start: u64,
    /// The page's `totalResults`.
    pub total: u64,
    /// The page's resources, in order.
    pub resources: Vec<Resource>,
    /// The `count` we asked for.
    pub asked: u32,
    /// The page's `itemsPerPage`, if it sent one.
    pub items_per_page: Option<u64>,
}

/// A request to plan: `startIndex` and `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// 1-based start.
    pub start: u64,
    /// How many to ask for (≥ 1).
    pub count: u32,
}

/// The page size to plan the remaining windows with, from the first page:
/// if the server returned fewer than asked while more remain, its cap is what
/// it returned; otherwise what we asked for.
pub fn effective_page_size(asked: u32, received: usize, total: u64) -> u32 {
    let received_u64 = u64::try_from(received).unwrap_or(u64::MAX);
    if received_u64 < u64::from(asked) && received_u64 < total && received > 0 {
        u32::try_from(received).unwrap_or(asked)
    } else {
        asked.max(1)
    }
}

/// Cuts inclusive position ranges into windows of at most `page` positions.
/// The window reaching `end` (the announced total) asks for a whole page, so a
/// list that goes on past a lowered total shows it.
pub fn windows(gaps: &[(u64, u64)], page: u32, end: u64) -> Vec<Window> {
    let page = u64::from(page.max(1));
    let mut out = Vec::new();
    for &(first, last) in gaps {
        let mut start = first;
        while start <= last {
            let count = (last - start + 1).min(page);
            let asked = if start + count > end { page } else { count };
            out.push(Window {
                start,
                // `asked` ≤ `page`, which came from a u32.
                count: u32::try_from(asked).unwrap_or(u32::MAX),
            });
            start += count;
        }
    }
    out
}

/// The resources of one scan, by position, with every inconsistency seen.
#[derive(Debug)]
pub struct Assembly {
    total: u64,
    slots: BTreeMap<u64, Resource>,
    position_of: HashMap<String, u64>,
    totals_seen: Vec<u64>,
    anomalies: Vec<String>,
    end_confirmed: bool,
}

impl Assembly {
    /// An empty scan of a list the first page said holds `total` resources.
    pub fn new(total: u64) -> Self {
        Assembly {
            total,
            slots: BTreeMap::new(),
            position_of: HashMap::new(),
            totals_seen: vec![total],
            anomalies: Vec::new(),
            end_confirmed: false,
        }
    }

    /// The `totalResults` of the first page.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Adds a page; returns how many positions it filled for the first time.
    pub fn add(&mut self, page: Page) -> usize {
        if !self.totals_seen.contains(&page.total) {
            self.totals_seen.push(page.total);
            self.anomalies.push(format!(
                "totalResults changed from {} to {} during the scan (resources were created or deleted meanwhile)",
                self.total, page.total
            ));
        }
        let received = u64::try_from(page.resources.len()).unwrap_or(u64::MAX);
        // The server ran out before our `count` at or past the announced end,
        // and says so consistently: the list really ends there.
        if page.start.saturating_add(received) > self.total
            && received < u64::from(page.asked)
            && page.items_per_page.is_none_or(|n| n == received)
        {
            self.end_confirmed = true;
        }
        let mut added = 0;
        let mut past_end = 0u64;
        for (offset, resource) in (0u64..).zip(page.resources) {
            let position = page.start + offset;
            if position > self.total {
                past_end += 1;
                continue;
            }
            if let Some(existing) = self.slots.get(&position) {
                if existing.id() != resource.id() {
                    self.anomalies.push(format!(
                        "position {position} held {} and later {} (the list shifted during the scan)",
                        show(existing.id()),
                        show(resource.id())
                    ));
                }
                continue;
            }
            if let Some(&other) = self.position_of.get(resource.id()) {
                self.anomalies.push(format!(
                    "{} was listed at positions {other} and {position} (the list shifted during the scan)",
                    show(resource.id())
                ));
                continue;
            }
            self.position_of.insert(resource.id().to_owned(), position);
            self.slots.insert(position, resource);
            added += 1;
        }
        if past_end > 0 {
            self.anomalies.push(format!(
                "the page at startIndex {} held {past_end} resource(s) past totalResults {}",
                page.start, self.total
            ));
        }
        added
    }

    /// Whether a page showed the list ending at the announced total: it came
    /// back shorter than asked, at or past the end, with an `itemsPerPage`
    /// matching its length. When not, a read at `total + 1` must confirm it.
    pub fn end_confirmed(&self) -> bool {
        self.end_confirmed
    }

    /// Records that a read at `total + 1` came back empty.
    pub fn confirm_end(&mut self) {
        self.end_confirmed = true;
    }

    /// Records an inconsistency found outside [`Assembly::add`].
    pub fn anomaly(&mut self, text: String) {
        self.anomalies.push(text);
    }

    /// The inclusive position ranges in `1..=total` not yet filled.
    pub fn gaps(&self) -> Vec<(u64, u64)> {
        let mut gaps = Vec::new();
        let mut next = 1u64;
        for &position in self.slots.keys() {
            if position > next {
                gaps.push((next, position - 1));
            }
            next = position + 1;
        }
        if next <= self.total {
            gaps.push((next, self.total));
        }
        gaps
    }

    /// How many positions are filled.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Inconsistencies seen so far (deduplicated, in order of discovery).
    pub fn anomalies(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.anomalies
            .iter()
            .filter(|a| seen.insert(a.as_str()))
            .cloned()
            .collect()
    }

    /// Whether the scan read every position and saw nothing inconsistent.
    pub fn is_settled(&self) -> bool {
        self.anomalies.is_empty() && self.gaps().is_empty()
    }

    /// The resources read, in position order.
    pub fn into_resources(self) -> Vec<Resource> {
        self.slots.into_values().collect()
    }
}

/// A server-provided id, made safe for a one-line message.
pub(crate) fn show(id: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = id
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '�' } else { c })
        .collect();
    if id.chars().count() > MAX {
        out.push('…');
    }
    format!("`{out}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(start: u64, total: u64, ids: &[&str]) -> Page {
        asked_page(start, total, ids, u32::try_from(ids.len()).unwrap())
    }

    fn asked_page(start: u64, total: u64, ids: &[&str], asked: u32) -> Page {
        Page {
            start,
            total,
            resources: ids
                .iter()
                .map(|id| Resource::from_json(&format!(r#"{{"id":"{id}"}}"#)).unwrap())
                .collect(),
            asked,
            items_per_page: Some(ids.len() as u64),
        }
    }

    #[test]
    fn page_size_from_first_page() {
        assert_eq!(effective_page_size(10_000, 100, 250), 100); // capped
        assert_eq!(effective_page_size(10_000, 250, 250), 10_000); // all at once
        assert_eq!(effective_page_size(50, 50, 250), 50);
        assert_eq!(effective_page_size(50, 0, 250), 50); // nothing: keep asking
        assert_eq!(effective_page_size(0, 0, 0), 1);
    }

    #[test]
    fn windows_cover_gaps_exactly() {
        // The window reaching the end asks for a whole page.
        assert_eq!(
            windows(&[(101, 250)], 100, 250),
            [
                Window {
                    start: 101,
                    count: 100
                },
                Window {
                    start: 201,
                    count: 100
                }
            ]
        );
        assert_eq!(
            windows(&[(3, 3), (7, 9)], 2, 10),
            [
                Window { start: 3, count: 1 },
                Window { start: 7, count: 2 },
                Window { start: 9, count: 1 }
            ]
        );
        assert_eq!(
            windows(&[(3, 3), (7, 9)], 2, 9),
            [
                Window { start: 3, count: 1 },
                Window { start: 7, count: 2 },
                Window { start: 9, count: 2 }
            ]
        );
        assert_eq!(windows(&[], 5, 0), []);
    }

    #[test]
    fn clean_scan_settles() {
        let mut a = Assembly::new(5);
        assert_eq!(a.add(page(1, 5, &["e", "d"])), 2);
        assert_eq!(a.gaps(), [(3, 5)]);
        assert_eq!(a.add(page(3, 5, &["c", "b", "a"])), 3);
        assert!(a.is_settled(), "{:?}", a.anomalies());
        let ids: Vec<_> = a
            .into_resources()
            .iter()
            .map(|r| r.id().to_owned())
            .collect();
        assert_eq!(ids, ["e", "d", "c", "b", "a"]);
    }

    #[test]
    fn the_end_is_confirmed_only_by_a_short_honest_page() {
        // Full at the total: proves nothing.
        let mut a = Assembly::new(4);
        a.add(asked_page(1, 4, &["a", "b"], 2));
        a.add(asked_page(3, 4, &["c", "d"], 2));
        assert!(a.is_settled());
        assert!(!a.end_confirmed());
        // Shorter than asked at the end: the server ran out.
        let mut a = Assembly::new(4);
        a.add(asked_page(1, 4, &["a", "b"], 2));
        a.add(asked_page(3, 4, &["c", "d"], 3));
        assert!(a.end_confirmed());
        // Short in the middle: a gap, not an end.
        let mut a = Assembly::new(4);
        a.add(asked_page(1, 4, &["a"], 2));
        assert!(!a.end_confirmed());
        // Short at the end, but itemsPerPage disagrees: not trusted.
        let mut a = Assembly::new(2);
        let mut p = asked_page(1, 2, &["a", "b"], 5);
        p.items_per_page = Some(5);
        a.add(p);
        assert!(!a.end_confirmed());
        // The read at total + 1 found more: the total was lowered.
        let mut a = Assembly::new(2);
        a.add(asked_page(1, 2, &["a", "b"], 2));
        a.add(asked_page(3, 2, &["c"], 1));
        insta::assert_debug_snapshot!(a.anomalies(), @r#"
        [
            "the page at startIndex 3 held 1 resource(s) past totalResults 2",
        ]
        "#);
        // An empty list's first page confirms its end.
        let mut a = Assembly::new(0);
        a.add(asked_page(1, 0, &[], 100));
        assert!(a.end_confirmed() && a.is_settled());
    }

    #[test]
    fn short_pages_leave_gaps_to_replan() {
        let mut a = Assembly::new(6);
        a.add(page(1, 6, &["a", "b"]));
        a.add(page(5, 6, &["e"]));
        assert_eq!(a.gaps(), [(3, 4), (6, 6)]);
        assert!(!a.is_settled());
        assert!(a.anomalies().is_empty());
    }

    #[test]
    fn overlapping_consistent_pages_are_fine() {
        let mut a = Assembly::new(3);
        a.add(page(1, 3, &["a", "b"]));
        assert_eq!(a.add(page(2, 3, &["b", "c"])), 1);
        assert!(a.is_settled());
    }

    #[test]
    fn a_deletion_at_the_front_is_caught() {
        // [a b c d]: read 1-2, then `a` is deleted: page 3 is now [d].
        let mut a = Assembly::new(4);
        a.add(page(1, 4, &["a", "b"]));
        a.add(page(3, 3, &["d"]));
        assert!(!a.is_settled());
        insta::assert_debug_snapshot!(a.anomalies(), @r#"
        [
            "totalResults changed from 4 to 3 during the scan (resources were created or deleted meanwhile)",
        ]
        "#);
    }

    #[test]
    fn an_insertion_at_the_front_is_caught() {
        // [a b c d]: read 1-2, then `x` is inserted at the front (and something
        // deleted elsewhere, so the total stays): page 3 is now [b c].
        let mut a = Assembly::new(4);
        a.add(page(1, 4, &["a", "b"]));
        a.add(page(3, 4, &["b", "c"]));
        insta::assert_debug_snapshot!(a.anomalies(), @r#"
        [
            "`b` was listed at positions 2 and 3 (the list shifted during the scan)",
        ]
        "#);
        assert!(!a.is_settled());
    }

    #[test]
    fn position_conflicts_and_overflow_are_caught() {
        let mut a = Assembly::new(2);
        a.add(page(1, 2, &["a", "b"]));
        a.add(page(2, 2, &["z", "y"]));
        insta::assert_debug_snapshot!(a.anomalies(), @r#"
        [
            "position 2 held `b` and later `z` (the list shifted during the scan)",
            "the page at startIndex 2 held 1 resource(s) past totalResults 2",
        ]
        "#);
    }

    #[test]
    fn ids_are_shown_safely() {
        assert_eq!(show("a\nb"), "`a�b`");
        assert_eq!(show(&"x".repeat(100)), format!("`{}…`", "x".repeat(80)));
    }
}
