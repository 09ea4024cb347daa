//! The official Python SDK (`tencentcloud-sdk-python-common` + `-tem`, from PyPI) runs a whole
//! rollout against the `tem-emulator` binary: `tests/python/test_rollout.py`.
//!
//! The SDK lives in a virtual environment that `.ci/run` creates; its directory is
//! `TEM_PYTHON_SDK_VENV` (default: `target/py-venv` of the workspace). Without it the test is
//! skipped with a message, unless `TEM_REQUIRE_PYTHON_SDK=1` (CI sets it): then it fails.

use std::path::PathBuf;
use std::process::{Command, Stdio};

mod common;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> Option<PathBuf> {
    let venv =
        std::env::var_os("TEM_PYTHON_SDK_VENV").map_or_else(|| workspace().join("target/py-venv"), PathBuf::from);
    let python = venv.join("bin/python");
    python.exists().then_some(python)
}

/// Runs `tests/python/<script>` against a fresh binary; `None` when the SDK is absent (and
/// not required).
fn run_script(script: &str, expect: &str) {
    let Some(python) = python() else {
        let required = std::env::var("TEM_REQUIRE_PYTHON_SDK").is_ok_and(|v| v == "1");
        assert!(!required, "TEM_REQUIRE_PYTHON_SDK=1 but there is no venv with the official SDK (see .ci/run)");
        eprintln!(
            "SKIPPED: no Python venv with the official SDK at $TEM_PYTHON_SDK_VENV or target/py-venv; \
             create it as .ci/run does to run this test"
        );
        return;
    };
    let emulator = common::Running::start_with(&["--port", "0", "--speed", "100"], Stdio::inherit());
    let field = |name: &str| emulator.field(name);
    let endpoint = field("endpoint:");
    let output = Command::new(python)
        .arg(workspace().join("tests/python").join(script))
        .env("TEM_ENDPOINT", endpoint.trim_start_matches("http://"))
        .env("TEM_SECRET_ID", field("secret id:"))
        .env("TEM_SECRET_KEY", field("secret key:"))
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(expect), "{stdout}");
    println!("{stdout}");
}

#[test]
fn the_official_python_sdk_runs_a_rollout_against_the_binary() {
    run_script("test_rollout.py", "python sdk rollout: ok");
}

#[test]
fn the_official_python_sdk_calls_with_get_signed_tc3_and_legacy() {
    run_script("test_get.py", "python sdk get: ok");
}
