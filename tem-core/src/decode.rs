//! Decoding a reply: the typed response, the typed service error, or a runtime error.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::client::Reply;
use crate::error::{Error, ErrorKind, ErrorMetadata, OperationError};

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Response", borrow)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ErrorProbe {
    #[serde(rename = "Error")]
    error: Option<ErrorBody>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// Decodes a reply: the typed response, the typed service error, or a runtime error
/// saying what is wrong with the reply. Never panics, whatever the bytes.
pub fn decode_reply<R: DeserializeOwned, E: OperationError>(
    action: &'static str,
    reply: &Reply,
) -> Result<R, Error<E>> {
    let fail = |kind: ErrorKind, message: String| Error::new(kind, message).with_action(action);
    if reply.status != 200 {
        return Err(
            fail(ErrorKind::HttpStatus, format!("body: {}", excerpt(&reply.body))).with_http_status(reply.status)
        );
    }
    let envelope: Envelope<'_> = serde_json::from_slice(&reply.body).map_err(|e| {
        let what = if e.is_data() { "the reply is not a JSON object" } else { "the reply is not valid JSON" };
        fail(ErrorKind::Decode, format!("{what}: {}", excerpt(&reply.body))).with_source(e)
    })?;
    let Some(response) = envelope.response else {
        return Err(fail(ErrorKind::Decode, format!("the reply has no `Response` object: {}", excerpt(&reply.body))));
    };
    let probe: ErrorProbe = serde_json::from_str(response.get()).map_err(|e| {
        fail(ErrorKind::Decode, "`Response` is not an object with a string `RequestId`".into()).with_source(e)
    })?;
    if let Some(error) = probe.error {
        let Some(code) = error.code else {
            return Err(
                fail(ErrorKind::Decode, "the error reply has no `Code`".into()).with_request_id(probe.request_id)
            );
        };
        let metadata =
            ErrorMetadata::new(code, error.message.unwrap_or_default(), probe.request_id.unwrap_or_default());
        return Err(Error::service(E::from_metadata(metadata)).with_action(action));
    }
    let mut deserializer = serde_json::Deserializer::from_str(response.get());
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        fail(ErrorKind::Decode, format!("`Response.{path}` does not match the response type"))
            .with_request_id(probe.request_id)
            .with_source(e.into_inner())
    })
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
