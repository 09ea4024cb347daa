//! The emulator's front door and validation over HTTP, through the SDK's own client.

use std::time::Duration;

use pretty_assertions::assert_eq;
use serde_json::{json, Value};
use tem_core::signing::SignatureMethod;
use tem_core::{Client, Config, Credentials, ErrorKind, RetryPolicy, ServiceSpec};
use tem_emulator::{Emulator, EmulatorOptions, Fault, FaultRule, DEFAULT_REGION, NOT_MODELLED_HEADER};

const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");

fn config(emulator: &Emulator, id: &str, key: &str) -> Config {
    Config::new(Credentials::new(id, key))
        .with_region(DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap()
        .with_retry_policy(RetryPolicy::disabled())
}

fn client(emulator: &Emulator) -> Client {
    Client::new(TEM, config(emulator, emulator.secret_id(), emulator.secret_key())).unwrap()
}

/// `(Error.Code or None, the whole reply)` of a raw call.
async fn call(client: &Client, action: &'static str, body: Value) -> (Option<String>, Value) {
    let reply = client.send_raw(action, body.to_string().into_bytes()).await.unwrap();
    let value: Value = serde_json::from_slice(&reply.body).unwrap();
    (value["Response"]["Error"]["Code"].as_str().map(str::to_owned), value)
}

async fn started() -> Emulator {
    Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap()
}

/// Codes by which the front door or the validation refuse a request.
const REFUSALS: [&str; 6] = [
    "MissingParameter",
    "InvalidParameter",
    "UnknownParameter",
    "InvalidAction",
    "RequestSizeLimitExceeded",
    "AuthFailure",
];

#[tokio::test]
async fn every_official_example_request_is_accepted() {
    let emulator = started().await;
    let client = client(&emulator);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/tem/2021-07-01/examples.json");
    let examples: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut sent = 0;
    for (action, list) in examples["actions"].as_object().unwrap() {
        for example in list.as_array().unwrap() {
            let input = example["input"].as_str().unwrap();
            let body: Value = serde_json::from_str(input.split_once("\n\n").unwrap().1).unwrap();
            let action: &'static str = Box::leak(action.clone().into_boxed_str());
            let (code, reply) = call(&client, action, body).await;
            if let Some(code) = &code {
                assert!(!REFUSALS.iter().any(|r| code.starts_with(r)), "{action}: {reply}");
            }
            sent += 1;
        }
    }
    assert_eq!(sent, 52);
    let log = emulator.requests();
    assert_eq!(log.len(), 52);
    assert!(log.iter().all(|r| !r.params.is_null()), "every request passed validation");
}

#[tokio::test]
async fn a_missing_required_parameter_is_missing_parameter_naming_it() {
    let emulator = started().await;
    let (code, reply) = call(&client(&emulator), "ResumeDeployApplication", json!({"ApplicationId": "app-1"})).await;
    assert_eq!(code.as_deref(), Some("MissingParameter"));
    assert_eq!(reply["Response"]["Error"]["Message"], "The request is missing a required parameter `EnvironmentId`.");
}

#[tokio::test]
async fn a_wrong_type_is_invalid_parameter_naming_it() {
    let emulator = started().await;
    let body = json!({"ApplicationId": "a", "EnvironmentId": "e", "DeployVersion": "v", "TotalBatchCount": [2]});
    let (code, reply) = call(&client(&emulator), "RollingUpdateApplicationByVersion", body).await;
    assert_eq!(code.as_deref(), Some("InvalidParameter"));
    let message = reply["Response"]["Error"]["Message"].as_str().unwrap();
    assert!(message.starts_with("The value type of parameter `TotalBatchCount` is invalid"), "{message}");
}

#[tokio::test]
async fn an_unknown_member_is_unknown_parameter_naming_it() {
    let emulator = started().await;
    let body = json!({"EnvironmentName": "x", "Tags": [{"TagKey": "k", "TagValue": "v", "Colour": "red"}]});
    let (code, reply) = call(&client(&emulator), "CreateEnvironment", body).await;
    assert_eq!(code.as_deref(), Some("UnknownParameter"));
    assert_eq!(reply["Response"]["Error"]["Message"], "The parameter `Tags.0.Colour` is not recognized.");
}

#[tokio::test]
async fn an_unknown_action_is_invalid_action() {
    let emulator = started().await;
    let (code, _) = call(&client(&emulator), "DescribeNothing", json!({})).await;
    assert_eq!(code.as_deref(), Some("InvalidAction"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_request_size_limit_exceeded() {
    let emulator = Emulator::start(EmulatorOptions::new().with_max_request_bytes(64)).await.unwrap();
    let body = json!({"EnvironmentName": "x".repeat(100)});
    let (code, _) = call(&client(&emulator), "CreateEnvironment", body).await;
    assert_eq!(code.as_deref(), Some("RequestSizeLimitExceeded"));
    assert_eq!(emulator.requests()[0].verdict.as_deref(), Some("RequestSizeLimitExceeded"));
}

#[tokio::test]
async fn wrong_key_and_unknown_id_are_refused_before_the_model() {
    let emulator = started().await;
    let wrong_key = Client::new(TEM, config(&emulator, emulator.secret_id(), "not-the-key")).unwrap();
    let (code, _) = call(&wrong_key, "CreateEnvironment", json!({"EnvironmentName": "x"})).await;
    assert_eq!(code.as_deref(), Some("AuthFailure.SignatureFailure"));
    let unknown = Client::new(TEM, config(&emulator, "AKIDnobody", emulator.secret_key())).unwrap();
    let (code, _) = call(&unknown, "CreateEnvironment", json!({"EnvironmentName": "x"})).await;
    assert_eq!(code.as_deref(), Some("AuthFailure.SecretIdNotFound"));
    assert!(emulator.state().environments.is_empty(), "nothing was created");
}

#[tokio::test]
async fn legacy_signatures_and_temporary_credentials_are_accepted() {
    let emulator =
        Emulator::start(EmulatorOptions::new().with_temporary_credential("AKIDtmp", "tmp-key", "tok")).await.unwrap();
    for method in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256, SignatureMethod::Tc3HmacSha256] {
        let config = Config::new(Credentials::new("AKIDtmp", "tmp-key").with_token("tok"))
            .with_region(DEFAULT_REGION)
            .unwrap()
            .with_endpoint(&emulator.endpoint())
            .unwrap()
            .with_signature_method(method);
        let client = Client::new(TEM, config).unwrap();
        let name = format!("env-{method:?}").to_ascii_lowercase();
        let body = json!({"EnvironmentName": name, "SubnetIds": ["subnet-1"], "SetupVpc": true});
        let (code, reply) = call(&client, "CreateEnvironment", body).await;
        assert_eq!(code, None, "{method:?}: {reply}");
    }
    let state = emulator.state();
    assert_eq!(state.environments.len(), 3);
    // The legacy form's strings were read with the schema's types.
    assert!(state.environments.values().all(|e| e.subnet_ids == ["subnet-1"]));
}

#[tokio::test]
async fn a_skewed_front_door_clock_is_signature_expire_with_a_date_the_sdk_learns_from() {
    let emulator = started().await;
    emulator.set_clock_skew(1000);
    let client = tem_api::Client::new(config(&emulator, emulator.secret_id(), emulator.secret_key())).unwrap();
    let request = tem_api::operation::describe_environments::DescribeEnvironmentsRequest::builder().build().unwrap();
    client.send(&request).await.expect("the SDK re-signed with the server's Date");
    let verdicts: Vec<_> = emulator.requests().into_iter().map(|r| r.verdict).collect();
    assert_eq!(verdicts, [Some("AuthFailure.SignatureExpire".to_owned()), None]);
    assert!((990..=1010).contains(&client.core().clock_offset()), "{}", client.core().clock_offset());
}

#[tokio::test]
async fn the_actions_once_answered_with_the_official_example_are_modelled_now() {
    let emulator = started().await;
    let client = client(&emulator);
    let reply =
        client.send_raw("CreateCosToken", br#"{"ApplicationId":"app-1","PkgName":"a.jar","OptType":1}"#.to_vec()).await;
    let value: Value = serde_json::from_slice(&reply.unwrap().body).unwrap();
    assert_eq!(value["Response"]["Error"]["Code"], "ResourceNotFound.ServiceNotFound", "{value}");
    let log = emulator.requests();
    assert_eq!((log[0].verdict.as_deref(), log[0].modelled), (Some("ResourceNotFound.ServiceNotFound"), true));
    assert_eq!(value["Response"]["RequestId"], log[0].request_id.as_str());
    assert_eq!(reqwest_headers(&emulator).await, None, "no X-Emulator-Modelled: false");
}

/// The `X-Emulator-Modelled` header of a `CreateCosToken` reply, seen by a plain client.
async fn reqwest_headers(emulator: &Emulator) -> Option<String> {
    let client = client(emulator);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let credentials = Credentials::new(emulator.secret_id(), emulator.secret_key());
    let prepared = client.prepare(
        &credentials,
        "CreateCosToken",
        br#"{"ApplicationId":"a","PkgName":"p","OptType":1}"#.to_vec(),
        now,
    );
    let mut request = reqwest::Client::new().post(emulator.endpoint());
    for (name, value) in &prepared.headers {
        if !name.eq_ignore_ascii_case("host") {
            request = request.header(*name, value.as_str());
        }
    }
    let response = request.body(prepared.body.clone()).send().await.unwrap();
    response.headers().get(NOT_MODELLED_HEADER).map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn faults_apply_per_action_and_count_and_are_logged() {
    let emulator = started().await;
    let client = client(&emulator);
    emulator.add_fault(FaultRule::always(Fault::throttled()).for_action("DescribeEnvironments").times(2));
    for _ in 0..2 {
        let (code, _) = call(&client, "DescribeEnvironments", json!({})).await;
        assert_eq!(code.as_deref(), Some("RequestLimitExceeded"));
    }
    assert_eq!(call(&client, "DescribeEnvironments", json!({})).await.0, None, "only twice");
    let (code, _) = call(&client, "DescribeApplications", json!({})).await;
    assert_eq!(code, None, "another action is not affected");
    let faults: Vec<_> = emulator.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults, [Some("ServiceError".to_owned()), Some("ServiceError".to_owned()), None, None]);
}

#[tokio::test]
async fn connection_faults_reach_the_sdk_as_the_errors_they_are() {
    let emulator = started().await;
    let client = client(&emulator);
    let cases = [
        (Fault::HttpStatus { status: 502 }, ErrorKind::HttpStatus),
        (Fault::Html { status: 503 }, ErrorKind::HttpStatus),
        (Fault::MalformedJson, ErrorKind::Decode),
        (Fault::TruncatedJson, ErrorKind::Dispatch),
        (Fault::ResetAfterBody, ErrorKind::Dispatch),
        (Fault::ResetBeforeBody, ErrorKind::Dispatch),
        (Fault::internal_error(), ErrorKind::Service),
    ];
    for (fault, kind) in cases {
        emulator.add_fault(FaultRule::always(fault.clone()).times(1));
        let err = client.send_raw("DescribeEnvironments", b"{}".to_vec()).await;
        let body = err.as_ref().ok().map(|r| String::from_utf8_lossy(&r.body).into_owned());
        match err {
            Ok(_) if kind == ErrorKind::Service => assert!(body.unwrap().contains("InternalError")),
            Ok(_) if kind == ErrorKind::Decode => assert!(serde_json::from_str::<Value>(&body.unwrap()).is_err()),
            Ok(reply) if kind == ErrorKind::HttpStatus => assert!(reply.status >= 500, "{fault:?}"),
            Ok(_) => panic!("{fault:?}: expected {kind:?}, got a reply"),
            Err(e) => assert_eq!(e.kind(), kind, "{fault:?}: {e}"),
        }
        // The next request is served normally.
        assert_eq!(call(&client, "DescribeEnvironments", json!({})).await.0, None, "after {fault:?}");
    }
}

#[tokio::test]
async fn a_slow_reply_hits_the_clients_timeout() {
    let emulator = started().await;
    emulator.add_fault(FaultRule::always(Fault::Delay { millis: 5_000 }).times(1));
    let config =
        config(&emulator, emulator.secret_id(), emulator.secret_key()).with_timeout(Duration::from_millis(200));
    let err = Client::new(TEM, config).unwrap().send_raw("DescribeEnvironments", b"{}".to_vec()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn the_request_log_is_bounded_in_entries_and_in_bytes() {
    let emulator = Emulator::start(EmulatorOptions::new().with_max_log(3)).await.unwrap();
    let client = client(&emulator);
    for i in 0..5 {
        call(&client, "DescribeEnvironments", json!({"EnvironmentId": format!("en-{i}")})).await;
    }
    let log = emulator.requests();
    assert_eq!(log.iter().map(|r| r.sequence).collect::<Vec<_>>(), [2, 3, 4], "the oldest are dropped");
    let big = json!({"EnvironmentName": "x", "Description": "d".repeat(100_000)});
    call(&client, "CreateEnvironment", big).await;
    let last = emulator.requests().pop().unwrap();
    assert!(last.params.as_str().unwrap().contains("not kept"), "{:?}", last.params);
}

#[tokio::test]
async fn strange_bodies_are_refused_and_the_emulator_keeps_serving() {
    let emulator = started().await;
    let client = client(&emulator);
    let deep = format!("{{\"Tags\":{}{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"not json".to_vec(),
        b"[1,2,3]".to_vec(),
        b"".to_vec(),
        deep.into_bytes(),
        br#"{"Limit": 1e400}"#.to_vec(),
        br#"{"Limit": 99999999999999999999999}"#.to_vec(),
        br#"{"Offset": -1, "Limit": -5}"#.to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        br#"{"EnvironmentId": "\u0000\ud800"}"#.to_vec(),
    ];
    for body in bodies {
        let reply = client.send_raw("DescribeEnvironments", body.clone()).await.unwrap();
        let value: Value = serde_json::from_slice(&reply.body).unwrap();
        let code = value["Response"]["Error"]["Code"].as_str().map(str::to_owned);
        assert!(
            matches!(code.as_deref(), Some("InvalidParameter" | "InvalidParameterValue")),
            "{:?}: {value}",
            String::from_utf8_lossy(&body)
        );
    }
    assert_eq!(call(&client, "DescribeEnvironments", json!({})).await.0, None, "still serving");
}

#[tokio::test]
async fn a_refused_request_does_not_use_up_a_fault() {
    let emulator = started().await;
    emulator.add_fault(FaultRule::always(Fault::internal_error()).times(1));
    let wrong_key = Client::new(TEM, config(&emulator, emulator.secret_id(), "not-the-key")).unwrap();
    assert_eq!(
        call(&wrong_key, "DescribeEnvironments", json!({})).await.0.as_deref(),
        Some("AuthFailure.SignatureFailure")
    );
    let (code, _) = call(&client(&emulator), "DescribeEnvironments", json!({})).await;
    assert_eq!(code.as_deref(), Some("InternalError"), "the fault waited for a request that got through");
}
