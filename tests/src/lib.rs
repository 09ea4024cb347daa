//! Test support for the workspace: a local "front door", a stand-in for the Tencent Cloud API
//! gateway that SDK calls reach before any service.
//!
//! [`FrontDoor`] is a small HTTP/1.1 server (hyper) on `127.0.0.1`. Like the real gateway it
//! checks every request *before* the service sees it — method and path, `Content-Type`, `Host`,
//! the `X-TC-*` headers, the clock skew of `X-TC-Timestamp`, and the TC3-HMAC-SHA256
//! `Authorization` — and refuses a bad one the way Tencent Cloud does: HTTP 200 with
//! `{"Response":{"Error":{"Code","Message"},"RequestId"}}`. A request that passes goes to the
//! [`Responder`], a plain function from [`ReceivedRequest`] to [`Response`], which can answer
//! anything: a success, a service error, malformed bytes, a wrong status, a delay, a reset.
//! Every request received, accepted or not, is kept in order for assertions
//! ([`FrontDoor::requests`]).
//!
//! ```no_run
//! # async fn demo() {
//! use serde_json::json;
//! use tem_tests::{FrontDoor, FrontDoorOptions, Response};
//!
//! let server = FrontDoor::start(
//!     FrontDoorOptions::default().with_responder(|_request| Response::ok(json!({"Result": "revision-1"}))),
//! )
//! .await;
//! // Point a client at `server.endpoint()` with the credentials
//! // `DEFAULT_SECRET_ID` / `DEFAULT_SECRET_KEY`, call, then:
//! assert_eq!(server.requests()[0].verdict, None);
//! # }
//! ```
//!
//! The checks, in order, and the code of the error reply when one fails:
//!
//! | check | code |
//! | --- | --- |
//! | method `POST` | `UnsupportedProtocol` |
//! | path `/` | `InvalidParameter` |
//! | `Content-Type` present, media type `application/json` | `MissingParameter` / `InvalidParameter` |
//! | `Host` present | `MissingParameter` |
//! | `X-TC-Action` present, alphanumeric | `MissingParameter` / `InvalidParameter` |
//! | `X-TC-Version` present, the expected one | `MissingParameter` / `NoSuchVersion` |
//! | `X-TC-Timestamp` present, an integer | `MissingParameter` / `InvalidParameter` |
//! | … within the allowed skew of the front door's clock | `AuthFailure.SignatureExpire` |
//! | `X-TC-Region` present, a region name | `MissingParameter` / `InvalidParameter` |
//! | `X-TC-Language`, if present, `zh-CN` or `en-US` | `InvalidParameter` |
//! | `Authorization` parses; its date is the UTC date of the timestamp; its service is expected; its signed headers include `content-type` and `host` | `AuthFailure.InvalidAuthorization` |
//! | the secret id is known | `AuthFailure.SecretIdNotFound` |
//! | `X-TC-Token` present exactly for temporary credentials, and right | `AuthFailure.TokenFailure` |
//! | the signature (payload `UNSIGNED-PAYLOAD` when `X-TC-Content-SHA256` says so) | `AuthFailure.SignatureFailure` |
//! | the body is a JSON object | `InvalidParameter` |
//! | the body is at most the limit (checked first, before reading it) | `RequestSizeLimitExceeded` |
//!
//! Malformed HTTP (request line, headers, `Content-Length`) gets hyper's 400 and a closed
//! connection, and is not recorded.
//!
//! The checks are the emulator's ([`tem_emulator::front_door`]): one implementation of what the
//! front door accepts, shared with `tem-emulator`. It builds the canonical request itself, from
//! the bytes received, and signs it with its own HMAC chain, independent of
//! [`tem_core::signing`] and pinned to the official SDK's vectors; so a mistake in how the
//! client builds its canonical request or its signing key shows up here as
//! `AuthFailure.SignatureFailure` rather than being repeated on both sides. A legacy
//! (`HmacSHA1`/`HmacSHA256`, form-encoded) request is checked too.
//!
//! Limits, by design: HTTP/1.1 (and 1.0) without TLS; one request at a time per connection
//! (pipelined requests are answered in order); header names are recorded in lowercase, as
//! hyper gives them.

use std::fmt;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};

use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::header::{HeaderName, HeaderValue, CONNECTION, DATE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Map, Value};
use tem_emulator::front_door::{self, Incoming, Policy, Rejection};
use tem_emulator::{ReplyBody, ResettableStream};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The secret id the front door accepts by default.
pub const DEFAULT_SECRET_ID: &str = "AKIDfrontdoorTEST0000000000000000000";
/// The secret key of [`DEFAULT_SECRET_ID`].
pub const DEFAULT_SECRET_KEY: &str = "frontdoorTESTkey00000000000000000";
/// The service name expected in the credential scope by default.
pub const DEFAULT_SERVICE: &str = "tem";
/// The `X-TC-Version` expected by default.
pub const DEFAULT_VERSION: &str = "2021-07-01";
/// How far `X-TC-Timestamp` may be from the front door's clock, as Tencent Cloud allows.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// The largest request body accepted, as Tencent Cloud's limit for POST.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// Largest request head hyper buffers (it answers a longer one with an error status).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Answers requests that passed the front door's checks.
pub type Responder = Arc<dyn Fn(&ReceivedRequest) -> Response + Send + Sync>;

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/// What the front door accepts and how it answers. Start from [`Default`]: one credential pair
/// ([`DEFAULT_SECRET_ID`], [`DEFAULT_SECRET_KEY`]), service `tem` version `2021-07-01`, 300 s
/// clock skew, and a responder answering `{"Response":{"RequestId":…}}` to everything.
#[derive(Clone)]
pub struct FrontDoorOptions {
    /// What is accepted: the emulator's front-door policy, checked by the emulator's code.
    policy: Policy,
    clock_offset: i64,
    responder: Responder,
}

