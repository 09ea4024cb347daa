//! Connection reuse: sequential calls share one keep-alive connection on any runtime flavour,
//! and concurrent calls open no more connections than there are calls in flight. The server
//! counts the connections it accepts.

#[path = "../benches/support/keepalive.rs"]
mod keepalive;

use std::sync::Arc;

use keepalive::{KeepAliveServer, SEED_REPLY};
use tem_api::{Client, Config, Credentials};
use tem_tests::seed_request;

/// How the endpoint names the server: by address (connections pass the client's connector
/// layer) or by name (they pass its resolver).
#[derive(Clone, Copy, Debug)]
enum Named {
    ByAddress,
    ByName,
}

fn client(server: &KeepAliveServer, named: Named) -> Client {
    let endpoint = match named {
        Named::ByAddress => server.endpoint(),
        Named::ByName => format!("http://localhost:{}", server.addr().port()),
    };
    let config = Config::new(Credentials::new("AKIDexample", "secret"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&endpoint)
        .unwrap();
    Client::new(config).unwrap()
}

async fn sequential_calls_use_one_connection() {
    for named in [Named::ByAddress, Named::ByName] {
        sequential_calls_use_one_connection_to(named).await;
    }
}

async fn sequential_calls_use_one_connection_to(named: Named) {
    // Several clients in a row, so that a race between returning a connection to the pool and
    // checking out the next one has many chances to show.
    for round in 0..5 {
        let server = KeepAliveServer::start(SEED_REPLY).await.unwrap();
        let client = client(&server, named);
        for _ in 0..20 {
            let reply = client.send(&seed_request()).await.unwrap();
            assert_eq!(reply.result, "revision-xxx");
        }
        assert_eq!(server.requests(), 20, "{named:?}, round {round}");
        assert_eq!(server.accepted(), 1, "connections opened by 20 sequential calls, {named:?}, round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_sequential_calls_on_a_multi_thread_runtime_open_one_connection() {
    sequential_calls_use_one_connection().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_sequential_calls_on_a_four_worker_runtime_open_one_connection() {
    sequential_calls_use_one_connection().await;
}

#[tokio::test(flavor = "current_thread")]
async fn twenty_sequential_calls_on_a_current_thread_runtime_open_one_connection() {
    sequential_calls_use_one_connection().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_calls_in_flight_open_at_most_sixty_four_connections() {
    for named in [Named::ByAddress, Named::ByName] {
        sixty_four_calls_in_flight_to(named).await;
    }
}

async fn sixty_four_calls_in_flight_to(named: Named) {
    let server = KeepAliveServer::start(SEED_REPLY).await.unwrap();
    let client = Arc::new(client(&server, named));
    for _ in 0..3 {
        let calls: Vec<_> = (0..64)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.send(&seed_request()).await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap();
        }
    }
    assert_eq!(server.requests(), 3 * 64);
    let opened = server.accepted();
    assert!((1..=64).contains(&opened), "{opened} connections for 64 calls in flight, {named:?}");
}
