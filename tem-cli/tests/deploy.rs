//! `tem --emulator deploy --wait`, run as a user runs it: the binary, an in-process emulator
//! (1000 times real time, so a batch's pods start in 10 ms), plain progress lines on a pipe.

use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn tem(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tem"))
        .args(["--emulator", "--emulator-speed", "1000"])
        .args(args)
        // No credentials anywhere: the emulator must not need them.
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .expect("the tem binary runs")
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
fn deploy_wait_prints_the_batches_and_exits_0() {
    let out = deploy("v2", &["--total-batch-count", "2"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().filter(|l| l.ends_with(": started") || l.ends_with(": finished")).collect();
    assert_eq!(lines, ["batch 1: started", "batch 1: finished", "batch 2: started", "batch 2: finished"], "{stdout}");
    assert!(stdout.contains("rolling out v2 from v1 in 2 batches"), "{stdout}");
    assert!(stdout.contains("batch 2: new pods 2/2 ready (of 2)"), "{stdout}");
    assert!(stdout.trim_end().ends_with("rollout succeeded: v2 serves (2 batches)"), "{stdout}");
}

#[test]
fn a_crash_looping_version_exits_4_with_the_servers_message() {
    let out = deploy("v-crashloop", &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: the rollout failed (status Error) in batch 1: Back-off restarting failed container"),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("succeeded"));
}

#[test]
fn a_beta_rollout_nobody_resumes_exits_5_at_the_deadline() {
    let out = deploy("v2", &["--deploy-strategy-type", "BETA", "--beta-batch-num", "1", "--timeout", "60"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("waiting for confirmation after beta batch: resume with `tem resume-deploy-application"));
    assert!(text(&out.stderr).contains("did not finish within 60 s (last status Running)"));
}

#[test]
fn auto_resume_carries_a_beta_rollout_through() {
    let out = deploy("v2", &["--deploy-strategy-type", "BETA", "--beta-batch-num", "1", "--auto-resume"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("beta batch: finished\nwaiting for confirmation after beta batch: resuming"), "{stdout}");
    assert!(stdout.contains("resumed") && stdout.contains("rollout succeeded: v2 serves"), "{stdout}");
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
