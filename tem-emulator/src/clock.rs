//! The emulator's clock, which times rollouts: real time scaled by a speed factor, or a manual
//! clock that only moves when told. (The front door's signature-expiry check uses the system
//! clock instead, so that advancing an emulated hour does not expire every request.)

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A shared clock; clones see the same time.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// `None`: manual.
    speed: Option<f64>,
    started: Instant,
    /// Unix milliseconds when the clock started.
    base_ms: i64,
    /// Milliseconds added by [`Clock::advance`].
    advanced_ms: AtomicI64,
}

/// Unix milliseconds of the system clock.
pub fn system_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Clock {
    /// A manual clock standing at the current system time; only [`Clock::advance`] moves it.
    pub fn manual() -> Self {
        Self::manual_at(system_ms())
    }

    /// A manual clock standing at `unix_ms`.
    pub fn manual_at(unix_ms: i64) -> Self {
        Self(Arc::new(Inner { speed: None, started: Instant::now(), base_ms: unix_ms, advanced_ms: AtomicI64::new(0) }))
    }

    /// Real time from now on, `speed` times as fast (1.0: real time). A speed that is not a
    /// positive finite number counts as 1.0.
    pub fn scaled(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        Self(Arc::new(Inner {
            speed: Some(speed),
            started: Instant::now(),
            base_ms: system_ms(),
            advanced_ms: AtomicI64::new(0),
        }))
    }

    /// Whether only [`Clock::advance`] moves it.
    pub fn is_manual(&self) -> bool {
        self.0.speed.is_none()
    }

    /// The speed factor of a scaled clock.
    pub fn speed(&self) -> Option<f64> {
        self.0.speed
    }

    /// Unix milliseconds on this clock.
    pub fn now_ms(&self) -> i64 {
        let elapsed = match self.0.speed {
            None => 0,
            Some(speed) => (self.0.started.elapsed().as_secs_f64() * speed * 1000.0).min(1e15) as i64,
        };
        self.0.base_ms.saturating_add(elapsed).saturating_add(self.0.advanced_ms.load(Ordering::SeqCst))
    }

    /// Moves the clock forward by `by` (either kind of clock).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4).min(i64::MAX / 4);
        let _ = self.0.advanced_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |at| Some(at.saturating_add(ms)));
    }

    /// How long `emulated` lasts in real time on this clock (`None` for a manual clock).
    pub fn real_duration(&self, emulated: Duration) -> Option<Duration> {
        self.0.speed.map(|speed| emulated.div_f64(speed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual_at(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.clone().advance(Duration::from_secs(2));
        assert_eq!(clock.now_ms(), 3_000);
        assert!(clock.is_manual());
    }

    #[test]
    fn a_bad_speed_counts_as_real_time() {
        assert_eq!(Clock::scaled(f64::NAN).speed(), Some(1.0));
        assert_eq!(Clock::scaled(-3.0).speed(), Some(1.0));
        assert_eq!(Clock::scaled(50.0).speed(), Some(50.0));
    }
}
