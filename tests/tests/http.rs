//! The typed client against the local front door (`tem_tests::FrontDoor`): what goes on the wire,
//! how every kind of reply comes back, and how transport failures are classified.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};
use tem_api::operation::rolling_update_application_by_version::{
    RollingUpdateApplicationByVersionError as RollingUpdateError, RollingUpdateApplicationByVersionRequest,
    RollingUpdateApplicationByVersionResponse,
};
use tem_api::{Client, CommonError, Config, Credentials, Error, ErrorKind, ErrorMetadata};
use tem_core::signing;
use tem_tests::{FrontDoor, FrontDoorOptions, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

const ACTION: &str = "RollingUpdateApplicationByVersion";
const REGION: &str = "ap-guangzhou";

type CallResult = Result<RollingUpdateApplicationByVersionResponse, Error<RollingUpdateError>>;

/// The configuration every test starts from: the front door's default credentials, a region,
/// and the front door as endpoint.
fn config(server: &FrontDoor) -> Config {
    config_with(server, Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
}

fn config_with(server: &FrontDoor, credentials: Credentials) -> Config {
    Config::new(credentials).with_region(REGION).unwrap().with_endpoint(&server.endpoint()).unwrap()
}

/// The required parameters and some optional ones; `TotalBatchCount`, `BatchInterval`,
/// `BetaBatchNum` and `MinAvailable` stay unset.
fn seed_request() -> RollingUpdateApplicationByVersionRequest {
    RollingUpdateApplicationByVersionRequest::builder()
        .application_id("app-xxxxxx")
        .environment_id("en-xxxxxx")
        .deploy_version("v1")
        .package_name("test.jar")
        .from("IntelliJ")
        .deploy_strategy_type("AUTO")
        .force(true)
        .build()
        .unwrap()
}

async fn call(config: Config) -> CallResult {
    Client::new(config).unwrap().send(&seed_request()).await
}

/// Calls once against a front door answering `response`; returns the error and the front door.
async fn fail_with(response: Response) -> (Error<RollingUpdateError>, FrontDoor) {
    let server = FrontDoor::serving(move |_| response.clone()).await;
    let err = call(config(&server)).await.expect_err("the call must fail");
    assert_eq!(err.action(), Some(ACTION));
    (err, server)
}

fn assert_mentions(err: &Error<RollingUpdateError>, words: &[&str]) {
    let shown = err.to_string();
    for word in words {
        assert!(shown.contains(word), "{word:?} is missing from {shown:?}");
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// 1. The seed action on the wire
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn seed_action_decodes_each_documented_example_reply() {
    let outputs = tem_tests::example_outputs(ACTION);
    assert_eq!(outputs.len(), 2, "the seed action documents two example replies");
    let mut decoded = Vec::new();
    for output in outputs {
        let documented: Value = serde_json::from_str(&output).unwrap();
        let server = FrontDoor::serving(move |_| Response::json(200, output.as_str())).await;

        let response = call(config(&server)).await.unwrap();

        let mut expected = RollingUpdateApplicationByVersionResponse::default();
        expected.result = documented["Response"]["Result"].as_str().unwrap().to_owned();
        expected.request_id = documented["Response"]["RequestId"].as_str().unwrap().to_owned();
        assert_eq!(response, expected);
        decoded.push((response.result, response.request_id));
        assert_eq!(server.request_count(), 1);
    }
    assert_eq!(
        decoded,
        [
            ("revision-xxx".to_owned(), "81f74023-563c-437d-abf7-8139449ef178".to_owned()),
            (String::new(), "28fe46b2-dbd9-4ee6-b388-603acb6c9263".to_owned()),
        ]
    );
}

#[tokio::test]
async fn seed_action_sends_one_signed_post_with_the_tc_headers_and_the_serialized_request() {
    let server = FrontDoor::serving(|_| Response::ok(json!({"Result": "revision-1"}))).await;
    let before = now();

    call(config(&server)).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "exactly one request");
    let request = &requests[0];
    assert_eq!(request.verdict, None, "the front door refused it: {:?}", request.reason);
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/"));
    let header = |name| request.header(name).unwrap_or_else(|| panic!("no {name} header"));
    assert_eq!(header("X-TC-Action"), ACTION);
    assert_eq!(header("X-TC-Version"), "2021-07-01");
    assert_eq!(header("X-TC-Region"), REGION);
    assert_eq!(header("Content-Type"), "application/json");
    assert_eq!(header("Host"), server.addr().to_string());
    let timestamp: i64 = header("X-TC-Timestamp").parse().unwrap();
    assert!((before..=now()).contains(&timestamp), "X-TC-Timestamp {timestamp} is not the time of the call");
    let scope = format!("{DEFAULT_SECRET_ID}/{}/tem/tc3_request", signing::utc_date(timestamp));
    let prefix = format!("TC3-HMAC-SHA256 Credential={scope}, SignedHeaders=content-type;host, Signature=");
    assert!(header("Authorization").starts_with(&prefix), "{}", header("Authorization"));
    assert_eq!(request.header("X-TC-Token"), None);
    assert_eq!(request.header("X-TC-Content-SHA256"), None);

    let body = request.body_json().expect("the body is JSON");
    assert_eq!(body, serde_json::to_value(seed_request()).unwrap());
    // Unset optional parameters are omitted, not sent as null.
    assert_eq!(
        body,
        json!({
            "ApplicationId": "app-xxxxxx",
            "EnvironmentId": "en-xxxxxx",
            "DeployVersion": "v1",
            "PackageName": "test.jar",
            "From": "IntelliJ",
            "DeployStrategyType": "AUTO",
            "Force": true,
        })
    );
}

#[tokio::test]
async fn clones_of_a_client_reuse_one_kept_alive_connection() {
    let server = FrontDoor::serving(|_| Response::ok(json!({"Result": "r"}))).await;
    let client = Client::new(config(&server)).unwrap();
    client.send(&seed_request()).await.unwrap();
    client.clone().send(&seed_request()).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.iter().map(|r| (r.verdict.clone(), r.connection)).collect::<Vec<_>>(), [(None, 0), (None, 0)]);
    assert_ne!(requests[0].header("X-TC-Timestamp"), None);
}

// ---------------------------------------------------------------------------------------------
// 2–4. Error replies
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn documented_error_code_becomes_its_typed_variant_with_code_message_and_request_id() {
    let (err, server) = fail_with(Response::service_error("ResourceInUse.ServiceDeploying", "服务部署中")).await;
    let request_id = server.requests()[0].request_id.clone();

    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.code(), Some("ResourceInUse.ServiceDeploying"));
    assert_eq!(err.message(), Some("服务部署中"));
    assert_eq!(err.request_id(), Some(request_id.as_str()));
    assert_mentions(&err, &[ACTION, "ResourceInUse.ServiceDeploying", "服务部署中", &request_id]);
    let expected = ErrorMetadata::new("ResourceInUse.ServiceDeploying", "服务部署中", request_id.as_str());
    assert_eq!(err.into_service_error().unwrap(), RollingUpdateError::ResourceInUseServiceDeploying(expected));
}

#[tokio::test]
async fn wrong_secret_key_is_refused_by_the_front_door_as_common_signature_failure() {
    let server = FrontDoor::serving(|_| panic!("a refused request must not reach the service")).await;
    let err = call(config_with(&server, Credentials::new(DEFAULT_SECRET_ID, "the-wrong-key"))).await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(server.requests()[0].verdict.as_deref(), Some("AuthFailure.SignatureFailure"));
    assert_eq!(err.request_id(), Some(server.requests()[0].request_id.as_str()));
    match err.service_error() {
        Some(RollingUpdateError::Common(CommonError::AuthFailureSignatureFailure(metadata))) => {
            assert_eq!(metadata.code(), "AuthFailure.SignatureFailure");
            assert!(metadata.message().contains("secret key"), "{}", metadata.message());
        }
        other => panic!("expected Common(AuthFailureSignatureFailure), got {other:?}"),
    }
}

#[tokio::test]
async fn other_front_door_refusals_are_their_common_variants() {
    let unknown_id = FrontDoor::start(FrontDoorOptions::default()).await;
    let err = call(config_with(&unknown_id, Credentials::new("AKIDnobody", DEFAULT_SECRET_KEY))).await.unwrap_err();
    assert!(matches!(
        err.service_error(),
        Some(RollingUpdateError::Common(CommonError::AuthFailureSecretIdNotFound(_)))
    ));

    // Refused as expired, then re-signed with the server's clock (its `Date`) and accepted.
    let clock_ahead = FrontDoor::start(FrontDoorOptions::default().with_clock_offset(600)).await;
    call(config(&clock_ahead)).await.unwrap();
    let verdicts: Vec<_> = clock_ahead.requests().into_iter().map(|r| r.verdict).collect();
    assert_eq!(verdicts, [Some("AuthFailure.SignatureExpire".to_owned()), None]);

    let other_version = FrontDoor::start(FrontDoorOptions::default().with_service("tem", "2020-01-01")).await;
    let err = call(config(&other_version)).await.unwrap_err();
    assert!(matches!(err.service_error(), Some(RollingUpdateError::Common(CommonError::NoSuchVersion(_)))));

    // The client refuses to be built without a region; told the API takes none, it sends none,
    // and the gateway refuses.
    let no_region = FrontDoor::start(FrontDoorOptions::default()).await;
    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_endpoint(&no_region.endpoint())
        .unwrap();
    assert_eq!(Client::new(config.clone()).unwrap_err().kind(), tem_core::ConfigErrorKind::MissingRegion);
    let err = call(config.without_region()).await.unwrap_err();
    assert!(matches!(err.service_error(), Some(RollingUpdateError::Common(CommonError::MissingParameter(_)))));
    assert_mentions(&err, &["X-TC-Region"]);
}

#[tokio::test]
async fn unknown_error_code_is_unhandled_and_kept_verbatim() {
    let code = "FailedOperation.SomethingBrandNew";
    let (err, server) = fail_with(Response::service_error(code, "a code newer than this SDK")).await;

    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.code(), Some(code));
    let request_id = server.requests()[0].request_id.clone();
    let service_error = err.into_service_error().unwrap();
    #[allow(deprecated)] // The fallback variant itself is under test; users match on `code()`.
    let unhandled = matches!(service_error, RollingUpdateError::Unhandled(_));
    assert!(unhandled, "{service_error:?}");
    assert_eq!(
        (service_error.code(), service_error.message(), service_error.request_id()),
        (code, "a code newer than this SDK", request_id.as_str())
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Replies that are not what the protocol promises
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn html_reply_is_a_decode_error_quoting_the_body() {
    let html = "<html><body><h1>Welcome to nginx!</h1></body></html>";
    let (err, _) = fail_with(Response::raw(200, [("Content-Type", "text/html")], html)).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.request_id(), None);
    assert_mentions(&err, &["could not decode", "not valid JSON", "Welcome to nginx!"]);
}

#[tokio::test]
async fn empty_reply_is_a_decode_error_saying_it_is_empty() {
    let (err, _) = fail_with(Response::json(200, "")).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_mentions(&err, &["not valid JSON", "(empty)"]);
}

#[tokio::test]
async fn json_without_response_is_a_decode_error_naming_response() {
    let (err, _) = fail_with(Response::json(200, json!({"Data": {"Result": "x"}}))).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_mentions(&err, &["no `Response`", r#""Data""#]);
}

#[tokio::test]
async fn json_that_is_not_an_object_is_a_decode_error() {
    for body in [r#""Response""#, "42", "null", "true"] {
        let (err, _) = fail_with(Response::json(200, body)).await;
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
        assert_mentions(&err, &["not a JSON object", body]);
    }
}

/// serde's derived `Deserialize` also reads a struct from a JSON array, by position: a reply
/// that is an array must still be refused, not read as an envelope.
#[tokio::test]
async fn json_array_is_a_decode_error_not_an_envelope_read_by_position() {
    let bodies = [
        json!([1, 2, 3]),
        json!([{"RequestId": "req-array", "Result": "r"}]),
        json!({"Response": [null, "req-array"]}),
    ];
    for body in bodies {
        let server = FrontDoor::serving({
            let body = body.clone();
            move |_| Response::json(200, &body)
        })
        .await;
        let result = call(config(&server)).await;
        let err = result.expect_err(&format!("{body} must not decode as a success"));
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
        assert_mentions(&err, &["not", "object"]);
    }
}

#[tokio::test]
async fn response_that_is_not_an_object_is_a_decode_error() {
    let (err, _) = fail_with(Response::json(200, json!({"Response": "oops"}))).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_mentions(&err, &["`Response` is not an object"]);
}

#[tokio::test]
async fn error_without_code_is_a_decode_error_keeping_the_request_id() {
    let body = json!({"Response": {"Error": {"Message": "something broke"}, "RequestId": "req-without-code"}});
    let (err, _) = fail_with(Response::json(200, body)).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.service_error(), None);
    assert_eq!(err.request_id(), Some("req-without-code"));
    assert_mentions(&err, &["no `Code`", "req-without-code"]);
}

#[tokio::test]
async fn field_of_the_wrong_type_is_a_decode_error_naming_the_field_and_keeping_the_request_id() {
    let body = json!({"Response": {"Result": {"a": 1}, "RequestId": "req-wrong-type"}});
    let (err, _) = fail_with(Response::json(200, body)).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.request_id(), Some("req-wrong-type"));
    assert_mentions(&err, &["`Response.Result`", "does not match", "req-wrong-type"]);
    let source = std::error::Error::source(&err).expect("the serde error is the source").to_string();
    assert!(source.contains("invalid type: map"), "{source}");
}

#[tokio::test]
async fn http_502_is_an_http_status_error_quoting_the_body() {
    let page = "<html><head><title>502 Bad Gateway</title></head></html>";
    let (err, _) = fail_with(Response::raw(502, [("Content-Type", "text/html")], page)).await;
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert_eq!(err.http_status(), Some(502));
    assert_mentions(&err, &["unexpected HTTP status 502", "502 Bad Gateway"]);
}

#[tokio::test]
async fn http_500_with_an_error_envelope_is_an_http_status_error_showing_code_and_request_id() {
    let body = json!({"Response": {"Error": {"Code": "InternalError", "Message": "oops"}, "RequestId": "req-500"}});
    let (err, _) = fail_with(Response::json(500, body)).await;
    assert_eq!(err.kind(), ErrorKind::HttpStatus);
    assert_eq!(err.http_status(), Some(500));
    assert_eq!(err.service_error(), None);
    // The body excerpt keeps code and request id readable (`request_id()` is not parsed from
    // non-200 replies by tem-core today).
    assert_mentions(&err, &["unexpected HTTP status 500", "InternalError", "req-500"]);
}

// ---------------------------------------------------------------------------------------------
// 6. Credentials and signing modes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn session_token_is_sent_as_x_tc_token_and_the_request_verifies() {
    let options =
        FrontDoorOptions::default().with_temporary_credential("AKIDtemporary", "temporary-key", "session-tok");
    let server = FrontDoor::start(options.with_responder(|_| Response::ok(json!({"Result": "r"})))).await;
    let credentials = Credentials::new("AKIDtemporary", "temporary-key").with_token("session-tok");

    let response = call(config_with(&server, credentials)).await.unwrap();

    assert_eq!(response.result, "r");
    let request = &server.requests()[0];
    assert_eq!(request.verdict, None, "{:?}", request.reason);
    assert_eq!(request.header("X-TC-Token"), Some("session-tok"));
}

