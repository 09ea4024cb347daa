//! Credentials providers and configuration, against local fakes the tests start themselves on
//! 127.0.0.1: a CVM metadata service (below) and STS (a `FrontDoor` expecting service `sts`).
//! Nothing reads the real environment, home directory or network: every test builds its own
//! `Environment`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tem_core::credentials::{
    AssumeRoleProvider, AssumeRoleProviderBuilder, ChainProvider, CvmRoleProvider, Environment, EnvironmentProvider,
    ProfileProvider,
};
use tem_core::time::{ManualClock, TimeSource};
use tem_core::{
    Client, Config, ConfigErrorKind, Credentials, CredentialsErrorKind, ErrorKind, ProvideCredentials, ServiceSpec,
};
use tem_tests::{with_sources, FrontDoor, FrontDoorOptions, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");
const ROLE_PATH: &str = "/latest/meta-data/cam/security-credentials/";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// A fake HTTP server: GET/CONNECT/absolute-form requests answered by a function of the
// request line, after an optional delay. Records every request line.
// ---------------------------------------------------------------------------------------------

type Handler = Arc<dyn Fn(&str) -> (u16, String, Duration) + Send + Sync>;

struct FakeHttp {
    addr: std::net::SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeHttp {
    async fn start(handler: impl Fn(&str) -> (u16, String, Duration) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let recorded = lines.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { return };
                let (handler, recorded) = (handler.clone(), recorded.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head).into_owned();
                    let line = text.lines().next().unwrap_or("").to_owned();
                    recorded.lock().unwrap().push(line.clone());
                    let (status, body, delay) = handler(&line);
                    tokio::time::sleep(delay).await;
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        Self { addr, lines, task }
    }

    fn base(&self) -> String {
        format!("http://{}/latest/meta-data/", self.addr)
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for FakeHttp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Temporary credentials as the metadata service serves them.
fn role_credentials(id: &str, key: &str, token: &str, expires: i64) -> String {
    json!({
        "TmpSecretId": id, "TmpSecretKey": key, "Token": token, "ExpiredTime": expires,
        "Expiration": "2030-01-01T00:00:00Z", "Code": "Success"
    })
    .to_string()
}

/// A metadata service with role `deployer` whose credentials are `serve(n)` on the n-th fetch.
async fn metadata(serve: impl Fn(usize) -> String + Send + Sync + 'static) -> (FakeHttp, Arc<AtomicUsize>) {
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let server = FakeHttp::start(move |line| {
        if line == format!("GET {ROLE_PATH} HTTP/1.1") {
            (200, "deployer".into(), Duration::ZERO)
        } else if line == format!("GET {ROLE_PATH}deployer HTTP/1.1") {
            (200, serve(counter.fetch_add(1, Ordering::SeqCst)), Duration::ZERO)
        } else {
            (404, "not found".into(), Duration::ZERO)
        }
    })
    .await;
    (server, fetches)
}

/// An environment of only these variables, this home, and this metadata service.
fn environment(vars: &[(&str, &str)], home: Option<PathBuf>, metadata: &str) -> Environment {
    let pairs: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Environment::from_pairs(pairs).with_home(home).with_metadata_endpoint(metadata)
}

/// A fresh directory under the target directory, optionally with `.tencentcloud/credentials`.
fn home_with(name: &str, credentials_file: Option<&str>) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("credentials-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".tencentcloud")).unwrap();
    if let Some(text) = credentials_file {
        std::fs::write(dir.join(".tencentcloud/credentials"), text).unwrap();
    }
    dir
}

/// An address where nothing listens (bound, then released).
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/latest/meta-data/")
}

// ---------------------------------------------------------------------------------------------
// CVM role
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn cvm_role_found_gives_temporary_credentials_sent_with_x_tc_token() {
    let expires = now() + 3600;
    let (meta, fetches) = metadata(move |_| role_credentials("AKIDrole", "role-key", "role-token", expires)).await;
    let provider =
        CvmRoleProvider::with_environment(&Environment::from_pairs([("", "")]).with_metadata_endpoint(meta.base()));
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.secret_id(), "AKIDrole");
    assert_eq!(credentials.secret_key().expose(), "role-key");
    assert_eq!(credentials.token().unwrap().expose(), "role-token");
    assert_eq!(credentials.expiry(), Some(UNIX_EPOCH + Duration::from_secs(expires as u64)));
    assert_eq!(meta.lines(), [format!("GET {ROLE_PATH} HTTP/1.1"), format!("GET {ROLE_PATH}deployer HTTP/1.1")]);

    // Through a client: signed with the role's key, the token in X-TC-Token; cached.
    let server =
        FrontDoor::start(FrontDoorOptions::default().with_temporary_credential("AKIDrole", "role-key", "role-token"))
            .await;
    let client = client_of(provider, &server);
    for _ in 0..3 {
        let reply = client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
        assert!(!String::from_utf8_lossy(&reply.body).contains("Error"), "{}", String::from_utf8_lossy(&reply.body));
    }
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.accepted() && r.header("X-TC-Token") == Some("role-token")));
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "cached: fetched once for four uses");
}

#[tokio::test]
async fn cvm_role_missing_is_not_found_so_a_chain_moves_on() {
    let meta = FakeHttp::start(|_| (404, "".into(), Duration::ZERO)).await;
    let provider =
        CvmRoleProvider::with_environment(&Environment::from_pairs([("", "")]).with_metadata_endpoint(meta.base()));
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::NotFound);
    assert_eq!(err.to_string(), "CVM role: no CAM role is bound to this instance");

    // A role whose credentials the service will not give is a provider error, not "not found".
    let meta = FakeHttp::start(|line| {
        if line.contains("security-credentials/ ") {
            (200, "gone\n".into(), Duration::ZERO)
        } else {
            (500, "".into(), Duration::ZERO)
        }
    })
    .await;
    let provider =
        CvmRoleProvider::with_environment(&Environment::from_pairs([("", "")]).with_metadata_endpoint(meta.base()));
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider, "{err}");
    assert!(err.to_string().contains("HTTP 500"), "{err}");
}

#[tokio::test]
async fn slow_metadata_service_times_out_quickly_and_the_chain_does_not_hang() {
    let meta = FakeHttp::start(|_| (200, "deployer".into(), Duration::from_secs(30))).await;
    let env = Environment::from_pairs([("", "")]).with_metadata_endpoint(meta.base());
    let provider =
        CvmRoleProvider::with_environment(&env).with_timeouts(Duration::from_millis(200), Duration::from_millis(300));
    let started = Instant::now();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(err.kind(), CredentialsErrorKind::NotFound);
    assert!(err.to_string().contains("timed out"), "{err}");

    // With the default timeouts (1 s connect, 2 s in all), the whole default chain gives up in
    // about two seconds, and the call fails as "no credentials", before sending anything.
    let server = FrontDoor::serving(|_| Response::ok(json!({}))).await;
    let config = Config::from_environment(&env)
        .unwrap()
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap();
    let started = Instant::now();
    let err = Client::new(TEM, config).unwrap().send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::Config);
    let shown = with_sources(&err);
    assert!(shown.contains("CVM role: the metadata service at") && shown.contains("timed out"), "{shown}");
    assert_eq!(server.request_count(), 0);
}

