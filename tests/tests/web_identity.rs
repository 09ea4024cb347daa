//! Web identity credentials (TKE OIDC) against a fake STS the tests start on 127.0.0.1: what is
//! sent (unsigned, as the official SDKs send `AssumeRoleWithWebIdentity`), caching and refresh
//! with a rotated token, each configuration mistake, STS refusing, and the default chain.
//! Nothing reads the real environment: every test builds its own `Environment`.

mod local_server;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use local_server::{LocalServer, Recorded};
use serde_json::json;
use tem_core::credentials::{
    ChainProvider, Environment, WebIdentityProvider, ENV_TKE_PROVIDER_ID, ENV_TKE_REGION, ENV_TKE_ROLE_ARN,
    ENV_TKE_WEB_IDENTITY_TOKEN_FILE, MAX_WEB_IDENTITY_TOKEN_BYTES,
};
use tem_core::time::ManualClock;
use tem_core::{Client, Config, ConfigErrorKind, CredentialsErrorKind, ProvideCredentials, ServiceSpec};
use tem_tests::{FrontDoor, FrontDoorOptions};

const ROLE_ARN: &str = "qcs::cam::uin/100000000001:roleName/tke-pod";
const PROVIDER_ID: &str = "tke-oidc-provider";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.pod-token.signature";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A fresh directory under the target directory.
fn dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-identity-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A token file holding `text`.
fn token_file(name: &str, text: &[u8]) -> PathBuf {
    let path = dir(name).join("token");
    std::fs::write(&path, text).unwrap();
    path
}

/// The four TKE variables, `token_file` as the token file, STS at `sts`; no metadata service.
fn tke_environment(token_file: &Path, sts: &str) -> Environment {
    Environment::from_pairs([
        (ENV_TKE_REGION, "ap-shanghai".to_owned()),
        (ENV_TKE_PROVIDER_ID, PROVIDER_ID.to_owned()),
        (ENV_TKE_WEB_IDENTITY_TOKEN_FILE, token_file.display().to_string()),
        (ENV_TKE_ROLE_ARN, ROLE_ARN.to_owned()),
    ])
    .with_sts_endpoint(sts)
}

/// A fake STS answering `AssumeRoleWithWebIdentity` with credentials `n` (the n-th call)
/// expiring at `expiries[n]` (the last repeated).
async fn sts(expiries: Vec<i64>) -> LocalServer {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    LocalServer::http(move |_| {
        let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let body = json!({"Response": {
            "Credentials": {"Token": format!("oidc-token-{n}"), "TmpSecretId": format!("AKIDoidc{n}"), "TmpSecretKey": format!("oidc-key-{n}")},
            "ExpiredTime": expiries[n.min(expiries.len() - 1)],
            "Expiration": "2030-01-01T00:00:00Z",
            "RequestId": format!("sts-request-{n}"),
        }});
        (200, body.to_string())
    })
    .await
}

fn endpoint(server: &LocalServer) -> String {
    format!("http://{}", server.addr)
}

