//! Lines for standard error: progress, warnings, errors, questions. A closed standard error
//! loses them and nothing more (no panic, unlike `eprintln!`).

use std::io::Write;

/// Writes one line to standard error.
pub fn note(line: &str) {
    write(&format!("{line}\n"));
}

/// Writes `text` to standard error as it is (a question that the answer follows on its line).
pub fn write(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush());
}
