//! The clients the comparison benchmark runs side by side: this SDK, a plain reqwest client and
//! a raw-socket floor, each doing a whole call (serialize, sign, send, read, decode), and the
//! raw hmac/sha2 signing floor. Shared by `compare.rs` and `allocations.rs`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest;

pub const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
pub const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
pub const SERVICE: &str = "tem";
pub const VERSION: &str = "2021-07-01";
pub const ACTION: &str = "RollingUpdateApplicationByVersion";
pub const REGION: &str = "ap-guangzhou";
pub const TIMESTAMP: i64 = 1_700_000_000;

/// The body of the signing benchmark: the seed request with every documented field, 318 bytes.
pub const SIGN_BODY: &str = concat!(
    r#"{"ApplicationId":"app-xxxxxx","EnvironmentId":"en-xxxxxx","DeployVersion":"v1.2.3","#,
    r#""PackageName":"test.jar","From":"IntelliJ","DeployStrategyType":"AUTO","TotalBatchCount":2,"#,
    r#""BatchInterval":60,"BetaBatchNum":1,"MinAvailable":1,"Force":true,"#,
    r#""DeployStrategyConf":{"TotalBatchCount":2,"BetaBatchNum":1,"BatchInterval":6}}"#
);

pub use tem_tests::seed_request;

/// `localhost:<port>` of a server's `127.0.0.1:<port>`: the clients that resolve names are
/// given one, as they are given a name in use.
pub fn by_name(address: &str) -> String {
    let port = address.rsplit_once(':').expect("host:port").1;
    format!("localhost:{port}")
}

/// This SDK's client of `endpoint` (`http://host:port`).
pub fn sdk_client(endpoint: &str) -> tem_api::Client {
    let config = tem_api::Config::new(tem_api::Credentials::new(SECRET_ID, SECRET_KEY))
        .with_region(REGION)
        .unwrap()
        .with_endpoint(endpoint)
        .unwrap();
    tem_api::Client::new(config).unwrap()
}

/// This SDK's client of `https://host:port`, trusting the private CA `ca_pem`, keeping at most
/// `pool_max_idle` idle connections (0: a new connection, and handshake, for every call).
pub fn sdk_client_tls(endpoint: &str, ca_pem: &str, pool_max_idle: usize) -> tem_api::Client {
    let config = tem_api::Config::new(tem_api::Credentials::new(SECRET_ID, SECRET_KEY))
        .with_region(REGION)
        .unwrap()
        .with_endpoint(endpoint)
        .unwrap()
        .with_root_certificate(ca_pem)
        .unwrap()
        .with_pool_max_idle_per_host(pool_max_idle);
    tem_api::Client::new(config).unwrap()
}

pub async fn sdk_call(client: &tem_api::Client, request: &RollingUpdateApplicationByVersionRequest) {
    let reply = client.send(request).await.unwrap();
    assert_eq!(reply.result, "revision-xxx");
}

/// What a user's own code decodes a reply into.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Outcome,
}

#[derive(Deserialize)]
struct Outcome {
    #[serde(rename = "Result")]
    result: String,
    #[serde(rename = "RequestId")]
    _request_id: String,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A call as a user would write it with reqwest, hmac and sha2: no SDK.
pub struct PlainReqwest {
    client: reqwest::Client,
    url: String,
    host: String,
}

impl PlainReqwest {
    pub fn new(host: &str) -> Self {
        Self { client: reqwest::Client::new(), url: format!("http://{host}/"), host: host.to_owned() }
    }

    /// Over HTTPS, trusting the private CA `ca_pem` as a user would (`add_root_certificate`),
    /// keeping at most `pool_max_idle` idle connections.
    pub fn https(host: &str, ca_pem: &str, pool_max_idle: usize) -> Self {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
            .pool_max_idle_per_host(pool_max_idle)
            .build()
            .unwrap();
        Self { client, url: format!("https://{host}/"), host: host.to_owned() }
    }

    pub async fn call(&self, request: &RollingUpdateApplicationByVersionRequest) {
        let body = serde_json::to_vec(request).unwrap();
        let timestamp = unix_now();
        let authorization = floor_sign(&self.host, &body, timestamp);
        let reply = self
            .client
            .post(&self.url)
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .header("X-TC-Action", ACTION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Version", VERSION)
            .header("X-TC-Region", REGION)
            .body(body)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let envelope: Envelope = serde_json::from_slice(&reply).unwrap();
        assert_eq!(envelope.response.result, "revision-xxx");
    }
}

/// The floor of a call: a blocking socket, the request written in one buffer, the reply parsed
/// by httparse and decoded by serde_json.
pub struct RawSocket {
    stream: TcpStream,
    host: String,
    out: Vec<u8>,
    input: Vec<u8>,
}

impl RawSocket {
    pub fn connect(host: &str) -> Self {
        let stream = TcpStream::connect(host).unwrap();
        stream.set_nodelay(true).unwrap();
        Self { stream, host: host.to_owned(), out: Vec::with_capacity(1024), input: Vec::with_capacity(4096) }
    }

