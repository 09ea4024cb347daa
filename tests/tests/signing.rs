//! TC3-HMAC-SHA256 against vectors computed by the official Python SDK
//! (`tests/data/gen_signing_vectors.py`, see `tests/data/SIGNING.md`): every step of the
//! signature and every header the client sends must equal the official SDK's, byte for byte.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use pretty_assertions::assert_eq;
use serde::Deserialize;
use tem_core::signing::{self, SigningInput};
use tem_core::{Client, Config, Credentials, ServiceSpec};

#[derive(Deserialize)]
struct Vectors {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    secret_id: String,
    secret_key: String,
    token: Option<String>,
    service: String,
    version: String,
    action: String,
    region: String,
    host: String,
    timestamp: i64,
    content_type: String,
    payload: String,
    unsigned_payload: bool,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    canonical_request: String,
    string_to_sign: String,
    signature: String,
    authorization: String,
    headers: BTreeMap<String, String>,
}

fn vectors() -> &'static [Vector] {
    static VECTORS: OnceLock<Vec<Vector>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let text = include_str!("../data/signing-vectors.json");
        serde_json::from_str::<Vectors>(text).expect("signing-vectors.json matches its format").vectors
    })
}

fn check_vector(name: &str) {
    let v = vectors().iter().find(|v| v.name == name).expect("build.rs lists only existing vectors");
    let input = SigningInput::new(&v.service, &v.host, v.payload.as_bytes(), v.timestamp)
        .with_content_type(&v.content_type)
        .with_unsigned_payload(v.unsigned_payload);

    // Each step on its own, so a failure shows the first step that differs.
    let canonical = signing::canonical_request(&input);
    assert_eq!(canonical, v.expected.canonical_request, "canonical request");
    let scope = signing::credential_scope(v.timestamp, &v.service);
    let string_to_sign = signing::string_to_sign(v.timestamp, &scope, &canonical);
    assert_eq!(string_to_sign, v.expected.string_to_sign, "string to sign");
    let key = signing::signing_key(&v.secret_key, &signing::utc_date(v.timestamp), &v.service);
    let signature = signing::signature(&key, &string_to_sign);
    assert_eq!(signature, v.expected.signature, "signature");
    assert_eq!(signing::authorization(&v.secret_id, &scope, &signature), v.expected.authorization, "authorization");

    // The headers the client sends, from a client configured as the official SDK was.
    // Only JSON requests are what the client sends; other content types are signing-only vectors.
    if v.content_type != signing::JSON_CONTENT_TYPE {
        return;
    }
    let mut credentials = Credentials::new(&v.secret_id, &v.secret_key);
    if let Some(token) = &v.token {
        credentials = credentials.with_token(token);
    }
    let mut config = Config::new(credentials.clone())
        .with_endpoint(&format!("https://{}", v.host))
        .expect("the vector's host is a valid endpoint")
        .with_unsigned_payload(v.unsigned_payload);
    config = if v.region.is_empty() {
        config.without_region()
    } else {
        config.with_region(&v.region).expect("a valid region")
    };
    if let Some(language) = v.expected.headers.get("x-tc-language") {
        config = config.with_language(language).expect("a valid language");
    }
    let service = ServiceSpec::new(leak(&v.service), leak(&v.version));
    let client = Client::new(service, config).expect("a valid configuration");
    let prepared = client.prepare(&credentials, &v.action, v.payload.as_bytes().to_vec(), v.timestamp);
    assert_eq!(prepared.body, v.payload.as_bytes(), "body");
    let mut sent: BTreeMap<String, String> =
        prepared.headers.iter().map(|(name, value)| (name.to_ascii_lowercase(), value.clone())).collect();
    assert_eq!(sent.remove("authorization").as_deref(), Some(v.expected.authorization.as_str()));
    // Both name the SDK that sent the request; the vectors leave it out.
    sent.remove("x-tc-requestclient");
    assert_eq!(sent, v.expected.headers, "headers");
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

include!(concat!(env!("OUT_DIR"), "/signing_vectors.rs"));

#[test]
fn there_are_at_least_thirty_vectors_with_unique_names() {
    let mut names: Vec<&str> = vectors().iter().map(|v| v.name.as_str()).collect();
    assert!(names.len() >= 30, "{} vectors", names.len());
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), vectors().len(), "vector names are unique");
}