#[tokio::test]
async fn wrong_session_token_is_common_token_failure() {
    let options =
        FrontDoorOptions::default().with_temporary_credential("AKIDtemporary", "temporary-key", "session-tok");
    let server = FrontDoor::start(options).await;
    let credentials = Credentials::new("AKIDtemporary", "temporary-key").with_token("expired-tok");
    let err = call(config_with(&server, credentials)).await.unwrap_err();
    assert!(matches!(err.service_error(), Some(RollingUpdateError::Common(CommonError::AuthFailureTokenFailure(_)))));
}

#[tokio::test]
async fn unsigned_payload_mode_sends_the_header_and_verifies() {
    let server = FrontDoor::serving(|_| Response::ok(json!({"Result": "r"}))).await;

    call(config(&server).with_unsigned_payload(true)).await.unwrap();

    let request = &server.requests()[0];
    assert_eq!(request.verdict, None, "{:?}", request.reason);
    assert_eq!(request.header("X-TC-Content-SHA256"), Some("UNSIGNED-PAYLOAD"));
    assert_eq!(request.body_json(), Some(serde_json::to_value(seed_request()).unwrap()), "the body is still sent");
}

// ---------------------------------------------------------------------------------------------
// 7. Transport failures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region(REGION)
        .unwrap()
        .with_endpoint(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .with_connect_timeout(Duration::from_secs(5));

    let err = call(config).await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Connect);
    assert_eq!(err.action(), Some(ACTION));
    assert_mentions(&err, &["could not connect", "not sent"]);
}