/// tem-core's manual clock, starting at the real time in whole seconds (so that expiry times
/// computed from the real clock keep their meaning, and served ones are exact).
fn manual_clock() -> ManualClock {
    ManualClock::at_unix_seconds(now() as u64)
}

/// The clock's Unix time in whole seconds.
fn secs(clock: &ManualClock) -> i64 {
    clock.now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiring_role_credentials_are_refreshed_once_under_fifty_concurrent_calls() {
    let clock = manual_clock();
    let soon = secs(&clock) + 60;
    let later = secs(&clock) + 3600;
    let (meta, fetches) = metadata(move |n| match n {
        0 => role_credentials("AKIDold", "old-key", "old-token", soon),
        _ => role_credentials("AKIDnew", "new-key", "new-token", later),
    })
    .await;
    let provider = CvmRoleProvider::with_environment(
        &Environment::from_pairs([("", "")]).with_metadata_endpoint(meta.base()).with_time_source(clock.clone()),
    );
    let server = FrontDoor::start(
        FrontDoorOptions::default()
            .without_credentials()
            .with_temporary_credential("AKIDold", "old-key", "old-token")
            .with_temporary_credential("AKIDnew", "new-key", "new-token"),
    )
    .await;
    let client = client_of(provider, &server);
    // Valid for 60 s: used until half their lifetime is left (the 5-minute margin is longer
    // than their life), then refreshed.
    assert_eq!(client.credentials().await.unwrap().secret_id(), "AKIDold");
    clock.advance(Duration::from_secs(29));
    assert_eq!(client.credentials().await.unwrap().secret_id(), "AKIDold");
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(2));

    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                client.send_raw("DescribeEnvironments", b"{}".to_vec()).await
            })
        })
        .collect();
    for call in calls {
        let reply = call.await.unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&reply.body).contains("Error"), "{}", String::from_utf8_lossy(&reply.body));
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 2, "one refresh shared by fifty calls");
    let requests = server.requests();
    assert_eq!(requests.len(), 50);
    assert!(requests.iter().all(|r| r.accepted() && r.header("X-TC-Token") == Some("new-token")));
}

#[tokio::test]
async fn refreshes_are_attempted_at_most_once_per_interval_and_expired_credentials_are_not_sent() {
    // Each fetch gives credentials valid for 3 s from the (manual) time of the fetch: shorter
    // than the interval between refreshes.
    let clock = manual_clock();
    let served = clock.clone();
    let (meta, fetches) = metadata(move |n| role_credentials(&format!("AKID{n}"), "k", "t", secs(&served) + 3)).await;
    let provider =
        CvmRoleProvider::with_environment(&environment(&[], None, &meta.base()).with_time_source(clock.clone()));
    let id = || async { provider.provide_credentials().await.map(|c| c.secret_id().to_owned()) };
    assert_eq!(id().await.unwrap(), "AKID0");
    clock.advance(Duration::from_secs(2)); // past half the lifetime, but fetched 2 s ago
    assert_eq!(id().await.unwrap(), "AKID0");
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(1)); // expired, and still too soon to refresh
    for _ in 0..10 {
        let err = id().await.unwrap_err();
        assert_eq!(err.kind(), CredentialsErrorKind::Provider, "{err}");
        assert!(err.to_string().contains("expired"), "{err}");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "no refresh within the interval");
    clock.advance(tem_core::credentials::MIN_REFRESH_INTERVAL - Duration::from_secs(3));
    assert_eq!(id().await.unwrap(), "AKID1");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

/// A client of the front door `server` whose credentials come from `provider`.
fn client_of(provider: impl ProvideCredentials + 'static, server: &FrontDoor) -> Client {
    let config = Config::new(Credentials::new("unused", "unused"))
        .with_credentials_provider(provider)
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap();
    Client::new(TEM, config).unwrap()
}

// ---------------------------------------------------------------------------------------------
// STS AssumeRole
// ---------------------------------------------------------------------------------------------

/// The options of a front door standing in for STS (service `sts`, version 2018-08-13).
fn sts_options() -> FrontDoorOptions {
    FrontDoorOptions::default().with_service("sts", "2018-08-13")
}

/// Assumes [`ROLE_ARN`] (session `s`) through the STS stand-in `sts`, signing with the front
/// door's default credentials.
fn assume_role(sts: &FrontDoor) -> AssumeRoleProviderBuilder {
    AssumeRoleProvider::builder(ROLE_ARN, "s")
        .base_credentials(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .endpoint(sts.endpoint())
}

/// A front door standing in for STS, signing checked with the front door's default
/// credentials; it answers AssumeRole with `expiries[n]` on the n-th call (the last repeated).
async fn sts(expiries: Vec<i64>) -> FrontDoor {
    let calls = AtomicUsize::new(0);
    FrontDoor::start(sts_options().with_responder(move |request| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        if request.action() != Some("AssumeRole") {
            return Response::service_error("InvalidAction", "only AssumeRole");
        }
        let expires = expiries[n.min(expiries.len() - 1)];
        Response::ok(json!({
            "Credentials": {"Token": format!("sts-token-{n}"), "TmpSecretId": format!("AKIDsts{n}"), "TmpSecretKey": format!("sts-key-{n}")},
            "ExpiredTime": expires,
            "Expiration": "2030-01-01T00:00:00Z",
        }))
    }))
    .await
}

const ROLE_ARN: &str = "qcs::cam::uin/100000000001:roleName/deployer";

#[tokio::test]
async fn assume_role_is_signed_by_the_base_credentials_and_cached() {
    let server = sts(vec![now() + 7200]).await;
    let provider = AssumeRoleProvider::builder(ROLE_ARN, "deploy-session")
        .base_credentials(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .duration(Duration::from_secs(3600))
        .endpoint(server.endpoint())
        .build()
        .unwrap();
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!((credentials.secret_id(), credentials.secret_key().expose()), ("AKIDsts0", "sts-key-0"));
    assert_eq!(credentials.token().unwrap().expose(), "sts-token-0");
    provider.provide_credentials().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "cached");
    let request = &requests[0];
    assert!(request.accepted(), "{:?}", request.reason);
    assert_eq!(request.header("X-TC-Action"), Some("AssumeRole"));
    assert_eq!(request.header("X-TC-Version"), Some("2018-08-13"));
    assert_eq!(request.header("X-TC-Region"), Some("ap-guangzhou"));
    assert!(request.header("Authorization").unwrap().contains("/sts/tc3_request"));
    assert_eq!(
        request.body_json().unwrap(),
        json!({"RoleArn": ROLE_ARN, "RoleSessionName": "deploy-session", "DurationSeconds": 3600})
    );

    // A refusal by STS is a provider error naming the role and STS's code, not a secret.
    let refusing = FrontDoor::start(sts_options()).await;
    let provider = AssumeRoleProvider::builder(ROLE_ARN, "s")
        .base_credentials(Credentials::new(DEFAULT_SECRET_ID, "wrong-base-key"))
        .endpoint(refusing.endpoint())
        .build()
        .unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider);
    assert!(err.to_string().contains("AuthFailure.SignatureFailure") && err.to_string().contains(ROLE_ARN), "{err}");
}

