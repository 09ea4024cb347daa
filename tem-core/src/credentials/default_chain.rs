//! The configuration of the environment ([`Config::from_env`]): credentials from the default
//! chain, region and endpoint from the variables or the credentials profile. It sits above
//! the call path, since the chain's providers (the CVM role, STS through a profile's role)
//! call services.

use super::{ChainProvider, CredentialsErrorKind, Environment, Profile, ProvideCredentials, SharedCredentialsProvider};
use crate::config::{Config, ENV_ENDPOINT, ENV_REGION};
use crate::error::ConfigError;

/// The configuration of the environment.
impl Config {
    /// The configuration of the environment: credentials from the default chain
    /// ([`ChainProvider::default_chain`]: environment variables, the credentials file, the CVM
    /// role), region from `TENCENTCLOUD_REGION` (else the profile's `region`), endpoint override
    /// from `TENCENTCLOUD_ENDPOINT`.
    ///
    /// Everything that can be checked without the network is checked here: an empty variable,
    /// a secret id without its key, an unreadable or malformed credentials file, an unknown
    /// profile, an invalid region or endpoint are each a [`ConfigError`] of its own kind naming
    /// its source. Only "no credentials anywhere" waits for the first call, since the CVM role
    /// needs the network; that call then fails before sending anything.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_environment(&Environment::process())
    }

    /// As [`Config::from_env`], reading variables through `lookup` and nothing else: no
    /// home directory, no system credentials file (see [`Config::from_environment`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Result<Self, ConfigError> {
        Self::from_environment(&Environment::from_vars(lookup))
    }

    /// As [`Config::from_env`], in the environment `env`.
    pub fn from_environment(env: &Environment) -> Result<Self, ConfigError> {
        let chain = ChainProvider::default_chain(env, None);
        chain.check()?;
        let mut config = Self::with_provider(SharedCredentialsProvider::new(chain));
        let variable = |name: &str| match env.var(name)? {
            Some(value) if value.trim().is_empty() => Err(ConfigError::empty_variable(name)),
            other => Ok(other),
        };
        let named = |name: &str, e: ConfigError| ConfigError::with_kind(e.kind(), format!("{name}: {e}"));
        let region = match variable(ENV_REGION)? {
            Some(region) => Some((ENV_REGION.to_owned(), region)),
            // Read for its region even when the credentials came from elsewhere: a profile
            // that is there but broken (a strange file, a bad variable) is an error, not a
            // silent "no region"; only a missing file or default profile counts as none.
            None => match Profile::load(env) {
                Ok(p) => {
                    let source = format!("{} profile [{}] region", p.path().display(), p.name());
                    p.region().map(|r| (source, r.to_owned()))
                }
                Err(e) if e.kind() == CredentialsErrorKind::NotFound => None,
                Err(e) => return Err(e.into()),
            },
        };
        if let Some((source, region)) = region {
            config = config.with_region(&region).map_err(|e| named(&source, e))?;
        }
        if let Some(endpoint) = variable(ENV_ENDPOINT)? {
            config = config.with_endpoint(&endpoint).map_err(|e| named(ENV_ENDPOINT, e))?;
        }
        Ok(config)
    }
}
