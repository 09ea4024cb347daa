//! `--emulator`: an in-process TEM emulator on 127.0.0.1, seeded so that `deploy` works at
//! once. Only ever used when asked for: never a fallback for missing credentials.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tem_core::time::{AsyncSleep, Sleep, TimeSource};
use tem_core::{Config, Credentials};
use tem_emulator::{Clock, Emulator, EmulatorOptions, DEFAULT_REGION};

use crate::Failure;

/// How much faster than real time the emulator runs: a batch's pods start in 10 s of
/// emulated time, one second of real time.
pub const DEFAULT_SPEED: f64 = 10.0;
/// The seeded application's version and pod count.
pub const SEEDED_VERSION: &str = "v1";
pub const SEEDED_PODS: u64 = 4;
/// A version whose pods crash-loop, to see a failed rollout.
pub const CRASH_LOOP_VERSION: &str = "v-crashloop";
/// The crash-looping version's `ErrorMessage`.
pub const CRASH_LOOP_MESSAGE: &str = "Back-off restarting failed container";

/// A running emulator and what was seeded in it.
pub struct Running {
    emulator: Emulator,
}

impl Running {
    /// A configuration calling the emulator with its credentials.
    pub fn config(&self) -> Config {
        Config::new(Credentials::new(self.emulator.secret_id(), self.emulator.secret_key()))
            .with_region(DEFAULT_REGION)
            .and_then(|c| c.with_endpoint(&self.emulator.endpoint()))
            .expect("the emulator's region and endpoint are valid")
    }

    /// The emulator's Unix time, in seconds (ahead of the system's when it runs faster).
    pub fn unix_now(&self) -> i64 {
        self.emulator.clock().now_ms().div_euclid(1000)
    }

    /// The emulator's clock, which runs faster than real time, for waiting on its rollouts.
    pub fn time(&self) -> EmulatorTime {
        EmulatorTime::new(self.emulator.clock().clone())
    }
}

/// Starts the emulator at `speed` times real time and seeds an environment and an application
/// (their ids are the same on every start); says so on standard error.
pub async fn start(speed: f64) -> Result<Running, Failure> {
    let emulator = Emulator::start(EmulatorOptions::new().with_speed(speed)).await.map_err(|e| Failure {
        exit: crate::Exit::Transport,
        message: format!("error: cannot start the emulator: {e}"),
    })?;
    let seeded = emulator.seed_environment("demo").and_then(|environment| {
        emulator.seed_application(&environment, "demo-app", SEEDED_VERSION, SEEDED_PODS).map(|app| (environment, app))
    });
    let (environment, application) = seeded.map_err(|e| Failure {
        exit: crate::Exit::Transport,
        message: format!("error: cannot seed the emulator: {e:?}"),
    })?;
    emulator.crash_loop(CRASH_LOOP_VERSION, CRASH_LOOP_MESSAGE);
    crate::diagnostics::note(&format!(
        "emulator: {} ({speed}x real time); environment {environment}, application {application} \
         ({SEEDED_PODS} pods of {SEEDED_VERSION}); version {CRASH_LOOP_VERSION} crash-loops",
        emulator.endpoint()
    ));
    Ok(Running { emulator })
}

/// An emulator's clock as a time source and sleep ([`tem_core::time`]), for waiting on its
/// rollouts: its time, and sleeps that last their emulated duration (shortened by its speed;
/// on a manual clock a sleep advances the clock). Requests are still signed with the system's
/// clock, which the emulator checks signatures against: this is the waiter's time alone.
#[derive(Clone, Debug)]
pub struct EmulatorTime(Clock);

impl EmulatorTime {
    /// Waits on `clock`.
    pub fn new(clock: Clock) -> Self {
        Self(clock)
    }
}

impl TimeSource for EmulatorTime {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(u64::try_from(self.0.now_ms()).unwrap_or(0))
    }
}

impl AsyncSleep for EmulatorTime {
    fn sleep(&self, duration: Duration) -> Sleep {
        match self.0.real_duration(duration) {
            Some(real) => Box::pin(tokio::time::sleep(real)),
            None => {
                self.0.advance(duration);
                // Lets other tasks (other rollouts of an apply) run, as a real sleep would.
                Box::pin(tokio::task::yield_now())
            }
        }
    }
}
