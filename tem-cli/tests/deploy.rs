//! `tem --emulator deploy --wait`, run as a user runs it: the binary, an in-process emulator
//! (1000 times real time, so a batch's pods start in 10 ms), plain progress lines on standard
//! error (a pipe), one JSON summary on standard output. Every run is bounded in real time.

mod common;

use std::io::Read;
use std::process::{Command, Output, Stdio};

use common::bounded;

use serde_json::Value;

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command
        .args(["--emulator", "--emulator-speed", "1000"])
        .args(args)
        // No credentials anywhere: the emulator must not need them.
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn tem(args: &[&str]) -> Output {
    bounded(command(args).spawn().expect("the tem binary runs"))
}

/// Exactly one JSON document in `bytes`.
fn one_json_document(bytes: &[u8]) -> Value {
    let documents: Vec<Value> =
        serde_json::Deserializer::from_slice(bytes).into_iter().collect::<Result<_, _>>().expect("JSON only");
    assert_eq!(documents.len(), 1, "exactly one JSON document: {}", text(bytes));
    documents.into_iter().next().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The seeded application and environment, as `describe-applications` lists them.
fn seeded() -> (String, String) {
    let out = tem(&["describe-applications"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reply: Value = serde_json::from_slice(&out.stdout).expect("JSON on a pipe");
    let record = &reply["Result"]["Records"][0];
    let (app, env) = (record["ApplicationId"].as_str().unwrap(), record["EnvironmentId"].as_str().unwrap());
    // The ids are the same on every start, and said on standard error.
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("environment {env}, application {app}")), "{stderr}");
    (app.to_owned(), env.to_owned())
}

fn deploy(version: &str, extra: &[&str]) -> Output {
    let (app, env) = seeded();
    let mut args = vec!["deploy", "--application-id", &app, "--environment-id", &env, "--version", version, "--wait"];
    args.extend_from_slice(extra);
    tem(&args)
}

#[test]
fn deploy_wait_prints_the_batches_on_stderr_and_one_json_summary_on_stdout() {
    let out = deploy("v2", &["--total-batch-count", "2", "--output", "json"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.ends_with(": started") || l.ends_with(": finished")).collect();
    assert_eq!(lines, ["batch 1/2: started", "batch 1/2: finished", "batch 2/2: started", "batch 2/2: finished"]);
    assert!(stderr.contains("rolling out v2 from v1 in 2 batches"), "{stderr}");
    assert!(stderr.contains("batch 2/2: new pods 2/2 ready (of 2)"), "{stderr}");
    assert!(stderr.trim_end().ends_with("rollout succeeded: v2 serves (2 batches)"), "{stderr}");

    let summary = one_json_document(&out.stdout);
    assert_eq!(summary["Outcome"], "Succeeded");
    assert_eq!(summary["Version"], "v2");
    assert_eq!(summary["Batches"], 2);
    assert!(summary["Revision"].as_str().is_some_and(|r| !r.is_empty()), "{summary}");
    assert!(summary["DurationSeconds"].as_f64().is_some_and(|d| d >= 0.0), "{summary}");
    assert_eq!(summary["RequestIds"].as_array().map(Vec::len), Some(1), "{summary}");
}

#[test]
fn a_crash_looping_version_exits_4_with_the_servers_message() {
    let out = deploy("v-crashloop", &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: the rollout failed (status Error) in batch 1: Back-off restarting failed container"),
        "{stderr}"
    );
    let summary = one_json_document(&out.stdout);
    assert_eq!(summary["Outcome"], "Failed");
    assert_eq!(
        summary["Message"],
        "the rollout failed (status Error) in batch 1: Back-off restarting failed container"
    );
}

#[test]
fn a_beta_rollout_nobody_resumes_exits_5_at_the_deadline() {
    let out = deploy("v2", &["--deploy-strategy-type", "BETA", "--beta-batch-num", "1", "--timeout", "60"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    // A later `tem` cannot resume this process's emulator: no command that cannot work.
    assert!(stderr.contains("waiting for confirmation after beta batch: rerun with --auto-resume"), "{stderr}");
    assert!(!stderr.contains("tem resume-deploy-application"), "{stderr}");
    assert!(stderr.contains("did not finish within 60 s (last status Running)"), "{stderr}");
    assert!(stderr.contains("the in-process emulator (--emulator) ends with this process"), "{stderr}");
    assert!(!stderr.contains("tem wait rollout"), "{stderr}");
    assert_eq!(one_json_document(&out.stdout)["Outcome"], "TimedOut");
}

#[test]
fn auto_resume_carries_a_beta_rollout_through_numbered_beta_then_1_to_n() {
    let out = deploy(
        "v2",
        &["--deploy-strategy-type", "BETA", "--beta-batch-num", "1", "--total-batch-count", "3", "--auto-resume"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("rolling out v2 from v1: a beta batch, then 3 batches"), "{stderr}");
    assert!(stderr.contains("beta batch: finished\nwaiting for confirmation after beta batch: resuming"), "{stderr}");
    let started: Vec<&str> = stderr.lines().filter(|l| l.ends_with(": started")).collect();
    assert_eq!(started, ["beta batch: started", "batch 1/3: started", "batch 2/3: started", "batch 3/3: started"]);
    assert!(stderr.contains("resumed") && stderr.contains("rollout succeeded: v2 serves (4 batches)"), "{stderr}");
    assert_eq!(one_json_document(&out.stdout)["Batches"], 4);
}

#[test]
fn a_timed_pause_says_how_long_until_the_next_batch_and_when() {
    let out = deploy("v2", &["--total-batch-count", "2", "--batch-interval", "600"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let pause = stderr.lines().find(|l| l.starts_with("paused after batch 1/2: ")).expect("the pause is shown");
    // 600 s of emulated time, in whole minutes and seconds, and the local time of day.
    assert!(
        pause.contains("the next batch starts in 9 min ") || pause.contains("the next batch starts in 10 min "),
        "{pause}"
    );
    assert!(pause.ends_with(" local time)") && !pause.contains("Unix"), "{pause}");
}

#[test]
fn a_closed_stdout_ends_quietly_with_141_and_no_panic() {
    let closed = |args: &[&str]| {
        let mut child = command(args).spawn().expect("the tem binary runs");
        // Closed before tem writes anything: its first write fails.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        (bounded(child).status.code(), stderr)
    };
    for args in
        [&["describe-applications"][..], &["completions", "bash"], &["describe-applications", "--output", "text"]]
    {
        let (status, stderr) = closed(args);
        assert_eq!(status, Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
    // A rollout is followed to its end all the same; only its summary is lost.
    let (app, env) = seeded();
    let (status, stderr) =
        closed(&["deploy", "--application-id", &app, "--environment-id", &env, "--version", "v2", "--wait"]);
    assert_eq!(status, Some(141), "{stderr}");
    assert!(stderr.contains("rollout succeeded: v2 serves") && !stderr.contains("panicked"), "{stderr}");

    // A closed standard error loses its lines, nothing more.
    let mut child = command(&["describe-applications", "--query", "Result.Records[0].ApplicationId"]).spawn().unwrap();
    drop(child.stderr.take());
    let out = bounded(child);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), format!("\"{app}\"\n"));

    // As in a shell pipeline.
    let pipeline = Command::new("sh")
        .arg("-c")
        .arg(format!("'{}' --emulator describe-applications | head -c1", env!("CARGO_BIN_EXE_tem")))
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = bounded(pipeline);
    assert_eq!(out.stdout, b"{");
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
}

#[test]
fn query_prints_a_json_list_and_text_output_is_tab_separated() {
    let (app, _) = seeded();
    let out = tem(&["describe-applications", "--query", "Result.Records[].ApplicationId"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(one_json_document(&out.stdout), serde_json::json!([app]));

    let out = tem(&[
        "describe-applications",
        "--query",
        "Result.Records[].[ApplicationId, ApplicationName]",
        "--output",
        "text",
    ]);
    assert_eq!(text(&out.stdout), format!("{app}\tdemo-app\n"));
}

#[test]
fn a_service_error_exits_1_with_code_message_and_request_id() {
    let out = tem(&["deploy", "--application-id", "app-nothere", "--environment-id", "en-nothere", "--version", "v2"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error code: ResourceNotFound."), "{stderr}");
    assert!(stderr.contains("message: ") && stderr.contains("request id: "), "{stderr}");
}

#[test]
fn any_action_runs_against_the_emulator_with_table_output() {
    let (app, env) = seeded();
    let out = tem(&["describe-applications", "--environment-id", &env, "--output", "table"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let mut lines = table.lines();
    assert_eq!(lines.next(), Some("Result.Records:"));
    assert!(lines.next().unwrap().starts_with("ApplicationId"), "{table}");
    assert!(table.contains(&app) && table.contains("demo-app"), "{table}");
    assert!(table.contains("RequestId: "), "{table}");
}

/// The README's first command names the seeded ids; they must be the ones a fresh emulator has.
#[test]
fn the_quick_start_names_the_seeded_ids() {
    let (app, env) = seeded();
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let quick_start = readme.split("## Quick start").nth(1).unwrap().split("\n## ").next().unwrap();
    let command = format!("--application-id {app} --environment-id {env} --version v2");
    assert!(quick_start.contains("cargo run -p tem-cli -- --emulator deploy"), "{quick_start}");
    assert!(quick_start.contains(&command), "the quick start should say `{command}`:\n{quick_start}");
}
