//! The HTTP side: hyper serving the front door, the model, faults and the control API.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming as IncomingBody;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, DATE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinSet;

use crate::faults::Fault;
use crate::front_door::{self, Incoming, Rejection};
use crate::limits;
use crate::model::Outcome;
use crate::reply::ReplyBody;
use crate::request_log::{logged_params, LoggedRequest};
use crate::schema;
use crate::shared::Shared;

/// The header that marks a reply the model did not compute (an `UnsupportedOperation` error;
/// every action of the schema is modelled today).
pub const NOT_MODELLED_HEADER: &str = "x-emulator-modelled";

/// Accepts connections until the task is aborted; each connection is served by hyper. Past the
/// connection cap a new connection is closed at once.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match Arc::clone(&shared.connections).try_acquire_owned() {
                    Ok(permit) => {
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve_connection(stream, Arc::clone(&shared), permit));
                    }
                    Err(_) => drop(stream),
                },
                // E.g. out of file descriptors: wait rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// When a connection last started or finished a request, and how many it is handling: a
/// connection idle for the idle timeout is closed.
struct Activity {
    since: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::SeqCst);
    }

    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let now = u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX);
        Some(Duration::from_millis(now.saturating_sub(self.last_ms.load(Ordering::SeqCst))))
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, permit: OwnedSemaphorePermit) {
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ResettableStream::new(stream, Arc::clone(&reset)));
    serve_http(io, shared, reset, permit).await;
}

/// The host a `CONNECT` may tunnel to: clients that reach Tencent Cloud through an HTTP proxy
/// (the Node SDK's `httpProfile.proxy`) can name the emulator as their proxy and keep the real
/// endpoint, so they sign for the service `tem` as they would in the cloud.
pub const TUNNEL_HOST: &str = "tem.tencentcloudapi.com";

/// Serves HTTP/1.1 on `io` until the client closes, the connection idles out or it becomes a
/// tunnel (`CONNECT`).
fn serve_http<I>(
    io: I,
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
    permit: OwnedSemaphorePermit,
) -> Pin<Box<dyn std::future::Future<Output = ()> + Send>>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    Box::pin(async move {
        // Held until the connection ends: the connection cap.
        let _permit = permit;
        let activity =
            Arc::new(Activity { since: Instant::now(), last_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) });
        let idle_timeout = shared.idle_timeout;
        let service = {
            let activity = Arc::clone(&activity);
            hyper::service::service_fn(move |request: Request<IncomingBody>| {
                let shared = Arc::clone(&shared);
                let reset = Arc::clone(&reset);
                let activity = Arc::clone(&activity);
                activity.in_flight.fetch_add(1, Ordering::SeqCst);
                activity.touch();
                async move {
                    let response = if request.method() == hyper::Method::CONNECT {
                        tunnel(request, shared)
                    } else {
                        handle(request, &shared, &reset).await
                    };
                    activity.touch();
                    activity.in_flight.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, Infallible>(response)
                }
            })
        };
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            // A client that sends half a head and stalls does not hold the connection for ever.
            .header_read_timeout(limits::HEADER_READ_TIMEOUT)
            .max_buf_size(limits::MAX_HEAD_BYTES)
            .serve_connection(io, service)
            .with_upgrades();
        tokio::pin!(connection);
        let tick = (idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = connection.as_mut() => return,
                () = tokio::time::sleep(tick) => {
                    if activity.idle_for().is_some_and(|idle| idle >= idle_timeout) {
                        break;
                    }
                }
            }
        }
        // Idle: close once any reply in progress is written, within a bound.
        connection.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(limits::BODY_TIMEOUT, connection).await;
    })
}

/// `CONNECT tem.tencentcloudapi.com:PORT`: answers 200 and serves the emulator inside the
/// tunnel (any other host: 403). The tunnel is a connection of its own under the cap.
fn tunnel(request: Request<IncomingBody>, shared: Arc<Shared>) -> Reply {
    let now = shared.front_door_now();
    let host = request.uri().host().unwrap_or_default().to_ascii_lowercase();
    if host != TUNNEL_HOST {
        let why = format!("this emulator tunnels only to {TUNNEL_HOST}, not {}", front_door::quoted(&host));
        return reply(403, "text/plain", why, now);
    }
    let Ok(permit) = Arc::clone(&shared.connections).try_acquire_owned() else {
        return reply(503, "text/plain", "too many connections", now);
    };
    tokio::spawn(async move {
        if let Ok(upgraded) = hyper::upgrade::on(request).await {
            serve_http(upgraded, shared, Arc::new(AtomicBool::new(false)), permit).await;
        }
    });
    let mut response = Response::new(ReplyBody::new(Bytes::new()));
    *response.status_mut() = StatusCode::OK;
    response
}

