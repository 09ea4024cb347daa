//! The official Node SDK (`tencentcloud-sdk-nodejs`, from npm) runs a whole rollout against the
//! `tem-emulator` binary: `tests/node/test_rollout.js`. The SDK is configured as for the cloud
//! (endpoint `tem.tencentcloudapi.com`) with the emulator as its HTTP proxy: the emulator serves
//! the `CONNECT` tunnel to that host itself.
//!
//! The SDK lives in a folder that `.ci/run` fills (`npm install --prefix target/node-sdk`); its
//! directory is `TEM_NODE_SDK_DIR` (default: `target/node-sdk` of the workspace). Without it the
//! test is skipped with a message, unless `TEM_REQUIRE_NODE_SDK=1` (CI sets it): then it fails.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{read_reply, Running};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_official_node_sdk_runs_a_rollout_through_the_emulator_as_its_proxy() {
    let dir = std::env::var_os("TEM_NODE_SDK_DIR").map_or_else(|| workspace().join("target/node-sdk"), PathBuf::from);
    let modules = dir.join("node_modules");
    if !modules.join("tencentcloud-sdk-nodejs").exists() {
        let required = std::env::var("TEM_REQUIRE_NODE_SDK").is_ok_and(|v| v == "1");
        assert!(!required, "TEM_REQUIRE_NODE_SDK=1 but there is no Node SDK in {} (see .ci/run)", dir.display());
        eprintln!(
            "SKIPPED: no tencentcloud-sdk-nodejs in $TEM_NODE_SDK_DIR or target/node-sdk; install it as .ci/run does"
        );
        return;
    }
    let emulator = Running::start_with(&["--port", "0", "--speed", "100"], Stdio::inherit());
    let output = Command::new("node")
        .arg(workspace().join("tests/node/test_rollout.js"))
        .env("NODE_PATH", &modules)
        .env("TEM_PROXY", emulator.field("endpoint:"))
        .env("TEM_SECRET_ID", emulator.field("secret id:"))
        .env("TEM_SECRET_KEY", emulator.field("secret key:"))
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .output()
        .expect("node runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the Node SDK rollout failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("node sdk rollout: ok"), "{stdout}");
    println!("{stdout}");
}

#[test]
fn connect_tunnels_only_to_the_tem_endpoint() {
    let emulator = Running::start(&["--port", "0"]);
    let addr = emulator.addr();
    let connect = |host: &str| {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(format!("CONNECT {host}:80 HTTP/1.1\r\nHost: {host}:80\r\n\r\n").as_bytes()).unwrap();
        (read_reply(&mut stream, Duration::from_secs(5)).expect("an answer to CONNECT").0, stream)
    };
    assert_eq!(connect("example.com").0, 403);
    let (status, mut tunnel) = connect("tem.tencentcloudapi.com");
    assert_eq!(status, 200);
    // Inside the tunnel: the emulator itself.
    let get = "GET /_emulator/health HTTP/1.1\r\nHost: tem.tencentcloudapi.com\r\n\r\n";
    tunnel.write_all(get.as_bytes()).unwrap();
    let (status, body) = read_reply(&mut tunnel, Duration::from_secs(5)).expect("health through the tunnel");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"Ready\":true"), "{body}");
}
