//! The official Tencent Cloud API description format, as `tccli` ships it for every
//! service (`services/<service>/<version>/api.json`, `examples.json`), plus Tencent's
//! published error codes (`errors.json`, `common-errors.json`) and our own `extensions.json`.
//!
//! Unknown fields are ignored so newer official files still load; maps are `BTreeMap`s so
//! everything derived from them comes out in one order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `api.json`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ApiFile {
    pub actions: BTreeMap<String, ActionDef>,
    pub metadata: Metadata,
    pub objects: BTreeMap<String, ObjectDef>,
    #[serde(default)]
    pub version: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Metadata {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `null` in some official files (bmeip, bmlb, bmvpc, ds, eis, iot, tcm, tia).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub api_brief: String,
    #[serde(rename = "serviceNameCN", default)]
    pub service_name_cn: String,
    #[serde(rename = "serviceShortName")]
    pub service_short_name: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ActionDef {
    #[serde(default)]
    pub document: String,
    pub input: String,
    #[serde(default)]
    pub name: String,
    pub output: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ObjectDef {
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub members: Vec<MemberDef>,
    #[serde(default)]
    pub usage: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct MemberDef {
    pub name: String,
    /// `string`, `int`, `float`, `bool`, `list`, `object`...
    #[serde(rename = "type")]
    pub kind: String,
    /// The element or value type: a scalar name (`string`, `int64`...) or a structure name.
    pub member: String,
    #[serde(default)]
    pub document: String,
    #[serde(default, deserialize_with = "flag")]
    pub required: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    pub value_allowed_null: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    pub output_required: Option<bool>,
    #[serde(default, deserialize_with = "flag")]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub example: Option<serde_json::Value>,
}

/// `examples.json`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExamplesFile {
    #[serde(default)]
    pub actions: BTreeMap<String, Vec<Example>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Example {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub document: String,
    /// An HTTP request text whose body is JSON.
    pub input: String,
    /// The JSON reply.
    pub output: String,
}

/// `errors.json`: each code with its description, and the codes each action may return.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ErrorsFile {
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
    #[serde(default)]
    pub actions: BTreeMap<String, Vec<String>>,
}

/// `common-errors.json`: codes every action of every service may return.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct CommonErrorsFile {
    pub codes: BTreeMap<String, String>,
}

/// `extensions.json`: facts the official files lack, kept beside them.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionsFile {
    #[serde(default)]
    pub actions: BTreeMap<String, ActionExtension>,
    /// By structure name (an action's request or a data structure).
    #[serde(default)]
    pub objects: BTreeMap<String, ObjectExtension>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionExtension {
    /// The documented default request rate limit, requests per second.
    #[serde(default)]
    pub rate_limit_per_second: Option<u32>,
    /// Overrides the read-only guess from the action's name (see `schema::guess_read_only`).
    #[serde(default)]
    pub read_only: Option<bool>,
    /// The English title, where `api.en.json` has none.
    #[serde(default)]
    pub title_en: Option<String>,
    /// The English description, where `api.en.json` has none.
    #[serde(default)]
    pub document_en: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectExtension {
    /// By member name.
    #[serde(default)]
    pub members: BTreeMap<String, MemberExtension>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemberExtension {
    /// The English description, where `api.en.json` has none.
    #[serde(default)]
    pub document_en: Option<String>,
    /// An example for English help, where the official one is not English (`服务a`).
    #[serde(default)]
    pub example_en: Option<String>,
}

/// `null` where a string is due reads as the empty string.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// A member flag: a boolean, or `0`/`1` as some official files write it (`"required": 1` in
/// databuddy 2026-07-15), or `null`.
fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    match Option::<Flag>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Flag::Bool(b)) => Ok(Some(b)),
        Some(Flag::Int(0)) => Ok(Some(false)),
        Some(Flag::Int(1)) => Ok(Some(true)),
        Some(Flag::Int(n)) => Err(serde::de::Error::custom(format!("expected a boolean, 0 or 1, found {n}"))),
    }
}
