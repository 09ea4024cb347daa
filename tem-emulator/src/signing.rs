//! The front door's own signature arithmetic, written independently of `tem_core::signing` so
//! that a key-chain or canonical-form bug in the SDK cannot be repeated on the server side and
//! go unnoticed. It is pinned to the official Python SDK by the committed vectors
//! (`tests/data/signing-vectors.json`, `tests/data/legacy-signing-vectors.json`; see the tests
//! below).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The TC3 algorithm name, as it opens `Authorization`.
pub const TC3_ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The payload hash placeholder selected by `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// `YYYY-MM-DD`, the UTC date of a Unix timestamp (proleptic Gregorian; Howard Hinnant's
/// civil-from-days).
pub fn utc_date(timestamp: i64) -> String {
    let (y, m, d) = civil_from_days(timestamp.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Year, month, day of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The TC3 string to sign: algorithm, timestamp, scope and the hash of the canonical request.
pub fn tc3_string_to_sign(timestamp: i64, scope: &str, canonical_request: &str) -> String {
    format!("{TC3_ALGORITHM}\n{timestamp}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The TC3 signature (lowercase hex): the key chain `TC3`+key → date → service →
/// `tc3_request`, then HMAC of the string to sign.
pub fn tc3_signature(secret_key: &str, date: &str, service: &str, string_to_sign: &str) -> String {
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    hex(&hmac_sha256(&secret_signing, string_to_sign.as_bytes()))
}

/// The legacy signature methods (`SignatureMethod`), signing method v1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyMethod {
    /// `HmacSHA1`.
    HmacSha1,
    /// `HmacSHA256`.
    HmacSha256,
}

impl LegacyMethod {
    /// `HmacSHA1` or `HmacSHA256`; absent means `HmacSHA1`, as the API documents.
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value {
            None | Some("HmacSHA1") => Some(Self::HmacSha1),
            Some("HmacSHA256") => Some(Self::HmacSha256),
            Some(_) => None,
        }
    }
}

/// The legacy string to sign: method, host, path, `?`, then every parameter but `Signature`
/// as `key=value` (values as received, not encoded; `_` in a key read as `.`, as the official
/// SDKs sign), sorted by key, joined by `&`.
pub fn legacy_string_to_sign(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<(String, &str)> =
        params.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (k.replace('_', "."), v.as_str())).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let query: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{method}{host}{path}?{}", query.join("&"))
}

/// The legacy signature: base64 of the HMAC of the string to sign.
pub fn legacy_signature(method: LegacyMethod, secret_key: &str, string_to_sign: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    match method {
        LegacyMethod::HmacSha1 => engine.encode(hmac_sha1(secret_key.as_bytes(), string_to_sign.as_bytes())),
        LegacyMethod::HmacSha256 => engine.encode(hmac_sha256(secret_key.as_bytes(), string_to_sign.as_bytes())),
    }
}

/// Whether two signatures are equal, in time independent of where they differ.
pub fn same_signature(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors(file: &str) -> Vec<Value> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        value["vectors"].as_array().unwrap().clone()
    }

    #[test]
    fn tc3_chain_reproduces_every_official_vector() {
        let vectors = vectors("signing-vectors.json");
        assert!(vectors.len() >= 50);
        for v in vectors {
            let expected = &v["expected"];
            let timestamp = v["timestamp"].as_i64().unwrap();
            let service = v["service"].as_str().unwrap();
            let date = utc_date(timestamp);
            let scope = format!("{date}/{service}/tc3_request");
            let string_to_sign = tc3_string_to_sign(timestamp, &scope, expected["canonical_request"].as_str().unwrap());
            assert_eq!(string_to_sign, expected["string_to_sign"].as_str().unwrap(), "{}", v["name"]);
            let signature = tc3_signature(v["secret_key"].as_str().unwrap(), &date, service, &string_to_sign);
            assert_eq!(signature, expected["signature"].as_str().unwrap(), "{}", v["name"]);
        }
    }

    #[test]
    fn legacy_signatures_reproduce_every_official_vector_from_the_body_sent() {
        for v in vectors("legacy-signing-vectors.json") {
            let expected = &v["expected"];
            let body = expected["body"].as_str().unwrap();
            let params: Vec<(String, String)> =
                form_urlencoded::parse(body.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            let sent = params.iter().find(|(k, _)| k == "Signature").map(|(_, v)| v.clone()).unwrap();
            let method =
                LegacyMethod::parse(params.iter().find(|(k, _)| k == "SignatureMethod").map(|(_, v)| v.as_str()))
                    .unwrap();
            let string_to_sign = legacy_string_to_sign("POST", v["host"].as_str().unwrap(), "/", &params);
            assert_eq!(string_to_sign, expected["string_to_sign"].as_str().unwrap(), "{}", v["name"]);
            let signature = legacy_signature(method, v["secret_key"].as_str().unwrap(), &string_to_sign);
            assert_eq!(signature, sent, "{}", v["name"]);
            assert_eq!(signature, expected["signature"].as_str().unwrap(), "{}", v["name"]);
        }
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(utc_date(951_868_799), "2000-02-29");
        assert_eq!(utc_date(-1), "1969-12-31");
    }

    #[test]
    fn signature_comparison_is_exact() {
        assert!(same_signature("abc", "abc"));
        assert!(!same_signature("abc", "abd"));
        assert!(!same_signature("abc", "abcd"));
    }
}
