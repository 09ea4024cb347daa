//! The `tem-emulator` binary as a user runs it, and its control API over HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};
use tem_api::operation::describe_environments::DescribeEnvironmentsRequest;
use tem_api::{Client, Config, Credentials};
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_REGION};

/// Starts the binary and reads its banner (within 30 s): `(child, lines)`.
fn start(args: &[&str]) -> (common::Running, Vec<String>) {
    let running = common::Running::start(args);
    let lines = running.banner.clone();
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
    let (_child, lines) = start(&["--port", "0", "--secret-id", "AKIDtmp", "--secret-key", "k", "--token", "tok"]);
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
    let not_a_file = std::env::temp_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_tem-emulator"))
        .args(["--port", "0", "--state"])
        .arg(&not_a_file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a regular file"));
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

mod common;

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tem-emulator-{name}-{}.json", std::process::id()))
}

/// A legacy-signed call through the running binary: the reply's `Response`.
fn signed(emulator: &common::Running, action: &str, own: &[(&str, &str)]) -> Value {
    let addr = emulator.addr();
    let own: Vec<(String, String)> = own.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let (id, key) = (emulator.field("secret id:"), emulator.field("secret key:"));
    let body = common::legacy_body(&addr.to_string(), &id, &key, action, &own);
    let request = common::post(addr, "application/x-www-form-urlencoded", "", body.as_bytes());
    let (_, reply) = common::exchange(addr, &request).expect("a reply");
    serde_json::from_str::<Value>(&reply).unwrap()["Response"].clone()
}

/// Sends SIGTERM and waits (at most 10 s) for the exit status.
fn terminate(emulator: &mut common::Running) -> std::process::ExitStatus {
    let pid = emulator.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(status) = emulator.child.try_wait().unwrap() {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "no exit within 10 s of SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_state_file_is_created_saved_on_sigterm_and_loaded_after_a_restart() {
    let path = temp_path("persist");
    let _ = std::fs::remove_file(&path);
    let mut first = common::Running::start(&["--port", "0", "--state", path.to_str().unwrap()]);
    assert!(first.field("state:").ends_with("(created)"), "{:?}", first.banner);
    assert!(path.exists(), "the state file is created at start");
    let created = signed(&first, "CreateEnvironment", &[("EnvironmentName", "kept")]);
    let env = created["Result"].as_str().unwrap().to_owned();
    assert!(terminate(&mut first).success());

    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["Environments"][&env]["Name"], "kept", "PascalCase, as the control API");
    let second = common::Running::start(&["--port", "0", "--state", path.to_str().unwrap()]);
    let page = signed(&second, "DescribeEnvironments", &[]);
    let names: Vec<&str> =
        page["Result"]["Records"].as_array().unwrap().iter().map(|r| r["EnvironmentName"].as_str().unwrap()).collect();
    assert_eq!(names, ["kept"]);
    // Saved after each change, not only on the way out: a second change shows up while it runs.
    signed(&second, "CreateEnvironment", &[("EnvironmentName", "later")]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::fs::read_to_string(&path).unwrap_or_default().contains("\"later\"") {
        assert!(std::time::Instant::now() < deadline, "the change was not saved within 10 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    drop(second);
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with(&format!("{}.tmp", path.file_name().unwrap().to_string_lossy()))
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn health_and_the_route_index_answer_and_the_banner_names_them() {
    let emulator = common::Running::start(&["--port", "0"]);
    let addr = emulator.addr();
    assert_eq!(emulator.field("health:"), format!("http://{addr}/_emulator/health"));
    assert!(emulator.field("control:").starts_with(&format!("http://{addr}/_emulator/")));
    let get =
        |path: &str| common::exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();
    let (status, body) = get("/_emulator/health");
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, &health["Ready"], &health["Version"]), (200, &json!(true), &json!(env!("CARGO_PKG_VERSION"))));
    assert!(health["UptimeSeconds"].is_u64(), "{health}");
    let (status, body) = get("/_emulator/");
    let index: Value = serde_json::from_str(&body).unwrap();
    let paths: Vec<&str> = index["Routes"].as_array().unwrap().iter().map(|r| r["Path"].as_str().unwrap()).collect();
    assert_eq!(status, 200);
    for route in
        ["/_emulator/health", "/_emulator/state", "/_emulator/faults", "/_emulator/requests", "/_emulator/reset"]
    {
        assert!(paths.contains(&route), "{route} not in {paths:?}");
    }
}

#[test]
fn a_control_token_guards_every_control_route_but_health() {
    let emulator = common::Running::start(&["--port", "0", "--control-token", "s3cret"]);
    let addr = emulator.addr();
    let get = |path: &str, auth: &str| {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}\r\n");
        common::exchange(addr, request.as_bytes()).unwrap().0
    };
    assert_eq!(get("/_emulator/state", ""), 401);
    assert_eq!(get("/_emulator/state", "Authorization: Bearer wrong\r\n"), 401);
    assert_eq!(get("/_emulator/state", "Authorization: Bearer s3cret\r\n"), 200);
    assert_eq!(get("/_emulator/health", ""), 200);
}

#[test]
fn a_non_loopback_address_without_a_token_is_warned_about_and_log_lines_go_to_stderr() {
    let mut running = common::Running::start_with(&["--port", "0", "--host", "0.0.0.0", "--log"], Stdio::piped());
    let endpoint = running.field("endpoint:");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "a client can connect to it: {endpoint}");
    // Stderr read on a thread, each line awaited at most 10 s.
    let stderr = BufReader::new(running.child.stderr.take().unwrap());
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let next = || lines.recv_timeout(std::time::Duration::from_secs(10)).expect("a line on stderr within 10 s");
    let warning = next();
    assert!(warning.contains("WARNING") && warning.contains("no authentication"), "{warning}");
    let addr = running.addr();
    let request = common::post(addr, "application/json", "X-TC-Action: DescribeEnvironments\r\n", b"{}");
    common::exchange(addr, &request).unwrap();
    let line = next();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[..3], ["0", "DescribeEnvironments", "MissingParameter"], "{line}");
    assert!(words[3].ends_with("ms"), "{line}");
}

#[test]
fn a_state_file_of_unknown_members_is_refused_and_left_alone_never_read_as_empty() {
    // E.g. a state file of the earlier snake_case layout: read as empty, it would be overwritten.
    let path = temp_path("old-layout");
    let old = r#"{"environments": {"en-aaaaaaaa": {}}, "next_id": 3}"#;
    std::fs::write(&path, old).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tem-emulator"))
        .args(["--port", "0", "--state"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the emulator started with a state file it could not read");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown field `environments`"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), old, "the file is left as it was");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn log_lines_to_a_closed_stderr_are_lost_and_requests_still_answered() {
    let mut running = common::Running::start_with(&["--port", "0", "--log"], Stdio::piped());
    drop(running.child.stderr.take());
    let addr = running.addr();
    for _ in 0..3 {
        let request = common::post(addr, "application/json", "X-TC-Action: DescribeEnvironments\r\n", b"{}");
        let (status, body) = common::exchange(addr, &request).expect("a reply although stderr is closed");
        assert_eq!(status, 200, "{body}");
    }
    assert!(running.alive());
}
