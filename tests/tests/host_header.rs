//! The host the signature covers is the `Host` the server receives, sent once: reqwest's own,
//! from the URL, when it is the configured one (the client adds its own only when the URL would
//! leave out a default port written in the endpoint; see the unit test in `tem-core`'s client).

use tem_core::{Client, Config, Credentials, ServiceSpec};
use tem_tests::{FrontDoor, FrontDoorOptions, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");

/// Calls the front door through `endpoint`; the one request it received.
async fn received_through(server: &FrontDoor, endpoint: &str) -> tem_tests::ReceivedRequest {
    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(endpoint)
        .unwrap();
    let before = server.requests().len();
    let reply = Client::new(TEM, config).unwrap().send_raw("DescribeApplications", b"{}".to_vec()).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), before + 1);
    let request = requests.last().unwrap().clone();
    assert_eq!((reply.status, &request.verdict, &request.reason), (200, &None, &None), "{endpoint}");
    request
}

#[tokio::test]
async fn the_signed_host_is_the_host_received() {
    let server = FrontDoor::start(FrontDoorOptions::default()).await;
    let port = server.endpoint().rsplit_once(':').unwrap().1.to_owned();

    let request = received_through(&server, &server.endpoint()).await;
    assert_eq!(request.headers.get_all("host").collect::<Vec<_>>(), [format!("127.0.0.1:{port}")]);
}
