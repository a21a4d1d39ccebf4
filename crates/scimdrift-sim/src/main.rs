//! The `scimdrift-sim` binary: serve an org file the way Omni's SCIM API would.

use anyhow::{Context, Result};
use clap::Parser;
use scimdrift_proto::SNAPSHOT_SCHEMA;
use scimdrift_sim::{FaultSpec, Profile, RateLimit, SimConfig, Simulator, Store};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

const AFTER_HELP: &str = "\
The first line on stdout is `listening on http://127.0.0.1:PORT`; the SCIM base is that URL
plus `/api/scim/v2` (profile omni) or `/scim/v2` (profile scim). Stop with Ctrl-C.

Omni profile: GET /api/scim/v2/{users,groups,embed/users}[/ID], also spelled /Users, /Groups,
/embed/Users. Scim profile: GET /Users, /Groups (also under /scim/v2), any filter, no embed users.
Both profiles write groups as Omni documents: PATCH /groups/ID (add, remove, replace members;
replace displayName) and POST /groups (409 on a duplicate name).";

/// A loopback server that behaves like Omni's SCIM API, with fault injection.
#[derive(Debug, Parser)]
#[command(name = "scimdrift-sim", version, after_help = AFTER_HELP)]
struct Args {
    /// The org to serve: a `scimdrift.snapshot/v1` JSON file (`cargo xtask gen-org` writes one).
    #[arg(long, value_name = "FILE")]
    org: PathBuf,
    /// Address to listen on. Loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    listen: SocketAddr,
    /// Bearer token requests must carry; repeat it to accept several (each
    /// has a rate limit of its own, as Omni's API keys do).
    #[arg(
        long,
        env = "SCIMDRIFT_SIM_TOKEN",
        default_value = scimdrift_sim::DEFAULT_TOKEN,
        hide_env_values = true,
        hide_default_value = true,
        value_name = "T"
    )]
    token: Vec<String>,
    /// Requests per token: `N/min`, `N/s`, `N/h`, or `off` [default: 60/min].
    #[arg(
        long,
        default_value = "60/min",
        hide_default_value = true,
        value_name = "N/min"
    )]
    rate_limit: String,
    /// Send `Retry-After` on 429 answers (Omni documents none).
    #[arg(long)]
    retry_after: bool,
    /// Largest page served; larger `count`s are capped.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_page_size: usize,
    /// Fixed latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency: u64,
    /// Fault injection (see below).
    #[arg(long, value_name = "SPEC", long_help = fault_help())]
    faults: Option<String>,
    /// Seed for every random choice (faults, jitter): same seed, same faults.
    #[arg(long, default_value_t = 0, value_name = "N")]
    seed: u64,
    /// `omni` or `scim` (a generic SCIM 2.0 server).
    #[arg(long, default_value = "omni", value_name = "PROFILE")]
    profile: Profile,
}

fn fault_help() -> String {
    format!("Fault injection.\n\n{}", FaultSpec::HELP)
}

fn load_org(path: &PathBuf) -> Result<Store> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the org file `{}`", path.display()))?;
    Store::from_json(text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{e}\nhint: the org file is a `{SNAPSHOT_SCHEMA}` JSON document with \
             `groups`, `users` and `embed_users` arrays (try `cargo xtask gen-org`)",
            path.display(),
        )
    })
}

fn build(args: Args) -> Result<SimConfig> {
    let org = load_org(&args.org)?;
    let rate_limit = if args.rate_limit == "off" {
        None
    } else {
        Some(
            args.rate_limit
                .parse::<RateLimit>()
                .map_err(anyhow::Error::msg)?,
        )
    };
    let faults = match &args.faults {
        Some(spec) => spec.parse::<FaultSpec>()?,
        None => FaultSpec::default(),
    };
    Ok(SimConfig::from_store(org)
        .listen(args.listen)
        .tokens(args.token)
        .rate_limit(rate_limit)
        .retry_after(args.retry_after)
        .max_page_size(args.max_page_size)
        .latency(Duration::from_millis(args.latency))
        .faults(faults)
        .seed(args.seed)
        .profile(args.profile))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            #[expect(clippy::print_stderr, reason = "the binary's error edge")]
            {
                eprintln!("error: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    let config = build(args)?;
    let sim = Simulator::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.base_url())?;
        out.flush()?;
    }
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
