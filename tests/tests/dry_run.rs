//! Dry runs: a typed request signed as `send` would sign it, shown as a curl command with the
//! signature and token masked unless asked for. Nothing is sent.

use tem_api::{Config, Credentials};
use tem_core::SignatureMethod;
use tem_tests::rolling_update_request;

const TOKEN: &str = "dry-run-session-token";
const SECRET_KEY: &str = "dryRUNsecretKEY0000000000000000";

fn client(config: Config) -> tem_core::Client {
    // Port 9 (discard) on 127.0.0.1: were anything sent, it would fail rather than reach a service.
    tem_core::Client::new(
        tem_api::SERVICE,
        config.with_region("ap-guangzhou").unwrap().with_endpoint("http://127.0.0.1:9").unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_typed_request_is_signed_and_printed_with_its_secrets_masked() {
    let credentials = Credentials::new("AKIDdryRUN", SECRET_KEY).with_token(TOKEN);
    let prepared = client(Config::new(credentials)).dry_run_request(&rolling_update_request()).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&prepared.body).unwrap(),
        serde_json::json!({"ApplicationId": "app-1", "EnvironmentId": "en-1", "DeployVersion": "v2"})
    );

    let masked = prepared.to_curl(false);
    assert!(masked.starts_with("curl -X POST 'http://127.0.0.1:9/'"), "{masked}");
    assert!(masked.contains("-H 'X-TC-Action: RollingUpdateApplicationByVersion'"), "{masked}");
    assert!(masked.contains("Credential=AKIDdryRUN/") && masked.contains("Signature=***'"), "{masked}");
    assert!(masked.contains("-H 'X-TC-Token: ***'"), "{masked}");
    assert!(!masked.contains(TOKEN) && !masked.contains(&prepared.signature.signature) && !masked.contains(SECRET_KEY));

    let shown = prepared.to_curl(true);
    assert!(shown.contains(&format!("Signature={}'", prepared.signature.signature)), "{shown}");
    assert!(shown.contains(&format!("-H 'X-TC-Token: {TOKEN}'")), "{shown}");
    assert!(!shown.contains(SECRET_KEY), "the key itself is never part of a request");
}

#[tokio::test]
async fn a_legacy_signed_body_has_its_signature_and_token_masked() {
    let credentials = Credentials::new("AKIDdryRUN", SECRET_KEY).with_token(TOKEN);
    let config = Config::new(credentials).with_signature_method(SignatureMethod::HmacSha256);
    let prepared = client(config).dry_run_request(&rolling_update_request()).await.unwrap();
    let masked = prepared.to_curl(false);
    assert!(masked.contains("Signature=***") && masked.contains("Token=***"), "{masked}");
    assert!(!masked.contains(TOKEN), "{masked}");
    assert!(prepared.to_curl(true).contains(&format!("Token={TOKEN}")));
}

/// A dry run shows the request `send` would send now, so it is signed on the client's clock
/// (`Config::with_time_source`), not the system's.
#[tokio::test]
async fn a_dry_run_is_signed_with_the_configurations_clock() {
    let clock = tem_core::time::ManualClock::at_unix_seconds(1_551_113_065);
    let config = Config::new(Credentials::new("AKIDdryRUN", SECRET_KEY)).with_time_source(clock);
    let prepared = client(config).dry_run_request(&rolling_update_request()).await.unwrap();
    let curl = prepared.to_curl(false);
    assert!(curl.contains("-H 'X-TC-Timestamp: 1551113065'"), "{curl}");
    assert!(curl.contains("Credential=AKIDdryRUN/2019-02-25/tem/tc3_request"), "{curl}");
}
