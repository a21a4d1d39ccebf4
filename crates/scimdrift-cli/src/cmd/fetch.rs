//! `scimdrift fetch`: read a live instance into a snapshot file.

use std::io::Write as _;
use std::path::PathBuf;

use crate::connect::{self, ConnectArgs};
use crate::error::{CliError, Context as _};
use crate::exit::Exit;
use crate::write::write_atomic;

/// Arguments of `scimdrift fetch`.
///
/// Exit codes: 0 complete snapshot written, 1 runtime failure (network,
/// credentials, IO), 3 snapshot written but incomplete (the reasons are
/// printed and stored in it), 4 invalid input.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Where to write the snapshot (`-` for stdout). Written atomically.
    #[arg(short, long, value_name = "FILE")]
    pub out: PathBuf,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs `scimdrift fetch`.
pub fn run(args: FetchArgs) -> Result<Exit, CliError> {
    let runtime = connect::runtime()?;
    let snapshot = runtime.block_on(connect::fetch_snapshot(&args.connect))?;
    if args.out.as_os_str() == "-" {
        let json =
            scimdrift_fetch::snapshot_json(&snapshot).context("cannot encode the snapshot")?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&json)
            .and_then(|()| stdout.flush())
            .context("cannot write the snapshot to stdout")?;
    } else {
        let json =
            scimdrift_fetch::snapshot_json(&snapshot).context("cannot encode the snapshot")?;
        write_atomic(&args.out, &json)
            .with_context(|| format!("cannot write the snapshot to `{}`", args.out.display()))?;
    }
    if !args.connect.quiet {
        let s = &snapshot.stats;
        let embed = match snapshot.source.provider {
            scimdrift_proto::Provider::Omni => {
                format!(" and {} embed users", snapshot.embed_users.len())
            }
            scimdrift_proto::Provider::Scim => String::new(),
        };
        let _ = writeln!(
            anstream::stderr(),
            "fetched {} groups, {} users{embed} with {} requests ({} retries, {} rate-limited) in {:.1} s; wrote {}",
            snapshot.groups.len(),
            snapshot.users.len(),
            s.requests,
            s.retries,
            s.rate_limited,
            s.duration_ms as f64 / 1000.0,
            if args.out.as_os_str() == "-" {
                "stdout".to_owned()
            } else {
                format!("`{}`", args.out.display())
            },
        );
    }
    if snapshot.complete {
        Ok(Exit::Clean)
    } else {
        connect::report_incomplete(&snapshot);
        Ok(Exit::Incomplete)
    }
}
