//! `tem` against an emulator the test serves on 127.0.0.1 (`--endpoint`), which outlives each
//! `tem` process: all pages of a listing, re-attaching to a rollout with `tem wait rollout`
//! after `--timeout` gave up, a hanging poll ended by the deadline, a reverted rollout, Ctrl-C,
//! and `deploy-application --wait`. Every run of the binary is bounded in real time.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::bounded;

use serde_json::Value;
use tem_emulator::{Emulator, EmulatorOptions, Fault, FaultRule};

fn command(emulator: &Emulator, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command
        .args(["--endpoint", &emulator.endpoint(), "--region", tem_emulator::DEFAULT_REGION])
        .args(args)
        .env_clear()
        .env("TENCENTCLOUD_SECRET_ID", emulator.secret_id())
        .env("TENCENTCLOUD_SECRET_KEY", emulator.secret_key())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `tem` to its end (off the runtime serving the emulator), within `common::BOUND`.
async fn tem(emulator: &Emulator, args: &[&str]) -> Output {
    let child = command(emulator, args).spawn().expect("the tem binary runs");
    tokio::task::spawn_blocking(move || bounded(child)).await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn describe_count(emulator: &Emulator, action: &str) -> usize {
    emulator.requests().iter().filter(|r| r.action == action).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_by_default_and_max_items_page_size_starting_token_no_paginate() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    let env = emulator.seed_environment("dev").unwrap();
    let mut apps: Vec<String> =
        (0..23).map(|i| emulator.seed_application(&env, &format!("app{i:02}"), "v1", 1).unwrap()).collect();
    apps.sort();
    let ids = |reply: &Value| -> Vec<String> {
        let records = reply["Result"]["Records"].as_array().expect("records");
        let mut ids: Vec<String> = records.iter().map(|r| r["ApplicationId"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };

    let all = json(&tem(&emulator, &["describe-applications"]).await);
    assert_eq!(ids(&all), apps, "23 applications, 23 records");
    assert!(all.get("NextToken").is_none());
    assert_eq!(describe_count(&emulator, "DescribeApplications"), 2, "two pages of 20 at most");

    let pages = json(&tem(&emulator, &["describe-applications", "--page-size", "10"]).await);
    assert_eq!(ids(&pages), apps);
    assert_eq!(describe_count(&emulator, "DescribeApplications"), 2 + 3);

    let one = json(&tem(&emulator, &["describe-applications", "--no-paginate"]).await);
    assert_eq!(one["Result"]["Records"].as_array().unwrap().len(), 20);

    let first = json(&tem(&emulator, &["describe-applications", "--max-items", "5"]).await);
    assert_eq!(first["Result"]["Records"].as_array().unwrap().len(), 5);
    let token = first["NextToken"].as_str().expect("a cut result says where to go on");
    let rest = json(&tem(&emulator, &["describe-applications", "--starting-token", token]).await);
    assert!(rest.get("NextToken").is_none());
    let mut both = ids(&first);
    both.extend(ids(&rest));
    both.sort();
    assert_eq!(both, apps, "the two parts are the whole, without repeats");

    let bad = tem(&emulator, &["describe-applications", "--starting-token", "nope"]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

/// An emulator in real time whose pods take `pod_start` to start, with an environment and an
/// application of 2 pods of v1.
async fn slow_rollouts(pod_start: Duration) -> (Emulator, String, String) {
    let emulator = Emulator::start(EmulatorOptions::new().with_speed(1.0).with_pod_start(pod_start)).await.unwrap();
    let env = emulator.seed_environment("dev").unwrap();
    let app = emulator.seed_application(&env, "web", "v1", 2).unwrap();
    (emulator, app, env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tem_wait_rollout_follows_a_rollout_to_its_end_after_deploy_wait_timeout_gave_up() {
    let (emulator, app, env) = slow_rollouts(Duration::from_secs(2)).await;
    let deploy = ["deploy", "--application-id", &app, "--environment-id", &env, "--version", "v2"];
    let out = tem(&emulator, &[&deploy[..], &["--total-batch-count", "2", "--wait", "--timeout", "1"]].concat()).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("the rollout goes on server-side"), "{stderr}");
    let wait = stderr.lines().find_map(|l| l.trim().strip_prefix("follow it again:")).expect("a command").trim();
    let revert = stderr.lines().find_map(|l| l.trim().strip_prefix("roll it back:")).expect("a command").trim();
    let endpoint = emulator.endpoint();
    assert!(wait.starts_with(&format!("tem --region ap-guangzhou --endpoint {endpoint} wait rollout")), "{wait}");
    assert!(wait.contains(&format!("--application-id {app} --environment-id {env}")), "{wait}");
    assert_eq!(revert, format!("tem --region ap-guangzhou --endpoint {endpoint} revert-deploy-application --application-id {app} --environment-id {env}"));
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap()["Outcome"], "TimedOut");

    // The printed command, as printed (its words are plain), follows it to the end.
    let words: Vec<&str> = wait.split_whitespace().skip(1).collect();
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command
        .args(&words)
        .args(["--output", "json"])
        .env_clear()
        .env("TENCENTCLOUD_SECRET_ID", emulator.secret_id())
        .env("TENCENTCLOUD_SECRET_KEY", emulator.secret_key())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let out = tokio::task::spawn_blocking(move || bounded(child)).await.unwrap();
    let summary = json(&out);
    assert_eq!(summary["Outcome"], "Succeeded", "{}", text(&out.stderr));
    assert_eq!(summary["Version"], "v2");
    assert!(text(&out.stderr).contains("rollout succeeded: v2 serves"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_that_hangs_ends_at_the_deadline_not_a_call_timeout_later() {
    let (emulator, app, env) = slow_rollouts(Duration::from_secs(1)).await;
    emulator
        .add_fault(FaultRule::always(Fault::Delay { millis: 100_000 }).for_action("DescribeDeployApplicationDetail"));
    let started = Instant::now();
    let out = tem(
        &emulator,
        &["deploy", "--application-id", &app, "--environment-id", &env, "--version", "v2", "--wait", "--timeout", "5"],
    )
    .await;
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    // A hang guard, not a timing test: without the bound it takes the client's 60 s timeout.
    assert!(took < Duration::from_secs(7), "took {took:?}");
}

/// A `tem` started in the background, its standard error being read.
struct Running {
    child: Child,
    /// The rest of standard error, read as it comes so that tem never blocks on it.
    stderr: std::thread::JoinHandle<String>,
}

impl Running {
    /// Waits for the end (within `common::BOUND`): the status, standard output and all of
    /// standard error after the lines already read.
    async fn finish(self) -> (Option<i32>, Value, String) {
        let out = tokio::task::spawn_blocking(move || bounded(self.child)).await.unwrap();
        let stderr = self.stderr.join().unwrap();
        (out.status.code(), serde_json::from_slice(&out.stdout).expect("a JSON summary"), stderr)
    }
}

/// Starts `tem deploy --wait` of a BETA rollout that nobody resumes, and reads its standard
/// error until it says it waits for confirmation.
fn paused_beta_deploy(emulator: &Emulator, app: &str, env: &str) -> Running {
    let args = [
        "deploy",
        "--application-id",
        app,
        "--environment-id",
        env,
        "--version",
        "v2",
        "--deploy-strategy-type",
        "BETA",
        "--beta-batch-num",
        "1",
        "--wait",
        "--timeout",
        "50",
    ];
    let mut child = command(emulator, &args).spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // Bounded by the child's own --timeout: its standard error closes when it ends.
    while !seen.contains("waiting for confirmation") {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("tem ended before the pause: {seen}");
        }
        seen.push_str(&line);
    }
    let stderr = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
        rest
    });
    Running { child, stderr }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_wait_on_a_reverted_rollout_exits_4() {
    let (emulator, app, env) = slow_rollouts(Duration::from_millis(200)).await;
    let running = tokio::task::block_in_place(|| paused_beta_deploy(&emulator, &app, &env));
    let revert =
        tem(&emulator, &["revert-deploy-application", "--application-id", &app, "--environment-id", &env]).await;
    assert!(revert.status.success(), "{}", text(&revert.stderr));
    let (status, summary, stderr) = running.finish().await;
    assert_eq!(status, Some(4), "a reverted rollout is not a success: {stderr}");
    assert_eq!(summary["Outcome"], "Reverted");
    assert!(stderr.contains("error: the rollout was reverted"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_exits_130_saying_the_rollout_goes_on_and_how_to_reattach() {
    let (emulator, app, env) = slow_rollouts(Duration::from_millis(200)).await;
    let running = tokio::task::block_in_place(|| paused_beta_deploy(&emulator, &app, &env));
    // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
    unsafe { libc::kill(running.child.id() as i32, libc::SIGINT) };
    let (status, summary, stderr) = running.finish().await;
    assert_eq!(status, Some(130), "{stderr}");
    assert_eq!(summary["Outcome"], "Interrupted");
    assert!(stderr.contains("interrupted (Ctrl-C)") && stderr.contains("the rollout goes on server-side"), "{stderr}");
    assert!(stderr.contains(&format!("wait rollout --application-id {app} --environment-id {env}")), "{stderr}");
    assert!(stderr.contains(&format!("revert-deploy-application --application-id {app} --environment-id {env}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_application_wait_follows_a_first_deployment() {
    let emulator = Emulator::start(EmulatorOptions::new().with_speed(1000.0)).await.unwrap();
    let env = emulator.seed_environment("dev").unwrap();
    let created =
        json(&tem(&emulator, &["create-application", "--application-name", "fresh", "--description", "d"]).await);
    let app = created["Result"].as_str().expect("the new application's id").to_owned();
    let out = tem(
        &emulator,
        &[
            "deploy-application",
            "--application-id",
            &app,
            "--environment-id",
            &env,
            "--deploy-version",
            "v1",
            "--init-pod-num",
            "2",
            "--cpu-spec",
            "0.5",
            "--memory-spec",
            "1",
            "--wait",
        ],
    )
    .await;
    let summary = json(&out);
    assert_eq!(summary["Outcome"], "Succeeded", "{}", text(&out.stderr));
    assert_eq!(summary["Version"], "v1");
    assert!(text(&out.stderr).contains("rollout succeeded: v1 serves"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_refused_while_a_rollout_runs_says_how_to_follow_it() {
    let (emulator, app, env) = slow_rollouts(Duration::from_secs(30)).await;
    let deploy = ["deploy", "--application-id", &app, "--environment-id", &env, "--version"];
    let first = tem(&emulator, &[&deploy[..], &["v2"]].concat()).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = tem(&emulator, &[&deploy[..], &["v3"]].concat()).await;
    assert_eq!(second.status.code(), Some(1));
    let stderr = text(&second.stderr);
    assert!(stderr.contains("error code: ResourceInUse.ServiceDeploying"), "{stderr}");
    let follow = format!("wait rollout --application-id {app} --environment-id {env}");
    assert!(stderr.contains("a rollout is under way") && stderr.contains(&follow), "{stderr}");
}
