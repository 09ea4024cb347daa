//! The request log: what each request asked and what it was answered, bounded in entries and in
//! bytes (every entry's text and parameters are capped, see [`crate::limits`]).

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::limits::{MAX_LOGGED_PARAMS_BYTES, MAX_LOGGED_TEXT_BYTES};

/// One request the emulator received (control requests excepted), and what it answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggedRequest {
    /// Order of arrival, from 0.
    pub sequence: u64,
    /// The `RequestId` answered.
    pub request_id: String,
    /// The HTTP method (`POST`, or `GET` with the parameters in the query).
    pub method: String,
    /// `X-TC-Action` (or the legacy `Action`), `""` if absent; cut to
    /// [`MAX_LOGGED_TEXT_BYTES`].
    pub action: String,
    /// `None`: a success reply; otherwise the error code answered (front door, validation,
    /// the model or a fault).
    pub verdict: Option<String>,
    /// The error message, when there was one; cut to [`MAX_LOGGED_TEXT_BYTES`].
    pub reason: Option<String>,
    /// The fault applied, if any ([`crate::Fault::name`]).
    pub fault: Option<String>,
    /// Whether the model computed the reply (false for rejected requests).
    pub modelled: bool,
    /// The validated parameters (`null` if the request did not get that far; a string saying
    /// their size when the body was over [`MAX_LOGGED_PARAMS_BYTES`]).
    pub params: Value,
    /// How long the emulator took to answer, in milliseconds.
    pub millis: u64,
}

/// `text` cut to at most `max` bytes, at a character boundary.
pub fn capped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// The parameters a log entry keeps: all of them when the body was small, else their size.
pub fn logged_params(params: &Map<String, Value>, body_len: usize) -> Value {
    if body_len <= MAX_LOGGED_PARAMS_BYTES {
        Value::Object(params.clone())
    } else {
        Value::from(format!("({body_len} bytes of parameters, not kept)"))
    }
}

/// The log: oldest first, at most `max_entries` entries and about `max_bytes` bytes.
#[derive(Debug)]
pub struct RequestLog {
    entries: VecDeque<(LoggedRequest, usize)>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl RequestLog {
    /// An empty log with these bounds.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self { entries: VecDeque::new(), bytes: 0, max_entries: max_entries.max(1), max_bytes }
    }

    /// Adds an entry (its text cut to the caps), dropping the oldest ones to stay in bounds.
    pub fn push(&mut self, mut entry: LoggedRequest) {
        entry.action = capped(&entry.action, MAX_LOGGED_TEXT_BYTES);
        entry.method = capped(&entry.method, MAX_LOGGED_TEXT_BYTES);
        entry.reason = entry.reason.map(|r| capped(&r, MAX_LOGGED_TEXT_BYTES));
        entry.verdict = entry.verdict.map(|v| capped(&v, MAX_LOGGED_TEXT_BYTES));
        let size = Self::size(&entry);
        while !self.entries.is_empty() && (self.entries.len() >= self.max_entries || self.bytes + size > self.max_bytes)
        {
            if let Some((_, dropped)) = self.entries.pop_front() {
                self.bytes -= dropped;
            }
        }
        self.bytes += size;
        self.entries.push_back((entry, size));
    }

    /// Bytes an entry holds, about: its strings and its parameters as JSON.
    fn size(entry: &LoggedRequest) -> usize {
        let params = if entry.params.is_null() { 0 } else { entry.params.to_string().len() };
        128 + entry.request_id.len()
            + entry.action.len()
            + entry.method.len()
            + entry.verdict.as_ref().map_or(0, String::len)
            + entry.reason.as_ref().map_or(0, String::len)
            + entry.fault.as_ref().map_or(0, String::len)
            + params
    }

    /// The entries, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &LoggedRequest> {
        self.entries.iter().map(|(entry, _)| entry)
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        assert_eq!(capped("héllo", 2), "h");
        assert_eq!(capped("héllo", 3), "hé");
        assert_eq!(capped("abc", 10), "abc");
    }
}
