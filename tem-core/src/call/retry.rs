//! Retries: which failures are worth another attempt ([`classify`]), and how long to wait
//! before it ([`RetryPolicy`]).
//!
//! The rules, by what is known of the failed attempt:
//!
//! | failure | read-only action | action that changes something |
//! | --- | --- | --- |
//! | no connection (DNS, refused, TLS handshake, connect timeout): the request never left | retry | retry |
//! | the connection failed or timed out after the request may have been received | retry | only with [`CallOptions::with_retry_after_dispatch`] |
//! | HTTP 500, 502, 503 or 504: the request may have been received and acted on | retry | only with `retry_after_dispatch` |
//! | HTTP 429 | retry | retry |
//! | `RequestLimitExceeded`, `RequestLimitExceeded.*`: refused before any work | retry | retry |
//! | `InternalError`, `InternalError.*`, `ServiceUnavailable`, `ServiceUnavailable.*` | retry | only with `retry_after_dispatch` |
//! | `AuthFailure.SignatureExpire`, the reply's `Date` 2 s or more from the clock the request was signed with, and at most `MAX_CLOCK_OFFSET_SECS` from ours | re-sign with the server's clock, once | same |
//! | the request could not be made locally (no credentials, a header value HTTP forbids): nothing was sent | stop | stop |
//! | anything else: other codes (`LimitExceeded*` is a quota, `ResourceInUse*` a state), other statuses, an unreadable or too large reply, a bad request or configuration | stop | stop |
//!
//! "Read-only" is decided from the schema for each action (`Action::READ_ONLY`).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Attempts of one call by default, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The ceiling of the first backoff by default; it doubles for each further retry.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(200);
/// The largest backoff ceiling by default.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(5);
/// How long after a call started a retry may still begin, by default.
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(30);

/// How a call retries: at most `max_attempts` attempts; before retry `n` (from 1) a wait drawn
/// uniformly from zero to `min(max_delay, base_delay · 2^(n−1))` ("full jitter"); and no retry
/// (nor wait) that would begin later than `budget` after the call started. Each attempt has the
/// configured timeout of its own, and is signed afresh.
///
/// On by default ([`RetryPolicy::default`]: 3 attempts, 200 ms base, 5 s cap, 30 s budget);
/// [`RetryPolicy::disabled`] makes one attempt. Which failures are retried is not configurable
/// here: see the [module docs](self) and [`CallOptions`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// The default policy: 3 attempts, 200 ms base delay, 5 s cap, 30 s budget.
    pub const fn new() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            budget: DEFAULT_RETRY_BUDGET,
        }
    }

    /// One attempt, no retry. (A request refused with `AuthFailure.SignatureExpire` is still
    /// re-signed with the server's clock and sent once more, when that clock differs from the
    /// one it was signed with: it was refused unread.)
    pub const fn disabled() -> Self {
        Self { max_attempts: 1, ..Self::new() }
    }

    /// Attempts of one call, the first included; 0 is taken as 1.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The ceiling of the first backoff; it doubles for each further retry.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff ceiling.
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How long after the call started a retry may still begin: a retry whose wait would end
    /// later is not made, and the last failure is returned.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// The most requests one call sends, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The ceiling of the wait before the first retry; it doubles for each retry after.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The highest ceiling of any one wait.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// No retry starts later than this after the call did.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The ceiling of the wait before retry `retry` (1 before the second attempt):
    /// `min(max_delay, base_delay · 2^(retry−1))`.
    pub fn delay_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base_delay.checked_mul(factor).unwrap_or(Duration::MAX).min(self.max_delay)
    }

    /// The wait before retry `retry`: uniform from zero to [`RetryPolicy::delay_ceiling`].
    pub(crate) fn delay(&self, retry: u32, jitter: &Jitter) -> Duration {
        let ceiling = self.delay_ceiling(retry).as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(jitter.below_inclusive(ceiling))
    }
}

/// Options of one call, for `Client::send_with`.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Resend after failures that may have reached the server, even for an action that changes
    /// something. Default `false`.
    pub retry_after_dispatch: bool,
    /// The retry policy of this call instead of the client's.
    pub retry_policy: Option<RetryPolicy>,
    /// Send the call as `GET` with the parameters flattened into the query, as the official
    /// SDKs' `reqMethod = "GET"` does (see the `multipart` module). Default `false`; ignored by
    /// multipart actions.
    pub get: bool,
    /// The action's rate limit, requests per second, applied when the client's rate limiting
    /// is on (`Config::with_rate_limiting`): for an untyped call
    /// (`Client::send_json`), which has no documented limit of its own to read, or to
    /// override a typed action's. Default `None`.
    pub rate_limit: Option<u32>,
    /// Send the call unsigned: `Authorization: SKIP`, no credentials fetched and no
    /// `X-TC-Token`, as the official SDKs' `SkipSign` option sends the few actions that take no
    /// signature (STS `AssumeRoleWithWebIdentity`, whose token is the proof). Default `false`.
    pub unsigned: bool,
}

