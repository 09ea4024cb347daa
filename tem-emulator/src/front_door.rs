//! What Tencent Cloud's API gateway checks before a service sees a request, in its order, and
//! the error it answers with when a check fails. One implementation, used by the emulator and by
//! the workspace's test server (`tem_tests::FrontDoor`).
//!
//! | check | code |
//! | --- | --- |
//! | method `POST` or `GET` (parameters in the query) | `UnsupportedProtocol` |
//! | path `/` | `InvalidParameter` |
//! | `Content-Type` present: `application/json` (TC3) or `application/x-www-form-urlencoded` (legacy) | `MissingParameter` / `InvalidParameter` |
//! | `Host` present | `MissingParameter` |
//! | `X-TC-Action` present, alphanumeric | `MissingParameter` / `InvalidParameter` |
//! | `X-TC-Version` present, the expected one | `MissingParameter` / `NoSuchVersion` |
//! | `X-TC-Timestamp` present, an integer | `MissingParameter` / `InvalidParameter` |
//! | … within the allowed skew of the server's clock | `AuthFailure.SignatureExpire` |
//! | `X-TC-Region` present, a region name | `MissingParameter` / `InvalidParameter` |
//! | `X-TC-Language`, if present, `zh-CN` or `en-US` | `InvalidParameter` |
//! | `Authorization` parses; its date is the UTC date of the timestamp; its service is expected; its signed headers include `content-type` and `host` | `AuthFailure.InvalidAuthorization` |
//! | the secret id is known | `AuthFailure.SecretIdNotFound` |
//! | `X-TC-Token` present exactly for temporary credentials, and right | `AuthFailure.TokenFailure` |
//! | the signature (payload `UNSIGNED-PAYLOAD` when `X-TC-Content-SHA256` says so) | `AuthFailure.SignatureFailure` |
//! | the body is a JSON object | `InvalidParameter` |
//!
//! The body size (`RequestSizeLimitExceeded`) is checked by the server before it reads the body.
//! A legacy request (signature method v1, `HmacSHA1`/`HmacSHA256`) carries the same facts as
//! form parameters (`Action`, `Version`, `Timestamp`, `Nonce`, `Region`, `SecretId`, `Token`,
//! `SignatureMethod`, `Signature`) and is checked in the same order.
//!
//! The canonical request is rebuilt here from the bytes received and signed with this crate's
//! own HMAC chain ([`crate::signing`]), which is pinned to the official SDK's vectors.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::limits;
use crate::signing::{self, LegacyMethod};

/// The service name expected in the credential scope by default.
pub const DEFAULT_SERVICE: &str = "tem";
/// The API version expected by default.
pub const DEFAULT_VERSION: &str = "2021-07-01";
/// How far the request's timestamp may be from the server's clock, as Tencent Cloud allows.
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = limits::MAX_CLOCK_SKEW;
/// The largest request body accepted, Tencent Cloud's limit for a TC3 POST.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = limits::MAX_REQUEST_BYTES;

const JSON_CONTENT_TYPE: &str = "application/json";
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The form parameters of a legacy request that are not the action's own.
const LEGACY_COMMON_PARAMETERS: [&str; 11] = [
    "Action",
    "Version",
    "Timestamp",
    "Nonce",
    "Region",
    "SecretId",
    "Token",
    "SignatureMethod",
    "Signature",
    "Language",
    "RequestClient",
];

/// Credentials the front door accepts for one secret id.
#[derive(Clone, PartialEq, Eq)]
pub struct AcceptedKey {
    /// The secret key requests are signed with.
    pub secret_key: String,
    /// The session token temporary credentials must send (`X-TC-Token`), if temporary.
    pub token: Option<String>,
}

impl fmt::Debug for AcceptedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptedKey").field("temporary", &self.token.is_some()).finish_non_exhaustive()
    }
}

/// What the front door accepts: credentials, service and version, clock skew and body size.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Accepted credentials by secret id.
    pub credentials: BTreeMap<String, AcceptedKey>,
    /// The service of the credential scope.
    pub service: String,
    /// The expected `X-TC-Version`.
    pub version: String,
    /// How far `X-TC-Timestamp` may be from the server's clock.
    pub max_clock_skew: Duration,
    /// Largest request body accepted.
    pub max_request_bytes: usize,
}

