//! `apply`'s progress on standard error: one live line per application on a terminal
//! (indicatif), plain `name: what happened` lines otherwise (CI logs), or nothing. Rollout
//! events are described as `deploy --wait` describes them ([`crate::events::describe`]).

use std::collections::BTreeMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tem_api::waiter::RolloutEvent;

use crate::diagnostics::note;
use crate::events::{describe, resume_hint};
use crate::wait::Commands;

/// Where progress goes.
pub struct Progress {
    mode: Mode,
    /// Each application's `TotalBatchCount`, once its rollout started: "batch i/N".
    total_batches: Mutex<BTreeMap<String, Option<i64>>>,
    /// The server's Unix time, for how long a timed pause lasts.
    unix_now: Box<dyn Fn() -> i64 + Send + Sync>,
    resume_hint: ResumeHint,
}

/// What resumes a paused rollout, from its application's and environment's ids.
type ResumeHint = Box<dyn Fn(&str, &str) -> String + Send + Sync>;

enum Mode {
    Bars(MultiProgress, Mutex<BTreeMap<String, ProgressBar>>),
    Lines,
    Quiet,
}

impl Progress {
    /// Bars when standard error is a terminal, lines otherwise.
    pub fn for_stderr(terminal: bool) -> Self {
        let mode = if terminal {
            Mode::Bars(MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr()), Mutex::default())
        } else {
            Mode::Lines
        };
        Self::new(mode)
    }

    /// Nothing shown (library use, tests).
    pub fn quiet() -> Self {
        Self::new(Mode::Quiet)
    }

    fn new(mode: Mode) -> Self {
        Self {
            mode,
            total_batches: Mutex::default(),
            unix_now: Box::new(crate::clock::unix_now),
            resume_hint: Box::new(|app, env| {
                resume_hint(false, false, &Commands::with_globals("", app, env, None).resume)
            }),
        }
    }

    /// Says what resumes a paused rollout with `hint`, from its application's and
    /// environment's ids.
    pub fn with_resume_hint(mut self, hint: impl Fn(&str, &str) -> String + Send + Sync + 'static) -> Self {
        self.resume_hint = Box::new(hint);
        self
    }

    /// Timed pauses counted down on `unix_now`, the server's clock (the emulator's may run
    /// faster than the system's).
    pub fn with_server_clock(mut self, unix_now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.unix_now = Box::new(unix_now);
        self
    }

    /// Something happened to `label`.
    pub fn line(&self, label: &str, message: &str) {
        match &self.mode {
            Mode::Bars(multi, bars) => {
                let mut bars = bars.lock().expect("no panics while held");
                let bar = bars.entry(label.to_owned()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(ProgressStyle::with_template("{spinner} {prefix}: {msg}").expect("a valid template"));
                    bar.set_prefix(label.to_owned());
                    bar.enable_steady_tick(std::time::Duration::from_millis(120));
                    bar
                });
                bar.set_message(message.to_owned());
            }
            Mode::Lines => note(&format!("{label}: {message}")),
            Mode::Quiet => {}
        }
    }

    /// A one-off line about `label` (an environment), kept above the live lines.
    pub fn note(&self, label: &str, message: &str) {
        match &self.mode {
            Mode::Bars(multi, _) => {
                let _ = multi.println(format!("{label}: {message}"));
            }
            Mode::Lines => note(&format!("{label}: {message}")),
            Mode::Quiet => {}
        }
    }

    /// A rollout event of `label`, the application `app_id` in the environment `env_id`.
    pub fn event(&self, label: &str, event: &RolloutEvent, app_id: &str, env_id: &str) {
        let total = {
            let mut totals = self.total_batches.lock().expect("no panics while held");
            if let RolloutEvent::Started { total_batches, .. } = event {
                totals.insert(label.to_owned(), *total_batches);
            }
            totals.get(label).copied().flatten()
        };
        let hint = match event {
            RolloutEvent::WaitingForConfirmation { .. } => (self.resume_hint)(app_id, env_id),
            _ => String::new(),
        };
        if let Some(line) = describe(event, &hint, total, (self.unix_now)()) {
            self.line(label, &line);
        }
    }

    /// `label` is done.
    pub fn finish(&self, label: &str, message: &str) {
        self.end(label, &format!("done: {message}"));
    }

    /// `label` stopped.
    pub fn fail(&self, label: &str, message: &str) {
        self.end(label, &format!("failed: {message}"));
    }

    fn end(&self, label: &str, message: &str) {
        match &self.mode {
            Mode::Bars(_, bars) => {
                self.line(label, message);
                if let Some(bar) = bars.lock().expect("no panics while held").get(label) {
                    bar.finish();
                }
            }
            _ => self.line(label, message),
        }
    }
}
