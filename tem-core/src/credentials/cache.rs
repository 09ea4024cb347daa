//! Caching of expiring credentials, with one refresh at a time.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use super::{Credentials, CredentialsError, CredentialsFuture, ProvideCredentials};

/// How long before their expiry cached credentials are refreshed: 5 minutes, as the official
/// SDKs refresh CVM role credentials.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The cache behind [`CachingProvider`], [`super::CvmRoleProvider`] and
/// [`super::AssumeRoleProvider`].
///
/// A value is served while it is more than the margin away from its expiry (forever if it has
/// none). Past that, the first caller refreshes while the others wait on the same refresh
/// (single flight, a `tokio::sync::Mutex`); the waiters then take its result instead of
/// refreshing again. If a refresh fails while the cached value has not yet expired, the cached
/// value is served and the failure logged.
#[derive(Debug)]
pub(crate) struct CredentialsCache {
    margin: Duration,
    value: RwLock<Option<Credentials>>,
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

impl CredentialsCache {
    pub(crate) fn new(margin: Duration) -> Self {
        Self { margin, value: RwLock::new(None), refresh: tokio::sync::Mutex::new(()), generation: AtomicU64::new(0) }
    }

    pub(crate) fn set_margin(&mut self, margin: Duration) {
        self.margin = margin;
    }

    fn cached(&self) -> Option<Credentials> {
        self.value.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn fresh(&self, credentials: &Credentials, now: SystemTime) -> bool {
        credentials.expiry().is_none_or(|expiry| now + self.margin < expiry)
    }

    pub(crate) async fn get_or_refresh<F, Fut>(
        &self,
        provider: &'static str,
        load: F,
    ) -> Result<Credentials, CredentialsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, CredentialsError>>,
    {
        let seen = self.generation.load(Ordering::Acquire);
        if let Some(credentials) = self.cached().filter(|c| self.fresh(c, SystemTime::now())) {
            return Ok(credentials);
        }
        let _refreshing = self.refresh.lock().await;
        let now = SystemTime::now();
        let cached = self.cached();
        if let Some(credentials) = &cached {
            // Someone refreshed while we waited: take theirs unless it has already expired.
            let refreshed = self.generation.load(Ordering::Acquire) != seen;
            if self.fresh(credentials, now) || (refreshed && credentials.expiry().is_none_or(|e| now < e)) {
                return Ok(credentials.clone());
            }
        }
        match load().await {
            Ok(credentials) => {
                let expires_in = credentials.expiry().and_then(|e| e.duration_since(now).ok());
                tracing::debug!(
                    target: "tem_core::credentials",
                    provider,
                    expires_in_secs = expires_in.map(|d| d.as_secs()),
                    "credentials refreshed"
                );
                *self.value.write().unwrap_or_else(|e| e.into_inner()) = Some(credentials.clone());
                self.generation.fetch_add(1, Ordering::AcqRel);
                Ok(credentials)
            }
            Err(error) => match cached.filter(|c| c.expiry().is_none_or(|e| now < e)) {
                Some(still_valid) => {
                    tracing::warn!(
                        target: "tem_core::credentials",
                        provider,
                        error = %error,
                        "refreshing credentials failed; using the cached ones until they expire"
                    );
                    Ok(still_valid)
                }
                None => Err(error),
            },
        }
    }
}

/// Any provider, cached: see [`DEFAULT_REFRESH_MARGIN`] and the refresh rules above.
#[derive(Debug)]
pub struct CachingProvider<P> {
    inner: P,
    cache: CredentialsCache,
}

impl<P: ProvideCredentials> CachingProvider<P> {
    pub fn new(inner: P) -> Self {
        Self { inner, cache: CredentialsCache::new(DEFAULT_REFRESH_MARGIN) }
    }

    /// Refreshes this long before expiry (default [`DEFAULT_REFRESH_MARGIN`]).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.cache.set_margin(margin);
        self
    }
}

impl<P: ProvideCredentials> ProvideCredentials for CachingProvider<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.cache.get_or_refresh("cache", || self.inner.provide_credentials()))
    }

    fn check(&self) -> Result<(), CredentialsError> {
        self.inner.check()
    }
}
