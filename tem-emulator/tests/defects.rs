//! The defects of issue 18, each reproduced in-process: a deep flattened key, an unbounded
//! request log, idle keep-alive connections, a hostile state, pods gone and not gone, the
//! garbled size message, and a parameter name in the wrong case.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::{closed_within, deep_key, exchange, legacy_body, post, read_reply};
use serde_json::{json, Value};
use tem_core::{Client, Config, Credentials, RetryPolicy, ServiceSpec};
use tem_emulator::{Emulator, EmulatorOptions, State, DEFAULT_REGION};

const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");

fn client(emulator: &Emulator) -> Client {
    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap()
        .with_retry_policy(RetryPolicy::disabled());
    Client::new(TEM, config).unwrap()
}

async fn call(client: &Client, action: &'static str, body: Value) -> Value {
    let reply = client.send_raw(action, body.to_string().into_bytes()).await.unwrap();
    serde_json::from_slice(&reply.body).unwrap()
}

/// Runs blocking socket code off the runtime's threads, with a bound.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::time::timeout(Duration::from_secs(30), tokio::task::spawn_blocking(f)).await.expect("bounded").unwrap()
}

#[tokio::test]
async fn a_flattened_key_deeper_than_128_levels_is_refused_not_a_crash() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    let (addr, id, key) = (emulator.addr(), emulator.secret_id().to_owned(), emulator.secret_key().to_owned());
    for depth in [129, 5_000, 20_000] {
        let (id, key) = (id.clone(), key.clone());
        let reply = blocking(move || {
            let own = vec![(deep_key(depth), "x".to_owned())];
            let body = legacy_body(&addr.to_string(), &id, &key, "DescribeEnvironments", &own);
            exchange(addr, &post(addr, "application/x-www-form-urlencoded", "", body.as_bytes()))
        })
        .await;
        let (status, body) = reply.unwrap_or_else(|| panic!("no reply at depth {depth}"));
        let value: Value = serde_json::from_str(&body).unwrap();
        assert_eq!((status, value["Response"]["Error"]["Code"].as_str()), (200, Some("InvalidParameter")), "{body}");
        assert!(value["Response"]["Error"]["Message"].as_str().unwrap().contains("128"), "{body}");
    }
    // Still serving.
    let page = call(&client(&emulator), "DescribeEnvironments", json!({})).await;
    assert_eq!(page["Response"]["Result"]["Total"], 0);
}