impl Default for FrontDoorOptions {
    fn default() -> Self {
        let policy = Policy {
            service: DEFAULT_SERVICE.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            ..Policy::default()
        }
        .with_credential(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY);
        Self { policy, clock_offset: 0, responder: Arc::new(|_| Response::ok(json!({}))) }
    }
}

impl FrontDoorOptions {
    /// Also accepts long-term credentials `secret_id`/`secret_key` (replacing any of that id).
    /// A request from them must not carry `X-TC-Token`.
    pub fn with_credential(mut self, secret_id: &str, secret_key: &str) -> Self {
        self.policy = self.policy.with_credential(secret_id, secret_key);
        self
    }

    /// Also accepts temporary credentials: a request from `secret_id` must carry
    /// `X-TC-Token: token`, else `AuthFailure.TokenFailure`.
    pub fn with_temporary_credential(mut self, secret_id: &str, secret_key: &str, token: &str) -> Self {
        self.policy = self.policy.with_temporary_credential(secret_id, secret_key, token);
        self
    }

    /// Forgets every credential, the default one included.
    pub fn without_credentials(mut self) -> Self {
        self.policy.credentials.clear();
        self
    }

    /// The service name of the credential scope and the `X-TC-Version` to expect.
    pub fn with_service(mut self, name: &str, version: &str) -> Self {
        self.policy.service = name.to_owned();
        self.policy.version = version.to_owned();
        self
    }

    /// How far `X-TC-Timestamp` may be from the front door's clock (default 300 s).
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.policy.max_clock_skew = skew;
        self
    }

    /// Runs the front door's clock `seconds` ahead of the system clock (behind if negative):
    /// it is what the skew check and the `Date` header use.
    pub fn with_clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset = seconds;
        self
    }

    /// Largest request body accepted (default 10 MiB); a larger one is refused with
    /// `RequestSizeLimitExceeded` without being read, and the connection is closed.
    pub fn with_max_request_bytes(mut self, limit: usize) -> Self {
        self.policy.max_request_bytes = limit;
        self
    }

    /// What answers requests that pass the checks.
    pub fn with_responder(mut self, responder: impl Fn(&ReceivedRequest) -> Response + Send + Sync + 'static) -> Self {
        self.responder = Arc::new(responder);
        self
    }

    /// As [`FrontDoorOptions::with_responder`], with a responder already shared.
    pub fn with_shared_responder(mut self, responder: Responder) -> Self {
        self.responder = responder;
        self
    }

    /// Seconds since the Unix epoch on the front door's clock.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        system + self.clock_offset
    }
}

impl fmt::Debug for FrontDoorOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrontDoorOptions")
            .field("secret_ids", &self.policy.credentials.keys().collect::<Vec<_>>())
            .field("service", &self.policy.service)
            .field("version", &self.policy.version)
            .field("max_clock_skew", &self.policy.max_clock_skew)
            .field("clock_offset", &self.clock_offset)
            .field("max_request_bytes", &self.policy.max_request_bytes)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// Request headers (names in lowercase, as hyper gives them; the values of one name in the order
/// received); lookups ignore the case of names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// The first value of `name`, whitespace trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `(name, value)` pairs (names in lowercase).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One request as the front door received it, and what it decided.
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    /// Position among all requests this front door received, from 0.
    pub sequence: u64,
    /// Which connection it came on, numbered from 0 in order of acceptance.
    pub connection: u64,
    pub method: String,
    /// The request target as sent, e.g. `/`.
    pub path: String,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub http_version: String,
    pub headers: Headers,
    pub body: Vec<u8>,
    /// The `RequestId` the front door assigned; replies carry it unless the responder set another.
    pub request_id: String,
    /// `None` if the front door accepted the request and passed it to the responder; otherwise
    /// the error code it answered with, e.g. `AuthFailure.SignatureFailure`.
    pub verdict: Option<String>,
    /// Why the request was refused (the message of the error reply), when it was.
    pub reason: Option<String>,
}

impl ReceivedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// `X-TC-Action`.
    pub fn action(&self) -> Option<&str> {
        self.header("X-TC-Action")
    }

    /// The body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Whether the front door accepted it.
    pub fn accepted(&self) -> bool {
        self.verdict.is_none()
    }
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// What to answer. Built with the constructors below; [`Response::delay`] and
/// [`Response::reset`] are faults of the connection rather than replies.
///
/// Every reply gets a `Date` header (RFC 7231, from the front door's clock) and a
/// `Content-Length`, unless its headers already name `Date`, `Content-Length` or
/// `Transfer-Encoding` — so a fault can lie about the length or send a hand-encoded chunked body.
/// A reply with `Connection: close` closes the connection once written.
#[derive(Clone, Debug)]
pub struct Response(Kind);

