//! The client: configuration, endpoint, and the one generic call every action goes through.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::credentials::Credentials;
use crate::error::{ConfigError, Error, ErrorKind, ErrorMetadata, OperationError};
use crate::signing::{self, SigningInput, JSON_CONTENT_TYPE};

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

/// What identifies a service: its name (the host's first label) and API version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: &'static str,
    pub version: &'static str,
}

impl ServiceSpec {
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Self { name, version }
    }
}

/// One action's request type, linked to its response and error types. Generated.
pub trait Action: Serialize {
    /// The wire name, sent as `X-TC-Action`.
    const NAME: &'static str;
    type Response: DeserializeOwned;
    type Error: OperationError;
}

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

    fn url(&self) -> String {
        format!("{}://{}/", self.scheme, self.host)
    }
}

/// How a client calls: credentials, region, endpoint, timeouts.
#[derive(Clone, Debug)]
pub struct Config {
    credentials: Credentials,
    region: Option<String>,
    endpoint: Option<Endpoint>,
    timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    unsigned_payload: bool,
    language: Option<String>,
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

/// A raw reply: status, body and the `Date` header (for clock-skew handling).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub date: Option<String>,
    pub body: Vec<u8>,
}

/// A client of one service. Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<ClientInner>,
}

#[derive(Debug)]
struct ClientInner {
    http: reqwest::Client,
    service: ServiceSpec,
    config: Config,
    endpoint: Endpoint,
    url: String,
}

/// `X-TC-RequestClient` and `User-Agent`: this SDK and its version.
const REQUEST_CLIENT: &str = concat!("tem-sdk-rust/", env!("CARGO_PKG_VERSION"));

impl Client {
    pub fn new(service: ServiceSpec, config: Config) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(REQUEST_CLIENT)
            // The signed Host is the configured one; redirects would change it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::new(format!("cannot build the HTTP client: {e}")))?;
        let endpoint = config.endpoint.clone().unwrap_or_else(|| Endpoint::for_service(service.name));
        let url = endpoint.url();
        Ok(Self { inner: Arc::new(ClientInner { http, service, config, endpoint, url }) })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn service(&self) -> ServiceSpec {
        self.inner.service
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// Calls an action: serializes, signs, sends, and decodes the reply or its error.
    pub async fn send<A: Action>(&self, request: &A) -> Result<A::Response, Error<A::Error>> {
        let body = serde_json::to_vec(request).map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, "cannot serialize the request").with_source(e).with_action(A::NAME)
        })?;
        let reply = self.send_raw(A::NAME, body).await.map_err(Error::widen)?;
        decode_reply(A::NAME, &reply)
    }

    /// Signs and sends one JSON body for `action`; returns the raw reply of any status.
    pub async fn send_raw(&self, action: &'static str, body: Vec<u8>) -> Result<Reply, Error<Infallible>> {
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let prepared = self.prepare(action, body, timestamp);
        let mut request = self.inner.http.post(&prepared.url);
        for (name, value) in &prepared.headers {
            request = request.header(*name, value);
        }
        let mut response = request.body(prepared.body).send().await.map_err(|e| transport_error(action, e))?;
        let status = response.status().as_u16();
        let date = response.headers().get("date").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let limit = self.inner.config.max_response_bytes;
        let too_large = |len: u64| {
            Error::new(ErrorKind::ResponseTooLarge, format!("the reply has {len} bytes or more, the limit is {limit}"))
                .with_action(action)
                .with_http_status(status)
        };
        if let Some(len) = response.content_length() {
            if len > limit as u64 {
                return Err(too_large(len));
            }
        }
        let mut body = Vec::with_capacity(response.content_length().map_or(0, |n| n as usize));
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(action, e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large((body.len() + chunk.len()) as u64));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply { status, date, body })
    }

    /// The request as it will be sent at `timestamp`: URL, headers (signed) and body. Pure,
    /// so tests can compare it with what the official SDKs send.
    pub fn prepare(&self, action: &str, body: Vec<u8>, timestamp: i64) -> PreparedRequest {
        let inner = &*self.inner;
        let config = &inner.config;
        let credentials = &config.credentials;
        let signature = signing::sign(
            &SigningInput {
                service: inner.service.name,
                host: inner.endpoint.host(),
                content_type: JSON_CONTENT_TYPE,
                payload: &body,
                unsigned_payload: config.unsigned_payload,
                timestamp,
            },
            credentials.secret_id(),
            credentials.secret_key().expose(),
        );
        // As the official SDKs: the action's first letter is sent upper-cased.
        let mut action_header = action.to_owned();
        if let Some(first) = action_header.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let mut headers = vec![
            ("Authorization", signature.authorization.clone()),
            ("Content-Type", JSON_CONTENT_TYPE.to_owned()),
            ("Host", inner.endpoint.host().to_owned()),
            ("X-TC-Action", action_header),
            ("X-TC-Timestamp", timestamp.to_string()),
            ("X-TC-Version", inner.service.version.to_owned()),
        ];
        if let Some(region) = &config.region {
            headers.push(("X-TC-Region", region.clone()));
        }
        if let Some(token) = credentials.token() {
            headers.push(("X-TC-Token", token.expose().to_owned()));
        }
        if let Some(language) = &config.language {
            headers.push(("X-TC-Language", language.clone()));
        }
        if config.unsigned_payload {
            headers.push(("X-TC-Content-SHA256", signing::UNSIGNED_PAYLOAD.to_owned()));
        }
        headers.push(("X-TC-RequestClient", REQUEST_CLIENT.to_owned()));
        PreparedRequest { url: inner.url.clone(), headers, body, signature }
    }
}

