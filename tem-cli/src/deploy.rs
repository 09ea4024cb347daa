//! `tem deploy`: `RollingUpdateApplicationByVersion`, then (with `--wait`) the rollout
//! followed batch by batch until it succeeds, fails or the deadline passes.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::Value;
use tem_api::waiter::{BatchRef, RolloutEvent, WaitError};

use crate::client::{self, Target};
use crate::spec::ActionSpec;
use crate::{Exit, Failure};

const ACTION: &str = "RollingUpdateApplicationByVersion";

fn spec() -> &'static ActionSpec {
    crate::actions::ACTIONS.iter().find(|a| a.name == ACTION).expect("TEM has RollingUpdateApplicationByVersion")
}

/// `deploy`: the rolling update's own flags (`--version` for `--deploy-version`), and the
/// waiting ones.
pub fn command() -> Command {
    let spec = spec();
    let params = spec.params.iter().map(|p| {
        let arg = crate::param_arg(p);
        if p.wire == "DeployVersion" {
            arg.visible_alias("version")
        } else {
            arg
        }
    });
    Command::new("deploy")
        .about(
            "Rolls an application out to a version (RollingUpdateApplicationByVersion); --wait follows it to the end",
        )
        .long_about(
            "Starts a rolling update (RollingUpdateApplicationByVersion) and, with --wait, follows it batch by \
             batch (DescribeDeployApplicationDetail) until it succeeds (exit 0), fails (exit 4, with the server's \
             message) or --timeout passes (exit 5). Progress bars on a terminal, plain lines otherwise.",
        )
        .arg(
            Arg::new("cli-input-json")
                .long("cli-input-json")
                .value_name("FILE|-")
                .help("Parameters as a JSON object (wire names), from a file or `-`; flags override it"),
        )
        .args(params)
        .arg(Arg::new("wait").long("wait").action(ArgAction::SetTrue).help("Follow the rollout until it ends"))
        .arg(
            Arg::new("auto-resume")
                .long("auto-resume")
                .action(ArgAction::SetTrue)
                .help("With --wait: resume the rollout whenever it waits for confirmation (BETA, MANUAL)"),
        )
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECONDS")
                .default_value("1800")
                .value_parser(clap::value_parser!(u64))
                .help("With --wait: the deadline, in seconds"),
        )
}

pub async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let spec = spec();
    let body = crate::body::request_body(spec, matches, &mut std::io::stdin().lock())?;
    let target = Target::from_matches(matches).await?;
    if matches.get_flag("dry-run") {
        return client::print_dry_run(&target, spec.name, &body, matches.get_flag("show-secrets")).await;
    }
    let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (application_id, environment_id, version) =
        (text("ApplicationId"), text("EnvironmentId"), text("DeployVersion"));
    let response = client::call(&target, spec.name, spec.read_only, &body).await?;
    let revision = response.get("Result").and_then(Value::as_str).unwrap_or_default().to_owned();
    let request_id = response.get("RequestId").and_then(Value::as_str).unwrap_or_default();
    if !matches.get_flag("wait") {
        crate::output::print(&response, matches.get_one::<String>("output").map(String::as_str));
        return Ok(());
    }
    println!("rollout of {application_id} to {version} started: {revision} (request id {request_id})");

    let timeout = Duration::from_secs(*matches.get_one::<u64>("timeout").expect("has a default"));
    let mut waiter = target
        .api()?
        .wait_for_rollout(application_id.clone(), environment_id.clone())
        .deadline(timeout)
        .auto_resume(matches.get_flag("auto-resume"))
        .clock(target.wait_clock());
    if !revision.is_empty() {
        waiter = waiter.version_id(revision);
    }
    let mut progress = Progress::new(std::io::stderr().is_terminal());
    let hint = if matches.get_flag("auto-resume") {
        "resuming (--auto-resume)".to_owned()
    } else {
        format!(
            "resume with `tem resume-deploy-application --application-id {application_id} --environment-id \
             {environment_id}` (or --auto-resume)"
        )
    };
    match waiter.wait(|event| progress.show(event, &hint)).await {
        Ok(summary) => {
            progress.finish();
            let batches =
                if summary.batches == 1 { "1 batch".to_owned() } else { format!("{} batches", summary.batches) };
            println!("rollout succeeded: {} serves ({batches})", summary.new_version);
            Ok(())
        }
        Err(error) => {
            progress.finish();
            Err(match &error {
                WaitError::Failed { .. } | WaitError::Reverted { .. } => {
                    Failure { exit: Exit::RolloutFailed, message: format!("error: {error}") }
                }
                WaitError::DeadlineExceeded { .. } => {
                    Failure { exit: Exit::Deadline, message: format!("error: {error}") }
                }
                WaitError::Describe(e) => prefixed(client::error_failure(e), &error),
                WaitError::Resume(e) => prefixed(client::error_failure(e), &error),
                _ => Failure { exit: Exit::Transport, message: format!("error: {error}") },
            })
        }
    }
}