impl CallOptions {
    /// The client's own settings: its retry policy, no retry after dispatch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares that resending this call is safe (e.g. it is idempotent by a client token, or
    /// a duplicate is harmless): failures after the request may have been received — a reset
    /// or timeout mid-reply, HTTP 5xx, `InternalError`, `ServiceUnavailable` — are then retried
    /// as for read-only actions.
    pub fn with_retry_after_dispatch(mut self, retry: bool) -> Self {
        self.retry_after_dispatch = retry;
        self
    }

    /// Waits for a slot of `per_second` requests a second of this action (see
    /// [`CallOptions::rate_limit`]).
    pub fn with_rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Sends the call as `GET` with the parameters in the query (see [`CallOptions::get`]).
    pub fn with_get(mut self, get: bool) -> Self {
        self.get = get;
        self
    }

    /// Sends the call unsigned (see [`CallOptions::unsigned`]).
    pub fn with_unsigned(mut self, unsigned: bool) -> Self {
        self.unsigned = unsigned;
        self
    }

    /// Uses `policy` for this call instead of the client's.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }
}

/// What is known of a failed attempt, for [`classify`].
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure<'a> {
    /// No connection was made (DNS, refused, TLS handshake, connect timeout): the request
    /// never left.
    NotSent,
    /// The connection failed, or the attempt timed out, after the request may have been
    /// received.
    MaybeReceived,
    /// A reply with this HTTP status, not 200.
    HttpStatus(u16),
    /// An error reply with this code.
    Service(&'a str),
    /// The request could not be made on this machine (no credentials, a request that cannot
    /// be built): nothing was sent, and sending again cannot help.
    Local,
    /// Anything else: an unreadable or too large reply.
    Other,
}

impl fmt::Display for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSent => f.write_str("no connection"),
            Self::MaybeReceived => f.write_str("connection failed after sending"),
            Self::HttpStatus(status) => write!(f, "HTTP {status}"),
            Self::Service(code) => f.write_str(code),
            Self::Local => f.write_str("not sent: failed locally"),
            Self::Other => f.write_str("other"),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait a backoff and send again, if the policy allows another attempt.
    Retry,
    /// Sign again with the server's clock (from the reply's `Date`) and send again, once.
    CorrectClock,
    /// Return the failure.
    Stop,
}

/// Whether to send again after `failure`, for an action that is `read_only` or not, when the
/// caller did or did not allow resending after a possible receipt (`retry_after_dispatch`).
/// The rules are the table of the [module docs](self).
pub fn classify(failure: Failure<'_>, read_only: bool, retry_after_dispatch: bool) -> Decision {
    let resend_safe = if read_only || retry_after_dispatch { Decision::Retry } else { Decision::Stop };
    match failure {
        Failure::NotSent => Decision::Retry,
        Failure::MaybeReceived => resend_safe,
        Failure::HttpStatus(429) => Decision::Retry,
        Failure::HttpStatus(500 | 502 | 503 | 504) => resend_safe,
        Failure::HttpStatus(_) => Decision::Stop,
        Failure::Service(code) if in_class(code, "RequestLimitExceeded") => Decision::Retry,
        Failure::Service("AuthFailure.SignatureExpire") => Decision::CorrectClock,
        Failure::Service(code) if in_class(code, "InternalError") || in_class(code, "ServiceUnavailable") => {
            resend_safe
        }
        Failure::Service(_) | Failure::Local | Failure::Other => Decision::Stop,
    }
}

