//! The legacy signature methods `HmacSHA256` and `HmacSHA1`, as the official SDKs'
//! `_build_req_with_old_signature` (Python) builds them, for parity. Prefer TC3-HMAC-SHA256.
//!
//! The request is `POST /` with a form-encoded body: the action's parameters flattened
//! ([`flatten_params`]: `Filters.0.Name=…`), then the common parameters `Action`,
//! `RequestClient`, `Nonce`, `Timestamp`, `Version`, `Region`, `Token`, `SecretId`,
//! `SignatureMethod`, `Language` ([`parameters`]), then `Signature`: the base64 HMAC
//! ([`signature`]) of `POST<host>/?<k=v&…>`, the parameters sorted by name, values raw and
//! `_` in names read as `.` ([`string_to_sign`]). The body is [`form_urlencode`] of them all.
//!
//! Differences from the Python SDK, which formats values with `str()`: `true`/`false` become
//! `True`/`False` as there, `null` members are left out (Python would send `None`), and floats
//! are written as JSON writes them (`1e100`, Python `1e+100`).

use std::fmt;

use hmac::{Hmac, Mac};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use sha1::Sha1;
use sha2::Sha256;

use super::SignatureMethod;

/// The content type of legacy requests.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Everything a legacy signature depends on besides the secret key.
/// `Debug` redacts the token.
#[derive(Clone, Copy)]
pub struct LegacyInput<'a> {
    /// `HmacSha256` or `HmacSha1`.
    pub method: SignatureMethod,
    /// The `Host` header, as signed.
    pub host: &'a str,
    /// The action; its first letter is sent upper-cased.
    pub action: &'a str,
    /// The API version, e.g. `2021-07-01`.
    pub version: &'a str,
    /// `Region`, left out when `None` or empty.
    pub region: Option<&'a str>,
    /// `Language`, left out when `None`.
    pub language: Option<&'a str>,
    /// `RequestClient`, e.g. `SDK_PYTHON_3.1.195` or this SDK's name and version.
    pub request_client: &'a str,
    /// `Timestamp`, seconds since the Unix epoch.
    pub timestamp: i64,
    /// `Nonce`, a random positive integer.
    pub nonce: u64,
    /// `SecretId`, the id of the signing credentials.
    pub secret_id: &'a str,
    /// `Token` of temporary credentials, left out when `None` or empty.
    pub token: Option<&'a str>,
    /// The action's own parameters, flattened ([`flatten_params`]).
    pub params: &'a [(String, String)],
}

impl fmt::Debug for LegacyInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyInput")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("action", &self.action)
            .field("version", &self.version)
            .field("region", &self.region)
            .field("language", &self.language)
            .field("request_client", &self.request_client)
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("secret_id", &self.secret_id)
            .field("token", &self.token.map(|_| "** redacted **"))
            .field("params", &self.params)
            .finish()
    }
}

/// A legacy signature and what it covers.
#[derive(Clone, PartialEq, Eq)]
pub struct LegacySignature {
    /// Every parameter sent, `Signature` last, in the order sent.
    pub params: Vec<(String, String)>,
    /// Method, host, path and the sorted parameters, as signed.
    pub string_to_sign: String,
    /// Base64 HMAC of the string to sign.
    pub signature: String,
    /// The form-encoded body.
    pub body: String,
}

impl fmt::Debug for LegacySignature {
    // `Token` is among the parameters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacySignature").field("signature", &self.signature).finish_non_exhaustive()
    }
}

/// Signs `input` with `secret_key`.
pub fn sign(input: &LegacyInput<'_>, secret_key: &str) -> LegacySignature {
    let mut params = parameters(input);
    let string_to_sign = string_to_sign(input.host, &params);
    let signature = signature(input.method, secret_key, &string_to_sign);
    set(&mut params, "Signature", signature.clone());
    let body = form_urlencode(&params);
    LegacySignature { params, string_to_sign, signature, body }
}

/// The action's parameters followed by the common ones, in the order the Python SDK sends
/// them (a common parameter replaces an action parameter of the same name in place).
pub fn parameters(input: &LegacyInput<'_>) -> Vec<(String, String)> {
    let mut params = input.params.to_vec();
    let mut action = input.action.to_owned();
    if let Some(first) = action.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    set(&mut params, "Action", action);
    set(&mut params, "RequestClient", input.request_client.to_owned());
    set(&mut params, "Nonce", input.nonce.to_string());
    set(&mut params, "Timestamp", input.timestamp.to_string());
    set(&mut params, "Version", input.version.to_owned());
    if let Some(region) = input.region.filter(|r| !r.is_empty()) {
        set(&mut params, "Region", region.to_owned());
    }
    if let Some(token) = input.token.filter(|t| !t.is_empty()) {
        set(&mut params, "Token", token.to_owned());
    }
    if !input.secret_id.is_empty() {
        set(&mut params, "SecretId", input.secret_id.to_owned());
    }
    set(&mut params, "SignatureMethod", input.method.as_str().to_owned());
    if let Some(language) = input.language.filter(|l| !l.is_empty()) {
        set(&mut params, "Language", language.to_owned());
    }
    params
}

