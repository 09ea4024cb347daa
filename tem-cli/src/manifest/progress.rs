//! `apply`'s progress on standard error: one live line per application on a terminal
//! (indicatif), plain `name: what happened` lines otherwise (CI logs), or nothing.

use std::collections::BTreeMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tem_api::waiter::RolloutEvent;

/// Writes to standard error; a closed stream is no reason to panic or to stop an apply.
pub fn tell(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Where progress goes.
pub struct Progress {
    mode: Mode,
}

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
        Self { mode }
    }

    /// Nothing shown (library use, tests).
    pub fn quiet() -> Self {
        Self { mode: Mode::Quiet }
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
            Mode::Lines => tell(&format!("{label}: {message}\n")),
            Mode::Quiet => {}
        }
    }

    /// A one-off line about `label` (an environment), kept above the live lines.
    pub fn note(&self, label: &str, message: &str) {
        match &self.mode {
            Mode::Bars(multi, _) => {
                let _ = multi.println(format!("{label}: {message}"));
            }
            Mode::Lines => tell(&format!("{label}: {message}\n")),
            Mode::Quiet => {}
        }
    }

    /// A rollout event of `label`.
    pub fn event(&self, label: &str, event: &RolloutEvent) {
        if let Some(line) = describe(event) {
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

/// A rollout event as a short line, if it deserves one.
fn describe(event: &RolloutEvent) -> Option<String> {
    Some(match event {
        RolloutEvent::Started { old_version, new_version, total_batches, .. } => {
            let from = if old_version.is_empty() { String::new() } else { format!(" from {old_version}") };
            let batches = total_batches.map(|n| format!(" in {n} batch{}", if n == 1 { "" } else { "es" }));
            format!("rollout of {new_version}{from}{} started", batches.unwrap_or_default())
        }
        RolloutEvent::BatchStarted { batch } => format!("{batch}: started"),
        RolloutEvent::Pods { batch, new_ready, planned, .. } => {
            format!("{batch}: {new_ready}/{planned} new pods ready")
        }
        RolloutEvent::BatchFinished { batch } => format!("{batch}: finished"),
        RolloutEvent::WaitingForConfirmation { .. } => "waiting for confirmation (--auto-resume resumes)".to_owned(),
        RolloutEvent::Resumed => "resumed".to_owned(),
        RolloutEvent::PollFailed { error, .. } => format!("polling failed ({error}); trying again"),
        RolloutEvent::UnknownStatus { field, value } => format!("unknown {field} `{value}`; still waiting"),
        _ => return None,
    })
}
