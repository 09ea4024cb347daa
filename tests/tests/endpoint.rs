//! Endpoint and region validation (issue 12): `with_endpoint` and `TENCENTCLOUD_ENDPOINT`
//! accept exactly `http[s]://host[:port]`, the host a DNS name, an IPv4 address or a bracketed
//! IPv6 address within the RFC lengths; anything else is `ConfigErrorKind::InvalidEndpoint`
//! before any request, and the error never repeats a password.

use pretty_assertions::assert_eq;
use tem_api::{Config, Credentials};
use tem_core::ConfigErrorKind;

fn config() -> Config {
    Config::new(Credentials::new("AKIDx", "key"))
}

fn from_env(endpoint: &str) -> Result<Config, tem_api::ConfigError> {
    let endpoint = endpoint.to_owned();
    Config::from_lookup(move |name| match name {
        "TENCENTCLOUD_SECRET_ID" => Some("AKIDx".to_owned()),
        "TENCENTCLOUD_SECRET_KEY" => Some("key".to_owned()),
        "TENCENTCLOUD_REGION" => Some("ap-guangzhou".to_owned()),
        "TENCENTCLOUD_ENDPOINT" => Some(endpoint.clone()),
        _ => None,
    })
}

#[test]
fn endpoints_other_than_scheme_host_and_port_are_refused() {
    let long_label = format!("http://{}.com", "a".repeat(64));
    let long_name = format!("http://{}com", "abcdefghi.".repeat(26));
    let huge = format!("http://{}", "a".repeat(100 * 1024));
    let cases: &[&str] = &[
        r"http://127.0.0.1\.tencentcloudapi.com",
        "http://:8080",
        "http://host\n.example.com",
        "http://host\t.example.com",
        "http://ho%73t.example.com",
        "http://[::1",
        "http://[::1:80",
        "http://[::1]x",
        "http://[not-an-address]",
        "http://::1",
        "http://host:",
        "http://host:99999",
        "http://host:0",
        "http://host:+80",
        "http://host:80:80",
        "http://-host.com",
        "http://host-.com",
        "http://a..b",
        "http://host.com.",
        "http://host_name.com",
        "http://300.1.1.1",
        "http://1.2.3",
        "http://127.0.0.01",
        "http://0x7f.0.0.1",
        "http://héllo.com",
        "http://user:hunter2@host.com",
        "http://host.com/path",
        "http://host.com?q",
        "http://host.com#f",
        "ftp://host.com",
        "HTTP://host.com",
        "host.com",
        "http://",
        &long_label,
        &long_name,
        &huge,
    ];
    for case in cases {
        let shown = if case.len() > 80 { &case[..80] } else { case };
        let err = config().with_endpoint(case).expect_err(shown);
        assert_eq!(err.kind(), ConfigErrorKind::InvalidEndpoint, "{shown:?}: {err}");
        assert!(err.to_string().len() < 400, "{shown:?}: the error does not repeat a huge input");
        let err = from_env(case).expect_err(shown);
        assert_eq!(err.kind(), ConfigErrorKind::InvalidEndpoint, "{shown:?} from TENCENTCLOUD_ENDPOINT: {err}");
    }
}

#[test]
fn an_endpoint_error_never_repeats_a_password() {
    for endpoint in ["http://user:hunter2@host.com", "https://user:hunter2@[::1]:x", "http://hunter2@"] {
        let err = config().with_endpoint(endpoint).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let err = from_env(endpoint).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[test]
fn valid_endpoints_keep_the_host_that_is_signed_and_connected_to() {
    let cases = [
        ("https://tem.tencentcloudapi.com", "https", "tem.tencentcloudapi.com"),
        ("https://tem.tencentcloudapi.com/", "https", "tem.tencentcloudapi.com"),
        ("http://127.0.0.1:8080", "http", "127.0.0.1:8080"),
        ("http://localhost", "http", "localhost"),
        ("http://[::1]:80", "http", "[::1]:80"),
        ("http://[0:0::1]", "http", "[::1]"),
        ("https://TEM.Example.COM:443", "https", "tem.example.com:443"),
        ("http://a-1.b2.c", "http", "a-1.b2.c"),
    ];
    for (text, scheme, host) in cases {
        let config = config().with_endpoint(text).unwrap();
        let endpoint = config.endpoint().unwrap();
        assert_eq!((endpoint.scheme(), endpoint.host()), (scheme, host), "{text}");
    }
    // The longest labels and names the RFCs allow.
    let label = format!("http://{}.com", "a".repeat(63));
    config().with_endpoint(&label).unwrap();
    let name = format!("http://{}com", "abcdefghi.".repeat(25));
    assert!(name.len() - "http://".len() <= 253);
    config().with_endpoint(&name).unwrap();
}

#[test]
fn regions_are_lowercase_letters_digits_and_dashes_of_at_most_32_characters() {
    for region in ["ap-guangzhou", "na-siliconvalley", "ap-shanghai-fsi", &"a".repeat(32)] {
        config().with_region(region).unwrap();
    }
    for region in
        ["", "AP-guangzhou", "ap_guangzhou", "ap guangzhou", "ap-guangzhou\n", "-ap", "ap-", "ap.gz", &"a".repeat(33)]
    {
        let err = config().with_region(region).unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::InvalidRegion, "{region:?}");
        assert!(err.to_string().contains("32"), "the error states the rule: {err}");
    }
}
