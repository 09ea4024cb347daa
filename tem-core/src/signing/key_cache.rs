//! The per-client cache of the derived signing key: TC3's steps 3 and 4 cost four HMACs, and
//! the key changes only with the secret key, the UTC day and the service.

use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::Sha256;

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
        let key = super::signing_key(secret_key, &super::utc_date(timestamp), service);
        let mac = HmacSha256::new_from_slice(&key).expect("HMAC takes keys of any length");
        *slot = Some(CachedKey {
            secret_key: secret_key.as_bytes().into(),
            day,
            service: service.into(),
            mac: mac.clone(),
        });
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