#[tokio::test]
async fn web_identity_is_sent_unsigned_as_the_official_sdks_send_it_and_cached() {
    let server = sts(vec![now() + 7200]).await;
    // A trailing newline, as a token written by hand would have, is not part of the token.
    let env = tke_environment(&token_file("unsigned", format!("{TOKEN}\n").as_bytes()), &endpoint(&server));
    let provider = WebIdentityProvider::with_environment(&env);
    provider.check().unwrap();
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!((credentials.secret_id(), credentials.secret_key().expose()), ("AKIDoidc0", "oidc-key-0"));
    assert_eq!(credentials.token().unwrap().expose(), "oidc-token-0");
    assert!(credentials.expiry().is_some());
    provider.provide_credentials().await.unwrap();
    let requests = server.log.requests();
    assert_eq!(requests.len(), 1, "cached");

    // The official SDKs' `SkipSign` request: their headers, `Authorization: SKIP`, no token,
    // the region of TKE_REGION, and the parameters as JSON.
    let request: &Recorded = &requests[0];
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/"));
    assert_eq!(request.header("Authorization"), Some("SKIP"));
    assert_eq!(request.header("Content-Type"), Some("application/json"));
    assert_eq!(request.header("Host"), Some(server.addr.to_string().as_str()));
    assert_eq!(request.header("X-TC-Action"), Some("AssumeRoleWithWebIdentity"));
    assert_eq!(request.header("X-TC-Version"), Some("2018-08-13"));
    assert_eq!(request.header("X-TC-Region"), Some("ap-shanghai"));
    assert!(request.header("X-TC-RequestClient").unwrap().starts_with("tem-sdk-rust/"));
    let timestamp: i64 = request.header("X-TC-Timestamp").unwrap().parse().unwrap();
    assert!((timestamp - now()).abs() < 60, "{timestamp}");
    assert_eq!(request.header("X-TC-Token"), None);
    let body = request.body_json();
    let session = body["RoleSessionName"].as_str().unwrap().to_owned();
    assert!(session.starts_with("tem-sdk-rust-") && session.len() > 20, "{session}");
    assert_eq!(
        body,
        json!({"ProviderId": PROVIDER_ID, "WebIdentityToken": TOKEN, "RoleArn": ROLE_ARN,
               "RoleSessionName": session, "DurationSeconds": 7200})
    );

    // Through a client: signed with the role's temporary key, the token in X-TC-Token.
    let api = FrontDoor::start(FrontDoorOptions::default().with_temporary_credential(
        "AKIDoidc0",
        "oidc-key-0",
        "oidc-token-0",
    ))
    .await;
    let config = Config::new(tem_core::Credentials::new("unused", "unused"))
        .with_credentials_provider(provider)
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&api.endpoint())
        .unwrap();
    let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config).unwrap();
    client.send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap();
    let seen = api.requests();
    assert!(seen[0].accepted(), "{:?}", seen[0].reason);
    assert_eq!(seen[0].header("X-TC-Token"), Some("oidc-token-0"));
    assert_eq!(server.log.requests().len(), 1, "still cached");
}

#[tokio::test]
async fn web_identity_refreshes_before_expiry_and_reads_the_rotated_token_again() {
    // A manual clock: the credentials last an hour; the refresh comes within the last 5 minutes.
    let start = now();
    let clock = ManualClock::at_unix_seconds(start as u64);
    let server = sts(vec![start + 3600, start + 7200]).await;
    let file = token_file("rotated", b"token-one");
    let env = tke_environment(&file, &endpoint(&server)).with_time_source(clock.clone());
    let provider = WebIdentityProvider::with_environment(&env)
        .with_session_name("fixed-session")
        .with_duration(Duration::from_secs(3600));
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDoidc0");
    clock.advance(Duration::from_secs(3600 - 400));
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDoidc0", "not yet");
    // Kubernetes rotates the projected token: the refresh sends the new one.
    std::fs::write(&file, "token-two").unwrap();
    clock.advance(Duration::from_secs(200));
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDoidc1");
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDoidc1");
    let sent: Vec<serde_json::Value> = server.log.requests().iter().map(Recorded::body_json).collect();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        (&sent[0]["WebIdentityToken"], &sent[1]["WebIdentityToken"]),
        (&json!("token-one"), &json!("token-two"))
    );
    assert!(sent.iter().all(|b| b["RoleSessionName"] == "fixed-session" && b["DurationSeconds"] == 3600));
    // The STS requests carry the environment's time, as the cache reads it.
    let timestamps: Vec<String> =
        server.log.requests().iter().map(|r| r.header("X-TC-Timestamp").unwrap().to_owned()).collect();
    assert_eq!(timestamps, [start.to_string(), (start + 3400).to_string()]);
}

