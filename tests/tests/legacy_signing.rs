//! The legacy signature methods HmacSHA1 and HmacSHA256 against vectors computed by the
//! official Python SDK (`tests/data/gen_legacy_vectors.py`): the flattened parameters, the
//! string to sign, the signature and the form-encoded body must equal the SDK's byte for byte.

use std::sync::OnceLock;

use pretty_assertions::assert_eq;
use serde::Deserialize;
use tem_core::signing::legacy::{self, LegacyInput};
use tem_core::{Client, Config, Credentials, ServiceSpec, SignatureMethod};

#[derive(Deserialize)]
struct Vectors {
    sdk: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    method: String,
    secret_id: String,
    secret_key: String,
    token: Option<String>,
    service: String,
    version: String,
    action: String,
    region: String,
    language: String,
    host: String,
    timestamp: i64,
    nonce: u64,
    request_client: String,
    payload: String,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    string_to_sign: String,
    signature: String,
    body: String,
    content_type: String,
}

fn data() -> &'static Vectors {
    static DATA: OnceLock<Vectors> = OnceLock::new();
    DATA.get_or_init(|| {
        serde_json::from_str(include_str!("../data/legacy-signing-vectors.json")).expect("the vectors' format")
    })
}

fn check_vector(name: &str) {
    let v = data().vectors.iter().find(|v| v.name == name).expect("build.rs lists only existing vectors");
    let method: SignatureMethod = v.method.parse().unwrap();
    let params = legacy::flatten_params(v.payload.as_bytes()).unwrap();
    let input = LegacyInput {
        method,
        host: &v.host,
        action: &v.action,
        version: &v.version,
        region: Some(v.region.as_str()),
        language: Some(v.language.as_str()),
        request_client: &v.request_client,
        timestamp: v.timestamp,
        nonce: v.nonce,
        secret_id: &v.secret_id,
        token: v.token.as_deref(),
        params: &params,
    };
    // Each step on its own, so a failure shows the first that differs.
    let all = legacy::parameters(&input);
    let string_to_sign = legacy::string_to_sign(&v.host, &all);
    assert_eq!(string_to_sign, v.expected.string_to_sign, "string to sign");
    assert_eq!(legacy::signature(method, &v.secret_key, &string_to_sign), v.expected.signature, "signature");
    let signed = legacy::sign(&input, &v.secret_key);
    assert_eq!(signed.body, v.expected.body, "body");
    assert_eq!(v.expected.content_type, legacy::FORM_CONTENT_TYPE);

    // The client prepares the same request, but names itself in RequestClient: its string to
    // sign is the SDK's with that one value replaced, and its signature verifies against it.
    let mut credentials = Credentials::new(&v.secret_id, &v.secret_key);
    if let Some(token) = &v.token {
        credentials = credentials.with_token(token);
    }
    let mut config = Config::new(credentials.clone())
        .with_endpoint(&format!("https://{}", v.host))
        .unwrap()
        .with_language(&v.language)
        .unwrap()
        .with_signature_method(method);
    config = if v.region.is_empty() { config.without_region() } else { config.with_region(&v.region).unwrap() };
    let service = ServiceSpec::new(leak(&v.service), leak(&v.version));
    let client = Client::new(service, config).unwrap();
    let prepared = client.prepare_legacy(&credentials, &v.action, v.payload.as_bytes(), v.timestamp, v.nonce);
    let ours = concat!("tem-sdk-rust/", env!("CARGO_PKG_VERSION"));
    let expected_sts = v.expected.string_to_sign.replace(&v.request_client, ours);
    assert_eq!(prepared.signature.string_to_sign, expected_sts, "the client's string to sign");
    assert_eq!(prepared.signature.signature, legacy::signature(method, &v.secret_key, &expected_sts));
    let headers: Vec<(&str, &str)> = prepared.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(headers, [("Content-Type", legacy::FORM_CONTENT_TYPE), ("Host", v.host.as_str())]);
    let body = String::from_utf8(prepared.body).unwrap();
    let sdk_body_but_signature = v.expected.body.rsplit_once("&Signature=").unwrap().0;
    let encoded_client = legacy::form_urlencode(&[("RequestClient".into(), v.request_client.clone())]);
    let encoded_ours = legacy::form_urlencode(&[("RequestClient".into(), ours.to_owned())]);
    assert_eq!(
        body.rsplit_once("&Signature=").unwrap().0,
        sdk_body_but_signature.replace(&encoded_client, &encoded_ours),
        "the client's body"
    );
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

include!(concat!(env!("OUT_DIR"), "/legacy_signing_vectors.rs"));

#[test]
fn there_are_at_least_ten_vectors_from_the_official_sdk_covering_both_methods() {
    let data = data();
    assert!(data.sdk.starts_with("tencentcloud-sdk-python-common "), "{}", data.sdk);
    assert!(data.vectors.len() >= 10, "{} vectors", data.vectors.len());
    for method in ["HmacSHA1", "HmacSHA256"] {
        assert!(data.vectors.iter().filter(|v| v.method == method).count() >= 5, "{method}");
    }
}

#[test]
fn the_client_sends_a_random_nonce_and_refuses_unsigned_payload_with_a_legacy_method() {
    let config = Config::new(Credentials::new("AKIDx", "key"))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_signature_method(SignatureMethod::HmacSha1);
    let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config.clone()).unwrap();
    let credentials = Credentials::new("AKIDx", "key");
    let nonce = |body: &[u8]| {
        let text = String::from_utf8(body.to_vec()).unwrap();
        text.split('&').find_map(|p| p.strip_prefix("Nonce=")).unwrap().to_owned()
    };
    let a = client.prepare(&credentials, "DescribeEnvironments", b"{}".to_vec(), 1);
    let b = client.prepare(&credentials, "DescribeEnvironments", b"{}".to_vec(), 1);
    assert_ne!(nonce(&a.body), nonce(&b.body));
    let err = Client::new(ServiceSpec::new("tem", "2021-07-01"), config.with_unsigned_payload(true)).unwrap_err();
    assert!(err.to_string().contains("unsigned payload needs TC3-HMAC-SHA256"), "{err}");
}