impl Default for Policy {
    /// No credentials, `tem` `2021-07-01`, 300 s skew, 10 MiB bodies.
    fn default() -> Self {
        Self {
            credentials: BTreeMap::new(),
            service: DEFAULT_SERVICE.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
        }
    }
}

impl Policy {
    /// Accepts long-term credentials (replacing any of that id).
    pub fn with_credential(mut self, secret_id: &str, secret_key: &str) -> Self {
        self.credentials.insert(secret_id.to_owned(), AcceptedKey { secret_key: secret_key.to_owned(), token: None });
        self
    }

    /// Accepts temporary credentials, which must send `token`.
    pub fn with_temporary_credential(mut self, secret_id: &str, secret_key: &str, token: &str) -> Self {
        let key = AcceptedKey { secret_key: secret_key.to_owned(), token: Some(token.to_owned()) };
        self.credentials.insert(secret_id.to_owned(), key);
        self
    }
}

/// A request as received, for [`verify`]. Header lookups ignore the case of names.
#[derive(Clone, Copy, Debug)]
pub struct Incoming<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The request target, e.g. `/`.
    pub path: &'a str,
    /// Headers as received, in order.
    pub headers: &'a [(String, String)],
    /// The body, as received.
    pub body: &'a [u8],
}

impl Incoming<'_> {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why a request was refused: the code and message of the error reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The error code, e.g. `AuthFailure.SignatureFailure`.
    pub code: &'static str,
    /// Why, as the error reply's `Message`.
    pub message: String,
}

impl Rejection {
    /// A refusal with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// How a request was signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// TC3-HMAC-SHA256 (signature method v3).
    Tc3,
    /// `HmacSHA1` or `HmacSHA256` form parameters (signature method v1).
    Legacy(LegacyMethod),
}

/// A request the front door let through.
#[derive(Clone, Debug, PartialEq)]
pub struct Accepted {
    /// The action (`X-TC-Action` or the form's `Action`).
    pub action: String,
    /// The region named by the request.
    pub region: String,
    /// The secret id that signed it.
    pub secret_id: String,
    /// How it was signed.
    pub signature: SignatureKind,
    /// The action's parameters: the JSON body, or the legacy form's own parameters unflattened
    /// (`Filters.0.Name=x` → `{"Filters":[{"Name":"x"}]}`, every value a string).
    pub params: Map<String, Value>,
}

/// The parts of `Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// The secret id of the credential scope.
    pub secret_id: &'a str,
    /// The scope's date, `YYYY-MM-DD`.
    pub date: &'a str,
    /// The scope's service.
    pub service: &'a str,
    /// `SignedHeaders`, `;`-separated lowercase names.
    pub signed_headers: &'a str,
    /// The hex signature.
    pub signature: &'a str,
}

/// Parses a TC3 `Authorization` value, naming what is wrong.
pub fn parse_authorization(value: &str) -> Result<Authorization<'_>, String> {
    let Some(rest) = value.strip_prefix(signing::TC3_ALGORITHM).filter(|r| r.starts_with(' ')) else {
        return Err(format!("the algorithm must be {}", signing::TC3_ALGORITHM));
    };
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            return Err(format!("{:?} is not key=value", part.trim()));
        };
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return Err(format!("unknown part {key:?}")),
        };
        if slot.replace(value).is_some() {
            return Err(format!("{key} appears twice"));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
        return Err("Credential, SignedHeaders and Signature are all required".into());
    };
    // The secret id comes first and is the only part that might hold a `/`.
    let mut scope = credential.rsplitn(4, '/');
    let (Some("tc3_request"), Some(service), Some(date), Some(secret_id)) =
        (scope.next(), scope.next(), scope.next(), scope.next())
    else {
        return Err(format!("Credential {credential:?} is not <secret id>/<date>/<service>/tc3_request"));
    };
    if secret_id.is_empty() {
        return Err("Credential has no secret id".into());
    }
    Ok(Authorization { secret_id, date, service, signed_headers, signature })
}

