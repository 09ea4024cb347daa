//! What every connection of a running emulator shares: the front door's policy, the clock, the
//! state, the fault rules, the request log and the counters.

use std::io::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::clock::{system_ms, Clock};
use crate::faults::{Fault, FaultRule};
use crate::front_door::Policy;
use crate::model::State;
use crate::request_log::{LoggedRequest, RequestLog};

/// The emulator's shared parts (one per [`crate::Emulator`]).
pub(crate) struct Shared {
    pub policy: Policy,
    pub clock: Clock,
    pub state: Mutex<State>,
    pub faults: Mutex<Vec<FaultRule>>,
    pub log: Mutex<RequestLog>,
    pub idle_timeout: Duration,
    /// One permit per connection served (the connection cap).
    pub connections: Arc<tokio::sync::Semaphore>,
    pub sequence: AtomicU64,
    pub fault_draws: AtomicU64,
    /// Seconds added to the system clock for the front door (a clock-skew fault).
    pub skew_secs: AtomicI64,
    pub port: u16,
    /// Required as `Authorization: Bearer …` on control requests (but health) when set.
    pub control_token: Option<String>,
    /// `--log`: a line per request on stderr.
    pub log_to_stderr: bool,
    pub started: Instant,
    /// Counts changes to the state, for savers.
    pub generation: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
    pub fn faults(&self) -> MutexGuard<'_, Vec<FaultRule>> {
        lock(&self.faults)
    }
    pub fn log(&self) -> MutexGuard<'_, RequestLog> {
        lock(&self.log)
    }

    /// The front door's time: the system clock plus any skew fault, in Unix seconds.
    pub fn front_door_now(&self) -> i64 {
        system_ms().div_euclid(1000).saturating_add(self.skew_secs.load(Ordering::SeqCst))
    }

    pub fn record(&self, mut entry: LoggedRequest, started: Instant) {
        entry.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if self.log_to_stderr {
            let action = crate::request_log::capped(&entry.action, 64);
            let verdict = entry.verdict.as_deref().unwrap_or("OK");
            let fault = entry.fault.as_deref().map(|f| format!(" (fault {f})")).unwrap_or_default();
            // A closed stderr loses the line; it never fails the request (eprintln! would panic).
            let _ = writeln!(
                std::io::stderr().lock(),
                "{} {} {verdict}{fault} {}ms",
                entry.sequence,
                if action.is_empty() { "-" } else { &action },
                entry.millis
            );
        }
        self.log().push(entry);
    }

    /// The first rule matching `action` that fires now (count and probability), consumed:
    /// among the rules that act before the body is read when `before_body`, else the others
    /// (so that a request refused by the front door does not use up a rule it never showed).
    pub fn draw_fault(&self, action: &str, before_body: bool) -> Option<Fault> {
        let mut faults = self.faults();
        let draw = self.fault_draws.fetch_add(1, Ordering::SeqCst);
        let index = faults.iter().position(|rule| {
            (rule.fault == Fault::ResetBeforeBody) == before_body && rule.matches(action) && rule.fires(draw)
        })?;
        let rule = &mut faults[index];
        let fault = rule.fault.clone();
        if let Some(count) = rule.count.as_mut() {
            *count -= 1;
            if *count == 0 {
                faults.remove(index);
            }
        }
        Some(fault)
    }
}
