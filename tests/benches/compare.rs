//! This SDK side by side with the official Python SDK, a plain reqwest client and a raw-socket
//! floor, in one run: signing, client CPU per call, peak memory of one call, start to one call
//! done. Run by `bench/compare.sh` (which installs the Python SDK); results in BENCHMARKS.md.
//!
//! `compare [--python PYTHON] [--rounds R] [--calls N] [--python-calls M]` orchestrates: it
//! starts one local keep-alive server (a process of its own, reporting its own CPU time), and
//! runs every client in rounds, interleaved, each in a process of its own (`compare client
//! KIND ADDRESS N`; one call from a fresh process: the `one_call` benchmark binary, small so that
//! its peak memory is the client's); it prints medians and ratios within the run. With two
//! CPUs or more, the servers keep to one and the clients to another (`TEM_BENCH_CPU`).
//! Without `--python` the Python columns are left out.
//!
//! Over TLS, a second server of the same kind serves HTTPS with a certificate of a private CA
//! made with rcgen (its PEM passed to the clients, which trust it with
//! `Config::with_root_certificate` and reqwest's `add_root_certificate`) and counts its
//! handshakes: plain reqwest and this SDK with a warm connection, and on a fresh connection
//! per call (no idle connections kept), whose excess over warm is the handshake's cost.

#[path = "support/clients.rs"]
mod clients;
#[path = "support/keepalive.rs"]
mod keepalive;

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::digest::generic_array::{typenum::U64, GenericArray};
use tem_core::signing::{self, SigningInput, SigningKeyCache};

const HOST: &str = "tem.tencentcloudapi.com";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if let Some("server" | "client") = args.first().map(String::as_str) {
        clients::keep_to_named_cpu();
    }
    match args.first().map(String::as_str) {
        Some("server") => server(args.get(1).is_some_and(|a| a == "tls")),
        Some("client") => client(&args[1], &args[2], args[3].parse().unwrap()),
        _ => run(&args),
    }
}

// ---- the processes ----------------------------------------------------------------------

/// The keep-alive server: prints its address (over TLS, then its CA's PEM), then answers `cpu`
/// on stdin with its CPU time, requests answered, connections accepted and TLS handshakes.
fn server(tls: bool) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let server = if tls {
        let (ca_pem, acceptor) = keepalive::private_ca();
        let server = runtime.block_on(keepalive::KeepAliveServer::start_tls(keepalive::SEED_REPLY, acceptor)).unwrap();
        println!("{}", server.addr());
        print!("{ca_pem}");
        server
    } else {
        let server = runtime.block_on(keepalive::KeepAliveServer::start(keepalive::SEED_REPLY)).unwrap();
        println!("{}", server.addr());
        server
    };
    std::io::stdout().flush().unwrap();
    let (commands_in, mut commands) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            if commands_in.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    runtime.block_on(async {
        while let Some(command) = commands.recv().await {
            if command.trim() == "cpu" {
                let (cpu, _) = clients::process_usage();
                println!("{} {} {} {}", cpu.as_nanos(), server.requests(), server.accepted(), server.handshakes());
                std::io::stdout().flush().unwrap();
            }
        }
    });
}

