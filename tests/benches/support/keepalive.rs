#![allow(dead_code)]

//! A local HTTP/1.1 keep-alive server (hyper) that answers every request with one fixed JSON
//! reply and counts the connections it accepts. Shared by the connection-reuse test
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
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The seed action's reply, as the service sends it.
pub const SEED_REPLY: &[u8] =
    br#"{"Response":{"Result":"revision-xxx","RequestId":"81f74023-563c-437d-abf7-8139449ef178"}}"#;

/// A running server; stops when dropped.
pub struct KeepAliveServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl KeepAliveServer {
    /// Listens on 127.0.0.1 (a free port) on the current runtime.
    pub async fn start(reply: &'static [u8]) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0", reply).await
    }

    /// Listens on `addr`.
    pub async fn start_on(addr: &str, reply: &'static [u8]) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (accepted_in, requests_in) = (accepted.clone(), requests.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                accepted_in.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_nodelay(true);
                let requests = requests_in.clone();
                tokio::spawn(async move {
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
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(Self { addr, accepted, requests, task })
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
