//! Following a rollout to its end: `tem wait rollout` (re-attach to a running one), and the
//! `--wait` of `deploy` and `deploy-application`. Progress goes to standard error; at the end
//! one summary (revision, outcome, batches, duration, request ids) goes to standard output in
//! the `--output` format, whatever the outcome.
//!
//! On `--timeout` or Ctrl-C the rollout goes on server-side, and standard error says so with
//! the exact commands to follow it again or roll it back; with `--emulator` it says instead
//! that the in-process emulator (and its rollout) ends with the process.
//!
//! A closed standard output is noticed only when the summary is written, at the end: the
//! rollout is followed to its end either way, and lines that cannot be written to a closed
//! standard error are dropped.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::{Arg, ArgAction, ArgMatches, Command};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::{json, Map, Value};
use tem_api::waiter::{BatchRef, RolloutEvent, WaitError};

use crate::client::{self, Target};
use crate::diagnostics::note;
use crate::events::{batch_name, describe, plural, resume_hint};
use crate::output::Output;
use crate::shell::shell_word;
use crate::{Exit, Failure};

/// `--timeout` when not given.
pub const DEFAULT_TIMEOUT_SECS: u64 = 1800;

/// `--wait`, `--auto-resume` and `--timeout`, which need `--wait`.
pub fn args() -> [Arg; 3] {
    [
        Arg::new("wait").long("wait").action(ArgAction::SetTrue).help("Follow the rollout until it ends"),
        Arg::new("auto-resume")
            .long("auto-resume")
            .action(ArgAction::SetTrue)
            .requires("wait")
            .help("With --wait: resume the rollout whenever it waits for confirmation (BETA, MANUAL)"),
        timeout_arg().requires("wait"),
    ]
}

fn timeout_arg() -> Arg {
    Arg::new("timeout")
        .long("timeout")
        .value_name("SECONDS")
        .value_parser(clap::value_parser!(u64))
        .help(format!("How long to follow the rollout, in seconds (default {DEFAULT_TIMEOUT_SECS}); it goes on after"))
}

/// `tem wait rollout`.
pub fn command() -> Command {
    Command::new("wait")
        .about("Waits for something to end: `tem wait rollout` follows a running rollout")
        .subcommand_required(true)
        .subcommand(
            Command::new("rollout")
                .about("Follows the running (or latest) rollout of an application to its end")
                .long_about(
                    "Follows the running (or latest) rollout of an application in an environment \
                     (DescribeDeployApplicationDetail) until it succeeds (exit 0), fails or is reverted (exit 4) \
                     or --timeout passes (exit 5); e.g. after `deploy --wait --timeout` gave up, or a deploy \
                     started elsewhere. Prints the same summary as `deploy --wait`.",
                )
                .arg(Arg::new("application-id").long("application-id").required(true).value_name("TEXT"))
                .arg(Arg::new("environment-id").long("environment-id").required(true).value_name("TEXT"))
                .arg(
                    Arg::new("version-id")
                        .long("version-id")
                        .value_name("TEXT")
                        .help("The rollout's version (VersionId); by default the latest"),
                )
                .arg(
                    Arg::new("auto-resume")
                        .long("auto-resume")
                        .action(ArgAction::SetTrue)
                        .help("Resume the rollout whenever it waits for confirmation (BETA, MANUAL)"),
                )
                .arg(timeout_arg()),
        )
}

/// `tem wait rollout …`.
pub async fn run_command(matches: &ArgMatches) -> Result<(), Failure> {
    let (_, sub) = matches.subcommand().expect("a subcommand is required");
    let out = Output::from_matches(sub)?;
    let text = |name: &str| sub.get_one::<String>(name).cloned().unwrap_or_default();
    let target = Target::from_matches(sub).await?;
    let rollout = Rollout {
        application_id: text("application-id"),
        environment_id: text("environment-id"),
        revision: sub.get_one::<String>("version-id").cloned(),
        request_ids: Vec::new(),
    };
    follow(&target, sub, rollout, &out).await
}

/// `deploy-application --wait`: follows the deployment the call started.
pub async fn after_deploy_application(
    target: &Target,
    matches: &ArgMatches,
    body: &Map<String, Value>,
    response: &Value,
    out: &Output,
) -> Result<(), Failure> {
    let rollout = Rollout::started(body, response);
    note(&format!(
        "deployment of {} started: {} (request id {})",
        rollout.application_id,
        rollout.revision.as_deref().unwrap_or("?"),
        rollout.request_ids.first().map(String::as_str).unwrap_or("")
    ));
    follow(target, matches, rollout, out).await
}

/// The rollout to follow.
pub struct Rollout {
    pub application_id: String,
    pub environment_id: String,
    /// The `VersionId` the deploy call answered, if any.
    pub revision: Option<String>,
    /// The request ids of the calls made for it (the deploy, …).
    pub request_ids: Vec<String>,
}

