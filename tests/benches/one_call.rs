//! One call from a fresh process, for the comparison benchmark (`compare.rs`): `one_call KIND
//! ADDRESS` (KIND: `sdk`, `reqwest`, `raw`, or `hyper`: the async floor, hyper's client connection
//! on tokio) calls the local server once and prints the
//! process's peak resident memory in KiB. A binary of its own, without the benchmark's server
//! and orchestration, so that the figure is the client's.

#[path = "support/clients.rs"]
mod clients;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [kind, address] = &args[..] else {
        eprintln!("usage: one_call sdk|reqwest|raw|hyper ADDRESS");
        std::process::exit(2);
    };
    let request = clients::seed_request();
    match kind.as_str() {
        "sdk" => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let client = clients::sdk_client(&format!("http://{}", clients::by_name(address)));
                clients::sdk_call(&client, &request).await
            });
        }
        "reqwest" => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async { clients::PlainReqwest::new(&clients::by_name(address)).call(&request).await });
        }
        "raw" => clients::RawSocket::connect(address).call(&request),
        "hyper" => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async { clients::HyperFloor::connect(address).await.call(&request).await });
        }
        other => panic!("unknown client {other}"),
    }
    println!("{}", clients::process_usage().1);
    if std::env::var_os("ONE_CALL_SMAPS").is_some() {
        // Where the resident memory is, by mapping: to see what a lower peak needs.
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let mut name = String::new();
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or_default();
            if first.contains('-') && !first.ends_with(':') {
                name = line.split_whitespace().skip(5).collect::<Vec<_>>().join(" ");
                name = format!("{} {}", line.split_whitespace().nth(1).unwrap_or_default(), name);
            } else if let Some(kb) = line.strip_prefix("Rss:") {
                let kb: u64 = kb.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0);
                if kb > 0 {
                    eprintln!("{kb:>6} kB  {name}");
                }
            }
        }
    }
}