fn signature_failure() -> Rejection {
    Rejection::new(
        "AuthFailure.SignatureFailure",
        "The provided credentials could not be validated. Please check your signature is correct (the secret key, and what was signed).",
    )
}

fn check_token(accepted: &AcceptedKey, sent: Option<&str>) -> Result<(), Rejection> {
    match (&accepted.token, sent.filter(|t| !t.is_empty())) {
        (Some(expected), Some(sent)) if signing::same_signature(expected, sent) => Ok(()),
        (Some(_), Some(_)) => Err(Rejection::new("AuthFailure.TokenFailure", "The token is invalid.")),
        (Some(_), None) => Err(Rejection::new("AuthFailure.TokenFailure", "Temporary credentials need the token.")),
        (None, Some(_)) => Err(Rejection::new(
            "AuthFailure.TokenFailure",
            "A token was sent, but the SecretId belongs to long-term credentials.",
        )),
        (None, None) => Ok(()),
    }
}

fn check_timestamp(text: &str, now: i64, policy: &Policy) -> Result<i64, Rejection> {
    let timestamp = match text.parse::<i64>() {
        Ok(t) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => t,
        _ => {
            let why = format!("The timestamp {} is not a Unix timestamp in seconds.", quoted(text));
            return Err(Rejection::new("InvalidParameter", why));
        }
    };
    let skew = policy.max_clock_skew.as_secs();
    if timestamp.abs_diff(now) > skew {
        let why = format!(
            "Signature expired: the timestamp {timestamp} is {}s from the server time {now}; at most {skew}s allowed.",
            timestamp.saturating_sub(now)
        );
        return Err(Rejection::new("AuthFailure.SignatureExpire", why));
    }
    Ok(timestamp)
}

fn check_region(region: &str) -> Result<(), Rejection> {
    let valid = !region.is_empty()
        && region.len() <= 64
        && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if valid {
        Ok(())
    } else {
        Err(Rejection::new("InvalidParameter", format!("The region {} is not a region name.", quoted(region))))
    }
}

fn missing(name: &str) -> Rejection {
    Rejection::new("MissingParameter", format!("The request is missing a required parameter `{name}`."))
}

