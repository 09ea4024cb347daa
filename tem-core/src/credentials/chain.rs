//! A chain of providers: the first that has credentials wins.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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
///
/// The provider that last had credentials is asked first next time, as the official SDKs keep
/// the credential their chain found: a call does not probe the sources before it again (in a
/// TKE pod, the metadata service before TKE's web identity). If it then has none, the chain
/// is walked again from the start. Clones share what was found.
#[derive(Clone, Debug, Default)]
pub struct ChainProvider {
    providers: Vec<(Cow<'static, str>, SharedCredentialsProvider)>,
    /// One more than the index of the provider that last had credentials; 0 for none yet.
    found: Arc<AtomicUsize>,
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
            let found = self.found.load(Ordering::Relaxed).checked_sub(1);
            // The remembered provider's "nothing", kept so that the walk below does not ask it twice.
            let mut found_nothing = None;
            if let Some((index, (_, provider))) = found.and_then(|index| Some((index, self.providers.get(index)?))) {
                match provider.provide_credentials().await {
                    Err(e) if e.kind() == CredentialsErrorKind::NotFound => found_nothing = Some((index, e)),
                    other => return other,
                }
            }
            let mut tried = Vec::new();
            for (index, (name, provider)) in self.providers.iter().enumerate() {
                let answer = match found_nothing.take() {
                    Some((asked, nothing)) if asked == index => Err(nothing),
                    kept => {
                        found_nothing = kept;
                        provider.provide_credentials().await
                    }
                };
                match answer {
                    Ok(credentials) => {
                        tracing::debug!(target: "tem_core::credentials", provider = %name, "credentials found");
                        self.found.store(index + 1, Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// Credentials while `has` is set, else nothing; counts the times it is asked.
    #[derive(Debug)]
    struct Switch {
        has: Arc<AtomicBool>,
        asked: Arc<AtomicUsize>,
        id: &'static str,
    }

    impl ProvideCredentials for Switch {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            let has = self.has.load(Ordering::SeqCst);
            Box::pin(async move {
                if has {
                    Ok(Credentials::new(self.id, "key"))
                } else {
                    Err(CredentialsError::not_found("switch", "off"))
                }
            })
        }
    }

    fn switch(id: &'static str, has: bool) -> (Switch, Arc<AtomicBool>, Arc<AtomicUsize>) {
        let (flag, asked) = (Arc::new(AtomicBool::new(has)), Arc::new(AtomicUsize::new(0)));
        (Switch { has: flag.clone(), asked: asked.clone(), id }, flag, asked)
    }

    #[tokio::test]
    async fn the_provider_that_had_credentials_is_asked_first_and_the_chain_walked_again_when_it_has_none() {
        let (first, first_has, first_asked) = switch("first", false);
        let (second, second_has, second_asked) = switch("second", true);
        let chain = ChainProvider::new().with_provider("first", first).with_provider("second", second);
        for _ in 0..3 {
            assert_eq!(chain.provide_credentials().await.unwrap().secret_id(), "second");
        }
        assert_eq!(first_asked.load(Ordering::SeqCst), 1, "not probed again once the second had credentials");
        assert_eq!(second_asked.load(Ordering::SeqCst), 3);

        // The remembered provider has nothing now: the walk starts over, without asking it twice.
        second_has.store(false, Ordering::SeqCst);
        first_has.store(true, Ordering::SeqCst);
        assert_eq!(chain.provide_credentials().await.unwrap().secret_id(), "first");
        assert_eq!((first_asked.load(Ordering::SeqCst), second_asked.load(Ordering::SeqCst)), (2, 4));
        assert_eq!(chain.provide_credentials().await.unwrap().secret_id(), "first");
        assert_eq!((first_asked.load(Ordering::SeqCst), second_asked.load(Ordering::SeqCst)), (3, 4));

        // Nobody has any: every source is listed once.
        first_has.store(false, Ordering::SeqCst);
        let err = chain.provide_credentials().await.unwrap_err();
        assert_eq!(err.tried().len(), 2);
        assert_eq!((first_asked.load(Ordering::SeqCst), second_asked.load(Ordering::SeqCst)), (4, 5));
    }
}
