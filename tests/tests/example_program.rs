//! The `rolling_update` example program (tem-api/examples) as a user runs it: against the
//! local front door through `TENCENTCLOUD_ENDPOINT`, with credentials and region from the
//! environment. `cargo test --workspace` builds the example before running this.

use std::path::PathBuf;
use std::process::{Command, Output};

use tem_tests::{examples_responder, FrontDoor, FrontDoorOptions, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

/// `target/<profile>/examples/rolling_update`, beside this test's own `deps/` directory.
fn program() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("examples").join("rolling_update");
    assert!(path.exists(), "{} is not built: run `cargo test --workspace`, which builds examples", path.display());
    path
}

/// Runs the program with only the given variables (no user's real credentials leak in).
fn run(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let home = std::env::temp_dir().join("tem-example-home-that-does-not-exist");
    let mut command = Command::new(program());
    command.env_clear().env("HOME", home).args(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const REQUIRED: [&str; 6] =
    ["--application-id", "app-xxxxxx", "--environment-id", "en-xxxxxx", "--deploy-version", "v1"];

fn vars(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TENCENTCLOUD_SECRET_ID", DEFAULT_SECRET_ID.to_owned()),
        ("TENCENTCLOUD_SECRET_KEY", DEFAULT_SECRET_KEY.to_owned()),
        ("TENCENTCLOUD_REGION", "ap-guangzhou".to_owned()),
        ("TENCENTCLOUD_ENDPOINT", endpoint.to_owned()),
    ]
}

fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn prints_the_revision_id_and_request_id_and_sends_the_arguments() {
    let server = FrontDoor::start(FrontDoorOptions::default().with_responder(examples_responder())).await;
    let vars = vars(&server.endpoint());
    let mut args = REQUIRED.to_vec();
    args.extend(["--deploy-strategy-type", "BETA", "--total-batch-count", "2", "--force"]);
    let output = run(&borrowed(&vars), &args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "revision id: revision-xxx\nrequest id: 81f74023-563c-437d-abf7-8139449ef178\n");
    let received = &server.requests()[0];
    assert_eq!(received.verdict, None, "signed and accepted");
    assert_eq!(
        received.body_json().unwrap(),
        serde_json::json!({"ApplicationId": "app-xxxxxx", "EnvironmentId": "en-xxxxxx", "DeployVersion": "v1",
            "DeployStrategyType": "BETA", "TotalBatchCount": 2, "Force": true})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_error_prints_code_message_and_request_id_and_exits_1() {
    let server = FrontDoor::start(
        FrontDoorOptions::default()
            .with_responder(|_| Response::service_error("ResourceInUse.ServiceDeploying", "服务部署中。")),
    )
    .await;
    let vars = vars(&server.endpoint());
    let output = run(&borrowed(&vars), &REQUIRED);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error code: ResourceInUse.ServiceDeploying\nmessage: 服务部署中。\nrequest id: "),
        "{stderr}"
    );
    assert_eq!(server.request_count(), 1, "a deployment in progress is not retried");
}

#[test]
fn a_missing_argument_or_credential_is_one_line_and_exit_2() {
    let vars = vars("http://127.0.0.1:9");
    let output = run(&borrowed(&vars), &["--application-id", "a", "--deploy-version", "v"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: --environment-id is required"), "{stderr}");

    let output = run(&[("TENCENTCLOUD_REGION", "ap-guangzhou"), ("TENCENTCLOUD_SECRET_ID", "AKIDonly")], &REQUIRED);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("TENCENTCLOUD_SECRET_KEY"), "{stderr}");

    let output = run(&[("TENCENTCLOUD_SECRET_ID", "AKID"), ("TENCENTCLOUD_SECRET_KEY", "k")], &REQUIRED);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("TENCENTCLOUD_REGION is not set"), "{}", text(&output.stderr));
}
