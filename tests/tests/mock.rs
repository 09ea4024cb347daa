//! Testing code that uses the SDK without a server: errors built by hand, as a user's test
//! builds them, behave as the errors of real calls; the `test-util` transport seam answers
//! with canned replies, records what was sent, and its failures are classified and retried as
//! HTTP's are.

use std::error::Error as _;

use serde_json::json;
use tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionError;
use tem_core::transport::{FnTransport, HttpReply, StaticReplayTransport, TransportErrorKind};
use tem_core::{CommonError, ConfigError, ConfigErrorKind, Credentials, Error, ErrorKind, OperationError, RetryPolicy};
use tem_tests::{rolling_update_request, with_sources};

type RollingError = Error<RollingUpdateApplicationByVersionError>;

#[test]
fn every_error_kind_can_be_built_and_shows_like_a_real_one() {
    let kinds = [
        ErrorKind::InvalidRequest,
        ErrorKind::Config,
        ErrorKind::Timeout,
        ErrorKind::Connect,
        ErrorKind::Dispatch,
        ErrorKind::HttpStatus,
        ErrorKind::Decode,
        ErrorKind::ResponseTooLarge,
        ErrorKind::Credentials,
    ];
    for kind in kinds {
        let error = RollingError::from_kind(kind, "what happened")
            .with_action("RollingUpdateApplicationByVersion")
            .with_attempts(2)
            .with_source(std::io::Error::other("the cause"));
        assert_eq!(error.kind(), kind);
        assert_eq!(error.action(), Some("RollingUpdateApplicationByVersion"));
        assert_eq!(error.attempts(), 2);
        assert!(error.service_error().is_none() && error.code().is_none());
        let shown = error.to_string();
        assert!(
            shown.starts_with("RollingUpdateApplicationByVersion: ")
                && shown.ends_with(": what happened [after 2 attempts]"),
            "{shown}"
        );
        assert_eq!(error.source().unwrap().to_string(), "the cause");
    }
    let error = RollingError::from_kind(ErrorKind::HttpStatus, "bad gateway")
        .with_http_status(502)
        .with_request_id(Some("req-502".into()));
    assert_eq!((error.http_status(), error.request_id()), (Some(502), Some("req-502")));
    assert_eq!(error.to_string(), "unexpected HTTP status 502: bad gateway (request id: req-502)");

    // A configuration error converts as the client's do.
    let error: RollingError = ConfigError::with_kind(ConfigErrorKind::InvalidRegion, "no region").into();
    assert_eq!((error.kind(), error.to_string().as_str()), (ErrorKind::Config, "configuration error: no region"));
}

#[test]
fn a_service_error_built_from_a_code_lands_in_the_variant_a_reply_with_that_code_would() {
    let error = RollingError::from_code("ResourceInUse.ServiceDeploying", "a deployment is running", "req-1");
    assert_eq!(error.kind(), ErrorKind::Service);
    assert!(matches!(
        error.service_error(),
        Some(RollingUpdateApplicationByVersionError::ResourceInUseServiceDeploying(_))
    ));
    assert_eq!(
        (error.code(), error.message(), error.request_id()),
        (Some("ResourceInUse.ServiceDeploying"), Some("a deployment is running"), Some("req-1"))
    );
    assert_eq!(error.to_string(), "ResourceInUse.ServiceDeploying: a deployment is running (request id: req-1)");

    // A code every action may return lands in `Common`, as from a reply.
    let error = RollingError::from_code("RequestLimitExceeded", "slow down", "req-2");
    assert!(matches!(
        error.service_error(),
        Some(RollingUpdateApplicationByVersionError::Common(CommonError::RequestLimitExceeded(_)))
    ));

    // An undocumented code is kept verbatim.
    let error = RollingError::from_code("FailedOperation.Brand.New", "new in a newer API", "req-3");
    assert_eq!(error.code(), Some("FailedOperation.Brand.New"));

    // The same, one level down: the action's error enum from a code, and `Error::service`.
    let typed = RollingUpdateApplicationByVersionError::from_metadata(tem_core::ErrorMetadata::new(
        "ResourceInUse.ServiceDeploying",
        "m",
        "req-4",
    ));
    let error = RollingError::service(typed.clone());
    assert_eq!(error.service_error(), Some(&typed));
    assert_eq!(error.into_service_error().unwrap().request_id(), "req-4");
}

