//! The `mutate` fault: the org changes right after the first page of a
//! multi-page scan, as if someone edited it mid-scan.

use super::list::Page;
use super::state::{Shared, lock, write};
use crate::faults::Mutation;

/// Applies the configured mutation after the first page of a multi-page
/// scan, at most `mutation_times` times. Returns whether it did.
pub(super) fn after_page(shared: &Shared, page: Option<Page>) -> bool {
    let spec = &shared.settings.faults;
    let Some(page) = page.filter(|p| p.more_pages) else {
        return false;
    };
    if spec.mutation == Mutation::None {
        return false;
    }
    {
        let mut rt = lock(&shared.runtime);
        if rt.mutations_done >= spec.mutation_times {
            return false;
        }
        rt.mutations_done += 1;
    }
    let mut store = write(&shared.store);
    match spec.mutation {
        Mutation::InsertFront(n) => store.insert_front_synthetic(page.kind, n),
        Mutation::DeleteFront(n) => {
            store.remove_front(page.kind, n);
        }
        Mutation::None => {}
    }
    true
}