/// Checks `request` as the gateway does, with `now` the server's clock (Unix seconds).
///
/// A `POST` carries the parameters in its body: JSON (TC3) or a form (legacy). A `GET`
/// carries them in its query string, flattened as a form (`Filters.0.Name=x`): TC3-signed
/// (`Authorization`, `Content-Type: application/x-www-form-urlencoded`, the query string as the
/// canonical query string, the hash of an empty payload) or legacy-signed (every fact in the query).
pub fn verify(policy: &Policy, request: &Incoming<'_>, now: i64) -> Result<Accepted, Rejection> {
    let get = match request.method {
        "POST" => false,
        "GET" => true,
        other => {
            return Err(Rejection::new(
                "UnsupportedProtocol",
                format!("Only GET and POST are served here, not {}.", quoted(other)),
            ))
        }
    };
    let (path, query) = match request.path.split_once('?') {
        Some((path, query)) if get => (path, query),
        _ => (request.path, ""),
    };
    if path != "/" {
        return Err(Rejection::new(
            "InvalidParameter",
            format!("The request path must be `/`, not {}.", quoted(request.path)),
        ));
    }
    if get && request.header("Authorization").is_none() {
        return verify_legacy(policy, request, query.as_bytes(), now);
    }
    let content_type =
        request.header("Content-Type").filter(|v| !v.is_empty()).ok_or_else(|| missing("Content-Type"))?;
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if get {
        if !media_type.eq_ignore_ascii_case(FORM_CONTENT_TYPE) {
            let why = format!(
                "Content-Type {} is not supported for GET; expected {FORM_CONTENT_TYPE}.",
                quoted(content_type)
            );
            return Err(Rejection::new("InvalidParameter", why));
        }
    } else if media_type.eq_ignore_ascii_case(FORM_CONTENT_TYPE) {
        return verify_legacy(policy, request, request.body, now);
    } else if !media_type.eq_ignore_ascii_case(JSON_CONTENT_TYPE) {
        let why = format!("Content-Type {} is not supported; expected application/json.", quoted(content_type));
        return Err(Rejection::new("InvalidParameter", why));
    }
    let required = |name: &str| match request.header(name) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(missing(name)),
    };
    let host = required("Host")?;
    let action = required("X-TC-Action")?;
    check_action_name(action)?;
    let version = required("X-TC-Version")?;
    check_version(policy, version)?;
    let timestamp = check_timestamp(required("X-TC-Timestamp")?, now, policy)?;
    let region = required("X-TC-Region")?;
    check_region(region)?;
    if let Some(language) = request.header("X-TC-Language") {
        check_language(language)?;
    }

    let invalid = |why: String| Rejection::new("AuthFailure.InvalidAuthorization", why);
    let authorization =
        request.header("Authorization").ok_or_else(|| invalid("There is no Authorization header.".into()))?;
    let auth = parse_authorization(authorization).map_err(|why| invalid(format!("Authorization: {why}.")))?;
    let expected_date = signing::utc_date(timestamp);
    if auth.date != expected_date {
        let why = format!(
            "The credential date {} is not the UTC date of the timestamp {timestamp} ({expected_date}).",
            auth.date
        );
        return Err(invalid(why));
    }
    if auth.service != policy.service {
        return Err(invalid(format!("The credential service {:?} is not {:?}.", auth.service, policy.service)));
    }
    let names: Vec<&str> = auth.signed_headers.split(';').collect();
    for name in &names {
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase()) || request.header(name).is_none() {
            return Err(invalid(format!(
                "SignedHeaders {:?}: {name:?} is not a header of the request.",
                auth.signed_headers
            )));
        }
    }
    if !names.contains(&"content-type") || !names.contains(&"host") {
        return Err(invalid(format!("SignedHeaders {:?} must include content-type and host.", auth.signed_headers)));
    }
    let accepted = secret(policy, auth.secret_id)?;
    check_token(accepted, request.header("X-TC-Token"))?;

    let unsigned = request.header("X-TC-Content-SHA256") == Some(signing::UNSIGNED_PAYLOAD);
    let payload: &[u8] = if unsigned {
        signing::UNSIGNED_PAYLOAD.as_bytes()
    } else if get {
        b""
    } else {
        request.body
    };
    let payload_hash = signing::sha256_hex(payload);
    let canonical_headers: String = names
        .iter()
        .map(|name| format!("{name}:{}\n", request.header(name).unwrap_or_default().trim().to_ascii_lowercase()))
        .collect();
    let canonical_request =
        format!("{}\n/\n{query}\n{canonical_headers}\n{}\n{payload_hash}", request.method, auth.signed_headers);
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let string_to_sign = signing::tc3_string_to_sign(timestamp, &scope, &canonical_request);
    let expected = signing::tc3_signature(&accepted.secret_key, auth.date, auth.service, &string_to_sign);
    if !signing::same_signature(&expected, auth.signature) {
        let mut rejection = signature_failure();
        rejection.message.push_str(&format!(
            " (host {host:?}, content-type {content_type:?}, {} payload)",
            if unsigned { "unsigned" } else { "signed" }
        ));
        return Err(rejection);
    }
    let params = if get {
        unflatten(
            &form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect::<Vec<_>>(),
        )?
    } else {
        match serde_json::from_slice::<Value>(request.body) {
            Ok(Value::Object(params)) => params,
            _ => return Err(Rejection::new("InvalidParameter", "The request body is not a JSON object.")),
        }
    };
    Ok(Accepted {
        action: action.to_owned(),
        region: region.to_owned(),
        secret_id: auth.secret_id.to_owned(),
        signature: SignatureKind::Tc3,
        params,
    })
}

/// `text` quoted for a message, cut to its first 64 characters: a message never grows with the
/// request.
pub fn quoted(text: &str) -> String {
    const SHOWN: usize = 64;
    match text.char_indices().nth(SHOWN) {
        None => format!("{text:?}"),
        Some((end, _)) => format!("{:?}… ({} bytes)", &text[..end], text.len()),
    }
}

