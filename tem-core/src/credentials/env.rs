//! The process environment as providers see it, and the environment-variable provider.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use super::{
    Credentials, CredentialsError, CredentialsFuture, ProvideCredentials, ENV_SECRET_ID, ENV_SECRET_KEY,
    ENV_SECURITY_TOKEN,
};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::time::{SharedTimeSource, TimeSource};

/// The metadata service's base URL.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://metadata.tencentyun.com/latest/meta-data/";
/// The system-wide credentials file, read when the home directory has none.
pub const SYSTEM_CREDENTIALS_FILE: &str = "/etc/tencentcloud/credentials";

type Vars = Arc<dyn Fn(&str) -> Option<OsString> + Send + Sync>;

/// Everything the providers read from outside the program: environment variables, the home
/// directory, the system-wide credentials file, the metadata and STS endpoints, and the time
/// that cached credentials are checked against.
/// [`Environment::process`] is the real one; tests build their own, so that nothing reads the
/// real environment, home directory or network.
#[derive(Clone)]
pub struct Environment {
    vars: Vars,
    home: Option<PathBuf>,
    system_credentials_file: Option<PathBuf>,
    metadata_endpoint: String,
    sts_endpoint: Option<String>,
    time: SharedTimeSource,
}

impl Environment {
    /// The process's: `std::env`, `$HOME` (`%USERPROFILE%` on Windows),
    /// `/etc/tencentcloud/credentials`, the CVM metadata service and the STS domain.
    pub fn process() -> Self {
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
        Self {
            vars: Arc::new(|name: &str| std::env::var_os(name)),
            home: home.filter(|h| !h.as_os_str().is_empty()),
            system_credentials_file: Some(PathBuf::from(SYSTEM_CREDENTIALS_FILE)),
            metadata_endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
            sts_endpoint: None,
            time: SharedTimeSource::default(),
        }
    }

    /// Variables from `lookup`, and no home directory nor system credentials file (add them
    /// with [`Environment::with_home`] and [`Environment::with_system_credentials_file`]).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self::from_os_vars(move |name| lookup(name).map(OsString::from))
    }

    /// As [`Environment::from_vars`], with values that need not be UTF-8, as the process's.
    pub fn from_os_vars(lookup: impl Fn(&str) -> Option<OsString> + Send + Sync + 'static) -> Self {
        Self {
            vars: Arc::new(lookup),
            home: None,
            system_credentials_file: None,
            metadata_endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
            sts_endpoint: None,
            time: SharedTimeSource::default(),
        }
    }

    /// Variables from `(name, value)` pairs, as [`Environment::from_vars`].
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let map: std::collections::HashMap<String, String> =
            pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Self::from_vars(move |name| map.get(name).cloned())
    }

    /// The home directory, where `.tencentcloud/credentials` is looked for.
    pub fn with_home(mut self, home: Option<PathBuf>) -> Self {
        self.home = home;
        self
    }

    /// The system-wide credentials file, looked for after the home directory's.
    pub fn with_system_credentials_file(mut self, path: Option<PathBuf>) -> Self {
        self.system_credentials_file = path;
        self
    }

    /// The metadata service's base URL (default [`DEFAULT_METADATA_ENDPOINT`]).
    pub fn with_metadata_endpoint(mut self, url: impl Into<String>) -> Self {
        self.metadata_endpoint = url.into();
        self
    }

    /// Where STS `AssumeRole` calls go, `scheme://host[:port]` (default `https://sts.tencentcloudapi.com`).
    pub fn with_sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts_endpoint = Some(endpoint.into());
        self
    }

    /// Reads the time from `time` instead of the system clock, for deciding when cached
    /// credentials expire and are refreshed (for tests: `ManualClock`).
    pub fn with_time_source(mut self, time: impl TimeSource + 'static) -> Self {
        self.time = SharedTimeSource::new(time);
        self
    }

    /// The value of variable `name`, if set. Set but not UTF-8 is an error naming the
    /// variable (kind [`ConfigErrorKind::InvalidValue`]), never taken as unset: a broken
    /// source stops the chain.
    pub fn var(&self, name: &str) -> Result<Option<String>, ConfigError> {
        match self.var_os(name) {
            None => Ok(None),
            Some(value) => value.into_string().map(Some).map_err(|_| {
                ConfigError::with_kind(
                    ConfigErrorKind::InvalidValue,
                    format!("environment variable {name} is not valid UTF-8"),
                )
            }),
        }
    }

    /// The raw value of variable `name`, if set.
    pub fn var_os(&self, name: &str) -> Option<OsString> {
        (self.vars)(name)
    }

    /// The current time, as cached credentials are checked against.
    pub fn now(&self) -> SystemTime {
        self.time.now()
    }

    pub(crate) fn time_source(&self) -> SharedTimeSource {
        self.time.clone()
    }

    /// The home directory, if any.
    pub fn home(&self) -> Option<&PathBuf> {
        self.home.as_ref()
    }

    /// The system-wide credentials file, if any.
    pub fn system_credentials_file(&self) -> Option<&PathBuf> {
        self.system_credentials_file.as_ref()
    }

    /// The metadata service's base URL.
    pub fn metadata_endpoint(&self) -> &str {
        &self.metadata_endpoint
    }

    /// Where STS calls go, if not to STS's own domain.
    pub fn sts_endpoint(&self) -> Option<&str> {
        self.sts_endpoint.as_deref()
    }
}

