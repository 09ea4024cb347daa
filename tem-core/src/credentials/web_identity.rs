//! Web identity (OIDC) credentials, as TKE gives them to a pod: see [`WebIdentityProvider`].

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::cache::{CredentialsCache, DEFAULT_REFRESH_MARGIN};
use super::sts::{credentials_of, StsCredentialsReply, STS};
use super::{Credentials, CredentialsError, CredentialsFuture, Environment, ProvideCredentials, Secret};
use crate::call::client::{Action, Client};
use crate::call::retry::CallOptions;
use crate::config::{Config, Endpoint};
use crate::error::ConfigErrorKind;
use crate::transport::{ReqwestTransport, SharedTransport};
use crate::CommonError;

/// Environment variable naming the region of the `AssumeRoleWithWebIdentity` call.
pub const ENV_TKE_REGION: &str = "TKE_REGION";
/// Environment variable naming the OIDC identity provider (`ProviderId`).
pub const ENV_TKE_PROVIDER_ID: &str = "TKE_PROVIDER_ID";
/// Environment variable naming the file that holds the OIDC token.
pub const ENV_TKE_WEB_IDENTITY_TOKEN_FILE: &str = "TKE_WEB_IDENTITY_TOKEN_FILE";
/// Environment variable naming the CAM role to assume.
pub const ENV_TKE_ROLE_ARN: &str = "TKE_ROLE_ARN";
/// The largest token file read: 64 KiB. A service account token is a JWT of one or two KiB.
pub const MAX_WEB_IDENTITY_TOKEN_BYTES: u64 = 64 * 1024;

/// The TKE variables, in the order they are reported when some are missing.
const TKE_VARIABLES: [&str; 4] =
    [ENV_TKE_REGION, ENV_TKE_PROVIDER_ID, ENV_TKE_WEB_IDENTITY_TOKEN_FILE, ENV_TKE_ROLE_ARN];
const PROVIDER: &str = "TKE OIDC";
const ACTION: &str = "AssumeRoleWithWebIdentity";
const STS_ENDPOINT: &str = "https://sts.tencentcloudapi.com";
/// The largest STS reply read; credentials are a few KiB.
const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// What an `AssumeRoleWithWebIdentity` call needs, besides the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Settings {
    region: String,
    provider_id: String,
    token_file: PathBuf,
    role_arn: String,
}

#[derive(Clone, Debug)]
enum Source {
    /// The TKE variables of an environment, read at every refresh.
    Tke(Environment),
    /// Given by the program.
    Explicit(Settings),
}

#[derive(Serialize)]
struct AssumeRoleWithWebIdentity<'a> {
    #[serde(rename = "ProviderId")]
    provider_id: &'a str,
    #[serde(rename = "WebIdentityToken")]
    web_identity_token: &'a str,
    #[serde(rename = "RoleArn")]
    role_arn: &'a str,
    #[serde(rename = "RoleSessionName")]
    role_session_name: &'a str,
    #[serde(rename = "DurationSeconds")]
    duration_seconds: u64,
}

impl Action for AssumeRoleWithWebIdentity<'_> {
    const NAME: &'static str = ACTION;
    // Asking again for credentials is harmless: failures that may have reached STS are retried.
    const READ_ONLY: bool = true;
    const RATE_LIMIT_PER_SECOND: Option<u32> = None;
    type Response = StsCredentialsReply;
    type Error = CommonError;
}

/// Temporary credentials of a CAM role for an OIDC token, from STS `AssumeRoleWithWebIdentity`
/// (service `sts`, version 2018-08-13), as TKE gives them to a pod.
///
/// TKE's pod identity webhook sets four variables, which the official SDKs read last in their
/// default chain (after the CVM role):
///
/// | variable | what |
/// | --- | --- |
/// | `TKE_REGION` | the region of the STS call |
/// | `TKE_PROVIDER_ID` | the identity provider's name in CAM |
/// | `TKE_WEB_IDENTITY_TOKEN_FILE` | the file holding the OIDC token |
/// | `TKE_ROLE_ARN` | the role to assume |
///
/// The call is not signed (`Authorization: SKIP`, no `X-TC-Token`): the token is the proof, as
/// the official SDKs send it. Cached, and refreshed
/// [`DEFAULT_REFRESH_MARGIN`] before `ExpiredTime` by one caller while the others wait; each
/// refresh reads the variables and the token file again, since Kubernetes rotates the token.
///
/// With the TKE variables ([`ENV_TKE_REGION`], [`ENV_TKE_PROVIDER_ID`],
/// [`ENV_TKE_WEB_IDENTITY_TOKEN_FILE`], [`ENV_TKE_ROLE_ARN`]): none set is not found, so a
/// chain moves on; some but not all set, an empty one, or a token file that is missing, not a
/// regular file, larger than [`MAX_WEB_IDENTITY_TOKEN_BYTES`], not UTF-8 or empty is a
/// configuration error naming it. STS refusing the token or failing is a provider error.
#[derive(Debug)]
pub struct WebIdentityProvider {
    source: Source,
    endpoint: Result<Endpoint, CredentialsError>,
    session_name: Option<String>,
    duration: Duration,
    /// The STS call's configuration (`with_config`'s, signing nothing), with its transport
    /// built once; or why that transport cannot be built.
    config: Result<Config, String>,
    cache: CredentialsCache,
}