impl Rollout {
    /// The rollout a deploy call (`RollingUpdateApplicationByVersion`, `DeployApplication`)
    /// with `body` started, from its reply.
    pub fn started(body: &Map<String, Value>, response: &Value) -> Self {
        let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
        let revision = response.get("Result").and_then(Value::as_str).filter(|r| !r.is_empty()).map(str::to_owned);
        let request_id = response.get("RequestId").and_then(Value::as_str).map(str::to_owned);
        Self {
            application_id: text("ApplicationId"),
            environment_id: text("EnvironmentId"),
            revision,
            request_ids: request_id.into_iter().collect(),
        }
    }
}

/// The service's answer when a rollout is already under way.
const DEPLOYING: &str = "ResourceInUse.ServiceDeploying";

/// `failure` of a deploy call with `body`; when a rollout is already under way, with the
/// commands to follow it or roll it back (without `--emulator`, whose rollouts end with it).
pub fn with_reattach_hint(mut failure: Failure, matches: &ArgMatches, body: &Map<String, Value>) -> Failure {
    if failure.message.contains(&format!("error code: {DEPLOYING}")) && !matches.get_flag("emulator") {
        let rollout = Rollout::started(body, &Value::Null);
        let commands = Commands::new(matches, &rollout);
        failure.message.push_str(&format!(
            "\na rollout is under way.\n  follow it:     {}\n  roll it back:  {}",
            commands.wait, commands.revert
        ));
    }
    failure
}

/// How a followed rollout ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    Failed,
    Reverted,
    TimedOut,
    Interrupted,
    PollingFailed,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Reverted => "Reverted",
            Self::TimedOut => "TimedOut",
            Self::Interrupted => "Interrupted",
            Self::PollingFailed => "PollingFailed",
        }
    }
}

/// Follows `rollout` to its end (or `--timeout`, or Ctrl-C), then prints its summary.
pub async fn follow(target: &Target, matches: &ArgMatches, rollout: Rollout, out: &Output) -> Result<(), Failure> {
    let started = Instant::now();
    let timeout = Duration::from_secs(matches.get_one::<u64>("timeout").copied().unwrap_or(DEFAULT_TIMEOUT_SECS));
    let auto_resume = matches.get_flag("auto-resume");
    let mut waiter = target
        .api()?
        .wait_for_rollout(rollout.application_id.clone(), rollout.environment_id.clone())
        .deadline(timeout)
        .auto_resume(auto_resume);
    if let Some(time) = target.wait_time() {
        waiter = waiter.time_source(time.clone()).sleep(time);
    }
    if let Some(revision) = &rollout.revision {
        waiter = waiter.version_id(revision.clone());
    }
    let commands = Commands::new(matches, &rollout);
    let hint = resume_hint(auto_resume, target.emulator.is_some(), &commands.resume);
    let mut progress = Progress::new(std::io::stderr().is_terminal(), hint, Box::new(|| target.unix_now()));
    let result = tokio::select! {
        result = waiter.wait(|event| progress.show(event)) => Some(result),
        () = interrupted() => None,
    };
    progress.finish();
    let (outcome, mut failure, version) = match &result {
        Some(Ok(summary)) => {
            let batches = plural(summary.batches, "batch", "batches");
            note(&format!("rollout succeeded: {} serves ({batches})", summary.new_version));
            (Outcome::Succeeded, None, summary.new_version.clone())
        }
        Some(Err(error)) => {
            let (outcome, failure) = failure_of(error);
            (outcome, Some(failure), progress.new_version.clone())
        }
        None => {
            let failure = Failure { exit: Exit::Interrupted, message: "interrupted (Ctrl-C)".to_owned() };
            (Outcome::Interrupted, Some(failure), progress.new_version.clone())
        }
    };
    if let (Outcome::TimedOut | Outcome::Interrupted, Some(failure)) = (outcome, failure.as_mut()) {
        failure.message.push('\n');
        failure.message.push_str(&if target.emulator.is_some() {
            "the rollout does not go on: the in-process emulator (--emulator) ends with this process".to_owned()
        } else {
            format!(
                "the rollout goes on server-side.\n  follow it again:  {}\n  roll it back:     {}",
                commands.wait, commands.revert
            )
        });
    }
    let summary = json!({
        "ApplicationId": rollout.application_id,
        "EnvironmentId": rollout.environment_id,
        "Revision": rollout.revision,
        "Version": version,
        "Outcome": outcome.name(),
        "Message": failure.as_ref().map(|f| f.message.lines().next().unwrap_or("").trim_start_matches("error: ").to_owned()),
        "Batches": progress.finished_batches(),
        "DurationSeconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        "RequestIds": rollout.request_ids,
    });
    // The failure's message first (standard error), then the summary (standard output).
    let Some(failure) = failure else {
        return out.print(&summary);
    };
    note(&failure.message);
    // The rollout's status wins over a closed output: the message is already written.
    let _ = out.print(&summary);
    Err(Failure { exit: failure.exit, message: String::new() })
}

