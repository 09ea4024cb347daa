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
/// object shape is checked on the raw text before any struct is read.
fn response_object(body: &[u8]) -> Result<&RawValue, (&'static str, Option<serde_json::Error>)> {
    let json: &RawValue = serde_json::from_slice(body).map_err(|e| ("the reply is not valid JSON", Some(e)))?;
    if !json.get().starts_with('{') {
        return Err(("the reply is not a JSON object", None));
    }
    let envelope: Envelope<'_> =
        serde_json::from_str(json.get()).map_err(|e| ("the reply is not a valid JSON object", Some(e)))?;
    match envelope.response {
        Some(response) if response.get().starts_with('{') => Ok(response),
        Some(_) => Err(("`Response` is not an object", None)),
        None => Err(("the reply has no `Response` object", None)),
    }
}

/// Decodes a reply: the typed response, the typed service error, or a runtime error
/// saying what is wrong with the reply. Never panics, whatever the bytes.
pub fn decode_reply<R: DeserializeOwned, E: OperationError>(
    action: &'static str,
    reply: &Reply,
) -> Result<R, Error<E>> {
    let fail = |kind: ErrorKind, message: String| Error::new(kind, message).with_action(action);
    if reply.status != 200 {
        // Keep the request id of an error envelope, if the body happens to be one.
        let request_id = response_object(&reply.body)
            .ok()
            .and_then(|response| serde_json::from_str::<ErrorProbe<'_>>(response.get()).ok())
            .and_then(|probe| probe.request_id());
        return Err(fail(ErrorKind::HttpStatus, format!("body: {}", excerpt(&reply.body)))
            .with_http_status(reply.status)
            .with_request_id(request_id));
    }
    let response = response_object(&reply.body).map_err(|(what, source)| {
        let error = fail(ErrorKind::Decode, format!("{what}: {}", excerpt(&reply.body)));
        match source {
            Some(source) => error.with_source(source),
            None => error,
        }
    })?;
    let probe: ErrorProbe<'_> = serde_json::from_str(response.get())
        .map_err(|e| fail(ErrorKind::Decode, "`Response` is not a valid object".into()).with_source(e))?;
    let request_id = probe.request_id();
    if let Some(error) = probe.error.filter(|raw| raw.get() != "null") {
        let error: ErrorBody = serde_json::from_str(error.get()).map_err(|e| {
            fail(ErrorKind::Decode, format!("`Response.Error` is not an object with a string `Code`: {}", error.get()))
                .with_request_id(request_id.clone())
                .with_source(e)
        })?;
        let Some(code) = error.code else {
            return Err(fail(ErrorKind::Decode, "the error reply has no `Code`".into()).with_request_id(request_id));
        };
        let metadata = ErrorMetadata::new(code, error.message.unwrap_or_default(), request_id.unwrap_or_default());
        return Err(Error::service(E::from_metadata(metadata)).with_action(action));
    }
    let mut deserializer = serde_json::Deserializer::from_str(response.get());
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        fail(ErrorKind::Decode, format!("`Response.{path}` does not match the response type"))
            .with_request_id(request_id)
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
