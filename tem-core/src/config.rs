//! Client configuration: credentials, region, endpoint, timeouts.

use std::time::Duration;

use crate::call::retry::RetryPolicy;
use crate::credentials::{Credentials, ProvideCredentials, SharedCredentialsProvider};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::signing::SignatureMethod;
use crate::time::{AsyncSleep, SharedAsyncSleep, SharedTimeSource, TimeSource};
use crate::transport::settings::ProxySetting;
pub use crate::transport::settings::DEFAULT_CONNECT_TIMEOUT;

/// Environment variable naming the region, e.g. `ap-guangzhou`.
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";
/// Environment variable overriding the endpoint, `scheme://host[:port]`.
pub const ENV_ENDPOINT: &str = "TENCENTCLOUD_ENDPOINT";

/// Longest region accepted by [`Config::with_region`].
pub const MAX_REGION_LEN: usize = 32;

/// Default root domain of service hosts: `<service>.tencentcloudapi.com`.
pub const DEFAULT_ROOT_DOMAIN: &str = "tencentcloudapi.com";

/// Default timeout of a whole call, as the official SDKs.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit of a reply body; Tencent Cloud caps replies well below it.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Where requests go: `scheme://host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: &'static str,
    /// The `Host` header: the host and port exactly as configured.
    host: String,
}

impl Endpoint {
    /// The nearest-access domain of a service: `https://<service>.tencentcloudapi.com`.
    pub fn for_service(service: &str) -> Self {
        Self { scheme: "https", host: format!("{service}.{DEFAULT_ROOT_DOMAIN}") }
    }

    /// `https://<service>[.<region>].<root_domain>`: the nearest-access domain without a
    /// region, the region's own domain with one.
    pub fn for_service_in(service: &str, region: Option<&str>, root_domain: &str) -> Self {
        let host = match region {
            Some(region) => format!("{service}.{region}.{root_domain}"),
            None => format!("{service}.{root_domain}"),
        };
        Self { scheme: "https", host }
    }

    /// Parses `http[s]://host[:port]`, with an optional trailing `/` and nothing else: the host
    /// a DNS name (letters, digits and `-`, labels of at most 63 characters, at most 253 in
    /// all), a dotted-quad IPv4 address or a bracketed IPv6 address; the port from 1 to 65535.
    /// The host is kept lowercase (IPv6 in its canonical form): it is the host connected to
    /// and the `Host` that is signed. The error never repeats a user or password.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let invalid = |why: &str| {
            ConfigError::with_kind(
                ConfigErrorKind::InvalidEndpoint,
                format!("invalid endpoint {}: {why}; expected http[s]://host[:port]", shown_endpoint(text)),
            )
        };
        let (scheme, rest) = match text.split_once("://") {
            Some(("https", rest)) => ("https", rest),
            Some(("http", rest)) => ("http", rest),
            Some(_) => return Err(invalid("the scheme must be http or https")),
            None => return Err(invalid("no scheme")),
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(invalid("no host"));
        }
        if authority.contains(['/', '?', '#', '@']) {
            return Err(invalid("a path, query, fragment, user or password is not allowed"));
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (address, after) =
                bracketed.split_once(']').ok_or_else(|| invalid("an IPv6 address without its ']'"))?;
            let address: std::net::Ipv6Addr =
                address.parse().map_err(|_| invalid("the host in brackets is not an IPv6 address"))?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or_else(|| invalid("only a port may follow the host"))?),
            };
            (format!("[{address}]"), port)
        } else {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            if host.is_empty() {
                return Err(invalid("no host"));
            }
            (valid_host(host).map_err(|why| invalid(&why))?, port)
        };
        let host = match port {
            None => host,
            Some(port) => {
                let number = (!port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| port.parse::<u16>().ok())
                    .flatten()
                    .filter(|&n| n != 0)
                    .ok_or_else(|| invalid("the port is not a number from 1 to 65535"))?;
                // Kept as given, port included, as the official SDKs send and sign it.
                format!("{host}:{number}")
            }
        };
        let endpoint = Self { scheme, host };
        // What reqwest connects to must be the host that is signed.
        let url = reqwest::Url::parse(&endpoint.url()).map_err(|_| invalid("not a URL"))?;
        let connected = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let signed_without_default_port = match url.port_or_known_default() {
            Some(port) if url.port().is_none() => {
                endpoint.host.strip_suffix(&format!(":{port}")).unwrap_or(&endpoint.host).to_owned()
            }
            _ => endpoint.host.clone(),
        };
        if connected != signed_without_default_port {
            return Err(invalid("the host connected to would differ from the host signed"));
        }
        Ok(endpoint)
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        self.scheme
    }

    /// The `Host` header value, which is also what the signature covers.
    pub fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn url(&self) -> String {
        format!("{}://{}/", self.scheme, self.host)
    }
}

