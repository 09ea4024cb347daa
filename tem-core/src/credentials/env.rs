//! The process environment as providers see it, and the environment-variable provider.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::{
    Credentials, CredentialsError, CredentialsFuture, ProvideCredentials, ENV_SECRET_ID, ENV_SECRET_KEY,
    ENV_SECURITY_TOKEN,
};
use crate::credentials::cvm_role::DEFAULT_METADATA_ENDPOINT;
use crate::credentials::profile::SYSTEM_CREDENTIALS_FILE;
use crate::error::ConfigErrorKind;

type Vars = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Everything the providers read from outside the program: environment variables, the home
/// directory, the system-wide credentials file, and the metadata and STS endpoints.
/// [`Environment::process`] is the real one; tests build their own, so that nothing reads the
/// real environment, home directory or network.
#[derive(Clone)]
pub struct Environment {
    vars: Vars,
    home: Option<PathBuf>,
    system_credentials_file: Option<PathBuf>,
    metadata_endpoint: String,
    sts_endpoint: Option<String>,
}

impl Environment {
    /// The process's: `std::env`, `$HOME` (`%USERPROFILE%` on Windows),
    /// `/etc/tencentcloud/credentials`, the CVM metadata service and the STS domain.
    pub fn process() -> Self {
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
        Self {
            vars: Arc::new(|name| std::env::var(name).ok()),
            home: home.filter(|h| !h.as_os_str().is_empty()),
            system_credentials_file: Some(PathBuf::from(SYSTEM_CREDENTIALS_FILE)),
            metadata_endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
            sts_endpoint: None,
        }
    }

    /// Variables from `lookup`, and no home directory nor system credentials file (add them
    /// with [`Environment::with_home`] and [`Environment::with_system_credentials_file`]).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            vars: Arc::new(lookup),
            home: None,
            system_credentials_file: None,
            metadata_endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
            sts_endpoint: None,
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

    /// The value of variable `name`, if set.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.vars)(name)
    }

    pub fn home(&self) -> Option<&PathBuf> {
        self.home.as_ref()
    }

    pub fn system_credentials_file(&self) -> Option<&PathBuf> {
        self.system_credentials_file.as_ref()
    }

    pub fn metadata_endpoint(&self) -> &str {
        &self.metadata_endpoint
    }

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
/// Neither id nor key set: not found. One without the other, an empty one, or one with
/// surrounding whitespace: a configuration error.
#[derive(Clone, Debug)]
pub struct EnvironmentProvider {
    env: Environment,
}

impl EnvironmentProvider {
    /// Reads the process's variables.
    pub fn new() -> Self {
        Self::with_environment(Environment::process())
    }

    pub fn with_environment(env: Environment) -> Self {
        Self { env }
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        credentials_from_vars(&|name: &str| self.env.var(name))
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

pub(crate) fn credentials_from_vars(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, CredentialsError> {
    let (id, key) = (lookup(ENV_SECRET_ID), lookup(ENV_SECRET_KEY));
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
    Ok(match lookup(ENV_SECURITY_TOKEN) {
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
    Ok(value)
}
