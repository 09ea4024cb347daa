//! The direct transport: HTTP/1.1 to the client's one endpoint over hyper's connection API,
//! each connection driven by the call that uses it.
//!
//! A client calls one host, so its pool is a stack of idle connections rather than a map of
//! hosts. A connection has no task of its own: the call that takes it polls hyper's connection
//! future beside its request, so a reply reaches the caller without crossing a channel between
//! tasks, and the connection is back in the pool before the call returns, on any runtime
//! flavour (sequential calls use one connection without waiting for a pool task). An idle
//! connection is polled once before it is reused: one the server closed while it was idle, or
//! wrote to unasked, is dropped, not written to.
//!
//! What this does not do, proxies, is left to reqwest: [`crate::Client::new`] chooses.

use std::future::{poll_fn, Future};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::client::{Reply, MAX_PREALLOCATION};

/// A request as this transport sends it: the `Host` header set, the URI in origin form.
pub(crate) type Request = http::Request<Full<Bytes>>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why an exchange failed, and what that tells of whether the request was received.
#[derive(Debug)]
pub(crate) enum DirectError {
    /// No connection (name lookup, connect, TLS handshake): the request was not sent.
    NotSent { timed_out: bool, source: Option<BoxError> },
    /// The connection failed or the deadline passed after the request was handed to it.
    MaybeReceived { timed_out: bool, source: Option<BoxError> },
    /// The reply is larger than the limit: `len` bytes or more.
    TooLarge { status: u16, len: u64 },
}

/// The endpoint's connection settings and its idle connections.
pub(crate) struct DirectTransport {
    /// The host to look up or connect to (an IPv6 address without brackets).
    host: Box<str>,
    port: u16,
    /// The host, if it is an address: connected to without a lookup.
    address: Option<IpAddr>,
    /// For an `https` endpoint.
    tls: Option<Tls>,
    connect_timeout: Duration,
    max_idle: usize,
    idle_timeout: Option<Duration>,
    /// Most recently used last; never locked across an await.
    idle: Mutex<Vec<Idle>>,
}

impl std::fmt::Debug for DirectTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectTransport")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls.is_some())
            .field("idle", &self.idle.lock().map_or(0, |idle| idle.len()))
            .finish_non_exhaustive()
    }
}

#[cfg(any(feature = "rustls", feature = "native-roots"))]
struct Tls {
    connector: tokio_rustls::TlsConnector,
    server_name: tokio_rustls::rustls::pki_types::ServerName<'static>,
}

/// `https` in a build without TLS: every call fails to connect, saying why.
#[cfg(not(any(feature = "rustls", feature = "native-roots")))]
struct Tls;

struct Idle {
    connection: Connection,
    since: Instant,
}

/// One HTTP/1.1 connection: the half that sends requests and the half that does the I/O, which
/// makes progress only while polled.
struct Connection {
    sender: http1::SendRequest<Full<Bytes>>,
    driver: Pin<Box<http1::Connection<TokioIo<Stream>, Full<Bytes>>>>,
    /// The driver has completed: the connection is closed and must not be polled again.
    ended: bool,
}

/// The connection settings a transport needs, from the client's configuration.
pub(crate) struct Target<'a> {
    /// `http` or `https`.
    pub(crate) https: bool,
    /// As in the URL: an IPv6 address in brackets.
    pub(crate) host: &'a str,
    pub(crate) port: u16,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_idle: usize,
    pub(crate) idle_timeout: Option<Duration>,
}