fn prefixed(mut failure: Failure, error: &WaitError) -> Failure {
    failure.message = format!("error: {error}\n{}", failure.message);
    failure
}

/// Shows events: a bar per batch on a terminal, plain lines (for CI logs) otherwise.
struct Progress {
    bars: Option<(MultiProgress, BTreeMap<BatchRef, ProgressBar>)>,
}

impl Progress {
    fn new(terminal: bool) -> Self {
        Self { bars: terminal.then(|| (MultiProgress::new(), BTreeMap::new())) }
    }

    fn show(&mut self, event: &RolloutEvent, resume_hint: &str) {
        let line = describe(event, resume_hint);
        let Some((multi, bars)) = &mut self.bars else {
            if let Some(line) = line {
                println!("{line}");
            }
            return;
        };
        let bar = |bars: &mut BTreeMap<BatchRef, ProgressBar>, batch: BatchRef, len: u64| {
            bars.entry(batch)
                .or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new(len));
                    bar.set_style(
                        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} new pods ready {msg}")
                            .expect("a valid template")
                            .progress_chars("=> "),
                    );
                    bar.set_prefix(batch.to_string());
                    bar
                })
                .clone()
        };
        match event {
            RolloutEvent::BatchStarted { batch } => bar(bars, *batch, 0).set_message("deploying"),
            RolloutEvent::Pods { batch, new_ready, new_total, planned, .. } => {
                let bar = bar(bars, *batch, 0);
                bar.set_length((*planned).max(*new_total as i64).max(0) as u64);
                bar.set_position(*new_ready as u64);
            }
            RolloutEvent::BatchFinished { batch } => bar(bars, *batch, 0).finish_with_message("done"),
            _ => {
                if let Some(line) = line {
                    let _ = multi.println(line);
                }
            }
        }
    }

    fn finish(&mut self) {
        // Finished bars stay on the screen; the others stop where they are.
        if let Some((_, bars)) = &self.bars {
            for bar in bars.values().filter(|b| !b.is_finished()) {
                bar.abandon();
            }
        }
    }
}

/// An event as one line of text, if it deserves one.
fn describe(event: &RolloutEvent, resume_hint: &str) -> Option<String> {
    Some(match event {
        RolloutEvent::Started { old_version, new_version, total_batches, .. } => {
            let batches = match total_batches {
                Some(1) => " in 1 batch".to_owned(),
                Some(n) => format!(" in {n} batches"),
                None => String::new(),
            };
            let from = if old_version.is_empty() { String::new() } else { format!(" from {old_version}") };
            format!("rolling out {new_version}{from}{batches}")
        }
        RolloutEvent::BatchStarted { batch } => format!("{batch}: started"),
        RolloutEvent::Pods { batch, old_ready, old_total, new_ready, new_total, planned } => {
            format!("{batch}: new pods {new_ready}/{new_total} ready (of {planned}), old pods {old_ready}/{old_total} ready")
        }
        RolloutEvent::BatchFinished { batch } => format!("{batch}: finished"),
        RolloutEvent::WaitingForConfirmation { after, next_batch, next_batch_start_time } => {
            let place = match (after, next_batch) {
                (Some(after), _) => format!(" after {after}"),
                (None, Some(next)) => format!(" before {next}"),
                (None, None) => String::new(),
            };
            match next_batch_start_time {
                Some(time) => format!("paused{place}: the next batch starts at Unix time {time}"),
                None => format!("waiting for confirmation{place}: {resume_hint}"),
            }
        }
        RolloutEvent::Resumed => "resumed".to_owned(),
        RolloutEvent::UnknownStatus { field, value } => format!("unknown {field} `{value}`; still waiting"),
        RolloutEvent::PollFailed { error, retry_in } => {
            format!("polling failed ({error}); trying again in {:.1} s", retry_in.as_secs_f64())
        }
        RolloutEvent::Succeeded(_) => return None,
        _ => format!("{event:?}"),
    })
}
