//! A small local HTTP server on hyper for tests that need to see exactly what was sent (method,
//! path, headers, body) and answer with a function of it: the fake STS of web identity, the
//! HTTPS server of the TLS tests. It counts connections, so tests can tell reuse from reconnects.
//!
//! Shared by several test files, each using part of it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A status and a JSON body.
pub type Answer = (u16, String);
type Handler = Arc<dyn Fn(&Recorded) -> Answer + Send + Sync>;

/// What the server saw.
#[derive(Clone, Default)]
pub struct Log {
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
}

impl Log {
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// TCP connections accepted (for TLS: before the handshake).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

pub struct LocalServer {
    pub addr: SocketAddr,
    pub log: Log,
    task: tokio::task::JoinHandle<()>,
}

impl LocalServer {
    /// Plain HTTP.
    pub async fn http(handler: impl Fn(&Recorded) -> Answer + Send + Sync + 'static) -> Self {
        Self::start(handler, |tcp| async move { Some(tcp) }).await
    }

    /// Each accepted connection goes through `wrap` (e.g. a TLS handshake; `None` drops it),
    /// then is served as HTTP/1.1.
    pub async fn start<S, F>(
        handler: impl Fn(&Recorded) -> Answer + Send + Sync + 'static,
        wrap: impl Fn(TcpStream) -> F + Send + Sync + 'static,
    ) -> Self
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        F: Future<Output = Option<S>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Log::default();
        let handler: Handler = Arc::new(handler);
        let (seen, wrap) = (log.clone(), Arc::new(wrap));
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                seen.connections.fetch_add(1, Ordering::SeqCst);
                let (handler, seen, wrap) = (handler.clone(), seen.clone(), wrap.clone());
                tokio::spawn(async move {
                    let Some(io) = wrap(tcp).await else { return };
                    let service = service_fn(move |request: hyper::Request<Incoming>| {
                        let (handler, seen) = (handler.clone(), seen.clone());
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
                            let recorded = Recorded {
                                method: parts.method.to_string(),
                                path: parts.uri.to_string(),
                                headers: parts
                                    .headers
                                    .iter()
                                    .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into()))
                                    .collect(),
                                body,
                            };
                            let (status, body) = handler(&recorded);
                            seen.requests.lock().unwrap().push(recorded);
                            let response = hyper::Response::builder()
                                .status(status)
                                .header("Content-Type", "application/json")
                                .body(Full::new(Bytes::from(body)))
                                .expect("a valid response");
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service).await;
                });
            }
        });
        Self { addr, log, task }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