impl DirectTransport {
    /// A transport to `target`; `tls` is the TLS client configuration for an `https` target.
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    pub(crate) fn new(
        target: Target<'_>,
        tls: Option<std::sync::Arc<tokio_rustls::rustls::ClientConfig>>,
    ) -> Result<Self, String> {
        let host = target.host.trim_start_matches('[').trim_end_matches(']');
        let tls = match (target.https, tls) {
            (true, Some(config)) => Some(Tls {
                connector: tokio_rustls::TlsConnector::from(config),
                server_name: tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned())
                    .map_err(|_| format!("{host:?} is not a name a TLS certificate can be checked against"))?,
            }),
            (true, None) => return Err("an https endpoint needs a TLS configuration".to_owned()),
            (false, _) => None,
        };
        Ok(Self::with_tls(target, host, tls))
    }

    /// A transport to `target`; an `https` target cannot be reached without a TLS feature.
    #[cfg(not(any(feature = "rustls", feature = "native-roots")))]
    pub(crate) fn new(target: Target<'_>) -> Result<Self, String> {
        let host = target.host.trim_start_matches('[').trim_end_matches(']');
        let tls = target.https.then_some(Tls);
        Ok(Self::with_tls(target, host, tls))
    }

    fn with_tls(target: Target<'_>, host: &str, tls: Option<Tls>) -> Self {
        Self {
            host: host.into(),
            port: target.port,
            address: host.parse().ok(),
            tls,
            connect_timeout: target.connect_timeout,
            max_idle: target.max_idle,
            idle_timeout: target.idle_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends `request` and reads the whole reply, at most `limit` bytes of body, by `deadline`.
    pub(crate) async fn send(&self, request: Request, deadline: Instant, limit: usize) -> Result<Reply, DirectError> {
        let not_sent = |timed_out, source| DirectError::NotSent { timed_out, source };
        let connection = loop {
            let (mut connection, pooled) = match self.checkout() {
                Some(connection) => (connection, true),
                None => {
                    // A timeout too large for an instant is no timeout of its own.
                    let connect_deadline =
                        Instant::now().checked_add(self.connect_timeout).map_or(deadline, |d| d.min(deadline));
                    match tokio::time::timeout_at(connect_deadline, self.connect()).await {
                        Ok(Ok(connection)) => (connection, false),
                        Ok(Err(source)) => return Err(not_sent(false, Some(source))),
                        Err(_elapsed) => return Err(not_sent(true, None)),
                    }
                }
            };
            match tokio::time::timeout_at(deadline, connection.ready()).await {
                Ok(Ok(())) => break connection,
                // A pooled connection that turns out closed before the request is handed to it
                // is dropped, and the request goes on another: nothing was sent.
                Ok(Err(_closed)) if pooled => continue,
                Ok(Err(source)) => return Err(not_sent(false, Some(source))),
                Err(_elapsed) => return Err(not_sent(true, None)),
            }
        };
        self.exchange(connection, request, deadline, limit).await
    }

    /// The request on `connection`, which is ready for it; the connection goes back to the pool
    /// once the reply is read, if it stays open.
    async fn exchange(
        &self,
        mut connection: Connection,
        request: Request,
        deadline: Instant,
        limit: usize,
    ) -> Result<Reply, DirectError> {
        let received = tokio::time::timeout_at(deadline, connection.round_trip(request, limit)).await;
        match received {
            Ok(Ok(received)) => {
                self.check_in(connection);
                Ok(received)
            }
            Ok(Err(error)) => Err(error),
            Err(_elapsed) => Err(DirectError::MaybeReceived { timed_out: true, source: None }),
        }
    }

    /// The most recently used idle connection still open, if any.
    fn checkout(&self) -> Option<Connection> {
        let now = Instant::now();
        loop {
            let Idle { mut connection, since } = self.idle.lock().ok()?.pop()?;
            let fresh = self.idle_timeout.is_none_or(|timeout| now.saturating_duration_since(since) < timeout);
            // Dropped (closed) outside the lock.
            if fresh && connection.is_open() {
                return Some(connection);
            }
        }
    }

    fn check_in(&self, mut connection: Connection) {
        if !connection.is_open() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < self.max_idle {
                idle.push(Idle { connection, since: Instant::now() });
            }
        }
    }

    /// A new connection: the host looked up unless it is an address, its addresses raced as
    /// [`connect_any`] does, then TLS if `https`.
    async fn connect(&self) -> Result<Connection, BoxError> {
        let stream = match self.address {
            Some(ip) => TcpStream::connect(SocketAddr::new(ip, self.port)).await?,
            None => {
                let addresses: Vec<SocketAddr> = tokio::net::lookup_host((&*self.host, self.port)).await?.collect();
                connect_any(&addresses).await?
            }
        };
        tune(&stream)?;
        let stream = self.secure(stream).await?;
        let (sender, driver) = http1::Builder::new().handshake(TokioIo::new(stream)).await?;
        Ok(Connection { sender, driver: Box::pin(driver), ended: false })
    }

    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    async fn secure(&self, stream: TcpStream) -> io::Result<Stream> {
        match &self.tls {
            None => Ok(Stream::Plain(stream)),
            Some(tls) => Ok(Stream::Tls(Box::new(tls.connector.connect(tls.server_name.clone(), stream).await?))),
        }
    }

    #[cfg(not(any(feature = "rustls", feature = "native-roots")))]
    async fn secure(&self, stream: TcpStream) -> io::Result<Stream> {
        match self.tls {
            None => Ok(Stream::Plain(stream)),
            Some(Tls) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "https needs TLS, which this build of tem-core leaves out (features `rustls`, `native-roots`)",
            )),
        }
    }

    /// Idle connections now in the pool (tests).
    #[cfg(test)]
    fn idle_count(&self) -> usize {
        self.idle.lock().map_or(0, |idle| idle.len())
    }
}

