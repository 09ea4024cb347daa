//! The one real [`Transport`]: reqwest. Built from a configuration's connect timeout, proxy,
//! trusted roots and pool, or around a client the user configured; and the one function that
//! classifies reqwest's failures ([`classify`]).

use std::time::Duration;

use super::settings::{HttpSettings, ProxySetting};
use super::{HttpReply, HttpRequest, Transport, TransportError, TransportErrorKind, TransportFuture};
use crate::error::ConfigError;

/// Bytes reserved for a reply before reading it, at most, whatever its declared length.
const MAX_PREALLOCATION: usize = 1024 * 1024;

/// Sends through a [`reqwest::Client`]. Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Sends through `client` as it is configured (proxies, roots, DNS, default headers).
    /// Redirects it follows would change the signed `Host`: build it with
    /// `redirect(reqwest::redirect::Policy::none())`.
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// A client with these connect timeout, proxy, trusted roots and pool; no redirects, no
    /// retries of its own (the SDK's are the retries).
    pub(crate) fn from_settings(settings: &HttpSettings) -> Result<Self, ConfigError> {
        let builder = settings.apply(Self::plain(settings.connect_timeout));
        let builder = match &settings.proxy {
            // reqwest reads HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (any case) itself.
            ProxySetting::System => builder,
            ProxySetting::Direct => builder.no_proxy(),
            // reqwest's error could repeat the URL, password included: it is not kept.
            ProxySetting::Url(url) => builder.proxy(
                reqwest::Proxy::all(url)
                    .map_err(|_| ConfigError::new("invalid proxy; expected http[s]://host:port"))?,
            ),
        };
        Self::build(builder)
    }

    /// A client for a link-local service (the CVM metadata service): never through a proxy.
    pub(crate) fn link_local(connect_timeout: Duration) -> Result<Self, ConfigError> {
        Self::build(Self::plain(connect_timeout).no_proxy())
    }

    fn plain(connect_timeout: Duration) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            // The signed Host is the configured one; redirects would change it.
            .redirect(reqwest::redirect::Policy::none())
            // Retries are the SDK's (the `retry` module); reqwest's own layer, for HTTP/2
            // refusals, would copy every request's headers in case.
            .retry(reqwest::retry::never().max_retries_per_request(0))
    }

    fn build(builder: reqwest::ClientBuilder) -> Result<Self, ConfigError> {
        let client = builder.build().map_err(|e| ConfigError::new(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { client })
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let limit = request.max_response_bytes;
        let mut outgoing = reqwest::Request::new(request.method, request.url);
        *outgoing.headers_mut() = request.headers;
        *outgoing.body_mut() = Some(request.body.into());
        let mut response = self.client.execute(outgoing).await.map_err(classify)?;
        let status = response.status().as_u16();
        if let Some(len) = response.content_length() {
            if len > limit as u64 {
                return Err(TransportError::too_large(status, len, limit));
            }
        }
        // Moved, not copied.
        let headers = std::mem::take(response.headers_mut());
        // A declared length is a claim: reserve no more than a little up front.
        let mut body = Vec::with_capacity(response.content_length().map_or(0, |n| n as usize).min(MAX_PREALLOCATION));
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::too_large(status, (body.len() + chunk.len()) as u64, limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpReply { status, headers, body })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(self.exchange(request))
    }
}

/// What a reqwest failure tells of the request: not sent when no connection was made (DNS,
/// refused, TLS handshake, connect timeout); otherwise the server may have received it, a
/// connection closed without a reply included.
pub(crate) fn classify(error: reqwest::Error) -> TransportError {
    let (kind, message) = match (error.is_connect(), error.is_timeout()) {
        (true, true) => {
            (TransportErrorKind::ConnectTimeout, "no connection within the connect timeout; the request was not sent")
        }
        (true, false) => (TransportErrorKind::Connect, "the request was not sent"),
        (false, true) => (
            TransportErrorKind::Timeout,
            "no complete reply within the timeout; the server may have received the request",
        ),
        (false, false) => {
            (TransportErrorKind::Dispatch, "the connection failed; the server may have received the request")
        }
    };
    TransportError::new(kind, message).with_source(error)
}
