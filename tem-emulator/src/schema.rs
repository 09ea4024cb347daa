//! Request validation from the TEM schema. The table is made by `build.rs` from
//! `schema/tem/2021-07-01/api.json` (nothing here lists members by hand).
//!
//! Rules, in this order for each object, members in schema order:
//! - a required member absent or `null` → `MissingParameter`:
//!   ``The request is missing a required parameter `X`.`` (the real API's wording);
//! - a member of the wrong type → `InvalidParameter`:
//!   ``The value type of parameter `X` is invalid: expected Integer, got String.``;
//! - then a member the schema does not know → `UnknownParameter`:
//!   ``The parameter `X` is not recognized.``
//!
//! Nested names are dotted as the legacy form spells them: `Tags.0.TagKey`. As the real API
//! does (the official examples rely on it), numbers may be sent as strings of digits
//! (`"TotalBatchCount": "2"`) and booleans as `"true"`/`"false"`; the value handed on is
//! normalized to the schema's type.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Number, Value};

use crate::front_door::Rejection;

/// One member of a structure.
#[derive(Debug)]
pub struct Member {
    /// The wire name.
    pub name: String,
    /// `string`, `int`, `float`, `bool`, `list` or `object`.
    pub kind: String,
    /// The element type of a list or the structure of an object (`int64`, `Tag`, ...).
    pub of: String,
    /// Whether a request must have it.
    pub required: bool,
    /// Whether the API documents that a reply may hold `null` for it.
    pub nullable: bool,
}

/// One action: its request and response structures and its first documented reply.
#[derive(Debug)]
pub struct ActionInfo {
    /// The request structure.
    pub input: String,
    /// The response structure.
    pub output: String,
    /// The first official example reply (JSON text).
    pub example: Option<String>,
}

/// The schema's table.
#[derive(Debug)]
pub struct Schema {
    /// The API version.
    pub version: String,
    /// Actions by name.
    pub actions: BTreeMap<String, ActionInfo>,
    /// Structures by name.
    pub objects: BTreeMap<String, Vec<Member>>,
}

static TABLE: &str = include_str!(concat!(env!("OUT_DIR"), "/schema.json"));

/// The schema, parsed once.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let table: Value = serde_json::from_str(TABLE).expect("build.rs writes JSON");
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let actions = table["actions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, a)| {
                let info = ActionInfo {
                    input: text(&a["input"]),
                    output: text(&a["output"]),
                    example: a["example"].as_str().map(str::to_owned),
                };
                (name.clone(), info)
            })
            .collect();
        let objects = table["objects"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, members)| {
                let members = members
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| Member {
                        name: text(&m[0]),
                        kind: text(&m[1]),
                        of: text(&m[2]),
                        required: m[3].as_bool().unwrap_or(false),
                        nullable: m[4].as_bool().unwrap_or(false),
                    })
                    .collect();
                (name.clone(), members)
            })
            .collect();
        Schema { version: text(&table["version"]), actions, objects }
    })
}

/// Checks `params` against the request structure of `action` (which must exist) and returns
/// them with numbers and booleans normalized.
pub fn validate(action: &str, params: &Map<String, Value>) -> Result<Map<String, Value>, Rejection> {
    let schema = schema();
    let Some(info) = schema.actions.get(action) else {
        return Err(Rejection::new("InvalidAction", format!("The action `{action}` is not found.")));
    };
    validate_object(schema, &info.input, params, "")
}

/// Checks a success reply's `Response` members against the action's response structure: every
/// member known and of its type (`null` allowed, as the API documents for most members;
/// numbers must be numbers). `RequestId` and `Error` are the envelope's. For tests of the
/// emulator's own replies.
pub fn check_reply(action: &str, response: &Map<String, Value>) -> Result<(), String> {
    let schema = schema();
    let info = schema.actions.get(action).ok_or_else(|| format!("no action {action}"))?;
    let mut members = response.clone();
    members.remove("RequestId");
    check_reply_object(schema, &info.output, &members, "")
}