fn set(params: &mut Vec<(String, String)>, name: &str, value: String) {
    match params.iter_mut().find(|(n, _)| n == name) {
        Some((_, v)) => *v = value,
        None => params.push((name.to_owned(), value)),
    }
}

/// `POST<host>/?<name=value&…>`: names with `_` read as `.`, sorted; values as they are.
pub fn string_to_sign(host: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, &str)> = params.iter().map(|(n, v)| (n.replace('_', "."), v.as_str())).collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let query: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
    format!("POST{host}/?{}", query.join("&"))
}

/// Base64 (standard, padded) HMAC-SHA256 or HMAC-SHA1 of `string_to_sign` under the secret key.
///
/// # Panics
/// If `method` is TC3-HMAC-SHA256, which is not a legacy method.
pub fn signature(method: SignatureMethod, secret_key: &str, string_to_sign: &str) -> String {
    let key = secret_key.as_bytes();
    let digest: Vec<u8> = match method {
        SignatureMethod::HmacSha256 => {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha1 => {
            let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::Tc3HmacSha256 => panic!("TC3-HMAC-SHA256 is not a legacy signature method"),
    };
    base64(&digest)
}

/// `application/x-www-form-urlencoded` as Python's `urlencode` (`quote_plus`): letters,
/// digits and `_.-~` as they are, space as `+`, every other byte of the UTF-8 as `%XX`.
pub fn form_urlencode(params: &[(String, String)]) -> String {
    fn quote(text: &str, out: &mut String) {
        for &b in text.as_bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(b as char),
                b' ' => out.push('+'),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789ABCDEF";
                    out.push('%');
                    out.push(HEX[usize::from(b >> 4)] as char);
                    out.push(HEX[usize::from(b & 0xf)] as char);
                }
            }
        }
    }
    let mut out = String::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        quote(name, &mut out);
        out.push('=');
        quote(value, &mut out);
    }
    out
}

/// Flattens a JSON object as the Python SDK's `_format_params`: nested members joined by `.`,
/// array elements by their index (`Filters.0.Values.1`), in the order of the JSON text. Empty
/// arrays and objects add nothing.
pub fn flatten_params(json: &[u8]) -> Result<Vec<(String, String)>, serde_json::Error> {
    let mut out = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    Flatten { prefix: None, out: &mut out }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(out)
}

struct Flatten<'a> {
    prefix: Option<String>,
    out: &'a mut Vec<(String, String)>,
}

impl Flatten<'_> {
    fn child(&self, key: &str) -> String {
        match &self.prefix {
            Some(prefix) => format!("{prefix}.{key}"),
            None => key.to_owned(),
        }
    }

    fn leaf<E: serde::de::Error>(self, value: String) -> Result<(), E> {
        match self.prefix {
            Some(prefix) => {
                self.out.push((prefix, value));
                Ok(())
            }
            None => Err(E::custom("the parameters must be a JSON object")),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Flatten<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Flatten<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON parameters")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.leaf(if v { "True" } else { "False" }.to_owned())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.leaf(v.to_string())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.leaf(v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        self.leaf(text)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.leaf(v.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<(), E> {
        self.leaf(v)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        match self.prefix {
            Some(_) => Ok(()),
            None => Err(E::custom("the parameters must be a JSON object")),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.prefix.is_none() {
            return Err(serde::de::Error::custom("the parameters must be a JSON object"));
        }
        let mut index = 0usize;
        loop {
            let prefix = Some(self.child(&index.to_string()));
            if seq.next_element_seed(Flatten { prefix, out: &mut *self.out })?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let prefix = Some(self.child(&key));
            map.next_value_seed(Flatten { prefix, out: &mut *self.out })?;
        }
        Ok(())
    }
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        out.push(ALPHABET[(n >> 18) as usize & 63] as char);
        out.push(ALPHABET[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { ALPHABET[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { ALPHABET[n as usize & 63] as char } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases =
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn flatten_keeps_order_and_indexes_arrays() {
        let json = br#"{"B": 1, "A": {"Z": [true, {"X": "y"}], "E": []}, "N": null, "F": 1.5}"#;
        let flat = flatten_params(json).unwrap();
        let flat: Vec<(&str, &str)> = flat.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(flat, [("B", "1"), ("A.Z.0", "True"), ("A.Z.1.X", "y"), ("F", "1.5")]);
        assert!(flatten_params(b"[1]").is_err());
        assert!(flatten_params(b"{} x").is_err());
    }

    #[test]
    fn form_urlencode_is_quote_plus() {
        let params = [("a b".to_owned(), "x/y+z=~é".to_owned())];
        assert_eq!(form_urlencode(&params), "a+b=x%2Fy%2Bz%3D~%C3%A9");
    }
}