#[tokio::test]
async fn assume_role_refreshes_before_expiry() {
    let clock = manual_clock();
    let server = sts(vec![secs(&clock) + 100, secs(&clock) + 7200]).await;
    let provider = assume_role(&server).time_source(clock.clone()).build().unwrap();
    // Expires in 100 s, within the 5-minute margin: used until 50 s are left, then refreshed;
    // then it is cached.
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDsts0");
    clock.advance(Duration::from_secs(49));
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDsts0");
    clock.advance(Duration::from_secs(2));
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDsts1");
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDsts1");
    assert_eq!(server.request_count(), 2);
    // The refresh is signed on the provider's clock, the one its cache reads.
    let refresh = &server.requests()[1];
    assert_eq!(refresh.header("X-TC-Timestamp"), Some(secs(&clock).to_string().as_str()));
}

#[tokio::test]
async fn a_profile_with_role_arn_assumes_the_role_through_sts() {
    let server = sts(vec![now() + 7200]).await;
    let file = format!(
        "[default]\nsecret_id = {DEFAULT_SECRET_ID}\nsecret_key = {DEFAULT_SECRET_KEY}\nrole_arn = {ROLE_ARN}\nrole_session_name = from-file\nregion = ap-shanghai\n"
    );
    let home = home_with("profile-role", Some(&file));
    let env = environment(&[], Some(home), &closed_port().await).with_sts_endpoint(server.endpoint());
    let credentials = ProfileProvider::with_environment(env.clone()).provide_credentials().await.unwrap();
    assert_eq!(credentials.secret_id(), "AKIDsts0");
    let request = &server.requests()[0];
    assert!(request.accepted(), "{:?}", request.reason);
    assert_eq!(request.header("X-TC-Region"), Some("ap-shanghai"));
    assert_eq!(request.body_json().unwrap()["RoleSessionName"], "from-file");
    // The profile's region is the client's too.
    assert_eq!(Config::from_environment(&env).unwrap().region(), Some("ap-shanghai"));
}

// ---------------------------------------------------------------------------------------------
// The chain
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn default_chain_order_static_then_environment_then_file_then_cvm_role() {
    let (meta, _) = metadata(|_| role_credentials("AKIDcvm", "cvm-key", "cvm-token", now() + 3600)).await;
    let home = home_with("chain-order", Some("[default]\nsecret_id = AKIDfile\nsecret_key = file-key\n"));
    let vars = [("TENCENTCLOUD_SECRET_ID", "AKIDenv"), ("TENCENTCLOUD_SECRET_KEY", "env-key")];
    let id = |chain: ChainProvider| async move { chain.provide_credentials().await.unwrap().secret_id().to_owned() };

    let everything = environment(&vars, Some(home.clone()), &meta.base());
    let chain = ChainProvider::default_chain(&everything, Some(Credentials::new("AKIDstatic", "k")));
    assert_eq!(
        chain.names().collect::<Vec<_>>(),
        ["static", "environment", "credentials file", "CVM role", "TKE OIDC"]
    );
    assert_eq!(id(chain).await, "AKIDstatic");
    assert_eq!(id(ChainProvider::default_chain(&everything, None)).await, "AKIDenv");
    let no_env = environment(&[], Some(home), &meta.base());
    assert_eq!(id(ChainProvider::default_chain(&no_env, None)).await, "AKIDfile");
    let no_file = environment(&[], Some(home_with("chain-order-empty", None)), &meta.base());
    assert_eq!(id(ChainProvider::default_chain(&no_file, None)).await, "AKIDcvm");

    // Nothing anywhere: one error listing every source and why it did not apply.
    let nothing = environment(&[], Some(home_with("chain-nothing", None)), &closed_port().await);
    let err = ChainProvider::default_chain(&nothing, None).provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Config(ConfigErrorKind::NoCredentials));
    let tried: Vec<&str> = err.tried().iter().map(|e| e.provider()).collect();
    assert_eq!(tried, ["environment", "credentials file", "CVM role", "TKE OIDC"]);
    let shown = err.to_string();
    assert!(shown.starts_with("chain: no credentials found; tried 1. environment: TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not set; 2. credentials file: no credentials file"), "{shown}");
    assert!(shown.contains("; 3. CVM role: the metadata service at http://127.0.0.1:"), "{shown}");
}

#[tokio::test]
async fn a_bad_source_stops_the_chain_instead_of_being_skipped() {
    let (meta, fetches) = metadata(|_| role_credentials("AKIDcvm", "k", "t", now() + 3600)).await;
    let home = home_with("chain-bad-file", Some("[default]\nsecret_id = AKIDfile\n"));
    let env = environment(&[], Some(home), &meta.base());
    let err = ChainProvider::default_chain(&env, None).provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Config(ConfigErrorKind::MalformedFile));
    assert!(err.to_string().contains("profile [default]: secret_key is missing"), "{err}");
    assert_eq!(fetches.load(Ordering::SeqCst), 0, "the CVM role was not asked");
}

// ---------------------------------------------------------------------------------------------
// Bad configuration: each its own error, naming its source, before any request
// ---------------------------------------------------------------------------------------------

