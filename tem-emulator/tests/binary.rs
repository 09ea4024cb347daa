//! The `tem-emulator` binary as a user runs it, and its control API over HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};
use tem_api::operation::describe_environments::DescribeEnvironmentsRequest;
use tem_api::{Client, Config, Credentials};
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_REGION};

/// The child process, killed when dropped (a failing test must not leave it running).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads its banner up to the secret key: `(child, lines)`.
fn start(args: &[&str]) -> (Running, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tem-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("control:");
        lines.push(line);
        if done {
            break;
        }
    }
    (running, lines)
}

fn field<'a>(lines: &'a [String], name: &str) -> &'a str {
    lines.iter().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or_else(|| panic!("no {name} in {lines:?}"))
}

#[tokio::test]
async fn the_binary_prints_its_endpoint_and_credentials_and_serves_them() {
    let (_child, lines) =
        start(&["--port", "0", "--secret-id", "AKIDbinary", "--secret-key", "binary-key", "--speed", "50", "--seed"]);
    let endpoint = field(&lines, "endpoint:");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{lines:?}");
    assert_eq!((field(&lines, "secret id:"), field(&lines, "secret key:")), ("AKIDbinary", "binary-key"));
    assert!(field(&lines, "seeded:").contains("en-"), "{lines:?}");

    let config = Config::new(Credentials::new("AKIDbinary", "binary-key"))
        .with_region(DEFAULT_REGION)
        .unwrap()
        .with_endpoint(endpoint)
        .unwrap();
    let client = Client::new(config).unwrap();
    let page = client.send(&DescribeEnvironmentsRequest::builder().build().unwrap()).await.unwrap().result;
    assert_eq!(page.records.iter().map(|r| r.environment_name.as_str()).collect::<Vec<_>>(), ["dev"]);
}

#[tokio::test]
async fn a_token_makes_the_credentials_temporary() {
    let (_child, lines) = start(&["--secret-id", "AKIDtmp", "--secret-key", "k", "--token", "tok"]);
    assert_eq!(field(&lines, "token:"), "tok");
    let endpoint = field(&lines, "endpoint:");
    let request = DescribeEnvironmentsRequest::builder().build().unwrap();
    for (credentials, accepted) in
        [(Credentials::new("AKIDtmp", "k").with_token("tok"), true), (Credentials::new("AKIDtmp", "k"), false)]
    {
        let config = Config::new(credentials).with_region(DEFAULT_REGION).unwrap().with_endpoint(endpoint).unwrap();
        let result = Client::new(config).unwrap().send(&request).await;
        assert_eq!(result.is_ok(), accepted, "{result:?}");
    }
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_tem-emulator")).args(["--speed", "0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--speed"));
    let output = Command::new(env!("CARGO_BIN_EXE_tem-emulator")).args(["--secret-id", "x"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "a secret id needs its key");
    let output = Command::new(env!("CARGO_BIN_EXE_tem-emulator")).args(["--token", "t"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "a token needs its secret id");
    let missing = std::env::temp_dir().join("tem-emulator-no-such-state.json");
    let output = Command::new(env!("CARGO_BIN_EXE_tem-emulator")).arg("--state").arg(&missing).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
}

#[tokio::test]
async fn the_control_api_seeds_advances_scripts_faults_logs_and_round_trips_the_state() {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let http = reqwest::Client::new();
    let url = |route: &str| format!("{}/_emulator/{route}", emulator.endpoint());
    let post = |route: &str, body: Value| http.post(url(route)).json(&body).send();

    let seeded: Value = post("seed", json!({"EnvironmentName": "qa", "ApplicationName": "api", "Replicas": 3}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (env, app) = (seeded["EnvironmentId"].as_str().unwrap(), seeded["ApplicationId"].as_str().unwrap());
    assert!(env.starts_with("en-") && app.starts_with("app-"), "{seeded}");

    let before = emulator.clock().now_ms();
    assert_eq!(post("advance", json!({"Seconds": 90})).await.unwrap().status(), 200);
    assert_eq!(emulator.clock().now_ms() - before, 90_000);
    assert_eq!(post("advance", json!({"Seconds": -1})).await.unwrap().status(), 400);

    let script = json!({"DeployVersion": "v9", "Behaviour": "CrashLoop", "ErrorMessage": "boom"});
    assert_eq!(post("versions", script).await.unwrap().status(), 200);
    assert!(matches!(emulator.state().versions["v9"], tem_emulator::VersionBehaviour::CrashLoop { .. }));

    let rule = json!({"Action": "DescribeEnvironments", "Fault": {"Kind": "ServiceError", "Code": "InternalError"}, "Count": 1});
    assert_eq!(post("faults", rule).await.unwrap().status(), 200);
    assert_eq!(post("faults", json!({"Fault": {"Kind": "Nonsense"}})).await.unwrap().status(), 400);
    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap()
        .with_retry_policy(tem_api::RetryPolicy::disabled());
    let client = Client::new(config).unwrap();
    let request = DescribeEnvironmentsRequest::builder().build().unwrap();
    assert!(client.send(&request).await.is_err(), "the fault applies once");
    assert_eq!(client.send(&request).await.unwrap().result.total, 1);
    let log: Value = http.get(url("requests")).send().await.unwrap().json().await.unwrap();
    let verdicts: Vec<&Value> = log.as_array().unwrap().iter().map(|r| &r["Verdict"]).collect();
    assert_eq!(verdicts, [&json!("InternalError"), &Value::Null]);

    // The state survives a save and a load, into another emulator.
    let state: Value = http.get(url("state")).send().await.unwrap().json().await.unwrap();
    let other = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let path = std::env::temp_dir().join(format!("tem-emulator-state-{}.json", std::process::id()));
    std::fs::write(&path, state.to_string()).unwrap();
    other.load_state_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(other.state().applications[app].deployments[env].pods.len(), 3);
    assert!(other.load_state_file(std::path::Path::new("/dev/zero")).is_err(), "only regular files");
    assert_eq!(http.post(url("state")).body("{not json").send().await.unwrap().status(), 400);

    assert_eq!(post("reset", json!({})).await.unwrap().status(), 200);
    assert!(emulator.state().applications.is_empty() && emulator.requests().is_empty());
    assert_eq!(http.get(url("nothing")).send().await.unwrap().status(), 404);
}
