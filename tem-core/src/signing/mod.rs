//! TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0, as pure steps.
//!
//! Every step is a plain function of its inputs (the time is passed in), so tests can
//! print and compare the canonical request and the string to sign byte for byte against
//! vectors computed by the official SDK (`tests/data/signing-vectors.json`).
//!
//! The steps, as the official SDKs perform them for a JSON `POST /`:
//! 1. [`canonical_request`]: method, URI, query, the signed headers and the payload hash.
//! 2. [`string_to_sign`]: algorithm, timestamp, [`credential_scope`] and the hash of step 1.
//! 3. [`signing_key`]: HMAC chain of `"TC3" + secret key` over date, service, `tc3_request`.
//! 4. [`signature`]: hex HMAC of step 2 under the key of step 3.
//! 5. [`authorization`]: the `Authorization` header.
//!
//! JSON `POST`, multipart `POST` and `GET` requests (the query in step 1, an empty payload) are
//! all signed by [`sign_with`], which the client calls with its [`SigningKeyCache`] (the key
//! of steps 3 and 4 derived once a day); every intermediate value is in the [`Signature`] it
//! returns, for tests and dry runs.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub mod legacy;

mod key_cache;
pub use key_cache::SigningKeyCache;

/// How requests are signed: TC3-HMAC-SHA256 (the default), or the legacy form-encoded
/// `HmacSHA256` and `HmacSHA1` methods of API 3.0 ([`legacy`]), as the official SDKs'
/// `ClientProfile.signMethod`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignatureMethod {
    /// `TC3-HMAC-SHA256`, over the request's headers and body (the default).
    #[default]
    Tc3HmacSha256,
    /// `HmacSHA256`, legacy: over the form-encoded parameters.
    HmacSha256,
    /// `HmacSHA1`, legacy: over the form-encoded parameters.
    HmacSha1,
}

impl SignatureMethod {
    /// The official name: `TC3-HMAC-SHA256`, `HmacSHA256`, `HmacSHA1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tc3HmacSha256 => ALGORITHM,
            Self::HmacSha256 => "HmacSHA256",
            Self::HmacSha1 => "HmacSHA1",
        }
    }
}

impl std::str::FromStr for SignatureMethod {
    type Err = crate::ConfigError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Self::Tc3HmacSha256, Self::HmacSha256, Self::HmacSha1].into_iter().find(|m| m.as_str() == name).ok_or_else(
            || {
                crate::ConfigError::new(format!(
                    "invalid signature method {name:?}: expected TC3-HMAC-SHA256, HmacSHA256 or HmacSHA1"
                ))
            },
        )
    }
}

/// The algorithm name, first word of the `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// What is hashed instead of the body when the payload is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The headers covered by the signature, lowercase and sorted, as the official SDKs sign.
pub const SIGNED_HEADERS: &str = "content-type;host";
/// The content type of every JSON request.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// Everything a signature depends on. Built with [`SigningInput::new`]; new inputs may be
/// added (hence `#[non_exhaustive]`), each with a default that signs as before.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct SigningInput<'a> {
    /// Service name, the first label of the host (`tem`).
    pub service: &'a str,
    /// The `Host` header exactly as sent, with a port when it is not the scheme's default.
    pub host: &'a str,
    /// The `Content-Type` header exactly as sent.
    pub content_type: &'a str,
    /// The request body.
    pub payload: &'a [u8],
    /// Sign `UNSIGNED-PAYLOAD` instead of the body (and send `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`).
    pub unsigned_payload: bool,
    /// Seconds since the Unix epoch, the value of `X-TC-Timestamp`.
    pub timestamp: i64,
    /// A `GET` request with this query (the parameters, form-encoded) and no body, instead of
    /// a `POST` of the payload.
    pub get_query: Option<&'a str>,
}

impl<'a> SigningInput<'a> {
    /// A JSON body (`application/json`) signed in full, for `service` at `host` (the `Host`
    /// header exactly as sent) at `timestamp` (seconds since the Unix epoch).
    pub const fn new(service: &'a str, host: &'a str, payload: &'a [u8], timestamp: i64) -> Self {
        Self {
            service,
            host,
            content_type: JSON_CONTENT_TYPE,
            payload,
            unsigned_payload: false,
            timestamp,
            get_query: None,
        }
    }

    /// A `GET` request with `query` in the URL and no body (default: a `POST` of the payload).
    pub const fn with_get_query(mut self, query: &'a str) -> Self {
        self.get_query = Some(query);
        self
    }

    /// The `Content-Type` header exactly as sent (default `application/json`).
    pub const fn with_content_type(mut self, content_type: &'a str) -> Self {
        self.content_type = content_type;
        self
    }

    /// Signs `UNSIGNED-PAYLOAD` instead of the body (default `false`).
    pub const fn with_unsigned_payload(mut self, unsigned_payload: bool) -> Self {
        self.unsigned_payload = unsigned_payload;
        self
    }
}

