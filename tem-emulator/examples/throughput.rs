//! How fast the emulator answers through the real client (both in this process):
//! `cargo run --release -p tem-emulator --example throughput`. Numbers in BENCHMARKS.md.

use std::time::Instant;

use tem_api::operation::describe_application_pods::DescribeApplicationPodsRequest;
use tem_api::operation::describe_deploy_application_detail::DescribeDeployApplicationDetailRequest;
use tem_api::{Client, Config, Credentials};
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_REGION};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await?;
    let env = emulator.seed_environment("dev")?;
    let app = emulator.seed_application(&env, "web", "v1", 10)?;
    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(DEFAULT_REGION)?
        .with_endpoint(&emulator.endpoint())?;
    let client = Client::new(config)?;

    let pods = DescribeApplicationPodsRequest::builder().application_id(&app).environment_id(&env).build()?;
    for _ in 0..200 {
        client.send(&pods).await?; // warm-up: connections, allocations
    }
    let calls = 5_000;
    let started = Instant::now();
    for _ in 0..calls {
        client.send(&pods).await?;
    }
    let elapsed = started.elapsed();
    println!(
        "sequential DescribeApplicationPods (10 pods): {calls} calls in {elapsed:.2?}, {:.0} µs a call",
        elapsed.as_micros() as f64 / f64::from(calls)
    );

    let detail = DescribeDeployApplicationDetailRequest::builder().application_id(&app).environment_id(&env).build()?;
    let (tasks, each) = (32, 250);
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let (client, detail) = (client.clone(), detail.clone());
        set.spawn(async move {
            for _ in 0..each {
                client.send(&detail).await?;
            }
            Ok::<_, tem_api::Error<_>>(())
        });
    }
    while let Some(done) = set.join_next().await {
        done??;
    }
    let elapsed = started.elapsed();
    let total = tasks * each;
    println!(
        "{tasks} concurrent tasks × {each} DescribeDeployApplicationDetail: {total} calls in {elapsed:.2?}, {:.0} calls a second",
        f64::from(total) / elapsed.as_secs_f64()
    );
    Ok(())
}