impl WebIdentityProvider {
    /// Reads the TKE variables of the process.
    pub fn new() -> Self {
        Self::with_environment(&Environment::process())
    }

    /// Reads the TKE variables of `env`, and calls STS at `env.sts_endpoint()` if set.
    pub fn with_environment(env: &Environment) -> Self {
        let mut this = Self::with_source(Source::Tke(env.clone()), env.sts_endpoint());
        // The cache reads the environment's clock, as the other providers' do.
        this.cache.set_time_source(env.time_source());
        this
    }

    /// Assumes `role_arn` with the token in `token_file`, issued by `provider_id`, calling STS
    /// in `region`: for web identities other than TKE's.
    pub fn from_settings(
        region: impl Into<String>,
        provider_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
        role_arn: impl Into<String>,
    ) -> Self {
        let settings = Settings {
            region: region.into(),
            provider_id: provider_id.into(),
            token_file: token_file.into(),
            role_arn: role_arn.into(),
        };
        Self::with_source(Source::Explicit(settings), None)
    }

    fn with_source(source: Source, endpoint: Option<&str>) -> Self {
        Self {
            source,
            endpoint: parse_endpoint(endpoint.unwrap_or(STS_ENDPOINT)),
            session_name: None,
            duration: super::DEFAULT_ASSUME_ROLE_DURATION,
            config: Err(String::new()),
            cache: CredentialsCache::new(DEFAULT_REFRESH_MARGIN),
        }
        .with_config(&Config::new(Credentials::new("", "")))
    }

    /// Where STS calls go, `scheme://host[:port]` (default `https://sts.tencentcloudapi.com`).
    pub fn with_endpoint(mut self, endpoint: &str) -> Self {
        self.endpoint = parse_endpoint(endpoint);
        self
    }

    /// The role session name (default `tem-sdk-rust-<microseconds since the epoch>`, drawn at
    /// each refresh, as the official SDKs name theirs).
    pub fn with_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// How long the credentials last (default 7200 s; STS allows up to 43200 s).
    pub fn with_duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// Refreshes this long before expiry (default 5 minutes).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.cache.set_margin(margin);
        self
    }

    /// Takes the timeouts, proxy, trusted roots and connection pool of `config` for the STS
    /// call, or its transport ([`Config::with_http_client`], a test double) if it has one (by
    /// default those of [`Config::new`]).
    pub fn with_config(mut self, config: &Config) -> Self {
        // The call is unsigned: the configuration's credentials are not asked for.
        let mut config = config.clone().with_credentials_provider(Credentials::new("", ""));
        config.endpoint = None;
        self.config = match config.shared_transport() {
            Some(_) => Ok(config),
            None => ReqwestTransport::from_settings(&config.http).map_err(|e| e.to_string()).map(|transport| {
                config.transport = Some(SharedTransport::new(transport));
                config
            }),
        };
        self
    }

    /// The variables (or the explicit settings) and the token, or why they cannot be had.
    fn settings(&self) -> Result<(Settings, Secret), CredentialsError> {
        let (settings, named_by) = match &self.source {
            Source::Explicit(settings) => (settings.clone(), String::new()),
            Source::Tke(env) => (tke_settings(env)?, format!(" (named by {ENV_TKE_WEB_IDENTITY_TOKEN_FILE})")),
        };
        let token = read_token(&settings.token_file, &named_by)?;
        Ok((settings, token))
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let (settings, token) = self.settings()?;
        let endpoint = self.endpoint.clone()?;
        let invalid = |message: String| CredentialsError::config(ConfigErrorKind::InvalidValue, PROVIDER, message);
        let config = self.config.clone().map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        // Sent on the provider's clock (the environment's), which its cache reads too.
        let mut config = config
            .with_region(&settings.region)
            .and_then(|config| config.with_endpoint(&endpoint.url()))
            .map_err(|e| invalid(format!("STS {ACTION}: {e}")))?
            .with_max_response_bytes(MAX_REPLY_BYTES);
        config.time_source = self.cache.time_source().clone();
        let client = Client::new(STS, config).map_err(|e| invalid(format!("STS {ACTION}: {e}")))?;
        let session_name = self.session_name.clone().unwrap_or_else(default_session_name);
        let request = AssumeRoleWithWebIdentity {
            provider_id: &settings.provider_id,
            web_identity_token: token.expose(),
            role_arn: &settings.role_arn,
            role_session_name: &session_name,
            duration_seconds: self.duration.as_secs(),
        };
        // Unsigned, as the official SDKs send it: the token is the proof.
        let reply = client.send_with(&request, CallOptions::new().with_unsigned(true)).await;
        credentials_of(PROVIDER, &settings.role_arn, reply)
    }
}