/// Sets a new connection's options as reqwest sets them: no Nagle delay; an idle connection
/// probed after 15 s, then every 15 s, 3 times; and on Linux, data unacknowledged for 30 s
/// closes the connection. A dead peer is thus noticed before a call's own timeout. Only the
/// first is required; the others are best effort, as in reqwest.
fn tune(stream: &TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let socket = socket2::SockRef::from(stream);
    let keepalive = socket2::TcpKeepalive::new().with_time(Duration::from_secs(15));
    #[cfg(target_os = "linux")]
    let keepalive = keepalive.with_interval(Duration::from_secs(15)).with_retries(3);
    if let Err(error) = socket.set_tcp_keepalive(&keepalive) {
        tracing::debug!(%error, "TCP keep-alive not set");
    }
    #[cfg(target_os = "linux")]
    if let Err(error) = socket.set_tcp_user_timeout(Some(Duration::from_secs(30))) {
        tracing::debug!(%error, "TCP user timeout not set");
    }
    Ok(())
}

/// How long an attempt to connect to one address runs alone before the next address is tried
/// beside it: the "Connection Attempt Delay" of RFC 8305 (Happy Eyeballs v2).
const CONNECTION_ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Connects to one of `addresses` as RFC 8305 describes, in short: the addresses in turn,
/// alternating IPv6 and IPv4 from the family of the first, each attempt started when the one
/// before fails or has run [`CONNECTION_ATTEMPT_DELAY`] without an answer, the earlier ones
/// still running; the first to connect wins. An address that never answers (a broken IPv6
/// route) thus delays the call by 250 ms, not by the connect timeout. The caller bounds the
/// whole with the connect timeout.
async fn connect_any(addresses: &[SocketAddr]) -> io::Result<TcpStream> {
    race_attempts(&interleave_families(addresses), |address| Box::pin(TcpStream::connect(address))).await
}

/// One connection attempt, boxed: attempts run side by side in a list.
type Attempt<T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send>>;

/// The staggered race of [`connect_any`], over any way of connecting (tests use fakes).
async fn race_attempts<T>(addresses: &[SocketAddr], connect: impl Fn(SocketAddr) -> Attempt<T>) -> io::Result<T> {
    let mut running: Vec<Attempt<T>> = Vec::new();
    let mut next = 0;
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the host name has no address");
    let mut stagger = std::pin::pin!(tokio::time::sleep(Duration::ZERO));
    let mut start_now = true;
    poll_fn(|cx| loop {
        if next < addresses.len() && (start_now || stagger.as_mut().poll(cx).is_ready()) {
            running.push(connect(addresses[next]));
            next += 1;
            start_now = false;
            stagger.as_mut().reset(Instant::now() + CONNECTION_ATTEMPT_DELAY);
            continue;
        }
        let mut failed = false;
        let mut index = 0;
        while index < running.len() {
            match running[index].as_mut().poll(cx) {
                Poll::Ready(Ok(connected)) => return Poll::Ready(Ok(connected)),
                Poll::Ready(Err(error)) => {
                    last_error = error;
                    drop(running.swap_remove(index));
                    failed = true;
                }
                Poll::Pending => index += 1,
            }
        }
        if running.is_empty() && next == addresses.len() {
            return Poll::Ready(Err(std::mem::replace(&mut last_error, io::ErrorKind::Other.into())));
        }
        if !failed {
            return Poll::Pending;
        }
        // A failure starts the next address at once.
        start_now = running.is_empty() || next < addresses.len();
    })
    .await
}

