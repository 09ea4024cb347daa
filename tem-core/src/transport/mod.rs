//! The HTTP layer: every request the SDK makes (API calls, STS, web identity, the CVM metadata
//! service) goes through one [`Transport`].
//!
//! reqwest is the one real implementation ([`ReqwestTransport`], built from a `Config`'s
//! timeouts, proxy, roots and pool, or around a client of the user's own with
//! `Config::with_http_client`). With the feature `test-util`, `StaticReplayTransport` and
//! `FnTransport` answer instead of a server (`Config::with_transport`), and a client treats
//! what they answer exactly as a reply from the network: decoding, typed service errors,
//! retries, the reply size limit.
//!
//! Whatever the transport, [`exchange`] applies the per-attempt timeout and the reply size
//! limit, so a user's client cannot lift them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

mod message;
#[cfg(feature = "test-util")]
mod replay;
mod reqwest_client;
pub(crate) mod settings;

pub use message::{HttpReply, HttpRequest, TransportError, TransportErrorKind, MOCK_REQUEST_ID};
#[cfg(feature = "test-util")]
pub use replay::{FnTransport, StaticReplayTransport};
pub use reqwest_client::ReqwestTransport;
pub use settings::{DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_POOL_MAX_IDLE_PER_HOST};

/// What [`Transport::send`] returns: a boxed future, so that the trait is object-safe.
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpReply, TransportError>> + Send + 'a>>;

/// Where a client sends its requests: each attempt's signed request in, a reply or a failure
/// out. Implementations read at most [`HttpRequest::max_response_bytes`] of a reply.
pub trait Transport: fmt::Debug + Send + Sync {
    /// Sends one request.
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;
}

/// A shared, type-erased transport, as a `Config` holds it. Cheap to clone.
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

/// One exchange through `transport`, whatever it is: complete within `timeout` (a timeout
/// beyond it is a [`TransportErrorKind::Timeout`]), and a reply over the request's size limit
/// refused even if the transport read it whole.
pub async fn exchange(
    transport: &dyn Transport,
    request: HttpRequest,
    timeout: Duration,
) -> Result<HttpReply, TransportError> {
    let limit = request.max_response_bytes;
    let sent = tokio::time::timeout(timeout, transport.send(request)).await.unwrap_or_else(|_| {
        Err(TransportError::new(
            TransportErrorKind::Timeout,
            "no complete reply within the timeout; the server may have received the request",
        ))
    });
    let reply = sent?;
    if reply.body.len() > limit {
        return Err(TransportError::too_large(reply.status, reply.body.len() as u64, limit));
    }
    Ok(reply)
}
