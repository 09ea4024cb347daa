//! A rollout's events as lines for people: the one description that `deploy --wait` and
//! `tem wait rollout` (`wait`) and `tem apply` (`manifest::progress`) show.
//!
//! Batches are "beta batch", then "batch i/N" (i its `BatchIndex`, N `TotalBatchCount`); a
//! BETA rollout is announced as "a beta batch, then N batches".

use tem_api::waiter::{BatchRef, RolloutEvent};

/// What resumes a rollout that waits for confirmation, for its progress: the waiter itself
/// (`--auto-resume`), else the command `resume` (`wait::Commands`), which cannot reach the
/// in-process emulator of `--emulator`.
pub fn resume_hint(auto_resume: bool, in_process_emulator: bool, resume: &str) -> String {
    if auto_resume {
        "resuming (--auto-resume)".to_owned()
    } else if in_process_emulator {
        "rerun with --auto-resume: a later `tem` cannot reach this process's emulator".to_owned()
    } else {
        format!("resume with `{resume}` (or follow with --auto-resume)")
    }
}

/// "beta batch", or "batch i/N" (i the batch's number, N `TotalBatchCount`) once N is known.
pub fn batch_name(batch: BatchRef, total: Option<i64>) -> String {
    match total {
        Some(total) if !batch.beta => format!("{batch}/{total}"),
        _ => batch.to_string(),
    }
}

/// An event as one line of text, if it deserves one. `resume_hint` says what resumes a pause
/// that waits for confirmation; `total` is the rollout's `TotalBatchCount` once known (from
/// [`RolloutEvent::Started`]); `unix_now` is the server's Unix time.
pub fn describe(event: &RolloutEvent, resume_hint: &str, total: Option<i64>, unix_now: i64) -> Option<String> {
    let name = |batch: &BatchRef| batch_name(*batch, total);
    Some(match event {
        RolloutEvent::Started { old_version, new_version, total_batches, strategy } => {
            let batches = match (strategy, total_batches) {
                (Some(2), Some(n)) => format!(": a beta batch, then {}", plural(*n as usize, "batch", "batches")),
                (_, Some(n)) => format!(" in {}", plural(*n as usize, "batch", "batches")),
                (_, None) => String::new(),
            };
            let from = if old_version.is_empty() { String::new() } else { format!(" from {old_version}") };
            format!("rolling out {new_version}{from}{batches}")
        }
        RolloutEvent::BatchStarted { batch } => format!("{}: started", name(batch)),
        RolloutEvent::Pods { batch, old_ready, old_total, new_ready, new_total, planned } => {
            format!(
                "{}: new pods {new_ready}/{new_total} ready (of {planned}), old pods {old_ready}/{old_total} ready",
                name(batch)
            )
        }
        RolloutEvent::BatchFinished { batch } => format!("{}: finished", name(batch)),
        RolloutEvent::WaitingForConfirmation { after, next_batch, next_batch_start_time } => {
            let place = match (after, next_batch) {
                (Some(after), _) => format!(" after {}", name(after)),
                (None, Some(next)) => format!(" before {}", name(next)),
                (None, None) => String::new(),
            };
            match next_batch_start_time {
                Some(time) => format!("paused{place}: {}", next_batch_at(*time, unix_now)),
                None => format!("waiting for confirmation{place}: {resume_hint}"),
            }
        }
        RolloutEvent::Resumed => "resumed".to_owned(),
        RolloutEvent::SucceededByPods { status, pods } => format!(
            "warning: the rollout's Status `{status}` is unknown to tem; taken as success: every batch \
             finished without an error message, and all {pods} pods run the new version, ready, none of the old left"
        ),
        RolloutEvent::UnknownStatus { field, value } => format!("unknown {field} `{value}`; still waiting"),
        RolloutEvent::PollFailed { error, retry_in } => {
            format!("polling failed ({error}); trying again in {:.1} s", retry_in.as_secs_f64())
        }
        RolloutEvent::Succeeded(_) => return None,
        _ => format!("{event:?}"),
    })
}

/// "the next batch starts in 4 min 10 s (at 14:05:30 local time)", from its Unix time.
pub fn next_batch_at(start: i64, now: i64) -> String {
    let wait = start.saturating_sub(now);
    let local = crate::clock::local_time_of_day(start);
    if wait <= 0 {
        return format!("the next batch is due now ({local} local time)");
    }
    let (h, m, s) = (wait / 3600, wait % 3600 / 60, wait % 60);
    let span = match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min"),
    };
    format!("the next batch starts in {span} (at {local} local time)")
}

/// "1 batch", "3 batches".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_beta_rollout_is_announced_as_a_beta_batch_then_n_batches_numbered_1_to_n() {
        let started = RolloutEvent::Started {
            old_version: "v1".into(),
            new_version: "v2".into(),
            total_batches: Some(3),
            strategy: Some(2),
        };
        assert_eq!(describe(&started, "", None, 0).unwrap(), "rolling out v2 from v1: a beta batch, then 3 batches");
        let beta = RolloutEvent::BatchStarted { batch: BatchRef { beta: true, index: 0 } };
        assert_eq!(describe(&beta, "", Some(3), 0).unwrap(), "beta batch: started");
        let last = RolloutEvent::BatchFinished { batch: BatchRef { beta: false, index: 3 } };
        assert_eq!(describe(&last, "", Some(3), 0).unwrap(), "batch 3/3: finished");
    }

    #[test]
    fn a_pause_says_how_long_until_the_next_batch() {
        let text = next_batch_at(1_000_250, 1_000_000);
        assert!(text.starts_with("the next batch starts in 4 min 10 s (at "), "{text}");
        assert!(text.ends_with(" local time)") && !text.contains("1000250"), "{text}");
        assert!(next_batch_at(5, 10).starts_with("the next batch is due now"));
    }
}