/// `code` is `class` or one of its sub-codes (`class.Something`).
fn in_class(code: &str, class: &str) -> bool {
    code.strip_prefix(class).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// A tiny thread-safe pseudo-random source, for backoff jitter and the `Nonce` of legacy
/// signatures (replay protection, not a secret): SplitMix64 over an atomic counter, seeded
/// from std's randomly keyed hasher. Not for anything secret.
#[derive(Debug)]
pub(crate) struct Jitter(AtomicU64);

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

impl Jitter {
    pub(crate) fn new() -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x7465_6d2d_7364_6b00);
        Self::with_seed(hasher.finish())
    }

    pub(crate) fn with_seed(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }

    pub(crate) fn next_u64(&self) -> u64 {
        let mut z = self.0.fetch_add(GOLDEN_GAMMA, Ordering::Relaxed).wrapping_add(GOLDEN_GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number from 0 to `max`, both included (multiply-shift; the bias is below 2^-64·max).
    pub(crate) fn below_inclusive(&self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(bound) => ((self.next_u64() as u128 * bound as u128) >> 64) as u64,
            None => self.next_u64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        use Decision::{CorrectClock, Retry, Stop};
        use Failure::*;
        // (failure, read-only action, retry_after_dispatch, decision)
        let cases: &[(Failure<'_>, bool, bool, Decision)] = &[
            (NotSent, true, false, Retry),
            (NotSent, false, false, Retry),
            (MaybeReceived, true, false, Retry),
            (MaybeReceived, false, false, Stop),
            (MaybeReceived, false, true, Retry),
            (HttpStatus(500), true, false, Retry),
            (HttpStatus(502), false, false, Stop),
            (HttpStatus(503), false, true, Retry),
            (HttpStatus(504), true, false, Retry),
            (HttpStatus(429), false, false, Retry),
            (HttpStatus(400), true, true, Stop),
            (HttpStatus(404), true, false, Stop),
            (HttpStatus(501), true, false, Stop),
            (Service("RequestLimitExceeded"), false, false, Retry),
            (Service("RequestLimitExceeded.UinLimitExceeded"), false, false, Retry),
            (Service("RequestLimitExceeded.GlobalRegionUinLimitExceeded"), true, false, Retry),
            (Service("RequestLimitExceeded.IPLimitExceeded"), false, false, Retry),
            (Service("RequestLimitExceededX"), true, false, Stop),
            (Service("InternalError"), true, false, Retry),
            (Service("InternalError"), false, false, Stop),
            (Service("InternalError.ActionReadTimeout"), true, false, Retry),
            (Service("InternalError.DeployVersionError"), false, false, Stop),
            (Service("InternalError.DeployVersionError"), false, true, Retry),
            (Service("ServiceUnavailable"), true, false, Retry),
            (Service("ServiceUnavailable"), false, false, Stop),
            (Service("AuthFailure.SignatureExpire"), false, false, CorrectClock),
            (Service("AuthFailure.SignatureExpire"), true, true, CorrectClock),
            (Service("AuthFailure.SignatureFailure"), true, true, Stop),
            (Service("LimitExceeded"), true, true, Stop),
            (Service("LimitExceeded.ApplicationLimit"), true, false, Stop),
            (Service("ResourceInUse.ServiceDeploying"), false, false, Stop),
            (Service("ResourceInUse.ServiceDeploying"), false, true, Stop),
            (Service("ResourceUnavailable.WaitForKruise"), true, false, Stop),
            (Service("FailedOperation"), true, true, Stop),
            (Service("InvalidParameter"), true, true, Stop),
            (Service(""), true, true, Stop),
            (Other, true, true, Stop),
        ];
        for &(failure, read_only, after_dispatch, expected) in cases {
            assert_eq!(
                classify(failure, read_only, after_dispatch),
                expected,
                "{failure:?}, read_only {read_only}, retry_after_dispatch {after_dispatch}"
            );
        }
    }

    #[test]
    fn backoff_ceilings_double_from_the_base_up_to_the_cap() {
        let policy = RetryPolicy::new();
        let ceilings: Vec<u128> = (1..=8).map(|n| policy.delay_ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        assert_eq!(policy.delay_ceiling(0), Duration::from_millis(200));
        assert_eq!(policy.delay_ceiling(u32::MAX), DEFAULT_MAX_DELAY, "no overflow");
        let huge = RetryPolicy::new().with_base_delay(Duration::MAX).with_max_delay(Duration::MAX);
        assert_eq!(huge.delay_ceiling(40), Duration::MAX);
    }

    #[test]
    fn full_jitter_spreads_waits_over_zero_to_the_ceiling() {
        let policy = RetryPolicy::new();
        let jitter = Jitter::with_seed(7);
        let waits: Vec<Duration> = (0..2000).map(|_| policy.delay(2, &jitter)).collect();
        let ceiling = Duration::from_millis(400);
        assert!(waits.iter().all(|w| *w <= ceiling));
        let low = waits.iter().filter(|w| **w < ceiling / 4).count();
        let high = waits.iter().filter(|w| **w > ceiling * 3 / 4).count();
        assert!((350..650).contains(&low) && (350..650).contains(&high), "{low} low, {high} high of 2000");
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 1990, "waits repeat: {}", distinct.len());
        // Two clients draw different sequences.
        assert_ne!(Jitter::new().next_u64(), Jitter::new().next_u64());
        assert_eq!(Jitter::with_seed(1).below_inclusive(0), 0);
        let _ = Jitter::with_seed(1).below_inclusive(u64::MAX);
    }

    #[test]
    fn disabled_makes_one_attempt_and_zero_attempts_is_one() {
        assert_eq!(RetryPolicy::disabled().max_attempts(), 1);
        assert_eq!(RetryPolicy::new().with_max_attempts(0).max_attempts(), 1);
        assert_eq!(RetryPolicy::default(), RetryPolicy::new());
        let options = CallOptions::new().with_retry_after_dispatch(true).with_retry_policy(RetryPolicy::disabled());
        assert!(options.retry_after_dispatch);
        assert_eq!(options.retry_policy, Some(RetryPolicy::disabled()));
    }
}
