//! Client-side rate limiting: a token bucket per action, at the action's documented rate
//! (`Action::RATE_LIMIT_PER_SECOND`), so that a burst of calls is spread out rather
//! than refused by the service with `RequestLimitExceeded`.
//!
//! Each bucket holds one token and gains `rate` tokens a second: calls of one action leave at
//! most one every `1/rate` seconds, in the order they asked. Waiters queue on the bucket's
//! fair (first come, first served) lock; the one at the head waits for the next free slot and
//! takes it only when the slot comes. So a call dropped or timed out while waiting, at the head
//! or behind it, has taken nothing: later calls are not slowed by calls that were cancelled.
//! A slot that would come after the caller's deadline is not waited for at all.
//! Buckets are made on first use; time is the client's time source and sleep ([`crate::time`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::time::{AsyncSleep, TimeSource};

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<&'static str, Arc<tokio::sync::Mutex<Bucket>>>>,
}

#[derive(Debug)]
struct Bucket {
    /// Time between two requests: `1/rate`.
    interval: Duration,
    /// When the next request may leave; `None` before the first.
    next_slot: Option<SystemTime>,
}

/// No slot of the rate limit comes before the caller's deadline; nothing was taken.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DeadlineExceeded;

impl RateLimiter {
    /// Waits for the turn of one request of `action`, of which at most `per_second` leave a
    /// second, if it comes by `deadline`, on the time of `clock`, waiting with `sleep`.
    /// Returns at once for a rate of 0 (no limit).
    pub(crate) async fn acquire(
        &self,
        action: &'static str,
        per_second: u32,
        deadline: SystemTime,
        clock: &dyn TimeSource,
        sleep: &dyn AsyncSleep,
    ) -> Result<(), DeadlineExceeded> {
        if per_second == 0 {
            return Ok(());
        }
        let bucket = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let bucket = buckets.entry(action).or_insert_with(|| {
                let interval = Duration::from_secs(1) / per_second;
                Arc::new(tokio::sync::Mutex::new(Bucket { interval, next_slot: None }))
            });
            Arc::clone(bucket)
        };
        // Dropping this future while queued or while waiting for the slot leaves the bucket as
        // it was: the slot is taken (`next_slot` moved on) only once it has come.
        let until = |time: SystemTime| time.duration_since(clock.now()).unwrap_or_default();
        let mut bucket = tokio::select! {
            biased;
            bucket = bucket.lock() => bucket,
            () = sleep.sleep(until(deadline)) => return Err(DeadlineExceeded),
        };
        let now = clock.now();
        let slot = bucket.next_slot.map_or(now, |next| next.max(now));
        if slot > deadline {
            return Err(DeadlineExceeded);
        }
        sleep.sleep(until(slot)).await;
        bucket.next_slot = Some(slot + bucket.interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TokioSleep;
    use tokio::time::Instant;

    /// Tokio's time as a time source, so that these tests run on its paused time.
    #[derive(Debug)]
    struct Paused(Instant);

    impl TimeSource for Paused {
        fn now(&self) -> SystemTime {
            SystemTime::UNIX_EPOCH + self.0.elapsed()
        }
    }

    /// `instant` on the [`Paused`] clock started at `origin`.
    fn at(origin: Instant, instant: Instant) -> SystemTime {
        SystemTime::UNIX_EPOCH + instant.duration_since(origin)
    }

    impl RateLimiter {
        async fn wait(&self, action: &'static str, per_second: u32, deadline: Instant) -> Result<(), DeadlineExceeded> {
            let origin = ORIGIN.with(|o| *o);
            self.acquire(action, per_second, at(origin, deadline), &Paused(origin), &TokioSleep).await
        }
    }

    thread_local! {
        /// The origin of the paused clock of this test's runtime (a current-thread one).
        static ORIGIN: Instant = Instant::now();
    }

    const FAR: Duration = Duration::from_secs(3600);

    #[tokio::test(start_paused = true)]
    async fn a_burst_leaves_evenly_spaced_at_the_rate() {
        let limiter = Arc::new(RateLimiter::default());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..41 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                limiter.wait("RollingUpdateApplicationByVersion", 20, start + FAR).await.unwrap();
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
        let start = Instant::now();
        let far = start + FAR;
        limiter.wait("A", 10, far).await.unwrap();
        limiter.wait("B", 10, far).await.unwrap();
        assert_eq!(start.elapsed(), Duration::ZERO, "another action has its own bucket");
        limiter.wait("A", 10, far).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        // After a long pause the bucket holds one slot again, not more.
        tokio::time::sleep(Duration::from_secs(10)).await;
        let later = Instant::now();
        limiter.wait("A", 10, far).await.unwrap();
        assert_eq!(later.elapsed(), Duration::ZERO);
        limiter.wait("A", 10, far).await.unwrap();
        assert_eq!(later.elapsed(), Duration::from_millis(100));
        let later = Instant::now();
        for _ in 0..100 {
            limiter.wait("C", 0, later).await.unwrap();
        }
        assert_eq!(later.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_dropped_or_timed_out_give_their_slots_back() {
        let limiter = Arc::new(RateLimiter::default());
        let start = Instant::now();
        limiter.wait("A", 20, start + FAR).await.unwrap();
        // 400 waiters queued behind it, all dropped after 10 ms: none has taken a slot.
        let mut waiters = Vec::new();
        for _ in 0..400 {
            let limiter = limiter.clone();
            waiters.push(tokio::spawn(async move { limiter.wait("A", 20, start + FAR).await }));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        for waiter in &waiters {
            waiter.abort();
        }
        for waiter in waiters {
            assert!(waiter.await.unwrap_err().is_cancelled());
        }
        // 400 more whose deadline (10 ms) ends their wait: they time out, and take nothing.
        let mut waiters = Vec::new();
        for _ in 0..400 {
            let limiter = limiter.clone();
            let deadline = Instant::now() + Duration::from_millis(10);
            waiters.push(tokio::spawn(async move { limiter.wait("A", 20, deadline).await }));
        }
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Err(DeadlineExceeded));
        }
        // The next call waits for the one slot taken (50 ms after the start), no more.
        let asked = Instant::now();
        limiter.wait("A", 20, asked + Duration::from_secs(1)).await.unwrap();
        assert_eq!(Instant::now() - start, Duration::from_millis(50));
        assert!(asked.elapsed() <= Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_beyond_the_deadline_is_not_waited_for() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        limiter.wait("A", 1, start + FAR).await.unwrap();
        // The next slot comes in 1 s: a deadline of 500 ms fails at once, and takes nothing.
        assert_eq!(limiter.wait("A", 1, start + Duration::from_millis(500)).await, Err(DeadlineExceeded));
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.wait("A", 1, start + FAR).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
