//! TLS and the connection pool, against a local HTTPS server (hyper + tokio-rustls) whose
//! certificate is issued by a private CA generated here with rcgen: trusted with
//! `Config::with_root_certificate`, refused without it (a connection error, known not to have
//! sent anything, so retried even for an action that changes something); the pool's limits.

mod local_server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use local_server::LocalServer;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::json;
use tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest;
use tem_core::{Client, Config, Credentials, ErrorKind, RetryPolicy, ServiceSpec};
use tem_tests::with_sources;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto, ServerConfig};
use tokio_rustls::TlsAcceptor;

const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");

/// A private CA (its PEM) and a TLS acceptor presenting a certificate it issued for 127.0.0.1.
fn private_ca() -> (String, TlsAcceptor) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "tem-sdk-rust test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&server_key, &ca).unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .unwrap();
    (ca.pem(), TlsAcceptor::from(Arc::new(config)))
}

/// An HTTPS server answering every request with an empty success.
async fn https_server(acceptor: TlsAcceptor) -> LocalServer {
    https_server_counting_handshakes(acceptor).await.0
}

/// The same, with the count of TLS handshakes completed.
async fn https_server_counting_handshakes(acceptor: TlsAcceptor) -> (LocalServer, Arc<AtomicUsize>) {
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counted = handshakes.clone();
    let server = LocalServer::start(
        |_| (200, json!({"Response": {"RequestId": "tls-request"}}).to_string()),
        move |tcp| {
            let (acceptor, counted) = (acceptor.clone(), counted.clone());
            async move {
                let tls = acceptor.accept(tcp).await.ok()?;
                counted.fetch_add(1, Ordering::SeqCst);
                Some(tls)
            }
        },
    )
    .await;
    (server, handshakes)
}

fn config(server: &LocalServer) -> Config {
    Config::new(Credentials::new("AKIDtls", "tls-key"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&format!("https://{}", server.addr))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_is_trusted_with_with_root_certificate_and_refused_without_it() {
    let (ca_pem, acceptor) = private_ca();
    let server = https_server(acceptor).await;

    // Trusted.
    let client = Client::new(TEM, config(&server).with_root_certificate(&ca_pem).unwrap()).unwrap();
    for _ in 0..3 {
        let reply = client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
        assert_eq!(reply.status, 200);
    }
    let requests = server.log.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.header("X-TC-Action") == Some("DescribeEnvironments")));
    let connected = server.log.connections();

    // Not trusted (only the bundled roots): the handshake fails, nothing is sent. It is a
    // connection error, known not to have reached the server, so even an action that changes
    // something is retried, up to the policy's attempts.
    let untrusting = Client::new(
        TEM,
        config(&server).with_retry_policy(RetryPolicy::new().with_max_attempts(2).with_base_delay(Duration::ZERO)),
    )
    .unwrap();
    let request = RollingUpdateApplicationByVersionRequest::builder()
        .application_id("app-1")
        .environment_id("en-1")
        .deploy_version("v2")
        .build()
        .unwrap();
    let err = untrusting.send(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    assert_eq!(err.attempts(), 2, "retried as never sent");
    let shown = with_sources(&err);
    assert!(shown.contains("certificate"), "{shown}");
    assert_eq!(server.log.requests().len(), 3, "no request came through");
    assert_eq!(server.log.connections(), connected + 2, "two refused handshakes");
}

#[tokio::test]
async fn with_no_idle_connections_kept_each_call_connects_anew() {
    let (ca_pem, acceptor) = private_ca();
    let server = https_server(acceptor).await;
    let config = config(&server).with_root_certificate(&ca_pem).unwrap().with_pool_max_idle_per_host(0);
    let client = Client::new(TEM, config).unwrap();
    for _ in 0..3 {
        client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    }
    assert_eq!(server.log.connections(), 3);
}

/// Sequential calls over TLS on a multi-thread runtime (where the pool takes a connection back
/// in a task of its own, on any worker) reuse their connections: one handshake per connection,
/// and a few connections at most (the bound of `connection_reuse.rs`, which says why).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_calls_over_tls_on_a_multi_thread_runtime_reuse_connections_and_their_handshakes() {
    let (ca_pem, acceptor) = private_ca();
    let (server, handshakes) = https_server_counting_handshakes(acceptor).await;
    let client = Client::new(TEM, config(&server).with_root_certificate(&ca_pem).unwrap()).unwrap();
    for _ in 0..20 {
        let reply = client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
        assert_eq!(reply.status, 200);
    }
    assert_eq!(server.log.requests().len(), 20);
    let connections = server.log.connections();
    assert!((1..=8).contains(&connections), "{connections} TCP connections for 20 sequential calls");
    assert_eq!(handshakes.load(Ordering::SeqCst), connections, "one TLS handshake per connection");
}
