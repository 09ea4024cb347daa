//! Credentials (a secret id, a secret key and, for temporary credentials, a token and an
//! expiry) and the providers they come from.
//!
//! A provider implements [`ProvideCredentials`]. Each is usable alone:
//!
//! | provider | source |
//! | --- | --- |
//! | [`Credentials`] | explicit static credentials |
//! | [`EnvironmentProvider`] | `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`, `TENCENTCLOUD_SECURITY_TOKEN` |
//! | [`ProfileProvider`] | the INI credentials file (`TENCENTCLOUD_CREDENTIALS_FILE`, `~/.tencentcloud/credentials`, `/etc/tencentcloud/credentials`) |
//! | [`CvmRoleProvider`] | the CAM role of the CVM instance, from the metadata service |
//! | [`AssumeRoleProvider`] | STS `AssumeRole`, signed with base credentials |
//! | [`WebIdentityProvider`] | STS `AssumeRoleWithWebIdentity` for an OIDC token, such as TKE's (`TKE_REGION`, `TKE_PROVIDER_ID`, `TKE_WEB_IDENTITY_TOKEN_FILE`, `TKE_ROLE_ARN`) |
//! | [`ChainProvider`] | the first of several that has credentials ([`ChainProvider::default_chain`]) |
//! | [`CachingProvider`] | any provider, cached and refreshed before expiry, one refresh at a time |
//!
//! Everything a provider reads from the process (variables, the home directory, the system
//! credentials file, the metadata and STS endpoints) goes through an [`Environment`], so tests
//! and embedders can substitute it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use crate::error::{BoxError, ConfigError, ConfigErrorKind};

mod cache;
mod chain;
mod cvm_role;
mod default_chain;
mod env;
mod profile;
mod static_credentials;
mod sts;
mod web_identity;

pub use cache::{CachingProvider, DEFAULT_REFRESH_MARGIN, MIN_REFRESH_INTERVAL};
pub use chain::ChainProvider;
pub use cvm_role::{
    CvmRoleProvider, DEFAULT_METADATA_CONNECT_TIMEOUT, DEFAULT_METADATA_TIMEOUT, MAX_METADATA_REPLY_BYTES,
};
pub use env::{Environment, EnvironmentProvider, DEFAULT_METADATA_ENDPOINT, SYSTEM_CREDENTIALS_FILE};
pub use profile::{Profile, ProfileProvider, MAX_CREDENTIALS_FILE_BYTES};
pub use sts::{
    AssumeRoleProvider, AssumeRoleProviderBuilder, DEFAULT_ASSUME_ROLE_DURATION, DEFAULT_STS_REGION,
    MAX_STS_REPLY_BYTES,
};
pub use web_identity::{
    WebIdentityProvider, ENV_TKE_PROVIDER_ID, ENV_TKE_REGION, ENV_TKE_ROLE_ARN, ENV_TKE_WEB_IDENTITY_TOKEN_FILE,
    MAX_WEB_IDENTITY_TOKEN_BYTES,
};

/// Environment variable holding the secret id.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// Environment variable holding the secret key.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// Environment variable holding the optional session token of temporary credentials.
pub const ENV_SECURITY_TOKEN: &str = "TENCENTCLOUD_SECURITY_TOKEN";
/// Environment variable naming the credentials file, instead of `~/.tencentcloud/credentials`.
pub const ENV_CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";
/// Environment variable naming the profile (section) of the credentials file, instead of `default`.
pub const ENV_PROFILE: &str = "TENCENTCLOUD_PROFILE";

/// A string that never shows itself: `Debug` and `Display` print `** redacted **`,
/// and its buffer is zeroed (with `zeroize`) when it is dropped. Copies made from
/// [`Secret::expose`] (a signing key, a header, a legacy form body) are not.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Keeps `value` as a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used (signing).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Zeroes the string's whole buffer, in a way the compiler cannot elide.
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Credentials. `Debug` shows the secret id and redacts the key and token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    secret_id: String,
    secret_key: Secret,
    token: Option<Secret>,
    expiry: Option<SystemTime>,
}

