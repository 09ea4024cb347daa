//! `tem deploy`: `RollingUpdateApplicationByVersion`, then (with `--wait`) the rollout
//! followed batch by batch until it succeeds, fails or the deadline passes ([`crate::wait`]).

use clap::{ArgMatches, Command};

use crate::body::Names;
use crate::client::{self, Target};
use crate::diagnostics::note;
use crate::output::Output;
use crate::spec::ActionSpec;
use crate::wait::Rollout;
use crate::Failure;

const ACTION: &str = "RollingUpdateApplicationByVersion";
/// `deploy` calls the version `--version` (an alias of `--deploy-version`).
const VERSION_FLAG: (&str, &str) = ("DeployVersion", "version");

fn spec() -> &'static ActionSpec {
    crate::actions::ACTIONS.iter().find(|a| a.name == ACTION).expect("TEM has RollingUpdateApplicationByVersion")
}

/// `deploy`: the rolling update's own flags (`--version` for `--deploy-version`), and the
/// waiting ones.
pub fn command() -> Command {
    let spec = spec();
    let params = spec.params.iter().map(|p| {
        let arg = crate::param_arg(p);
        if p.wire == VERSION_FLAG.0 {
            arg.visible_alias(VERSION_FLAG.1)
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
             batch (DescribeDeployApplicationDetail) until it succeeds (exit 0), fails or is reverted (exit 4, \
             with the server's message) or --timeout passes (exit 5; the rollout goes on, `tem wait rollout` \
             follows it again). Progress goes to standard error (bars on a terminal, lines otherwise); the \
             result, or with --wait one summary at the end, to standard output in the --output format.",
        )
        .args(crate::input_args())
        .args(params)
        .args(crate::wait::args())
}

pub async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let spec = spec();
    if matches.get_flag("generate-cli-skeleton") {
        return crate::output::write_stdout(&crate::body::skeleton(spec));
    }
    let out = Output::from_matches(matches)?;
    let names = Names::of(spec).command("deploy").flag(VERSION_FLAG.0, VERSION_FLAG.1);
    let body = crate::body::request_body(spec, &names, matches, &mut std::io::stdin().lock())?;
    let target = Target::from_matches(matches).await?;
    if matches.get_flag("dry-run") {
        return client::print_dry_run(&target, spec.name, &body, matches.get_flag("show-secrets")).await;
    }
    let response = target
        .call(spec.name, spec.read_only, &body)
        .await
        .map_err(|failure| crate::wait::with_reattach_hint(failure, matches, &body))?;
    if !matches.get_flag("wait") {
        return out.print(&response);
    }
    let rollout = Rollout::started(&body, &response);
    note(&format!(
        "rollout of {} to {} started: {} (request id {})",
        rollout.application_id,
        body.get(VERSION_FLAG.0).and_then(|v| v.as_str()).unwrap_or(""),
        rollout.revision.as_deref().unwrap_or("?"),
        rollout.request_ids.first().map(String::as_str).unwrap_or("")
    ));
    crate::wait::follow(&target, matches, rollout, &out).await
}
