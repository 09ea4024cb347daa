//! Each defect of issue 18 reproduced against the `tem-emulator` BINARY on 127.0.0.1: after each
//! one the process is up and `/_emulator/health` answers; its resident memory stays under 64 MiB
//! after 2,000 oversized unsigned requests. Every loop is bounded in count and in time.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{closed_within, deep_key, exchange, legacy_body, post, read_reply, Running};
use serde_json::{json, Value};

fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
}

/// The process runs and its health route answers ready.
fn assert_healthy(emulator: &mut Running, after: &str) {
    assert!(emulator.alive(), "the process died after {after}");
    let (status, body) = get(emulator.addr(), "/_emulator/health").unwrap_or_else(|| panic!("no health after {after}"));
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, &health["Ready"]), (200, &json!(true)), "after {after}: {body}");
}

/// A legacy-signed call of `action`: the reply's `Response`.
fn call(emulator: &Running, action: &str, own: &[(&str, &str)]) -> Value {
    let addr = emulator.addr();
    let own: Vec<(String, String)> = own.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let body =
        legacy_body(&addr.to_string(), &emulator.field("secret id:"), &emulator.field("secret key:"), action, &own);
    let (_, reply) = exchange(addr, &post(addr, "application/x-www-form-urlencoded", "", body.as_bytes()))
        .unwrap_or_else(|| panic!("no reply to {action}"));
    serde_json::from_str::<Value>(&reply).unwrap()["Response"].clone()
}

fn control(emulator: &Running, route: &str, body: &Value) -> (u16, Value) {
    let addr = emulator.addr();
    let text = body.to_string();
    let request = format!(
        "POST /_emulator/{route} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
    let (status, reply) = exchange(addr, request.as_bytes()).expect("a control reply");
    (status, serde_json::from_str(&reply).unwrap_or(Value::Null))
}

fn resident_kib(emulator: &Running) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", emulator.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_binary_survives_every_reproduction_and_stays_small() {
    let mut emulator = Running::start(&["--port", "0", "--idle-timeout", "1"]);
    let addr = emulator.addr();
    assert_healthy(&mut emulator, "start");

    // 1. A signed form key 20,000 levels deep.
    let own = vec![(deep_key(20_000), "x".to_owned())];
    let body = legacy_body(
        &addr.to_string(),
        &emulator.field("secret id:"),
        &emulator.field("secret key:"),
        "DescribeEnvironments",
        &own,
    );
    let (_, reply) =
        exchange(addr, &post(addr, "application/x-www-form-urlencoded", "", body.as_bytes())).expect("a reply");
    assert!(reply.contains("InvalidParameter"), "{reply}");
    assert_healthy(&mut emulator, "a 20,000-level form key");

    // 2. 2,000 unsigned requests with a 200,000-character action on one keep-alive connection.
    let before = resident_kib(&emulator);
    let action = "A".repeat(200_000);
    let request = post(addr, "application/json", &format!("X-TC-Action: {action}\r\n"), b"{}");
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut stream = TcpStream::connect(addr).unwrap();
    for i in 0..2_000 {
        assert!(Instant::now() < deadline, "2,000 requests took over 240 s (at {i})");
        if stream.write_all(&request).is_err() || read_reply(&mut stream, Duration::from_secs(10)).is_none() {
            // The server may close a connection; the next request goes on a new one.
            stream = TcpStream::connect(addr).unwrap();
        }
    }
    drop(stream);
    let after = resident_kib(&emulator);
    assert!(after < 64 * 1024, "resident memory {after} KiB (from {before} KiB) after 2,000 oversized requests");
    println!("VmRSS: {before} KiB at start, {after} KiB after 2,000 requests with a 200,000-character action");
    assert_healthy(&mut emulator, "2,000 oversized requests");

    // 3. 100 connections idle after one request each: closed after the idle timeout (1 s here).
    let mut idle: Vec<TcpStream> = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(&post(addr, "application/json", "", b"{}")).unwrap();
        assert!(read_reply(&mut stream, Duration::from_secs(5)).is_some());
        idle.push(stream);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut open = 0;
    for stream in &mut idle {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(10));
        open += usize::from(!closed_within(stream, left));
    }
    assert_eq!(open, 0, "idle keep-alive connections still open");
    assert_healthy(&mut emulator, "100 idle keep-alive connections");

    // 3b. 300 connections that never send, over the cap of 256: the extra ones are closed at
    // once, the others after the idle timeout, and then the emulator answers again.
    let silent: Vec<TcpStream> = (0..300).filter_map(|_| TcpStream::connect(addr).ok()).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(addr, "/_emulator/health").is_none() {
        assert!(Instant::now() < deadline, "no health within 10 s of 300 silent connections");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(silent);
    assert_healthy(&mut emulator, "300 silent connections");

    // 4. A state whose id counter cannot grow.
    let (status, _) = control(&emulator, "state", &json!({"NextId": u64::MAX}));
    assert_eq!(status, 400);
    let created = call(&emulator, "CreateEnvironment", &[("EnvironmentName", "after-state")]);
    assert!(created["Result"].as_str().is_some_and(|id| id.starts_with("en-")), "{created}");
    assert_healthy(&mut emulator, "a state with NextId 2^64-1");

    // 5. Pods after a batch: the detail and the pod list agree.
    let (_, seeded) =
        control(&emulator, "seed", &json!({"EnvironmentName": "pods", "ApplicationName": "pods", "Replicas": 2}));
    let (app, env) = (seeded["ApplicationId"].as_str().unwrap(), seeded["EnvironmentId"].as_str().unwrap());
    let ids = [("ApplicationId", app), ("EnvironmentId", env)];
    let rolled = call(
        &emulator,
        "RollingUpdateApplicationByVersion",
        &[ids[0], ids[1], ("DeployVersion", "v2"), ("DeployStrategyType", "AUTO"), ("TotalBatchCount", "1")],
    );
    assert!(rolled["Error"].is_null(), "{rolled}");
    control(&emulator, "advance", &json!({"Seconds": 60}));
    let detail = call(&emulator, "DescribeDeployApplicationDetail", &ids);
    let pods = call(&emulator, "DescribeApplicationPods", &ids);
    let running: Vec<&str> =
        pods["Result"]["PodList"].as_array().unwrap().iter().map(|p| p["PodId"].as_str().unwrap()).collect();
    for batch in detail["Result"]["OtherBatchDetail"].as_array().unwrap() {
        for pod in batch["OldPods"].as_array().unwrap() {
            let listed = running.contains(&pod["PodId"].as_str().unwrap());
            assert_eq!(pod["Status"] == "Running", listed, "{pod} vs {running:?}");
        }
    }
    assert_healthy(&mut emulator, "a finished batch");

    // 8. A chunked body over the 10 MiB limit.
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let sender = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1024 * 1024];
        let _ = writer.write_all(head.as_bytes());
        for _ in 0..11 {
            if writer.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
                || writer.write_all(&chunk).is_err()
                || writer.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n");
    });
    let (_, reply) = read_reply(&mut stream, Duration::from_secs(30)).expect("a reply to the chunked body");
    let _ = sender.join();
    assert!(reply.contains("larger than the limit of 10485760 bytes"), "{reply}");
    assert_healthy(&mut emulator, "a chunked body over the limit");

    // A parameter in the wrong case.
    let reply = call(&emulator, "DescribeApplicationPods", &[ids[0], ids[1], ("limit", "1")]);
    assert_eq!(reply["Error"]["Code"], "UnknownParameter", "{reply}");
    assert_healthy(&mut emulator, "`limit` for `Limit`");
}