fn check_reply_object(schema: &Schema, object: &str, value: &Map<String, Value>, prefix: &str) -> Result<(), String> {
    let members = schema.objects.get(object).ok_or_else(|| format!("no structure {object}"))?;
    for (name, value) in value {
        let path = path(prefix, name);
        let member =
            members.iter().find(|m| &m.name == name).ok_or_else(|| format!("`{path}` is not a member of {object}"))?;
        check_reply_value(schema, &member.kind, &member.of, value, &path)?;
    }
    Ok(())
}

/// The kind (`string`, `int`, `float`, `bool` or `object`) of the elements of a list of `of`,
/// as requests and replies check them.
fn element_kind(of: &str) -> &'static str {
    match of {
        "string" | "datetime" => "string",
        "int64" | "uint64" | "int" => "int",
        "float" | "double" => "float",
        "bool" => "bool",
        _ => "object",
    }
}

fn check_reply_value(schema: &Schema, kind: &str, of: &str, value: &Value, path: &str) -> Result<(), String> {
    let wrong = || Err(format!("`{path}` is {value}, not a {kind}"));
    match (kind, value) {
        (_, Value::Null) => Ok(()),
        ("list", Value::Array(items)) => {
            let element = element_kind(of);
            items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| check_reply_value(schema, element, of, item, &format!("{path}.{i}")))
        }
        ("object", Value::Object(map)) => check_reply_object(schema, of, map, path),
        ("int", Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        ("float", Value::Number(_)) | ("bool", Value::Bool(_)) => Ok(()),
        ("string", Value::String(_)) => Ok(()),
        _ => wrong(),
    }
}