/// Ctrl-C; never, if its handler cannot be installed (rather than at once).
async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The exit status and message of a wait that did not succeed.
fn failure_of(error: &WaitError) -> (Outcome, Failure) {
    let plain = |exit| Failure { exit, message: format!("error: {error}") };
    let prefixed = |mut failure: Failure| {
        failure.message = format!("error: {error}\n{}", failure.message);
        failure
    };
    match error {
        WaitError::Failed { .. } => (Outcome::Failed, plain(Exit::RolloutFailed)),
        WaitError::Reverted { .. } => (Outcome::Reverted, plain(Exit::RolloutFailed)),
        WaitError::DeadlineExceeded { .. } => (Outcome::TimedOut, plain(Exit::Deadline)),
        WaitError::Describe(e) => (Outcome::PollingFailed, prefixed(client::error_failure(e))),
        WaitError::Resume(e) => (Outcome::PollingFailed, prefixed(client::error_failure(e))),
        _ => (Outcome::PollingFailed, plain(Exit::Transport)),
    }
}

/// The commands to resume, follow again and revert a rollout, with the global flags this
/// command was given (`--region`, `--profile`, `--endpoint`), so they reach the same place.
pub struct Commands {
    pub resume: String,
    pub wait: String,
    pub revert: String,
}

impl Commands {
    fn new(matches: &ArgMatches, rollout: &Rollout) -> Self {
        let (app, env) = (&rollout.application_id, &rollout.environment_id);
        Self::with_globals(&global_flags(matches), app, env, rollout.revision.as_deref())
    }

    /// With `globals` ([`global_flags`]) for the application `app` in the environment `env`;
    /// `revision` is the rollout's version id, if known.
    pub fn with_globals(globals: &str, app: &str, env: &str, revision: Option<&str>) -> Self {
        let ids = format!("--application-id {} --environment-id {}", shell_word(app), shell_word(env));
        let version = match revision {
            Some(revision) => format!(" --version-id {}", shell_word(revision)),
            None => String::new(),
        };
        Self {
            resume: format!("tem{globals} resume-deploy-application {ids}"),
            wait: format!("tem{globals} wait rollout {ids}{version}"),
            revert: format!("tem{globals} revert-deploy-application {ids}"),
        }
    }
}

/// The global flags that say where calls go (`--region`, `--profile`, `--endpoint`), as given,
/// each after a space.
pub fn global_flags(matches: &ArgMatches) -> String {
    let mut globals = String::new();
    for flag in ["region", "profile", "endpoint"] {
        if let Some(value) = matches.get_one::<String>(flag) {
            globals.push_str(&format!(" --{flag} {}", shell_word(value)));
        }
    }
    globals
}

/// Shows events on standard error: a bar per batch on a terminal, plain lines (for CI logs)
/// otherwise; remembers what the summary needs.
struct Progress<'a> {
    bars: Option<(MultiProgress, BTreeMap<BatchRef, ProgressBar>)>,
    resume_hint: String,
    /// `TotalBatchCount`, once known: batches are shown as "batch i/N".
    total_batches: Option<i64>,
    new_version: String,
    finished: usize,
    /// The server's Unix time now, for how long a pause lasts.
    unix_now: Box<dyn Fn() -> i64 + 'a>,
}

impl<'a> Progress<'a> {
    fn new(terminal: bool, resume_hint: String, unix_now: Box<dyn Fn() -> i64 + 'a>) -> Self {
        let bars = terminal.then(|| {
            let multi = MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr());
            (multi, BTreeMap::new())
        });
        Self { bars, resume_hint, total_batches: None, new_version: String::new(), finished: 0, unix_now }
    }

    fn finished_batches(&self) -> usize {
        self.finished
    }

    fn show(&mut self, event: &RolloutEvent) {
        match event {
            RolloutEvent::Started { new_version, total_batches, .. } => {
                self.new_version = new_version.clone();
                self.total_batches = *total_batches;
            }
            RolloutEvent::BatchFinished { .. } => self.finished += 1,
            RolloutEvent::Succeeded(summary) => self.finished = summary.batches,
            _ => {}
        }
        let line = describe(event, &self.resume_hint, self.total_batches, (self.unix_now)());
        let total = self.total_batches;
        let Some((multi, bars)) = &mut self.bars else {
            if let Some(line) = line {
                note(&line);
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
                    bar.set_prefix(batch_name(batch, total));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_to_reattach_carry_the_global_flags() {
        let cli = crate::command();
        let matches = cli
            .try_get_matches_from([
                "tem",
                "--region",
                "ap-guangzhou",
                "wait",
                "rollout",
                "--application-id",
                "app-1",
                "--environment-id",
                "en-1",
            ])
            .unwrap();
        let (_, wait) = matches.subcommand().unwrap();
        let (_, rollout) = wait.subcommand().unwrap();
        let commands = Commands::new(
            rollout,
            &Rollout {
                application_id: "app-1".into(),
                environment_id: "en 1".into(),
                revision: None,
                request_ids: vec![],
            },
        );
        assert_eq!(
            commands.wait,
            "tem --region ap-guangzhou wait rollout --application-id app-1 --environment-id 'en 1'"
        );
        assert_eq!(
            commands.revert,
            "tem --region ap-guangzhou revert-deploy-application --application-id app-1 --environment-id 'en 1'"
        );
    }
}