    pub fn call(&mut self, request: &RollingUpdateApplicationByVersionRequest) {
        let body = serde_json::to_vec(request).unwrap();
        let timestamp = unix_now();
        let authorization = floor_sign(&self.host, &body, timestamp);
        self.out.clear();
        write!(
            self.out,
            "POST / HTTP/1.1\r\nHost: {}\r\nAuthorization: {authorization}\r\nContent-Type: application/json\r\n\
             X-TC-Action: {ACTION}\r\nX-TC-Timestamp: {timestamp}\r\nX-TC-Version: {VERSION}\r\n\
             X-TC-Region: {REGION}\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        )
        .unwrap();
        self.out.extend_from_slice(&body);
        self.stream.write_all(&self.out).unwrap();
        self.input.clear();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the server closed the connection");
            self.input.extend_from_slice(&chunk[..n]);
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut response = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head) = response.parse(&self.input).unwrap() {
                let length: usize = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                    .unwrap();
                if self.input.len() >= head + length {
                    let envelope: Envelope = serde_json::from_slice(&self.input[head..head + length]).unwrap();
                    assert_eq!(envelope.response.result, "revision-xxx");
                    return;
                }
            }
        }
    }
}

/// hyper's HTTP/1.1 client connection on a tokio socket, as hyper documents it (the connection
/// in a task of its own), with the raw floor's signing and decoding: the least an async client
/// on tokio and hyper runs, for the floors of CPU per call and of one call's memory.
pub struct HyperFloor {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<hyper::body::Bytes>>,
    host: String,
}

impl HyperFloor {
    /// Connects to `address` (`host:port`); on a tokio runtime.
    pub async fn connect(address: &str) -> Self {
        let stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
        tokio::spawn(connection);
        Self { sender, host: address.to_owned() }
    }

    pub async fn call(&mut self, request: &RollingUpdateApplicationByVersionRequest) {
        use http_body_util::BodyExt;
        let body = serde_json::to_vec(request).unwrap();
        let timestamp = unix_now();
        let authorization = floor_sign(&self.host, &body, timestamp);
        let request = hyper::Request::post("/")
            .header("Host", &self.host)
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .header("X-TC-Action", ACTION)
            .header("X-TC-Timestamp", timestamp)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Region", REGION)
            .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
            .unwrap();
        self.sender.ready().await.unwrap();
        let reply = self.sender.send_request(request).await.unwrap().into_body().collect().await.unwrap().to_bytes();
        let envelope: Envelope = serde_json::from_slice(&reply).unwrap();
        assert_eq!(envelope.response.result, "revision-xxx");
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hex_into(out: &mut [u8], bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0xf)];
    }
}

/// The raw hmac/sha2 floor of a TC3 signature with the key derived per call: the hashing the
/// algorithm needs, the texts assembled in stack buffers; only the header value is allocated.
pub fn floor_sign(host: &str, body: &[u8], timestamp: i64) -> String {
    let date = "2023-11-14"; // Formatting the date is not hashing: the floor leaves it out.
    let mut body_hash = [0u8; 64];
    hex_into(&mut body_hash, &Sha256::digest(body));
    let mut canonical = [0u8; 512];
    let mut w = &mut canonical[..];
    write!(w, "POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n").unwrap();
    w.write_all(&body_hash).unwrap();
    let len = 512 - w.len();
    let mut canonical_hash = [0u8; 64];
    hex_into(&mut canonical_hash, &Sha256::digest(&canonical[..len]));
    let mut to_sign = [0u8; 256];
    let mut w = &mut to_sign[..];
    write!(w, "TC3-HMAC-SHA256\n{timestamp}\n{date}/{SERVICE}/tc3_request\n").unwrap();
    w.write_all(&canonical_hash).unwrap();
    let len = 256 - w.len();
    let mut key = [0u8; 64];
    key[..3].copy_from_slice(b"TC3");
    key[3..3 + SECRET_KEY.len()].copy_from_slice(SECRET_KEY.as_bytes());
    let k = hmac(&key[..3 + SECRET_KEY.len()], date.as_bytes());
    let k = hmac(&k, SERVICE.as_bytes());
    let k = hmac(&k, b"tc3_request");
    let mut signature = [0u8; 64];
    hex_into(&mut signature, &hmac(&k, &to_sign[..len]));
    format!(
        "TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/{SERVICE}/tc3_request, SignedHeaders=content-type;host, Signature={}",
        std::str::from_utf8(&signature).unwrap()
    )
}

/// The environment variable naming the one CPU a benchmark process runs on (`compare.rs` puts
/// the server on one CPU and the clients on another).
pub const CPU_VARIABLE: &str = "TEM_BENCH_CPU";

/// The CPUs this process may run on.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills the zeroed set it is given, of the size given.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        assert_eq!(libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set), 0);
        set
    };
    // SAFETY: CPU_ISSET reads the set within its size.
    (0..libc::CPU_SETSIZE as usize).filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) }).collect()
}

/// Keeps this process on the CPU that [`CPU_VARIABLE`] names, if set. Called first thing, so
/// that every thread started afterwards (the runtime's included) inherits it.
pub fn keep_to_named_cpu() {
    let Some(cpu) = std::env::var(CPU_VARIABLE).ok().and_then(|v| v.parse::<usize>().ok()) else { return };
    // SAFETY: the set is zeroed, then one CPU below CPU_SETSIZE is added; the size is the set's.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        assert_eq!(libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set), 0, "CPU {cpu}");
    }
}

/// CPU time of this process so far (user + system), and its peak resident memory in KiB.
pub fn process_usage() -> (std::time::Duration, u64) {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| std::time::Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (time(usage.ru_utime) + time(usage.ru_stime), usage.ru_maxrss as u64)
}