#[tokio::test]
async fn every_log_entry_is_capped_and_the_whole_log_is_bounded_in_bytes() {
    let emulator =
        Emulator::start(EmulatorOptions::new().with_max_log(10_000).with_max_log_bytes(1024 * 1024)).await.unwrap();
    let addr = emulator.addr();
    blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        for _ in 0..20 {
            let action = "A".repeat(200_000);
            let request = post(addr, "application/json", &format!("X-TC-Action: {action}\r\n"), b"{}");
            stream.write_all(&request).unwrap();
            read_reply(&mut stream, Duration::from_secs(5)).expect("a reply on the same connection");
        }
    })
    .await;
    let log = emulator.requests();
    assert_eq!(log.len(), 20);
    for entry in &log {
        assert!(entry.action.len() <= tem_emulator::limits::MAX_LOGGED_TEXT_BYTES, "{}", entry.action.len());
        let reason = entry.reason.as_deref().unwrap_or_default();
        assert!(reason.len() <= tem_emulator::limits::MAX_LOGGED_TEXT_BYTES, "{}", reason.len());
    }

    // Parameters up to the per-entry cap, many of them: the oldest go once the log holds a MiB.
    let client = client(&emulator);
    let description = "d".repeat(60 * 1024);
    for _ in 0..40 {
        let body = json!({"EnvironmentId": "en-nothere", "Description": description});
        call(&client, "ModifyEnvironment", body).await;
    }
    let log = emulator.requests();
    let bytes: usize = log.iter().map(|e| e.params.to_string().len() + e.action.len()).sum();
    assert!(bytes <= 1024 * 1024, "the log holds {bytes} bytes");
    assert!(log.len() < 60 && log.last().unwrap().action == "ModifyEnvironment", "{}", log.len());
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_and_connections_are_capped() {
    let options = EmulatorOptions::new().with_idle_timeout(Duration::from_secs(1)).with_max_connections(3);
    let emulator = Emulator::start(options).await.unwrap();
    let addr = emulator.addr();
    blocking(move || {
        // Idle after one request: closed after the idle timeout.
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(&post(addr, "application/json", "", b"{}")).unwrap();
        assert!(read_reply(&mut stream, Duration::from_secs(5)).is_some());
        assert!(closed_within(&mut stream, Duration::from_secs(5)), "an idle keep-alive connection stays open");

        // Three open connections; a fourth is closed at once, without a reply.
        let held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        let mut extra = TcpStream::connect(addr).unwrap();
        let _ = extra.write_all(&post(addr, "application/json", "", b"{}"));
        assert!(read_reply(&mut extra, Duration::from_secs(3)).is_none(), "a connection over the cap was served");
        drop(held);
        // Once they are gone, connections are served again.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            if exchange(addr, &post(addr, "application/json", "", b"{}")).is_some() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "not served again after the held connections closed");
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await;
}

#[tokio::test]
async fn a_state_with_an_exhausted_id_counter_is_refused_or_made_safe_never_a_panic() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    let http = reqwest::Client::new();
    let mut state = serde_json::to_value(State::new()).unwrap();
    state["NextId"] = json!(u64::MAX);
    let url = format!("{}/_emulator/state", emulator.endpoint());
    let status = http.post(&url).json(&state).send().await.unwrap().status();
    assert_eq!(status, 400, "a state whose id counter cannot grow is accepted");

    // Loaded from Rust (no way to refuse): made safe.
    emulator.load_state(State { next_id: u64::MAX, ..State::new() });
    let reply = call(&client(&emulator), "CreateEnvironment", json!({"EnvironmentName": "after"})).await;
    assert!(reply["Response"]["Result"].as_str().unwrap().starts_with("en-"), "{reply}");
}

#[tokio::test]
async fn old_pods_that_are_gone_are_not_listed_as_running() {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let env = emulator.seed_environment("dev").unwrap();
    let app = emulator.seed_application(&env, "web", "v1", 2).unwrap();
    let client = client(&emulator);
    let ids = json!({"ApplicationId": app, "EnvironmentId": env});
    let mut roll = ids.clone();
    roll["DeployVersion"] = json!("v2");
    roll["DeployStrategyType"] = json!("AUTO");
    roll["TotalBatchCount"] = json!(1);
    call(&client, "RollingUpdateApplicationByVersion", roll).await;
    emulator.advance(Duration::from_secs(60));

    let detail = call(&client, "DescribeDeployApplicationDetail", ids.clone()).await;
    let pods = call(&client, "DescribeApplicationPods", ids).await;
    let listed: Vec<(String, String)> = pods["Response"]["Result"]["PodList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["PodId"].as_str().unwrap().to_owned(), p["Status"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(listed.len(), 2);
    let batches = detail["Response"]["Result"]["OtherBatchDetail"].as_array().unwrap();
    for batch in batches {
        for pod in batch["OldPods"].as_array().unwrap().iter().chain(batch["NewPods"].as_array().unwrap()) {
            let (id, status) = (pod["PodId"].as_str().unwrap(), pod["Status"].as_str().unwrap());
            let live = listed.iter().find(|(p, _)| p == id).map(|(_, s)| s.as_str());
            match live {
                Some(live) => assert_eq!(status, live, "{id}: the detail and the pod list disagree"),
                None => assert_ne!(status, "Running", "{id} is gone but the detail lists it as Running"),
            }
            assert_eq!(pod["PodStatus"][0].as_str(), Some(status), "{pod}");
        }
    }
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_gets_a_message_that_reads() {
    let emulator = Emulator::start(EmulatorOptions::new().with_max_request_bytes(1000)).await.unwrap();
    let addr = emulator.addr();
    let (status, body) = blocking(move || {
        let chunk = "x".repeat(2000);
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            chunk.len()
        );
        exchange(addr, request.as_bytes())
    })
    .await
    .expect("a reply");
    let value: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200);
    assert_eq!(value["Response"]["Error"]["Code"], "RequestSizeLimitExceeded");
    assert_eq!(value["Response"]["Error"]["Message"], "The request body is larger than the limit of 1000 bytes.");
}

#[tokio::test]
async fn parameter_names_match_exactly_so_limit_is_not_limit() {
    let emulator = Emulator::start(EmulatorOptions::new()).await.unwrap();
    let env = emulator.seed_environment("dev").unwrap();
    let app = emulator.seed_application(&env, "web", "v1", 3).unwrap();
    let client = client(&emulator);
    let reply =
        call(&client, "DescribeApplicationPods", json!({"ApplicationId": app, "EnvironmentId": env, "limit": 1})).await;
    assert_eq!(reply["Response"]["Error"]["Code"], "UnknownParameter", "{reply}");
    assert_eq!(reply["Response"]["Error"]["Message"], "The parameter `limit` is not recognized.");
    let reply =
        call(&client, "DescribeApplicationPods", json!({"ApplicationId": app, "EnvironmentId": env, "Limit": 1})).await;
    assert_eq!(reply["Response"]["Result"]["PodList"].as_array().unwrap().len(), 1, "{reply}");
}
