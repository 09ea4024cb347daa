//! The binary retries by the SDK's rules: throttling always, a server error only for a
//! read-only action. An in-process emulator with scripted faults is the server; its request
//! log counts the attempts.

use std::process::{Command, Output, Stdio};

mod common;

use tem_emulator::{Emulator, EmulatorOptions, Fault, FaultRule};

async fn tem(emulator: &Emulator, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command
        .args(args)
        .args(["--endpoint", &emulator.endpoint(), "--region", tem_emulator::DEFAULT_REGION])
        .env_clear()
        .env("TENCENTCLOUD_SECRET_ID", emulator.secret_id())
        .env("TENCENTCLOUD_SECRET_KEY", emulator.secret_key())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("the tem binary runs");
    // The emulator serves on this runtime's workers while the binary runs.
    tokio::task::spawn_blocking(move || common::bounded(child)).await.unwrap()
}

fn attempts(emulator: &Emulator, action: &str) -> usize {
    emulator.requests().iter().filter(|r| r.action == action).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_and_the_call_succeeds() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    emulator.add_fault(FaultRule::always(Fault::throttled()).for_action("DescribeApplications").times(2));
    let out = tem(&emulator, &["describe-applications"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(attempts(&emulator, "DescribeApplications"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_retried_for_a_read_only_action_only() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    emulator.add_fault(FaultRule::always(Fault::internal_error()).times(1));
    let read = tem(&emulator, &["describe-environments"]).await;
    assert_eq!(read.status.code(), Some(0), "{}", String::from_utf8_lossy(&read.stderr));
    assert_eq!(attempts(&emulator, "DescribeEnvironments"), 2);

    emulator.add_fault(FaultRule::always(Fault::internal_error()).times(1));
    let write = tem(&emulator, &["create-environment", "--environment-name", "e"]).await;
    assert_eq!(write.status.code(), Some(1), "a service error, not retried");
    assert!(String::from_utf8_lossy(&write.stderr).contains("error code: InternalError"));
    assert_eq!(attempts(&emulator, "CreateEnvironment"), 1);
}