#[derive(Clone, Debug)]
enum Kind {
    Reply { status: u16, headers: Vec<(String, String)>, body: Body },
    Reset,
    Delay(Duration, Box<Response>),
}

#[derive(Clone, Debug)]
enum Body {
    Bytes(Vec<u8>),
    /// The members of `Response`; `RequestId` is added when absent.
    Envelope(Value),
}

/// Bytes of a reply body: from a JSON value (serialized), a string or raw bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload(pub Vec<u8>);

impl From<Value> for Payload {
    fn from(value: Value) -> Self {
        Self(value.to_string().into_bytes())
    }
}

impl From<&Value> for Payload {
    fn from(value: &Value) -> Self {
        Self(value.to_string().into_bytes())
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Self(text.into_bytes())
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Payload {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl Response {
    /// A success: `{"Response": fields + "RequestId"}`. `fields` is the object of the response's
    /// members (`json!({"Result": "x"})`); the request's id is added unless `fields` has one.
    /// A `fields` that is not an object is sent as `Response` unchanged.
    pub fn ok(fields: Value) -> Self {
        Self::envelope(fields)
    }

    /// An error reply as Tencent Cloud sends it: HTTP 200,
    /// `{"Response":{"Error":{"Code":code,"Message":message},"RequestId":…}}`.
    pub fn service_error(code: &str, message: &str) -> Self {
        Self::envelope(json!({"Error": {"Code": code, "Message": message}}))
    }

    /// `status` with `Content-Type: application/json` and `body` verbatim (need not be valid JSON).
    pub fn json(status: u16, body: impl Into<Payload>) -> Self {
        Self::raw(status, [("Content-Type", "application/json")], body)
    }

    /// `status` with exactly `headers` (plus the defaults above) and `body` verbatim.
    pub fn raw<N: Into<String>, V: Into<String>>(
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
        body: impl Into<Payload>,
    ) -> Self {
        let headers = headers.into_iter().map(|(n, v)| (n.into(), v.into())).collect();
        Self(Kind::Reply { status, headers, body: Body::Bytes(body.into().0) })
    }

    /// Closes the connection without a reply, with a TCP reset (`SO_LINGER` 0).
    pub fn reset() -> Self {
        Self(Kind::Reset)
    }

    /// Waits `duration` (on the connection), then does `inner`.
    pub fn delay(duration: Duration, inner: Response) -> Self {
        Self(Kind::Delay(duration, Box::new(inner)))
    }

    /// A 200 reply declaring `Content-Length: declared` but sending only `body`, then closing
    /// the connection: the reply is cut short in transit (not merely malformed JSON).
    pub fn cut_short(body: impl Into<Payload>, declared: usize) -> Self {
        let declared = declared.to_string();
        let headers = [("Content-Type", "application/json"), ("Content-Length", &declared), ("Connection", "close")];
        Self::raw(200, headers, body)
    }

    /// Adds a header to the reply (or to the delayed reply); no effect on [`Response::reset`].
    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self.0 {
            Kind::Reply { status, mut headers, body } => {
                headers.push((name.to_owned(), value.to_owned()));
                Self(Kind::Reply { status, headers, body })
            }
            Kind::Delay(duration, inner) => Self(Kind::Delay(duration, Box::new(inner.with_header(name, value)))),
            Kind::Reset => Self(Kind::Reset),
        }
    }

    fn envelope(fields: Value) -> Self {
        let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        Self(Kind::Reply { status: 200, headers, body: Body::Envelope(fields) })
    }
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/// A running front door on `127.0.0.1`; it stops (listener and connections) when dropped.
pub struct FrontDoor {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

struct Shared {
    options: FrontDoorOptions,
    log: Mutex<Vec<ReceivedRequest>>,
}

impl Shared {
    fn log(&self) -> MutexGuard<'_, Vec<ReceivedRequest>> {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl FrontDoor {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime. Panics if it cannot bind.
    pub async fn start(options: FrontDoorOptions) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("the front door binds 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound listener has an address");
        let shared = Arc::new(Shared { options, log: Mutex::new(Vec::new()) });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Self { addr, shared, accept }
    }

    /// A front door with the default options answering with `responder`.
    pub async fn serving(responder: impl Fn(&ReceivedRequest) -> Response + Send + Sync + 'static) -> Self {
        Self::start(FrontDoorOptions::default().with_responder(responder)).await
    }

    /// `http://127.0.0.1:PORT`, for `Config::with_endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A configuration calling this front door in `ap-guangzhou` with the credentials it
    /// accepts by default ([`DEFAULT_SECRET_ID`], [`DEFAULT_SECRET_KEY`]).
    pub fn config(&self) -> tem_api::Config {
        tem_api::Config::new(tem_api::Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
            .with_region("ap-guangzhou")
            .and_then(|config| config.with_endpoint(&self.endpoint()))
            .expect("a valid region and endpoint")
    }

    /// A client of [`Self::config`].
    pub fn client(&self) -> tem_api::Client {
        tem_api::Client::new(self.config()).expect("a valid configuration")
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn options(&self) -> &FrontDoorOptions {
        &self.shared.options
    }

    /// Every request received so far, in order, including refused ones.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.log().clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.log().len()
    }
}

impl fmt::Debug for FrontDoor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrontDoor").field("addr", &self.addr).field("options", &self.shared.options).finish()
    }
}

impl Drop for FrontDoor {
    fn drop(&mut self) {
        // The accept task owns the connection tasks (a `JoinSet`), so this stops them too.
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    let mut next_connection = 0;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(Arc::clone(&shared), stream, next_connection));
                    next_connection += 1;
                }
                // E.g. out of file descriptors: wait rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves one connection with hyper; the handler below sees each request.
async fn serve_connection(shared: Arc<Shared>, stream: TcpStream, connection: u64) {
    let _ = stream.set_nodelay(true);
    let port = stream.local_addr().map_or(0, |a| a.port());
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ResettableStream::new(stream, Arc::clone(&reset)));
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let reset = Arc::clone(&reset);
        async move { Ok::<_, Infallible>(handle(request, &shared, connection, port, &reset).await) }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_buf_size(MAX_HEAD_BYTES)
        .serve_connection(io, service)
        .await;
}

async fn handle(
    incoming: hyper::Request<hyper::body::Incoming>,
    shared: &Shared,
    connection: u64,
    port: u16,
    reset: &AtomicBool,
) -> hyper::Response<ReplyBody> {
    let options = &shared.options;
    let limit = options.policy.max_request_bytes;
    let http_version = if incoming.version() == hyper::Version::HTTP_10 { "HTTP/1.0" } else { "HTTP/1.1" };
    let headers: Vec<(String, String)> = incoming
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).trim().to_owned()))
        .collect();
    let mut request = ReceivedRequest {
        sequence: 0,
        connection,
        method: incoming.method().as_str().to_owned(),
        // The target as sent: `/`, or a proxy's absolute URL.
        path: incoming.uri().to_string(),
        http_version: http_version.to_owned(),
        headers: Headers(headers),
        body: Vec::new(),
        request_id: String::new(),
        verdict: None,
        reason: None,
    };
    let too_large = |size: &str| {
        let why = format!("the request body has {size} bytes, the limit is {limit}");
        Some(Rejection::new("RequestSizeLimitExceeded", why))
    };
    let declared = request.header("Content-Length").and_then(|v| v.parse::<u64>().ok());
    // A body over the limit is refused unread, so the connection cannot carry another request.
    let mut close = false;
    let rejection = if let Some(declared) = declared.filter(|&d| d > limit as u64) {
        close = true;
        too_large(&declared.to_string())
    } else {
        match Limited::new(incoming.into_body(), limit).collect().await {
            Ok(collected) => {
                request.body = collected.to_bytes().to_vec();
                verify(options, &request, options.now()).err()
            }
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
                close = true;
                too_large("more than the limit of")
            }
            // The client went away mid-body: nobody to answer.
            Err(_) => return hyper::Response::new(ReplyBody::new("")),
        }
    };
    if let Some(rejection) = &rejection {
        request.verdict = Some(rejection.code.to_owned());
        request.reason = Some(rejection.message.clone());
    }
    // Recorded before the responder runs, numbered under the lock so that the log's order and
    // the sequence numbers agree.
    {
        let mut log = shared.log();
        request.sequence = log.len() as u64;
        request.request_id = request_id(port, request.sequence);
        log.push(request.clone());
    }
    let response = match rejection {
        Some(rejection) => Response::service_error(rejection.code, &rejection.message),
        None => {
            let responder = Arc::clone(&options.responder);
            catch_unwind(AssertUnwindSafe(|| responder(&request))).unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let text = format!("the front door's responder panicked: {what}");
                Response::raw(500, [("Connection", "close")], text)
            })
        }
    };
    render(response, &request.request_id, options, reset, close).await
}

