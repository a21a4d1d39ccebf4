//! `cargo xtask screenshot`: renders the demo's HTML access review in
//! headless chromium and saves a PNG, so a person can look at the page the
//! way a reviewer will.

use anyhow::{Context as _, Result, bail};
use std::path::Path;
use std::process::Command;

pub const HELP: &str = "\
cargo xtask screenshot [--width PX] [--height PX]

Writes target/screenshot/review.html (the demo org's access review, at a fixed
--now) and target/screenshot/review.png, rendered by headless chromium
(Debian: `apt-get install -y chromium`). No network access is needed or used.
";

const NOW: &str = "2027-03-25T09:00:00Z";

pub fn run(args: &[String]) -> Result<()> {
    let mut width = 1400u32;
    let mut height = 2200u32;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || -> Result<u32> {
            it.next()
                .with_context(|| format!("`{arg}` needs a value"))?
                .parse()
                .with_context(|| format!("`{arg}` takes a number of pixels"))
        };
        match arg.as_str() {
            "--width" => width = value()?,
            "--height" => height = value()?,
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(());
            }
            other => bail!("unexpected argument `{other}`\n\n{HELP}"),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask lives inside the workspace")?;
    crate::ci::run_cmd("cargo", &["build", "--quiet", "-p", "scimdrift-cli"])?;
    let out = root.join("target/screenshot");
    std::fs::create_dir_all(&out)?;
    let html = out.join("review.html");
    let status = Command::new(root.join("target/debug/scimdrift"))
        .current_dir(root)
        .args([
            "review",
            "--snapshot",
            "demo/org.json",
            "--policies",
            "policies",
        ])
        .args(["--now", NOW, "--format", "csv"])
        .arg(format!("--output=html={}", html.display()))
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run scimdrift review")?;
    if !status.success() {
        bail!("scimdrift review failed ({status})");
    }
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .context("no chromium found: `apt-get install -y chromium`")?;
    let png = out.join("review.png");
    let profile = out.join("chromium-profile");
    let status = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .status()
        .context("cannot run chromium")?;
    if !status.success() || !png.is_file() {
        bail!("chromium did not write `{}` ({status})", png.display());
    }
    eprintln!("screenshot: {}", png.display());
    Ok(())
}
