//! `scimdrift fetch` against a `scimdrift-sim` child process on loopback:
//! the pieces `fetch-roundtrip` and `bench-fetch` share.

use anyhow::{Context as _, Result, ensure};
use scimdrift_proto::Snapshot;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// The bearer token the simulator is started with.
const TOKEN: &str = "xtask-fetch-token";

/// The built `scimdrift` and `scimdrift-sim` binaries.
#[derive(Debug)]
pub struct Bins {
    scimdrift: PathBuf,
    sim: PathBuf,
}

/// Builds both binaries (release or debug).
pub fn build(release: bool) -> Result<Bins> {
    let mut args = vec![
        "build",
        "--quiet",
        "-p",
        "scimdrift-cli",
        "-p",
        "scimdrift-sim",
    ];
    if release {
        args.push("--release");
    }
    super::run_cargo(&args)?;
    let dir = super::bin_dir(release);
    Ok(Bins {
        scimdrift: dir.join("scimdrift"),
        sim: dir.join("scimdrift-sim"),
    })
}

/// A running simulator; killed on drop.
#[derive(Debug)]
pub struct Sim {
    child: Child,
    pub url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the simulator on `org` with extra flags; returns once it listens.
pub fn start(bins: &Bins, org: &Path, extra: &[&str]) -> Result<Sim> {
    start_with_tokens(bins, org, &[TOKEN], extra)
}

/// [`start`] accepting `tokens` (each with its own rate-limit budget).
pub fn start_with_tokens(bins: &Bins, org: &Path, tokens: &[&str], extra: &[&str]) -> Result<Sim> {
    let mut command = Command::new(&bins.sim);
    command.arg("--org").arg(org);
    for token in tokens {
        command.args(["--token", token]);
    }
    let mut child = command
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot start `{}`", bins.sim.display()))?;
    let stdout = child.stdout.take().context("no simulator stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line from the simulator: {line:?}"))?
        .to_owned();
    Ok(Sim { child, url })
}

/// Runs `scimdrift fetch` into `out`; returns the snapshot and the wall
/// time in seconds.
pub fn fetch(bins: &Bins, url: &str, out: &Path, extra: &[&str]) -> Result<(Snapshot, f64)> {
    fetch_with(bins, url, out, None, extra)
}

/// Runs `scimdrift fetch` into `out` with the keys of `token_file`
/// (`--token-file`); returns the snapshot and the wall time in seconds.
pub fn fetch_with_keys(
    bins: &Bins,
    url: &str,
    out: &Path,
    token_file: &Path,
    extra: &[&str],
) -> Result<(Snapshot, f64)> {
    fetch_with(bins, url, out, Some(token_file), extra)
}

fn fetch_with(
    bins: &Bins,
    url: &str,
    out: &Path,
    token_file: Option<&Path>,
    extra: &[&str],
) -> Result<(Snapshot, f64)> {
    let mut command = Command::new(&bins.scimdrift);
    command
        .args(["fetch", "--quiet", "--base-url", url])
        .arg("--out")
        .arg(out)
        .args(extra);
    match token_file {
        Some(path) => command
            .arg("--token-file")
            .arg(path)
            .env_remove("OMNI_API_TOKEN"),
        None => command.env("OMNI_API_TOKEN", TOKEN),
    };
    let started = Instant::now();
    let status = command.status().context("cannot run scimdrift")?;
    let wall = started.elapsed().as_secs_f64();
    ensure!(
        status.code() == Some(0),
        "scimdrift fetch {extra:?} exited {status}"
    );
    let snapshot = serde_json::from_slice(&std::fs::read(out)?)?;
    Ok((snapshot, wall))
}
