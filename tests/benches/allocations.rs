//! Allocations per sequential keep-alive call, counted by a global allocator: this SDK and a
//! plain reqwest client, each on a current-thread runtime whose one thread runs the whole call
//! (connection task included); the server runs on another thread and is not counted.
//!
//! `cargo bench -p tem-tests --bench allocations` (also run by `bench/compare.sh`).

#[path = "support/clients.rs"]
mod clients;
#[path = "support/counting.rs"]
mod counting;
#[path = "support/keepalive.rs"]
mod keepalive;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

const CALLS: u64 = 1000;

fn main() {
    let (address_in, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let server = keepalive::KeepAliveServer::start(keepalive::SEED_REPLY).await.unwrap();
            address_in.send(server.addr()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let address = address.recv().unwrap().to_string();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let request = clients::seed_request();

    let sdk = clients::sdk_client(&format!("http://{}", clients::by_name(&address)));
    runtime.block_on(clients::sdk_call(&sdk, &request));
    let ((), sdk_allocations, sdk_bytes) = counting::counted(|| {
        runtime.block_on(async {
            for _ in 0..CALLS {
                clients::sdk_call(&sdk, &request).await;
            }
        })
    });

    // By address, connections pass the client's connector layer instead of its resolver.
    let by_address = clients::sdk_client(&format!("http://{address}"));
    runtime.block_on(clients::sdk_call(&by_address, &request));
    let ((), address_allocations, address_bytes) = counting::counted(|| {
        runtime.block_on(async {
            for _ in 0..CALLS {
                clients::sdk_call(&by_address, &request).await;
            }
        })
    });

    let plain = clients::PlainReqwest::new(&clients::by_name(&address));
    runtime.block_on(plain.call(&request));
    let ((), plain_allocations, plain_bytes) = counting::counted(|| {
        runtime.block_on(async {
            for _ in 0..CALLS {
                plain.call(&request).await;
            }
        })
    });

    let mut raw = clients::RawSocket::connect(&address);
    raw.call(&request);
    let ((), raw_allocations, raw_bytes) = counting::counted(|| {
        for _ in 0..CALLS {
            raw.call(&request);
        }
    });

    println!("allocations per call ({CALLS} sequential keep-alive calls, current-thread runtime):");
    for (who, allocations, bytes) in [
        ("this SDK", sdk_allocations, sdk_bytes),
        ("  by address", address_allocations, address_bytes),
        ("plain reqwest", plain_allocations, plain_bytes),
        ("raw socket", raw_allocations, raw_bytes),
    ] {
        println!("  {who:<14} {:>6.1} allocations, {:>6} bytes", allocations as f64 / CALLS as f64, bytes / CALLS);
    }
}
