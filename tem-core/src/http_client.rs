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
#[cfg(any(feature = "rustls", feature = "native-roots"))]
use tokio_rustls::rustls::{self, pki_types::CertificateDer};

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
    /// DER, each parsed once when added.
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    root_certificates: Vec<CertificateDer<'static>>,
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
    /// Applies the trusted roots and the pool limits to a reqwest builder (the proxied path).
    pub(crate) fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        #[cfg(any(feature = "rustls", feature = "native-roots"))]
        let builder = self
            .root_certificates
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der).ok())
            .fold(builder, |b, c| b.add_root_certificate(c));
        builder.pool_max_idle_per_host(self.pool_max_idle_per_host).pool_idle_timeout(self.pool_idle_timeout)
    }

    /// The TLS configuration of the direct transport: the features' roots and the added ones,
    /// TLS 1.2 and 1.3 with ring, HTTP/1.1 offered by ALPN. Built only for an `https` endpoint.
    #[cfg(any(feature = "rustls", feature = "native-roots"))]
    pub(crate) fn tls_config(&self) -> Result<std::sync::Arc<rustls::ClientConfig>, ConfigError> {
        let mut roots = rustls::RootCertStore::empty();
        #[cfg(feature = "rustls")]
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "native-roots")]
        {
            // As reqwest: certificates of the store that do not parse are skipped.
            let native = rustls_native_certs::load_native_certs();
            let (added, _skipped) = roots.add_parsable_certificates(native.certs);
            if added == 0 && !cfg!(feature = "rustls") && self.root_certificates.is_empty() {
                let why = native.errors.first().map_or_else(|| "it has none".to_owned(), ToString::to_string);
                return Err(ConfigError::new(format!("no root certificate in the platform's store: {why}")));
            }
        }
        for der in &self.root_certificates {
            roots.add(der.clone()).map_err(|e| ConfigError::new(format!("invalid root certificate: {e}")))?;
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::new(format!("cannot configure TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(std::sync::Arc::new(config))
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
        use rustls::pki_types::pem::PemObject;
        let certificates = CertificateDer::pem_slice_iter(pem.as_ref())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| invalid("not PEM-encoded"))?;
        if certificates.is_empty() {
            return Err(invalid("no CERTIFICATE block in the PEM text"));
        }
        // Parsed now, as a client parses it, so that a bad certificate is refused here, naming
        // the setting, rather than when a client is built.
        let mut check = rustls::RootCertStore::empty();
        for der in &certificates {
            check.add(der.clone()).map_err(|_| invalid("a certificate does not parse as X.509"))?;
        }
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
