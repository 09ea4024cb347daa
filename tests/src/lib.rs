//! Test support for the workspace: a local "front door", a stand-in for the Tencent Cloud API
//! gateway that SDK calls reach before any service.
//!
//! [`FrontDoor`] is a small hand-rolled HTTP/1.1 server on `127.0.0.1`. Like the real gateway it
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
//! Malformed HTTP (request line, headers, `Content-Length`) gets a plain-text 400 and a closed
//! connection, and is not recorded.
//!
//! The signature check builds the canonical request itself, from the bytes received, and uses
//! only the HMAC steps of [`tem_core::signing`] (which the signing vectors pin to the official
//! SDK); so a mistake in how the client builds its canonical request shows up here as
//! `AuthFailure.SignatureFailure` rather than being repeated on both sides.
//!
//! Limits, by design: HTTP/1.1 (and 1.0) without TLS; request bodies must carry
//! `Content-Length` (`Transfer-Encoding` is answered with 501); one request at a time per
//! connection (pipelined requests are answered in order).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use tem_core::signing;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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

/// Largest request line plus headers read before answering 431.
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
    credentials: BTreeMap<String, AcceptedKey>,
    service: String,
    version: String,
    max_clock_skew: Duration,
    clock_offset: i64,
    max_request_bytes: usize,
    responder: Responder,
}

#[derive(Clone)]
struct AcceptedKey {
    secret_key: String,
    token: Option<String>,
}

impl Default for FrontDoorOptions {
    fn default() -> Self {
        let mut credentials = BTreeMap::new();
        credentials
            .insert(DEFAULT_SECRET_ID.to_owned(), AcceptedKey { secret_key: DEFAULT_SECRET_KEY.into(), token: None });
        Self {
            credentials,
            service: DEFAULT_SERVICE.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            clock_offset: 0,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            responder: Arc::new(|_| Response::ok(json!({}))),
        }
    }
}

impl FrontDoorOptions {
    /// Also accepts long-term credentials `secret_id`/`secret_key` (replacing any of that id).
    /// A request from them must not carry `X-TC-Token`.
    pub fn with_credential(mut self, secret_id: &str, secret_key: &str) -> Self {
        self.credentials.insert(secret_id.to_owned(), AcceptedKey { secret_key: secret_key.to_owned(), token: None });
        self
    }

    /// Also accepts temporary credentials: a request from `secret_id` must carry
    /// `X-TC-Token: token`, else `AuthFailure.TokenFailure`.
    pub fn with_temporary_credential(mut self, secret_id: &str, secret_key: &str, token: &str) -> Self {
        let key = AcceptedKey { secret_key: secret_key.to_owned(), token: Some(token.to_owned()) };
        self.credentials.insert(secret_id.to_owned(), key);
        self
    }

    /// Forgets every credential, the default one included.
    pub fn without_credentials(mut self) -> Self {
        self.credentials.clear();
        self
    }

    /// The service name of the credential scope and the `X-TC-Version` to expect.
    pub fn with_service(mut self, name: &str, version: &str) -> Self {
        self.service = name.to_owned();
        self.version = version.to_owned();
        self
    }

    /// How far `X-TC-Timestamp` may be from the front door's clock (default 300 s).
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
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
        self.max_request_bytes = limit;
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
            .field("secret_ids", &self.credentials.keys().collect::<Vec<_>>())
            .field("service", &self.service)
            .field("version", &self.version)
            .field("max_clock_skew", &self.max_clock_skew)
            .field("clock_offset", &self.clock_offset)
            .field("max_request_bytes", &self.max_request_bytes)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// Request headers in the order received; lookups ignore the case of names.
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