/// Longest DNS name (RFC 1035, without the trailing dot) and label.
const MAX_HOST_NAME: usize = 253;
const MAX_HOST_LABEL: usize = 63;

/// A DNS name or dotted-quad IPv4 address, lowercased; or why it is neither.
fn valid_host(host: &str) -> Result<String, String> {
    if host.len() > MAX_HOST_NAME {
        return Err(format!("the host has {} characters, more than {MAX_HOST_NAME}", host.len()));
    }
    let last = host.rsplit('.').next().unwrap_or(host);
    // As URL parsers do: a name whose last label is numeric is an IPv4 address, which must
    // then be a plain dotted quad (no `127.1`, octal or hex forms that parsers read apart).
    if !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x") || last.starts_with("0X"))
    {
        return host
            .parse::<std::net::Ipv4Addr>()
            .map(|address| address.to_string())
            .map_err(|_| "the host is not a dotted-quad IPv4 address".to_owned());
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.len() <= MAX_HOST_LABEL
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return Err(format!(
                "the host is not a DNS name (labels of 1 to {MAX_HOST_LABEL} letters, digits and '-', \
                 not starting or ending with '-'), an IPv4 address or a bracketed IPv6 address"
            ));
        }
    }
    Ok(host.to_ascii_lowercase())
}

/// An endpoint as an error may show it: escaped, with any user and password redacted, and
/// cut short if long.
fn shown_endpoint(text: &str) -> String {
    const MAX_SHOWN: usize = 80;
    let (scheme, rest) = text.split_once("://").map_or(("", text), |(scheme, rest)| (scheme, rest));
    let rest = match rest.rsplit_once('@') {
        Some((_, host)) => format!("** redacted **@{host}"),
        None => rest.to_owned(),
    };
    let mut shown = if scheme.is_empty() && !text.contains("://") { rest } else { format!("{scheme}://{rest}") };
    if shown.len() > MAX_SHOWN {
        let mut end = MAX_SHOWN;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        return format!("{shown:?}… ({} bytes)", text.len());
    }
    format!("{shown:?}")
}

/// How a client calls: credentials, region, endpoint, timeouts. Build it with
/// [`Config::new`] (static credentials) or [`Config::from_env`] (the default chain), then the
/// `with_*` methods; each validates its input and says what is wrong.
///
/// Defaults: the nearest-access domain `<service>.tencentcloudapi.com`, no region, a 60 s
/// call timeout and a 10 s connect timeout, the standard proxy variables, TC3-HMAC-SHA256
/// over the payload, no `X-TC-Language` (the service's default, Chinese).
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) credentials: SharedCredentialsProvider,
    pub(crate) region: Option<String>,
    /// `false` after [`Config::without_region`]: the API takes no region.
    pub(crate) region_required: bool,
    pub(crate) endpoint: Option<Endpoint>,
    pub(crate) region_domain: bool,
    pub(crate) root_domain: String,
    pub(crate) signature_method: SignatureMethod,
    pub(crate) timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) unsigned_payload: bool,
    pub(crate) language: Option<String>,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) rate_limiting: bool,
    pub(crate) http: crate::transport::settings::HttpSettings,
    /// The transport every request goes through; `None`: a reqwest client built from the
    /// settings above, for each client.
    pub(crate) transport: Option<crate::transport::SharedTransport>,
    /// The clock requests are signed with and waits are measured on.
    pub(crate) time_source: SharedTimeSource,
    /// The sleep of retry backoff, rate limiting and waiters.
    pub(crate) sleep: SharedAsyncSleep,
}

