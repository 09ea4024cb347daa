//! STS `AssumeRole`: temporary credentials of a CAM role, called through [`crate::Client`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::cache::{CredentialsCache, DEFAULT_REFRESH_MARGIN};
use super::{Credentials, CredentialsError, CredentialsFuture, ProvideCredentials, SharedCredentialsProvider};
use crate::call::client::{Action, Client, ServiceSpec};
use crate::config::Config;
use crate::error::{ConfigError, Error, ErrorKind};
use crate::time::{SharedTimeSource, TimeSource};
use crate::CommonError;

/// STS, version 2018-08-13.
pub(super) const STS: ServiceSpec = ServiceSpec::new("sts", "2018-08-13");
/// The region STS calls name unless told otherwise, as the official SDKs.
pub const DEFAULT_STS_REGION: &str = "ap-guangzhou";
/// How long assumed credentials last unless told otherwise: 7200 s, as the official SDKs.
pub const DEFAULT_ASSUME_ROLE_DURATION: Duration = Duration::from_secs(7200);

/// The largest STS reply read: credentials with a token of a few KiB. A larger reply is a
/// provider error, whatever the parent configuration's limit.
pub const MAX_STS_REPLY_BYTES: usize = 64 * 1024;

const PROVIDER: &str = "STS AssumeRole";

/// A string deserialized straight into the credentials it becomes (never `Debug`-printed).
pub(crate) struct SecretString(pub(crate) String);

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[derive(Serialize)]
struct AssumeRole<'a> {
    #[serde(rename = "RoleArn")]
    role_arn: &'a str,
    #[serde(rename = "RoleSessionName")]
    role_session_name: &'a str,
    #[serde(rename = "DurationSeconds")]
    duration_seconds: u64,
    #[serde(rename = "Policy", skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
}

/// The reply of STS `AssumeRole` and `AssumeRoleWithWebIdentity`.
#[derive(Deserialize)]
pub(super) struct StsCredentialsReply {
    #[serde(rename = "Credentials")]
    credentials: TemporaryCredentials,
    #[serde(rename = "ExpiredTime")]
    expired_time: i64,
}

impl StsCredentialsReply {
    /// The credentials of the reply, or the wire name of the field holding a control character
    /// (such a value could never be sent as a header).
    pub(super) fn into_credentials(self) -> Result<Credentials, &'static str> {
        let TemporaryCredentials { token, tmp_secret_id, tmp_secret_key } = self.credentials;
        let credentials = temporary_credentials(tmp_secret_id, tmp_secret_key, token, self.expired_time);
        match field_with_control_character(&credentials) {
            Some(field) => Err(field),
            None => Ok(credentials),
        }
    }
}

/// Credentials from the `TmpSecretId`, `TmpSecretKey`, `Token` and `ExpiredTime` (Unix
/// seconds) that STS and the CVM metadata service both answer with.
pub(super) fn temporary_credentials(
    tmp_secret_id: String,
    tmp_secret_key: SecretString,
    token: SecretString,
    expired_time: i64,
) -> Credentials {
    Credentials::new(tmp_secret_id, tmp_secret_key.0).with_token(token.0).with_expiry(unix_time(expired_time))
}

/// The wire name (`TmpSecretId`, `TmpSecretKey` or `Token`) of the part of temporary
/// credentials that holds a control character, if any.
pub(super) fn field_with_control_character(credentials: &Credentials) -> Option<&'static str> {
    credentials.part_with_control_character().map(|part| match part {
        "secret id" => "TmpSecretId",
        "secret key" => "TmpSecretKey",
        _ => "Token",
    })
}

#[derive(Deserialize)]
struct TemporaryCredentials {
    #[serde(rename = "Token")]
    token: SecretString,
    #[serde(rename = "TmpSecretId")]
    tmp_secret_id: String,
    #[serde(rename = "TmpSecretKey")]
    tmp_secret_key: SecretString,
}

impl Action for AssumeRole<'_> {
    const NAME: &'static str = "AssumeRole";
    const READ_ONLY: bool = true;
    const RATE_LIMIT_PER_SECOND: Option<u32> = None;
    type Response = StsCredentialsReply;
    type Error = CommonError;
}

/// Temporary credentials of a CAM role from STS `AssumeRole` (service `sts`, version
/// 2018-08-13), signed with base credentials from any provider. Cached, and refreshed
/// [`DEFAULT_REFRESH_MARGIN`] before `ExpiredTime` by one caller while the others wait.
///
/// The call goes through [`crate::Client`], so it is signed, sent, retried and decoded as any
/// other call.
#[derive(Debug)]
pub struct AssumeRoleProvider {
    client: Client,
    role_arn: String,
    session_name: String,
    duration: Duration,
    policy: Option<String>,
    cache: CredentialsCache,
}

/// Builds an [`AssumeRoleProvider`].
pub struct AssumeRoleProviderBuilder {
    role_arn: String,
    session_name: String,
    duration: Duration,
    policy: Option<String>,
    region: String,
    endpoint: Option<String>,
    base: Option<SharedCredentialsProvider>,
    margin: Duration,
    configure: Option<Config>,
    /// `None`: the time source of the configuration given, else the system clock.
    time: Option<SharedTimeSource>,
}

impl std::fmt::Debug for AssumeRoleProviderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRoleProviderBuilder")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration", &self.duration)
            .field("policy", &self.policy)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("base", &self.base)
            .field("margin", &self.margin)
            .field("configure", &self.configure)
            .finish_non_exhaustive()
    }
}