#[tokio::test]
async fn reply_slower_than_the_timeout_is_a_timeout_error() {
    let server =
        FrontDoor::serving(|_| Response::delay(Duration::from_secs(10), Response::ok(json!({"Result": "late"})))).await;
    let started = Instant::now();

    let err = call(config(&server).with_timeout(Duration::from_millis(300))).await.unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5), "gave up after {:?}", started.elapsed());
    assert_eq!(server.request_count(), 1, "the request did arrive");
    assert_mentions(&err, &["timed out"]);
}

#[tokio::test]
async fn reply_larger_than_the_limit_is_response_too_large_whether_its_length_is_declared_or_not() {
    let limit = 1024;
    let big = "x".repeat(4 * limit);
    let declared = Response::ok(json!({"Result": big}));
    let mut chunked_body = String::new();
    let envelope = json!({"Response": {"Result": big, "RequestId": "req-big"}}).to_string();
    for chunk in envelope.as_bytes().chunks(512) {
        chunked_body.push_str(&format!("{:x}\r\n{}\r\n", chunk.len(), std::str::from_utf8(chunk).unwrap()));
    }
    chunked_body.push_str("0\r\n\r\n");
    let chunked =
        Response::raw(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")], chunked_body);

    for (how, response) in [("Content-Length", declared), ("chunked", chunked.clone())] {
        let server = FrontDoor::serving(move |_| response.clone()).await;
        let err = call(config(&server).with_max_response_bytes(limit)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResponseTooLarge, "{how}");
        assert_mentions(&err, &["reply too large", "the limit is 1024"]);
    }
    // The same chunked reply within a larger limit decodes: only the size was the problem.
    let server = FrontDoor::serving(move |_| chunked.clone()).await;
    let response = call(config(&server).with_max_response_bytes(16 * limit)).await.unwrap();
    assert_eq!((response.result.len(), response.request_id.as_str()), (4 * limit, "req-big"));
}

#[tokio::test]
async fn connection_reset_after_the_request_is_a_dispatch_error() {
    let server = FrontDoor::serving(|_| Response::reset()).await;
    let err = call(config(&server)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Dispatch);
    assert_eq!(server.request_count(), 1);
    assert_mentions(&err, &["may have received the request"]);
}

// ---------------------------------------------------------------------------------------------
// 8. Requests refused before sending
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn missing_required_parameter_names_it_and_sends_nothing() {
    let server = FrontDoor::start(FrontDoorOptions::default()).await;
    let client = Client::new(config(&server)).unwrap();

    let built = RollingUpdateApplicationByVersionRequest::builder().application_id("a").build();
    let build_error = built.clone().unwrap_err();
    assert_eq!(
        (build_error.structure(), build_error.parameter()),
        ("RollingUpdateApplicationByVersionRequest", "EnvironmentId")
    );
    assert_eq!(
        build_error.to_string(),
        "required parameter `EnvironmentId` of RollingUpdateApplicationByVersionRequest is not set"
    );

    // As a caller writes it, with `?` turning the build error into the call's error.
    let result: CallResult = async { client.send(&built?).await }.await;
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_mentions(&err, &["EnvironmentId", "RollingUpdateApplicationByVersionRequest"]);
    assert_eq!(server.request_count(), 0, "nothing was sent");
}

/// `Client::send_json` (a body built at run time, as the command line sends): signed and
/// decoded as a typed call, its service error sorted into `CommonError`, and resent by the
/// same retry rules: throttling always, for any action.
#[tokio::test]
async fn an_untyped_json_call_is_signed_decoded_and_retried_as_a_typed_one() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let server = FrontDoor::start(FrontDoorOptions::default().with_responder(move |request| {
        match (counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst), request.action()) {
            (0, _) => Response::service_error("RequestLimitExceeded", "slow down"),
            (_, Some("DescribeEnvironments")) => Response::ok(json!({"Result": {"TotalCount": 0, "Records": []}})),
            _ => Response::service_error("ResourceNotFound.ServiceNotFound", "no such application"),
        }
    }))
    .await;
    let client = tem_core::Client::new(tem_api::SERVICE, config(&server)).unwrap();
    let body = json!({"Limit": 10}).as_object().unwrap().clone();
    let reply =
        client.send_json("DescribeEnvironments", true, &body, tem_core::CallOptions::new()).await.expect("a success");
    assert_eq!(reply["Result"]["TotalCount"], 0);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "throttled once, then resent");
    assert!(requests.iter().all(|r| r.verdict.is_none()), "both signed as the front door accepts");
    assert_eq!(serde_json::from_slice::<Value>(&requests[1].body).unwrap(), json!({"Limit": 10}));

    let error = client.send_json("DeleteApplication", false, &body, tem_core::CallOptions::new()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.code(), Some("ResourceNotFound.ServiceNotFound"));
    assert_eq!(error.attempts(), 1);
}
