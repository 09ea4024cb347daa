//! Decoding a reply: the typed response, the typed service error, or a runtime error.

use std::convert::Infallible;
use std::ops::Range;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::call::retry::Failure;
use crate::error::{Error, ErrorKind, ErrorMetadata, OperationError};

/// A raw reply: status, body and the `Date` header (for clock-skew handling). Built with
/// [`Reply::new`]; it may gain fields (hence `#[non_exhaustive]`).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `Date` header, if any.
    pub date: Option<String>,
    /// The body, read whole (within the configured limit).
    pub body: Vec<u8>,
}

impl Reply {
    /// A reply with `status` and `body`, and no `Date`.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self { status, date: None, body: body.into() }
    }

    /// Sets the `Date` header's value.
    pub fn with_date(mut self, date: impl Into<String>) -> Self {
        self.date = Some(date.into());
        self
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Response", borrow)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ErrorProbe<'a> {
    // Raw, so that a malformed `Error` does not hide a good `RequestId`, nor the reverse.
    #[serde(rename = "Error", borrow)]
    error: Option<&'a RawValue>,
    #[serde(rename = "RequestId", borrow)]
    request_id: Option<&'a RawValue>,
}

impl ErrorProbe<'_> {
    fn request_id(&self) -> Option<String> {
        self.request_id.and_then(|raw| serde_json::from_str(raw.get()).ok())
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// `Response` of a reply, if the reply is a JSON object with an object `Response`.
///
/// Derived `Deserialize` impls also read a struct from a JSON array, by position, so the
/// object shape is checked before any struct is read: on the first byte, so that a good reply
/// is scanned once here; only a bad one is scanned again, to say what is wrong with it.
fn response_object(body: &[u8]) -> Result<&RawValue, (&'static str, Option<serde_json::Error>)> {
    let first = body.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return Err(match serde_json::from_slice::<&RawValue>(body) {
            Ok(_) => ("the reply is not a JSON object", None),
            Err(e) => ("the reply is not valid JSON", Some(e)),
        });
    }
    let envelope: Envelope<'_> = serde_json::from_slice(body).map_err(|e| ("the reply is not valid JSON", Some(e)))?;
    match envelope.response {
        Some(response) if response.get().starts_with('{') => Ok(response),
        Some(_) => Err(("`Response` is not an object", None)),
        None => Err(("the reply has no `Response` object", None)),
    }
}

/// What a reply says, before the typed response is read: found once per attempt, without
/// knowing the action's types, so that the retry loop can look at the error code cheaply and
/// the typed decoding need not look again.
#[derive(Debug)]
pub(crate) struct Inspection {
    pub(crate) request_id: Option<String>,
    pub(crate) verdict: Verdict,
}

#[derive(Debug)]
pub(crate) enum Verdict {
    /// A success: the typed response is to be read from these bytes of the body.
    Success(Range<usize>),
    /// An error reply with a code.
    Service { code: String, message: String },
    /// Not a usable reply: a non-200 status or a malformed body.
    Failed(Error<Infallible>),
}

impl Inspection {
    /// What failed, for [`crate::retry::classify`]; `None` for a success.
    pub(crate) fn failure(&self) -> Option<Failure<'_>> {
        match &self.verdict {
            Verdict::Success(_) => None,
            Verdict::Service { code, .. } => Some(Failure::Service(code)),
            Verdict::Failed(error) => Some(match error.http_status() {
                Some(status) if error.kind() == ErrorKind::HttpStatus => Failure::HttpStatus(status),
                _ => Failure::Other,
            }),
        }
    }
}

/// Looks at a reply: a success (where its `Response` is), an error code, or what is wrong
/// with it. Never panics, whatever the bytes.
pub(crate) fn inspect(action: &'static str, reply: &Reply) -> Inspection {
    let fail = |kind: ErrorKind, message: String| Error::new(kind, message).with_action(action);
    let failed = |error: Error<Infallible>| {
        let request_id = error.reply_request_id().map(str::to_owned);
        Inspection { request_id, verdict: Verdict::Failed(error) }
    };
    if reply.status != 200 {
        // Keep the request id of an error envelope, if the body happens to be one.
        let request_id = response_object(&reply.body)
            .ok()
            .and_then(|response| serde_json::from_str::<ErrorProbe<'_>>(response.get()).ok())
            .and_then(|probe| probe.request_id());
        return failed(
            fail(ErrorKind::HttpStatus, format!("body: {}", excerpt(&reply.body)))
                .with_http_status(reply.status)
                .with_request_id(request_id),
        );
    }
    let response = match response_object(&reply.body) {
        Ok(response) => response,
        Err((what, source)) => {
            let error = fail(ErrorKind::Decode, format!("{what}: {}", excerpt(&reply.body)));
            return failed(match source {
                Some(source) => error.with_source(source),
                None => error,
            });
        }
    };
    let probe: ErrorProbe<'_> = match serde_json::from_str(response.get()) {
        Ok(probe) => probe,
        Err(e) => return failed(fail(ErrorKind::Decode, "`Response` is not a valid object".into()).with_source(e)),
    };
    let request_id = probe.request_id();
    if let Some(error) = probe.error.filter(|raw| raw.get() != "null") {
        let error: ErrorBody = match serde_json::from_str(error.get()) {
            Ok(error) => error,
            Err(e) => {
                let message = format!("`Response.Error` is not an object with a string `Code`: {}", error.get());
                return failed(fail(ErrorKind::Decode, message).with_request_id(request_id).with_source(e));
            }
        };
        let Some(code) = error.code else {
            return failed(fail(ErrorKind::Decode, "the error reply has no `Code`".into()).with_request_id(request_id));
        };
        return Inspection {
            request_id,
            verdict: Verdict::Service { code, message: error.message.unwrap_or_default() },
        };
    }
    // `response` borrows from `reply.body` (through `response_object`), so its place in the
    // body is its address less the body's.
    let start = response.get().as_ptr() as usize - reply.body.as_ptr() as usize;
    let range = start..start + response.get().len();
    debug_assert_eq!(reply.body.get(range.clone()), Some(response.get().as_bytes()));
    Inspection { request_id, verdict: Verdict::Success(range) }
}