/// A name, variables, a credentials file, the expected kind, words of the message.
type BadCase<'a> = (&'a str, Vec<(&'a str, String)>, Option<&'a str>, ConfigErrorKind, &'a str);

#[tokio::test]
async fn bad_configuration_fails_early_with_a_distinct_error_naming_its_source() {
    let server = FrontDoor::serving(|_| Response::ok(json!({}))).await;
    let metadata = closed_port().await;
    let missing_file = home_with("bad-config-missing", None).join("nowhere");
    let directory = home_with("bad-config-dir", None);
    let good_file = "[default]\nsecret_id = AKIDfile\nsecret_key = file-key\n[prod]\nsecret_id = AKIDprod\nsecret_key = k\nregion = ap_bad\n";
    let id = ("TENCENTCLOUD_SECRET_ID", "AKIDenv");
    let key = ("TENCENTCLOUD_SECRET_KEY", "env-key");
    #[rustfmt::skip]
    let cases: Vec<BadCase> = vec![
        ("empty id", vec![("TENCENTCLOUD_SECRET_ID", "".into()), (key.0, key.1.into())], None,
         ConfigErrorKind::EmptyVariable, "environment: environment variable TENCENTCLOUD_SECRET_ID is empty"),
        ("key without id", vec![(key.0, key.1.into())], None,
         ConfigErrorKind::MissingVariable, "environment: environment variable TENCENTCLOUD_SECRET_ID is not set, but TENCENTCLOUD_SECRET_KEY is"),
        ("spaces around the key", vec![(id.0, id.1.into()), (key.0, " k ".into())], None,
         ConfigErrorKind::InvalidValue, "environment: environment variable TENCENTCLOUD_SECRET_KEY has leading or trailing whitespace"),
        ("empty region", vec![(id.0, id.1.into()), (key.0, key.1.into()), ("TENCENTCLOUD_REGION", " ".into())], None,
         ConfigErrorKind::EmptyVariable, "environment variable TENCENTCLOUD_REGION is empty"),
        ("invalid region", vec![(id.0, id.1.into()), (key.0, key.1.into()), ("TENCENTCLOUD_REGION", "AP_Guangzhou".into())], None,
         ConfigErrorKind::InvalidRegion, "TENCENTCLOUD_REGION: invalid region \"AP_Guangzhou\""),
        ("empty endpoint", vec![(id.0, id.1.into()), (key.0, key.1.into()), ("TENCENTCLOUD_ENDPOINT", "".into())], None,
         ConfigErrorKind::EmptyVariable, "environment variable TENCENTCLOUD_ENDPOINT is empty"),
        ("invalid endpoint", vec![(id.0, id.1.into()), (key.0, key.1.into()), ("TENCENTCLOUD_ENDPOINT", "ftp://x".into())], None,
         ConfigErrorKind::InvalidEndpoint, "TENCENTCLOUD_ENDPOINT: invalid endpoint \"ftp://x\": the scheme must be http or https"),
        ("empty credentials file variable", vec![("TENCENTCLOUD_CREDENTIALS_FILE", "".into())], None,
         ConfigErrorKind::EmptyVariable, "credentials file: environment variable TENCENTCLOUD_CREDENTIALS_FILE is empty"),
        ("credentials file missing", vec![("TENCENTCLOUD_CREDENTIALS_FILE", missing_file.display().to_string())], None,
         ConfigErrorKind::UnreadableFile, "(named by TENCENTCLOUD_CREDENTIALS_FILE)"),
        ("credentials file is a directory", vec![("TENCENTCLOUD_CREDENTIALS_FILE", directory.display().to_string())], None,
         ConfigErrorKind::UnreadableFile, "credentials file: cannot read"),
        ("malformed file", vec![], Some("[default]\nsecret_id = AKIDx\nthis line has no delimiter\n"),
         ConfigErrorKind::MalformedFile, "is not a valid credentials file: line 3: expected `key = value`"),
        ("profile without secret_key", vec![], Some("[default]\nsecret_id = AKIDx\n"),
         ConfigErrorKind::MalformedFile, "profile [default]: secret_key is missing"),
        ("unknown profile", vec![("TENCENTCLOUD_PROFILE", "staging".into())], Some(good_file),
         ConfigErrorKind::UnknownProfile, "has no profile [staging] (named by TENCENTCLOUD_PROFILE)"),
        ("empty profile variable", vec![("TENCENTCLOUD_PROFILE", "".into())], Some(good_file),
         ConfigErrorKind::EmptyVariable, "credentials file: environment variable TENCENTCLOUD_PROFILE is empty"),
        ("invalid region in the profile", vec![("TENCENTCLOUD_PROFILE", "prod".into())], Some(good_file),
         ConfigErrorKind::InvalidRegion, "profile [prod] region: invalid region \"ap_bad\""),
    ];
    for (name, vars, file, kind, words) in cases {
        let home = home_with(&format!("bad-config-{}", name.replace(' ', "-")), file);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let env = environment(&vars, Some(home), &metadata);
        let err = Config::from_environment(&env).expect_err(name);
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert!(err.to_string().contains(words), "{name}: {err:?} lacks {words:?}");
    }

    // A provider with bad configuration fails when the client is built.
    let home = home_with("bad-config-client", Some("[default]\nsecret_id = AKIDx\n"));
    let provider = ProfileProvider::with_environment(environment(&[], Some(home), &metadata));
    let config = Config::new(Credentials::new("a", "b")).with_credentials_provider(provider);
    assert_eq!(Client::new(TEM, config).unwrap_err().kind(), ConfigErrorKind::MalformedFile);

    // Other invalid values, each refused by its builder method.
    let config = Config::new(Credentials::new("a", "b"));
    assert_eq!(config.clone().with_region("").unwrap_err().kind(), ConfigErrorKind::InvalidRegion);
    assert_eq!(config.clone().with_endpoint("https://h/path").unwrap_err().kind(), ConfigErrorKind::InvalidEndpoint);
    assert_eq!(config.clone().with_root_domain("bad domain").unwrap_err().kind(), ConfigErrorKind::InvalidValue);
    assert_eq!(config.clone().with_proxy("socks5://h:1").unwrap_err().kind(), ConfigErrorKind::InvalidValue);
    assert_eq!(config.clone().with_language("fr-FR").unwrap_err().kind(), ConfigErrorKind::InvalidValue);
    let err = Client::new(TEM, config.clone().with_region_domain(true)).unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::MissingRegion);
    let err = Client::new(TEM, config.without_region().with_region_domain(true)).unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::InvalidRegion);

    // No credentials anywhere: the configuration loads (the CVM role needs the network), and
    // the first call fails as a configuration error before sending anything.
    let env = environment(&[], Some(home_with("bad-config-nothing", None)), &metadata);
    let config = Config::from_environment(&env)
        .unwrap()
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap();
    let err = Client::new(TEM, config).unwrap().send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().ends_with("configuration error: no credentials found"), "{err}");
    let shown = with_sources(&err);
    assert!(shown.contains("no credentials found; tried 1. environment"), "{shown}");
    assert_eq!(server.request_count(), 0, "no request was sent for any bad configuration");
}

// ---------------------------------------------------------------------------------------------
// Endpoint, proxy, environment variables of the client
// ---------------------------------------------------------------------------------------------

#[test]
fn host_is_the_nearest_access_domain_or_the_region_domain_or_the_override() {
    let host = |config: Config| Client::new(TEM, config).unwrap().endpoint().host().to_owned();
    let config = Config::new(Credentials::new("a", "b")).with_region("ap-shanghai").unwrap();
    assert_eq!(host(config.clone()), "tem.tencentcloudapi.com");
    assert_eq!(host(config.clone().with_region_domain(true)), "tem.ap-shanghai.tencentcloudapi.com");
    let internal = config.clone().with_root_domain("internal.tencentcloudapi.com").unwrap();
    assert_eq!(host(internal.clone()), "tem.internal.tencentcloudapi.com");
    assert_eq!(host(internal.with_region_domain(true)), "tem.ap-shanghai.internal.tencentcloudapi.com");
    assert_eq!(host(config.with_region_domain(true).with_endpoint("http://127.0.0.1:9").unwrap()), "127.0.0.1:9");

    let env = Environment::from_pairs([
        ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
        ("TENCENTCLOUD_SECRET_KEY", "k"),
        ("TENCENTCLOUD_REGION", "ap-beijing"),
        ("TENCENTCLOUD_ENDPOINT", "http://localhost:8080"),
    ]);
    let config = Config::from_environment(&env).unwrap();
    assert_eq!(config.region(), Some("ap-beijing"));
    assert_eq!(host(config), "localhost:8080");
}