impl Config {
    /// A configuration signing with static `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self::with_provider(SharedCredentialsProvider::new(credentials))
    }

    pub(crate) fn with_provider(credentials: SharedCredentialsProvider) -> Self {
        Self {
            credentials,
            region: None,
            region_required: true,
            endpoint: None,
            region_domain: false,
            root_domain: DEFAULT_ROOT_DOMAIN.to_owned(),
            signature_method: SignatureMethod::Tc3HmacSha256,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            unsigned_payload: false,
            language: None,
            retry_policy: RetryPolicy::new(),
            rate_limiting: false,
            http: Default::default(),
            transport: None,
            time_source: SharedTimeSource::default(),
            sleep: SharedAsyncSleep::default(),
        }
    }

    /// Takes credentials from `provider` (asked before every attempt; see
    /// [`crate::credentials`] for the providers) instead of static credentials. Its
    /// configuration is checked when the client is built.
    pub fn with_credentials_provider(self, provider: impl ProvideCredentials + 'static) -> Self {
        self.with_shared_credentials_provider(SharedCredentialsProvider::new(provider))
    }

    /// As [`Config::with_credentials_provider`], with a provider already shared.
    pub fn with_shared_credentials_provider(mut self, provider: SharedCredentialsProvider) -> Self {
        self.credentials = provider;
        self
    }

    /// Sends to the region's own domain, `<service>.<region>.tencentcloudapi.com`, instead of
    /// the nearest-access domain `<service>.tencentcloudapi.com` (needs a region). An endpoint
    /// override takes precedence.
    pub fn with_region_domain(mut self, enabled: bool) -> Self {
        self.region_domain = enabled;
        self
    }

    /// The root domain of service hosts (default `tencentcloudapi.com`), e.g. `internal.tencentcloudapi.com`
    /// inside Tencent Cloud's network.
    pub fn with_root_domain(mut self, domain: &str) -> Result<Self, ConfigError> {
        let valid = !domain.is_empty()
            && domain.len() <= MAX_HOST_NAME
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= MAX_HOST_LABEL
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid {
            return Err(ConfigError::new(format!(
                "invalid root domain {domain:?}: expected a domain name such as tencentcloudapi.com"
            )));
        }
        self.root_domain = domain.to_ascii_lowercase();
        Ok(self)
    }

    /// Sends every request through the proxy `http[s]://[user:password@]host:port`. Without
    /// this the standard variables apply (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`,
    /// and their lowercase forms), as reqwest reads them.
    pub fn with_proxy(mut self, url: &str) -> Result<Self, ConfigError> {
        let invalid = |why: &str| ConfigError::new(format!("invalid proxy: {why}; expected http[s]://host:port"));
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("the scheme must be http or https"));
        }
        // The error of reqwest could repeat the URL, password included: it is not kept.
        reqwest::Proxy::all(url).map_err(|_| invalid("not a URL"))?;
        self.http.proxy = ProxySetting::Url(url.to_owned());
        Ok(self)
    }

    /// Connects directly, ignoring the standard proxy variables.
    pub fn with_no_proxy(mut self) -> Self {
        self.http.proxy = ProxySetting::Direct;
        self
    }

    /// Sends every request through `client`, configured as the user likes (proxies, roots,
    /// DNS, default headers), instead of one built from this configuration's connect timeout,
    /// proxy, roots and pool settings, which then do not apply. The per-call timeout, reply
    /// size limit, retries and rate limit still do. Credential providers built from this
    /// configuration (STS AssumeRole, web identity) send through it too. Build it without
    /// redirects (`redirect(reqwest::redirect::Policy::none())`): one would change the signed
    /// `Host`.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.transport = Some(crate::transport::SharedTransport::new(crate::transport::ReqwestTransport::new(client)));
        self
    }

    /// Reads the time from `source` instead of the system clock: requests are signed with
    /// it, the server's clock is learnt against it, retries' budget is measured on it (see
    /// [`crate::time`]).
    pub fn with_time_source(mut self, source: impl TimeSource + 'static) -> Self {
        self.time_source = SharedTimeSource::new(source);
        self
    }

    /// Waits with `sleep` instead of tokio's: retry backoff, the rate limiter, the rollout
    /// waiter. Pair it with the time source it measures (see [`crate::time`]).
    pub fn with_sleep(mut self, sleep: impl AsyncSleep + 'static) -> Self {
        self.sleep = SharedAsyncSleep::new(sleep);
        self
    }

    /// The clock of [`Config::with_time_source`].
    pub fn time_source(&self) -> &SharedTimeSource {
        &self.time_source
    }

    /// The sleep of [`Config::with_sleep`].
    pub fn sleep_impl(&self) -> &SharedAsyncSleep {
        &self.sleep
    }

    /// The transport of a user's client or of a test double, if one was set.
    pub(crate) fn shared_transport(&self) -> Option<&crate::transport::SharedTransport> {
        self.transport.as_ref()
    }

    /// The signature method (default TC3-HMAC-SHA256). `HmacSHA1` and `HmacSHA256` are the
    /// legacy form-encoded methods, for parity with the official SDKs' `signMethod`.
    pub fn with_signature_method(mut self, method: SignatureMethod) -> Self {
        self.signature_method = method;
        self
    }

    /// The region, sent as `X-TC-Region`: 1 to 32 lowercase letters, digits and `-`, not
    /// starting or ending with `-`, e.g. `ap-guangzhou`.
    pub fn with_region(mut self, region: &str) -> Result<Self, ConfigError> {
        let valid = !region.is_empty()
            && region.len() <= MAX_REGION_LEN
            && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !region.starts_with('-')
            && !region.ends_with('-');
        if !valid {
            let shown: String = region.chars().take(MAX_REGION_LEN + 8).collect();
            return Err(ConfigError::with_kind(
                ConfigErrorKind::InvalidRegion,
                format!(
                    "invalid region {shown:?}: expected 1 to {MAX_REGION_LEN} lowercase letters, digits and '-', e.g. ap-guangzhou"
                ),
            ));
        }
        self.region = Some(region.to_owned());
        Ok(self)
    }

    /// Sends no region, for an API whose documentation says its actions take none (a global
    /// API). Without it, a client built with no region is refused by `Client::new`
    /// ([`ConfigErrorKind::MissingRegion`]): every API is taken as regional, as `tccli`, which
    /// refuses to call any action without a region, takes them, since the official API
    /// descriptions do not say which are not.
    pub fn without_region(mut self) -> Self {
        self.region = None;
        self.region_required = false;
        self
    }

    /// Sends every request to `http[s]://host[:port]` instead of the service's domain; see
    /// [`Endpoint::parse`] for what is accepted.
    pub fn with_endpoint(mut self, endpoint: &str) -> Result<Self, ConfigError> {
        self.endpoint = Some(Endpoint::parse(endpoint)?);
        Ok(self)
    }

    /// Timeout of a whole call (default 60 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout of establishing a connection (default 10 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self
    }

    /// Largest reply body read (default 64 MiB); a larger one is a `ResponseTooLarge` error.
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Signs `UNSIGNED-PAYLOAD` instead of the body.
    pub fn with_unsigned_payload(mut self, unsigned: bool) -> Self {
        self.unsigned_payload = unsigned;
        self
    }

    /// Language of error messages, sent as `X-TC-Language` (`zh-CN` or `en-US`).
    pub fn with_language(mut self, language: &str) -> Result<Self, ConfigError> {
        if !matches!(language, "zh-CN" | "en-US") {
            return Err(ConfigError::new(format!("invalid language {language:?}: expected zh-CN or en-US")));
        }
        self.language = Some(language.to_owned());
        Ok(self)
    }

    /// Where credentials come from.
    pub fn credentials_provider(&self) -> &SharedCredentialsProvider {
        &self.credentials
    }

    /// How requests are signed.
    pub fn signature_method(&self) -> SignatureMethod {
        self.signature_method
    }

    /// The region sent as `X-TC-Region`, if set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The endpoint override, if set.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }
}

