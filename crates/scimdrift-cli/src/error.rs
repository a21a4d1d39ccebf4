//! The one error type of the binary: every subcommand returns
//! `Result<Exit, CliError>`, and `main` prints the error once, here:
//!
//! ```text
//! <diagnostics, if any (e.g. every policy error with its caret)>
//!
//! error: <message>
//!   caused by: <source>
//!   caused by: <its source> ...
//! hint: <what to do>
//! ```
//!
//! Causes stay typed errors in a `source` chain until they are printed;
//! nothing pastes a cause into a message with `format!`.

use crate::exit::Exit;
use scimdrift_fetch::FetchError;
use std::error::Error;
use std::fmt;
use std::io::Write as _;

/// A boxed error that can cross threads (the chain's links).
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// A failed command: the exit code it maps to, what went wrong (with its
/// causes) and, for user errors, what to do about it.
#[derive(Debug)]
pub struct CliError {
    /// The documented exit code.
    exit: Exit,
    /// The `error:` line (its `Display`) and the `caused by:` lines (its
    /// `source` chain).
    error: BoxError,
    /// The `hint:` line.
    hint: Option<String>,
    /// Text printed above the `error:` line, verbatim: diagnostics that each
    /// point at the input (caret excerpts), so they cannot be one message.
    diagnostics: Option<String>,
}

/// A message without a cause: the head of a chain built from text.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Message {}

/// A message in front of its cause (what [`CliError::context`] adds).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct WithCause {
    message: String,
    #[source]
    source: BoxError,
}

impl CliError {
    /// An error with this exit code and message, and no cause.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self::from_error(exit, Message(message.into()))
    }

    /// Invalid input (exit 4): a bad policy, filter, file or flag.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Exit::Invalid, message)
    }

    /// A runtime failure (exit 1): network, IO, an internal error.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, message)
    }

    /// A typed error: its `Display` is the message, its `source` chain the
    /// causes.
    pub fn from_error(exit: Exit, error: impl Into<BoxError>) -> Self {
        CliError {
            exit,
            error: error.into(),
            hint: None,
            diagnostics: None,
        }
    }

    /// `message`, caused by `source`.
    pub fn caused_by(exit: Exit, message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::from_error(exit, source).context(message)
    }

    /// Puts `message` in front: the current message becomes the first
    /// cause. The exit code and the hint stay.
    #[must_use]
    pub fn context(mut self, message: impl Into<String>) -> Self {
        self.error = Box::new(WithCause {
            message: message.into(),
            source: self.error,
        });
        self
    }

    /// Sets the `hint:` line.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the `hint:` line when there is one.
    #[must_use]
    pub fn with_hint_opt(mut self, hint: Option<impl Into<String>>) -> Self {
        self.hint = hint.map(Into::into);
        self
    }

    /// Sets the text printed above the `error:` line.
    #[must_use]
    pub fn with_diagnostics(mut self, diagnostics: impl Into<String>) -> Self {
        self.diagnostics = Some(diagnostics.into());
        self
    }

    /// The text `main` prints on stderr.
    pub fn render(&self) -> String {
        use fmt::Write as _;
        let mut out = String::new();
        if let Some(diagnostics) = &self.diagnostics {
            let _ = writeln!(out, "{diagnostics}");
        }
        let _ = writeln!(out, "error: {}", self.error);
        let mut cause = self.error.source();
        while let Some(err) = cause {
            let _ = writeln!(out, "  caused by: {err}");
            cause = err.source();
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "hint: {hint}");
        }
        out
    }

    /// Prints the error on stderr (once, from `main`) and returns its exit
    /// code.
    pub fn print(&self) -> Exit {
        let _ = anstream::stderr().write_all(self.render().as_bytes());
        self.exit
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl Error for CliError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

/// IO on stdout or a file the command did not name: a runtime failure.
impl From<std::io::Error> for CliError {
    fn from(err: std::io::Error) -> Self {
        CliError::from_error(Exit::Failure, err)
    }
}

/// A fetch error keeps its hint; bad options are invalid input.
impl From<FetchError> for CliError {
    fn from(err: FetchError) -> Self {
        let exit = if err.is_invalid_input() {
            Exit::Invalid
        } else {
            Exit::Failure
        };
        let hint = err.hint().map(str::to_owned);
        CliError::from_error(exit, err).with_hint_opt(hint)
    }
}

/// `.context(...)` for results: a foreign error becomes the cause of a
/// runtime failure (exit 1) with this message; a [`CliError`] keeps its
/// exit code and hint.
pub trait Context<T> {
    /// Puts `message` in front of the error.
    fn context(self, message: impl Into<String>) -> Result<T, CliError>;

    /// [`Context::context`] with a message built only on error.
    fn with_context(self, message: impl FnOnce() -> String) -> Result<T, CliError>;
}

impl<T, E: Into<BoxError>> Context<T> for Result<T, E> {
    fn context(self, message: impl Into<String>) -> Result<T, CliError> {
        self.map_err(|err| into_cli(err.into()).context(message))
    }

    fn with_context(self, message: impl FnOnce() -> String) -> Result<T, CliError> {
        self.map_err(|err| into_cli(err.into()).context(message()))
    }
}

/// A boxed error as a [`CliError`]: itself if it is one, else a failure.
fn into_cli(err: BoxError) -> CliError {
    match err.downcast::<CliError>() {
        Ok(cli) => *cli,
        Err(other) => CliError::from_error(Exit::Failure, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_only() {
        let err = CliError::invalid("no data").with_hint("give --snapshot");
        assert_eq!(err.exit, Exit::Invalid);
        insta::assert_snapshot!(err.render(), @r"
        error: no data
        hint: give --snapshot
        ");
    }

    #[test]
    fn every_cause_on_its_own_line() {
        let io = std::io::Error::other("disk on fire");
        let err: Result<(), _> = Err(io);
        let err = err
            .context("cannot read `a.json`")
            .map_err(|e| {
                e.context("the saved state is unreadable")
                    .with_hint("delete it")
            })
            .unwrap_err();
        assert_eq!(err.exit, Exit::Failure);
        insta::assert_snapshot!(err.render(), @r"
        error: the saved state is unreadable
          caused by: cannot read `a.json`
          caused by: disk on fire
        hint: delete it
        ");
    }

    #[test]
    fn context_keeps_a_cli_errors_exit_code_and_hint() {
        let inner: Result<(), CliError> = Err(CliError::invalid("bad").with_hint("fix it"));
        let err = inner.context("outer").unwrap_err();
        assert_eq!(err.exit, Exit::Invalid);
        insta::assert_snapshot!(err.render(), @r"
        error: outer
          caused by: bad
        hint: fix it
        ");
    }

    #[test]
    fn diagnostics_come_first() {
        let err = CliError::invalid("2 error(s) in the policies under `p`")
            .with_diagnostics("p/a.yaml:1:1: error: x\n");
        insta::assert_snapshot!(err.render(), @r"
        p/a.yaml:1:1: error: x

        error: 2 error(s) in the policies under `p`
        ");
    }
}