/// `n` sequential keep-alive calls after one to connect; prints CPU and wall-clock nanoseconds
/// per call.
fn client(kind: &str, address: &str, n: u32) {
    let request = clients::seed_request();
    let measure = |calls: &mut dyn FnMut()| {
        calls();
        let ((start, _), started) = (clients::process_usage(), Instant::now());
        for _ in 0..n {
            calls();
        }
        let ((end, _), wall) = (clients::process_usage(), started.elapsed());
        ((end - start).as_nanos() as f64 / f64::from(n), wall.as_nanos() as f64 / f64::from(n))
    };
    let (cpu, wall) = match kind {
        "sdk" | "sdk-mt" => {
            let runtime = if kind == "sdk" {
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
            } else {
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
            };
            let client =
                runtime.block_on(async { clients::sdk_client(&format!("http://{}", clients::by_name(address))) });
            measure(&mut || runtime.block_on(clients::sdk_call(&client, &request)))
        }
        "reqwest" => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let client = runtime.block_on(async { clients::PlainReqwest::new(&clients::by_name(address)) });
            measure(&mut || runtime.block_on(client.call(&request)))
        }
        "raw" => {
            let mut client = clients::RawSocket::connect(address);
            measure(&mut || client.call(&request))
        }
        "hyper" => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let mut client = runtime.block_on(clients::HyperFloor::connect(address));
            measure(&mut || runtime.block_on(client.call(&request)))
        }
        // Over TLS: warm (one connection kept) or fresh (none kept: a handshake per call).
        "sdk-tls" | "sdk-tls-fresh" | "reqwest-tls" | "reqwest-tls-fresh" => {
            let ca_pem = std::env::var(CA_PEM_VARIABLE).expect("the server's CA");
            let pool_max_idle = if kind.ends_with("-fresh") { 0 } else { 1 };
            let host = clients::by_name(address);
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            if kind.starts_with("sdk") {
                let client = runtime
                    .block_on(async { clients::sdk_client_tls(&format!("https://{host}"), &ca_pem, pool_max_idle) });
                measure(&mut || runtime.block_on(clients::sdk_call(&client, &request)))
            } else {
                let client = runtime.block_on(async { clients::PlainReqwest::https(&host, &ca_pem, pool_max_idle) });
                measure(&mut || runtime.block_on(client.call(&request)))
            }
        }
        other => panic!("unknown client {other}"),
    };
    println!("{cpu} {wall}");
}

// ---- the orchestration --------------------------------------------------------------------

/// The environment variable that gives the TLS clients the server's CA certificate (PEM).
const CA_PEM_VARIABLE: &str = "TEM_BENCH_CA_PEM";

struct Options {
    python: Option<String>,
    rounds: usize,
    calls: u32,
    python_calls: u32,
    tls_fresh_calls: u32,
    signing_only: bool,
}

fn parse(args: &[String]) -> Options {
    let mut options =
        Options { python: None, rounds: 7, calls: 2000, python_calls: 200, tls_fresh_calls: 200, signing_only: false };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value")).clone();
        match arg.as_str() {
            "--python" => options.python = Some(value()),
            "--rounds" => options.rounds = value().parse().unwrap(),
            "--calls" => options.calls = value().parse().unwrap(),
            "--python-calls" => options.python_calls = value().parse().unwrap(),
            "--tls-fresh-calls" => options.tls_fresh_calls = value().parse().unwrap(),
            "--signing-only" => options.signing_only = true,
            other => panic!("unknown argument {other}"),
        }
    }
    options
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn python_script() -> String {
    format!("{}/../bench/python_client.py", env!("CARGO_MANIFEST_DIR"))
}

