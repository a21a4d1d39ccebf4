//! `cargo xtask gen-org`: write a deterministic, realistic org file with
//! `scimdrift_sim::r#gen` (see that module for what the org contains).

use anyhow::{Context as _, Result, bail};
use scimdrift_sim::r#gen::{OrgSpec, write_org};
use std::path::PathBuf;
use std::time::Instant;

pub const HELP: &str = "\
cargo xtask gen-org --users N --embed-users M --groups G [--seed S] -o FILE

Writes a scimdrift.snapshot/v1 org: users, embed users (with entities), groups
(\"All Embed Users\", one per entity, departments), some deactivated users, some
dangling members, long and non-ASCII names, user attributes. Same arguments,
same bytes. Workloads: S = 500/2000/100, M = 20000/100000/2000,
L = 50000/1000000/5000 (users/embed-users/groups).
";

fn number(flag: &str, value: Option<String>) -> Result<u64> {
    let v = value.with_context(|| format!("`{flag}` needs a value\n\n{HELP}"))?;
    v.replace('_', "")
        .parse()
        .with_context(|| format!("`{flag}`: `{v}` is not a whole number"))
}

/// Parses the arguments into a spec and an output path.
pub fn parse(args: &[String]) -> Result<(OrgSpec, PathBuf)> {
    let mut spec = OrgSpec {
        users: 0,
        embed_users: 0,
        groups: 0,
        seed: 0,
    };
    let mut out = None;
    let mut it = args.iter().cloned();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--users" => spec.users = usize::try_from(number(&flag, it.next())?)?,
            "--embed-users" => spec.embed_users = usize::try_from(number(&flag, it.next())?)?,
            "--groups" => spec.groups = usize::try_from(number(&flag, it.next())?)?,
            "--seed" => spec.seed = number(&flag, it.next())?,
            "-o" | "--out" => {
                out =
                    Some(PathBuf::from(it.next().with_context(|| {
                        format!("`{flag}` needs a file\n\n{HELP}")
                    })?));
            }
            "-h" | "--help" => bail!("{HELP}"),
            other => bail!("unknown argument `{other}`\n\n{HELP}"),
        }
    }
    let out = out.with_context(|| format!("missing `-o FILE`\n\n{HELP}"))?;
    Ok((spec, out))
}

pub fn run(args: &[String]) -> Result<()> {
    let (spec, path) = parse(args)?;
    let started = Instant::now();
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create `{}`", path.display()))?;
    let stats =
        write_org(&spec, file).with_context(|| format!("cannot write `{}`", path.display()))?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {}: {} groups ({} entities), {} users, {} embed users, {} memberships, {:.1} MiB in {:.2} s",
        path.display(),
        stats.groups,
        stats.entities,
        stats.users,
        stats.embed_users,
        stats.memberships,
        bytes as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
