//! Client-side rate limiting: a token bucket per action, at the action's documented rate
//! ([`crate::Action::RATE_LIMIT_PER_SECOND`]), so that a burst of calls is spread out rather
//! than refused by the service with `RequestLimitExceeded`.
//!
//! Each bucket holds one token and gains `rate` tokens a second: calls of one action leave at
//! most one every `1/rate` seconds, in the order they asked. A call takes its token when it
//! asks (the count may go below zero) and waits until the token would have been there, so
//! waiters need no wake-up and are served first come, first served. A call dropped while
//! waiting gives up its place without returning its token, which can only slow later calls.
//! Buckets are made on first use; time is `tokio::time`'s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Tokens a bucket holds at most: one, so calls are evenly spaced (a burst is smoothed).
const CAPACITY: f64 = 1.0;

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<&'static str, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    per_second: f64,
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Waits for the turn of one request of `action`, of which at most `per_second` leave a
    /// second. Returns at once for a rate of 0 (no limit).
    pub(crate) async fn acquire(&self, action: &'static str, per_second: u32) {
        if let Some(wait) = self.reserve(action, per_second, Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes a token at `now`; how long to wait for it, if at all.
    fn reserve(&self, action: &'static str, per_second: u32, now: Instant) -> Option<Duration> {
        if per_second == 0 {
            return None;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(action).or_insert_with(|| Bucket {
            per_second: f64::from(per_second),
            tokens: CAPACITY,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * bucket.per_second).min(CAPACITY) - 1.0;
        bucket.updated = now;
        (bucket.tokens < 0.0).then(|| Duration::from_secs_f64(-bucket.tokens / bucket.per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_leaves_evenly_spaced_at_the_rate() {
        let limiter = std::sync::Arc::new(RateLimiter::default());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..41 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                limiter.acquire("RollingUpdateApplicationByVersion", 20).await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap().duration_since(start));
        }
        times.sort();
        // 41 calls at 20/s: the first at once, the last two seconds later, 50 ms apart.
        assert_eq!(times[0], Duration::ZERO);
        for pair in times.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap >= Duration::from_millis(49) && gap <= Duration::from_millis(51), "{gap:?}");
        }
        assert!(times[40] >= Duration::from_millis(1999) && times[40] <= Duration::from_millis(2001));
        // In any window of one second, at most 20 leave (plus the one at its very start).
        for (i, t) in times.iter().enumerate() {
            let within = times[i..].iter().filter(|u| **u < *t + Duration::from_secs(1)).count();
            assert!(within <= 20, "{within} within a second of {t:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn buckets_are_per_action_refill_after_a_pause_and_zero_means_no_limit() {
        let limiter = RateLimiter::default();
        let now = Instant::now();
        assert_eq!(limiter.reserve("A", 10, now), None);
        assert_eq!(limiter.reserve("A", 10, now), Some(Duration::from_millis(100)));
        assert_eq!(limiter.reserve("B", 10, now), None, "another action has its own bucket");
        // After a long pause the bucket holds one token again, not more.
        let later = now + Duration::from_secs(10);
        assert_eq!(limiter.reserve("A", 10, later), None);
        assert_eq!(limiter.reserve("A", 10, later), Some(Duration::from_millis(100)));
        for _ in 0..100 {
            assert_eq!(limiter.reserve("C", 0, now), None);
        }
        let started = Instant::now();
        limiter.acquire("D", 1).await;
        limiter.acquire("D", 1).await;
        assert_eq!(started.elapsed(), Duration::from_secs(1));
    }
}
