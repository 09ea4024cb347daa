//! The transport seam, for testing code that calls the SDK without a server (feature
//! `test-util`).
//!
//! A [`Client`](crate::Client) whose configuration has a [`Transport`]
//! ([`Config::with_transport`]) hands it each signed request instead of sending it over HTTP,
//! and treats what comes back exactly as a reply from the network: decoding, typed service
//! errors, retries, the reply size limit. [`StaticReplayTransport`] answers with canned
//! replies, in order, and records every request, in the spirit of aws-smithy-mocks'
//! `StaticReplayClient`; [`FnTransport`] answers with a function of each request.
//!
//! Without the feature none of this exists, and the HTTP path has no branch for it.
//!
//! ```
//! use serde_json::json;
//! use tem_core::transport::{HttpReply, StaticReplayTransport};
//! use tem_core::{Client, CommonError, Config, Credentials, ServiceSpec};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let transport = StaticReplayTransport::new()
//!     .with_reply(HttpReply::ok(json!({"Result": true})))
//!     .with_reply(HttpReply::service_error("ResourceNotFound.ApplicationNotExist", "no such application"));
//! let config = Config::new(Credentials::new("AKIDtest", "test-key"))
//!     .with_region("ap-guangzhou")
//!     .unwrap()
//!     .with_transport(transport.clone());
//! let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config).unwrap();
//!
//! let reply = client.send_raw("RestartApplication", br#"{"ApplicationId":"app-1"}"#.to_vec()).await.unwrap();
//! let response: serde_json::Value = tem_core::decode_reply::<_, CommonError>("RestartApplication", &reply).unwrap();
//! assert_eq!(response["Result"], true);
//!
//! let requests = transport.requests();
//! assert_eq!(requests[0].action(), Some("RestartApplication"));
//! assert_eq!(requests[0].body_json().unwrap(), json!({"ApplicationId": "app-1"}));
//! assert_eq!(transport.remaining(), 1);
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use std::convert::Infallible;

use crate::client::Reply;
use crate::config::Config;
use crate::error::{BoxError, Error, ErrorKind};
use crate::retry::Failure;

/// One request as the client would send it over HTTP: signed, headers included.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpRequest {
    /// A request: method, URL, headers (names as sent) and body.
    pub fn new(
        method: impl Into<String>,
        url: impl Into<String>,
        headers: Vec<(String, String)>,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Self { method: method.into(), url: url.into(), headers, body: body.into() }
    }

    /// `POST`, as every call is sent.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The URL, `scheme://host[:port]/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every header, `Authorization` and `X-TC-Token` included; names as HTTP/1.1 sends them
    /// (lowercase).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
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
}

impl fmt::Debug for HttpRequest {
    // As `PreparedRequest`: the session token is redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (n.as_str(), if n.eq_ignore_ascii_case("X-TC-Token") { "** redacted **" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
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
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpReply {
    /// A reply with `status` and `body`, and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self { status, headers: Vec::new(), body: body.into() }
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

    /// Adds a header (e.g. `Date`, read when the server refuses a signature as expired).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// What happened to a request a transport could not complete; it decides the error's
/// [`ErrorKind`] and whether the call is retried.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportErrorKind {
    /// No connection was made (DNS, refused, TLS handshake): the request was not sent.
    /// [`ErrorKind::Connect`]; retried for every action.
    Connect,
    /// No connection within the connect timeout: not sent.
    /// [`ErrorKind::Timeout`]; retried for every action.
    ConnectTimeout,
    /// The connection failed after sending: the server may have received the request.
    /// [`ErrorKind::Dispatch`]; retried for read-only actions only.
    Dispatch,
    /// No complete reply within the timeout: the server may have received the request.
    /// [`ErrorKind::Timeout`]; retried for read-only actions only.
    Timeout,
}

/// A request a transport could not complete.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<BoxError>,
}

impl TransportError {
    /// A failure of `kind` explained by `message`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), source: None }
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

/// What [`Transport::send`] returns: a boxed future, so that the trait is object-safe.
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpReply, TransportError>> + Send + 'a>>;

/// Where a client sends its requests instead of HTTP: each attempt's signed request in, a
/// reply or a failure out.
pub trait Transport: fmt::Debug + Send + Sync {
    /// Sends one request.
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;
}

/// A shared, type-erased transport, as a [`Config`] holds it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SharedTransport(Arc<dyn Transport>);

impl SharedTransport {
    /// Shares `transport`.
    pub fn new(transport: impl Transport + 'static) -> Self {
        Self(Arc::new(transport))
    }
}

impl Transport for SharedTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.0.send(request)
    }
}

/// A transport answering with canned replies, one per request in order, and recording every
/// request. Clones share the replies and the record: keep one to look at what was sent.
///
/// When no reply is left, a request fails as a [`TransportErrorKind::Dispatch`] saying so.
#[derive(Clone, Debug, Default)]
pub struct StaticReplayTransport {
    state: Arc<Mutex<ReplayState>>,
}

#[derive(Debug, Default)]
struct ReplayState {
    replies: VecDeque<Result<HttpReply, TransportErrorKind>>,
    requests: Vec<HttpRequest>,
}

impl StaticReplayTransport {
    /// No replies yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers the next request not yet answered with `reply`.
    pub fn with_reply(self, reply: HttpReply) -> Self {
        self.lock().replies.push_back(Ok(reply));
        self
    }

