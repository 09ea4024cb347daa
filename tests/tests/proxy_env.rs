//! The standard proxy variables are honoured (reqwest reads them; `Config` leaves them on unless
//! told otherwise). Its own test binary, since it sets process environment variables.

use tem_core::{Client, Config, Credentials, ServiceSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn http_proxy_variable_carries_the_requests_unless_no_proxy_is_set() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let proxy = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = vec![0u8; 4096];
        let n = stream.read(&mut head).await.unwrap();
        let body = r#"{"Response":{"RequestId":"via-env-proxy"}}"#;
        let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        stream.write_all(reply.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&head[..n]).lines().next().unwrap().to_owned()
    });
    // SAFETY (edition 2021: safe fn): the only test of this binary, before any client exists.
    for name in ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"] {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTP_PROXY", format!("http://{addr}"));
    let config = || {
        Config::new(Credentials::new("AKIDx", "k"))
            .with_region("ap-guangzhou")
            .unwrap()
            .with_endpoint("http://tem.example.invalid")
            .unwrap()
    };
    let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config()).unwrap();
    let reply = client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    assert!(String::from_utf8_lossy(&reply.body).contains("via-env-proxy"));
    assert_eq!(proxy.await.unwrap(), "POST http://tem.example.invalid/ HTTP/1.1");

    // `with_no_proxy` ignores the variable: the invalid host then cannot be reached at all.
    let direct = Client::new(ServiceSpec::new("tem", "2021-07-01"), config().with_no_proxy()).unwrap();
    assert!(direct.send_raw("DescribeEnvironments", b"{}".to_vec()).await.is_err());
}
