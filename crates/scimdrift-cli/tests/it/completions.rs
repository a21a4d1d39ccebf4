//! `scimdrift completions SHELL`: every shell's script names every
//! subcommand, and the bash one is valid bash.

use crate::support::{assert_outcome, outcome, scimdrift};

/// The subcommands as the binary defines them (nested ones included).
fn subcommands() -> Vec<String> {
    fn walk(command: &clap::Command, out: &mut Vec<String>) {
        for sub in command.get_subcommands() {
            out.push(sub.get_name().to_owned());
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&scimdrift_cli::command(), &mut out);
    out
}

#[test]
fn every_completion_script_mentions_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let names = subcommands();
    assert!(names.len() >= 10, "{names:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = outcome(scimdrift(dir.path()).args(["completions", shell]))
            .status(0)
            .stdout;
        assert!(script.len() > 1000, "{shell}: {script}");
        for name in &names {
            assert!(
                script.contains(name.as_str()),
                "the {shell} script does not mention `{name}`"
            );
        }
        // Flags of subcommands are completed too.
        assert!(script.contains("state-dir"), "{shell}: no --state-dir");
    }
}

#[test]
fn the_bash_script_is_valid_bash() {
    let dir = tempfile::tempdir().unwrap();
    let script = outcome(scimdrift(dir.path()).args(["completions", "bash"]))
        .status(0)
        .stdout;
    let path = dir.path().join("scimdrift.bash");
    std::fs::write(&path, &script).unwrap();
    let check = outcome(std::process::Command::new("bash").arg("-n").arg(&path));
    assert_eq!(check.code, 0, "bash -n: {check}");
    // Sourcing it registers the completion function.
    let source = outcome(std::process::Command::new("bash").arg("-c").arg(format!(
        "source '{}' && complete -p scimdrift",
        path.display()
    )))
    .status(0);
    assert!(source.stdout.contains("_scimdrift"), "{source}");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_outcome!(outcome(scimdrift(dir.path()).args(["completions", "tcsh"])), @r"
    --- stdout
    --- stderr
    error: invalid value 'tcsh' for '<SHELL>'
      [possible values: bash, elvish, fish, powershell, zsh]

      tip: a similar value exists: 'zsh'

    For more information, try '--help'.
    [exit status: 4]
    ");
}

#[test]
fn help_completions() {
    let dir = tempfile::tempdir().unwrap();
    let help = outcome(
        scimdrift(dir.path())
            .env_remove("COLUMNS")
            .args(["completions", "--help"]),
    )
    .status(0);
    insta::assert_snapshot!(help.stdout);
}
