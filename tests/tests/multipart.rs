//! The other request forms of the official SDKs, against vectors made with the official
//! Python SDK (`tests/data/multipart-vectors.json`, by `gen_multipart_vectors.py`): multipart
//! bodies of actions with `binary` members (cii `DescribeQualityScore`, `UploadMedicalFile`)
//! and `GET` with a flattened query, byte for byte and signature for signature; then both sent
//! through the client to the local front door.

use pretty_assertions::assert_eq;
use serde::Deserialize;
use tem_core::multipart::{self, RequestForm};
use tem_core::signing::{self, SigningInput};
use tem_core::{CallOptions, Credentials, ServiceSpec};
use tem_tests::{FrontDoor, FrontDoorOptions, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

#[derive(Deserialize)]
struct File {
    secret_id: String,
    secret_key: String,
    boundary: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    name: String,
    service: String,
    host: String,
    content_type: String,
    timestamp: i64,
    authorization: String,
    data_base64: String,
}

fn vectors() -> File {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/multipart-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vector<'a>(file: &'a File, name: &str) -> &'a Vector {
    file.vectors.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("no vector {name}"))
}

fn base64(text: &str) -> Vec<u8> {
    // The standard alphabet with padding, as Python's b64encode writes it.
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// UploadMedicalFile's request as the cii crate would generate it: a binary member and a string.
#[derive(serde::Serialize)]
struct UploadMedicalFileRequest {
    #[serde(rename = "File", with = "tem_core::multipart::binary")]
    file: Vec<u8>,
    #[serde(rename = "FileURL")]
    file_url: String,
}

fn assert_multipart(file: &File, v: &Vector, body: Vec<u8>) {
    assert_eq!(body, base64(&v.data_base64), "{}: body", v.name);
    assert_eq!(v.content_type, format!("multipart/form-data; boundary={}", file.boundary));
    let input = SigningInput::new(&v.service, &v.host, &body, v.timestamp).with_content_type(&v.content_type);
    assert_eq!(signing::sign(&input, &file.secret_id, &file.secret_key).authorization, v.authorization, "{}", v.name);
}

#[test]
fn multipart_bodies_and_signatures_match_the_official_sdk() {
    let file = vectors();
    type Quality = oddities_api::operation::describe_quality_score::DescribeQualityScoreRequest;
    for name in ["describe-quality-score-binary", "describe-quality-score-text"] {
        let v = vector(&file, name);
        // The file's bytes are the one part of the body between its headers and the boundary.
        let bytes = base64(&v.data_base64);
        let start = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let end = bytes.len() - format!("\r\n--{}--\r\n", file.boundary).len();
        let request = Quality::builder().file(bytes[start..end].to_vec()).build().unwrap();
        assert_multipart(&file, v, multipart::multipart_body(&request, &file.boundary).unwrap());
    }
    let v = vector(&file, "upload-medical-file");
    let request = UploadMedicalFileRequest {
        file: b"\x89PNG\r\n\x1a\n\x00\x01".to_vec(),
        file_url: "https://example.com/a b.png".into(),
    };
    assert_multipart(&file, v, multipart::multipart_body(&request, &file.boundary).unwrap());
}

#[test]
fn get_query_and_signature_match_the_official_sdk() {
    let file = vectors();
    let v = vector(&file, "get-describe-applications");
    let request = tem_api::operation::describe_applications::DescribeApplicationsRequest::builder()
        .environment_id("en-1")
        .limit(20)
        .keyword("a b&c=d/é")
        .filters([tem_api::types::QueryFilter::builder().name("Status").value(["Running", "Stopped"]).build().unwrap()])
        .build()
        .unwrap();
    let query = multipart::get_query(&serde_json::to_vec(&request).unwrap()).unwrap();
    assert_eq!(query.as_bytes(), base64(&v.data_base64));
    assert_eq!(v.content_type, multipart::GET_CONTENT_TYPE);
    let input = SigningInput::new(&v.service, &v.host, b"", v.timestamp).with_content_type(&v.content_type);
    let signature = multipart::sign_get(&input, &query, &file.secret_id, &file.secret_key);
    assert_eq!(signature.authorization, v.authorization);
}

#[test]
fn nested_members_of_a_multipart_form_are_json_as_python_writes_it() {
    #[derive(serde::Serialize)]
    struct Request {
        #[serde(rename = "Tags")]
        tags: Vec<serde_json::Value>,
        #[serde(rename = "Count")]
        count: i64,
        #[serde(rename = "Skipped", skip_serializing_if = "Option::is_none")]
        skipped: Option<String>,
    }
    let request = Request { tags: vec![serde_json::json!({"K": "图", "V": [1, 2]})], count: 3, skipped: None };
    let body = String::from_utf8(multipart::multipart_body(&request, "b").unwrap()).unwrap();
    assert_eq!(
        body,
        "--b\r\nContent-Disposition: form-data; name=\"Tags\"\r\nContent-Type: application/json\r\n\r\n\
         [{\"K\": \"\\u56fe\", \"V\": [1, 2]}]\r\n\
         --b\r\nContent-Disposition: form-data; name=\"Count\"\r\n\r\n3\r\n--b--\r\n"
    );
}

/// The front door serves JSON POSTs only, and refuses the other forms after logging them: what
/// arrived is compared with `prepare_form` (checked against the official SDK's vectors above)
/// at the request's own timestamp, headers and signature included.
fn assert_sent_as_prepared(
    server: &FrontDoor,
    client: &tem_core::Client,
    action: &str,
    form: RequestForm,
    body: Vec<u8>,
) {
    let received = &server.requests()[0];
    let timestamp = received.header("X-TC-Timestamp").unwrap().parse().unwrap();
    let credentials = Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY);
    let prepared = client.prepare_form(&credentials, action, form, body, timestamp);
    for (name, value) in &prepared.headers {
        assert_eq!(received.header(name), Some(value.as_str()), "{name}");
    }
    assert_eq!(received.body, prepared.body);
    let url = prepared.url.strip_prefix(&server.endpoint()).unwrap();
    assert_eq!(received.path, url);
}