    /// `(name, value)` pairs as received (names keep their case).
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

/// A request line and headers, before the body is read.
struct Head {
    method: String,
    path: String,
    http_version: String,
    headers: Headers,
}

async fn serve_connection(shared: Arc<Shared>, mut stream: TcpStream, connection: u64) {
    let _ = stream.set_nodelay(true);
    let options = &shared.options;
    let port = stream.local_addr().map_or(0, |a| a.port());
    let mut buffer = Vec::new();
    loop {
        let head = match read_head(&mut stream, &mut buffer).await {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err((status, why)) => {
                let _ = write_plain(&mut stream, status, &why, options.now()).await;
                return;
            }
        };
        let head = match parse_head(&head) {
            Ok(head) => head,
            Err(why) => {
                let _ = write_plain(&mut stream, 400, &why, options.now()).await;
                return;
            }
        };
        if head.headers.get("Transfer-Encoding").is_some() {
            let why = "this front door reads only bodies with Content-Length, not Transfer-Encoding";
            let _ = write_plain(&mut stream, 501, why, options.now()).await;
            return;
        }
        let length = match content_length(&head.headers) {
            Ok(length) => length,
            Err(why) => {
                let _ = write_plain(&mut stream, 400, &why, options.now()).await;
                return;
            }
        };
        let mut request = ReceivedRequest {
            sequence: 0,
            connection,
            method: head.method,
            path: head.path,
            http_version: head.http_version,
            headers: head.headers,
            body: Vec::new(),
            request_id: String::new(),
            verdict: None,
            reason: None,
        };
        let mut close = request.http_version == "HTTP/1.0"
            || request
                .header("Connection")
                .is_some_and(|c| c.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));

        let rejection = if length > options.max_request_bytes {
            // Refused unread, so the connection cannot carry another request.
            close = true;
            let why = format!("the request body has {length} bytes, the limit is {}", options.max_request_bytes);
            Some(Rejection::new("RequestSizeLimitExceeded", why))
        } else {
            match read_body(&mut stream, &mut buffer, length).await {
                Some(body) => request.body = body,
                None => return,
            }
            verify(options, &request, options.now()).err()
        };
        if let Some(rejection) = &rejection {
            request.verdict = Some(rejection.code.to_owned());
            request.reason = Some(rejection.message.clone());
        }
        // Recorded before the responder runs, numbered under the lock so that the log's order
        // and the sequence numbers agree.
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
        let request_id = request.request_id;
        match write_response(&mut stream, response, &request_id, options).await {
            Ok(true) if !close => {}
            _ => return,
        }
    }
}

/// A uuid-shaped id, deterministic: the front door's port (telling front doors apart) and the
/// request's sequence number.
fn request_id(port: u16, sequence: u64) -> String {
    format!("{port:08x}-f00d-4000-8000-{:012x}", sequence + 1)
}

/// Reads up to the end of the head. `Ok(None)`: the peer closed between requests.
async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<Option<Vec<u8>>, (u16, String)> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = buffer[..end].to_vec();
            buffer.drain(..end + 4);
            return Ok(Some(head));
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err((431, format!("the request head is longer than {MAX_HEAD_BYTES} bytes")));
        }
        let mut chunk = [0; 8192];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn read_body(stream: &mut TcpStream, buffer: &mut Vec<u8>, length: usize) -> Option<Vec<u8>> {
    while buffer.len() < length {
        let mut chunk = [0; 8192];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    Some(buffer.drain(..length).collect())
}

fn parse_head(head: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(head).map_err(|_| "the request head is not UTF-8".to_owned())?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path), Some(http_version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("malformed request line {request_line:?}"));
    };
    if method.is_empty() || path.is_empty() || !matches!(http_version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(format!("malformed request line {request_line:?}"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("malformed header line {line:?}"));
        };
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(format!("malformed header name {name:?}"));
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    Ok(Head { method: method.into(), path: path.into(), http_version: http_version.into(), headers: Headers(headers) })
}