/// A TCP stream that, once `reset` is set, refuses to write and closes with a TCP reset
/// (`SO_LINGER` 0) when hyper drops it: the "connection reset" faults, on hyper's own I/O.
pub struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl ResettableStream {
    /// Wraps `inner`; setting `reset` (from a request handler) resets the connection instead of
    /// replying.
    pub fn new(inner: TcpStream, reset: Arc<AtomicBool>) -> Self {
        Self { inner, reset }
    }

    fn check(&self) -> io::Result<()> {
        if self.reset.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset on purpose (a fault)"));
        }
        Ok(())
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

type Reply = Response<ReplyBody>;

/// A uuid-shaped request id, unique per emulator: its port and the request's sequence number.
fn request_id(port: u16, sequence: u64) -> String {
    format!("{port:08x}-e3e1-4000-8000-{:012x}", sequence.wrapping_add(1))
}

fn reply(status: u16, content_type: &str, body: impl Into<Bytes>, now: i64) -> Reply {
    let mut response = Response::new(ReplyBody::new(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&crate::http_date(now)) {
        headers.insert(DATE, value);
    }
    response
}

fn envelope(mut fields: Value, request_id: &str, now: i64) -> Reply {
    if let Value::Object(map) = &mut fields {
        map.insert("RequestId".into(), Value::from(request_id));
    }
    reply(200, "application/json", json!({ "Response": fields }).to_string(), now)
}

fn error_envelope(code: &str, message: &str, request_id: &str, now: i64) -> Reply {
    envelope(json!({"Error": {"Code": code, "Message": message}}), request_id, now)
}

async fn handle(request: Request<IncomingBody>, shared: &Shared, reset: &AtomicBool) -> Reply {
    let now = shared.front_door_now();
    let path = request.uri().path().to_owned();
    if let Some(route) = path.strip_prefix("/_emulator/").or(if path == "/_emulator" { Some("") } else { None }) {
        let route = route.to_owned();
        let method = request.method().as_str().to_owned();
        let authorization = request
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = match read_body(request, shared.policy.max_request_bytes).await {
            Ok(body) => body,
            Err(_) => return reply(413, "text/plain", "the control request is too large or was cut", now),
        };
        return crate::control::handle(shared, &method, &route, authorization.as_deref(), &body);
    }

    let started = Instant::now();
    let sequence = shared.sequence.fetch_add(1, Ordering::SeqCst);
    let request_id = request_id(shared.port, sequence);
    let method = request.method().as_str().to_owned();
    let target = request.uri().path_and_query().map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).trim().to_owned()))
        .collect();
    let header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let action_header = header("X-TC-Action").unwrap_or_default();
    let mut entry = LoggedRequest {
        sequence,
        request_id: request_id.clone(),
        method: method.clone(),
        action: action_header.clone(),
        verdict: None,
        reason: None,
        fault: None,
        modelled: false,
        params: Value::Null,
        millis: 0,
    };

    // Faults that act before the body is read.
    if let Some(Fault::ResetBeforeBody) = shared.draw_fault(&action_header, true) {
        entry.fault = Some("ResetBeforeBody".into());
        shared.record(entry, started);
        reset.store(true, Ordering::SeqCst);
        return reply(200, "text/plain", "", now);
    }

    let declared = header("Content-Length").and_then(|v| v.parse::<u64>().ok());
    let limit = shared.policy.max_request_bytes;
    let too_large = |entry: &mut LoggedRequest, size: Option<u64>| {
        let message = match size {
            Some(size) => format!("The request body is {size} bytes; the limit is {limit}."),
            // A chunked body: its size is known only to be over the limit.
            None => format!("The request body is larger than the limit of {limit} bytes."),
        };
        entry.verdict = Some("RequestSizeLimitExceeded".into());
        entry.reason = Some(message.clone());
        let mut response = error_envelope("RequestSizeLimitExceeded", &message, &request_id, now);
        // The body is left unread, so the connection cannot carry another request.
        response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
        response
    };
    if declared.is_some_and(|d| d > limit as u64) {
        let response = too_large(&mut entry, declared);
        shared.record(entry, started);
        return response;
    }
    let body = match read_body(request, limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            let response = too_large(&mut entry, None);
            shared.record(entry, started);
            return response;
        }
        // The client went away mid-body: nothing to answer.
        Err(BodyError::Cut) => {
            entry.verdict = Some("ConnectionClosed".into());
            shared.record(entry, started);
            return reply(400, "text/plain", "the request body was cut short", now);
        }
    };

    let incoming = Incoming { method: &method, path: &target, headers: &headers, body: &body };
    let accepted = front_door::verify(&shared.policy, &incoming, now).and_then(|accepted| {
        let params = schema::validate(&accepted.action, &accepted.params)?;
        Ok((accepted, params))
    });
    let (accepted, params) = match accepted {
        Ok(ok) => ok,
        Err(Rejection { code, message }) => {
            entry.verdict = Some(code.to_owned());
            entry.reason = Some(message.clone());
            shared.record(entry, started);
            return error_envelope(code, &message, &request_id, now);
        }
    };
    entry.action = accepted.action.clone();
    entry.params = logged_params(&params, body.len());

    if let Some(fault) = shared.draw_fault(&accepted.action, false) {
        entry.fault = Some(fault.name().to_owned());
        match fault {
            Fault::Delay { millis } => {
                // Answered normally, late.
                tokio::time::sleep(Duration::from_millis(millis)).await;
            }
            other => {
                match &other {
                    Fault::ServiceError { code, .. } => entry.verdict = Some(code.clone()),
                    Fault::Throttle => entry.verdict = Some("RequestLimitExceeded".into()),
                    _ => {}
                }
                shared.record(entry, started);
                return fault_reply(other, &request_id, now, reset);
            }
        }
    }

    let outcome = shared.state().handle(&accepted.action, &params, &accepted.region, shared.clock.now_ms());
    if !accepted.action.starts_with("Describe") {
        shared.generation.fetch_add(1, Ordering::SeqCst);
    }
    let response = match outcome {
        Outcome::Done(Ok(mut fields)) => {
            entry.modelled = true;
            crate::replies::complete(&accepted.action, &mut fields);
            envelope(fields, &request_id, now)
        }
        Outcome::Done(Err(error)) => {
            entry.modelled = true;
            entry.verdict = Some(error.code.clone());
            entry.reason = Some(error.message.clone());
            error_envelope(&error.code, &error.message, &request_id, now)
        }
        Outcome::NotModelled => {
            // Never the canned example: a client must not mistake it for the model's answer.
            let message = format!("tem-emulator does not model {}.", accepted.action);
            entry.verdict = Some("UnsupportedOperation".into());
            entry.reason = Some(message.clone());
            let mut response = error_envelope("UnsupportedOperation", &message, &request_id, now);
            response.headers_mut().insert(NOT_MODELLED_HEADER, HeaderValue::from_static("false"));
            response
        }
    };
    shared.record(entry, started);
    response
}