#[tokio::test]
async fn a_binary_action_is_sent_as_a_signed_multipart_form() {
    let server = FrontDoor::start(FrontDoorOptions::default().with_service("cii", "2021-04-08")).await;
    let client = oddities_api::Client::new(server.config()).unwrap();
    let bytes: Vec<u8> = (0..=255).collect();
    let _refused = client.describe_quality_score().file(bytes.clone()).send().await;

    let received = &server.requests()[0];
    assert_eq!(received.method, "POST");
    let content_type = received.header("Content-Type").unwrap();
    let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
    assert_eq!(boundary.len(), 32);
    let request = oddities_api::operation::describe_quality_score::DescribeQualityScoreRequest::builder()
        .file(bytes)
        .build()
        .unwrap();
    let body = multipart::multipart_body(&request, boundary).unwrap();
    assert_sent_as_prepared(&server, client.core(), "DescribeQualityScore", RequestForm::Multipart, body);
}

#[tokio::test]
async fn get_is_sent_with_the_query_when_asked_for() {
    let server = FrontDoor::start(FrontDoorOptions::default()).await;
    let client = tem_core::Client::new(ServiceSpec::new("tem", "2021-07-01"), server.config()).unwrap();
    let request = tem_api::operation::describe_applications::DescribeApplicationsRequest::builder()
        .environment_id("en 1")
        .limit(5)
        .build()
        .unwrap();
    let _refused = client.send_with(&request, CallOptions::new().with_get(true)).await;

    let received = &server.requests()[0];
    assert_eq!((received.method.as_str(), received.path.as_str()), ("GET", "/?EnvironmentId=en+1&Limit=5"));
    assert!(received.body.is_empty());
    let query = b"EnvironmentId=en+1&Limit=5".to_vec();
    assert_sent_as_prepared(&server, &client, "DescribeApplications", RequestForm::Get, query);
}