fn check_action_name(action: &str) -> Result<(), Rejection> {
    if action.len() <= 128 && action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Rejection::new("InvalidParameter", format!("The action {} is not an action name.", quoted(action))))
    }
}

fn check_version(policy: &Policy, version: &str) -> Result<(), Rejection> {
    if version == policy.version {
        Ok(())
    } else {
        let why =
            format!("Version {} of {} does not exist; expected {:?}.", quoted(version), policy.service, policy.version);
        Err(Rejection::new("NoSuchVersion", why))
    }
}

fn check_language(language: &str) -> Result<(), Rejection> {
    if matches!(language, "zh-CN" | "en-US") {
        Ok(())
    } else {
        Err(Rejection::new("InvalidParameter", format!("The language {} is not zh-CN or en-US.", quoted(language))))
    }
}

fn secret<'p>(policy: &'p Policy, secret_id: &str) -> Result<&'p AcceptedKey, Rejection> {
    policy.credentials.get(secret_id).ok_or_else(|| {
        Rejection::new(
            "AuthFailure.SecretIdNotFound",
            format!("The SecretId {} is not found; check that it is correct.", quoted(secret_id)),
        )
    })
}

/// Signature method v1: every fact is a form parameter of `form` (the body of a POST, the query
/// of a GET).
fn verify_legacy(policy: &Policy, request: &Incoming<'_>, form: &[u8], now: i64) -> Result<Accepted, Rejection> {
    let params: Vec<(String, String)> =
        form_urlencoded::parse(form).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let required = |name: &str| get(name).filter(|v| !v.is_empty()).ok_or_else(|| missing(name));
    let host = request.header("Host").filter(|v| !v.is_empty()).ok_or_else(|| missing("Host"))?;
    let action = required("Action")?;
    check_action_name(action)?;
    check_version(policy, required("Version")?)?;
    check_timestamp(required("Timestamp")?, now, policy)?;
    let region = required("Region")?;
    check_region(region)?;
    if let Some(language) = get("Language") {
        check_language(language)?;
    }
    required("Nonce")?;
    let secret_id = required("SecretId")?;
    let signature = required("Signature")?;
    let Some(method) = LegacyMethod::parse(get("SignatureMethod")) else {
        let why = format!("The SignatureMethod {:?} is not HmacSHA1 or HmacSHA256.", get("SignatureMethod"));
        return Err(Rejection::new("AuthFailure.InvalidAuthorization", why));
    };
    let accepted = secret(policy, secret_id)?;
    check_token(accepted, get("Token"))?;
    let string_to_sign = signing::legacy_string_to_sign(request.method, host, "/", &params);
    let expected = signing::legacy_signature(method, &accepted.secret_key, &string_to_sign);
    if !signing::same_signature(&expected, signature) {
        return Err(signature_failure());
    }
    let own: Vec<(String, String)> =
        params.iter().filter(|(k, _)| !LEGACY_COMMON_PARAMETERS.contains(&k.as_str())).cloned().collect();
    Ok(Accepted {
        action: action.to_owned(),
        region: region.to_owned(),
        secret_id: secret_id.to_owned(),
        signature: SignatureKind::Legacy(method),
        params: unflatten(&own)?,
    })
}

