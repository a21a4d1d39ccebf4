//! The plan as YAML text: sorted, commented, one concern per file, each
//! file within the loader's limits (split into `NAME-2.yaml`, … if not).

use crate::escape::{comment_text, quoted, yaml_scalar};
use crate::infer::{Decl, ENTITY_RULE, EXCEPTION_REASON, Mode, Plan};
use crate::{Options, PolicyFile};

/// Largest file written, in bytes: below the loader's 1 MiB.
const MAX_BYTES: usize = 960 * 1024;
/// Most YAML nodes in a file written: below the loader's 100,000.
const MAX_NODES: usize = 95_000;

/// One list entry of a section, with how many YAML nodes it holds.
#[derive(Debug)]
struct Item {
    text: String,
    nodes: usize,
}

/// Builds one list entry line by line.
#[derive(Debug, Default)]
struct ItemBuilder {
    text: String,
    nodes: usize,
    started: bool,
}

impl ItemBuilder {
    fn comment(&mut self, line: &str) {
        self.text.push_str("  # ");
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn field(&mut self, key: &str, value: &str) {
        self.text
            .push_str(if self.started { "    " } else { "  - " });
        self.started = true;
        self.text.push_str(key);
        self.text.push_str(": ");
        self.text.push_str(value);
        self.text.push('\n');
        self.nodes += 2;
    }

    fn list(&mut self, key: &str, values: &[String]) {
        self.text
            .push_str(if self.started { "    " } else { "  - " });
        self.started = true;
        self.text.push_str(key);
        self.nodes += 2 + values.len();
        if values.is_empty() {
            self.text.push_str(": []\n");
            return;
        }
        self.text.push_str(":\n");
        for v in values {
            self.text.push_str("      - ");
            self.text.push_str(v);
            self.text.push('\n');
        }
    }

    fn finish(self) -> Item {
        Item {
            text: self.text,
            nodes: self.nodes + 1,
        }
    }
}

fn header(opts: &Options, command: &str) -> String {
    format!(
        "# Written by `{command}` (scimdrift {}) at {},\n\
         # from {} (sha256 {}).\n\
         # It describes the instance as it was then, not as it should be: review it,\n\
         # tighten the rules, and merge it through a pull request.\n\
         version: 1\n",
        comment_text(&opts.tool_version),
        opts.now,
        comment_text(&opts.source),
        comment_text(&opts.sha256),
    )
}

/// Packs sections into files named `stem.yaml`, `stem-2.yaml`, … so that
/// each stays within the loader's limits.
fn pack(stem: &str, head: &str, sections: Vec<(&str, Vec<Item>)>) -> Vec<PolicyFile> {
    let mut files: Vec<PolicyFile> = Vec::new();
    let mut text = head.to_owned();
    // root mapping, `version` key and value
    let base_nodes = 3;
    let mut nodes = base_nodes;
    let mut items_in_file = 0usize;
    let mut flush = |text: &mut String, nodes: &mut usize, count: &mut usize| {
        let path = if files.is_empty() {
            format!("{stem}.yaml")
        } else {
            format!("{stem}-{}.yaml", files.len() + 1)
        };
        files.push(PolicyFile {
            path,
            contents: std::mem::replace(text, head.to_owned()),
        });
        *nodes = base_nodes;
        *count = 0;
    };
    for (key, items) in sections {
        if items.is_empty() {
            continue;
        }
        let mut open = false;
        for item in items {
            let too_big = text.len() + item.text.len() + key.len() + 4 > MAX_BYTES
                || nodes + item.nodes + 2 > MAX_NODES;
            if too_big && items_in_file > 0 {
                flush(&mut text, &mut nodes, &mut items_in_file);
                open = false;
            }
            if !open {
                text.push('\n');
                text.push_str(key);
                text.push_str(":\n");
                nodes += 2;
                open = true;
            }
            text.push_str(&item.text);
            nodes += item.nodes;
            items_in_file += 1;
        }
    }
    if items_in_file > 0 {
        flush(&mut text, &mut nodes, &mut items_in_file);
    }
    files
}

fn group_item(d: &Decl<'_>) -> Item {
    let mut b = ItemBuilder::default();
    for c in &d.comments {
        b.comment(c);
    }
    b.field("name", &yaml_scalar(d.name));
    let mode = match d.mode {
        Mode::Exact => "exact",
        Mode::AtLeast => "at_least",
        Mode::Unmanaged => "unmanaged",
    };
    b.field("members", mode);
    if d.mode != Mode::Unmanaged {
        let users: Vec<String> = d.users.iter().map(|n| yaml_scalar(n)).collect();
        let embed: Vec<String> = d.embed.iter().map(|n| yaml_scalar(n)).collect();
        if !users.is_empty() || embed.is_empty() {
            b.list("users", &users);
        }
        if !embed.is_empty() {
            b.list("embed_users", &embed);
        }
    }
    b.finish()
}

/// The files of a full init.
pub(crate) fn init_files(plan: &Plan<'_>, opts: &Options) -> Vec<PolicyFile> {
    let head = header(opts, "scimdrift init");
    let mut files = Vec::new();

    let mut settings = head.clone();
    settings.push_str("\nsettings:\n");
    settings.push_str(
        "  # Live groups that no policy declares are reported (group_unmanaged):\n  # declare new groups as they appear.\n  unmanaged_groups: report\n",
    );
    if let Some(days) = plan.expiring_within_days {
        settings.push_str(&format!(
            "  # Below --exception-days {}: the new exceptions must not start out expiring.\n  expiring_within_days: {days}\n",
            opts.exception_days
        ));
    }
    if !plan.ignored.is_empty() {
        settings.push_str("  ignore_groups:\n");
        for i in &plan.ignored {
            settings.push_str(&format!(
                "    # {}\n    - {}\n",
                i.comment,
                quoted(&i.reference.text)
            ));
        }
    }
    files.push(PolicyFile {
        path: "settings.yaml".to_owned(),
        contents: settings,
    });

    let standard: Vec<Item> = plan
        .groups
        .iter()
        .filter(|d| !d.has_embed)
        .map(group_item)
        .collect();
    files.extend(pack("groups", &head, vec![("groups", standard)]));

    let rules: Vec<Item> = plan
        .rules
        .iter()
        .map(|r| {
            let mut b = ItemBuilder::default();
            for c in &r.comments {
                b.comment(&comment_text(c));
            }
            b.field("id", r.id);
            b.field("description", &yaml_scalar(&r.description));
            let refs = |list: &[String]| list.iter().map(|t| quoted(t)).collect::<Vec<_>>();
            if !r.must_be_in.is_empty() {
                b.list("must_be_in", &refs(&r.must_be_in));
            }
            if !r.must_not_be_in.is_empty() {
                b.list("must_not_be_in", &refs(&r.must_not_be_in));
            }
            if let Some(only) = &r.only_in {
                b.list("only_in", &refs(only));
            }
            b.finish()
        })
        .collect();
    let embed_groups: Vec<Item> = plan
        .groups
        .iter()
        .filter(|d| d.has_embed)
        .map(group_item)
        .collect();
    files.extend(pack(
        "embed",
        &head,
        vec![("embed_users", rules), ("groups", embed_groups)],
    ));

    let expires = opts.expires();
    let exceptions: Vec<Item> = plan
        .exceptions
        .iter()
        .map(|e| {
            let mut b = ItemBuilder::default();
            b.comment(&e.comment);
            b.field("rule", ENTITY_RULE);
            b.field("subject", &yaml_scalar(e.subject));
            b.field("group", &yaml_scalar(&e.group));
            b.field("reason", &quoted(EXCEPTION_REASON));
            b.field("expires", &expires.to_string());
            b.finish()
        })
        .collect();
    files.extend(pack("exceptions", &head, vec![("exceptions", exceptions)]));
    files
}

/// The file of a merge: declarations only.
pub(crate) fn merge_files(plan: &Plan<'_>, opts: &Options, stem: &str) -> Vec<PolicyFile> {
    let head = header(opts, "scimdrift init --merge");
    let groups: Vec<Item> = plan.groups.iter().map(group_item).collect();
    pack(stem, &head, vec![("groups", groups)])
}
