//! `cargo xtask screenshot`: renders the demo's HTML access review in
//! headless chromium and saves a PNG, so a person can look at the page the
//! way a reviewer will.

use crate::{flags, util};
use anyhow::{Context as _, Result, bail};
use std::process::Command;

const NOW: &str = "2027-03-25T09:00:00Z";

pub fn run(opts: &flags::Screenshot) -> Result<()> {
    let &flags::Screenshot { width, height } = opts;
    let root = util::root();
    util::run_cargo(&["build", "--quiet", "-p", "scimdrift-cli"])?;
    let out = util::target_dir().join("screenshot");
    std::fs::create_dir_all(&out)?;
    let html = out.join("review.html");
    let status = Command::new(util::bin_dir(false).join("scimdrift"))
        .current_dir(&root)
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