    /// Fails the next request not yet answered with a failure of `kind`.
    pub fn with_failure(self, kind: TransportErrorKind) -> Self {
        self.lock().replies.push_back(Err(kind));
        self
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.lock().requests.clone()
    }

    /// Replies and failures not used yet.
    pub fn remaining(&self) -> usize {
        self.lock().replies.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReplayState> {
        // A test that panicked while holding it leaves the record as it was: still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Transport for StaticReplayTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        let mut state = self.lock();
        let number = state.requests.len() + 1;
        let action = request.action().unwrap_or("?").to_owned();
        state.requests.push(request);
        let answer = match state.replies.pop_front() {
            Some(Ok(reply)) => Ok(reply),
            Some(Err(kind)) => Err(TransportError::new(kind, format!("canned {kind:?} failure"))),
            None => Err(TransportError::new(
                TransportErrorKind::Dispatch,
                format!("StaticReplayTransport has no reply left for request {number} ({action})"),
            )),
        };
        Box::pin(async move { answer })
    }
}

type Answer = Arc<dyn Fn(&HttpRequest) -> Result<HttpReply, TransportErrorKind> + Send + Sync>;

/// A transport answering each request with a function of it (e.g. by
/// [`HttpRequest::action`]), and recording every request. Clones share the record.
///
/// ```
/// use tem_core::transport::{FnTransport, HttpReply, TransportErrorKind};
///
/// let transport = FnTransport::new(|request| match request.action() {
///     Some("DescribeApplications") => Ok(HttpReply::ok(serde_json::json!({"Result": {"TotalCount": 0}}))),
///     _ => Err(TransportErrorKind::Connect),
/// });
/// # drop(transport);
/// ```
#[derive(Clone)]
pub struct FnTransport {
    answer: Answer,
    requests: Arc<Mutex<Vec<HttpRequest>>>,
}

impl FnTransport {
    /// Answers every request with `answer(request)`.
    pub fn new(answer: impl Fn(&HttpRequest) -> Result<HttpReply, TransportErrorKind> + Send + Sync + 'static) -> Self {
        Self { answer: Arc::new(answer), requests: Arc::default() }
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl fmt::Debug for FnTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTransport").field("requests", &self.requests().len()).finish_non_exhaustive()
    }
}

impl Transport for FnTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        let answer = (self.answer)(&request)
            .map_err(|kind| TransportError::new(kind, format!("{kind:?} failure from the FnTransport function")));
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).push(request);
        Box::pin(async move { answer })
    }
}

/// The transport seam.
impl Config {
    /// Sends every request through `transport` instead of HTTP (feature `test-util`): see
    /// [`crate::transport`].
    pub fn with_transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(SharedTransport::new(transport));
        self
    }
}

/// A request about to be sent, as the client built it.
pub(crate) struct Outgoing<'a> {
    pub(crate) method: &'a reqwest::Method,
    pub(crate) url: &'a reqwest::Url,
    pub(crate) headers: &'a reqwest::header::HeaderMap,
    pub(crate) body: &'a [u8],
}

/// One attempt through `transport` instead of HTTP: `request` as it would be sent (with the
/// `Host` the URL gives when the client left it out), within the attempt's `timeout`, the reply
/// read as HTTP's is (the `Date` header, the size limit), a failure classified as HTTP's is.
pub(crate) async fn send_through(
    transport: &SharedTransport,
    action: &'static str,
    request: Outgoing<'_>,
    timeout: std::time::Duration,
    max_response_bytes: usize,
) -> Result<Reply, (Error<Infallible>, Failure<'static>)> {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(request.headers.len() + 1);
    if !request.headers.contains_key(reqwest::header::HOST) {
        let url = request.url;
        let host = url.host_str().unwrap_or_default();
        headers.push(("host".to_owned(), url.port().map_or_else(|| host.to_owned(), |port| format!("{host}:{port}"))));
    }
    headers.extend(
        request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())),
    );
    let request = HttpRequest::new(request.method.as_str(), request.url.as_str(), headers, request.body.to_vec());
    let sent = tokio::time::timeout(timeout, transport.send(request)).await.unwrap_or_else(|_| {
        Err(TransportError::new(
            TransportErrorKind::Timeout,
            "no complete reply within the timeout; the server may have received the request",
        ))
    });
    match sent {
        Ok(reply) => {
            if reply.body.len() > max_response_bytes {
                let message = format!("the reply has {} bytes, the limit is {max_response_bytes}", reply.body.len());
                let error = Error::new(ErrorKind::ResponseTooLarge, message).with_http_status(reply.status);
                return Err((error.with_action(action), Failure::Other));
            }
            let date = reply.header("Date").map(str::to_owned);
            Ok(Reply { status: reply.status, date, body: reply.body })
        }
        Err(error) => {
            let (kind, failure) = match error.kind {
                TransportErrorKind::Connect => (ErrorKind::Connect, Failure::NotSent),
                TransportErrorKind::ConnectTimeout => (ErrorKind::Timeout, Failure::NotSent),
                TransportErrorKind::Dispatch => (ErrorKind::Dispatch, Failure::MaybeReceived),
                TransportErrorKind::Timeout => (ErrorKind::Timeout, Failure::MaybeReceived),
            };
            let message = error.message.clone();
            Err((Error::new(kind, message).with_action(action).with_source(error), failure))
        }
    }
}
