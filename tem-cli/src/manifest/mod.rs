//! `tem plan -f tem.toml` and `tem apply -f tem.toml`: declarative deploys from a manifest kept
//! in the repository, matched to live resources by name (no state file).
//!
//! - `document`: the manifest's structure, reading and checks (line and column in errors);
//! - `live`: the live state, read with the paginated Describe actions;
//! - `diff`: the plan, manifest against live state (pure);
//! - `render`: the plan as text or JSON;
//! - `apply`: carrying a plan out, rollouts in parallel, each followed by the waiter;
//! - `progress`: `apply`'s progress on standard error.
//!
//! Exit statuses: `plan` 0 when there is nothing to change, **2 when there are changes** (as
//! `terraform plan -detailed-exitcode`), 1 for any error (usage errors too, in `crate::run`);
//! `apply` those of `deploy` (0, 1 service error, 2 bad input, 3 transport, 4 a rollout
//! failed, 5 a deadline passed).

mod apply;
mod diff;
mod document;
mod live;
mod progress;
mod render;

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};

pub use apply::{apply, exit_status, ApplyOptions, Outcome};
pub use diff::{Action, Plan};
pub use document::{parse, Manifest};
pub use live::read as read_live;
pub use progress::Progress;
pub use render::{json as plan_json, text as plan_text};

use crate::client::Target;
use crate::diagnostics;
use crate::events::resume_hint;
use crate::output::{write_stdout, ResultStream};
use crate::wait::Commands;
use crate::{Exit, Failure};

/// The default of `apply --parallel`.
pub const DEFAULT_PARALLEL: usize = 4;

fn file_arg() -> Arg {
    Arg::new("file").short('f').long("file").value_name("FILE").default_value("tem.toml").help("The manifest")
}

/// `tem plan`.
pub fn plan_command() -> Command {
    Command::new("plan")
        .about("Shows what `tem apply` would change to make TEM match a manifest (reads only)")
        .long_about(
            "Shows what `tem apply` would change to make TEM match a manifest (tem.toml): per environment and \
             application, create, update (field: old → new), roll out to a version, or unchanged, and the live \
             resources the manifest does not name (not managed). Reads only.\n\n\
             Exit status: 0 no changes, 2 changes to apply, 1 an error (an invalid manifest included, and \
             a usage error such as an unknown flag, which is 2 for every other command); 141 when standard \
             output is closed (`| head -1`).",
        )
        .arg(file_arg())
}

/// `tem apply`.
pub fn apply_command() -> Command {
    let flag = |name: &'static str, help: &'static str| Arg::new(name).long(name).action(ArgAction::SetTrue).help(help);
    Command::new("apply")
        .about("Makes TEM match a manifest: shows the plan, then creates, rolls out and scales")
        .long_about(
            "Makes TEM match a manifest (tem.toml): shows the plan, then creates and changes the environments, \
             then the applications (create, then deploy or roll out, then scale, then autoscaler and services), \
             up to --parallel at a time, each rollout followed until it serves. Asks for confirmation on a \
             terminal; elsewhere it needs --auto-approve.\n\n\
             Exit status: 0 success, 1 service error, 2 bad input, 3 transport failure, 4 a rollout failed, \
             5 a rollout's deadline passed; 141 when all succeeded but standard output was closed (the \
             rollouts are followed to their end all the same).",
        )
        .arg(file_arg())
        .arg(flag("auto-approve", "Apply without asking (required when standard input is not a terminal)"))
        .arg(
            Arg::new("parallel")
                .long("parallel")
                .value_name("N")
                .default_value("4")
                .value_parser(clap::value_parser!(u16).range(1..=64))
                .help("Applications changed at once"),
        )
        .arg(flag("revert-on-failure", "Revert a rollout that fails (the others go on either way)"))
        .arg(flag("auto-resume", "Resume BETA and MANUAL rollouts whenever they wait for confirmation"))
        .arg(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECONDS")
                .default_value("1800")
                .value_parser(clap::value_parser!(u64).range(1..))
                .help("How long each rollout may take"),
        )
}