impl AssumeRoleProvider {
    /// `role_arn` (`qcs::cam::uin/<uin>:roleName/<name>`) and a session name of the caller's choosing.
    pub fn builder(role_arn: impl Into<String>, session_name: impl Into<String>) -> AssumeRoleProviderBuilder {
        AssumeRoleProviderBuilder {
            role_arn: role_arn.into(),
            session_name: session_name.into(),
            duration: DEFAULT_ASSUME_ROLE_DURATION,
            policy: None,
            region: DEFAULT_STS_REGION.to_owned(),
            endpoint: None,
            base: None,
            margin: DEFAULT_REFRESH_MARGIN,
            configure: None,
            time: None,
        }
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let request = AssumeRole {
            role_arn: &self.role_arn,
            role_session_name: &self.session_name,
            duration_seconds: self.duration.as_secs(),
            policy: self.policy.as_deref(),
        };
        credentials_of(PROVIDER, &self.role_arn, self.client.send(&request).await)
    }
}

/// What `provider`'s STS call assuming `role_arn` (`AssumeRole`, `AssumeRoleWithWebIdentity`)
/// gives: the credentials, or the provider's error. A configuration error stays one; a reply
/// that does not decode keeps no source, since serde would quote the offending value.
pub(super) fn credentials_of(
    provider: &'static str,
    role_arn: &str,
    reply: Result<StsCredentialsReply, Error<CommonError>>,
) -> Result<Credentials, CredentialsError> {
    let reply = reply.map_err(|e| {
        let message = format!("assuming {role_arn}: {e}");
        let error = if e.kind() == ErrorKind::Config {
            CredentialsError::config(crate::error::ConfigErrorKind::InvalidValue, provider, message)
        } else {
            CredentialsError::provider_error(provider, message)
        };
        if e.kind() == ErrorKind::Decode {
            error
        } else {
            error.with_source(e)
        }
    })?;
    reply.into_credentials().map_err(|field| {
        CredentialsError::provider_error(
            provider,
            format!("assuming {role_arn}: the reply is unusable: {field} contains a control character"),
        )
    })
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.cache.get_or_refresh(PROVIDER, || self.fetch()))
    }

    fn check(&self) -> Result<(), CredentialsError> {
        self.client.config().credentials_provider().check()
    }
}

impl AssumeRoleProviderBuilder {
    /// Signs `AssumeRole` with credentials from `provider` (required, or [`Self::base_credentials`]).
    pub fn base_provider(mut self, provider: impl super::ProvideCredentials + 'static) -> Self {
        self.base = Some(SharedCredentialsProvider::new(provider));
        self
    }

    /// Signs `AssumeRole` with these static credentials.
    pub fn base_credentials(self, credentials: Credentials) -> Self {
        self.base_provider(credentials)
    }

    /// How long the credentials last (default 7200 s; STS allows up to 43200 s).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// A policy further restricting the role's permissions (JSON text).
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The region of the STS call (default `ap-guangzhou`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Where STS calls go, `scheme://host[:port]` (default `https://sts.tencentcloudapi.com`).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Refreshes at most this long before expiry (default 5 minutes; any value is valid, and
    /// is shortened to half the credentials' lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Reads the time from `time` instead of the configuration's time source
    /// ([`Config::with_time_source`]) or the system clock, for deciding when the
    /// credentials are refreshed and for signing the STS call (for tests: `ManualClock`).
    pub fn time_source(self, time: impl TimeSource + 'static) -> Self {
        self.shared_time_source(SharedTimeSource::new(time))
    }

    pub(crate) fn shared_time_source(mut self, time: SharedTimeSource) -> Self {
        self.time = Some(time);
        self
    }

    /// Takes timeouts, proxy, domain and other settings from `config` (its credentials,
    /// region and endpoint are replaced by this builder's).
    pub fn config(mut self, config: Config) -> Self {
        self.configure = Some(config);
        self
    }

    /// The provider; fails without base credentials, or with an empty role ARN or session
    /// name, or an invalid region or endpoint.
    pub fn build(self) -> Result<AssumeRoleProvider, ConfigError> {
        let base = self.base.ok_or_else(|| ConfigError::new("STS AssumeRole needs base credentials to sign with"))?;
        if self.role_arn.trim().is_empty() || self.session_name.trim().is_empty() {
            return Err(ConfigError::new("STS AssumeRole needs a role ARN and a session name"));
        }
        let time = match (self.time, &self.configure) {
            (Some(time), _) => time,
            (None, Some(config)) => config.time_source().clone(),
            (None, None) => SharedTimeSource::default(),
        };
        let mut config = match self.configure {
            Some(mut config) => {
                // The STS call goes to STS, not wherever the parent configuration points.
                config.endpoint = None;
                config.with_shared_credentials_provider(base)
            }
            None => Config::new(Credentials::new("", "")).with_shared_credentials_provider(base),
        };
        config = config.with_region(&self.region)?;
        if let Some(endpoint) = &self.endpoint {
            config = config.with_endpoint(endpoint)?;
        }
        // One clock for the provider: its requests are signed on the time its cache reads.
        let mut config = config.with_max_response_bytes(MAX_STS_REPLY_BYTES);
        config.time_source = time.clone();
        let client = Client::new(STS, config)?;
        let mut cache = CredentialsCache::new(self.margin);
        cache.set_time_source(time);
        Ok(AssumeRoleProvider {
            client,
            role_arn: self.role_arn,
            session_name: self.session_name,
            duration: self.duration,
            policy: self.policy,
            cache,
        })
    }
}

/// `seconds` since the epoch as a time; before the epoch is the epoch.
fn unix_time(seconds: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64)
}
