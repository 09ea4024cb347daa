//! The `rolling_update` example program (tem-api/examples) as a user runs it: against the
//! local front door through `TENCENTCLOUD_ENDPOINT`, with credentials and region from the
//! environment. The program is built (or found up to date) by cargo first, so the test runs
//! the example of this source tree, never a binary left from an earlier build.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use tem_tests::{examples_responder, FrontDoor, FrontDoorOptions, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

/// The `rolling_update` example, built now by the cargo running this test, into the same
/// target directory and profile as this test (`<target>/<profile>/deps/<this test>`), so that
/// it is as fresh as the test itself. Its path is the one cargo reports for the artifact, not a
/// guess. When `cargo test --workspace` has already built it, this is a quick no-op build.
fn program() -> PathBuf {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let profile_dir = exe.parent().unwrap().parent().unwrap();
            let target_dir = profile_dir.parent().unwrap();
            let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
            let mut build = Command::new(env!("CARGO"));
            build.args(["build", "--quiet", "--message-format=json", "-p", "tem-api", "--example", "rolling_update"]);
            build.arg("--manifest-path").arg(&manifest).arg("--target-dir").arg(target_dir);
            if profile_dir.file_name().is_some_and(|name| name == "release") {
                build.arg("--release");
            }
            // Not the variables cargo set for this test (CARGO_MANIFEST_DIR, CARGO_PKG_*, …):
            // build scripts track some of them, and a build seeing this test's values would
            // rebuild dependencies that the enclosing `cargo test` then rebuilds again.
            for (name, _) in std::env::vars_os() {
                let name = name.to_string_lossy();
                let set_for_crates = ["CARGO_PKG_", "CARGO_BIN_EXE_"].iter().any(|p| name.starts_with(p))
                    || [
                        "CARGO_MANIFEST_DIR",
                        "CARGO_MANIFEST_PATH",
                        "CARGO_CRATE_NAME",
                        "CARGO_BIN_NAME",
                        "CARGO_PRIMARY_PACKAGE",
                        "CARGO_TARGET_TMPDIR",
                        "CARGO_RUSTC_CURRENT_DIR",
                        "OUT_DIR",
                    ]
                    .contains(&name.as_ref());
                if set_for_crates {
                    build.env_remove(name.as_ref());
                }
            }
            let output = build.output().expect("cargo runs");
            assert!(output.status.success(), "building the example failed:\n{}", text(&output.stderr));
            // The artifact's own message names its executable.
            let executable = text(&output.stdout).lines().find_map(|line| {
                let message: serde_json::Value = serde_json::from_str(line).ok()?;
                let is_example = message["reason"] == "compiler-artifact"
                    && message["target"]["name"] == "rolling_update"
                    && message["target"]["kind"][0] == "example";
                is_example.then(|| message["executable"].as_str().map(PathBuf::from)).flatten()
            });
            executable.expect("cargo reported the example's executable")
        })
        .clone()
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
