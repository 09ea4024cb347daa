//! No secret in any `Debug` or `Display` of a public type that can hold one, under each
//! signature method (issue 12, defect 7). Kept apart from the secrets test of
//! `credentials.rs`, which also checks traces and every provider's errors.

use tem_core::credentials::{CachingProvider, ProvideCredentials, SharedCredentialsProvider};
use tem_core::signing::legacy::{self, LegacyInput};
use tem_core::{Client, Config, Credentials, ServiceSpec, SignatureMethod};
use tem_tests::{FrontDoor, Response};

const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");
const SECRET_KEY: &str = "needle-secret-key-4b1d";
const TOKEN: &str = "needle-token-77aa";
const PROXY_PASSWORD: &str = "needle-proxy-password";
const ENDPOINT_PASSWORD: &str = "needle-endpoint-password";
const SECRETS: [&str; 4] = [SECRET_KEY, TOKEN, PROXY_PASSWORD, ENDPOINT_PASSWORD];

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Every output, labelled, so that a failure says which one leaked.
#[derive(Default)]
struct Outputs(Vec<(String, String)>);

impl Outputs {
    fn show(&mut self, what: impl Into<String>, text: String) {
        self.0.push((what.into(), text));
    }

    fn assert_no_secret(&self) {
        for (what, text) in &self.0 {
            for secret in SECRETS {
                assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
            }
        }
    }
}

/// A provider handing out its credentials as they are, unchecked.
#[derive(Debug)]
struct Unchecked(Credentials);

impl ProvideCredentials for Unchecked {
    fn provide_credentials(&self) -> tem_core::credentials::CredentialsFuture<'_> {
        let credentials = self.0.clone();
        Box::pin(async move { Ok(credentials) })
    }
}

async fn outputs_under(method: SignatureMethod, out: &mut Outputs) {
    let m = method.as_str();
    let credentials = Credentials::new("AKIDneedle", SECRET_KEY).with_token(TOKEN);
    out.show(format!("{m} credentials"), format!("{credentials:?}"));
    out.show(format!("{m} secret"), format!("{:?} {}", credentials.secret_key(), credentials.secret_key()));
    out.show(format!("{m} token"), format!("{:?} {}", credentials.token().unwrap(), credentials.token().unwrap()));

    let server = FrontDoor::serving(|_| Response::service_error("AuthFailure.SecretIdNotFound", "no such id")).await;
    let config = Config::new(credentials.clone())
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap()
        .with_proxy(&format!("http://user:{PROXY_PASSWORD}@127.0.0.1:9"))
        .unwrap()
        .with_no_proxy()
        .with_signature_method(method);
    out.show(format!("{m} config"), format!("{config:?}"));
    out.show(format!("{m} provider"), format!("{:?}", config.credentials_provider()));
    let client = Client::new(TEM, config.clone()).unwrap();
    out.show(format!("{m} client"), format!("{client:?}"));

    // What the client signs and sends, and each part of it that has a Debug.
    let prepared = client.prepare(&credentials, "DescribeApplications", br#"{"Limit":1}"#.to_vec(), now());
    out.show(format!("{m} prepared"), format!("{prepared:?}"));
    out.show(format!("{m} signature"), format!("{:?}", prepared.signature));
    let legacy_prepared = client.prepare_legacy(&credentials, "DescribeApplications", b"{}", now(), 7);
    out.show(format!("{m} legacy prepared"), format!("{legacy_prepared:?}"));
    out.show(format!("{m} legacy prepared signature"), format!("{:?}", legacy_prepared.signature));
    if method != SignatureMethod::Tc3HmacSha256 {
        let input = LegacyInput {
            method,
            host: "tem.tencentcloudapi.com",
            action: "DescribeApplications",
            version: "2021-07-01",
            region: Some("ap-guangzhou"),
            language: None,
            request_client: "test",
            timestamp: now(),
            nonce: 7,
            secret_id: "AKIDneedle",
            token: Some(TOKEN),
            params: &[],
        };
        out.show(format!("{m} legacy input"), format!("{input:?}"));
        out.show(format!("{m} legacy signature"), format!("{:?}", legacy::sign(&input, SECRET_KEY)));
    }

    // A refused call, through the typed and the raw path.
    let api = tem_api::Client::new(config.clone()).unwrap();
    let request = tem_api::operation::describe_applications::DescribeApplicationsRequest::builder().build().unwrap();
    let err = api.send(&request).await.unwrap_err();
    out.show(format!("{m} service error"), format!("{err} {err:?} {:?}", std::error::Error::source(&err)));
    let raw = client.send_raw("DescribeApplications", b"{}".to_vec()).await;
    out.show(format!("{m} raw reply"), format!("{raw:?}"));
    assert!(server.request_count() >= 2, "the calls were made");

    // A request that cannot be built (a control character in the token, from a provider that
    // checks nothing) fails locally.
    let broken = Credentials::new("AKIDneedle", SECRET_KEY).with_token(format!("{TOKEN}\n"));
    let err = tem_api::Client::new(config.clone().with_credentials_provider(Unchecked(broken)))
        .unwrap()
        .send(&request)
        .await
        .unwrap_err();
    if method == SignatureMethod::Tc3HmacSha256 {
        // In the X-TC-Token header; legacy methods form-encode it in the body.
        assert_eq!(err.kind(), tem_core::ErrorKind::InvalidRequest, "{err}");
    }
    out.show(format!("{m} local error"), format!("{err} {err:?} {:?}", std::error::Error::source(&err)));

    // Providers holding the credentials after handing them out.
    let caching = CachingProvider::new(credentials.clone());
    caching.provide_credentials().await.unwrap();
    out.show(format!("{m} caching provider"), format!("{caching:?}"));
    out.show(format!("{m} shared provider"), format!("{:?}", SharedCredentialsProvider::new(credentials)));
}

#[tokio::test]
async fn no_secret_in_any_debug_or_display_under_each_signature_method() {
    let mut out = Outputs::default();
    for method in [SignatureMethod::Tc3HmacSha256, SignatureMethod::HmacSha256, SignatureMethod::HmacSha1] {
        outputs_under(method, &mut out).await;
    }
    // Configuration errors that could repeat a password.
    let endpoint = format!("http://user:{ENDPOINT_PASSWORD}@tem.tencentcloudapi.com");
    let err = Config::new(Credentials::new("AKIDneedle", SECRET_KEY)).with_endpoint(&endpoint).unwrap_err();
    out.show("endpoint error", format!("{err} {err:?}"));
    let err = Config::from_lookup(move |name| match name {
        "TENCENTCLOUD_SECRET_ID" => Some("AKIDneedle".to_owned()),
        "TENCENTCLOUD_SECRET_KEY" => Some(SECRET_KEY.to_owned()),
        "TENCENTCLOUD_ENDPOINT" => Some(endpoint.clone()),
        _ => None,
    })
    .unwrap_err();
    out.show("endpoint variable error", format!("{err} {err:?}"));
    let err = Config::new(Credentials::new("AKIDneedle", SECRET_KEY))
        .with_proxy(&format!("ftp://user:{PROXY_PASSWORD}@host:1"))
        .unwrap_err();
    out.show("proxy error", format!("{err} {err:?}"));
    out.assert_no_secret();
    // The test sees what it checks: the outputs are there and name the secret id.
    assert!(out.0.len() > 40, "{} outputs", out.0.len());
    assert!(out.0.iter().any(|(what, text)| what.contains("credentials") && text.contains("AKIDneedle")));
}