#[tokio::test]
async fn an_explicit_proxy_carries_the_requests_and_its_password_is_not_shown() {
    let proxy = FakeHttp::start(|_| (200, r#"{"Response":{"RequestId":"via-proxy"}}"#.into(), Duration::ZERO)).await;
    let url = format!("http://user:proxy-password@{}", proxy.addr);
    let config = Config::new(Credentials::new("AKIDx", "k"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint("http://tem.example.invalid")
        .unwrap()
        .with_proxy(&url)
        .unwrap();
    let shown = format!("{config:?}");
    assert!(!shown.contains("proxy-password") && shown.contains(&proxy.addr.to_string()), "{shown}");
    let reply = Client::new(TEM, config).unwrap().send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    assert!(String::from_utf8_lossy(&reply.body).contains("via-proxy"));
    assert_eq!(proxy.lines(), ["POST http://tem.example.invalid/ HTTP/1.1"]);
}

#[test]
fn environment_provider_alone() {
    let env = Environment::from_pairs([
        ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
        ("TENCENTCLOUD_SECRET_KEY", "k"),
        ("TENCENTCLOUD_SECURITY_TOKEN", "tok"),
    ]);
    let provider = EnvironmentProvider::with_environment(env);
    assert!(provider.check().is_ok());
    let credentials = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(provider.provide_credentials())
        .unwrap();
    assert_eq!(credentials.token().unwrap().expose(), "tok");
}

// ---------------------------------------------------------------------------------------------
// Secrets never shown
// ---------------------------------------------------------------------------------------------

const SECRET_KEY: &str = "SECRETKEY-needle-7f3a9c";
const TOKEN: &str = "TOKEN-needle-51be0d";
const PROXY_PASSWORD: &str = "PROXYPASS-needle-c41d";

/// A tracing subscriber writing every span's and event's name and fields into a string.
struct Capture {
    out: Arc<Mutex<String>>,
    next: AtomicUsize,
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = self.out.lock().unwrap();
        let _ = write!(out, "\nspan {}:", span.metadata().name());
        span.record(&mut Fields(&mut out));
        tracing::span::Id::from_u64(self.next.fetch_add(1, Ordering::SeqCst) as u64 + 1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut out = self.out.lock().unwrap();
        out.push_str("\nrecord:");
        values.record(&mut Fields(&mut out));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = self.out.lock().unwrap();
        let _ = write!(out, "\nevent {} {}:", event.metadata().level(), event.metadata().target());
        event.record(&mut Fields(&mut out));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn secret_keys_and_tokens_never_appear_in_debug_display_errors_or_traces() {
    // Global, not thread-scoped: other tests of this binary hitting a callsite first with no
    // subscriber would otherwise leave it disabled. Their traces are captured too, and checked.
    static TRACES: std::sync::OnceLock<Arc<Mutex<String>>> = std::sync::OnceLock::new();
    let traces = TRACES
        .get_or_init(|| {
            let traces = Arc::new(Mutex::new(String::new()));
            let capture = Capture { out: traces.clone(), next: AtomicUsize::new(0) };
            tracing::subscriber::set_global_default(capture).expect("the only subscriber");
            traces
        })
        .clone();
    let mut shown = Vec::<String>::new();
    let mut show = |what: &str, text: String| shown.push(format!("--- {what}\n{text}"));

    let credentials = Credentials::new("AKIDneedle", SECRET_KEY).with_token(TOKEN);
    show("credentials", format!("{credentials:?} {} {}", credentials.secret_key(), credentials.token().unwrap()));
    show("secret", format!("{:?} {}", credentials.secret_key(), credentials.secret_key()));

    // A client signing with the known secret, against a front door that refuses it (so every
    // error path of a refused call runs), and one that accepts it.
    let refusing = FrontDoor::serving(|_| Response::ok(json!({}))).await;
    let config = Config::new(credentials.clone())
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&refusing.endpoint())
        .unwrap()
        .with_proxy(&format!("http://u:{PROXY_PASSWORD}@127.0.0.1:9"))
        .unwrap()
        .with_no_proxy();
    show("config", format!("{config:?}"));
    let client = Client::new(TEM, config.clone()).unwrap();
    show("client", format!("{client:?}"));
    let prepared = client.prepare(&credentials, "DescribeEnvironments", b"{}".to_vec(), now());
    show("prepared", format!("{prepared:?}"));
    show("signature", format!("{:?}", prepared.signature));
    let legacy = Client::new(TEM, config.clone().with_signature_method(tem_core::SignatureMethod::HmacSha1)).unwrap();
    show(
        "legacy prepared",
        format!("{:?}", legacy.prepare(&credentials, "DescribeEnvironments", b"{}".to_vec(), now())),
    );
    let api = tem_api::Client::new(config.clone()).unwrap();
    let request = tem_api::operation::describe_environments::DescribeEnvironmentsRequest::builder().build().unwrap();
    let err = api.send(&request).await.unwrap_err();
    show("service error", format!("{err} {err:?} {:?}", std::error::Error::source(&err)));
    let err = client
        .send_raw("DescribeEnvironments", b"{}".to_vec())
        .await
        .map(|r| String::from_utf8_lossy(&r.body).into_owned());
    show("raw reply", format!("{err:?}"));
    // Transport failures: a closed port.
    let closed = Config::new(credentials.clone())
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(closed_port().await.trim_end_matches("/latest/meta-data/"))
        .unwrap();
    let err = tem_api::Client::new(closed).unwrap().send(&request).await.unwrap_err();
    show("connect error", format!("{err} {err:?}"));

    // Providers holding the secret after fetching it; errors of every provider.
    let (meta, _) = metadata(|_| role_credentials("AKIDrole", SECRET_KEY, TOKEN, now() + 3600)).await;
    let cvm =
        CvmRoleProvider::with_environment(&Environment::from_pairs([("", "")]).with_metadata_endpoint(meta.base()));
    cvm.provide_credentials().await.unwrap();
    show("cvm provider", format!("{cvm:?}"));
    let bad_meta = FakeHttp::start(|line| {
        if line.contains("security-credentials/ ") {
            (200, "r".into(), Duration::ZERO)
        } else {
            (200, format!(r#"{{"TmpSecretId":"x","TmpSecretKey":"{SECRET_KEY}","Token":"{TOKEN}","ExpiredTime":"not a number"}}"#), Duration::ZERO)
        }
    })
    .await;
    let err =
        CvmRoleProvider::with_environment(&Environment::from_pairs([("", "")]).with_metadata_endpoint(bad_meta.base()))
            .provide_credentials()
            .await
            .unwrap_err();
    show("cvm error", format!("{err} {err:?}"));
    let sts_server = FrontDoor::start(sts_options().with_responder(|_| {
        Response::ok(json!({"Credentials": {"Token": TOKEN, "TmpSecretId": "AKIDsts", "TmpSecretKey": SECRET_KEY}, "ExpiredTime": now() + 7200}))
    }))
    .await;
    let assume = assume_role(&sts_server).build().unwrap();
    let assumed = assume.provide_credentials().await.unwrap();
    assert_eq!(assumed.secret_key().expose(), SECRET_KEY);
    show("sts provider", format!("{assume:?}"));
    let sts_garbled = FrontDoor::start(sts_options().with_responder(|_| {
        Response::ok(json!({"Credentials": {"Token": TOKEN, "TmpSecretId": "AKIDsts", "TmpSecretKey": SECRET_KEY}, "ExpiredTime": SECRET_KEY}))
    }))
    .await;
    let err = assume_role(&sts_garbled).build().unwrap().provide_credentials().await.unwrap_err();
    show("sts error", format!("{err} {err:?}"));
    let sts_refusing = FrontDoor::start(sts_options()).await;
    let err = AssumeRoleProvider::builder(ROLE_ARN, "s")
        .base_credentials(credentials.clone())
        .endpoint(sts_refusing.endpoint())
        .build()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    show("sts refused", format!("{err} {err:?}"));

    // Files and variables holding the secret, well-formed and malformed.
    let file = format!("[default]\nsecret_id = AKIDfile\nsecret_key = {SECRET_KEY}\ntoken = {TOKEN}\n");
    let home = home_with("secrets-good", Some(&file));
    let profile = ProfileProvider::with_environment(environment(&[], Some(home), "http://127.0.0.1:9/"));
    profile.provide_credentials().await.unwrap();
    show("profile provider", format!("{profile:?}"));
    for (name, text) in [
        ("secrets-no-delimiter", format!("[default]\n{SECRET_KEY}\n")),
        ("secrets-outside", format!("secret_key = {SECRET_KEY}\n")),
        ("secrets-twice", format!("[default]\nsecret_key = {SECRET_KEY}\nsecret_key = {TOKEN}\n")),
        ("secrets-no-id", format!("[default]\nsecret_key = {SECRET_KEY}\ntoken = {TOKEN}\n")),
    ] {
        let env = environment(&[], Some(home_with(name, Some(&text))), "http://127.0.0.1:9/");
        let err = Config::from_environment(&env).unwrap_err();
        show(name, format!("{err} {err:?}"));
    }
    let env = environment(
        &[
            ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
            ("TENCENTCLOUD_SECRET_KEY", &format!(" {SECRET_KEY}")),
            ("TENCENTCLOUD_SECURITY_TOKEN", TOKEN),
        ],
        None,
        "http://127.0.0.1:9/",
    );
    show("environment", format!("{env:?} {:?}", EnvironmentProvider::with_environment(env.clone())));
    let err = Config::from_environment(&env).unwrap_err();
    show("environment error", format!("{err} {err:?}"));
    let env = environment(
        &[
            ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
            ("TENCENTCLOUD_SECRET_KEY", SECRET_KEY),
            ("TENCENTCLOUD_SECURITY_TOKEN", TOKEN),
        ],
        None,
        "http://127.0.0.1:9/",
    );
    let config = Config::from_environment(&env).unwrap();
    show("config from env", format!("{config:?}"));
    let chain = ChainProvider::default_chain(&env, Some(credentials.clone()));
    show("chain", format!("{chain:?}"));

    // A successful call with temporary credentials (token sent), traced.
    let accepting =
        FrontDoor::start(FrontDoorOptions::default().with_temporary_credential("AKIDneedle", SECRET_KEY, TOKEN)).await;
    let config = Config::new(credentials.clone())
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&accepting.endpoint())
        .unwrap();
    let reply = Client::new(TEM, config).unwrap().send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    assert!(!String::from_utf8_lossy(&reply.body).contains("Error"));

    let traces = traces.lock().unwrap().clone();
    show("traces", traces.clone());
    let everything = shown.join("\n");
    for needle in [SECRET_KEY, TOKEN, PROXY_PASSWORD] {
        assert!(!everything.contains(needle), "{needle} appears:\n{everything}");
    }
    // Traces never carry the signature either.
    assert!(!traces.contains("TC3-HMAC-SHA256 Credential") && !traces.contains("Signature="), "{traces}");
    // And the output is not trivially empty: the checks saw what they were meant to.
    assert!(everything.contains("AKIDneedle") && everything.contains("** redacted **"));
    assert!(everything.contains("AuthFailure."), "{everything}");
    assert!(everything.contains("line 2"), "{everything}");
    assert!(traces.contains("credentials refreshed"), "{traces}");
}

// ---------------------------------------------------------------------------------------------
// Hardening (issue 12): strange credentials files, bounded replies, refresh limits, setters
// ---------------------------------------------------------------------------------------------

/// Counts the bytes each thread allocates, so a test can bound the memory one call uses
/// without being disturbed by the tests running beside it.
struct CountingAllocator;

thread_local! {
    static ALLOCATED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size() as u64));
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size as u64));
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING_ALLOCATOR: CountingAllocator = CountingAllocator;

/// `Config::from_environment(env)` on a thread of its own: its result, and the bytes that
/// thread allocated. A call that has not returned within 30 s fails the test (instead of
/// hanging the suite; the thread is then left behind).
fn from_environment_bounded(env: Environment) -> (Result<Config, tem_core::ConfigError>, u64) {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let before = ALLOCATED.with(|a| a.get());
        let result = Config::from_environment(&env);
        let allocated = ALLOCATED.with(|a| a.get()) - before;
        let _ = send.send((result, allocated));
    });
    receive.recv_timeout(Duration::from_secs(30)).expect("Config::from_environment returned")
}

#[test]
fn a_fifo_a_device_or_a_directory_as_credentials_file_is_a_configuration_error_not_a_hang() {
    let dir = home_with("strange-files", None);
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let urandom_link = dir.join("urandom-link");
    std::os::unix::fs::symlink("/dev/urandom", &urandom_link).unwrap();
    let big = dir.join("big");
    std::fs::write(&big, format!("[default]\nsecret_id = AKIDbig\nsecret_key = k\n; {}\n", "x".repeat(2 << 20)))
        .unwrap();
    let env_id = [("TENCENTCLOUD_SECRET_ID", "AKIDenv"), ("TENCENTCLOUD_SECRET_KEY", "env-key")];
    for (path, reason) in [
        (fifo.clone(), "is not a regular file"),
        (PathBuf::from("/dev/zero"), "is not a regular file"),
        (urandom_link.clone(), "is not a regular file"),
        (dir.clone(), "is not a regular file"),
        (big.clone(), "is larger than 1 MiB"),
    ] {
        let shown = path.display().to_string();
        // Named by the variable, and found in the home directory; with credentials in the
        // environment too (the profile is still read for its region).
        let home = home_with("strange-files-home", None);
        let in_home = home.join(".tencentcloud/credentials");
        std::os::unix::fs::symlink(&path, &in_home).unwrap();
        for (vars, home, named) in [
            (vec![("TENCENTCLOUD_CREDENTIALS_FILE", shown.as_str())], None, shown.clone()),
            (env_id.to_vec(), Some(home.clone()), in_home.display().to_string()),
            (vec![], Some(home.clone()), in_home.display().to_string()),
        ] {
            let env = environment(&vars, home, "http://127.0.0.1:9/");
            let started = Instant::now();
            let (result, allocated) = from_environment_bounded(env);
            let err = result.expect_err(&shown);
            println!("{shown}: {:?}, {allocated} bytes allocated: {err}", started.elapsed());
            assert_eq!(err.kind(), ConfigErrorKind::UnreadableFile, "{shown}: {err}");
            assert!(err.to_string().contains(&named) && err.to_string().contains(reason), "{shown}: {err}");
            assert!(allocated < 10 << 20, "{shown}: {allocated} bytes allocated");
        }
    }
}

#[tokio::test]
async fn control_characters_in_secrets_are_refused_before_anything_is_sent() {
    let server = FrontDoor::serving(|_| Response::ok(json!({}))).await;
    let nowhere = closed_port().await;
    for (variable, value) in [
        ("TENCENTCLOUD_SECRET_ID", "AKID\nX-Injected: 1"),
        ("TENCENTCLOUD_SECRET_KEY", "key\u{7}"),
        ("TENCENTCLOUD_SECURITY_TOKEN", "tok\r\nen"),
        ("TENCENTCLOUD_SECRET_ID", "AKID\u{0}"),
    ] {
        let mut vars = vec![("TENCENTCLOUD_SECRET_ID", "AKIDenv"), ("TENCENTCLOUD_SECRET_KEY", "env-key")];
        vars.retain(|(k, _)| *k != variable);
        vars.push((variable, value));
        let err = Config::from_environment(&environment(&vars, None, &nowhere)).expect_err(variable);
        assert_eq!(err.kind(), ConfigErrorKind::InvalidValue, "{err}");
        assert!(err.to_string().contains(variable) && err.to_string().contains("control character"), "{err}");
    }

    let file = "[default]\nsecret_id = AKIDfile\nsecret_key = file\u{1b}key\n";
    let env = environment(&[], Some(home_with("control-in-file", Some(file))), &nowhere);
    let err = Config::from_environment(&env).unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::MalformedFile, "{err}");
    assert!(err.to_string().contains("secret_key contains a control character"), "{err}");

    // Static credentials: the client is not built.
    for credentials in [
        Credentials::new("AKID\n", "k"),
        Credentials::new("AKID", "k\u{7f}"),
        Credentials::new("AKID", "k").with_token("t\nX: y"),
    ] {
        let config = Config::new(credentials).with_endpoint(&server.endpoint()).unwrap();
        let err = Client::new(TEM, config).unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::InvalidValue, "{err}");
        assert!(err.to_string().contains("control character"), "{err}");
    }

    // Fetched credentials: a provider error, and nothing is sent with them.
    let (meta, _) = metadata(|_| role_credentials("AKIDrole", "role-key", "role\ntoken", now() + 3600)).await;
    let provider = CvmRoleProvider::with_environment(&environment(&[], None, &meta.base()));
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider, "{err}");
    assert!(err.to_string().contains("Token contains a control character"), "{err}");
    let err = client_of(provider, &server).send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    let sts_server = FrontDoor::start(sts_options().with_responder(|_| {
        Response::ok(json!({"Credentials": {"Token": "t", "TmpSecretId": "AKID\tsts", "TmpSecretKey": "k"}, "ExpiredTime": now() + 7200}))
    }))
    .await;
    let err = assume_role(&sts_server).build().unwrap().provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider, "{err}");
    assert!(err.to_string().contains("TmpSecretId contains a control character"), "{err}");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn short_lived_role_credentials_are_fetched_once_not_on_every_call() {
    // Valid for 60 s: within the 5-minute margin, but far from expiring.
    let expires = now() + 60;
    let (meta, fetches) = metadata(move |_| role_credentials("AKIDshort", "short-key", "short-token", expires)).await;
    let provider = CvmRoleProvider::with_environment(&environment(&[], None, &meta.base()));
    let server = FrontDoor::start(FrontDoorOptions::default().with_temporary_credential(
        "AKIDshort",
        "short-key",
        "short-token",
    ))
    .await;
    let client = client_of(provider, &server);
    for _ in 0..10 {
        client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    }
    assert_eq!(server.request_count(), 10);
    assert!(server.requests().iter().all(|r| r.accepted()));
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(meta.lines().len(), 2, "one role-name and one credentials request for ten calls");
}

