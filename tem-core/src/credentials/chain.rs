//! A chain of providers: the first that has credentials wins.

use std::borrow::Cow;

use super::{
    Credentials, CredentialsError, CredentialsErrorKind, CredentialsFuture, CvmRoleProvider, Environment,
    EnvironmentProvider, ProfileProvider, ProvideCredentials, SharedCredentialsProvider,
};
use crate::error::ConfigErrorKind;

const PROVIDER: &str = "chain";

/// Tries providers in order. A provider that has nothing ([`CredentialsErrorKind::NotFound`])
/// passes to the next; any other error stops the chain, so a malformed credentials file is
/// reported rather than silently skipped. When none has credentials the error
/// ([`ConfigErrorKind::NoCredentials`]) lists every source tried and why it did not apply.
#[derive(Clone, Debug, Default)]
pub struct ChainProvider {
    providers: Vec<(Cow<'static, str>, SharedCredentialsProvider)>,
}

impl ChainProvider {
    /// An empty chain; add providers with [`ChainProvider::with_provider`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The default chain, as the official SDKs': explicit `static_credentials` if any, then the
    /// environment variables, the credentials file (its profile may assume a role through STS),
    /// the CVM instance role, and TKE's web identity ([`super::WebIdentityProvider`], last as
    /// in the official SDKs).
    pub fn default_chain(env: &Environment, static_credentials: Option<Credentials>) -> Self {
        let mut chain = Self::new();
        if let Some(credentials) = static_credentials {
            chain = chain.with_provider("static", credentials);
        }
        chain
            .with_provider("environment", EnvironmentProvider::with_environment(env.clone()))
            .with_provider("credentials file", ProfileProvider::with_environment(env.clone()))
            .with_provider("CVM role", CvmRoleProvider::with_environment(env))
            .with_provider("TKE OIDC", super::WebIdentityProvider::with_environment(env))
    }

    /// Appends a provider, tried after those already in the chain.
    pub fn with_provider(
        mut self,
        name: impl Into<Cow<'static, str>>,
        provider: impl ProvideCredentials + 'static,
    ) -> Self {
        self.providers.push((name.into(), SharedCredentialsProvider::new(provider)));
        self
    }

    /// The names of the providers, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.iter().map(|(name, _)| name.as_ref())
    }
}

impl ProvideCredentials for ChainProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move {
            let mut tried = Vec::new();
            for (name, provider) in &self.providers {
                match provider.provide_credentials().await {
                    Ok(credentials) => {
                        tracing::debug!(target: "tem_core::credentials", provider = %name, "credentials found");
                        return Ok(credentials);
                    }
                    Err(e) if e.kind() == CredentialsErrorKind::NotFound => tried.push(e),
                    Err(e) => return Err(e),
                }
            }
            Err(nothing_found(tried))
        })
    }

    fn check(&self) -> Result<(), CredentialsError> {
        for (_, provider) in &self.providers {
            match provider.check() {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == CredentialsErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn nothing_found(tried: Vec<CredentialsError>) -> CredentialsError {
    let message = if tried.is_empty() { "the chain has no providers" } else { "no credentials found" };
    CredentialsError::config(ConfigErrorKind::NoCredentials, PROVIDER, message).with_tried(tried)
}
