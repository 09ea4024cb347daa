//! TC3-HMAC-SHA256 on the call path: the same steps as the pure functions of [`super`], fed
//! piece by piece into the hashes instead of being built as strings, with the derived key (and
//! the HMAC state keyed with it) optionally taken from a [`SigningKeyCache`].
//!
//! Nothing is allocated but the returned header value. The result equals
//! [`super::sign`]'s `authorization` byte for byte (the signing vectors check both).

use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{SigningInput, ALGORITHM, SIGNED_HEADERS, UNSIGNED_PAYLOAD};

type HmacSha256 = Hmac<Sha256>;

/// The derived signing key of one secret key, UTC day and service, kept as the HMAC state
/// keyed with it (both key pads already hashed), so that a signature costs only the hashing of
/// the string to sign. Looked up per signature; derived again when the secret key, the day or
/// the service changes. Shared by a client's clones; safe to use from many tasks.
#[derive(Default)]
pub struct SigningKeyCache {
    slot: Mutex<Option<CachedKey>>,
}

struct CachedKey {
    secret_key: Box<[u8]>,
    day: i64,
    service: Box<str>,
    mac: HmacSha256,
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the secret nor the key.
        let day = self.slot.lock().map(|slot| slot.as_ref().map(|k| k.day)).unwrap_or(None);
        f.debug_struct("SigningKeyCache").field("day", &day).finish_non_exhaustive()
    }
}

impl Drop for CachedKey {
    fn drop(&mut self) {
        // A copy of the secret key should not outlive its use in freed memory.
        zeroize::Zeroize::zeroize(&mut *self.secret_key);
    }
}

impl SigningKeyCache {
    /// An empty cache: the first signature derives the key.
    pub fn new() -> Self {
        Self::default()
    }

    /// HMAC-SHA256 keyed with [`super::signing_key`]`(secret_key, date of timestamp, service)`:
    /// the cached state when it was derived from the same secret key, UTC day and service,
    /// else derived now and kept.
    pub fn keyed_hmac(&self, secret_key: &str, timestamp: i64, service: &str) -> Hmac<Sha256> {
        let day = timestamp.div_euclid(86_400);
        // A poisoned lock only means another thread panicked while holding it; the slot is
        // replaced whole, so it is never half-written.
        let mut slot = self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(key) = slot.as_ref() {
            if key.day == day && *key.service == *service && *key.secret_key == *secret_key.as_bytes() {
                return key.mac.clone();
            }
        }
        let mac = derive_keyed_hmac(secret_key, &date_bytes(timestamp), service);
        *slot = Some(CachedKey {
            secret_key: secret_key.as_bytes().into(),
            day,
            service: service.into(),
            mac: mac.clone(),
        });
        mac
    }
}