impl Credentials {
    /// Long-term credentials: a secret id and key. Credentials with a control character are
    /// refused by `Client::new` (a configuration error), before any request.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self { secret_id: secret_id.into(), secret_key: Secret::new(secret_key), token: None, expiry: None }
    }

    /// Adds the session token of temporary credentials, sent as `X-TC-Token`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token));
        self
    }

    /// When temporary credentials stop working; caching providers refresh them before.
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// Reads `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and the optional
    /// `TENCENTCLOUD_SECURITY_TOKEN`; one that is set but not UTF-8 is an error naming it.
    pub fn from_env() -> Result<Self, ConfigError> {
        let env = Environment::process();
        env::credentials_from_vars(&|name: &str| {
            env.var(name).map_err(|e| CredentialsError::config(e.kind(), "environment", e.to_string()))
        })
        .map_err(ConfigError::from)
    }

    /// As [`Credentials::from_env`], reading variables through `lookup` (for tests and embedders).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        env::credentials_from_vars(&|name: &str| Ok(lookup(name))).map_err(ConfigError::from)
    }

    /// The secret id (not secret: it names the key, and is shown in `Debug`).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The secret key.
    pub fn secret_key(&self) -> &Secret {
        &self.secret_key
    }

    /// The session token of temporary credentials, if any.
    pub fn token(&self) -> Option<&Secret> {
        self.token.as_ref()
    }

    /// When these credentials expire; `None` for long-term credentials.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// The part (`secret id`, `secret key` or `token`) holding a control character, which
    /// cannot be sent in a header or makes a signature the server cannot match; such
    /// credentials are refused before any request.
    pub(crate) fn part_with_control_character(&self) -> Option<&'static str> {
        let parts = [
            ("secret id", Some(self.secret_id.as_str())),
            ("secret key", Some(self.secret_key.expose())),
            ("token", self.token.as_ref().map(Secret::expose)),
        ];
        parts.into_iter().find_map(|(part, value)| value.is_some_and(has_control_character).then_some(part))
    }
}

/// Whether `value` holds a control character (C0, DEL or C1): never valid in a secret.
pub(crate) fn has_control_character(value: &str) -> bool {
    value.contains(char::is_control)
}

/// What a provider returns: a boxed future, so that [`ProvideCredentials`] is object-safe.
pub type CredentialsFuture<'a> = Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// A source of credentials, asked before every attempt of every call. Implementations that
/// fetch over the network cache (see [`CachingProvider`]), so asking is cheap.
pub trait ProvideCredentials: fmt::Debug + Send + Sync {
    /// The credentials to sign with now.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;

    /// Checks the configuration the provider reads without touching the network (a variable
    /// set but empty, a malformed credentials file, an unknown profile), so that a client
    /// refuses bad configuration when it is built. `Err` with [`CredentialsErrorKind::NotFound`]
    /// means the source simply has nothing.
    fn check(&self) -> Result<(), CredentialsError> {
        Ok(())
    }
}

/// A shared, type-erased provider, as a `Config` holds it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SharedCredentialsProvider(Arc<dyn ProvideCredentials>);

impl SharedCredentialsProvider {
    /// Shares `provider`.
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self(Arc::new(provider))
    }

    /// Shares an already shared provider.
    pub fn from_arc(provider: Arc<dyn ProvideCredentials>) -> Self {
        Self(provider)
    }
}

impl ProvideCredentials for SharedCredentialsProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        self.0.provide_credentials()
    }

    fn check(&self) -> Result<(), CredentialsError> {
        self.0.check()
    }
}

/// Why a provider has no credentials. Its message never contains a secret.
#[derive(Clone)]
pub struct CredentialsError {
    kind: CredentialsErrorKind,
    provider: &'static str,
    message: String,
    tried: Vec<CredentialsError>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// What kind of failure a [`CredentialsError`] is. New kinds may be added.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CredentialsErrorKind {
    /// The source has nothing (a variable unset, no file, not on a CVM): a chain tries the next.
    NotFound,
    /// The source is configured but wrong: a chain stops here and the client refuses to start.
    Config(ConfigErrorKind),
    /// Fetching failed (metadata service, STS): the network, a timeout, an error reply.
    Provider,
}

impl CredentialsError {
    /// `provider` has nothing ([`CredentialsErrorKind::NotFound`]): a chain tries the next.
    pub fn not_found(provider: &'static str, message: impl Into<String>) -> Self {
        Self::new(CredentialsErrorKind::NotFound, provider, message)
    }

