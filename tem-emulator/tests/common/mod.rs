//! Helpers shared by the emulator's HTTP-level tests: raw HTTP/1.1 over TCP (to send what no
//! well-behaved client sends), a legacy-signed form body, and the binary as a child process.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tem_emulator::signing::{legacy_signature, legacy_string_to_sign, LegacyMethod};

/// Reads one HTTP/1.1 reply (head and a `Content-Length` body) from `stream`, giving up after
/// `within`: `None` when the connection closed or stalled before a whole reply.
pub fn read_reply(stream: &mut TcpStream, within: Duration) -> Option<(u16, String)> {
    let deadline = Instant::now() + within;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).to_string();
                return Some((status, body));
            }
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        stream.set_read_timeout(Some(left.max(Duration::from_millis(1)))).ok()?;
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Whether the server closes `stream` (EOF or reset) within `within`.
pub fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let mut chunk = [0u8; 1024];
    loop {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { return false };
        let _ = stream.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match stream.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
}

/// Opens a connection, sends `request` and reads the reply (5 s bound).
pub fn exchange(addr: SocketAddr, request: &[u8]) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream.set_write_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(request).ok()?;
    read_reply(&mut stream, Duration::from_secs(5))
}

/// A POST of `body` with these extra header lines (each ending in `\r\n`).
pub fn post(addr: SocketAddr, content_type: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// A legacy `HmacSHA256`-signed form body of `action` with these own parameters.
pub fn legacy_body(host: &str, secret_id: &str, secret_key: &str, action: &str, own: &[(String, String)]) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let mut params: Vec<(String, String)> = [
        ("Action", action.to_owned()),
        ("Version", "2021-07-01".to_owned()),
        ("Timestamp", now.to_string()),
        ("Nonce", "4242".to_owned()),
        ("Region", "ap-guangzhou".to_owned()),
        ("SecretId", secret_id.to_owned()),
        ("SignatureMethod", "HmacSHA256".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(own.iter().cloned())
    .collect();
    let string_to_sign = legacy_string_to_sign("POST", host, "/", &params);
    params.push(("Signature".to_owned(), legacy_signature(LegacyMethod::HmacSha256, secret_key, &string_to_sign)));
    form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish()
}

/// `Filters.0.0.0…` with `depth` levels after `Filters`.
pub fn deep_key(depth: usize) -> String {
    let mut key = String::from("Filters");
    for _ in 0..depth {
        key.push_str(".0");
    }
    key
}

/// The binary as a child process, killed when dropped.
pub struct Running {
    pub child: Child,
    pub banner: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts the binary and reads its banner up to the `control:` line.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with(args, Stdio::null())
    }

    /// As [`Running::start`], with this stderr.
    pub fn start_with(args: &[&str], stderr: Stdio) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tem-emulator"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Read on a thread so that a binary that never prints its banner fails the test in 30 s.
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut running = Self { child, banner: Vec::new() };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line =
                lines.recv_timeout(left).unwrap_or_else(|_| panic!("no banner within 30 s: {:?}", running.banner));
            let done = line.starts_with("control:");
            running.banner.push(line);
            if done {
                return running;
            }
        }
    }

    /// The value of banner line `name` (e.g. `endpoint:`).
    pub fn field(&self, name: &str) -> String {
        self.banner
            .iter()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.banner))
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.field("endpoint:").trim_start_matches("http://").parse().unwrap()
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}