fn path(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

fn invalid_type(name: &str, expected: &str, value: &Value) -> Rejection {
    Rejection::new(
        "InvalidParameter",
        format!("The value type of parameter `{name}` is invalid: expected {expected}, got {}.", type_name(value)),
    )
}

fn validate_object(
    schema: &Schema,
    object: &str,
    params: &Map<String, Value>,
    prefix: &str,
) -> Result<Map<String, Value>, Rejection> {
    let members = schema.objects.get(object).map(Vec::as_slice).unwrap_or_default();
    for member in members {
        if member.required && params.get(&member.name).is_none_or(Value::is_null) {
            let name = path(prefix, &member.name);
            return Err(Rejection::new(
                "MissingParameter",
                format!("The request is missing a required parameter `{name}`."),
            ));
        }
    }
    let mut out = Map::new();
    for member in members {
        if let Some(value) = params.get(&member.name) {
            let name = path(prefix, &member.name);
            let value = if value.is_null() {
                Value::Null
            } else {
                validate_value(schema, &member.kind, &member.of, value, &name)?
            };
            out.insert(member.name.clone(), value);
        }
    }
    if let Some(unknown) = params.keys().find(|k| !members.iter().any(|m| &m.name == *k)) {
        let name = path(prefix, unknown);
        return Err(Rejection::new("UnknownParameter", format!("The parameter `{name}` is not recognized.")));
    }
    Ok(out)
}

fn validate_value(schema: &Schema, kind: &str, of: &str, value: &Value, name: &str) -> Result<Value, Rejection> {
    match kind {
        "list" => {
            let Value::Array(items) = value else { return Err(invalid_type(name, "Array", value)) };
            let element = element_kind(of);
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| validate_value(schema, element, of, item, &format!("{name}.{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Array(items))
        }
        "object" => {
            let Value::Object(map) = value else { return Err(invalid_type(name, "Object", value)) };
            Ok(Value::Object(validate_object(schema, of, map, name)?))
        }
        "int" => {
            let unsigned = of == "uint64";
            let parsed = match value {
                Value::Number(n) => n.as_i64().map(Number::from).or_else(|| n.as_u64().map(Number::from)),
                Value::String(s) if !s.is_empty() && s.len() <= 20 => {
                    s.parse::<i64>().ok().map(Number::from).or_else(|| s.parse::<u64>().ok().map(Number::from))
                }
                _ => None,
            };
            match parsed {
                Some(n) if unsigned && n.as_i64().is_some_and(|v| v < 0) => {
                    Err(invalid_type(name, "a non-negative Integer", value))
                }
                Some(n) => Ok(Value::Number(n)),
                None => Err(invalid_type(name, "Integer", value)),
            }
        }
        "float" => {
            let parsed = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) if s.len() <= 64 => s.parse::<f64>().ok().filter(|f| f.is_finite()),
                _ => None,
            };
            parsed.and_then(Number::from_f64).map(Value::Number).ok_or_else(|| invalid_type(name, "Float", value))
        }
        "bool" => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(invalid_type(name, "Boolean", value)),
        },
        _ => match value {
            Value::String(_) => Ok(value.clone()),
            _ => Err(invalid_type(name, "String", value)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(action: &str, params: Value) -> Result<Value, Rejection> {
        validate(action, params.as_object().unwrap()).map(Value::Object)
    }

    #[test]
    fn the_table_has_every_action_of_the_schema() {
        let schema = schema();
        assert_eq!(schema.version, "2021-07-01");
        assert_eq!(schema.actions.len(), 51);
        let info = &schema.actions["RollingUpdateApplicationByVersion"];
        assert_eq!(info.input, "RollingUpdateApplicationByVersionRequest");
        assert!(info.example.is_some());
    }

    #[test]
    fn reply_check_finds_unknown_members_and_wrong_types() {
        let reply = |v: Value| check_reply("DescribeApplicationPods", v.as_object().unwrap());
        assert_eq!(
            reply(json!({"Result": {"TotalCount": 1, "PodList": [{"PodId": "p", "Ready": true}]}, "RequestId": "r"})),
            Ok(())
        );
        assert!(reply(json!({"Result": {"TotalCount": "1"}})).unwrap_err().contains("`Result.TotalCount`"));
        assert!(reply(json!({"Result": {"PodList": [{"Colour": 1}]}}))
            .unwrap_err()
            .contains("`Result.PodList.0.Colour`"));
    }

    #[test]
    fn each_failure_kind_names_the_parameter() {
        let ok = json!({"ApplicationId": "app-1", "EnvironmentId": "en-1", "DeployVersion": "v1", "TotalBatchCount": "2", "Force": "true"});
        let normalized = check("RollingUpdateApplicationByVersion", ok).unwrap();
        assert_eq!((normalized["TotalBatchCount"].clone(), normalized["Force"].clone()), (json!(2), json!(true)));
        let missing = check("RollingUpdateApplicationByVersion", json!({"ApplicationId": "a", "EnvironmentId": "e"}))
            .unwrap_err();
        assert_eq!(
            missing,
            Rejection::new("MissingParameter", "The request is missing a required parameter `DeployVersion`.")
        );
        let wrong =
            check("DescribeApplicationPods", json!({"ApplicationId": "a", "EnvironmentId": "e", "Limit": "ten"}))
                .unwrap_err();
        assert_eq!(wrong.code, "InvalidParameter");
        assert!(wrong.message.contains("`Limit`"), "{}", wrong.message);
        let nested =
            check("CreateEnvironment", json!({"EnvironmentName": "x", "Tags": [{"TagKey": 1, "TagValue": "v"}]}))
                .unwrap_err();
        assert!(nested.message.contains("`Tags.0.TagKey`"), "{}", nested.message);
        let unknown = check("ResumeDeployApplication", json!({"ApplicationId": "a", "EnvironmentId": "e", "Foo": 1}))
            .unwrap_err();
        assert_eq!(unknown, Rejection::new("UnknownParameter", "The parameter `Foo` is not recognized."));
        assert_eq!(check("NoSuchAction", json!({})).unwrap_err().code, "InvalidAction");
    }
}