/// A signed request, ready to send. `Debug` redacts the token.
#[derive(Clone)]
pub struct PreparedRequest {
    pub url: String,
    /// Header names as sent; `Authorization` and `X-TC-Token` are secrets-bearing.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub signature: signing::Signature,
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (*name, if *name == "X-TC-Token" { "** redacted **" } else { value.as_str() }))
            .collect();
        f.debug_struct("PreparedRequest").field("url", &self.url).field("headers", &headers).finish_non_exhaustive()
    }
}

fn transport_error(action: &'static str, error: reqwest::Error) -> Error<Infallible> {
    let (kind, message) = if error.is_timeout() {
        (ErrorKind::Timeout, "no complete reply within the timeout")
    } else if error.is_connect() {
        (ErrorKind::Connect, "the request was not sent")
    } else {
        (ErrorKind::Dispatch, "the connection failed; the server may have received the request")
    };
    Error::new(kind, message).with_action(action).with_source(error)
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Response", borrow)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ErrorProbe {
    #[serde(rename = "Error")]
    error: Option<ErrorBody>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// Decodes a reply: the typed response, the typed service error, or a runtime error
/// saying what is wrong with the reply. Never panics, whatever the bytes.
pub fn decode_reply<R: DeserializeOwned, E: OperationError>(
    action: &'static str,
    reply: &Reply,
) -> Result<R, Error<E>> {
    let fail = |kind: ErrorKind, message: String| Error::new(kind, message).with_action(action);
    if reply.status != 200 {
        return Err(
            fail(ErrorKind::HttpStatus, format!("body: {}", excerpt(&reply.body))).with_http_status(reply.status)
        );
    }
    let envelope: Envelope<'_> = serde_json::from_slice(&reply.body).map_err(|e| {
        let what = if e.is_data() { "the reply is not a JSON object" } else { "the reply is not valid JSON" };
        fail(ErrorKind::Decode, format!("{what}: {}", excerpt(&reply.body))).with_source(e)
    })?;
    let Some(response) = envelope.response else {
        return Err(fail(ErrorKind::Decode, format!("the reply has no `Response` object: {}", excerpt(&reply.body))));
    };
    let probe: ErrorProbe = serde_json::from_str(response.get()).map_err(|e| {
        fail(ErrorKind::Decode, "`Response` is not an object with a string `RequestId`".into()).with_source(e)
    })?;
    if let Some(error) = probe.error {
        let Some(code) = error.code else {
            return Err(
                fail(ErrorKind::Decode, "the error reply has no `Code`".into()).with_request_id(probe.request_id)
            );
        };
        let metadata =
            ErrorMetadata::new(code, error.message.unwrap_or_default(), probe.request_id.unwrap_or_default());
        return Err(Error::service(E::from_metadata(metadata)).with_action(action));
    }
    let mut deserializer = serde_json::Deserializer::from_str(response.get());
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        fail(ErrorKind::Decode, format!("`Response.{path}` does not match the response type"))
            .with_request_id(probe.request_id)
            .with_source(e.into_inner())
    })
}

/// The start of a body for an error message: valid UTF-8, at most 200 characters.
fn excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let mut out: String = text.chars().take(MAX).collect();
    if out.len() < body.len() {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty)");
    }
    out
}
