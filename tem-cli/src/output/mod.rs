//! What `tem` prints and where: results on standard output in the `--output` format after
//! `--query`; progress, warnings and errors on standard error. Nothing here panics on a closed
//! stream: a closed standard output ends the command with [`Exit::ClosedOutput`], and a
//! closed standard error only loses the lines written to it ([`crate::diagnostics`]).
//!
//! Reused by every command that prints a result (`tem plan`/`tem apply` too): build an
//! [`Output`] from the matches with [`Output::from_matches`], then [`Output::print`].

mod table;
mod text;

use std::io::Write;

use clap::ArgMatches;
use serde_json::Value;

use crate::{Exit, Failure};

pub use table::table;
pub use text::text;

/// `--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON: pretty on a terminal, one line otherwise (one document per result).
    Json,
    /// The AWS CLI's tab-separated text.
    Text,
    /// Aligned columns.
    Table,
}

/// How results are printed: `--output` and `--query`.
pub struct Output {
    pub format: Format,
    query: Option<jmespath::Expression<'static>>,
}

impl Output {
    /// From the global flags; an invalid `--query` is bad input (exit 2), found before any call.
    pub fn from_matches(matches: &ArgMatches) -> Result<Self, Failure> {
        let chosen = matches.get_one::<String>("output").cloned().or_else(|| crate::tccli::tccli_output(matches));
        let format = match chosen.as_deref() {
            Some("text") => Format::Text,
            Some("table") => Format::Table,
            _ => Format::Json,
        };
        let query = match matches.get_one::<String>("query") {
            None => None,
            Some(expression) => Some(
                jmespath::compile(expression)
                    .map_err(|e| Failure::input(format!("error: --query: not a JMESPath expression: {e}")))?,
            ),
        };
        Ok(Self { format, query })
    }

    /// Plain JSON, no query.
    pub fn json() -> Self {
        Self { format: Format::Json, query: None }
    }

    /// `value` after `--query`, in the chosen format.
    pub fn render(&self, value: &Value) -> Result<String, Failure> {
        let value = match &self.query {
            None => value.clone(),
            Some(query) => {
                let found = query.search(value).map_err(|e| Failure::input(format!("error: --query: {e}")))?;
                serde_json::to_value(&*found).expect("a JMESPath result is JSON")
            }
        };
        Ok(match self.format {
            Format::Table => table(&value),
            Format::Text => text(&value),
            Format::Json if crate::stdout_is_terminal() => {
                format!("{}\n", serde_json::to_string_pretty(&value).expect("a JSON value serializes"))
            }
            Format::Json => format!("{value}\n"),
        })
    }

    /// Prints `value` on standard output.
    pub fn print(&self, value: &Value) -> Result<(), Failure> {
        write_stdout(&self.render(value)?)
    }
}

/// Writes `text` to standard output and flushes it. A closed output (`tem … | head -c1`) is
/// [`Exit::ClosedOutput`] with nothing more to say; any other write error is reported.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(closed_output()),
        Err(e) => Err(Failure { exit: Exit::Transport, message: format!("error: cannot write the output: {e}") }),
    }
}

/// The failure of a closed standard output: nothing to print (standard error may be the same
/// pipe), the documented status.
pub fn closed_output() -> Failure {
    Failure { exit: Exit::ClosedOutput, message: String::new() }
}