/// `A.0.B=x` form parameters back into JSON (strings at the leaves).
fn unflatten(params: &[(String, String)]) -> Result<Map<String, Value>, Rejection> {
    let mut root = Value::Object(Map::new());
    for (key, value) in params {
        let mut node = &mut root;
        let parts: Vec<&str> = key.split('.').collect();
        // A deeper key would build a value whose drop and validation recurse past the stack.
        if parts.len() > limits::MAX_KEY_DEPTH {
            let shown: String = key.chars().take(40).collect();
            let why = format!(
                "The parameter `{shown}…` has {} levels; at most {} are allowed.",
                parts.len(),
                limits::MAX_KEY_DEPTH
            );
            return Err(Rejection::new("InvalidParameter", why));
        }
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let bad = || Rejection::new("InvalidParameter", format!("The parameter `{key}` is not well formed."));
            let next = if last {
                Value::String(value.clone())
            } else if parts[i + 1].parse::<usize>().is_ok() {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            };
            node = match node {
                Value::Object(map) if part.parse::<usize>().is_err() && !part.is_empty() => {
                    map.entry(part.to_string()).or_insert(next)
                }
                Value::Array(list) => {
                    let index: usize = part.parse().map_err(|_| bad())?;
                    // Indexes come in order from the SDKs; a gap is not a list the SDK made.
                    if index > list.len() || index > limits::MAX_LIST_INDEX {
                        return Err(bad());
                    }
                    if index == list.len() {
                        list.push(next);
                    }
                    &mut list[index]
                }
                _ => return Err(bad()),
            };
        }
    }
    match root {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authorization_parser_takes_the_official_layout_and_names_what_is_wrong() {
        let auth = parse_authorization(
            "TC3-HMAC-SHA256 Credential=AKIDx/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=ab",
        )
        .unwrap();
        assert_eq!(
            (auth.secret_id, auth.date, auth.service, auth.signed_headers, auth.signature),
            ("AKIDx", "2019-02-25", "cvm", "content-type;host", "ab")
        );
        let err = |v: &str| parse_authorization(v).err().unwrap();
        assert!(err("HMAC-SHA256 Credential=a/b/c/tc3_request").contains("algorithm"));
        assert!(err("TC3-HMAC-SHA256 Credential=a/2019-02-25/cvm/x, SignedHeaders=host, Signature=a")
            .contains("tc3_request"));
        assert!(err("TC3-HMAC-SHA256 Credential=a/2019-02-25/cvm/tc3_request").contains("all required"));
    }

    #[test]
    fn legacy_parameters_unflatten_into_json() {
        let params = [("Filters.0.Name", "a"), ("Filters.0.Values.0", "x"), ("Filters.1.Name", "b"), ("Limit", "1")];
        let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let value = Value::Object(unflatten(&params).unwrap());
        assert_eq!(value, json!({"Filters": [{"Name": "a", "Values": ["x"]}, {"Name": "b"}], "Limit": "1"}));
        let gap = vec![("A.5".to_owned(), "x".to_owned())];
        assert_eq!(unflatten(&gap).unwrap_err().code, "InvalidParameter");
        let clash = vec![("A".to_owned(), "x".to_owned()), ("A.B".to_owned(), "y".to_owned())];
        assert_eq!(unflatten(&clash).unwrap_err().code, "InvalidParameter");
    }

    #[test]
    fn legacy_official_vectors_pass_the_front_door() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/legacy-signing-vectors.json");
        let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for v in file["vectors"].as_array().unwrap() {
            let policy = Policy {
                service: v["service"].as_str().unwrap().into(),
                version: v["version"].as_str().unwrap().into(),
                ..Policy::default()
            };
            let (id, key) = (v["secret_id"].as_str().unwrap(), v["secret_key"].as_str().unwrap());
            let policy = match v["token"].as_str() {
                Some(token) => policy.with_temporary_credential(id, key, token),
                None => policy.with_credential(id, key),
            };
            let headers = vec![
                ("Host".to_owned(), v["host"].as_str().unwrap().to_owned()),
                ("Content-Type".to_owned(), FORM_CONTENT_TYPE.to_owned()),
            ];
            let body = v["expected"]["body"].as_str().unwrap();
            let request = Incoming { method: "POST", path: "/", headers: &headers, body: body.as_bytes() };
            let now = v["timestamp"].as_i64().unwrap();
            let result = verify(&policy, &request, now);
            if v["region"].as_str().unwrap_or_default().is_empty() {
                assert_eq!(result.unwrap_err().code, "MissingParameter", "{}", v["name"]);
                continue;
            }
            let accepted = result.unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
            assert_eq!(accepted.action, v["action"].as_str().unwrap());
            let tampered = body.replacen("Nonce=", "Nonce=1", 1);
            let request = Incoming { body: tampered.as_bytes(), ..request };
            assert_eq!(verify(&policy, &request, now).unwrap_err().code, "AuthFailure.SignatureFailure");
        }
    }
}