/// The typed outcome of an inspected reply: the response read from the body, the typed
/// service error, or the runtime error found.
pub(crate) fn finish<R: DeserializeOwned, E: OperationError>(
    action: &'static str,
    reply: &Reply,
    inspection: Inspection,
) -> Result<R, Error<E>> {
    let request_id = inspection.request_id;
    let range = match inspection.verdict {
        Verdict::Success(range) => range,
        Verdict::Service { code, message } => {
            let metadata = ErrorMetadata::new(code, message, request_id.unwrap_or_default());
            return Err(Error::service(E::from_metadata(metadata)).with_action(action));
        }
        Verdict::Failed(error) => return Err(error.widen()),
    };
    let Some(body) = reply.body.get(range) else {
        let error = Error::new(ErrorKind::Decode, "the reply changed after it was inspected");
        return Err(error.with_action(action).with_request_id(request_id));
    };
    // Read without tracking the path, which costs an allocation per field; only a reply that
    // does not match is read again to say where.
    if let Ok(response) = serde_json::from_slice(body) {
        return Ok(response);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        Error::new(ErrorKind::Decode, format!("`Response.{path}` does not match the response type"))
            .with_action(action)
            .with_request_id(request_id)
            .with_source(e.into_inner())
    })
}

/// Decodes a reply: the typed response, the typed service error, or a runtime error
/// saying what is wrong with the reply. Never panics, whatever the bytes.
pub fn decode_reply<R: DeserializeOwned, E: OperationError>(
    action: &'static str,
    reply: &Reply,
) -> Result<R, Error<E>> {
    finish(action, reply, inspect(action, reply))
}

/// The start of a body for an error message: valid UTF-8, at most 200 characters.
fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let mut out: String = text.chars().take(MAX).collect();
    if out.len() < body.len() {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty)");
    }
    out
}

#[cfg(test)]
mod decode_tests {
    use super::*;
    use crate::CommonError;

    fn decode(status: u16, body: &str) -> Result<serde_json::Value, Error<CommonError>> {
        decode_reply("Probe", &Reply { status, date: None, body: body.as_bytes().to_vec() })
    }

    fn decode_error(status: u16, body: &str) -> (ErrorKind, String, Option<String>) {
        let err = decode(status, body).expect_err(body);
        (err.kind(), err.to_string(), err.request_id().map(str::to_owned))
    }

    #[test]
    fn arrays_and_scalars_are_not_envelopes() {
        for body in ["[1, 2, 3]", r#"[{"RequestId":"r"}]"#, "[]", r#""x""#, "null", "42"] {
            let (kind, shown, _) = decode_error(200, body);
            assert_eq!(kind, ErrorKind::Decode, "{body}");
            assert!(shown.contains("the reply is not a JSON object"), "{shown}");
        }
        for body in [r#"{"Response":[null,"r"]}"#, r#"{"Response":"x"}"#] {
            assert!(decode_error(200, body).1.contains("`Response` is not an object"), "{body}");
        }
        assert!(decode_error(200, "<html>").1.contains("not valid JSON: <html>"));
        assert!(decode_error(200, "").1.contains("not valid JSON: (empty)"));
        assert!(decode_error(200, r#"{"Data":1}"#).1.contains("no `Response`"));
        assert!(decode(200, r#"  {"Response":{"RequestId":"r","Error":null}}  "#).is_ok());
    }

    #[test]
    fn request_id_survives_a_malformed_error_and_a_non_200_status() {
        let (kind, shown, id) = decode_error(200, r#"{"Response":{"Error":{"Code":123},"RequestId":"r-1"}}"#);
        assert_eq!((kind, id.as_deref()), (ErrorKind::Decode, Some("r-1")));
        assert!(shown.contains("`Response.Error` is not an object with a string `Code`"), "{shown}");
        let (kind, _, id) = decode_error(200, r#"{"Response":{"Error":{"Message":"m"},"RequestId":"r-2"}}"#);
        assert_eq!((kind, id.as_deref()), (ErrorKind::Decode, Some("r-2")));
        let body = r#"{"Response":{"Error":{"Code":"InternalError","Message":"x"},"RequestId":"r-3"}}"#;
        let (kind, _, id) = decode_error(500, body);
        assert_eq!((kind, id.as_deref()), (ErrorKind::HttpStatus, Some("r-3")));
        assert_eq!(decode_error(502, "<html>bad gateway</html>").2, None);
        let err = decode(200, r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure"},"RequestId":"r-4"}}"#);
        assert_eq!(err.unwrap_err().request_id(), Some("r-4"));
    }
}
