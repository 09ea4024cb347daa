//! Client configuration: credentials, region, endpoint, timeouts.

use std::time::Duration;

use crate::credentials::Credentials;
use crate::error::ConfigError;

/// Environment variable naming the region, e.g. `ap-guangzhou`.
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";
/// Environment variable overriding the endpoint, `scheme://host[:port]`.
pub const ENV_ENDPOINT: &str = "TENCENTCLOUD_ENDPOINT";

/// Default timeout of a whole call, as the official SDKs.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default timeout of establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
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
        Self { scheme: "https", host: format!("{service}.tencentcloudapi.com") }
    }

    /// Parses `scheme://host[:port]` (an optional trailing `/` is allowed).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let invalid =
            |why: &str| ConfigError::new(format!("invalid endpoint {text:?}: {why}; expected scheme://host[:port]"));
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
        if authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(invalid("a path, query, user or space is not allowed"));
        }
        let host = match authority.rsplit_once(':') {
            // An IPv6 literal without a port: `[::1]`.
            Some((_, tail)) if tail.ends_with(']') => authority,
            Some((host, port)) => {
                port.parse::<u16>().map_err(|_| invalid("the port is not a number from 0 to 65535"))?;
                host
            }
            None => authority,
        };
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        // Kept as given, port included, as the official SDKs send and sign it.
        let host = authority.to_owned();
        Ok(Self { scheme, host })
    }

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

/// How a client calls: credentials, region, endpoint, timeouts.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) credentials: Credentials,
    pub(crate) region: Option<String>,
    pub(crate) endpoint: Option<Endpoint>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) unsigned_payload: bool,
    pub(crate) language: Option<String>,
}

impl Config {
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            region: None,
            endpoint: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            unsigned_payload: false,
            language: None,
        }
    }

    /// Credentials from `TENCENTCLOUD_SECRET_ID`/`_SECRET_KEY`/`_SECURITY_TOKEN`, region from
    /// `TENCENTCLOUD_REGION`, endpoint override from `TENCENTCLOUD_ENDPOINT`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Config::from_env`], reading variables through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = Self::new(Credentials::from_lookup(&lookup)?);
        if let Some(region) = lookup(ENV_REGION) {
            config = config.with_region(&region).map_err(|e| ConfigError::new(format!("{ENV_REGION}: {e}")))?;
        }
        if let Some(endpoint) = lookup(ENV_ENDPOINT) {
            config = config.with_endpoint(&endpoint).map_err(|e| ConfigError::new(format!("{ENV_ENDPOINT}: {e}")))?;
        }
        Ok(config)
    }

    /// The region, sent as `X-TC-Region`: lowercase letters, digits and `-`, e.g. `ap-guangzhou`.
    pub fn with_region(mut self, region: &str) -> Result<Self, ConfigError> {
        let valid = !region.is_empty()
            && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !region.starts_with('-')
            && !region.ends_with('-');
        if !valid {
            return Err(ConfigError::new(format!(
                "invalid region {region:?}: expected lowercase letters, digits and '-', e.g. ap-guangzhou"
            )));
        }
        self.region = Some(region.to_owned());
        Ok(self)
    }

    /// Sends every request to `scheme://host[:port]` instead of the service's domain.
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
        self.connect_timeout = timeout;
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

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }
}