    /// `provider` is configured but wrong ([`CredentialsErrorKind::Config`]): a chain stops.
    pub fn config(kind: ConfigErrorKind, provider: &'static str, message: impl Into<String>) -> Self {
        Self::new(CredentialsErrorKind::Config(kind), provider, message)
    }

    /// `provider` failed to fetch ([`CredentialsErrorKind::Provider`]): trying later may succeed.
    pub fn provider_error(provider: &'static str, message: impl Into<String>) -> Self {
        Self::new(CredentialsErrorKind::Provider, provider, message)
    }

    fn new(kind: CredentialsErrorKind, provider: &'static str, message: impl Into<String>) -> Self {
        Self { kind, provider, message: message.into(), tried: Vec::new(), source: None }
    }

    /// Attaches the underlying error. It must not contain a secret.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(Arc::from(source.into()));
        self
    }

    pub(crate) fn with_tried(mut self, tried: Vec<CredentialsError>) -> Self {
        self.tried = tried;
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// The provider that failed: `environment`, `credentials file`, `CVM role`, `STS AssumeRole`,
    /// `TKE OIDC`, `static`, or `chain`.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// What went wrong, without the provider's name.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For a chain that found nothing: why each source did not apply, in order.
    pub fn tried(&self) -> &[CredentialsError] {
        &self.tried
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.provider, self.message)?;
        if !self.tried.is_empty() {
            f.write_str("; tried")?;
            for (i, tried) in self.tried.iter().enumerate() {
                write!(f, "{} {}. {tried}", if i == 0 { "" } else { ";" }, i + 1)?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("CredentialsError");
        d.field("kind", &self.kind).field("provider", &self.provider).field("message", &self.message);
        if !self.tried.is_empty() {
            d.field("tried", &self.tried);
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl From<CredentialsError> for ConfigError {
    fn from(error: CredentialsError) -> Self {
        let kind = match error.kind {
            CredentialsErrorKind::Config(kind) => kind,
            CredentialsErrorKind::NotFound => ConfigErrorKind::NoCredentials,
            CredentialsErrorKind::Provider => ConfigErrorKind::InvalidValue,
        };
        ConfigError::with_kind(kind, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_key_and_token_but_shows_id() {
        let credentials = Credentials::new("AKIDexample", "very-secret-key").with_token("tok-123");
        let shown = format!("{credentials:?}");
        assert!(shown.contains("AKIDexample"), "{shown}");
        assert!(!shown.contains("very-secret-key"), "{shown}");
        assert!(!shown.contains("tok-123"), "{shown}");
        assert_eq!(shown.matches("** redacted **").count(), 2, "{shown}");
    }

    #[test]
    fn from_lookup_names_the_missing_or_empty_variable() {
        let err = Credentials::from_lookup(|name| (name == ENV_SECRET_ID).then(|| "id".into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment: environment variable TENCENTCLOUD_SECRET_KEY is not set, but TENCENTCLOUD_SECRET_ID is"
        );
        assert_eq!(err.kind(), ConfigErrorKind::MissingVariable);
        let err = Credentials::from_lookup(|_| Some(" ".into())).unwrap_err();
        assert_eq!(err.to_string(), "environment: environment variable TENCENTCLOUD_SECRET_ID is empty");
        assert_eq!(err.kind(), ConfigErrorKind::EmptyVariable);
        let err = Credentials::from_lookup(|_| None).unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::NoCredentials);
        let err = Credentials::from_lookup(|name| Some(format!("{name} "))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment: environment variable TENCENTCLOUD_SECRET_ID has leading or trailing whitespace"
        );
    }

    #[test]
    fn from_lookup_takes_optional_token() {
        let vars = |name: &str| match name {
            ENV_SECRET_ID => Some("id".to_owned()),
            ENV_SECRET_KEY => Some("key".to_owned()),
            ENV_SECURITY_TOKEN => Some("token".to_owned()),
            _ => None,
        };
        let credentials = Credentials::from_lookup(vars).unwrap();
        assert_eq!(credentials.secret_key().expose(), "key");
        assert_eq!(credentials.token().map(Secret::expose), Some("token"));
    }
}
