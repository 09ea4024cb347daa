//! The HTTP client's settings beyond timeouts and proxy: which certificate authorities are
//! trusted, and how many idle connections are kept and for how long.
//!
//! Roots come from the Cargo features of `tem-core`: `rustls` (the default) trusts the Mozilla
//! roots bundled in the program (webpki-roots), `native-roots` the platform's store (read once
//! when a client is built); with both, both are trusted. `Config::with_root_certificate` adds
//! a private certificate authority to either, e.g. a company's TLS-inspecting proxy. Without
//! either feature there is no TLS: only `http://` endpoints work.

use std::fmt;
use std::time::Duration;

/// Idle connections kept per host: 10, as the official Python SDK's pool (requests' default).
/// Concurrent calls beyond it still run, each on a connection of its own; only the idle
/// leftovers are closed.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = 10;

/// How long an idle connection is kept: 50 s, shorter than the minute or more for which API
/// gateways commonly keep one, so that the client retires a connection before the server
/// closes it under a request.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(50);

/// How long connecting may take, by default: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How requests reach the endpoint.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum ProxySetting {
    /// reqwest's default: `HTTPS_PROXY`/`https_proxy`, `HTTP_PROXY`/`http_proxy`,
    /// `ALL_PROXY`/`all_proxy`, and `NO_PROXY`/`no_proxy`.
    System,
    /// No proxy, whatever the environment says.
    Direct,
    /// This proxy for every request.
    Url(String),
}

impl fmt::Debug for ProxySetting {
    // A proxy URL may carry a user and password: only its scheme, host and port are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("System"),
            Self::Direct => f.write_str("Direct"),
            Self::Url(url) => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
                let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                let redacted = if host.len() < rest.len() { "** redacted **@" } else { "" };
                write!(f, "Url({scheme}://{redacted}{host})")
            }
        }
    }
}

/// The settings a `Config` holds for the HTTP client it builds.
#[derive(Clone)]
pub(crate) struct HttpSettings {
    pub(crate) proxy: ProxySetting,
    pub(crate) connect_timeout: Duration,
    /// Each checked when added.
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    pub(crate) root_certificates: Vec<reqwest::Certificate>,
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) pool_idle_timeout: Option<Duration>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            proxy: ProxySetting::System,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            #[cfg(any(feature = "rustls", feature = "native-roots"))]
            root_certificates: Vec::new(),
            pool_max_idle_per_host: DEFAULT_POOL_MAX_IDLE_PER_HOST,
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
        }
    }
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("HttpSettings");
        d.field("proxy", &self.proxy).field("connect_timeout", &self.connect_timeout);
        #[cfg(any(feature = "rustls", feature = "native-roots"))]
        d.field("root_certificates", &self.root_certificates.len());
        d.field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .finish()
    }
}

impl HttpSettings {
    /// Applies the trusted roots and the pool limits to a reqwest builder.
    pub(crate) fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        #[cfg(any(feature = "rustls", feature = "native-roots"))]
        let builder = self.root_certificates.iter().cloned().fold(builder, |b, c| b.add_root_certificate(c));
        builder.pool_max_idle_per_host(self.pool_max_idle_per_host).pool_idle_timeout(self.pool_idle_timeout)
    }
}
