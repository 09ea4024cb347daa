//! The one time source of a client: a clock ([`TimeSource`]) and a sleep ([`AsyncSleep`]),
//! set on a `Config` (`with_time_source`, `with_sleep`) as aws-smithy-async's are. Requests
//! are signed with the clock's time and the server's clock is learnt against it; retry
//! backoff, the rate limiter and the rollout waiter wait with the sleep.
//!
//! By default the clock is the system's ([`SystemClock`]) and the sleep tokio's
//! ([`TokioSleep`]). With the feature `test-util`, `ManualClock` is both, and moves only when
//! told to or slept on, so that tests of retries, rate limits and waiting run without real
//! waits. The per-attempt timeout is the HTTP layer's and stays on tokio's timer: a manual
//! clock does not make a request time out.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait TimeSource: fmt::Debug + Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// What [`AsyncSleep::sleep`] returns.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A way to wait.
pub trait AsyncSleep: fmt::Debug + Send + Sync {
    /// Completes once `duration` has passed on the time source this sleep goes with.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl TimeSource for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Tokio's sleep (which tokio's paused time also drives).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleep;

impl AsyncSleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A shared, type-erased [`TimeSource`], as a `Config` holds it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SharedTimeSource(Arc<dyn TimeSource>);

impl SharedTimeSource {
    /// Shares `source`.
    pub fn new(source: impl TimeSource + 'static) -> Self {
        Self(Arc::new(source))
    }

    /// Whole seconds since the Unix epoch (negative before it).
    pub fn unix_seconds(&self) -> i64 {
        match self.now().duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_secs() as i64,
            Err(before) => -(before.duration().as_secs_f64().ceil() as i64),
        }
    }

    /// The time passed since `earlier` (zero if the clock went back).
    pub fn since(&self, earlier: SystemTime) -> Duration {
        self.now().duration_since(earlier).unwrap_or_default()
    }
}

impl Default for SharedTimeSource {
    fn default() -> Self {
        Self::new(SystemClock)
    }
}

impl TimeSource for SharedTimeSource {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

/// A shared, type-erased [`AsyncSleep`], as a `Config` holds it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SharedAsyncSleep(Arc<dyn AsyncSleep>);

impl SharedAsyncSleep {
    /// Shares `sleep`.
    pub fn new(sleep: impl AsyncSleep + 'static) -> Self {
        Self(Arc::new(sleep))
    }
}

impl Default for SharedAsyncSleep {
    fn default() -> Self {
        Self::new(TokioSleep)
    }
}

impl AsyncSleep for SharedAsyncSleep {
    fn sleep(&self, duration: Duration) -> Sleep {
        self.0.sleep(duration)
    }
}

#[cfg(any(test, feature = "test-util"))]
pub use manual::ManualClock;

#[cfg(any(test, feature = "test-util"))]
mod manual {
    use super::*;
    use std::sync::Mutex;

    /// A clock that moves only when told to ([`ManualClock::advance`]) or slept on: a sleep
    /// moves it to the sleep's end (if it is not there yet) when first polled, and completes at
    /// once. Both a [`TimeSource`] and an [`AsyncSleep`]; clones share the time (feature
    /// `test-util`).
    #[derive(Clone, Debug)]
    pub struct ManualClock {
        now: Arc<Mutex<SystemTime>>,
    }

    impl ManualClock {
        /// A clock showing `start`.
        pub fn new(start: SystemTime) -> Self {
            Self { now: Arc::new(Mutex::new(start)) }
        }

        /// A clock showing `seconds` since the Unix epoch.
        pub fn at_unix_seconds(seconds: u64) -> Self {
            Self::new(UNIX_EPOCH + Duration::from_secs(seconds))
        }

        /// Moves the clock `duration` ahead.
        pub fn advance(&self, duration: Duration) {
            let mut now = self.lock();
            *now += duration;
        }

        fn advance_to(&self, time: SystemTime) {
            let mut now = self.lock();
            *now = (*now).max(time);
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, SystemTime> {
            self.now.lock().unwrap_or_else(|e| e.into_inner())
        }
    }

    impl TimeSource for ManualClock {
        fn now(&self) -> SystemTime {
            *self.lock()
        }
    }

    impl AsyncSleep for ManualClock {
        fn sleep(&self, duration: Duration) -> Sleep {
            let clock = self.clone();
            Box::pin(async move {
                let end = clock.now() + duration;
                clock.advance_to(end);
                // Lets other tasks run, as a sleep would.
                tokio::task::yield_now().await;
            })
        }
    }
}