fn output(command: &mut Command) -> String {
    let out = command.stderr(Stdio::inherit()).output().unwrap();
    assert!(out.status.success(), "{command:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

/// A number from a JSON object printed by the Python script.
fn json_number(text: &str, key: &str) -> f64 {
    let value: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    value[key].as_f64().unwrap_or_else(|| panic!("no {key} in {text}"))
}

struct Server {
    child: std::process::Child,
    lines: BufReader<std::process::ChildStdout>,
    address: String,
    /// Over TLS: the PEM of the CA that issued the server's certificate.
    ca_pem: Option<String>,
}

/// What a server reports: its CPU time, requests answered, connections accepted, TLS handshakes.
struct Usage {
    cpu: Duration,
    requests: u64,
    accepted: u64,
    handshakes: u64,
}

impl Server {
    /// On CPU `cpu`, if given.
    fn start(tls: bool, cpu: Option<usize>) -> Self {
        let exe = std::env::current_exe().unwrap();
        let mut command = Command::new(exe);
        command.arg("server");
        if let Some(cpu) = cpu {
            command.env(clients::CPU_VARIABLE, cpu.to_string());
        }
        if tls {
            command.arg("tls");
        }
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let mut address = String::new();
        lines.read_line(&mut address).unwrap();
        let ca_pem = tls.then(|| {
            let mut pem = String::new();
            while !pem.contains("-----END CERTIFICATE-----") {
                assert!(lines.read_line(&mut pem).unwrap() > 0, "the TLS server printed no CA");
            }
            pem
        });
        Self { child, lines, address: address.trim().to_owned(), ca_pem }
    }

    fn usage(&mut self) -> Usage {
        writeln!(self.child.stdin.as_mut().unwrap(), "cpu").unwrap();
        let mut line = String::new();
        self.lines.read_line(&mut line).unwrap();
        let fields: Vec<u64> = line.split_whitespace().map(|f| f.parse().unwrap()).collect();
        Usage { cpu: Duration::from_nanos(fields[0]), requests: fields[1], accepted: fields[2], handshakes: fields[3] }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signing_input(timestamp: i64) -> SigningInput<'static> {
    SigningInput::new(clients::SERVICE, HOST, clients::SIGN_BODY.as_bytes(), timestamp)
}

/// Nanoseconds per run of `f`, over `iterations` runs.
fn time_per(iterations: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iterations)
}

/// SHA-256 blocks (compressions) of hashing `len` bytes in one go.
fn blocks(len: usize) -> usize {
    (len + 9).div_ceil(64)
}

fn run(args: &[String]) {
    let options = parse(args);
    let one_call = std::env::var("ONE_CALL_BINARY").expect("ONE_CALL_BINARY: the one_call benchmark's executable");
    let rounds = options.rounds;
    println!("rounds: {rounds}, sequential calls per client run: {} (Python: {})", options.calls, options.python_calls);

    // ---- signing, in this process, interleaved ----
    assert_eq!(clients::SIGN_BODY.len(), 318);
    let cache = SigningKeyCache::new();
    let input = signing_input(clients::TIMESTAMP);
    assert_eq!(
        signing::authorization_header(&input, clients::SECRET_ID, clients::SECRET_KEY, Some(&cache)),
        signing::sign(&input, clients::SECRET_ID, clients::SECRET_KEY).authorization
    );
    let mut state = [0u32; 8];
    let compress_blocks = vec![GenericArray::<u8, U64>::default(); 64];
    // Each round alternates the variants in short slices, so that a change in the machine's
    // load (it is shared) falls on all of them alike; ratios are taken within each round.
    const SLICES: u32 = 20;
    const SIGNS: u32 = 1_000;
    let (mut derived, mut cached, mut pure, mut floor, mut compression) = (vec![], vec![], vec![], vec![], vec![]);
    let mut streaming = vec![];
    let mut python = vec![];
    for _ in 0..rounds {
        // The official SDK's signing, a round of its own between ours.
        if let Some(interpreter) = &options.python {
            let mut child = Command::new(interpreter)
                .args([&python_script(), "sign", "1", "3000"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(clients::SIGN_BODY.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            python.push(json_number(&String::from_utf8(out.stdout).unwrap(), "ns"));
        }
        let mut sums = [0f64; 6];
        for _ in 0..SLICES {
            sums[0] += time_per(SIGNS, || {
                black_box(signing::authorization_header(
                    black_box(&input),
                    clients::SECRET_ID,
                    clients::SECRET_KEY,
                    None,
                ));
            });
            sums[1] += time_per(SIGNS, || {
                black_box(signing::authorization_header(
                    black_box(&input),
                    clients::SECRET_ID,
                    clients::SECRET_KEY,
                    Some(&cache),
                ));
            });
            sums[2] += time_per(SIGNS, || {
                black_box(signing::sign(black_box(&input), clients::SECRET_ID, clients::SECRET_KEY));
            });
            sums[3] += time_per(SIGNS, || {
                black_box(clients::floor_sign(HOST, black_box(clients::SIGN_BODY.as_bytes()), clients::TIMESTAMP));
            });
            // One compression: one block per call, as each hash of a signature starts afresh.
            sums[4] +=
                time_per(SIGNS * 10, || sha2::compress256(black_box(&mut state), black_box(&compress_blocks[..1])));
            // For reference: a block of a long stream, the call's own cost spread out.
            sums[5] += time_per(SIGNS / 10, || sha2::compress256(black_box(&mut state), black_box(&compress_blocks)))
                / compress_blocks.len() as f64;
        }
        let [d, c, p, f, k, streamed] = sums.map(|sum| sum / f64::from(SLICES));
        streaming.push(streamed);
        derived.push(d);
        cached.push(c);
        pure.push(p);
        floor.push(f);
        compression.push(k);
    }
    let per_round = |a: &[f64], b: &[f64]| median(a.iter().zip(b).map(|(a, b)| a / b).collect());
    let derived_to_floor = per_round(&derived, &floor);
    let pure_to_floor = per_round(&pure, &floor);
    let cached_to_compression = per_round(&cached, &compression);
    let python_to_derived = (!python.is_empty()).then(|| per_round(&python, &derived));
    let python_to_cached = (!python.is_empty()).then(|| per_round(&python, &cached));
    let python_sign = (!python.is_empty()).then(|| median(python));
    let (derived, cached, pure, floor, compression) =
        (median(derived), median(cached), median(pure), median(floor), median(compression));
    let streaming = median(streaming);
    // The compressions a signature with a cached key cannot avoid: the body's hash, the
    // canonical request's, and the keyed HMAC of the string to sign (its key pads are cached).
    let canonical = format!("POST\n/\n\ncontent-type:application/json\nhost:{HOST}\n\ncontent-type;host\n").len() + 64;
    let string_to_sign =
        format!("TC3-HMAC-SHA256\n{}\n2023-11-14/{}/tc3_request\n", clients::TIMESTAMP, clients::SERVICE).len() + 64;
    let cached_blocks = blocks(318) + blocks(canonical) + (blocks(64 + string_to_sign) - 1) + (blocks(64 + 32) - 1);
    // Deriving the key adds three HMACs of short texts (4 compressions each) and the key pads.
    let derived_blocks = cached_blocks + 3 * 4 + 2;
    let cached_to_sha_floor = cached_to_compression / cached_blocks as f64;

    if options.signing_only {
        println!(
            "derived {:.0} ns, floor {floor:.0} ns; cached {cached:.0} ns, SHA-256 floor {:.0} ns ({:.2}×); pure {pure:.0} ns",
            derived,
            cached_blocks as f64 * compression,
            cached_to_sha_floor
        );
        return;
    }

    // ---- calls, each client in a process of its own, interleaved ----
    // The servers on one CPU, the clients on another, as a client and a server on two machines.
    // Left to the scheduler, a client process sometimes shares the server's CPU and sometimes
    // not, and its CPU per call differs about 2x between the two (24 against 54 µs for plain
    // reqwest over TLS): a ratio of medians then measured the placements drawn, not the code.
    // `sdk-mt` is left free: it is there for its connections on a multi-thread runtime.
    let cpus = clients::allowed_cpus();
    let (server_cpu, client_cpu) = match cpus[..] {
        [server, client, ..] => (Some(server), Some(client)),
        _ => (None, None),
    };
    match (server_cpu, client_cpu) {
        (Some(server), Some(client)) => {
            println!("placement: the servers on CPU {server}, the clients on CPU {client} (sdk-mt: any CPU)")
        }
        _ => println!("placement: one CPU, shared by the servers and the clients"),
    }
    let mut plain_server = Server::start(false, server_cpu);
    let mut tls_server = Server::start(true, server_cpu);
    let exe = std::env::current_exe().unwrap();
    let address = plain_server.address.clone();
    let mut kinds = vec![
        "raw",
        "hyper",
        "reqwest",
        "sdk",
        "sdk-mt",
        "reqwest-tls",
        "sdk-tls",
        "reqwest-tls-fresh",
        "sdk-tls-fresh",
    ];
    if options.python.is_some() {
        kinds.push("python");
    }
    let mut cpu: Vec<Vec<f64>> = vec![vec![]; kinds.len()];
    let mut server_cpu: Vec<Vec<f64>> = vec![vec![]; kinds.len()];
    let mut connections: Vec<Vec<u64>> = vec![vec![]; kinds.len()];
    let mut handshakes: Vec<Vec<u64>> = vec![vec![]; kinds.len()];
    let mut wall: Vec<Vec<f64>> = vec![vec![]; kinds.len()];
    for round in 0..rounds {
        // Every other round runs the clients in the opposite order, so that no client always
        // follows the same one (a position effect of a few µs showed as 1.34× over TLS).
        let mut order: Vec<usize> = (0..kinds.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for k in order {
            let kind = &kinds[k];
            let server = if kind.contains("tls") { &mut tls_server } else { &mut plain_server };
            let before = server.usage();
            let calls = match *kind {
                "python" => options.python_calls,
                "reqwest-tls-fresh" | "sdk-tls-fresh" => options.tls_fresh_calls,
                _ => options.calls,
            };
            let pin = |command: &mut Command| {
                if let (Some(cpu), false) = (client_cpu, *kind == "sdk-mt") {
                    command.env(clients::CPU_VARIABLE, cpu.to_string());
                }
            };
            let text = if *kind == "python" {
                let mut command = Command::new(options.python.as_ref().unwrap());
                command.args([python_script(), "calls".into(), address.clone(), calls.to_string()]);
                pin(&mut command);
                output(&mut command)
            } else {
                let mut command = Command::new(&exe);
                command.args(["client", kind, &server.address, &calls.to_string()]);
                pin(&mut command);
                if let Some(ca_pem) = &server.ca_pem {
                    command.env(CA_PEM_VARIABLE, ca_pem);
                }
                output(&mut command)
            };
            let per_call = if *kind == "python" {
                json_number(&text, "cpu_ns_per_call")
            } else {
                let (cpu, elapsed) = text.trim().split_once(' ').unwrap();
                wall[k].push(elapsed.parse().unwrap());
                cpu.parse().unwrap()
            };
            let after = server.usage();
            assert_eq!(after.requests - before.requests, u64::from(calls) + 1, "{kind}: every call reached the server");
            cpu[k].push(per_call);
            server_cpu[k].push((after.cpu - before.cpu).as_nanos() as f64 / f64::from(calls + 1));
            connections[k].push(after.accepted - before.accepted);
            handshakes[k].push(after.handshakes - before.handshakes);
        }
    }

    // ---- one call from a fresh process ----
    let mut one_kinds = vec!["raw", "hyper", "reqwest", "sdk"];
    if options.python.is_some() {
        one_kinds.push("python");
    }
    let mut rss: Vec<Vec<f64>> = vec![vec![]; one_kinds.len()];
    let mut start_to_done: Vec<Vec<f64>> = vec![vec![]; one_kinds.len()];
    for _ in 0..rounds {
        for (k, kind) in one_kinds.iter().enumerate() {
            let started = Instant::now();
            let text = if *kind == "python" {
                output(Command::new(options.python.as_ref().unwrap()).args([
                    python_script(),
                    "one".into(),
                    address.clone(),
                ]))
            } else {
                output(Command::new(&one_call).arg(kind).arg(&address))
            };
            start_to_done[k].push(started.elapsed().as_secs_f64() * 1e3);
            let kib = if *kind == "python" { json_number(&text, "max_rss_kib") } else { text.trim().parse().unwrap() };
            rss[k].push(kib / 1024.0);
        }
    }
    drop(plain_server);
    drop(tls_server);

    // ---- the table ----
    let us = |ns: f64| ns / 1e3;
    let col = |values: &[Vec<f64>], kinds: &[&str], kind: &str| -> Option<f64> {
        kinds.iter().position(|k| *k == kind).map(|i| median(values[i].clone()))
    };
    let dash =
        |v: Option<f64>, unit: &str, digits: usize| v.map_or("–".to_owned(), |v| format!("{v:.digits$} {unit}"));
    let cpu_of = |kind| col(&cpu, &kinds, kind);
    let (sdk_cpu, sdk_mt_cpu, reqwest_cpu, raw_cpu, python_cpu) = (
        cpu_of("sdk").unwrap(),
        cpu_of("sdk-mt").unwrap(),
        cpu_of("reqwest").unwrap(),
        cpu_of("raw").unwrap(),
        cpu_of("python"),
    );
    let range = |counts: &[Vec<u64>], kind: &str| {
        let i = kinds.iter().position(|k| *k == kind).unwrap();
        let (min, max) = (counts[i].iter().min().unwrap(), counts[i].iter().max().unwrap());
        if min == max {
            format!("{min}")
        } else {
            format!("{min}–{max}")
        }
    };
    let conns = |kind: &str| range(&connections, kind);
    let rss_of = |kind| col(&rss, &one_kinds, kind);
    let std_of = |kind| col(&start_to_done, &one_kinds, kind);

    println!();
    println!("| figure | official Python SDK | raw Rust floor | plain reqwest | this SDK | ratios (same run) |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| TC3 signing, 318-byte body, key derived per call | {} | {:.2} µs (hmac/sha2) | – | {:.2} µs | {:.2}× the floor{} |",
        dash(python_sign.map(us), "µs", 1),
        us(floor),
        us(derived),
        derived_to_floor,
        python_to_derived.map_or(String::new(), |r| format!("; Python {r:.1}× slower")),
    );
    println!(
        "| signing with the client's cached key | – | {:.2} µs (SHA-256 floor: {cached_blocks} blocks × {:.1} ns, one compression; {:.1} ns a block of a long stream) | – | {:.2} µs | {:.2}× the SHA-256 floor{} |",
        us(cached_blocks as f64 * compression),
        compression,
        streaming,
        us(cached),
        cached_to_sha_floor,
        python_to_cached.map_or(String::new(), |r| format!("; Python {r:.1}× slower")),
    );
    println!(
        "| the pure steps (`signing::sign`: every string built, key derived; for tests) | – | {:.2} µs (derived-key SHA-256 floor, {derived_blocks} blocks) | – | {:.2} µs | {:.2}× the hmac/sha2 floor |",
        us(derived_blocks as f64 * compression),
        us(pure),
        pure_to_floor,
    );
    println!(
        "| client CPU per sequential keep-alive call (current-thread runtime) | {} | {:.1} µs (raw socket); {:.1} µs (async: hyper's client connection on tokio) | {:.1} µs | {:.1} µs | {:.2}× plain reqwest{} |",
        dash(python_cpu.map(us), "µs", 0),
        us(raw_cpu),
        us(cpu_of("hyper").unwrap()),
        us(reqwest_cpu),
        us(sdk_cpu),
        sdk_cpu / reqwest_cpu,
        python_cpu.map_or(String::new(), |p| format!("; Python {:.0}× more", p / sdk_cpu)),
    );
    println!(
        "| the same on a 2-worker multi-thread runtime; connections opened per run of {} calls | {} | {} connection | {} connection(s) | {:.1} µs; {} connection(s) (current-thread: {}) | {:.2}× current-thread |",
        options.calls + 1,
        python_cpu.map_or("–".to_owned(), |_| conns("python") + " connection(s)"),
        conns("raw"),
        conns("reqwest"),
        us(sdk_mt_cpu),
        conns("sdk-mt"),
        conns("sdk"),
        sdk_mt_cpu / sdk_cpu,
    );
    let server_of = |kind| col(&server_cpu, &kinds, kind).map(us);
    println!(
        "| server CPU per call (the local keep-alive server's own) | {} | {:.1} µs | {:.1} µs | {:.1} µs | |",
        dash(server_of("python"), "µs", 1),
        server_of("raw").unwrap(),
        server_of("reqwest").unwrap(),
        server_of("sdk").unwrap(),
    );
    println!(
        "| peak RSS, one call | {} | {:.1} MiB (blocking socket); {:.1} MiB (async: hyper's client connection on tokio) | {:.1} MiB | {:.1} MiB | |",
        dash(rss_of("python"), "MiB", 1),
        rss_of("raw").unwrap(),
        rss_of("hyper").unwrap(),
        rss_of("reqwest").unwrap(),
        rss_of("sdk").unwrap(),
    );
    println!(
        "| start → one call done | {} | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
        dash(std_of("python"), "ms", 0),
        std_of("raw").unwrap(),
        std_of("reqwest").unwrap(),
        std_of("sdk").unwrap(),
        std_of("python").map_or(String::new(), |p| format!("Python {:.0}× longer", p / std_of("sdk").unwrap())),
    );

    // ---- over TLS ----
    let (reqwest_tls, sdk_tls) = (cpu_of("reqwest-tls").unwrap(), cpu_of("sdk-tls").unwrap());
    let (reqwest_fresh, sdk_fresh) = (cpu_of("reqwest-tls-fresh").unwrap(), cpu_of("sdk-tls-fresh").unwrap());
    // The ratio of each round (its two runs next to each other, under the same load), then
    // their median and range: the machine's load changes between rounds.
    let round_ratios = |kind: &str, base: &str| {
        let (a, b) = (
            &cpu[kinds.iter().position(|k| *k == kind).unwrap()],
            &cpu[kinds.iter().position(|k| *k == base).unwrap()],
        );
        let ratios: Vec<f64> = a.iter().zip(b).map(|(a, b)| a / b).collect();
        let (min, max) = (ratios.iter().copied().fold(f64::MAX, f64::min), ratios.iter().copied().fold(0.0, f64::max));
        format!("{:.2}× plain reqwest (rounds: {min:.2}–{max:.2}×)", per_round(a, b))
    };
    let tls_connections =
        |kind: &str| format!("{} connection(s), {} handshake(s)", conns(kind), range(&handshakes, kind));
    println!();
    println!(
        "| over TLS (local HTTPS server, private CA trusted by the client; TLS 1.3, ECDSA P-256; current-thread runtime) | official Python SDK | raw Rust floor | plain reqwest | this SDK | ratios (same run) |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| client CPU per sequential call, warm connection | – | – | {:.1} µs | {:.1} µs | {}; plain HTTP: {} |",
        us(reqwest_tls),
        us(sdk_tls),
        round_ratios("sdk-tls", "reqwest-tls"),
        round_ratios("sdk", "reqwest"),
    );
    println!(
        "| TCP connections and TLS handshakes (the server's counts) per run of {} warm calls | – | – | {} | {} | |",
        options.calls + 1,
        tls_connections("reqwest-tls"),
        tls_connections("sdk-tls"),
    );
    println!(
        "| client CPU per call on a fresh connection (no idle connection kept; {} calls a run: {}, {}) | – | – | {:.1} µs | {:.1} µs | {} |",
        options.tls_fresh_calls + 1,
        tls_connections("reqwest-tls-fresh"),
        tls_connections("sdk-tls-fresh"),
        us(reqwest_fresh),
        us(sdk_fresh),
        round_ratios("sdk-tls-fresh", "reqwest-tls-fresh"),
    );
    let wall_of = |kind| col(&wall, &kinds, kind).unwrap();
    println!(
        "| wall-clock time per call on a fresh connection | – | – | {:.2} ms | {:.2} ms | |",
        wall_of("reqwest-tls-fresh") / 1e6,
        wall_of("sdk-tls-fresh") / 1e6,
    );
    println!(
        "| a handshake's client CPU (fresh − warm; connect included) | – | – | {:.1} µs | {:.1} µs | {:.2}× plain reqwest |",
        us(reqwest_fresh - reqwest_tls),
        us(sdk_fresh - sdk_tls),
        (sdk_fresh - sdk_tls) / (reqwest_fresh - reqwest_tls),
    );
    println!(
        "| server CPU per call over TLS: warm; fresh (its handshake included) | – | – | {:.1} µs; {:.1} µs | {:.1} µs; {:.1} µs | |",
        server_of("reqwest-tls").unwrap(),
        server_of("reqwest-tls-fresh").unwrap(),
        server_of("sdk-tls").unwrap(),
        server_of("sdk-tls-fresh").unwrap(),
    );
}