enum BodyError {
    TooLarge,
    Cut,
}

async fn read_body(request: Request<IncomingBody>, limit: usize) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(limits::BODY_TIMEOUT, Limited::new(request.into_body(), limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        Ok(Err(_)) | Err(_) => Err(BodyError::Cut),
    }
}

fn fault_reply(fault: Fault, request_id: &str, now: i64, reset: &AtomicBool) -> Reply {
    match fault {
        Fault::ServiceError { code, message } => error_envelope(&code, &message, request_id, now),
        Fault::Throttle => {
            error_envelope("RequestLimitExceeded", "Your request rate exceeds the limit (a fault).", request_id, now)
        }
        Fault::HttpStatus { status } => {
            let body = json!({"Response": {"Error": {"Code": "InternalError", "Message": format!("HTTP {status} (a fault)")}, "RequestId": request_id}});
            reply(status, "application/json", body.to_string(), now)
        }
        Fault::Html { status } => reply(
            status,
            "text/html",
            format!("<html><head><title>{status}</title></head><body><h1>{status}</h1><p>tem-emulator fault</p></body></html>"),
            now,
        ),
        Fault::MalformedJson => reply(200, "application/json", "{\"Response\": {\"RequestId\": ", now),
        Fault::TruncatedJson => {
            // Declares the whole length but sends half: the reply is cut in transit.
            let whole = json!({"Response": {"Result": "truncated", "RequestId": request_id}}).to_string();
            let half = whole.as_bytes()[..whole.len() / 2].to_vec();
            let mut response = reply(200, "application/json", Bytes::new(), now);
            *response.body_mut() = ReplyBody::undeclared(half);
            let headers = response.headers_mut();
            headers.insert(CONTENT_LENGTH, HeaderValue::from(whole.len()));
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
            response
        }
        Fault::ResetBeforeBody | Fault::ResetAfterBody => {
            reset.store(true, Ordering::SeqCst);
            reply(200, "text/plain", "", now)
        }
        Fault::Delay { .. } => reply(200, "application/json", "{}", now),
    }
}

/// The address a listener bound to, for the caller's endpoint.
pub(crate) async fn bind(host: std::net::IpAddr, port: u16) -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind((host, port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}