/// A uuid-shaped id, deterministic: the front door's port (telling front doors apart) and the
/// request's sequence number.
fn request_id(port: u16, sequence: u64) -> String {
    format!("{port:08x}-f00d-4000-8000-{:012x}", sequence + 1)
}

/// The reply to send for `response`, after its delay; a reset marks the connection to be reset.
async fn render(
    mut response: Response,
    request_id: &str,
    options: &FrontDoorOptions,
    reset: &AtomicBool,
    close: bool,
) -> hyper::Response<ReplyBody> {
    let (status, headers, body) = loop {
        match response.0 {
            Kind::Delay(duration, inner) => {
                tokio::time::sleep(duration).await;
                response = *inner;
            }
            Kind::Reset => {
                reset.store(true, Ordering::SeqCst);
                return hyper::Response::new(ReplyBody::new(""));
            }
            Kind::Reply { status, headers, body } => break (status, headers, body),
        }
    };
    let body = match body {
        Body::Bytes(bytes) => bytes,
        Body::Envelope(mut fields) => {
            if let Value::Object(map) = &mut fields {
                map.entry("RequestId").or_insert_with(|| Value::from(request_id));
            }
            json!({ "Response": fields }).to_string().into_bytes()
        }
    };
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let chunked = headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("Transfer-Encoding") && v.contains("chunked"));
    // A reply that states its own framing is sent as stated: a `Content-Length` is trusted
    // (hyper closes the connection if the body falls short: a reply cut in transit), and a
    // hand-encoded chunked body is decoded here so that hyper encodes it again.
    let body = if chunked {
        ReplyBody::undeclared(dechunk(&body).unwrap_or(body))
    } else if has("Content-Length") {
        ReplyBody::undeclared(body)
    } else {
        ReplyBody::new(body)
    };
    let mut reply = hyper::Response::new(body);
    *reply.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let map = reply.headers_mut();
    if !has("Date") {
        if let Ok(value) = HeaderValue::from_str(&http_date(options.now())) {
            map.insert(DATE, value);
        }
    }
    for (name, value) in &headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            map.append(name, value);
        }
    }
    if close {
        map.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    reply
}

