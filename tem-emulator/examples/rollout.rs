//! A rolling update you can watch, with no cloud account: starts the emulator in-process (rollout
//! time runs 20× faster than real time), seeds an environment and an application running v1 on
//! six pods, rolls out v2 in three batches through the real `tem-api` client, and prints the
//! batches as `DescribeDeployApplicationDetail` reports them until the rollout finishes.
//!
//! `cargo run -p tem-emulator --example rollout`
//!
//! The emulator is started explicitly here; the SDK never falls back to it by itself.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use tem_api::operation::describe_application_pods::DescribeApplicationPodsRequest;
use tem_api::operation::describe_deploy_application_detail::DescribeDeployApplicationDetailRequest;
use tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest;
use tem_api::{Client, Config, Credentials};
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_REGION};

const SPEED: f64 = 20.0;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollout: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorOptions::new().with_speed(SPEED)).await?;
    println!("tem-emulator in-process at {} (rollout time {SPEED}x real time)", emulator.endpoint());
    let env = emulator.seed_environment("dev")?;
    let app = emulator.seed_application(&env, "hello-world", "v1", 6)?;
    println!("seeded environment {env} and application {app}: 6 pods of v1");

    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(DEFAULT_REGION)?
        .with_endpoint(&emulator.endpoint())?;
    let client = Client::new(config)?;

    let request = RollingUpdateApplicationByVersionRequest::builder()
        .application_id(&app)
        .environment_id(&env)
        .deploy_version("v2")
        .deploy_strategy_type("AUTO")
        .total_batch_count(3)
        .batch_interval(5)
        .build()?;
    let response = client.send(&request).await?;
    println!("RollingUpdateApplicationByVersion v2 (AUTO, 3 batches, 5 s apart) -> {}", response.result);

    let detail_request =
        DescribeDeployApplicationDetailRequest::builder().application_id(&app).environment_id(&env).build()?;
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let detail = client.send(&detail_request).await?.result;
        let batches: Vec<String> = detail
            .other_batch_detail
            .iter()
            .map(|b| {
                let ready = b.new_pods.iter().filter(|p| p.status == "Running").count();
                format!("#{} {}/{} {}", b.batch_index + 1, ready, b.pod_num, b.batch_status)
            })
            .collect();
        let line = format!("{:<8} {}", detail.status, batches.join(" | "));
        if line != last {
            println!("[{:>4.1}s] {line}", started.elapsed().as_secs_f64());
            last = line;
        }
        match detail.status.as_str() {
            "Success" => break,
            "Error" | "Reverted" => {
                return Err(format!("the rollout ended in {}: {}", detail.status, detail.error_message).into())
            }
            _ if started.elapsed() > Duration::from_secs(30) => return Err("the rollout did not finish in 30 s".into()),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }

    let pods_request = DescribeApplicationPodsRequest::builder().application_id(&app).environment_id(&env).build()?;
    let pods = client.send(&pods_request).await?.result;
    println!("pods now ({}):", pods.total_count);
    for pod in pods.pod_list {
        println!("  {} {} {}", pod.pod_id, pod.deploy_version, pod.status);
    }
    Ok(())
}
