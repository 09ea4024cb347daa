//! `tem plan` and `tem apply` against an in-process emulator: the binary run as a user runs it
//! (the emulator at 1000 times real time, so a batch's pods start in 10 ms), and the library's
//! `apply` on the emulator's manual clock where the order of requests matters. The emulator's
//! request log shows what was sent.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tem_cli::manifest::{self, ApplyOptions, Progress};
use tem_cli::{EmulatorTime, Exit};
use tem_emulator::{Emulator, EmulatorOptions, LoggedRequest};

const CRASH_MESSAGE: &str = "Back-off restarting failed container";

/// The actions that change something.
const WRITES: [&str; 10] = [
    "CreateEnvironment",
    "ModifyEnvironment",
    "CreateApplication",
    "DeployApplication",
    "ModifyApplicationReplicas",
    "CreateApplicationAutoscaler",
    "ModifyApplicationAutoscaler",
    "EnableApplicationAutoscaler",
    "CreateApplicationService",
    "ModifyApplicationService",
];

/// A manifest in a fresh file of its own.
struct ManifestFile(PathBuf);

impl ManifestFile {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tem-plan-apply-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for ManifestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn fast_emulator() -> Emulator {
    let emulator = Emulator::start(EmulatorOptions::new().with_speed(1000.0)).await.unwrap();
    emulator.crash_loop("v-crashloop", CRASH_MESSAGE);
    emulator
}

/// Runs the binary against `emulator` (its endpoint and credentials, nothing else).
async fn tem(emulator: &Emulator, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command
        .args(["--endpoint", &emulator.endpoint(), "--region", tem_emulator::DEFAULT_REGION])
        .args(args)
        .env_clear()
        .env("TENCENTCLOUD_SECRET_ID", emulator.secret_id())
        .env("TENCENTCLOUD_SECRET_KEY", emulator.secret_key())
        .stdin(Stdio::null());
    output(command).await
}

/// Runs a command off the runtime (the emulator serves on its workers meanwhile), within 60 s.
async fn output(mut command: Command) -> Output {
    let run = tokio::task::spawn_blocking(move || command.output().expect("the tem binary runs"));
    tokio::time::timeout(Duration::from_secs(60), run).await.expect("tem finishes within 60 s").unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn writes(log: &[LoggedRequest]) -> Vec<String> {
    log.iter().filter(|r| WRITES.contains(&r.action.as_str())).map(|r| r.action.clone()).collect()
}

fn client(emulator: &Emulator) -> tem_api::Client {
    let config = tem_api::Config::new(tem_api::Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(tem_emulator::DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap();
    tem_api::Client::new(config).unwrap()
}

/// The version and replicas an application runs, by name.
async fn running(emulator: &Emulator, name: &str) -> (String, i64) {
    let client = client(emulator);
    let apps = client.describe_applications().keyword(name).send().await.unwrap().result.records;
    let app = apps.iter().find(|a| a.application_name == name).expect("the application exists");
    let info = client
        .describe_application_info()
        .application_id(app.application_id.clone())
        .environment_id(app.environment_id.clone())
        .send()
        .await
        .unwrap()
        .result;
    (info.deploy_version, info.expected_instances.unwrap_or(info.init_pod_num))
}

const SHOP: &str = r#"
[environments.prod]
description = "Production"

[applications.web]
environment = "prod"
version = "v1"
cpu = 0.5
memory = 1
replicas = 2
strategy = { type = "AUTO", batches = 2 }

[[applications.web.services]]
name = "web"
type = "CLUSTER"
ports = [{ port = 80, target_port = 8080 }]

[applications.api]
environment = "prod"
package = "/api-1.0.jar"
version = "v1"
cpu = 1
memory = 2
replicas = 3

[applications.api.autoscaler]
name = "api-cpu"
min_replicas = 3
max_replicas = 9
rules = [{ metric = "CPU", threshold = 70 }]

[applications.worker]
environment = "prod"
version = "v1"
replicas = 1
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_from_empty_then_a_second_apply_changes_nothing_and_plan_exits_0() {
    let emulator = fast_emulator().await;
    let file = ManifestFile::new("shop", SHOP);

    let plan = tem(&emulator, &["plan", "-f", file.path()]).await;
    assert_eq!(plan.status.code(), Some(2), "changes: {}", text(&plan.stderr));
    let stdout = text(&plan.stdout);
    assert!(stdout.contains("environment prod: create\n  + description: Production\n"), "{stdout}");
    assert!(stdout.contains("application web (environment prod): create\n  + version: v1\n"), "{stdout}");
    assert!(stdout.contains("  autoscaler api-cpu: create\n"), "{stdout}");
    assert!(stdout.contains("  service web: create\n    + type: CLUSTER\n    + ports: 80:8080/TCP\n"), "{stdout}");
    assert!(
        stdout.ends_with("Plan: 4 to create, 0 to roll out, 0 to update, 0 unchanged, 0 not managed.\n"),
        "{stdout}"
    );
    assert!(writes(&emulator.requests()).is_empty(), "plan never writes");

    let apply = tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await;
    let stdout = text(&apply.stdout);
    assert_eq!(apply.status.code(), Some(0), "{stdout}\n{}", text(&apply.stderr));
    assert!(stdout.contains("\nweb: created app-"), "{stdout}");
    assert!(stdout.contains("v1 serves, service web created\n"), "{stdout}");
    assert!(stdout.contains("v1 serves, autoscaler api-cpu created\n"), "{stdout}");
    // Progress went to standard error, as plain lines on a pipe.
    let stderr = text(&apply.stderr);
    assert!(
        stderr.contains("environment prod: created en-") && stderr.contains("\napi: batch 1/1: finished\n"),
        "{stderr}"
    );
    let mut sent = writes(&emulator.requests());
    sent.sort();
    let expected = [
        "CreateApplication",
        "CreateApplication",
        "CreateApplication",
        "CreateApplicationAutoscaler",
        "CreateApplicationService",
        "CreateEnvironment",
        "DeployApplication",
        "DeployApplication",
        "DeployApplication",
        "EnableApplicationAutoscaler",
    ];
    assert_eq!(sent, expected);
    assert_eq!(running(&emulator, "api").await, ("v1".to_owned(), 3));

    let before = emulator.requests().len();
    let again = tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).ends_with("4 unchanged, 0 not managed.\nNothing to apply.\n"),
        "{}",
        text(&again.stdout)
    );
    assert!(writes(&emulator.requests()[before..]).is_empty(), "the second apply sent writes");

    let plan = tem(&emulator, &["plan", "-f", file.path()]).await;
    assert_eq!(plan.status.code(), Some(0), "{}\n{}", text(&plan.stdout), text(&plan.stderr));
    let json = tem(&emulator, &["apply", "-f", file.path(), "--auto-approve", "--output", "json"]).await;
    assert_eq!(json.status.code(), Some(0));
    let reply: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!((&reply["plan"]["changes"], &reply["results"]), (&serde_json::json!(false), &serde_json::json!([])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_bump_makes_exactly_one_rollout() {
    let emulator = fast_emulator().await;
    let file = ManifestFile::new("bump-v1", SHOP);
    assert_eq!(tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await.status.code(), Some(0));
    let bumped = ManifestFile::new("bump-v2", &SHOP.replacen("version = \"v1\"", "version = \"v2\"", 1));

    let plan = tem(&emulator, &["plan", "-f", bumped.path()]).await;
    assert_eq!(plan.status.code(), Some(2));
    let stdout = text(&plan.stdout);
    assert!(stdout.contains("application web (environment prod): roll out to v2\n  ~ version: v1 → v2\n"), "{stdout}");
    assert!(stdout.contains("application api (environment prod): unchanged\n"), "{stdout}");
    assert!(stdout.contains("Plan: 0 to create, 1 to roll out, 0 to update, 3 unchanged"), "{stdout}");

    let before = emulator.requests().len();
    let apply = tem(&emulator, &["apply", "-f", bumped.path(), "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    let log = &emulator.requests()[before..];
    assert_eq!(writes(log), ["DeployApplication"]);
    // The rollout used the manifest's strategy, and kept the pod count.
    let params = &log.iter().find(|r| r.action == "DeployApplication").unwrap().params;
    assert_eq!(params["DeployStrategyConf"]["TotalBatchCount"], 2);
    assert_eq!(params["InitPodNum"], 2);
    assert!(text(&apply.stderr).contains("\nweb: rolling out v2 from v1 in 2 batches\n"), "{}", text(&apply.stderr));
    assert_eq!(running(&emulator, "web").await, ("v2".to_owned(), 2));
    assert_eq!(tem(&emulator, &["plan", "-f", bumped.path()]).await.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_count_changed_out_of_band_shows_in_plan_and_apply_scales_it_back() {
    let emulator = fast_emulator().await;
    let file = ManifestFile::new("drift", SHOP);
    assert_eq!(tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await.status.code(), Some(0));
    let (app, env) = {
        let apps = client(&emulator).describe_applications().keyword("worker").send().await.unwrap().result.records;
        (apps[0].application_id.clone(), apps[0].environment_id.clone())
    };
    let scaled = tem(
        &emulator,
        &["modify-application-replicas", "--application-id", &app, "--environment-id", &env, "--replicas", "5"],
    )
    .await;
    assert_eq!(scaled.status.code(), Some(0), "{}", text(&scaled.stderr));

    let plan = tem(&emulator, &["plan", "-f", file.path()]).await;
    assert_eq!(plan.status.code(), Some(2));
    let stdout = text(&plan.stdout);
    assert!(stdout.contains("application worker (environment prod): update\n  ~ replicas: 5 → 1\n"), "{stdout}");

    let json = tem(&emulator, &["plan", "-f", file.path(), "--output", "json"]).await;
    assert_eq!(json.status.code(), Some(2));
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!(plan["changes"], true);
    let worker = plan["applications"].as_array().unwrap().iter().find(|a| a["name"] == "worker").unwrap();
    assert_eq!(worker["action"], "update");
    assert_eq!(worker["changes"], serde_json::json!([{"field": "replicas", "old": "5", "new": "1"}]));
    assert_eq!(worker["scale"], 1);

    let before = emulator.requests().len();
    let apply = tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert_eq!(writes(&emulator.requests()[before..]), ["ModifyApplicationReplicas"]);
    assert!(text(&apply.stdout).contains("worker: scaled to 1\n"));
    assert_eq!(running(&emulator, "worker").await, ("v1".to_owned(), 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_looping_application_fails_the_others_finish_and_apply_exits_4() {
    let emulator = fast_emulator().await;
    let file = ManifestFile::new("crash-v1", SHOP);
    assert_eq!(tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await.status.code(), Some(0));
    let bad = SHOP
        .replacen("version = \"v1\"", "version = \"v2\"", 1)
        .replacen("version = \"v1\"", "version = \"v-crashloop\"", 1)
        .replacen("version = \"v1\"", "version = \"v2\"", 1);
    let bad = ManifestFile::new("crash-v2", &bad);

    let apply = tem(&emulator, &["apply", "-f", bad.path(), "--auto-approve"]).await;
    let (stdout, stderr) = (text(&apply.stdout), text(&apply.stderr));
    assert_eq!(apply.status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(stdout.contains("\napi: failed\nweb: v2 serves\nworker: v2 serves\n"), "{stdout}");
    assert!(
        stderr.contains(&format!("error: api: the rollout failed (status Error) in batch 1: {CRASH_MESSAGE}")),
        "{stderr}"
    );
    assert_eq!(running(&emulator, "web").await.0, "v2");
    assert_eq!(running(&emulator, "api").await.0, "v1", "the failed version does not serve");

    // The failed rollout is still there to retry: with --revert-on-failure it is reverted.
    let plan = tem(&emulator, &["plan", "-f", bad.path()]).await;
    assert!(text(&plan.stdout).contains("application api (environment prod): roll out to v-crashloop\n"));
    let apply = tem(&emulator, &["apply", "-f", bad.path(), "--auto-approve", "--revert-on-failure"]).await;
    let stderr = text(&apply.stderr);
    assert_eq!(apply.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("api: reverting (--revert-on-failure)"), "{stderr}");
    assert!(stderr.contains(&format!("{CRASH_MESSAGE}; reverted to the previous version")), "{stderr}");
    let log = emulator.requests();
    assert_eq!(log.iter().filter(|r| r.action == "RevertDeployApplication").count(), 1);
    assert_eq!(running(&emulator, "api").await.0, "v1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_manifests_give_line_and_column_and_nothing_is_sent() {
    let emulator = fast_emulator().await;
    let cases: [(&str, &str); 7] = [
        ("[environments.prod]\nregion = \"x\"\n", ":2:1: unknown field `region`"),
        (
            "[environments.prod]\n[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\nreplicas = \"two\"\n",
            ":5:12: invalid type: string \"two\", expected i64",
        ),
        (
            "[environments.prod]\n[applications.web]\nenvironment = \"staging\"\nversion = \"v1\"\n",
            ":3:15: application \"web\" names the environment \"staging\", which the manifest does not define",
        ),
        ("[environments.prod]\n[environments.prod]\n", ":2:15: duplicate key"),
        (
            "[environments.prod]\n[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\nreplicas = 500\n",
            ":5:12: replicas must be 0 to 200",
        ),
        (
            "[environments.prod]\n[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\n\
             services = [{ name = \"a\", type = \"CLUSTER\", ports = [{ port = 80, target_port = 80 }] },\n\
             { name = \"a\", type = \"CLUSTER\", ports = [{ port = 81, target_port = 81 }] }]\n",
            ":6:1: application \"web\" has two services named \"a\"",
        ),
        (
            "[environments.prod]\n[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\n\
             strategy = { type = \"BETA\", batches = 0 }\n",
            ":5:39: strategy: batches 0 is not within 1 to 100",
        ),
    ];
    for (i, (manifest, error)) in cases.iter().enumerate() {
        let file = ManifestFile::new(&format!("invalid-{i}"), manifest);
        let plan = tem(&emulator, &["plan", "-f", file.path()]).await;
        assert_eq!(plan.status.code(), Some(1), "plan: an error is 1");
        let stderr = text(&plan.stderr);
        assert!(stderr.starts_with(&format!("error: {}{error}", file.path())), "case {i}: {stderr}");
        let apply = tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await;
        assert_eq!(apply.status.code(), Some(2), "apply: bad input is 2");
        assert!(text(&apply.stderr).starts_with(&format!("error: {}{error}", file.path())));
    }
    assert!(emulator.requests().is_empty(), "nothing was sent: {:?}", emulator.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_refuses_without_auto_approve_when_stdin_is_not_a_terminal() {
    let emulator = fast_emulator().await;
    let file = ManifestFile::new("approve", SHOP);
    let apply = tem(&emulator, &["apply", "-f", file.path()]).await;
    assert_eq!(apply.status.code(), Some(2));
    assert!(text(&apply.stderr).contains("pass --auto-approve"), "{}", text(&apply.stderr));
    // Nor is --dry-run taken for "apply nothing": it is refused.
    let dry = tem(&emulator, &["apply", "-f", file.path(), "--auto-approve", "--dry-run"]).await;
    assert_eq!(dry.status.code(), Some(2));
    assert!(text(&dry.stderr).contains("`tem plan` shows what `tem apply` would do"), "{}", text(&dry.stderr));
    assert!(emulator.requests().is_empty());
}

/// `plan`'s 2 means "changes": every error of `plan` is 1, usage errors included (which are 2
/// for every other command), so a pipeline never takes a typo for a plan with changes.
#[tokio::test]
async fn plan_exits_1_on_a_usage_error_where_other_commands_exit_2() {
    let run = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
        command.args(args).env_clear().stdin(Stdio::null());
        output(command)
    };
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tem.toml");
    for args in [
        &["plan", "-f", example, "--bogus"][..],
        &["plan", "-f"],
        &["--emulator", "--output", "yaml", "plan", "-f", example],
        &["--region", "ap-guangzhou", "--bogus", "plan", "-f", example],
        &["--emulator", "plan", "-f", example, "extra"],
    ] {
        let out = run(args).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "tem {args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "clap's message: {stderr}");
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    }
    for args in [&["apply", "--bogus"][..], &["--bogus", "apply"], &["deploy", "--bogus"]] {
        assert_eq!(run(args).await.status.code(), Some(2), "tem {args:?}");
    }
    // Help is no error.
    assert_eq!(run(&["plan", "--help"]).await.status.code(), Some(0));
}

/// Runs the binary with its standard output closed before it writes anything (as `| head -c1`
/// that has its byte); its exit status and standard error, within 60 s.
async fn with_stdout_closed(args: &[&str]) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command.args(args).env_clear().stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let run = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the tem binary runs");
        drop(child.stdout.take());
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        (child.wait().unwrap().code(), stderr)
    });
    tokio::time::timeout(Duration::from_secs(60), run).await.expect("tem finishes within 60 s").unwrap()
}

/// `tem plan … | head -1` ends quietly with the documented 141; `apply` carries its rollouts
/// through all the same (as `deploy --wait`), then exits 141 for the results it could not show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_ends_plan_and_apply_quietly_with_141_after_the_rollouts() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tem.toml");
    let fast = ["--emulator", "--emulator-speed", "1000"];
    for json in [&[][..], &["--output", "json"]] {
        let (status, stderr) = with_stdout_closed(&[&fast[..], &["plan", "-f", example], json].concat()).await;
        assert_eq!(status, Some(141), "{stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
        let (status, stderr) =
            with_stdout_closed(&[&fast[..], &["apply", "-f", example, "--auto-approve"], json].concat()).await;
        assert_eq!(status, Some(141), "{stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
        assert!(stderr.contains("api: done: created "), "the rollouts went on: {stderr}");
        assert!(stderr.contains("1.0.0 serves"), "{stderr}");
    }
    // As in a shell pipeline: whether tem or head ends first, no panic text.
    let pipeline = format!("'{}' --emulator plan -f '{example}' | head -c1", env!("CARGO_BIN_EXE_tem"));
    let mut command = Command::new("sh");
    command.args(["-c", &pipeline]).env_clear().stdin(Stdio::null());
    let out = output(command).await;
    assert_eq!(out.stdout, b"e", "the plan's first byte");
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
}

const IMAGED: &str = r#"
[environments.prod]

[applications.web]
environment = "prod"
image = "team/web"
version = "1.4.2"
replicas = 2
env = { LOG_LEVEL = "info", REGION = "gz" }

[applications.api]
environment = "prod"
package = "/api-1.0.jar"
version = "1.0"
replicas = 1
env = { MODE = "jar" }
"#;

/// An image and environment variables are read back as they were deployed: once applied, plan
/// has nothing to change; a changed variable is one rollout, and then nothing again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_with_image_and_env_plans_no_changes_once_applied() {
    let emulator = fast_emulator().await;
    let file = ManifestFile::new("imaged", IMAGED);
    let apply = tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    let plan = tem(&emulator, &["plan", "-f", file.path()]).await;
    assert_eq!(plan.status.code(), Some(0), "{}\n{}", text(&plan.stdout), text(&plan.stderr));
    assert!(
        text(&plan.stdout).ends_with("Plan: 0 to create, 0 to roll out, 0 to update, 3 unchanged, 0 not managed.\n")
    );

    let changed = ManifestFile::new("imaged-debug", &IMAGED.replace("LOG_LEVEL = \"info\"", "LOG_LEVEL = \"debug\""));
    let plan = tem(&emulator, &["plan", "-f", changed.path()]).await;
    let stdout = text(&plan.stdout);
    assert_eq!(plan.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("application web (environment prod): roll out to 1.4.2\n  ~ env.LOG_LEVEL: info → debug\n"),
        "{stdout}"
    );
    let before = emulator.requests().len();
    let apply = tem(&emulator, &["apply", "-f", changed.path(), "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    let log = &emulator.requests()[before..];
    assert_eq!(writes(log), ["DeployApplication"]);
    let params = &log.iter().find(|r| r.action == "DeployApplication").unwrap().params;
    assert_eq!(params["ImgRepo"], "team/web");
    assert_eq!(tem(&emulator, &["plan", "-f", changed.path()]).await.status.code(), Some(0));
}

/// The example manifest plans against `--emulator` (seeded with `demo` and `demo-app`), and
/// is idempotent once applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_manifest_plans_against_the_emulator_and_is_idempotent() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/tem.toml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command.args(["--emulator", "plan", "-f", example]).env_clear().stdin(Stdio::null());
    let out = output(command).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("environment staging: create\n"), "{stdout}");
    assert!(stdout.contains("application api (environment staging): create\n"), "{stdout}");
    assert!(stdout.contains("application demo-app (environment demo): unchanged\n"), "{stdout}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    assert!(readme.contains("cargo run -p tem-cli -- --emulator plan -f tem-cli/examples/tem.toml\n"));

    let emulator = fast_emulator().await;
    let env = emulator.seed_environment("demo").unwrap();
    emulator.seed_application(&env, "demo-app", "v1", 4).unwrap();
    let apply = tem(&emulator, &["apply", "-f", example, "--auto-approve"]).await;
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    let plan = tem(&emulator, &["plan", "-f", example]).await;
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stdout));
}

/// Three applications at v1 on a manual clock, and a manifest bumping all three to v2;
/// applies it with `parallel`; the request log of the apply.
async fn apply_three(parallel: usize) -> Vec<LoggedRequest> {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let env = emulator.seed_environment("prod").unwrap();
    let mut text = String::from("[environments.prod]\n");
    for name in ["a", "b", "c"] {
        emulator.seed_application(&env, name, "v1", 2).unwrap();
        text.push_str(&format!(
            "[applications.{name}]\nenvironment = \"prod\"\nversion = \"v2\"\nreplicas = 2\n\
             strategy = {{ batches = 2 }}\n"
        ));
    }
    let manifest = manifest::parse("three.toml", &text).unwrap();
    let client = client(&emulator);
    let plan = manifest::plan(&client, &manifest).await.unwrap();
    assert_eq!(manifest::plan_text(&plan).matches("roll out to v2").count(), 3);
    let before = emulator.requests().len();
    let options = ApplyOptions {
        parallel,
        revert_on_failure: false,
        auto_resume: false,
        deadline: Duration::from_secs(600),
        // The waiter's sleeps advance the emulator's manual clock.
        wait_time: Some(EmulatorTime::new(emulator.clock().clone())),
    };
    let outcomes = tokio::time::timeout(
        Duration::from_secs(30),
        manifest::apply(&client, &plan, &options, Arc::new(Progress::quiet())),
    )
    .await
    .expect("apply finishes")
    .unwrap();
    assert_eq!(manifest::exit_status(&outcomes), Exit::Success);
    assert!(outcomes.iter().all(|o| o.result.as_ref().is_ok_and(|done| done == "v2 serves")), "{outcomes:?}");
    emulator.requests()[before..].to_vec()
}

/// Whether every rollout started before any ended: each application's `DeployApplication`
/// comes before the last poll of every other one.
fn overlapping(log: &[LoggedRequest]) -> bool {
    let app = |r: &LoggedRequest| r.params["ApplicationId"].as_str().unwrap_or_default().to_owned();
    let deploys: Vec<u64> = log.iter().filter(|r| r.action == "DeployApplication").map(|r| r.sequence).collect();
    assert_eq!(deploys.len(), 3);
    let mut last_polls = std::collections::BTreeMap::new();
    for r in log.iter().filter(|r| r.action == "DescribeDeployApplicationDetail") {
        last_polls.insert(app(r), r.sequence);
    }
    assert_eq!(last_polls.len(), 3);
    deploys.iter().max() < last_polls.values().min()
}

#[tokio::test]
async fn three_applications_roll_out_in_parallel() {
    let log = apply_three(4).await;
    assert!(overlapping(&log), "the rollouts did not overlap: {:?}", log.iter().map(|r| &r.action).collect::<Vec<_>>());
    // One at a time, they do not: the check can fail.
    assert!(!overlapping(&apply_three(1).await));
}

/// Live state is read through every page: 25 applications are more than one page of 20.
#[tokio::test]
async fn plan_reads_every_page_and_lists_what_it_does_not_manage() {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let env = emulator.seed_environment("prod").unwrap();
    emulator.seed_environment("other").unwrap();
    for i in 0..25 {
        emulator.seed_application(&env, &format!("app-{i:02}"), "v1", 1).unwrap();
    }
    let text = "[environments.prod]\n[applications.app-24]\nenvironment = \"prod\"\nversion = \"v1\"\n";
    let plan = manifest::plan(&client(&emulator), &manifest::parse("t.toml", text).unwrap()).await.unwrap();
    let text = manifest::plan_text(&plan);
    assert!(text.contains("application app-24 (environment prod): unchanged\n"), "{text}");
    assert!(text.contains("application app-23 (app-"), "{text}");
    assert!(text.contains("environment other (en-"), "{text}");
    assert!(text.ends_with("Plan: 0 to create, 0 to roll out, 0 to update, 2 unchanged, 25 not managed.\n"), "{text}");
    let pages = emulator.requests().iter().filter(|r| r.action == "DescribeApplications").count();
    assert_eq!(pages, 2);
}

/// A BETA rollout waits for confirmation: without `--auto-resume` the deadline passes (exit 5),
/// with it the rollout goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_beta_rollout_nobody_resumes_exits_5_and_auto_resume_carries_it_through() {
    let emulator = fast_emulator().await;
    let v1 = "[environments.prod]\n[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\nreplicas = 3\n\
              strategy = { type = \"BETA\", beta_pods = 1, batches = 2 }\n";
    let file = ManifestFile::new("beta-v1", v1);
    assert_eq!(tem(&emulator, &["apply", "-f", file.path(), "--auto-approve"]).await.status.code(), Some(0));
    let v2 = ManifestFile::new("beta-v2", &v1.replace("\"v1\"", "\"v2\""));

    let apply = tem(&emulator, &["apply", "-f", v2.path(), "--auto-approve", "--timeout", "5"]).await;
    let stderr = text(&apply.stderr);
    assert_eq!(apply.status.code(), Some(5), "{stderr}");
    // The rollout's events as `deploy --wait` describes them, one line each, named.
    assert!(stderr.contains("\nweb: rolling out v2 from v1: a beta batch, then 2 batches\n"), "{stderr}");
    // The old pod stops once the new one is ready (no MinAvailable: see the emulator's model).
    assert!(stderr.contains("\nweb: beta batch: new pods 1/1 ready (of 1), old pods 0/1 ready\n"), "{stderr}");
    let (app, env) = {
        let apps = client(&emulator).describe_applications().keyword("web").send().await.unwrap().result.records;
        (apps[0].application_id.clone(), apps[0].environment_id.clone())
    };
    // The command reaches the same TEM: the global flags of the apply.
    let waiting = format!(
        "\nweb: waiting for confirmation after beta batch: resume with `tem --region {} --endpoint {} \
         resume-deploy-application --application-id {app} --environment-id {env}` (or follow with --auto-resume)\n",
        tem_emulator::DEFAULT_REGION,
        emulator.endpoint()
    );
    assert!(stderr.contains(&waiting), "{stderr}");
    assert!(
        stderr.contains("\nweb: failed: the rollout did not finish within 5 s (last status Running)\n"),
        "{stderr}"
    );
    assert!(stderr.contains("error: web: the rollout did not finish within 5 s (last status Running)"), "{stderr}");

    // TEM refuses a new rollout while one waits: resume this one by hand, then apply a
    // fresh version with --auto-resume.
    client(&emulator).resume_rollout(app.clone(), env.clone()).await.unwrap();
    client(&emulator).wait_for_rollout(app, env).wait(|_| {}).await.unwrap();
    let v3 = ManifestFile::new("beta-v3", &v1.replace("\"v1\"", "\"v3\""));
    let apply = tem(&emulator, &["apply", "-f", v3.path(), "--auto-approve", "--auto-resume"]).await;
    let stderr = text(&apply.stderr);
    assert_eq!(apply.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("\nweb: waiting for confirmation after beta batch: resuming (--auto-resume)\n"),
        "{stderr}"
    );
    assert!(stderr.contains("\nweb: resumed\n"), "{stderr}");
    assert!(stderr.contains("\nweb: batch 2/2: finished\n"), "{stderr}");
    assert_eq!(running(&emulator, "web").await.0, "v3");
}