/// `addresses` reordered to alternate address families, starting with the family of the first
/// (the resolver's preference), each family in the resolver's order.
fn interleave_families(addresses: &[SocketAddr]) -> Vec<SocketAddr> {
    let Some(first) = addresses.first() else { return Vec::new() };
    let (mut preferred, mut other): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addresses.iter().partition(|address| address.is_ipv6() == first.is_ipv6());
    let mut interleaved = Vec::with_capacity(addresses.len());
    let (mut preferred, mut other) = (preferred.drain(..), other.drain(..));
    loop {
        match (preferred.next(), other.next()) {
            (None, None) => return interleaved,
            (a, b) => interleaved.extend(a.into_iter().chain(b)),
        }
    }
}

impl Connection {
    /// Whether the connection is still open, polling it once: an idle connection reads the
    /// server's close, or an unasked reply, only when polled.
    fn is_open(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        self.poll_driver(&mut cx).is_pending() && !self.sender.is_closed()
    }

    /// Polls the driver unless it has completed; `Ready` once the connection is closed.
    fn poll_driver(&mut self, cx: &mut Context<'_>) -> Poll<Option<hyper::Error>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let polled = self.driver.as_mut().poll(cx);
        if let Poll::Ready(result) = polled {
            self.ended = true;
            return Poll::Ready(result.err());
        }
        Poll::Pending
    }

    /// Polls `work` with the driver, which feeds it; `Err` with the driver's error, if any,
    /// when the connection closed before `work` was done.
    fn poll_with_driver<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut work: impl FnMut(&mut Self, &mut Context<'_>) -> Poll<T>,
    ) -> Poll<Result<T, Option<hyper::Error>>> {
        if let Poll::Ready(done) = work(self, cx) {
            return Poll::Ready(Ok(done));
        }
        let driven = self.poll_driver(cx);
        // What the driver read may have completed the work: no second wake-up to find it.
        if let Poll::Ready(done) = work(self, cx) {
            return Poll::Ready(Ok(done));
        }
        driven.map(Err)
    }

    /// Waits until the connection takes a request.
    async fn ready(&mut self) -> Result<(), BoxError> {
        match poll_fn(|cx| self.poll_with_driver(cx, |connection, cx| connection.sender.poll_ready(cx))).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) | Err(Some(error)) => Err(error.into()),
            Err(None) => Err("the connection closed".into()),
        }
    }

    /// Sends `request` and reads the reply's head and body.
    async fn round_trip(&mut self, request: Request, limit: usize) -> Result<Reply, DirectError> {
        let mut response = std::pin::pin!(self.sender.send_request(request));
        let response = poll_fn(|cx| self.poll_with_driver(cx, |_, cx| response.as_mut().poll(cx))).await;
        let response = match response {
            Ok(Ok(response)) => response,
            // hyper says the request was not written: the connection closed first.
            Ok(Err(error)) if error.is_canceled() => {
                return Err(DirectError::NotSent { timed_out: false, source: Some(error.into()) })
            }
            Ok(Err(error)) => return Err(DirectError::MaybeReceived { timed_out: false, source: Some(error.into()) }),
            Err(error) => return Err(closed(error)),
        };
        let (head, mut incoming) = response.into_parts();
        let status = head.status.as_u16();
        let declared = incoming
            .size_hint()
            .exact()
            .or_else(|| head.headers.get(http::header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok());
        if let Some(len) = declared {
            if len > limit as u64 {
                return Err(DirectError::TooLarge { status, len });
            }
        }
        let date = head.headers.get(http::header::DATE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // A declared length is a claim: reserve no more than a little up front.
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(MAX_PREALLOCATION).min(limit));
        loop {
            let frame = poll_fn(|cx| self.poll_with_driver(cx, |_, cx| Pin::new(&mut incoming).poll_frame(cx))).await;
            match frame {
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        if body.len() + data.len() > limit {
                            return Err(DirectError::TooLarge { status, len: (body.len() + data.len()) as u64 });
                        }
                        body.extend_from_slice(&data);
                    }
                }
                Ok(Some(Err(error))) => {
                    return Err(DirectError::MaybeReceived { timed_out: false, source: Some(error.into()) })
                }
                Ok(None) => break,
                Err(error) => return Err(closed(error)),
            }
        }
        Ok(Reply { status, date, body })
    }
}

