//! Lines for standard error: progress, warnings, errors. A closed standard error loses them
//! and nothing more (no panic, unlike `eprintln!`).

use std::io::Write;

/// Writes one line to standard error.
pub fn note(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}
