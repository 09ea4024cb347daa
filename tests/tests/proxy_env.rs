//! The standard proxy variables are honoured (reqwest reads them; `Config` leaves them on unless
//! told otherwise), and `with_no_proxy` ignores them. Its own test binary, since it sets process
//! environment variables.
//!
//! Two local servers, each counting what it receives: a target, and a "proxy" that answers
//! whatever reaches it. Where each request went is asserted, not merely that a call failed.

use serde_json::json;
use tem_core::{Client, Config, Credentials, ServiceSpec};
use tem_tests::{FrontDoor, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

#[tokio::test]
async fn http_proxy_variable_carries_the_requests_unless_no_proxy_is_set() {
    let target = FrontDoor::serving(|_| Response::ok(json!({"RequestId": "direct"}))).await;
    let proxy = FrontDoor::serving(|_| Response::ok(json!({"RequestId": "via-env-proxy"}))).await;
    // SAFETY (edition 2021: safe fn): the only test of this binary, before any client exists.
    for name in ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"] {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTP_PROXY", proxy.endpoint());
    let config = || {
        Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
            .with_region("ap-guangzhou")
            .unwrap()
            .with_endpoint(&target.endpoint())
            .unwrap()
    };
    let service = ServiceSpec::new("tem", "2021-07-01");

    // The variable applies to this very target (a loopback address is not exempt), so the
    // next step shows what `with_no_proxy` changes. The proxy receives the request in a
    // proxy's form, the absolute URL of the target (and, being a front door, refuses it).
    let client = Client::new(service, config()).unwrap();
    client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    assert_eq!((proxy.request_count(), target.request_count()), (1, 0));
    let received = &proxy.requests()[0];
    assert_eq!((received.method.as_str(), received.path.clone()), ("POST", format!("{}/", target.endpoint())));

    // `with_no_proxy` ignores the variable: the request goes straight to the target.
    let direct = Client::new(service, config().with_no_proxy()).unwrap();
    let reply = direct.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    assert!(String::from_utf8_lossy(&reply.body).contains("\"direct\""));
    assert_eq!((proxy.request_count(), target.request_count()), (1, 1));
}
