//! Caching of expiring credentials, with one refresh at a time.

use std::fmt;
use std::future::Future;
use std::sync::RwLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Credentials, CredentialsError, CredentialsFuture, ProvideCredentials};
use crate::time::{SharedTimeSource, TimeSource};

/// How long before their expiry cached credentials are refreshed at most: 5 minutes, as the
/// official SDKs refresh CVM role credentials. Credentials that live shorter are refreshed
/// when half of the lifetime they had when fetched is left (see [`CachingProvider`]).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The shortest time between two attempts to refresh credentials, whether the first attempt
/// succeeded or failed: a source of short-lived or expired credentials, or one that fails, is
/// asked at most once per interval however many calls are made.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// The cache behind [`CachingProvider`], `CvmRoleProvider` and
/// `AssumeRoleProvider`.
///
/// Credentials fetched at `t` and expiring at `e` are served until `e − m`, where the margin
/// `m` is the configured margin, but at most half of their lifetime `e − t` (as the AWS SDK's
/// identity cache shortens its buffer for short-lived credentials); credentials without an
/// expiry are served forever. Past `e − m`, the first caller refreshes while the others wait on
/// the same refresh (single flight, a `tokio::sync::Mutex`) and then take its result. A refresh
/// is attempted at most once per [`MIN_REFRESH_INTERVAL`]: within it, callers get the cached
/// credentials if they have not expired, else the last attempt's error. Expired credentials
/// are never served: credentials already expired when fetched are an error. If a refresh fails
/// while the cached credentials have not yet expired, they are served and the failure logged.
pub(crate) struct CredentialsCache {
    margin: Duration,
    /// The one time source (`crate::time`): the system clock unless a test or a
    /// configuration gives another.
    time: SharedTimeSource,
    state: RwLock<State>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Clone, Default)]
struct State {
    cached: Option<Cached>,
    last_attempt: Option<SystemTime>,
    last_error: Option<CredentialsError>,
}

#[derive(Clone)]
struct Cached {
    credentials: Credentials,
    /// When to refresh; `None` for credentials that do not expire.
    refresh_at: Option<SystemTime>,
}

impl Cached {
    fn fresh(&self, now: SystemTime) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }

    fn unexpired(&self, now: SystemTime) -> bool {
        self.credentials.expiry().is_none_or(|expiry| now < expiry)
    }
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("CredentialsCache")
            .field("margin", &self.margin)
            .field("credentials", &state.cached.as_ref().map(|c| &c.credentials))
            .field("refresh_at", &state.cached.as_ref().and_then(|c| c.refresh_at))
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    pub(crate) fn new(margin: Duration) -> Self {
        Self {
            margin,
            time: SharedTimeSource::default(),
            state: RwLock::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn set_margin(&mut self, margin: Duration) {
        self.margin = margin;
    }

    pub(crate) fn set_time_source(&mut self, time: SharedTimeSource) {
        self.time = time;
    }

    /// The clock expiry is checked against: the provider's, for the time it sends too.
    pub(crate) fn time_source(&self) -> &SharedTimeSource {
        &self.time
    }

    fn now(&self) -> SystemTime {
        self.time.now()
    }

    fn state(&self) -> State {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.write().unwrap_or_else(|e| e.into_inner()));
    }

    /// When credentials fetched at `now` are to be refreshed. Checked arithmetic throughout:
    /// any margin, expiry or clock is valid.
    fn refresh_at(&self, credentials: &Credentials, now: SystemTime) -> Option<SystemTime> {
        let expiry = credentials.expiry()?;
        let lifetime = expiry.duration_since(now).unwrap_or(Duration::ZERO);
        let margin = self.margin.min(lifetime / 2);
        Some(expiry.checked_sub(margin).unwrap_or(UNIX_EPOCH))
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
        if let Some(cached) = self.state().cached.filter(|c| c.fresh(self.now())) {
            return Ok(cached.credentials);
        }
        let _refreshing = self.refresh.lock().await;
        let now = self.now();
        let state = self.state();
        // Someone may have refreshed while we waited.
        let cached = state.cached.filter(|c| c.unexpired(now));
        if let Some(cached) = cached.as_ref().filter(|c| c.fresh(now)) {
            return Ok(cached.credentials.clone());
        }
        // A clock that went back counts as the interval having passed.
        let too_soon = state
            .last_attempt
            .and_then(|last| now.duration_since(last).ok())
            .is_some_and(|since| since < MIN_REFRESH_INTERVAL);
        if too_soon {
            return match (cached, state.last_error) {
                (Some(cached), _) => Ok(cached.credentials),
                (None, Some(error)) => Err(error),
                (None, None) => Err(CredentialsError::provider_error(
                    provider,
                    "the cached credentials have expired, and were refreshed too recently to refresh again",
                )),
            };
        }
        self.update(|s| s.last_attempt = Some(now));
        let loaded = load().await;
        let now = self.now();
        let loaded = loaded.and_then(|credentials| match credentials.expiry() {
            Some(expiry) if expiry <= now => {
                let at = expiry.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                Err(CredentialsError::provider_error(
                    provider,
                    format!("the credentials fetched had already expired (at unix time {at}); is the clock right?"),
                ))
            }
            _ => Ok(credentials),
        });
        match loaded {
            Ok(credentials) => {
                let expires_in = credentials.expiry().and_then(|e| e.duration_since(now).ok());
                tracing::debug!(
                    target: "tem_core::credentials",
                    provider,
                    expires_in_secs = expires_in.map(|d| d.as_secs()),
                    "credentials refreshed"
                );
                let refresh_at = self.refresh_at(&credentials, now);
                self.update(|s| {
                    s.cached = Some(Cached { credentials: credentials.clone(), refresh_at });
                    s.last_error = None;
                });
                Ok(credentials)
            }
            Err(error) => {
                self.update(|s| s.last_error = Some(error.clone()));
                match cached.filter(|c| c.unexpired(now)) {
                    Some(still_valid) => {
                        tracing::warn!(
                            target: "tem_core::credentials",
                            provider,
                            error = %error,
                            "refreshing credentials failed; using the cached ones until they expire"
                        );
                        Ok(still_valid.credentials)
                    }
                    None => Err(error),
                }
            }
        }
    }
}

/// Any provider, cached: see [`DEFAULT_REFRESH_MARGIN`], [`MIN_REFRESH_INTERVAL`] and the
/// refresh rules above.
#[derive(Debug)]
pub struct CachingProvider<P> {
    inner: P,
    cache: CredentialsCache,
}

impl<P: ProvideCredentials> CachingProvider<P> {
    /// Caches `inner`'s credentials, refreshed [`DEFAULT_REFRESH_MARGIN`] before expiry.
    pub fn new(inner: P) -> Self {
        Self { inner, cache: CredentialsCache::new(DEFAULT_REFRESH_MARGIN) }
    }

    /// Refreshes at most this long before expiry (default [`DEFAULT_REFRESH_MARGIN`]); any
    /// value is valid, and is shortened to half the credentials' lifetime.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.cache.set_margin(margin);
        self
    }

    /// Reads the time from `time` instead of the system clock (for tests: `ManualClock`).
    pub fn with_time_source(mut self, time: impl TimeSource + 'static) -> Self {
        self.cache.set_time_source(SharedTimeSource::new(time));
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