#[tokio::test]
async fn expired_credentials_are_never_sent() {
    let (meta, fetches) = metadata(|_| role_credentials("AKIDold", "old-key", "old-token", now() - 10)).await;
    let provider = CvmRoleProvider::with_environment(&environment(&[], None, &meta.base()));
    let server = FrontDoor::serving(|_| Response::ok(json!({}))).await;
    let client = client_of(provider, &server);
    for _ in 0..5 {
        let err = client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
        assert!(with_sources(&err).contains("expired"), "{}", with_sources(&err));
    }
    assert_eq!(server.request_count(), 0, "expired credentials were sent");
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "refreshes are attempted at most once per interval");
}

#[tokio::test]
async fn a_huge_metadata_reply_is_refused_without_being_read() {
    // A role name of 1 MiB: refused; the credentials of such a role are never asked for.
    let meta = FakeHttp::start(|line| {
        if line.ends_with("security-credentials/ HTTP/1.1") {
            (200, "r".repeat(1 << 20), Duration::ZERO)
        } else {
            (200, role_credentials("AKIDrole", "k", "t", now() + 3600), Duration::ZERO)
        }
    })
    .await;
    let err = CvmRoleProvider::with_environment(&environment(&[], None, &meta.base()))
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider, "{err}");
    assert!(err.to_string().contains("larger than"), "{err}");
    assert_eq!(meta.lines().len(), 1);

    // Credentials padded to 1 MiB: refused.
    let (meta, _) =
        metadata(|_| format!("{}{}", " ".repeat(1 << 20), role_credentials("AKIDrole", "k", "t", now() + 3600))).await;
    let err = CvmRoleProvider::with_environment(&environment(&[], None, &meta.base()))
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider, "{err}");
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[tokio::test]
async fn no_public_setter_panics_on_extreme_values() {
    let expiring = Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY)
        .with_expiry(SystemTime::now() + Duration::from_secs(3600));
    for margin in [Duration::ZERO, Duration::MAX] {
        let provider = tem_core::credentials::CachingProvider::new(expiring.clone()).with_refresh_margin(margin);
        // Twice: the second asks whether the cached credentials are still fresh.
        for _ in 0..2 {
            assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), DEFAULT_SECRET_ID);
        }
        let (meta, _) = metadata(|_| role_credentials("AKIDrole", "k", "t", now() + 3600)).await;
        let cvm = CvmRoleProvider::with_environment(&environment(&[], None, &meta.base()))
            .with_refresh_margin(margin)
            .with_timeouts(Duration::MAX, Duration::MAX);
        for _ in 0..2 {
            assert_eq!(cvm.provide_credentials().await.unwrap().secret_id(), "AKIDrole", "{margin:?}");
        }
        let server = sts(vec![now() + 7200]).await;
        let assume = assume_role(&server).refresh_margin(margin).duration(margin).build().unwrap();
        for _ in 0..2 {
            assert_eq!(assume.provide_credentials().await.unwrap().secret_id(), "AKIDsts0", "{margin:?}");
        }
    }
    for expiry in [UNIX_EPOCH, UNIX_EPOCH + Duration::from_secs(u32::MAX as u64 * 100)] {
        let provider = tem_core::credentials::CachingProvider::new(expiring.clone().with_expiry(expiry))
            .with_refresh_margin(Duration::MAX);
        let _ = provider.provide_credentials().await;
        let _ = provider.provide_credentials().await;
    }

    let server = FrontDoor::serving(|_| Response::ok(json!({}))).await;
    for (duration, count) in [(Duration::ZERO, 0), (Duration::MAX, u32::MAX)] {
        let policy = tem_core::RetryPolicy::new()
            .with_max_attempts(count)
            .with_base_delay(duration)
            .with_max_delay(duration)
            .with_budget(duration);
        let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
            .with_region("ap-guangzhou")
            .unwrap()
            .with_endpoint(&server.endpoint())
            .unwrap()
            .with_timeout(Duration::MAX)
            .with_connect_timeout(Duration::MAX)
            .with_max_response_bytes(if count == 0 { 0 } else { usize::MAX })
            .with_retry_policy(policy.clone());
        let client = Client::new(TEM, config).unwrap();
        let _ = client.send_raw("DescribeEnvironments", b"{}".to_vec()).await;
        for retry in [0, 1, 2, 31, 32, 33, u32::MAX] {
            assert!(policy.delay_ceiling(retry) <= duration);
        }
    }
}

