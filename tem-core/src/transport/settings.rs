//! The HTTP client's settings beyond timeouts and proxy: which certificate authorities are
//! trusted, and how many idle connections are kept and for how long.
//!
//! Roots come from the Cargo features of `tem-core`: `rustls` (the default) trusts the Mozilla
//! roots bundled in the program (webpki-roots), `native-roots` the platform's store (read once
//! when a client is built); with both, both are trusted. [`Config::with_root_certificate`] adds
//! a private certificate authority to either, e.g. a company's TLS-inspecting proxy. Without
//! either feature there is no TLS: only `http://` endpoints work.

use std::fmt;
use std::time::Duration;

use crate::config::Config;
#[cfg(any(feature = "rustls", feature = "native-roots"))]
use crate::error::{ConfigError, ConfigErrorKind};

/// Idle connections kept per host: 10, as the official Python SDK's pool (requests' default).
/// Concurrent calls beyond it still run, each on a connection of its own; only the idle
/// leftovers are closed.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = 10;

/// How long an idle connection is kept: 50 s, shorter than the minute or more for which API
/// gateways commonly keep one, so that the client retires a connection before the server
/// closes it under a request.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(50);

/// The settings a [`Config`] holds for the HTTP client.
#[derive(Clone)]
pub(crate) struct HttpSettings {
    /// Each checked when added.
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    root_certificates: Vec<reqwest::Certificate>,
    pool_max_idle_per_host: usize,
    pool_idle_timeout: Option<Duration>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
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

/// TLS and the connection pool.
impl Config {
    /// Also trusts the certificate authorities of `pem` (one or more `CERTIFICATE` blocks), on
    /// top of the roots of the `rustls` / `native-roots` features: for a company's
    /// TLS-inspecting proxy or a private endpoint. Call it again to add more.
    ///
    /// Fails with [`ConfigErrorKind::InvalidValue`] if `pem` holds no certificate or one that
    /// does not parse.
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    pub fn with_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let invalid = |why: &str| {
            ConfigError::with_kind(ConfigErrorKind::InvalidValue, format!("invalid root certificate: {why}"))
        };
        if !pem.as_ref().windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(invalid("no CERTIFICATE block in the PEM text"));
        }
        let certificates =
            reqwest::Certificate::from_pem_bundle(pem.as_ref()).map_err(|_| invalid("not PEM-encoded"))?;
        if certificates.is_empty() {
            return Err(invalid("no CERTIFICATE block in the PEM text"));
        }
        // Parsed now, as a client parses them, so that a bad certificate is refused here,
        // naming the setting, rather than when a client is built.
        certificates
            .iter()
            .cloned()
            .fold(reqwest::Client::builder(), |b, c| b.add_root_certificate(c))
            .build()
            .map_err(|_| invalid("a certificate does not parse as X.509"))?;
        self.http.root_certificates.extend(certificates);
        Ok(self)
    }

    /// How many idle connections to keep per host (default [`DEFAULT_POOL_MAX_IDLE_PER_HOST`]);
    /// 0 closes each connection after its call.
    pub fn with_pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.http.pool_max_idle_per_host = max;
        self
    }

    /// How long an idle connection is kept (default [`DEFAULT_POOL_IDLE_TIMEOUT`]); `None`
    /// keeps it until the server closes it.
    pub fn with_pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.http.pool_idle_timeout = timeout;
        self
    }

    /// The most idle connections kept per host.
    pub fn pool_max_idle_per_host(&self) -> usize {
        self.http.pool_max_idle_per_host
    }

    /// How long an idle connection is kept; `None`: until the server closes it.
    pub fn pool_idle_timeout(&self) -> Option<Duration> {
        self.http.pool_idle_timeout
    }

    /// How many certificate authorities [`Config::with_root_certificate`] added.
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    pub fn root_certificate_count(&self) -> usize {
        self.http.root_certificates.len()
    }
}

#[cfg(all(test, any(feature = "rustls", feature = "native-roots")))]
mod tests {
    use super::*;
    use crate::Credentials;

    #[test]
    fn a_root_certificate_must_be_pem_with_a_parsable_certificate() {
        let config = || Config::new(Credentials::new("id", "key"));
        for (pem, why) in [
            ("", "no CERTIFICATE block"),
            ("just text\n", "no CERTIFICATE block"),
            ("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", "not PEM-encoded"),
            ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "does not parse as X.509"),
        ] {
            let err = config().with_root_certificate(pem).unwrap_err();
            assert_eq!(err.kind(), ConfigErrorKind::InvalidValue, "{pem:?}");
            assert!(err.to_string().contains(why), "{pem:?}: {err}");
        }
        assert_eq!(config().root_certificate_count(), 0);
    }

    #[test]
    fn pool_limits_have_stated_defaults_and_can_be_changed() {
        let config = Config::new(Credentials::new("id", "key"));
        assert_eq!(config.pool_max_idle_per_host(), DEFAULT_POOL_MAX_IDLE_PER_HOST);
        assert_eq!(config.pool_idle_timeout(), Some(DEFAULT_POOL_IDLE_TIMEOUT));
        let config = config.with_pool_max_idle_per_host(0).with_pool_idle_timeout(None);
        assert_eq!((config.pool_max_idle_per_host(), config.pool_idle_timeout()), (0, None));
    }
}
