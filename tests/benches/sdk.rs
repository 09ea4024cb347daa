//! Speed of the hot paths: signing, request serialization, reply decoding, and generation.
//! Results are recorded in BENCHMARKS.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use tem_api::operation::describe_applications::{DescribeApplicationsError, DescribeApplicationsResponse};
use tem_api::operation::rolling_update_application_by_version::{
    RollingUpdateApplicationByVersionError, RollingUpdateApplicationByVersionRequest,
    RollingUpdateApplicationByVersionResponse,
};
use tem_core::signing::{self, SigningInput, SigningKeyCache};
use tem_core::{decode_reply, Reply};

fn schema(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/tem/2021-07-01").join(file)).unwrap()
}

fn input(payload: &[u8]) -> SigningInput<'_> {
    SigningInput::new("tem", "tem.tencentcloudapi.com", payload, 1_700_000_000)
}

fn bench_signing(c: &mut Criterion) {
    // What the client does: the Authorization header, the key derived, or from the client's cache.
    let mut group = c.benchmark_group("authorization");
    let cache = SigningKeyCache::new();
    for size in [200usize, 100 * 1024] {
        let payload = vec![b'x'; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("derived", size), &payload, |b, payload| {
            b.iter(|| signing::authorization_header(&input(black_box(payload)), "AKIDexample", "secret", None))
        });
        group.bench_with_input(BenchmarkId::new("cached", size), &payload, |b, payload| {
            b.iter(|| signing::authorization_header(&input(black_box(payload)), "AKIDexample", "secret", Some(&cache)))
        });
    }
    group.finish();
    // The pure steps, every intermediate string built (what the signing vectors compare).
    let mut group = c.benchmark_group("sign");
    for size in [200usize, 100 * 1024] {
        let payload = vec![b'x'; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &payload, |b, payload| {
            b.iter(|| {
                signing::sign(
                    &SigningInput::new("tem", "tem.tencentcloudapi.com", black_box(payload), 1_700_000_000),
                    "AKIDexample",
                    "secret",
                )
            })
        });
    }
    group.finish();
}

fn bench_request(c: &mut Criterion) {
    let request = RollingUpdateApplicationByVersionRequest::builder()
        .application_id("app-xxxxxx")
        .environment_id("en-xxxxxx")
        .deploy_version("v1")
        .package_name("test.jar")
        .total_batch_count(2)
        .force(true)
        .build()
        .unwrap();
    c.bench_function("serialize/rolling_update_request", |b| b.iter(|| serde_json::to_vec(black_box(&request))));
}

fn bench_decode(c: &mut Criterion) {
    let seed = Reply::new(
        200,
        br#"{"Response":{"RequestId":"81f74023-563c-437d-abf7-8139449ef178","Result":"revision-xxx"}}"#.to_vec(),
    );
    c.bench_function("decode/rolling_update_response", |b| {
        b.iter(|| {
            decode_reply::<RollingUpdateApplicationByVersionResponse, RollingUpdateApplicationByVersionError>(
                "RollingUpdateApplicationByVersion",
                black_box(&seed),
            )
        })
    });
    let error = Reply::new(
        200,
        br#"{"Response":{"Error":{"Code":"ResourceInUse.ServiceDeploying","Message":"busy"},"RequestId":"r"}}"#
            .to_vec(),
    );
    c.bench_function("decode/rolling_update_error", |b| {
        b.iter(|| {
            decode_reply::<RollingUpdateApplicationByVersionResponse, RollingUpdateApplicationByVersionError>(
                "RollingUpdateApplicationByVersion",
                black_box(&error),
            )
        })
    });

    // The official DescribeApplications example, its list repeated to about 1 MB.
    let examples: serde_json::Value = serde_json::from_str(&schema("examples.json")).unwrap();
    let output = examples["actions"]["DescribeApplications"][0]["output"].as_str().unwrap();
    let mut reply: serde_json::Value = serde_json::from_str(output).unwrap();
    let rows = reply["Response"]["Result"]["Records"].as_array().unwrap().clone();
    let mut many = Vec::new();
    while serde_json::to_vec(&many).unwrap().len() < 1024 * 1024 {
        many.extend(rows.iter().cloned());
    }
    reply["Response"]["Result"]["Records"] = many.into();
    let large = Reply::new(200, serde_json::to_vec(&reply).unwrap());
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(large.body.len() as u64));
    group.bench_function("describe_applications_1mb", |b| {
        b.iter(|| {
            decode_reply::<DescribeApplicationsResponse, DescribeApplicationsError>(
                "DescribeApplications",
                black_box(&large),
            )
            .unwrap()
        })
    });
    group.finish();
}

fn bench_codegen(c: &mut Criterion) {
    let root = xtask::workspace_root();
    let target = xtask::default_targets().into_iter().find(|t| t.crate_name == "tem-api").unwrap();
    let mut group = c.benchmark_group("codegen");
    group.sample_size(10);
    group.bench_function("tem_2021_07_01", |b| b.iter(|| xtask::generate_target(&root, &target).unwrap()));
    group.finish();
}

criterion_group!(benches, bench_signing, bench_request, bench_decode, bench_codegen);
criterion_main!(benches);