/// The data of a hand-encoded chunked body (`<hex size>\r\n<data>\r\n … 0\r\n\r\n`), or
/// `None` if it is not one. (It decodes a reply a test wrote, not anything received.)
fn dechunk(mut encoded: &[u8]) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    loop {
        let line_end = encoded.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&encoded[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        encoded = &encoded[line_end + 2..];
        if size == 0 {
            return Some(data);
        }
        data.extend_from_slice(encoded.get(..size)?);
        encoded = encoded.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

/// An RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, of a Unix timestamp (the
/// emulator's: one implementation).
pub fn http_date(timestamp: i64) -> String {
    tem_emulator::http_date(timestamp)
}

/// The seed action's request the tests send: application `app-1` in environment `en-1` to
/// version `v2`.
pub fn rolling_update_request(
) -> tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest {
    tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest::builder()
        .application_id("app-1")
        .environment_id("en-1")
        .deploy_version("v2")
        .build()
        .expect("the request has every required field")
}

/// The seed request of the benchmarks and the connection tests: the required fields and a
/// package name (`app-xxxxxx`, `en-xxxxxx`, `v1`, `test.jar`).
pub fn seed_request(
) -> tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest {
    tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest::builder()
        .application_id("app-xxxxxx")
        .environment_id("en-xxxxxx")
        .deploy_version("v1")
        .package_name("test.jar")
        .build()
        .expect("the request has every required field")
}

/// An error's message and its `source()` chain joined by `: `, as a person reading the whole
/// error sees it.
pub fn with_sources(error: &dyn std::error::Error) -> String {
    let mut shown = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        shown.push_str(": ");
        shown.push_str(&cause.to_string());
        source = cause.source();
    }
    shown
}

// ---------------------------------------------------------------------------------------------
// Verification: the emulator's front door (one implementation of what the gateway accepts)
// ---------------------------------------------------------------------------------------------

/// What the real front door checks before the service sees a request, in its order: the
/// emulator's checks ([`tem_emulator::front_door::verify`]), with their own HMAC chain.
fn verify(options: &FrontDoorOptions, request: &ReceivedRequest, now: i64) -> Result<(), Rejection> {
    let incoming =
        Incoming { method: &request.method, path: &request.path, headers: &request.headers.0, body: &request.body };
    front_door::verify(&options.policy, &incoming, now).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Examples of the schema
// ---------------------------------------------------------------------------------------------

/// `schema/tem/2021-07-01` of this workspace.
pub fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema/tem/2021-07-01")
}

/// The documented example replies (`output`, JSON text) of `action`, from `examples.json`.
/// Panics if the file cannot be read or parsed.
pub fn example_outputs(action: &str) -> Vec<String> {
    outputs_of(&load_examples(), action)
}

fn load_examples() -> Value {
    let path = schema_dir().join("examples.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn outputs_of(examples: &Value, action: &str) -> Vec<String> {
    let list = examples.get("actions").and_then(|a| a.get(action)).and_then(Value::as_array);
    list.into_iter().flatten().filter_map(|e| e.get("output")?.as_str().map(str::to_owned)).collect()
}

/// A responder that refuses requests beyond `per_second` a second with `RequestLimitExceeded`,
/// as Tencent Cloud does, and passes the others to `inner`. It counts like an API gateway's
/// token bucket: it holds one second's worth of requests and refills at `per_second`.
pub fn rate_limited(
    per_second: u32,
    inner: impl Fn(&ReceivedRequest) -> Response + Send + Sync + 'static,
) -> impl Fn(&ReceivedRequest) -> Response + Send + Sync + 'static {
    let rate = f64::from(per_second);
    let bucket = Mutex::new((rate, std::time::Instant::now()));
    move |request| {
        let allowed = {
            let mut bucket = bucket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (tokens, updated) = &mut *bucket;
            let now = std::time::Instant::now();
            *tokens = (*tokens + now.duration_since(*updated).as_secs_f64() * rate).min(rate);
            *updated = now;
            let allowed = *tokens >= 1.0;
            if allowed {
                *tokens -= 1.0;
            }
            allowed
        };
        if allowed {
            inner(request)
        } else {
            let message = format!("the request rate exceeds the limit of {per_second} a second");
            Response::service_error("RequestLimitExceeded", &message)
        }
    }
}

/// A responder answering each action with its first documented example reply, verbatim, and
/// `InvalidAction` for an action without examples.
pub fn examples_responder() -> impl Fn(&ReceivedRequest) -> Response + Send + Sync + 'static {
    let examples = load_examples();
    let first: Map<String, Value> = examples
        .get("actions")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(action, _)| {
            Some((action.clone(), Value::from(outputs_of(&examples, action).into_iter().next()?)))
        })
        .collect();
    move |request| {
        let action = request.action().unwrap_or_default();
        match first.get(action).and_then(Value::as_str) {
            Some(output) => Response::json(200, output),
            None => Response::service_error("InvalidAction", &format!("the action {action:?} has no example reply")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use tem_core::signing;
    use tem_core::{Client, Config, Credentials, ServiceSpec};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");

    fn core_client(server: &FrontDoor, secret_key: &str) -> Client {
        let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, secret_key))
            .with_region("ap-guangzhou")
            .unwrap()
            .with_endpoint(&server.endpoint())
            .unwrap();
        Client::new(TEM, config).unwrap()
    }

    /// The error code of a reply body, if it is an error reply.
    fn error_code(body: &[u8]) -> Option<String> {
        let value: Value = serde_json::from_slice(body).ok()?;
        Some(value["Response"]["Error"]["Code"].as_str()?.to_owned())
    }

    /// A request signed by `tem_core::signing` with the given inputs, as raw HTTP/1.1 bytes.
    fn signed_request(host: &str, body: &str, timestamp: i64, secret_key: &str, extra: &[(&str, &str)]) -> Vec<u8> {
        let unsigned = extra.iter().any(|(n, v)| *n == "X-TC-Content-SHA256" && *v == signing::UNSIGNED_PAYLOAD);
        let input = signing::SigningInput::new("tem", host, body.as_bytes(), timestamp).with_unsigned_payload(unsigned);
        let signature = signing::sign(&input, DEFAULT_SECRET_ID, secret_key);
        let mut text = format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-TC-Action: DescribeEnvironments\r\n\
             X-TC-Version: 2021-07-01\r\nX-TC-Timestamp: {timestamp}\r\nX-TC-Region: ap-guangzhou\r\n\
             Authorization: {}\r\nContent-Length: {}\r\n",
            signature.authorization,
            body.len()
        );
        for (name, value) in extra {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str("\r\n");
        text.push_str(body);
        text.into_bytes()
    }

    /// One reply read from a raw connection (head parsed by httparse): status, headers, body
    /// (by Content-Length).
    async fn read_reply(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> (u16, Headers, Vec<u8>) {
        let (head_len, status, headers) = loop {
            let mut slots = [httparse::EMPTY_HEADER; 64];
            let mut reply = httparse::Response::new(&mut slots);
            if let httparse::Status::Complete(head_len) = reply.parse(buffer).unwrap() {
                let headers = reply
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                    .collect();
                break (head_len, reply.code.unwrap(), Headers(headers));
            }
            let mut chunk = [0; 8192];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the connection closed before a whole reply head");
            buffer.extend_from_slice(&chunk[..n]);
        };
        buffer.drain(..head_len);
        let length: usize = headers.get("content-length").map_or(0, |v| v.parse().unwrap());
        while buffer.len() < length {
            let mut chunk = [0; 8192];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the connection closed before the whole body");
            buffer.extend_from_slice(&chunk[..n]);
        }
        (status, headers, buffer.drain(..length).collect())
    }

    async fn exchange(server: &FrontDoor, request: &[u8]) -> (u16, Headers, Vec<u8>) {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(request).await.unwrap();
        read_reply(&mut stream, &mut Vec::new()).await
    }

    #[test]
    fn http_date_is_rfc_7231_imf_fixdate() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_868_799), "Tue, 29 Feb 2000 23:59:59 GMT");
        assert_eq!(http_date(1_704_067_200), "Mon, 01 Jan 2024 00:00:00 GMT");
    }

    #[tokio::test]
    async fn accepts_a_request_signed_by_the_core_client_and_replies_with_date_and_request_id() {
        let server = FrontDoor::serving(|_| Response::ok(json!({"Result": "fine"}))).await;
        let reply = core_client(&server, DEFAULT_SECRET_KEY).send_raw("DescribeEnvironments", b"{}".to_vec()).await;
        let reply = reply.unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].verdict, None, "{:?}", requests[0].reason);
        let body: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(body, json!({"Response": {"Result": "fine", "RequestId": requests[0].request_id}}));
        let date = reply.date.expect("a Date header");
        assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
    }

    #[tokio::test]
    async fn wrong_secret_key_is_refused_with_signature_failure_before_the_responder() {
        let server = FrontDoor::serving(|_| panic!("the responder must not be called")).await;
        let reply = core_client(&server, "not-the-key").send_raw("DescribeEnvironments", b"{}".to_vec()).await;
        let reply = reply.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(error_code(&reply.body).as_deref(), Some("AuthFailure.SignatureFailure"));
        assert_eq!(server.requests()[0].verdict.as_deref(), Some("AuthFailure.SignatureFailure"));
    }

    #[tokio::test]
    async fn correctly_signed_but_stale_timestamp_is_refused_with_signature_expire() {
        let server = FrontDoor::start(FrontDoorOptions::default()).await;
        let host = server.addr().to_string();
        let stale = server.options().now() - 301;
        let (status, _, body) = exchange(&server, &signed_request(&host, "{}", stale, DEFAULT_SECRET_KEY, &[])).await;
        assert_eq!(status, 200);
        assert_eq!(error_code(&body).as_deref(), Some("AuthFailure.SignatureExpire"));
        // Within the skew the same request is accepted: the refusal was the clock, not the signature.
        let fresh = server.options().now() - 200;
        let (_, _, body) = exchange(&server, &signed_request(&host, "{}", fresh, DEFAULT_SECRET_KEY, &[])).await;
        assert_eq!(error_code(&body), None, "{}", String::from_utf8_lossy(&body));
    }

    #[tokio::test]
    async fn server_clock_offset_makes_the_client_clock_look_skewed() {
        let server = FrontDoor::start(FrontDoorOptions::default().with_clock_offset(3600)).await;
        let reply = core_client(&server, DEFAULT_SECRET_KEY).send_raw("DescribeEnvironments", b"{}".to_vec()).await;
        let reply = reply.unwrap();
        assert_eq!(error_code(&reply.body).as_deref(), Some("AuthFailure.SignatureExpire"));
        let date = reply.date.unwrap();
        let now = server.options().now();
        assert!((now - 2..=now).any(|t| http_date(t) == date), "the Date header {date:?} follows the offset clock");
    }

    #[tokio::test]
    async fn unsigned_payload_header_changes_what_is_hashed() {
        let server = FrontDoor::start(FrontDoorOptions::default()).await;
        let host = server.addr().to_string();
        let now = server.options().now();
        let unsigned = [("X-TC-Content-SHA256", signing::UNSIGNED_PAYLOAD)];
        let (_, _, body) = exchange(&server, &signed_request(&host, "{}", now, DEFAULT_SECRET_KEY, &unsigned)).await;
        assert_eq!(error_code(&body), None, "{}", String::from_utf8_lossy(&body));
        // Signed over the body but claiming UNSIGNED-PAYLOAD: the hashes differ.
        let mut lying = signed_request(&host, "{}", now, DEFAULT_SECRET_KEY, &[]);
        let at = lying.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        lying.splice(at..at, b"\r\nX-TC-Content-SHA256: UNSIGNED-PAYLOAD".iter().copied());
        let (_, _, body) = exchange(&server, &lying).await;
        assert_eq!(error_code(&body).as_deref(), Some("AuthFailure.SignatureFailure"));
    }

    #[tokio::test]
    async fn header_checks_answer_with_tencent_codes() {
        let server = FrontDoor::start(FrontDoorOptions::default()).await;
        let host = server.addr().to_string();
        let now = server.options().now();
        let good = String::from_utf8(signed_request(&host, "{}", now, DEFAULT_SECRET_KEY, &[])).unwrap();
        let cases = [
            ("X-TC-Action: DescribeEnvironments\r\n", "", "MissingParameter"),
            ("X-TC-Version: 2021-07-01", "X-TC-Version: 2017-03-12", "NoSuchVersion"),
            ("X-TC-Region: ap-guangzhou\r\n", "", "MissingParameter"),
            ("X-TC-Region: ap-guangzhou", "X-TC-Region: AP_GZ", "InvalidParameter"),
            (&format!("X-TC-Timestamp: {now}"), "X-TC-Timestamp: 12.5", "InvalidParameter"),
            ("TC3-HMAC-SHA256 ", "HMAC-SHA256 ", "AuthFailure.InvalidAuthorization"),
            ("/tem/tc3_request", "/cvm/tc3_request", "AuthFailure.InvalidAuthorization"),
            (&format!("={DEFAULT_SECRET_ID}/"), "=AKIDunknown/", "AuthFailure.SecretIdNotFound"),
            ("Host: 127.0.0.1", "Host: 127.0.0.2", "AuthFailure.SignatureFailure"),
            ("POST / ", "POST /v2 ", "InvalidParameter"),
            ("Content-Type: application/json", "Content-Type: text/plain", "InvalidParameter"),
            ("\r\n\r\n{}", "\r\nX-TC-Token: t\r\n\r\n{}", "AuthFailure.TokenFailure"),
        ];
        for (from, to, code) in cases {
            assert!(good.contains(from), "{from:?}");
            let (_, _, body) = exchange(&server, good.replacen(from, to, 1).as_bytes()).await;
            assert_eq!(error_code(&body).as_deref(), Some(code), "replacing {from:?} by {to:?}");
        }
        let date_of_yesterday = good.replace(&signing::utc_date(now), &signing::utc_date(now - 86_400));
        let (_, _, body) = exchange(&server, date_of_yesterday.as_bytes()).await;
        assert_eq!(error_code(&body).as_deref(), Some("AuthFailure.InvalidAuthorization"));
        let requests = server.requests();
        assert_eq!(requests.len(), cases.len() + 1, "refused requests are recorded too");
        assert!(requests.iter().all(|r| r.verdict.is_some() && r.reason.is_some()));
    }

    #[tokio::test]
    async fn serves_several_requests_on_one_connection_and_honours_connection_close() {
        let server = FrontDoor::start(FrontDoorOptions::default()).await;
        let host = server.addr().to_string();
        let now = server.options().now();
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        let mut buffer = Vec::new();
        for _ in 0..2 {
            stream.write_all(&signed_request(&host, "{}", now, DEFAULT_SECRET_KEY, &[])).await.unwrap();
            let (status, headers, body) = read_reply(&mut stream, &mut buffer).await;
            assert_eq!((status, error_code(&body)), (200, None));
            assert!(headers.get("date").is_some());
        }
        stream
            .write_all(&signed_request(&host, "{}", now, DEFAULT_SECRET_KEY, &[("Connection", "close")]))
            .await
            .unwrap();
        read_reply(&mut stream, &mut buffer).await;
        assert_eq!(stream.read(&mut [0; 16]).await.unwrap(), 0, "closed after Connection: close");
        let requests = server.requests();
        assert_eq!(requests.iter().map(|r| (r.sequence, r.connection)).collect::<Vec<_>>(), [(0, 0), (1, 0), (2, 0)]);
        assert_ne!(requests[0].request_id, requests[1].request_id);
    }

    #[tokio::test]
    async fn malformed_http_gets_a_400_and_a_closed_connection() {
        let server = FrontDoor::start(FrontDoorOptions::default()).await;
        let (status, _, _) = exchange(&server, b"NONSENSE\r\n\r\n").await;
        assert_eq!(status, 400);
        let (status, _, _) = exchange(&server, b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n").await;
        assert_eq!(status, 400);
        assert_eq!(server.request_count(), 0, "nothing parseable was received");
    }

    #[tokio::test]
    async fn responses_render_as_specified() {
        let server = FrontDoor::serving(|request| match request.body_json().unwrap()["Case"].as_str().unwrap() {
            "error" => Response::service_error("ResourceNotFound", "gone"),
            "raw" => Response::raw(503, [("X-Custom", "1")], "down"),
            "own-id" => Response::ok(json!({"RequestId": "mine"})),
            _ => Response::ok(json!({})).with_header("X-Extra", "yes"),
        })
        .await;
        let host = server.addr().to_string();
        let now = server.options().now();
        let call = |case: &str| signed_request(&host, &format!(r#"{{"Case":"{case}"}}"#), now, DEFAULT_SECRET_KEY, &[]);
        let (status, _, body) = exchange(&server, &call("error")).await;
        let id = &server.requests()[0].request_id;
        assert_eq!(status, 200);
        let expected = json!({"Response": {"Error": {"Code": "ResourceNotFound", "Message": "gone"}, "RequestId": id}});
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), expected);
        let (status, headers, body) = exchange(&server, &call("raw")).await;
        assert_eq!(
            (status, headers.get("x-custom"), headers.get("content-type"), &body[..]),
            (503, Some("1"), None, &b"down"[..])
        );
        let (_, _, body) = exchange(&server, &call("own-id")).await;
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), json!({"Response": {"RequestId": "mine"}}));
        let (_, headers, _) = exchange(&server, &call("plain")).await;
        assert_eq!(headers.get("X-Extra"), Some("yes"));
    }

    #[tokio::test]
    async fn examples_responder_serves_the_first_documented_reply_of_the_action() {
        let server = FrontDoor::serving(examples_responder()).await;
        let host = server.addr().to_string();
        let now = server.options().now();
        let request = String::from_utf8(signed_request(&host, "{}", now, DEFAULT_SECRET_KEY, &[])).unwrap();
        let (_, _, body) = exchange(&server, request.as_bytes()).await;
        assert_eq!(body, example_outputs("DescribeEnvironments")[0].as_bytes());
        let unknown = request.replace("X-TC-Action: DescribeEnvironments", "X-TC-Action: DescribeNothing");
        let (_, _, body) = exchange(&server, unknown.as_bytes()).await;
        assert_eq!(error_code(&body).as_deref(), Some("InvalidAction"));
    }

    #[tokio::test]
    async fn oversized_body_is_refused_unread_and_a_panicking_responder_gives_a_500() {
        let options = FrontDoorOptions::default().with_max_request_bytes(8).with_responder(|_| panic!("boom"));
        let server = FrontDoor::start(options).await;
        let host = server.addr().to_string();
        let now = server.options().now();
        let body = r#"{"Long": "more than eight bytes"}"#;
        let (_, _, reply) = exchange(&server, &signed_request(&host, body, now, DEFAULT_SECRET_KEY, &[])).await;
        assert_eq!(error_code(&reply).as_deref(), Some("RequestSizeLimitExceeded"));
        let (status, _, reply) = exchange(&server, &signed_request(&host, "{}", now, DEFAULT_SECRET_KEY, &[])).await;
        assert_eq!(status, 500);
        assert!(String::from_utf8_lossy(&reply).contains("responder panicked: boom"));
        let verdicts: Vec<_> = server.requests().into_iter().map(|r| r.verdict).collect();
        assert_eq!(verdicts, [Some("RequestSizeLimitExceeded".to_owned()), None]);
    }
}

/// The README's Rust examples, compiled as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The crate READMEs shown on crates.io, compiled as doctests too.
#[doc = include_str!("../../tem-api/README.md")]
#[cfg(doctest)]
pub struct TemApiReadmeDoctests;
