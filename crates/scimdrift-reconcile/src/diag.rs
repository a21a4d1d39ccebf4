//! Diagnostics: errors and warnings about policy files, with a caret excerpt.

use std::fmt::Write as _;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The policies cannot be used.
    Error,
    /// Probably a mistake; the policies still load.
    Warning,
}

/// A secondary location (e.g. the first declaration of a duplicate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// What is there.
    pub label: String,
    /// File, as shown to users.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// One error or warning about a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// File, as shown to users (relative to the policies directory).
    pub file: String,
    /// 1-based line (0 when the diagnostic is about the whole file).
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// How many characters the caret underlines.
    pub len: u32,
    /// What is wrong: a lowercase fragment, user values in backticks.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The source line, for the excerpt.
    pub excerpt: Option<String>,
    /// Another place involved.
    pub related: Option<Related>,
}

impl Diagnostic {
    /// `file:line:column`.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }

    /// Renders the diagnostic: a headline, the location, a caret excerpt and
    /// the hint, in the style of rustc.
    ///
    /// ```text
    /// error: unknown key `must_be_inn`
    ///   --> team.yaml:7:5
    ///    |
    ///  7 |     must_be_inn: [Admins]
    ///    |     ^^^^^^^^^^^
    ///    = hint: did you mean `must_be_in`?
    /// ```
    pub fn render(&self) -> String {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut out = format!("{level}: {}\n", self.message);
        let width = self.line.to_string().len();
        let pad = " ".repeat(width);
        let _ = writeln!(out, "{pad}--> {}", self.location());
        if let Some(line) = &self.excerpt {
            let line = line.replace('\t', " ");
            let col = (self.column as usize).saturating_sub(1);
            let avail = line.chars().count().saturating_sub(col).max(1);
            let len = (self.len as usize).clamp(1, avail);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", self.line, line.trim_end());
            let _ = writeln!(out, "{pad} | {}{}", " ".repeat(col), "^".repeat(len));
        }
        if let Some(related) = &self.related {
            let _ = writeln!(
                out,
                "{pad} = note: {} at {}:{}:{}",
                related.label, related.file, related.line, related.column
            );
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{pad} = hint: {hint}");
        }
        out
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

/// Renders several diagnostics, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(Diagnostic::render)
        .collect::<Vec<_>>()
        .join("\n")
}
