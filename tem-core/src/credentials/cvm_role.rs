//! The CAM role of a CVM instance, from the instance metadata service.

use std::time::Duration;

use serde::Deserialize;

use super::cache::{CredentialsCache, DEFAULT_REFRESH_MARGIN};
use super::{Credentials, CredentialsError, CredentialsFuture, Environment, ProvideCredentials};
use crate::error::ConfigErrorKind;
use crate::transport::{self, HttpRequest, ReqwestTransport, SharedTransport, Transport, TransportErrorKind};

/// How long connecting to the metadata service may take. Short, so that off a CVM (where the
/// name does not resolve or nothing answers) a chain moves on at once.
pub const DEFAULT_METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one metadata request may take in all.
pub const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(2);

/// The largest reply of the metadata service read: a role name, or credentials with a token
/// of a few KiB. A larger reply is a provider error, read no further.
pub const MAX_METADATA_REPLY_BYTES: usize = 16 * 1024;

const PROVIDER: &str = "CVM role";
const ROLE_PATH: &str = "cam/security-credentials/";

/// Temporary credentials of the instance's CAM role: `GET <metadata>/cam/security-credentials/`
/// names the role, `GET …/<role>` gives `TmpSecretId`, `TmpSecretKey`, `Token` and
/// `ExpiredTime`. Cached, and refreshed [`DEFAULT_REFRESH_MARGIN`] before expiry by one caller
/// while concurrent callers wait for it.
///
/// Not found (so a chain moves on): the metadata service cannot be reached within the timeouts,
/// or no role is bound to the instance. A failure once the role is known is a provider error.
#[derive(Debug)]
pub struct CvmRoleProvider {
    base: String,
    role: Option<String>,
    /// Where the requests go: reqwest without a proxy, or a transport set by
    /// [`CvmRoleProvider::with_transport`].
    http: Result<SharedTransport, String>,
    /// The transport was set by the user: new timeouts do not replace it.
    custom_transport: bool,
    /// How long one request may take in all.
    timeout: Duration,
    cache: CredentialsCache,
}

#[derive(Deserialize)]
struct RoleCredentials {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "TmpSecretId")]
    tmp_secret_id: String,
    #[serde(rename = "TmpSecretKey")]
    tmp_secret_key: super::sts::SecretString,
    #[serde(rename = "Token")]
    token: super::sts::SecretString,
    #[serde(rename = "ExpiredTime")]
    expired_time: i64,
}

impl CvmRoleProvider {
    /// Asks the real metadata service.
    pub fn new() -> Self {
        Self::with_environment(&Environment::process())
    }

    /// Asks the metadata service at `env.metadata_endpoint()`.
    pub fn with_environment(env: &Environment) -> Self {
        let mut this = Self {
            base: String::new(),
            role: None,
            http: Err(String::new()),
            custom_transport: false,
            timeout: DEFAULT_METADATA_TIMEOUT,
            cache: CredentialsCache::new(DEFAULT_REFRESH_MARGIN),
        };
        this.base = normalize(env.metadata_endpoint());
        this.cache.set_time_source(env.time_source());
        this.with_timeouts(DEFAULT_METADATA_CONNECT_TIMEOUT, DEFAULT_METADATA_TIMEOUT)
    }

    /// Uses this role instead of asking which one is bound.
    pub fn with_role_name(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Timeouts of connecting and of each request (defaults 1 s and 2 s).
    /// The connect timeout applies to the provider's own reqwest client, not to a transport
    /// set by [`CvmRoleProvider::with_transport`].
    pub fn with_timeouts(mut self, connect: Duration, total: Duration) -> Self {
        self.timeout = total;
        if !self.custom_transport {
            // The metadata service is link-local: never through a proxy.
            self.http = ReqwestTransport::link_local(connect).map(SharedTransport::new).map_err(|e| e.to_string());
        }
        self
    }

    /// Sends the metadata requests through `transport` (a test double, or a client of the
    /// user's) instead of a reqwest client of its own.
    pub fn with_transport(mut self, transport: impl Transport + 'static) -> Self {
        self.http = Ok(SharedTransport::new(transport));
        self.custom_transport = true;
        self
    }

    /// Refreshes at most this long before expiry (default 5 minutes; any value is valid, and
    /// is shortened to half the credentials' lifetime).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.cache.set_margin(margin);
        self
    }