// ---------------------------------------------------------------------------------------------
// The transport seam
// ---------------------------------------------------------------------------------------------

fn client(transport: &StaticReplayTransport, retry: RetryPolicy) -> tem_api::Client {
    let config = tem_api::Config::new(Credentials::new("AKIDmock", "mock-key").with_token("mock-token"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_retry_policy(retry)
        .with_transport(transport.clone());
    tem_api::Client::new(config).unwrap()
}

#[tokio::test]
async fn canned_replies_answer_typed_calls_and_every_signed_request_is_recorded() {
    let transport = StaticReplayTransport::new()
        .with_reply(HttpReply::ok(json!({"Result": "revision-1", "RequestId": "req-ok"})))
        .with_reply(HttpReply::service_error_with_request_id(
            "ResourceInUse.ServiceDeploying",
            "a deployment is running",
            "req-busy",
        ));
    let client = client(&transport, RetryPolicy::new());

    let response = client.send(&rolling_update_request()).await.unwrap();
    assert_eq!((response.result.as_str(), response.request_id.as_str()), ("revision-1", "req-ok"));
    let err = client.send(&rolling_update_request()).await.unwrap_err();
    assert!(matches!(
        err.service_error(),
        Some(RollingUpdateApplicationByVersionError::ResourceInUseServiceDeploying(_))
    ));
    assert_eq!((err.request_id(), err.attempts()), (Some("req-busy"), 1));
    assert_eq!(transport.remaining(), 0);

    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    let request = &requests[0];
    assert_eq!((request.method(), request.url()), ("POST", "https://tem.tencentcloudapi.com/"));
    assert_eq!(request.action(), Some("RollingUpdateApplicationByVersion"));
    assert_eq!(request.header("Host"), Some("tem.tencentcloudapi.com"));
    assert_eq!(request.header("x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(request.header("X-TC-Version"), Some("2021-07-01"));
    assert_eq!(request.header("X-TC-Token"), Some("mock-token"));
    assert!(request.header("Authorization").unwrap().starts_with("TC3-HMAC-SHA256 Credential=AKIDmock/"));
    assert_eq!(
        request.body_json().unwrap(),
        json!({"ApplicationId": "app-1", "EnvironmentId": "en-1", "DeployVersion": "v2"})
    );
    // The token is a secret: not in Debug.
    assert!(!format!("{request:?}").contains("mock-token"), "{request:?}");
}

#[tokio::test]
async fn canned_failures_are_classified_and_retried_as_the_same_failures_over_http() {
    // Not sent: retried even for an action that changes something, until a reply.
    let transport = StaticReplayTransport::new()
        .with_failure(TransportErrorKind::Connect)
        .with_failure(TransportErrorKind::ConnectTimeout)
        .with_reply(HttpReply::ok(json!({"Result": "revision-2"})));
    let client = client(&transport, no_waits());
    let response = client.send(&rolling_update_request()).await.unwrap();
    assert_eq!(response.result, "revision-2");
    assert_eq!(transport.requests().len(), 3);

    // Maybe received: an action that changes something is not sent again.
    for (failure, kind) in
        [(TransportErrorKind::Dispatch, ErrorKind::Dispatch), (TransportErrorKind::Timeout, ErrorKind::Timeout)]
    {
        let transport = StaticReplayTransport::new().with_failure(failure).with_reply(HttpReply::ok(json!({})));
        let err = client_call(&transport).await.unwrap_err();
        assert_eq!((err.kind(), err.attempts()), (kind, 1), "{failure:?}");
        assert_eq!(transport.remaining(), 1, "{failure:?}");
    }

    // Replies are read as HTTP's: a status other than 200, a body over the limit, a throttle.
    let transport = StaticReplayTransport::new().with_reply(HttpReply::new(502, "<html>bad gateway</html>"));
    let err = client_call(&transport).await.unwrap_err();
    assert_eq!((err.kind(), err.http_status()), (ErrorKind::HttpStatus, Some(502)));
    let transport = StaticReplayTransport::new().with_reply(HttpReply::new(200, vec![b' '; 2048]));
    let config = tem_api::Config::new(Credentials::new("AKIDmock", "mock-key"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_max_response_bytes(1024)
        .with_transport(transport.clone());
    let err = tem_api::Client::new(config).unwrap().send(&rolling_update_request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseTooLarge);
    let transport = StaticReplayTransport::new()
        .with_reply(HttpReply::service_error("RequestLimitExceeded", "slow down"))
        .with_reply(HttpReply::ok(json!({"Result": "revision-3"})));
    assert_eq!(client_call(&transport).await.unwrap().result, "revision-3");

    // Nothing left to answer with: a failure that says so.
    let transport = StaticReplayTransport::new();
    let err = client_call(&transport).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Dispatch);
    assert!(
        with_sources(&err)
            .contains("StaticReplayTransport has no reply left for request 1 (RollingUpdateApplicationByVersion)"),
        "{err}"
    );
}

async fn client_call(
    transport: &StaticReplayTransport,
) -> Result<
    tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionResponse,
    Error<RollingUpdateApplicationByVersionError>,
> {
    client(transport, no_waits()).send(&rolling_update_request()).await
}

/// The default retries, without waiting between them.
fn no_waits() -> RetryPolicy {
    RetryPolicy::new().with_base_delay(std::time::Duration::ZERO)
}

// ---------------------------------------------------------------------------------------------
// A region is required unless the API takes none
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_without_region_is_refused_at_build_unless_the_api_takes_none() {
    let transport = StaticReplayTransport::new().with_reply(HttpReply::ok(json!({"Result": "revision-1"})));
    let config = tem_api::Config::new(Credentials::new("AKIDmock", "mock-key")).with_transport(transport.clone());
    let err = tem_api::Client::new(config.clone()).unwrap_err();
    assert_eq!(err.kind(), ConfigErrorKind::MissingRegion);
    assert_eq!(
        err.to_string(),
        "no region is set for tem: set one with Config::with_region, TENCENTCLOUD_REGION or the credentials \
         profile's region (Config::without_region for an API that takes none)"
    );
    assert!(transport.requests().is_empty());

    // Told the API takes no region: built, and no X-TC-Region is sent.
    let client = tem_api::Client::new(config.without_region()).unwrap();
    client.send(&rolling_update_request()).await.unwrap();
    assert_eq!(transport.requests()[0].header("X-TC-Region"), None);
}

#[tokio::test]
async fn a_function_transport_answers_by_action_and_records_the_requests() {
    let transport = FnTransport::new(|request| match request.action() {
        Some("RollingUpdateApplicationByVersion") => {
            let version = request.body_json().unwrap()["DeployVersion"].as_str().unwrap().to_owned();
            Ok(HttpReply::ok(json!({"Result": format!("revision-of-{version}")})))
        }
        _ => Err(TransportErrorKind::Connect),
    });
    let config = tem_api::Config::new(Credentials::new("AKIDmock", "mock-key"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_retry_policy(RetryPolicy::disabled())
        .with_transport(transport.clone());
    let client = tem_api::Client::new(config).unwrap();
    let response = client.send(&rolling_update_request()).await.unwrap();
    assert_eq!(response.result, "revision-of-v2");
    let err = client.core().send_raw("DescribeApplications", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    let actions: Vec<_> = transport.requests().iter().map(|r| r.action().unwrap_or("").to_owned()).collect();
    assert_eq!(actions, ["RollingUpdateApplicationByVersion", "DescribeApplications"]);
}

// ---------------------------------------------------------------------------------------------
// Credential providers through the seam
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_seam_answers_an_assume_role_call_and_the_api_calls_signed_with_its_credentials() {
    use tem_core::credentials::AssumeRoleProvider;
    let transport = FnTransport::new(|request| match request.action() {
        Some("AssumeRole") => Ok(HttpReply::ok(json!({
            "Credentials": {"TmpSecretId": "AKIDrole", "TmpSecretKey": "role-key", "Token": "role-token"},
            "ExpiredTime": 4_102_444_800_i64,
            "Expiration": "2100-01-01T00:00:00Z",
        }))),
        _ => Ok(HttpReply::ok(json!({"Result": "revision-1"}))),
    });
    let base = tem_core::Config::new(Credentials::new("AKIDbase", "base-key")).with_transport(transport.clone());
    let provider = AssumeRoleProvider::builder("qcs::cam::uin/1:roleName/deployer", "s")
        .base_credentials(Credentials::new("AKIDbase", "base-key"))
        .config(base)
        .build()
        .unwrap();
    let config = tem_api::Config::new(Credentials::new("", ""))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_credentials_provider(provider)
        .with_transport(transport.clone());
    let response = tem_api::Client::new(config).unwrap().send(&rolling_update_request()).await.unwrap();
    assert_eq!(response.result, "revision-1");

    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    let (assume, call) = (&requests[0], &requests[1]);
    assert_eq!((assume.action(), assume.url()), (Some("AssumeRole"), "https://sts.tencentcloudapi.com/"));
    assert!(assume.header("Authorization").unwrap().contains("Credential=AKIDbase/"), "{assume:?}");
    assert_eq!(assume.body_json().unwrap()["RoleArn"], "qcs::cam::uin/1:roleName/deployer");
    assert_eq!(call.action(), Some("RollingUpdateApplicationByVersion"));
    assert!(call.header("Authorization").unwrap().contains("Credential=AKIDrole/"), "{call:?}");
    assert_eq!(call.header("X-TC-Token"), Some("role-token"));
}

#[tokio::test]
async fn the_seam_answers_the_cvm_metadata_service() {
    use tem_core::credentials::{CvmRoleProvider, Environment};
    let transport = FnTransport::new(|request| {
        assert_eq!(request.method(), "GET");
        match request.url().strip_prefix("http://metadata.test/latest/meta-data/cam/security-credentials/") {
            Some("") => Ok(HttpReply::new(200, "deployer")),
            Some("deployer") => Ok(HttpReply::new(
                200,
                json!({"TmpSecretId": "AKIDcvm", "TmpSecretKey": "cvm-key", "Token": "cvm-token",
                       "ExpiredTime": 4_102_444_800_i64, "Code": "Success"})
                .to_string(),
            )),
            _ => Ok(HttpReply::new(404, "not found")),
        }
    });
    let env = Environment::from_pairs([("", "")]).with_metadata_endpoint("http://metadata.test/latest/meta-data/");
    let provider = CvmRoleProvider::with_environment(&env).with_transport(transport.clone());
    let credentials = tem_core::ProvideCredentials::provide_credentials(&provider).await.unwrap();
    assert_eq!((credentials.secret_id(), credentials.token().unwrap().expose()), ("AKIDcvm", "cvm-token"));
    let urls: Vec<String> = transport.requests().iter().map(|r| r.url().to_owned()).collect();
    assert_eq!(
        urls,
        [
            "http://metadata.test/latest/meta-data/cam/security-credentials/",
            "http://metadata.test/latest/meta-data/cam/security-credentials/deployer",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The client's time source: a manual clock
// ---------------------------------------------------------------------------------------------

/// 2026-01-01T00:00:00Z.
const START: u64 = 1_767_225_600;

#[tokio::test]
async fn retries_wait_on_the_clients_clock_and_requests_are_signed_with_its_time() {
    use tem_core::time::{ManualClock, TimeSource};
    let clock = ManualClock::at_unix_seconds(START);
    let transport = StaticReplayTransport::new()
        .with_failure(TransportErrorKind::Connect)
        .with_failure(TransportErrorKind::Connect)
        .with_reply(HttpReply::ok(json!({"Result": "revision-3"})));
    let config = tem_api::Config::new(Credentials::new("AKIDmock", "mock-key"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_retry_policy(RetryPolicy::new().with_base_delay(std::time::Duration::from_secs(30)))
        .with_time_source(clock.clone())
        .with_sleep(clock.clone())
        .with_transport(transport.clone());
    let response = tem_api::Client::new(config).unwrap().send(&rolling_update_request()).await.unwrap();
    assert_eq!(response.result, "revision-3");
    // Two backoffs of up to 30 s and 60 s (jittered) passed on the manual clock, and only there.
    let waited = clock.now().duration_since(std::time::UNIX_EPOCH + std::time::Duration::from_secs(START)).unwrap();
    assert!(waited <= std::time::Duration::from_secs(90), "{waited:?}");
    let timestamps: Vec<u64> =
        transport.requests().iter().map(|r| r.header("X-TC-Timestamp").unwrap().parse().unwrap()).collect();
    assert_eq!(timestamps[0], START);
    assert!(timestamps.windows(2).all(|t| t[0] <= t[1]), "{timestamps:?}");
    assert_eq!(timestamps[2], START + waited.as_secs());
    let credential_date = transport.requests()[0].header("Authorization").unwrap().contains("/2026-01-01/tem/");
    assert!(credential_date, "signed on the manual clock's day");
}

/// Sends 41 untyped calls of a mutating action, one after the other, with rate limiting on,
/// and gives the manual clock's time of each request the transport received.
async fn untyped_burst(service: tem_core::ServiceSpec, options: tem_core::CallOptions) -> Vec<std::time::Duration> {
    use std::sync::{Arc, Mutex};
    use tem_core::time::{ManualClock, TimeSource};
    let clock = ManualClock::at_unix_seconds(START);
    let times = Arc::new(Mutex::new(Vec::new()));
    let (seen, reader) = (Arc::clone(&times), clock.clone());
    let transport = FnTransport::new(move |_| {
        let at = reader.now().duration_since(std::time::UNIX_EPOCH).unwrap() - std::time::Duration::from_secs(START);
        seen.lock().unwrap().push(at);
        Ok(HttpReply::ok(json!({"Result": "r"})))
    });
    let config = tem_core::Config::new(Credentials::new("AKIDmock", "mock-key"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_rate_limiting(true)
        .with_time_source(clock.clone())
        .with_sleep(clock)
        .with_transport(transport);
    let client = tem_core::Client::new(service, config).unwrap();
    for _ in 0..41 {
        let body = serde_json::Map::new();
        client.send_json("RollingUpdateApplicationByVersion", false, &body, options.clone()).await.unwrap();
    }
    let times = times.lock().unwrap().clone();
    times
}

#[tokio::test]
async fn untyped_calls_honour_the_documented_rate_limit_or_the_one_they_are_given() {
    let tem = tem_core::ServiceSpec::new("tem", "2021-07-01");
    // The generated service lists the documented limits, as `tem`'s untyped calls need.
    let documented = tem_api::SERVICE;
    assert_eq!(documented.rate_limit("RollingUpdateApplicationByVersion"), Some(20));
    for (service, options) in
        [(tem, tem_core::CallOptions::new().with_rate_limit(20)), (documented, tem_core::CallOptions::new())]
    {
        let times = untyped_burst(service, options).await;
        assert_eq!(times.len(), 41);
        // In any second, at most 20 requests; 41 take two seconds.
        for (i, t) in times.iter().enumerate() {
            let within = times[i..].iter().filter(|u| **u < *t + std::time::Duration::from_secs(1)).count();
            assert!(within <= 20, "{within} requests within a second of {t:?}");
        }
        assert_eq!(times[40], std::time::Duration::from_secs(2));
    }
    // Without a limit they all leave at once: the count above is the limiter's doing.
    let times = untyped_burst(tem, tem_core::CallOptions::new()).await;
    assert!(times.iter().all(|t| t.is_zero()), "{times:?}");
}
