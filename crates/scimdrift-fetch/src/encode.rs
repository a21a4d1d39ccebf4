//! Encoding snapshots: the bytes of a snapshot file. Writing them is the
//! binary's job (atomically, with its one write helper).

use scimdrift_proto::Snapshot;

/// Serializes a snapshot (pretty at the top level; each resource exactly as
/// served), sorted by id, with a trailing newline.
pub fn snapshot_json(snapshot: &Snapshot) -> Result<Vec<u8>, serde_json::Error> {
    let mut sorted;
    let snapshot = if is_sorted(snapshot) {
        snapshot
    } else {
        sorted = snapshot.clone();
        sorted.sort();
        &sorted
    };
    let mut out = serde_json::to_vec_pretty(snapshot)?;
    out.push(b'\n');
    Ok(out)
}

fn is_sorted(s: &Snapshot) -> bool {
    [&s.groups, &s.users, &s.embed_users]
        .iter()
        .all(|list| list.windows(2).all(|w| w[0].id() <= w[1].id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimdrift_proto::{Resource, SnapshotSource};

    #[test]
    fn sorted_by_id_with_each_resource_as_served() {
        let mut s = Snapshot::new(SnapshotSource::default());
        s.users = vec![
            Resource::from_json(r#"{"id":"b","userName":"b@x"}"#).unwrap(),
            Resource::from_json(r#"{"id":"a","userName":"a@x"}"#).unwrap(),
        ];
        let text = String::from_utf8(snapshot_json(&s).unwrap()).unwrap();
        insta::assert_snapshot!(text, @r#"
        {
          "schema": "scimdrift.snapshot/v1",
          "source": {
            "provider": "omni",
            "base_url": null
          },
          "fetched_at": null,
          "complete": true,
          "incomplete_reasons": [],
          "stats": {
            "requests": 0,
            "retries": 0,
            "rate_limited": 0,
            "pages": 0,
            "duration_ms": 0
          },
          "groups": [],
          "users": [
            {"id":"a","userName":"a@x"},
            {"id":"b","userName":"b@x"}
          ],
          "embed_users": []
        }
        "#);
    }
}