    /// The status and body of `GET url`, the body at most [`MAX_METADATA_REPLY_BYTES`].
    async fn get(&self, url: &str) -> Result<(u16, String), GetError> {
        let http = self.http.as_ref().expect("checked by fetch");
        let url = reqwest::Url::parse(url).map_err(|_| GetError::BadUrl)?;
        let request = HttpRequest::new(reqwest::Method::GET, url, Default::default(), Vec::new())
            .with_max_response_bytes(MAX_METADATA_REPLY_BYTES);
        let reply = transport::exchange(http, request, self.timeout).await.map_err(|e| match e.kind() {
            TransportErrorKind::ResponseTooLarge => GetError::TooLarge,
            _ => GetError::Http(e),
        })?;
        Ok((reply.status(), String::from_utf8_lossy(reply.body()).into_owned()))
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        if let Err(e) = &self.http {
            return Err(CredentialsError::config(
                ConfigErrorKind::InvalidValue,
                PROVIDER,
                format!("cannot build the HTTP client: {e}"),
            ));
        }
        let role = match &self.role {
            Some(role) => role.clone(),
            None => {
                let url = format!("{}{ROLE_PATH}", self.base);
                let (status, body) = self.get(&url).await.map_err(|e| match e {
                    GetError::Http(e) => {
                        let why = if e.is_timeout() { "timed out" } else { "cannot be reached" };
                        CredentialsError::not_found(
                            PROVIDER,
                            format!("the metadata service at {url} {why} (not on a CVM?)"),
                        )
                        .with_source(e)
                    }
                    GetError::TooLarge => too_large(&url),
                    GetError::BadUrl => bad_url(&url),
                })?;
                let role = body.lines().next().unwrap_or("").trim().to_owned();
                if status == 404 || (status == 200 && role.is_empty()) {
                    return Err(CredentialsError::not_found(PROVIDER, "no CAM role is bound to this instance"));
                }
                if status != 200 {
                    return Err(CredentialsError::provider_error(
                        PROVIDER,
                        format!("the metadata service answered {url} with HTTP {status}"),
                    ));
                }
                role
            }
        };
        let url = format!("{}{ROLE_PATH}{role}", self.base);
        let (status, body) = self.get(&url).await.map_err(|e| match e {
            GetError::Http(e) => {
                let why = if e.is_timeout() { "timed out" } else { "failed" };
                CredentialsError::provider_error(PROVIDER, format!("fetching the credentials of role {role} {why}"))
                    .with_source(e)
            }
            GetError::TooLarge => too_large(&url),
            GetError::BadUrl => bad_url(&url),
        })?;
        if status != 200 {
            return Err(CredentialsError::provider_error(
                PROVIDER,
                format!("the metadata service answered {url} with HTTP {status}"),
            ));
        }
        // The error of a mismatched field is not kept: serde would quote the value.
        let reply: RoleCredentials = serde_json::from_str(&body).map_err(|_| {
            CredentialsError::provider_error(
                PROVIDER,
                format!("the credentials of role {role} are not an object with TmpSecretId, TmpSecretKey, Token and ExpiredTime"),
            )
        })?;
        if let Some(code) = reply.code.filter(|c| c != "Success") {
            return Err(CredentialsError::provider_error(
                PROVIDER,
                format!("the metadata service answered Code {code}"),
            ));
        }
        let credentials = super::sts::temporary_credentials(
            reply.tmp_secret_id,
            reply.tmp_secret_key,
            reply.token,
            reply.expired_time,
        );
        if let Some(field) = super::sts::field_with_control_character(&credentials) {
            return Err(CredentialsError::provider_error(
                PROVIDER,
                format!("the credentials of role {role} are unusable: {field} contains a control character"),
            ));
        }
        Ok(credentials)
    }
}

enum GetError {
    Http(transport::TransportError),
    TooLarge,
    BadUrl,
}

fn bad_url(url: &str) -> CredentialsError {
    CredentialsError::config(ConfigErrorKind::InvalidEndpoint, PROVIDER, format!("{url:?} is not a valid URL"))
}

fn too_large(url: &str) -> CredentialsError {
    CredentialsError::provider_error(
        PROVIDER,
        format!("the metadata service's reply to {url} is larger than {} KiB", MAX_METADATA_REPLY_BYTES / 1024),
    )
}

impl Default for CvmRoleProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for CvmRoleProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.cache.get_or_refresh(PROVIDER, || self.fetch()))
    }
}

fn normalize(base: &str) -> String {
    if base.ends_with('/') {
        base.to_owned()
    } else {
        format!("{base}/")
    }
}