/// The connection closed under a request it had taken.
fn closed(error: Option<hyper::Error>) -> DirectError {
    let source: BoxError = match error {
        Some(error) => error.into(),
        None => "the connection closed before the reply was complete".into(),
    };
    DirectError::MaybeReceived { timed_out: false, source: Some(source) }
}

/// A TCP stream, or TLS over one.
enum Stream {
    Plain(TcpStream),
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            #[cfg(any(feature = "rustls", feature = "native-roots"))]
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            #[cfg(any(feature = "rustls", feature = "native-roots"))]
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            #[cfg(any(feature = "rustls", feature = "native-roots"))]
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(stream) => stream.is_write_vectored(),
            #[cfg(any(feature = "rustls", feature = "native-roots"))]
            Stream::Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(cx),
            #[cfg(any(feature = "rustls", feature = "native-roots"))]
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            #[cfg(any(feature = "rustls", feature = "native-roots"))]
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A keep-alive server on 127.0.0.1 answering each request, after `delay`, with `size`
    /// bytes; it counts the connections it accepts.
    async fn server(delay: Duration, size: usize) -> (u16, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = accepted.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let service = hyper::service::service_fn(move |_request| async move {
                    tokio::time::sleep(delay).await;
                    Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(vec![b'x'; size]))))
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        (port, accepted)
    }

    fn transport(port: u16, max_idle: usize) -> DirectTransport {
        let target = Target {
            https: false,
            host: "127.0.0.1",
            port,
            connect_timeout: Duration::from_secs(5),
            max_idle,
            idle_timeout: None,
        };
        #[cfg(any(feature = "rustls", feature = "native-roots"))]
        return DirectTransport::new(target, None).unwrap();
        #[cfg(not(any(feature = "rustls", feature = "native-roots")))]
        return DirectTransport::new(target).unwrap();
    }

    fn request() -> Request {
        let mut request = http::Request::new(Full::new(Bytes::from_static(b"{}")));
        *request.method_mut() = http::Method::POST;
        request.headers_mut().insert(http::header::HOST, http::HeaderValue::from_static("127.0.0.1"));
        request
    }

    fn in_a_second() -> Instant {
        Instant::now() + Duration::from_secs(1)
    }

    #[tokio::test]
    async fn sequential_requests_share_one_connection_kept_idle_between_them() {
        let (port, accepted) = server(Duration::ZERO, 10).await;
        let transport = transport(port, 10);
        for _ in 0..5 {
            let received = transport.send(request(), in_a_second(), 1024).await.unwrap();
            assert_eq!((received.status, received.body.len()), (200, 10));
            assert_eq!(transport.idle_count(), 1);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_request_cut_off_by_its_deadline_leaves_no_connection_behind() {
        let (port, _) = server(Duration::from_millis(500), 10).await;
        let transport = transport(port, 10);
        let deadline = Instant::now() + Duration::from_millis(50);
        let error = transport.send(request(), deadline, 1024).await.unwrap_err();
        assert!(matches!(error, DirectError::MaybeReceived { timed_out: true, .. }), "{error:?}");
        assert_eq!(transport.idle_count(), 0, "its reply would answer the next request");
    }

    #[tokio::test]
    async fn a_reply_over_the_limit_is_refused_and_its_connection_closed() {
        let (port, _) = server(Duration::ZERO, 2048).await;
        let transport = transport(port, 10);
        let error = transport.send(request(), in_a_second(), 1024).await.unwrap_err();
        assert!(matches!(error, DirectError::TooLarge { status: 200, len: 2048 }), "{error:?}");
        assert_eq!(transport.idle_count(), 0);
    }

    #[tokio::test]
    async fn at_most_max_idle_connections_are_kept() {
        let (port, accepted) = server(Duration::from_millis(50), 10).await;
        let transport = Arc::new(transport(port, 2));
        let calls: Vec<_> = (0..5)
            .map(|_| {
                let transport = transport.clone();
                tokio::spawn(async move { transport.send(request(), in_a_second(), 1024).await.map(|r| r.status) })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap(), 200);
        }
        assert_eq!((accepted.load(Ordering::SeqCst), transport.idle_count()), (5, 2));
    }

    /// Fake addresses for the race: the port says how the fake connects.
    fn fake(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    /// Port 1: never answers. Port 2: refuses at once. Port 1000 + n: connects after n ms.
    fn fake_connect(address: SocketAddr) -> Attempt<u16> {
        Box::pin(async move {
            match address.port() {
                1 => std::future::pending().await,
                2 => Err(io::ErrorKind::ConnectionRefused.into()),
                port => {
                    tokio::time::sleep(Duration::from_millis(u64::from(port - 1000))).await;
                    Ok(port)
                }
            }
        })
    }

    #[tokio::test(start_paused = true)]
    async fn an_address_that_never_answers_delays_the_next_by_the_attempt_delay_only() {
        let started = Instant::now();
        let winner = race_attempts(&[fake(1), fake(1000)], fake_connect).await.unwrap();
        assert_eq!((winner, started.elapsed()), (1000, CONNECTION_ATTEMPT_DELAY));
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_address_hands_over_to_the_next_at_once() {
        let started = Instant::now();
        let winner = race_attempts(&[fake(2), fake(2), fake(1010)], fake_connect).await.unwrap();
        assert_eq!((winner, started.elapsed()), (1010, Duration::from_millis(10)));
    }

    #[tokio::test(start_paused = true)]
    async fn an_earlier_attempt_answering_first_wins_over_a_later_one() {
        let started = Instant::now();
        // The first answers at 300 ms; the second, started at 250 ms, would answer at 450 ms.
        let winner = race_attempts(&[fake(1300), fake(1200)], fake_connect).await.unwrap();
        assert_eq!((winner, started.elapsed()), (1300, Duration::from_millis(300)));
    }

    #[tokio::test(start_paused = true)]
    async fn when_every_address_fails_the_last_error_is_reported() {
        let error = race_attempts(&[fake(2), fake(2)], fake_connect).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
        let error = race_attempts(&[], fake_connect).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn address_families_alternate_from_the_first() {
        let v6 = |n: u16| SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, n));
        let v4 = |n: u16| SocketAddr::from(([127, 0, 0, 1], n));
        assert_eq!(interleave_families(&[v6(1), v6(2), v4(3), v4(4), v4(5)]), [v6(1), v4(3), v6(2), v4(4), v4(5)]);
        assert_eq!(interleave_families(&[v4(1), v6(2), v4(3)]), [v4(1), v6(2), v4(3)]);
        assert_eq!(interleave_families(&[]), Vec::<SocketAddr>::new());
    }

    #[tokio::test]
    async fn new_connections_get_nodelay_keep_alive_and_a_user_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        tune(&stream).unwrap();
        let socket = socket2::SockRef::from(&stream);
        assert!(stream.nodelay().unwrap());
        assert!(socket.keepalive().unwrap());
        #[cfg(target_os = "linux")]
        {
            assert_eq!(socket.tcp_keepalive_time().unwrap(), Duration::from_secs(15));
            assert_eq!(socket.tcp_keepalive_interval().unwrap(), Duration::from_secs(15));
            assert_eq!(socket.tcp_keepalive_retries().unwrap(), 3);
            assert_eq!(socket.tcp_user_timeout().unwrap(), Some(Duration::from_secs(30)));
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_not_sent() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let error = transport(port, 10).send(request(), in_a_second(), 1024).await.unwrap_err();
        assert!(matches!(error, DirectError::NotSent { timed_out: false, source: Some(_) }), "{error:?}");
    }
}
