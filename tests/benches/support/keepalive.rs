#![allow(dead_code)]

//! A local HTTP/1.1 keep-alive server (hyper) that answers every request with one fixed JSON
//! reply and counts the connections it accepts; optionally over TLS (tokio-rustls, a private CA
//! made with rcgen), counting the handshakes it completes. Shared by the connection-reuse test
//! (`tests/tests/connection_reuse.rs`) and the comparison benchmark (`tests/benches/compare.rs`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The seed action's reply, as the service sends it.
pub const SEED_REPLY: &[u8] =
    br#"{"Response":{"Result":"revision-xxx","RequestId":"81f74023-563c-437d-abf7-8139449ef178"}}"#;

/// A running server; stops when dropped.
pub struct KeepAliveServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

/// A private CA (its PEM, for the clients to trust) and a TLS acceptor presenting a
/// certificate it issued for `localhost` and 127.0.0.1 (rcgen's default key: ECDSA P-256).
pub fn private_ca() -> (String, TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "tem-sdk-rust benchmark CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .unwrap();
    (ca.pem(), TlsAcceptor::from(Arc::new(config)))
}

/// How the server treats connections between requests.
#[derive(Clone, Copy, Debug, Default)]
pub struct Behaviour {
    /// Close a connection on which no request arrives for this long, silently, as servers and
    /// load balancers close idle keep-alive connections.
    pub close_idle_after: Option<std::time::Duration>,
    /// Answer with `Connection: close` and close after each reply.
    pub close_after_each_reply: bool,
}

/// Serves HTTP/1.1 keep-alive on `io`, answering every request with `reply`.
async fn serve(
    io: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
    requests: Arc<AtomicUsize>,
    reply: &'static [u8],
    behaviour: Behaviour,
) {
    let service = service_fn(move |request: Request<Incoming>| {
        let requests = requests.clone();
        async move {
            // The whole request is read before answering, as a real server does.
            let _ = request.into_body().collect().await;
            requests.fetch_add(1, Ordering::SeqCst);
            let mut response = Response::new(Full::new(Bytes::from_static(reply)));
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok::<_, Infallible>(response)
        }
    });
    let mut builder = http1::Builder::new();
    builder.keep_alive(!behaviour.close_after_each_reply);
    if let Some(idle) = behaviour.close_idle_after {
        // hyper's wait for the next request's head: the connection is closed when it passes.
        builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(idle);
    }
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

impl KeepAliveServer {
    /// Listens on 127.0.0.1 (a free port) on the current runtime.
    pub async fn start(reply: &'static [u8]) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0", reply).await
    }

    /// Listens on `addr`.
    pub async fn start_on(addr: &str, reply: &'static [u8]) -> std::io::Result<Self> {
        Self::listen(addr, reply, None, Behaviour::default()).await
    }

    /// Listens on 127.0.0.1 (a free port), treating connections as `behaviour` says.
    pub async fn start_behaving(reply: &'static [u8], behaviour: Behaviour) -> std::io::Result<Self> {
        Self::listen("127.0.0.1:0", reply, None, behaviour).await
    }

    /// Listens on 127.0.0.1 (a free port), every connection over TLS through `acceptor`.
    pub async fn start_tls(reply: &'static [u8], acceptor: TlsAcceptor) -> std::io::Result<Self> {
        Self::listen("127.0.0.1:0", reply, Some(acceptor), Behaviour::default()).await
    }

    async fn listen(
        addr: &str,
        reply: &'static [u8],
        tls: Option<TlsAcceptor>,
        behaviour: Behaviour,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (accepted_in, handshakes_in, requests_in) = (accepted.clone(), handshakes.clone(), requests.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                accepted_in.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_nodelay(true);
                let (requests, handshakes, tls) = (requests_in.clone(), handshakes_in.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        None => serve(stream, requests, reply, behaviour).await,
                        Some(acceptor) => {
                            let Ok(stream) = acceptor.accept(stream).await else { return };
                            handshakes.fetch_add(1, Ordering::SeqCst);
                            serve(stream, requests, reply, behaviour).await
                        }
                    }
                });
            }
        });
        Ok(Self { addr, accepted, handshakes, requests, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed so far (0 without TLS).
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for KeepAliveServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