/// The `Authorization` header value of `input`, signed with the secret id and key; the key is
/// taken from `cache` when given (and kept there), else derived.
pub fn authorization_header(
    input: &SigningInput<'_>,
    secret_id: &str,
    secret_key: &str,
    cache: Option<&SigningKeyCache>,
) -> String {
    // Step 1: the canonical request, written into a buffer on the stack (on the heap only for
    // an unusually long host or content type) and hashed in one go.
    let payload = if input.unsigned_payload { UNSIGNED_PAYLOAD.as_bytes() } else { input.payload };
    let payload_hash = hex32(&Sha256::digest(payload).into());
    let canonical_len = 112 + input.content_type.len() + input.host.len();
    let string_to_sign_len = 125 + input.service.len();
    let mut stack = [0u8; 512];
    let mut heap = Vec::new();
    let buffer = if canonical_len.max(string_to_sign_len) <= stack.len() {
        &mut stack[..]
    } else {
        heap.resize(canonical_len.max(string_to_sign_len), 0);
        &mut heap[..]
    };
    let mut text = Text { buffer, len: 0 };
    text.push(b"POST\n/\n\ncontent-type:");
    text.push(input.content_type.as_bytes());
    text.push(b"\nhost:");
    text.push(input.host.as_bytes());
    text.push(b"\n\n");
    text.push(SIGNED_HEADERS.as_bytes());
    text.push(b"\n");
    text.push(&payload_hash);
    let canonical_hash = hex32(&Sha256::digest(text.written()).into());

    // Steps 2 to 4: the string to sign, in the same buffer, into the keyed HMAC.
    let date = date_bytes(input.timestamp);
    let mut mac = match cache {
        Some(cache) => cache.keyed_hmac(secret_key, input.timestamp, input.service),
        None => derive_keyed_hmac(secret_key, &date, input.service),
    };
    let mut timestamp = [0u8; 20];
    text.len = 0;
    text.push(ALGORITHM.as_bytes());
    text.push(b"\n");
    text.push(decimal(input.timestamp, &mut timestamp));
    text.push(b"\n");
    text.push(&date);
    text.push(b"/");
    text.push(input.service.as_bytes());
    text.push(b"/tc3_request\n");
    text.push(&canonical_hash);
    mac.update(text.written());
    let signature = hex32(&mac.finalize().into_bytes().into());

    // Step 5.
    const PARTS: [&str; 4] = [" Credential=", "/", "/tc3_request, SignedHeaders=", ", Signature="];
    let length = ALGORITHM.len()
        + PARTS.iter().map(|p| p.len()).sum::<usize>()
        + secret_id.len()
        + date.len()
        + 1
        + input.service.len()
        + SIGNED_HEADERS.len()
        + signature.len();
    let mut out = String::with_capacity(length);
    out.push_str(ALGORITHM);
    out.push_str(PARTS[0]);
    out.push_str(secret_id);
    out.push_str(PARTS[1]);
    out.push_str(ascii(&date));
    out.push('/');
    out.push_str(input.service);
    out.push_str(PARTS[2]);
    out.push_str(SIGNED_HEADERS);
    out.push_str(PARTS[3]);
    out.push_str(ascii(&signature));
    debug_assert_eq!(out.len(), length);
    out
}

/// Bytes written one after the other into a buffer sized for them.
struct Text<'a> {
    buffer: &'a mut [u8],
    len: usize,
}

impl Text<'_> {
    fn push(&mut self, bytes: &[u8]) {
        self.buffer[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn written(&self) -> &[u8] {
        &self.buffer[..self.len]
    }
}

/// Step 3 and the keyed state of step 4, with no allocation for secret keys up to 61 bytes.
fn derive_keyed_hmac(secret_key: &str, date: &[u8; 10], service: &str) -> HmacSha256 {
    let mut key = [0u8; 64];
    let prefixed = 3 + secret_key.len();
    let secret_date = if prefixed <= key.len() {
        key[..3].copy_from_slice(b"TC3");
        key[3..prefixed].copy_from_slice(secret_key.as_bytes());
        hmac(&key[..prefixed], date)
    } else {
        hmac(format!("TC3{secret_key}").as_bytes(), date)
    };
    key.fill(0);
    let secret_service = hmac(&secret_date, service.as_bytes());
    let signing_key = hmac(&secret_service, b"tc3_request");
    HmacSha256::new_from_slice(&signing_key).expect("HMAC takes keys of any length")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `YYYY-MM-DD` of the UTC day of `timestamp`, as [`super::utc_date`].
pub(crate) fn date_bytes(timestamp: i64) -> [u8; 10] {
    let (year, month, day) = super::civil_date(timestamp);
    let mut out = *b"0000-00-00";
    // Years outside 0..=9999 cannot be signed by the service anyway; they are clamped.
    let year = year.clamp(0, 9999) as u32;
    for (i, digit) in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10].into_iter().enumerate() {
        out[i] = b'0' + digit as u8;
    }
    out[5] = b'0' + (month / 10) as u8;
    out[6] = b'0' + (month % 10) as u8;
    out[8] = b'0' + (day / 10) as u8;
    out[9] = b'0' + (day % 10) as u8;
    out
}

/// The decimal digits of `n` (as `n.to_string()`), written at the end of `buffer`.
pub(crate) fn decimal(n: i64, buffer: &mut [u8; 20]) -> &[u8] {
    let negative = n < 0;
    let mut rest = n.unsigned_abs();
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if negative {
        // i64::MIN has 19 digits: the sign still fits.
        start -= 1;
        buffer[start] = b'-';
    }
    &buffer[start..]
}

/// Two lowercase hex digits of every byte value.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [DIGITS[i >> 4], DIGITS[i & 0xf]];
        i += 1;
    }
    table
};