impl Default for WebIdentityProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.cache.get_or_refresh(PROVIDER, || self.fetch()))
    }

    fn check(&self) -> Result<(), CredentialsError> {
        self.settings()?;
        self.endpoint.clone().map(drop)
    }
}

fn parse_endpoint(endpoint: &str) -> Result<Endpoint, CredentialsError> {
    Endpoint::parse(endpoint)
        .map_err(|e| CredentialsError::config(ConfigErrorKind::InvalidEndpoint, PROVIDER, format!("STS endpoint: {e}")))
}

fn default_session_name() -> String {
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    format!("tem-sdk-rust-{micros}")
}

/// All four TKE variables, or not found (none set), or which is missing, empty or not UTF-8.
fn tke_settings(env: &Environment) -> Result<Settings, CredentialsError> {
    let config = |kind: ConfigErrorKind, message: String| CredentialsError::config(kind, PROVIDER, message);
    let mut values = Vec::with_capacity(TKE_VARIABLES.len());
    for name in TKE_VARIABLES {
        values.push(env.var(name).map_err(|e| config(e.kind(), e.to_string()))?);
    }
    if values.iter().all(Option::is_none) {
        return Err(CredentialsError::not_found(PROVIDER, format!("{} are not set", TKE_VARIABLES.join(", "))));
    }
    let set: Vec<&str> = TKE_VARIABLES.iter().zip(&values).filter(|(_, v)| v.is_some()).map(|(n, _)| *n).collect();
    let mut found = Vec::with_capacity(TKE_VARIABLES.len());
    for (name, value) in TKE_VARIABLES.into_iter().zip(values) {
        match value {
            None => {
                return Err(config(
                    ConfigErrorKind::MissingVariable,
                    format!("environment variable {name} is not set, but {} is", set.join(", ")),
                ))
            }
            Some(value) if value.trim().is_empty() => {
                return Err(config(ConfigErrorKind::EmptyVariable, format!("environment variable {name} is empty")))
            }
            Some(value) => found.push(value.trim().to_owned()),
        }
    }
    let [region, provider_id, token_file, role_arn] = <[String; 4]>::try_from(found).expect("four values");
    Ok(Settings { region, provider_id, token_file: PathBuf::from(token_file), role_arn })
}

/// The token in `path`: a regular file of at most [`MAX_WEB_IDENTITY_TOKEN_BYTES`] of UTF-8
/// text, without its surrounding whitespace. Errors never quote the content.
fn read_token(path: &Path, named_by: &str) -> Result<Secret, CredentialsError> {
    let bytes = super::profile::read_regular_file(path, named_by, PROVIDER, MAX_WEB_IDENTITY_TOKEN_BYTES)?;
    let malformed = |why: &str| {
        CredentialsError::config(
            ConfigErrorKind::MalformedFile,
            PROVIDER,
            format!("the web identity token file {}{named_by} {why}", path.display()),
        )
    };
    // A `Secret` from here on, so that what was read is wiped when dropped.
    let text = Secret::new(String::from_utf8(bytes).map_err(|_| malformed("is not UTF-8 text"))?);
    let token = text.expose().trim();
    if token.is_empty() {
        return Err(malformed("is empty"));
    }
    Ok(Secret::new(token))
}
