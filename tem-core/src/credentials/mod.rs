//! Credentials: a secret id, a secret key and, for temporary credentials, a token.

use std::fmt;

use crate::error::ConfigError;

/// Environment variable holding the secret id.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// Environment variable holding the secret key.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// Environment variable holding the optional session token of temporary credentials.
pub const ENV_SECURITY_TOKEN: &str = "TENCENTCLOUD_SECURITY_TOKEN";

/// A string that never shows itself: `Debug` and `Display` print `** redacted **`,
/// and the bytes are overwritten when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used (signing).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Volatile writes so the compiler cannot elide the wipe of memory about to be freed.
        // SAFETY: zero bytes are valid UTF-8, and the string is not used afterwards.
        for byte in unsafe { self.0.as_bytes_mut() } {
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

/// Static credentials. `Debug` shows the secret id and redacts the key and token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    secret_id: String,
    secret_key: Secret,
    token: Option<Secret>,
}

impl Credentials {
    /// Long-term credentials: a secret id and key.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self { secret_id: secret_id.into(), secret_key: Secret::new(secret_key), token: None }
    }

    /// Adds the session token of temporary credentials, sent as `X-TC-Token`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token));
        self
    }

    /// Reads `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and the optional
    /// `TENCENTCLOUD_SECURITY_TOKEN`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`Credentials::from_env`], reading variables through `lookup` (for tests and embedders).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| match lookup(name) {
            None => Err(ConfigError::missing_variable(name)),
            Some(value) if value.trim().is_empty() => Err(ConfigError::empty_variable(name)),
            Some(value) => Ok(value),
        };
        let credentials = Self::new(required(ENV_SECRET_ID)?, required(ENV_SECRET_KEY)?);
        Ok(match lookup(ENV_SECURITY_TOKEN) {
            Some(token) if !token.is_empty() => credentials.with_token(token),
            _ => credentials,
        })
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    pub fn secret_key(&self) -> &Secret {
        &self.secret_key
    }

    pub fn token(&self) -> Option<&Secret> {
        self.token.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_key_and_token_but_shows_id() {
        let credentials = Credentials::new("AKIDexample", "very-secret-key").with_token("tok-123");
        let shown = format!("{credentials:?}");
        assert!(shown.contains("AKIDexample"), "{shown}");
        assert!(!shown.contains("very-secret-key"), "{shown}");
        assert!(!shown.contains("tok-123"), "{shown}");
        assert_eq!(shown.matches("** redacted **").count(), 2, "{shown}");
    }

    #[test]
    fn from_lookup_names_the_missing_or_empty_variable() {
        let err = Credentials::from_lookup(|name| (name == ENV_SECRET_ID).then(|| "id".into())).unwrap_err();
        assert_eq!(err.to_string(), "environment variable TENCENTCLOUD_SECRET_KEY is not set");
        let err = Credentials::from_lookup(|_| Some(" ".into())).unwrap_err();
        assert_eq!(err.to_string(), "environment variable TENCENTCLOUD_SECRET_ID is empty");
    }

    #[test]
    fn from_lookup_takes_optional_token() {
        let vars = |name: &str| match name {
            ENV_SECRET_ID => Some("id".to_owned()),
            ENV_SECRET_KEY => Some("key".to_owned()),
            ENV_SECURITY_TOKEN => Some("token".to_owned()),
            _ => None,
        };
        let credentials = Credentials::from_lookup(vars).unwrap();
        assert_eq!(credentials.secret_key().expose(), "key");
        assert_eq!(credentials.token().map(Secret::expose), Some("token"));
    }
}