/// Retries and rate limiting.
impl Config {
    /// How calls retry (default [`RetryPolicy::new`]: 3 attempts, full-jitter backoff from
    /// 200 ms capped at 5 s, 30 s budget); [`RetryPolicy::disabled`] for one attempt. What is
    /// retried is fixed: see [`crate::retry`].
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Spaces out the calls of each action that has a documented rate limit
    /// (`Action::RATE_LIMIT_PER_SECOND`) so that they stay within it, instead of being
    /// refused with `RequestLimitExceeded` (default off). Clones of a client share the limits.
    pub fn with_rate_limiting(mut self, enabled: bool) -> Self {
        self.rate_limiting = enabled;
        self
    }

    /// How calls retry.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// Whether calls are spaced to the actions' documented rate limits.
    pub fn rate_limiting(&self) -> bool {
        self.rate_limiting
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

    /// How many idle connections to keep per host (default [`DEFAULT_POOL_MAX_IDLE_PER_HOST`](crate::DEFAULT_POOL_MAX_IDLE_PER_HOST));
    /// 0 closes each connection after its call.
    pub fn with_pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.http.pool_max_idle_per_host = max;
        self
    }

    /// How long an idle connection is kept (default [`DEFAULT_POOL_IDLE_TIMEOUT`](crate::DEFAULT_POOL_IDLE_TIMEOUT)); `None`
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

#[cfg(feature = "test-util")]
/// The transport seam.
impl Config {
    /// Sends every request through `transport` instead of HTTP (feature `test-util`): see
    /// [`crate::transport`]. Credential providers built from this configuration (STS
    /// AssumeRole, web identity) send through it too.
    pub fn with_transport(mut self, transport: impl crate::transport::Transport + 'static) -> Self {
        self.transport = Some(crate::transport::SharedTransport::new(transport));
        self
    }
}

#[cfg(all(test, any(feature = "rustls", feature = "native-roots")))]
mod tests {
    use super::*;
    use crate::transport::{DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_POOL_MAX_IDLE_PER_HOST};
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
