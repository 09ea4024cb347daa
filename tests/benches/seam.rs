//! What the `test-util` transport seam costs a call over HTTP: one local call (sign, send to a
//! FrontDoor on 127.0.0.1 over a kept-alive connection, read, decode), run with tem-core's
//! `test-util` feature on (as tem-tests builds it: one `Option` check per attempt) and off
//! (tem-tests' dependency on tem-core without it). Results in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use tem_core::{Client, Config, Credentials, ServiceSpec};
use tem_tests::{FrontDoor, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

fn bench_local_call(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let server = runtime.block_on(FrontDoor::serving(|_| Response::ok(json!({"Result": "revision-1"}))));
    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap();
    let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config).unwrap();
    c.bench_function("call/local_send_raw", |b| {
        b.iter(|| runtime.block_on(client.send_raw("DescribeEnvironments", b"{}".to_vec())).unwrap())
    });
}

criterion_group!(benches, bench_local_call);
criterion_main!(benches);