#[tokio::test]
async fn web_identity_configuration_mistakes_are_each_an_error_naming_the_variable_or_file() {
    // No TKE variable: not found, so a chain moves on.
    let provider = WebIdentityProvider::with_environment(&Environment::from_pairs([("", "")]));
    let err = provider.check().unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::NotFound);
    assert_eq!(
        err.to_string(),
        "TKE OIDC: TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN are not set"
    );

    let good = token_file("mistakes-good", TOKEN.as_bytes());
    let with = |name: &str, value: Option<&str>| {
        let mut vars: Vec<(String, String)> = [
            (ENV_TKE_REGION, "ap-shanghai".to_owned()),
            (ENV_TKE_PROVIDER_ID, PROVIDER_ID.to_owned()),
            (ENV_TKE_WEB_IDENTITY_TOKEN_FILE, good.display().to_string()),
            (ENV_TKE_ROLE_ARN, ROLE_ARN.to_owned()),
        ]
        .into_iter()
        .filter(|(n, _)| *n != name)
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
        if let Some(value) = value {
            vars.push((name.to_owned(), value.to_owned()));
        }
        WebIdentityProvider::with_environment(&Environment::from_pairs(vars)).check().unwrap_err()
    };
    let err = with(ENV_TKE_ROLE_ARN, None);
    assert_eq!(err.kind(), CredentialsErrorKind::Config(ConfigErrorKind::MissingVariable));
    assert_eq!(
        err.to_string(),
        "TKE OIDC: environment variable TKE_ROLE_ARN is not set, but TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE is"
    );
    let err = with(ENV_TKE_PROVIDER_ID, Some(" "));
    assert_eq!(err.kind(), CredentialsErrorKind::Config(ConfigErrorKind::EmptyVariable));
    assert_eq!(err.to_string(), "TKE OIDC: environment variable TKE_PROVIDER_ID is empty");

    // The token file: each problem its own kind, naming the file and the variable; never the content.
    let missing = dir("mistakes-missing").join("absent");
    let large = token_file("mistakes-large", &vec![b'a'; MAX_WEB_IDENTITY_TOKEN_BYTES as usize + 1]);
    let cases: Vec<(PathBuf, ConfigErrorKind, &str)> = vec![
        (missing, ConfigErrorKind::UnreadableFile, "cannot read "),
        (dir("mistakes-dir"), ConfigErrorKind::UnreadableFile, "it is not a regular file"),
        (large, ConfigErrorKind::UnreadableFile, "it is larger than 64 KiB"),
        (token_file("mistakes-binary", b"secret\xff\xfe"), ConfigErrorKind::MalformedFile, "is not UTF-8 text"),
        (token_file("mistakes-empty", b" \n"), ConfigErrorKind::MalformedFile, "is empty"),
    ];
    for (path, kind, words) in cases {
        let err = with(ENV_TKE_WEB_IDENTITY_TOKEN_FILE, Some(&path.display().to_string()));
        assert_eq!(err.kind(), CredentialsErrorKind::Config(kind), "{err}");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains(words) && shown.contains(&path.display().to_string()), "{shown}");
        assert!(shown.contains("(named by TKE_WEB_IDENTITY_TOKEN_FILE)"), "{shown}");
        assert!(!shown.contains("secret") && !shown.contains("aaaa"), "{shown}");
    }

    // A FIFO is refused before it is opened, which would wait for a writer forever.
    #[cfg(unix)]
    {
        let fifo = dir("mistakes-fifo").join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success());
        if made.unwrap_or(false) {
            let err = with(ENV_TKE_WEB_IDENTITY_TOKEN_FILE, Some(&fifo.display().to_string()));
            assert!(err.to_string().contains("it is not a regular file"), "{err}");
        }
    }

    // The configuration error stops a client from being built.
    let err = Client::new(
        ServiceSpec::new("tem", "2021-07-01"),
        Config::new(tem_core::Credentials::new("unused", "unused")).with_credentials_provider(
            WebIdentityProvider::with_environment(&Environment::from_pairs([(ENV_TKE_REGION, "ap-shanghai")])),
        ),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::MissingVariable, "{err}");
}

#[tokio::test]
async fn sts_refusing_the_token_is_a_provider_error_with_its_code_and_request_id_but_not_the_token() {
    let server = LocalServer::http(|_| {
        let body = json!({"Response": {
            "Error": {"Code": "InvalidParameter.WebIdentityTokenError", "Message": "the token has expired"},
            "RequestId": "sts-refused-1",
        }});
        (200, body.to_string())
    })
    .await;
    let provider = WebIdentityProvider::with_environment(&tke_environment(
        &token_file("refused", TOKEN.as_bytes()),
        &endpoint(&server),
    ));
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("InvalidParameter.WebIdentityTokenError") && shown.contains("sts-refused-1"), "{shown}");
    assert!(shown.contains(ROLE_ARN), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");

    // A reply that is not STS's shape is a provider error that quotes nothing of it.
    let server =
        LocalServer::http(|_| (200, json!({"Response": {"Credentials": "oops", "RequestId": "r"}}).to_string())).await;
    let provider = WebIdentityProvider::with_environment(&tke_environment(
        &token_file("malformed", TOKEN.as_bytes()),
        &endpoint(&server),
    ));
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider);
    assert!(!format!("{err:?}").contains("oops"), "{err:?}");
}

