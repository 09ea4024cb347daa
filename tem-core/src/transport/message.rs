//! What goes through the HTTP layer: a request ([`HttpRequest`]), a reply ([`HttpReply`]),
//! and a failure ([`TransportError`]) with what it tells of whether the server got the request.

use std::fmt;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::error::BoxError;

/// One request as the SDK sends it over HTTP: signed, headers included.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The most bytes of the reply to read: a longer reply fails as
    /// [`TransportErrorKind::ResponseTooLarge`], read no further.
    pub(crate) max_response_bytes: usize,
}

impl HttpRequest {
    /// A request: method, URL, headers and body, with no limit on the reply's size.
    pub fn new(method: Method, url: Url, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self { method, url, headers, body: body.into(), max_response_bytes: usize::MAX }
    }

    /// Reads at most `limit` bytes of the reply.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// `POST` for API calls, `GET` for GET-style calls and the metadata service.
    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// The URL, `scheme://host[:port]/[?query]`.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Every header set by the SDK, `Authorization` and `X-TC-Token` included (names
    /// lowercase). `Host` is here only where it differs from what the URL gives.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of header `name` (any case), if sent and text; `Host` is the URL's when the
    /// SDK left it to the HTTP client.
    pub fn header(&self, name: &str) -> Option<&str> {
        match self.headers.get(name) {
            Some(value) => value.to_str().ok(),
            None if name.eq_ignore_ascii_case("host") => self.url.host_str(),
            None => None,
        }
    }

    /// The action called, from `X-TC-Action`.
    pub fn action(&self) -> Option<&str> {
        self.header("X-TC-Action")
    }

    /// The body as sent: the action's parameters as JSON (form-encoded with a legacy signature).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The most bytes of the reply the SDK reads.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }
}

impl fmt::Debug for HttpRequest {
    // As `PreparedRequest`: the secrets are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let secret = v.is_sensitive() || *n == "x-tc-token" || *n == reqwest::header::AUTHORIZATION;
                (n.as_str(), if secret { "** redacted **" } else { v.to_str().unwrap_or("(not text)") })
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method.as_str())
            .field("url", &self.url.as_str())
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// The request id of replies built by [`HttpReply::ok`] and [`HttpReply::service_error`].
pub const MOCK_REQUEST_ID: &str = "mock-request-id";

/// A reply as a transport returns it: status, headers and body.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpReply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl HttpReply {
    /// A reply with `status` and `body`, and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self { status, headers: HeaderMap::new(), body: body.into() }
    }

    /// A success: HTTP 200 with `{"Response": {...fields, "RequestId"}}`; `fields` is an object
    /// of the response's fields (wire names), and its `RequestId` if it has none is
    /// [`MOCK_REQUEST_ID`].
    pub fn ok(fields: serde_json::Value) -> Self {
        let mut response = match fields {
            serde_json::Value::Object(map) => map,
            // Not an object: sent as given, for tests of bad replies.
            other => return Self::json(&serde_json::json!({ "Response": other })),
        };
        response.entry("RequestId").or_insert_with(|| MOCK_REQUEST_ID.into());
        Self::json(&serde_json::json!({ "Response": response }))
    }

    /// An error reply, as Tencent Cloud sends it (HTTP 200): `{"Response": {"Error": {"Code",
    /// "Message"}, "RequestId"}}` with [`MOCK_REQUEST_ID`].
    pub fn service_error(code: &str, message: &str) -> Self {
        Self::service_error_with_request_id(code, message, MOCK_REQUEST_ID)
    }

    /// As [`HttpReply::service_error`], with this request id.
    pub fn service_error_with_request_id(code: &str, message: &str, request_id: &str) -> Self {
        Self::json(&serde_json::json!({
            "Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}
        }))
    }

    fn json(body: &serde_json::Value) -> Self {
        Self::new(200, body.to_string()).with_header("Content-Type", "application/json")
    }

    /// Adds a header (e.g. `Date`, read when the server refuses a signature as expired); a
    /// name or value HTTP forbids is left out.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::try_from(value)) {
            self.headers.append(name, value);
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// What happened to a request that got no complete reply; it decides the error's
/// [`ErrorKind`](crate::ErrorKind) and whether the call is retried.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportErrorKind {
    /// No connection was made (DNS, refused, TLS handshake): the request was not sent.
    /// [`ErrorKind::Connect`](crate::ErrorKind::Connect); retried for every action.
    Connect,
    /// No connection within the connect timeout: not sent.
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout); retried for every action.
    ConnectTimeout,
    /// The connection failed after sending: the server may have received the request.
    /// [`ErrorKind::Dispatch`](crate::ErrorKind::Dispatch); retried for read-only actions only.
    Dispatch,
    /// No complete reply within the timeout: the server may have received the request.
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout); retried for read-only actions only.
    Timeout,
    /// The reply is longer than [`HttpRequest::max_response_bytes`]: read no further.
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge); not retried.
    ResponseTooLarge,
}

/// A request that got no complete reply.
#[derive(Debug)]
pub struct TransportError {
    pub(crate) kind: TransportErrorKind,
    pub(crate) message: String,
    pub(crate) status: Option<u16>,
    pub(crate) source: Option<BoxError>,
}

impl TransportError {
    /// A failure of `kind` explained by `message`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), status: None, source: None }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What happened to the request.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The reply's status, when one came (a reply too large).
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The request was certainly not sent: no connection was made.
    pub fn not_sent(&self) -> bool {
        matches!(self.kind, TransportErrorKind::Connect | TransportErrorKind::ConnectTimeout)
    }

    /// A timeout, of connecting or of the whole exchange.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, TransportErrorKind::ConnectTimeout | TransportErrorKind::Timeout)
    }

    /// A reply over the size limit of `limit` bytes, `len` bytes or more, with `status`.
    pub(crate) fn too_large(status: u16, len: u64, limit: usize) -> Self {
        let message = format!("the reply has {len} bytes or more, the limit is {limit}");
        Self { status: Some(status), ..Self::new(TransportErrorKind::ResponseTooLarge, message) }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}
