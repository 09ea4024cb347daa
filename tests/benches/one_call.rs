//! One call from a fresh process, for the comparison benchmark (`compare.rs`): `one_call KIND
//! ADDRESS` (KIND: `sdk`, `reqwest` or `raw`) calls the local server once and prints the
//! process's peak resident memory in KiB. A binary of its own, without the benchmark's server
//! and orchestration, so that the figure is the client's.

#[path = "support/clients.rs"]
mod clients;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [kind, address] = &args[..] else {
        eprintln!("usage: one_call sdk|reqwest|raw ADDRESS");
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
        other => panic!("unknown client {other}"),
    }
    println!("{}", clients::process_usage().1);
}