/// The STS call goes through the SDK's one call path, retries included: a pod starting while
/// STS answers 503 once gets its credentials from the second attempt, not an error.
#[tokio::test]
async fn web_identity_retries_a_transient_sts_failure() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let expiry = now() + 7200;
    let server = LocalServer::http(move |_| match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
        0 => (503, "busy".to_owned()),
        _ => {
            let credentials = json!({"Token": "t", "TmpSecretId": "AKIDretried", "TmpSecretKey": "k"});
            (
                200,
                json!({"Response": {"Credentials": credentials, "ExpiredTime": expiry, "RequestId": "r"}}).to_string(),
            )
        }
    })
    .await;
    let provider = WebIdentityProvider::with_environment(&tke_environment(
        &token_file("retried", TOKEN.as_bytes()),
        &endpoint(&server),
    ));
    assert_eq!(provider.provide_credentials().await.unwrap().secret_id(), "AKIDretried");
    let requests = server.log.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.header("Authorization") == Some("SKIP")), "both unsigned");
}

/// An STS reply over the provider's 1 MiB bound is refused, saying so, without being kept.
#[tokio::test]
async fn web_identity_refuses_an_sts_reply_over_its_bound() {
    let server =
        LocalServer::http(|_| (200, format!("{{\"Response\": {{\"Pad\": \"{}\"}}}}", "x".repeat(2 << 20)))).await;
    let provider = WebIdentityProvider::with_environment(&tke_environment(
        &token_file("huge-reply", TOKEN.as_bytes()),
        &endpoint(&server),
    ));
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("the limit is 1048576") && shown.contains(ROLE_ARN), "{shown}");
}

#[tokio::test]
async fn the_default_chain_ends_with_tke_oidc_after_the_cvm_role_and_then_asks_it_first() {
    let server = sts(vec![now() + 7200]).await;
    // A metadata service with no role bound (as in a pod): the CVM role is not found, TKE OIDC
    // is asked next.
    let metadata = LocalServer::http(|_| (404, String::new())).await;
    let env = tke_environment(&token_file("chain", TOKEN.as_bytes()), &endpoint(&server))
        .with_metadata_endpoint(format!("http://{}/latest/meta-data/", metadata.addr));
    let chain = ChainProvider::default_chain(&env, None);
    assert_eq!(chain.names().collect::<Vec<_>>(), ["environment", "credentials file", "CVM role", "TKE OIDC"]);
    for _ in 0..3 {
        assert_eq!(chain.provide_credentials().await.unwrap().secret_id(), "AKIDoidc0");
    }
    assert_eq!(server.log.requests().len(), 1, "cached");
    // Found once, TKE OIDC is asked first: calls do not probe the metadata service again.
    assert_eq!(metadata.log.requests().len(), 1);
}

#[tokio::test]
async fn a_web_identity_reply_with_a_control_character_is_a_provider_error_naming_the_field() {
    // As for AssumeRole and the CVM role: such a value could not be sent as a header, and
    // signing with it would fail every call later, far from its cause.
    let server = LocalServer::http(|_| {
        let body = json!({"Response": {
            "Credentials": {"Token": "oidc\ntoken", "TmpSecretId": "AKIDoidc", "TmpSecretKey": "oidc-key"},
            "ExpiredTime": now() + 3600,
            "RequestId": "sts-control-1",
        }});
        (200, body.to_string())
    })
    .await;
    let provider = WebIdentityProvider::with_environment(&tke_environment(
        &token_file("control", TOKEN.as_bytes()),
        &endpoint(&server),
    ));
    let err = provider.provide_credentials().await.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Provider);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("Token") && shown.contains("control character"), "{shown}");
    assert!(!shown.contains("oidc\ntoken"), "{shown}");
}