#[test]
fn a_variable_that_is_not_utf8_is_an_error_naming_it_not_unset() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let not_utf8 = || OsString::from_vec(b"ap-guangzhou\xff".to_vec());
    let home = home_with("not-utf8", Some("[default]\nsecret_id = AKIDfile\nsecret_key = file-key\n"));
    for variable in [
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENTCLOUD_SECURITY_TOKEN",
        "TENCENTCLOUD_REGION",
        "TENCENTCLOUD_ENDPOINT",
        "TENCENTCLOUD_PROFILE",
        "TENCENTCLOUD_CREDENTIALS_FILE",
    ] {
        // Valid credentials in the environment and in the file: the broken variable is not
        // skipped in favour of either.
        let env = Environment::from_os_vars(move |name| match name {
            _ if name == variable => Some(not_utf8()),
            "TENCENTCLOUD_SECRET_ID" => Some("AKIDenv".into()),
            "TENCENTCLOUD_SECRET_KEY" => Some("env-key".into()),
            _ => None,
        })
        .with_home(Some(home.clone()))
        .with_metadata_endpoint("http://127.0.0.1:9/");
        let err = Config::from_environment(&env).expect_err(variable);
        assert_eq!(err.kind(), ConfigErrorKind::InvalidValue, "{variable}: {err}");
        assert!(err.to_string().contains(&format!("environment variable {variable} is not valid UTF-8")), "{err}");
    }
}