fn content_length(headers: &Headers) -> Result<usize, String> {
    let mut values = headers.get_all("Content-Length");
    let Some(first) = values.next() else { return Ok(0) };
    if values.any(|other| other != first) {
        return Err("conflicting Content-Length headers".into());
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("Content-Length {first:?} is not a number"));
    }
    first.parse().map_err(|_| format!("Content-Length {first:?} is too large"))
}

/// Writes a reply; `Ok(false)` when the connection must close after it.
async fn write_response(
    stream: &mut TcpStream,
    mut response: Response,
    request_id: &str,
    options: &FrontDoorOptions,
) -> std::io::Result<bool> {
    let (status, headers, body) = loop {
        match response.0 {
            Kind::Delay(duration, inner) => {
                tokio::time::sleep(duration).await;
                response = *inner;
            }
            Kind::Reset => {
                stream.set_zero_linger()?;
                return Ok(false);
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
    let keep_alive =
        !headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("Connection") && v.eq_ignore_ascii_case("close"));
    stream.write_all(&render(status, &headers, &body, options.now())).await?;
    stream.flush().await?;
    if !keep_alive {
        let _ = stream.shutdown().await;
    }
    Ok(keep_alive)
}

async fn write_plain(stream: &mut TcpStream, status: u16, text: &str, now: i64) -> std::io::Result<()> {
    let headers = [("Content-Type".to_owned(), "text/plain".to_owned()), ("Connection".to_owned(), "close".to_owned())];
    stream.write_all(&render(status, &headers, text.as_bytes(), now)).await?;
    stream.shutdown().await
}

/// The bytes of a reply: status line, the given headers, the default ones, the body.
fn render(status: u16, headers: &[(String, String)], body: &[u8], now: i64) -> Vec<u8> {
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    if !has("Date") {
        out.push_str(&format!("Date: {}\r\n", http_date(now)));
    }
    if !has("Content-Length") && !has("Transfer-Encoding") {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// An RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, of a Unix timestamp.
pub fn http_date(timestamp: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let date = signing::utc_date(timestamp); // YYYY-MM-DD (the year may have a sign)
    let mut parts = date.rsplitn(3, '-');
    let (day, month, year) = (parts.next().unwrap_or("??"), parts.next().unwrap_or("??"), parts.next().unwrap_or("?"));
    let month = month.parse::<usize>().ok().and_then(|m| MONTHS.get(m.wrapping_sub(1))).unwrap_or(&"???");
    let days = timestamp.div_euclid(86_400);
    let seconds = timestamp.rem_euclid(86_400);
    format!(
        "{}, {day} {month} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// Why a request was refused: the code and message of the error reply.
#[derive(Debug)]
struct Rejection {
    code: &'static str,
    message: String,
}

impl Rejection {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// The parts of `Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
struct Authorization<'a> {
    secret_id: &'a str,
    date: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, String> {
    let Some(rest) = value.strip_prefix(signing::ALGORITHM).filter(|r| r.starts_with(' ')) else {
        return Err(format!("the algorithm must be {}", signing::ALGORITHM));
    };
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            return Err(format!("{:?} is not key=value", part.trim()));
        };
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return Err(format!("unknown part {key:?}")),
        };
        if slot.replace(value).is_some() {
            return Err(format!("{key} appears twice"));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
        return Err("Credential, SignedHeaders and Signature are all required".into());
    };
    // The secret id comes first and is the only part that might hold a `/`.
    let mut scope = credential.rsplitn(4, '/');
    let (Some("tc3_request"), Some(service), Some(date), Some(secret_id)) =
        (scope.next(), scope.next(), scope.next(), scope.next())
    else {
        return Err(format!("Credential {credential:?} is not <secret id>/<date>/<service>/tc3_request"));
    };
    if secret_id.is_empty() {
        return Err("Credential has no secret id".into());
    }
    Ok(Authorization { secret_id, date, service, signed_headers, signature })
}

/// What the real front door checks before the service sees a request, in its order.
fn verify(options: &FrontDoorOptions, request: &ReceivedRequest, now: i64) -> Result<(), Rejection> {
    let required = |name: &str| match request.header(name) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(Rejection::new("MissingParameter", format!("the request is missing the `{name}` header"))),
    };
    if request.method != "POST" {
        let why = format!("only POST is served here, not {}", request.method);
        return Err(Rejection::new("UnsupportedProtocol", why));
    }
    if request.path != "/" {
        return Err(Rejection::new(
            "InvalidParameter",
            format!("the request path must be `/`, not {:?}", request.path),
        ));
    }
    let content_type = required("Content-Type")?;
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case(signing::JSON_CONTENT_TYPE) {
        let why = format!("Content-Type {content_type:?} is not supported; expected application/json");
        return Err(Rejection::new("InvalidParameter", why));
    }
    let host = required("Host")?;
    let action = required("X-TC-Action")?;
    if !action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Rejection::new("InvalidParameter", format!("X-TC-Action {action:?} is not an action name")));
    }
    let version = required("X-TC-Version")?;
    if version != options.version {
        let why = format!("version {version:?} of {} does not exist; expected {:?}", options.service, options.version);
        return Err(Rejection::new("NoSuchVersion", why));
    }
    let timestamp_text = required("X-TC-Timestamp")?;
    let timestamp = match timestamp_text.parse::<i64>() {
        Ok(t) if timestamp_text.bytes().all(|b| b.is_ascii_digit()) => t,
        _ => {
            let why = format!("X-TC-Timestamp {timestamp_text:?} is not a Unix timestamp in seconds");
            return Err(Rejection::new("InvalidParameter", why));
        }
    };
    let skew = options.max_clock_skew.as_secs() as i64;
    if timestamp.abs_diff(now) > skew as u64 {
        let why = format!(
            "signature expired: X-TC-Timestamp {timestamp} is {}s from the server time {now}; at most {skew}s allowed",
            timestamp - now
        );
        return Err(Rejection::new("AuthFailure.SignatureExpire", why));
    }
    let region = required("X-TC-Region")?;
    let region_valid = region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !region_valid || region.starts_with('-') || region.ends_with('-') {
        return Err(Rejection::new("InvalidParameter", format!("X-TC-Region {region:?} is not a region name")));
    }
    if let Some(language) = request.header("X-TC-Language") {
        if !matches!(language, "zh-CN" | "en-US") {
            return Err(Rejection::new(
                "InvalidParameter",
                format!("X-TC-Language {language:?} is not zh-CN or en-US"),
            ));
        }
    }

    let invalid = |why: String| Rejection::new("AuthFailure.InvalidAuthorization", why);
    let authorization = request.header("Authorization").ok_or_else(|| invalid("no Authorization header".into()))?;
    let auth = parse_authorization(authorization).map_err(|why| invalid(format!("Authorization: {why}")))?;
    let expected_date = signing::utc_date(timestamp);
    if auth.date != expected_date {
        let why = format!(
            "the credential date {} is not the UTC date of X-TC-Timestamp {timestamp} ({expected_date})",
            auth.date
        );
        return Err(invalid(why));
    }
    if auth.service != options.service {
        return Err(invalid(format!("the credential service {:?} is not {:?}", auth.service, options.service)));
    }
    let names: Vec<&str> = auth.signed_headers.split(';').collect();
    for name in &names {
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) || request.header(name).is_none() {
            return Err(invalid(format!(
                "SignedHeaders {:?}: {name:?} is not a header of the request",
                auth.signed_headers
            )));
        }
    }
    if !names.contains(&"content-type") || !names.contains(&"host") {
        return Err(invalid(format!("SignedHeaders {:?} must include content-type and host", auth.signed_headers)));
    }
    let Some(accepted) = options.credentials.get(auth.secret_id) else {
        let why = format!("the SecretId {:?} is not found; check that it is correct", auth.secret_id);
        return Err(Rejection::new("AuthFailure.SecretIdNotFound", why));
    };
    match (&accepted.token, request.header("X-TC-Token")) {
        (Some(expected), Some(sent)) if expected == sent => {}
        (Some(_), Some(_)) => return Err(Rejection::new("AuthFailure.TokenFailure", "the X-TC-Token is not valid")),
        (Some(_), None) => {
            return Err(Rejection::new("AuthFailure.TokenFailure", "temporary credentials need the X-TC-Token header"))
        }
        (None, Some(_)) => {
            let why = "X-TC-Token was sent, but the SecretId belongs to long-term credentials";
            return Err(Rejection::new("AuthFailure.TokenFailure", why));
        }
        (None, None) => {}
    }

    // The canonical request, built here from what was received (not with the client's code).
    let unsigned = request.header("X-TC-Content-SHA256") == Some(signing::UNSIGNED_PAYLOAD);
    let payload_hash = signing::sha256_hex(if unsigned { signing::UNSIGNED_PAYLOAD.as_bytes() } else { &request.body });
    let canonical_headers: String = names
        .iter()
        .map(|name| format!("{name}:{}\n", request.header(name).unwrap_or_default().trim().to_ascii_lowercase()))
        .collect();
    let canonical_request = format!("POST\n/\n\n{canonical_headers}\n{}\n{payload_hash}", auth.signed_headers);
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let string_to_sign = signing::string_to_sign(timestamp, &scope, &canonical_request);
    let key = signing::signing_key(&accepted.secret_key, auth.date, auth.service);
    if signing::signature(&key, &string_to_sign) != auth.signature {
        let why = format!(
            "the provided credentials could not be validated; check the secret key and the signature \
             (host {host:?}, content-type {content_type:?}, {} payload)",
            if unsigned { "unsigned" } else { "signed" }
        );
        return Err(Rejection::new("AuthFailure.SignatureFailure", why));
    }

    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(_)) => Ok(()),
        _ => Err(Rejection::new("InvalidParameter", "the request body is not a JSON object")),
    }
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
    use tem_core::{Client, Config, Credentials, ServiceSpec};

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

    /// One reply read from a raw connection: status, headers, body (by Content-Length).
    async fn read_reply(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> (u16, Headers, Vec<u8>) {
        let head = read_head(stream, buffer).await.unwrap().expect("a reply");
        let text = String::from_utf8(head).unwrap();
        let mut lines = text.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers =
            Headers(lines.map(|l| l.split_once(": ").unwrap()).map(|(n, v)| (n.to_owned(), v.to_owned())).collect());
        let length = content_length(&headers).unwrap();
        let body = read_body(stream, buffer, length).await.unwrap();
        (status, headers, body)
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

    #[test]
    fn authorization_parser_takes_the_official_layout_and_names_what_is_wrong() {
        let auth = parse_authorization(
            "TC3-HMAC-SHA256 Credential=AKIDx/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=ab",
        )
        .unwrap();
        assert_eq!(
            (auth.secret_id, auth.date, auth.service, auth.signed_headers, auth.signature),
            ("AKIDx", "2019-02-25", "cvm", "content-type;host", "ab")
        );
        let err = |v: &str| parse_authorization(v).err().unwrap();
        assert!(err("HMAC-SHA256 Credential=a/b/c/tc3_request").contains("algorithm"));
        assert!(err("TC3-HMAC-SHA256 Credential=a/2019-02-25/cvm/x, SignedHeaders=host, Signature=a")
            .contains("tc3_request"));
        assert!(err("TC3-HMAC-SHA256 Credential=a/2019-02-25/cvm/tc3_request").contains("all required"));
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
        let (status, _, body) = exchange(&server, b"NONSENSE\r\n\r\n").await;
        assert_eq!(status, 400);
        assert!(String::from_utf8_lossy(&body).contains("request line"));
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
