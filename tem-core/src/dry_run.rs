//! Dry runs: a call built and signed as it would be sent, but not sent, and shown as an
//! equivalent `curl` command with its secrets masked.

use std::convert::Infallible;

use crate::call::client::{Action, Client, PreparedRequest};
use crate::error::{Error, ErrorKind};

/// Headers that carry a secret or something as good as one: the signature (replayable until
/// it expires) and the session token.
pub const SECRET_HEADERS: &[&str] = &["Authorization", "X-TC-Token"];

/// Form parameters of a legacy-signed body that carry a secret.
const SECRET_PARAMS: &[&str] = &["Signature", "Token"];

/// What masked text is replaced with.
pub const MASK: &str = "***";

impl Client {
    /// The request `body` for `action` would be sent as now: credentials fetched, signed with
    /// the current time (and the learnt clock offset). Nothing is sent.
    pub async fn dry_run(&self, action: &str, body: Vec<u8>) -> Result<PreparedRequest, Error<Infallible>> {
        let credentials = self.credentials().await?;
        // The configuration's clock, as `send` signs with it.
        let now = self.config().time_source().unix_seconds();
        Ok(self.prepare(&credentials, action, body, now.saturating_add(self.clock_offset())))
    }
}

impl Client {
    /// As [`Client::dry_run`], for a typed request: what [`Client::send`] would send now.
    pub async fn dry_run_request<A: Action>(&self, request: &A) -> Result<PreparedRequest, Error<A::Error>> {
        let body = serde_json::to_vec(request).map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, "cannot serialize the request").with_source(e).with_action(A::NAME)
        })?;
        self.dry_run(A::NAME, body).await.map_err(Error::widen)
    }
}

impl PreparedRequest {
    /// An equivalent `curl` command, one header a line. The values of [`SECRET_HEADERS`] (and
    /// a legacy body's `Signature` and `Token`) are masked unless `reveal_secrets`; the
    /// `Authorization` header keeps its algorithm, credential scope and signed headers.
    pub fn to_curl(&self, reveal_secrets: bool) -> String {
        let mut out = format!("curl -X POST {}", shell_quote(&self.url));
        for (name, value) in &self.headers {
            let value = if reveal_secrets || !SECRET_HEADERS.contains(name) {
                value.clone()
            } else if *name == "Authorization" {
                mask_authorization(value)
            } else {
                MASK.to_owned()
            };
            out.push_str(" \\\n  -H ");
            out.push_str(&shell_quote(&format!("{name}: {value}")));
        }
        let body = String::from_utf8_lossy(&self.body);
        let is_form = self.headers.iter().any(|(n, v)| *n == "Content-Type" && v.starts_with("application/x-www-form"));
        let body = if is_form && !reveal_secrets { mask_form(&body) } else { body.into_owned() };
        out.push_str(" \\\n  -d ");
        out.push_str(&shell_quote(&body));
        out
    }
}

/// `TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=***`.
fn mask_authorization(value: &str) -> String {
    match value.find("Signature=") {
        Some(at) => format!("{}Signature={MASK}", &value[..at]),
        None => MASK.to_owned(),
    }
}

fn mask_form(body: &str) -> String {
    body.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_PARAMS.contains(&name) => format!("{name}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A word for a POSIX shell: single-quoted, with `'` as `'\''`.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn authorization_keeps_its_scope_and_loses_its_signature() {
        let value = "TC3-HMAC-SHA256 Credential=AKID/2026-01-01/tem/tc3_request, SignedHeaders=content-type;host, Signature=abcdef";
        assert_eq!(
            mask_authorization(value),
            "TC3-HMAC-SHA256 Credential=AKID/2026-01-01/tem/tc3_request, SignedHeaders=content-type;host, Signature=***"
        );
        assert_eq!(mask_authorization("garbage"), MASK);
    }

    #[test]
    fn form_secrets_are_masked() {
        assert_eq!(mask_form("Action=X&Signature=abc&Token=t&Nonce=1"), "Action=X&Signature=***&Token=***&Nonce=1");
    }
}