#[tokio::test]
async fn assume_role_takes_the_parent_configuration_but_not_its_endpoint_region_or_credentials() {
    // The parent points at its own server, in another region, with other credentials.
    let parent_server = FrontDoor::serving(|_| Response::ok(json!({}))).await;
    let proxy = FakeHttp::start(|_| (403, String::new(), Duration::ZERO)).await;
    let parent = Config::new(Credentials::new("AKIDparent", "parent-key"))
        .with_region("ap-shanghai")
        .unwrap()
        .with_endpoint(&parent_server.endpoint())
        .unwrap()
        .with_language("en-US")
        .unwrap()
        .with_retry_policy(tem_core::RetryPolicy::disabled());

    // With the builder's endpoint: STS gets the call, signed with the base credentials, in the
    // builder's region, with the parent's other settings (its language).
    let server = sts(vec![now() + 7200]).await;
    let provider = assume_role(&server).config(parent.clone()).build().unwrap();
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDsts0");
    let request = &server.requests()[0];
    assert!(request.accepted(), "{:?}", request.reason);
    assert_eq!(request.header("X-TC-Region"), Some("ap-guangzhou"));
    assert_eq!(request.header("X-TC-Language"), Some("en-US"));
    assert!(request.header("Authorization").unwrap().contains(DEFAULT_SECRET_ID));

    // Without it: STS's own domain under the parent's root domain, reached through the
    // parent's proxy (which sees the tunnel's target) with the parent's retry policy (one
    // attempt), never the parent's endpoint.
    let provider = AssumeRoleProvider::builder(ROLE_ARN, "s")
        .base_credentials(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .config(
            parent
                .with_root_domain("internal.tencentcloudapi.com")
                .unwrap()
                .with_proxy(&format!("http://{}", proxy.addr))
                .unwrap(),
        )
        .build()
        .unwrap();
    assert!(provider.provide_credentials().await.is_err(), "the proxy refuses to tunnel");
    assert_eq!(proxy.lines(), ["CONNECT sts.internal.tencentcloudapi.com:443 HTTP/1.1"]);
    assert_eq!(parent_server.request_count(), 0, "the parent's endpoint got an STS call");
}

// ---------------------------------------------------------------------------------------------
// A client of the user's own
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_users_reqwest_client_carries_the_api_calls_and_the_assume_role_call() {
    let sts = sts(vec![now() + 7200]).await;
    let tem = FrontDoor::start(
        FrontDoorOptions::default()
            .with_temporary_credential("AKIDsts0", "sts-key-0", "sts-token-0")
            .with_responder(|_| Response::ok(json!({"Result": true}))),
    )
    .await;
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert("x-users-client", reqwest::header::HeaderValue::from_static("mine"));
    let http = reqwest::Client::builder()
        .default_headers(defaults)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let provider =
        assume_role(&sts).config(Config::new(Credentials::new("", "")).with_http_client(http.clone())).build().unwrap();
    let config = tem.config().with_http_client(http).with_credentials_provider(provider);
    let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config).unwrap();
    for _ in 0..2 {
        let reply = client
            .send_json("DescribeEnvironments", true, &serde_json::Map::new(), tem_core::CallOptions::new())
            .await
            .unwrap();
        assert_eq!(reply["Result"], true);
    }
    let (sts_requests, tem_requests) = (sts.requests(), tem.requests());
    assert_eq!((sts_requests.len(), tem_requests.len()), (1, 2));
    for request in sts_requests.iter().chain(&tem_requests) {
        assert!(request.accepted(), "{:?}", request.reason);
        assert_eq!(request.header("x-users-client"), Some("mine"), "{:?}", request.action());
    }
    assert_eq!(sts_requests[0].action(), Some("AssumeRole"));
}

/// An unsigned call (`CallOptions::with_unsigned`, the official SDKs' `SkipSign`) asks the
/// credentials provider for nothing, and sends `Authorization: SKIP` with no `X-TC-Token`; a
/// signed call on the same client still asks it.
#[tokio::test]
async fn an_unsigned_call_asks_for_no_credentials_and_sends_no_token() {
    struct Counting(Arc<AtomicUsize>);
    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> tem_core::credentials::CredentialsFuture<'_> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(Credentials::new("AKIDsession", "session-key").with_token("session-token")) })
        }
    }
    impl std::fmt::Debug for Counting {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Counting")
        }
    }
    let asked = Arc::new(AtomicUsize::new(0));
    let server = FrontDoor::start(FrontDoorOptions::default().with_temporary_credential(
        "AKIDsession",
        "session-key",
        "session-token",
    ))
    .await;
    let config = Config::new(Credentials::new("", ""))
        .with_credentials_provider(Counting(asked.clone()))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap();
    let client = Client::new(TEM, config).unwrap();
    let unsigned = tem_core::CallOptions::new().with_unsigned(true);
    // The front door refuses it, as TEM would (only a few STS actions take no signature):
    // what matters here is what was sent.
    let refused = client.send_json("DescribeEnvironments", true, &serde_json::Map::new(), unsigned).await;
    assert_eq!(refused.unwrap_err().code(), Some("AuthFailure.InvalidAuthorization"));
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    let sent = &server.requests()[0];
    assert_eq!((sent.header("Authorization"), sent.header("X-TC-Token")), (Some("SKIP"), None));
    assert_eq!(sent.header("X-TC-Action"), Some("DescribeEnvironments"));

    client
        .send_json("DescribeEnvironments", true, &serde_json::Map::new(), tem_core::CallOptions::new())
        .await
        .unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(server.requests()[1].header("X-TC-Token"), Some("session-token"));
}