/// Lowercase hex of a digest.
fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(*byte)]);
    }
    out
}

/// Lowercase hex of any bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.extend_from_slice(&HEX_PAIRS[usize::from(*byte)]);
    }
    String::from_utf8(out).expect("hex digits are ASCII")
}

fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("digits and hex are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(payload: &[u8], timestamp: i64) -> SigningInput<'_> {
        SigningInput {
            service: "tem",
            host: "tem.tencentcloudapi.com",
            content_type: super::super::JSON_CONTENT_TYPE,
            payload,
            unsigned_payload: false,
            timestamp,
        }
    }

    #[test]
    fn equals_the_pure_steps_with_and_without_the_cache() {
        let cache = SigningKeyCache::new();
        let long_secret = "k".repeat(100);
        for secret in ["secret", "", long_secret.as_str(), &"s".repeat(61), &"s".repeat(62)] {
            for (payload, timestamp) in [(&b"{}"[..], 1_551_113_065), (b"{\"a\":1}", 0), (b"", -86_401)] {
                let input = input(payload, timestamp);
                let expected = super::super::sign(&input, "AKIDz8krbsJ5", secret).authorization;
                assert_eq!(authorization_header(&input, "AKIDz8krbsJ5", secret, None), expected);
                assert_eq!(authorization_header(&input, "AKIDz8krbsJ5", secret, Some(&cache)), expected);
                // A second time from the cache.
                assert_eq!(authorization_header(&input, "AKIDz8krbsJ5", secret, Some(&cache)), expected);
            }
        }
    }

    #[test]
    fn a_host_too_long_for_the_stack_buffer_signs_the_same() {
        let host = format!("{}.tencentcloudapi.com", "h".repeat(600));
        let input = SigningInput { host: &host, ..input(b"{}", 1_551_113_065) };
        let expected = super::super::sign(&input, "AKIDz8krbsJ5", "secret").authorization;
        assert_eq!(authorization_header(&input, "AKIDz8krbsJ5", "secret", None), expected);
    }

    #[test]
    fn the_cached_key_follows_the_secret_the_day_and_the_service() {
        let cache = SigningKeyCache::new();
        let sign = |secret: &str, timestamp: i64, service: &str| {
            let mut mac = cache.keyed_hmac(secret, timestamp, service);
            mac.update(b"x");
            mac.finalize().into_bytes().to_vec()
        };
        let expected = |secret: &str, timestamp: i64, service: &str| {
            let key = super::super::signing_key(secret, &super::super::utc_date(timestamp), service);
            let mut mac = HmacSha256::new_from_slice(&key).unwrap();
            mac.update(b"x");
            mac.finalize().into_bytes().to_vec()
        };
        // Each changed input in turn: a new secret (rotated credentials), the next day, another service.
        for (secret, timestamp, service) in [
            ("a", 86_399, "tem"),
            ("a", 86_399, "tem"),
            ("b", 86_399, "tem"),
            ("b", 86_400, "tem"),
            ("b", 86_400 * 2 - 1, "tem"),
            ("b", 86_400 * 2 - 1, "cvm"),
            ("a", 86_399, "tem"),
        ] {
            assert_eq!(
                sign(secret, timestamp, service),
                expected(secret, timestamp, service),
                "{secret} {timestamp} {service}"
            );
        }
    }

    #[test]
    fn decimal_and_date_match_the_standard_formatting() {
        for n in [0, 7, 10, 1_700_000_000, -1, i64::MAX, i64::MIN] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string().as_bytes());
        }
        for t in [0, 86_399, 951_782_400, 4_107_542_400, -1] {
            assert_eq!(date_bytes(t), super::super::utc_date(t).as_bytes());
        }
    }

    #[test]
    fn hex_uses_the_table() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), expected);
    }
}