/// The intermediate and final values of one signature, each inspectable. `Debug` leaves out
/// the string to sign: under a legacy method it holds every parameter, `Token` included.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Signature {
    /// Step 1: the canonical request.
    pub canonical_request: String,
    /// Step 2: the string to sign.
    pub string_to_sign: String,
    /// Lowercase hex HMAC-SHA256 of the string to sign.
    pub signature: String,
    /// The value of the `Authorization` header.
    pub authorization: String,
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("canonical_request", &self.canonical_request)
            .field("signature", &self.signature)
            .field("authorization", &self.authorization)
            .finish_non_exhaustive()
    }
}

/// Signs `input` with a secret id and key: all five steps.
pub fn sign(input: &SigningInput<'_>, secret_id: &str, secret_key: &str) -> Signature {
    sign_with(input, secret_id, secret_key, None)
}

/// Signs `input` as [`sign`] does, the key of steps 3 and 4 taken from `cache` when given
/// (and kept there).
pub fn sign_with(
    input: &SigningInput<'_>,
    secret_id: &str,
    secret_key: &str,
    cache: Option<&SigningKeyCache>,
) -> Signature {
    let canonical_request = canonical_request(input);
    let scope = credential_scope(input.timestamp, input.service);
    let string_to_sign = string_to_sign(input.timestamp, &scope, &canonical_request);
    let signature = match cache {
        Some(cache) => {
            let mut mac = cache.keyed_hmac(secret_key, input.timestamp, input.service);
            mac.update(string_to_sign.as_bytes());
            hex(&mac.finalize().into_bytes())
        }
        None => signature(&signing_key(secret_key, &utc_date(input.timestamp), input.service), &string_to_sign),
    };
    let authorization = authorization(secret_id, &scope, &signature);
    Signature { canonical_request, string_to_sign, signature, authorization }
}

/// The `Authorization` header value of `input`: [`sign_with`]'s.
pub fn authorization_header(
    input: &SigningInput<'_>,
    secret_id: &str,
    secret_key: &str,
    cache: Option<&SigningKeyCache>,
) -> String {
    sign_with(input, secret_id, secret_key, cache).authorization
}

/// Step 1: the canonical request: `POST` of the payload, or `GET` of the query with an empty
/// payload.
pub fn canonical_request(input: &SigningInput<'_>) -> String {
    let (method, query, payload) = match input.get_query {
        Some(query) => ("GET", query, &b""[..]),
        None => ("POST", "", input.payload),
    };
    let payload_hash = sha256_hex(if input.unsigned_payload { UNSIGNED_PAYLOAD.as_bytes() } else { payload });
    format!(
        "{method}\n/\n{query}\ncontent-type:{}\nhost:{}\n\n{SIGNED_HEADERS}\n{payload_hash}",
        input.content_type, input.host
    )
}

/// `<date>/<service>/tc3_request`, the date being the UTC day of `timestamp`.
pub fn credential_scope(timestamp: i64, service: &str) -> String {
    format!("{}/{service}/tc3_request", utc_date(timestamp))
}

/// Step 2: the string to sign.
pub fn string_to_sign(timestamp: i64, credential_scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{timestamp}\n{credential_scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// Step 3: the signing key for one day and one service.
pub fn signing_key(secret_key: &str, date: &str, service: &str) -> [u8; 32] {
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    hmac_sha256(&secret_service, b"tc3_request")
}

/// Step 4: the hex signature of the string to sign.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex(&hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// Step 5: the `Authorization` header value.
pub fn authorization(secret_id: &str, credential_scope: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Credential={secret_id}/{credential_scope}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )
}

/// The UTC calendar date (`YYYY-MM-DD`) of a Unix timestamp, proleptic Gregorian.
pub fn utc_date(timestamp: i64) -> String {
    let (year, month, day) = civil_date(timestamp);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Year, month and day of the UTC day of a Unix timestamp.
fn civil_date(timestamp: i64) -> (i64, i64, i64) {
    // Howard Hinnant's days-to-civil algorithm: exact for every i64 day count we can meet.
    let days = timestamp.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Lowercase hex of any bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_date_handles_epoch_leap_days_and_day_boundaries() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(86_399), "1970-01-01");
        assert_eq!(utc_date(86_400), "1970-01-02");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(utc_date(4_107_542_400), "2100-03-01");
        assert_eq!(utc_date(-1), "1969-12-31");
    }

    #[test]
    fn the_cached_key_signs_as_the_derived_one_for_post_and_get() {
        let cache = SigningKeyCache::new();
        let long_secret = "k".repeat(100);
        for secret in ["secret", "", long_secret.as_str()] {
            for (payload, timestamp) in [(&b"{}"[..], 1_551_113_065), (b"{\"a\":1}", 0), (b"", -86_401)] {
                for input in [
                    SigningInput::new("tem", "tem.tencentcloudapi.com", payload, timestamp),
                    SigningInput::new("tem", "tem.tencentcloudapi.com", payload, timestamp).with_get_query("A=1&B=x"),
                ] {
                    let expected = sign(&input, "AKIDz8krbsJ5", secret);
                    // Derived, then from the cache.
                    for _ in 0..2 {
                        assert_eq!(sign_with(&input, "AKIDz8krbsJ5", secret, Some(&cache)), expected);
                    }
                }
            }
        }
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(hex(&all), all.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
}