impl Default for Environment {
    fn default() -> Self {
        Self::process()
    }
}

impl fmt::Debug for Environment {
    // Variables are not listed: they may hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("home", &self.home)
            .field("system_credentials_file", &self.system_credentials_file)
            .field("metadata_endpoint", &self.metadata_endpoint)
            .field("sts_endpoint", &self.sts_endpoint)
            .finish_non_exhaustive()
    }
}

const PROVIDER: &str = "environment";

/// Credentials from `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and the optional
/// `TENCENTCLOUD_SECURITY_TOKEN` (an empty token counts as none, as in the official SDKs).
///
/// Neither id nor key set: not found. One without the other, an empty one, one with
/// surrounding whitespace or a control character, or one that is not UTF-8: a configuration
/// error.
#[derive(Clone, Debug)]
pub struct EnvironmentProvider {
    env: Environment,
}

impl EnvironmentProvider {
    /// Reads the process's variables.
    pub fn new() -> Self {
        Self::with_environment(Environment::process())
    }

    /// Reads the variables of `env`.
    pub fn with_environment(env: Environment) -> Self {
        Self { env }
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        credentials_from_vars(&|name: &str| {
            self.env.var(name).map_err(|e| CredentialsError::config(e.kind(), PROVIDER, e.to_string()))
        })
    }
}

impl Default for EnvironmentProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let result = self.load();
        Box::pin(async move { result })
    }

    fn check(&self) -> Result<(), CredentialsError> {
        self.load().map(drop)
    }
}

/// A variable's value: `Ok(None)` if unset, an error if set but unusable (not UTF-8).
pub(crate) type Lookup<'a> = dyn Fn(&str) -> Result<Option<String>, CredentialsError> + 'a;

pub(crate) fn credentials_from_vars(lookup: &Lookup<'_>) -> Result<Credentials, CredentialsError> {
    let (id, key) = (lookup(ENV_SECRET_ID)?, lookup(ENV_SECRET_KEY)?);
    let (id, key) = match (id, key) {
        (None, None) => {
            return Err(CredentialsError::not_found(
                PROVIDER,
                format!("{ENV_SECRET_ID} and {ENV_SECRET_KEY} are not set"),
            ))
        }
        (Some(_), None) => return Err(missing(ENV_SECRET_KEY, ENV_SECRET_ID)),
        (None, Some(_)) => return Err(missing(ENV_SECRET_ID, ENV_SECRET_KEY)),
        (Some(id), Some(key)) => (checked(ENV_SECRET_ID, id)?, checked(ENV_SECRET_KEY, key)?),
    };
    let credentials = Credentials::new(id, key);
    Ok(match lookup(ENV_SECURITY_TOKEN)? {
        Some(token) if !token.trim().is_empty() => credentials.with_token(checked(ENV_SECURITY_TOKEN, token)?),
        _ => credentials,
    })
}

fn missing(name: &str, other: &str) -> CredentialsError {
    CredentialsError::config(
        ConfigErrorKind::MissingVariable,
        PROVIDER,
        format!("environment variable {name} is not set, but {other} is"),
    )
}

/// The value itself, if usable; the error never repeats it.
fn checked(name: &str, value: String) -> Result<String, CredentialsError> {
    if value.trim().is_empty() {
        return Err(CredentialsError::config(
            ConfigErrorKind::EmptyVariable,
            PROVIDER,
            format!("environment variable {name} is empty"),
        ));
    }
    if value.trim() != value {
        return Err(CredentialsError::config(
            ConfigErrorKind::InvalidValue,
            PROVIDER,
            format!("environment variable {name} has leading or trailing whitespace"),
        ));
    }
    if value.contains(char::is_control) {
        return Err(CredentialsError::config(
            ConfigErrorKind::InvalidValue,
            PROVIDER,
            format!("environment variable {name} contains a control character"),
        ));
    }
    Ok(value)
}
