//! The client: the one generic call every action goes through.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::{Config, Endpoint};
use crate::credentials::Credentials;
use crate::decode::decode_reply;
use crate::error::{ConfigError, Error, ErrorKind, OperationError};
use crate::signing::{self, SigningInput, JSON_CONTENT_TYPE};

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
    /// The action changes nothing: resending it after a failure mid-request is safe.
    const READ_ONLY: bool;
    /// The documented default rate limit, requests per second, where the schema has one.
    const RATE_LIMIT_PER_SECOND: Option<u32>;
    type Response: DeserializeOwned;
    type Error: OperationError;
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
        let credentials = self.credentials().await?;
        let prepared = self.prepare(&credentials, action, body, timestamp);
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

    /// The credentials to sign one attempt with.
    pub async fn credentials(&self) -> Result<Credentials, Error<Infallible>> {
        Ok(self.inner.config.credentials.clone())
    }

    /// The request as it will be sent at `timestamp`: URL, headers (signed) and body. Pure,
    /// so tests can compare it with what the official SDKs send.
    pub fn prepare(&self, credentials: &Credentials, action: &str, body: Vec<u8>, timestamp: i64) -> PreparedRequest {
        let inner = &*self.inner;
        let config = &inner.config;
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