/// Reads and checks the manifest named by `--file`.
fn load(matches: &ArgMatches) -> Result<Manifest, Failure> {
    // `--dry-run` prints one signed request; here it must not be taken for "send nothing".
    if matches.get_flag("dry-run") {
        return Err(Failure::input(
            "error: --dry-run is for single actions; `tem plan` shows what `tem apply` would do",
        ));
    }
    let path = matches.get_one::<String>("file").expect("has a default");
    let meta = std::fs::metadata(path).map_err(|e| Failure::input(format!("error: cannot read {path}: {e}")))?;
    if !meta.is_file() || meta.len() > 1024 * 1024 {
        return Err(Failure::input(format!("error: {path} is not a regular file of at most 1 MiB")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Failure::input(format!("error: cannot read {path}: {e}")))?;
    parse(path, &text).map_err(|e| Failure::input(format!("error: {e}")))
}

/// The client: rate limited to the documented limits, since apply runs calls in parallel.
fn client(target: &Target) -> Result<tem_api::Client, Failure> {
    tem_api::Client::new(target.config.clone().with_rate_limiting(true))
        .map_err(|e| Failure::input(format!("error: {}", crate::client::chain(&e))))
}

/// Reads the live state and compares the manifest with it.
pub async fn plan(client: &tem_api::Client, manifest: &Manifest) -> Result<Plan, Failure> {
    let live = read_live(client, manifest).await?;
    diff::plan(manifest, &live).map_err(|e| Failure::input(format!("error: {e}")))
}

/// `tem plan`: 0 no changes, 2 changes, 1 any error; 141 when standard output was closed.
pub async fn run_plan(matches: &ArgMatches) -> Result<(), Failure> {
    let result = async {
        let manifest = load(matches)?;
        let target = Target::from_matches(matches).await?;
        let plan = plan(&client(&target)?, &manifest).await?;
        write_stdout(&if wants_json(matches) { format!("{}\n", plan_json(&plan)) } else { plan_text(&plan) })?;
        Ok::<_, Failure>(plan.has_changes())
    }
    .await;
    match result {
        Ok(false) => Ok(()),
        Ok(true) => {
            Err(Failure { exit: Exit::Input, message: "plan: there are changes to apply (exit status 2)".into() })
        }
        Err(failure) if failure.exit == Exit::ClosedOutput => Err(failure),
        Err(failure) => Err(Failure { exit: Exit::Service, ..failure }),
    }
}

/// `--output json`.
fn wants_json(matches: &ArgMatches) -> bool {
    matches.get_one::<String>("output").map(String::as_str) == Some("json")
}

/// `tem apply`. A closed standard output does not stop it half-way: the rollouts are followed
/// to their end, and the status is theirs, else 141.
pub async fn run_apply(matches: &ArgMatches) -> Result<(), Failure> {
    let manifest = load(matches)?;
    let approved = matches.get_flag("auto-approve");
    if !approved && !std::io::stdin().is_terminal() {
        return Err(Failure::input("error: standard input is not a terminal: pass --auto-approve to apply"));
    }
    let target = Target::from_matches(matches).await?;
    let client = client(&target)?;
    let plan = plan(&client, &manifest).await?;
    let mut stdout = ResultStream::default();
    // With `--output json`, one document at the end: the plan and the results.
    let json = wants_json(matches);
    if !json {
        stdout.write(&plan_text(&plan));
    }
    if !plan.has_changes() {
        if json {
            stdout.write(&format!("{}\n", serde_json::json!({"plan": plan_json(&plan), "results": []})));
        } else {
            stdout.write("Nothing to apply.\n");
        }
        return stdout.finish();
    }
    if !approved {
        // Whoever answers sees the plan first.
        if json || !stdout.is_writing() {
            diagnostics::write(&plan_text(&plan));
        }
        if !confirm()? {
            return Err(Failure::input("error: not applied"));
        }
    }
    let options = ApplyOptions {
        parallel: usize::from(*matches.get_one::<u16>("parallel").expect("has a default")),
        revert_on_failure: matches.get_flag("revert-on-failure"),
        auto_resume: matches.get_flag("auto-resume"),
        deadline: Duration::from_secs(*matches.get_one::<u64>("timeout").expect("has a default")),
        wait_time: target.wait_time(),
    };
    let target = Arc::new(target);
    let server = Arc::clone(&target);
    let (emulator, globals) = (target.emulator.is_some(), crate::wait::global_flags(matches));
    let progress = Progress::for_stderr(std::io::stderr().is_terminal())
        .with_server_clock(move || server.unix_now())
        .with_resume_hint(move |app, env| {
            resume_hint(options.auto_resume, emulator, &Commands::with_globals(&globals, app, env, None).resume)
        });
    let progress = Arc::new(progress);
    let outcomes = apply(&client, &plan, &options, progress).await?;
    if json {
        let results: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(done) => serde_json::json!({"application": o.application, "ok": true, "done": done}),
                Err(f) => serde_json::json!({
                    "application": o.application, "ok": false, "error": f.message, "exit_status": f.exit as i32
                }),
            })
            .collect();
        stdout.write(&format!("{}\n", serde_json::json!({"plan": plan_json(&plan), "results": results})));
    } else {
        for outcome in &outcomes {
            match &outcome.result {
                Ok(done) => stdout.write(&format!("{}: {done}\n", outcome.application)),
                Err(_) => stdout.write(&format!("{}: failed\n", outcome.application)),
            }
        }
    }
    // The rollouts' status wins over a closed output.
    match exit_status(&outcomes) {
        Exit::Success => stdout.finish(),
        exit => {
            let failed = outcomes.iter().filter_map(|o| o.result.as_ref().err());
            Err(Failure {
                exit,
                message: failed.map(|f| format!("error: {}", f.message)).collect::<Vec<_>>().join("\n"),
            })
        }
    }
}

/// Asks on the terminal; true for `yes`.
fn confirm() -> Result<bool, Failure> {
    diagnostics::write("Apply these changes? Only `yes` applies: ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::input(format!("error: cannot read the answer: {e}")))?;
    Ok(answer.trim() == "yes")
}
