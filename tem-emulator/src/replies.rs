//! Replies as full as the real ones: every member the official example reply of an action shows
//! is in the emulator's reply. What the model computes is kept; a member it does not compute is
//! added with a value of its schema type (`""`, `0`, `false`, `[]`, or the example's structure,
//! filled the same way), or kept `null` where the API documents that it may be `null`.
//!
//! [`missing_paths`] is the check: the key paths of the example that a reply lacks (list
//! elements compared with the example's first element).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::schema::{schema, Member, Schema};

/// The official example reply's `Response` of `action`, parsed (once per action).
pub fn example(action: &str) -> Option<&'static Value> {
    static EXAMPLES: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    let examples = EXAMPLES.get_or_init(|| {
        let parse = |text: &str| serde_json::from_str::<Value>(text).ok()?.get_mut("Response").map(Value::take);
        schema()
            .actions
            .iter()
            .filter_map(|(name, info)| Some((name.clone(), parse(info.example.as_deref()?)?)))
            .collect()
    });
    examples.get(action)
}

/// Adds to `reply` (the members of `Response`) every member its official example shows and it
/// lacks.
pub fn complete(action: &str, reply: &mut Value) {
    let schema = schema();
    let (Some(info), Some(example)) = (schema.actions.get(action), example(action)) else { return };
    complete_object(schema, &info.output, example, reply);
}

fn complete_object(schema: &Schema, object: &str, example: &Value, reply: &mut Value) {
    let (Some(members), Value::Object(example), Value::Object(reply)) = (schema.objects.get(object), example, reply)
    else {
        return;
    };
    for (name, shown) in example {
        let Some(member) = members.iter().find(|m| &m.name == name) else { continue };
        if name == "RequestId" || name == "Error" {
            continue;
        }
        let value = reply.entry(name.clone()).or_insert(Value::Null);
        complete_value(schema, member, shown, value);
    }
}

fn complete_value(schema: &Schema, member: &Member, shown: &Value, value: &mut Value) {
    match (member.kind.as_str(), &mut *value) {
        (_, Value::Null) if member.nullable => {}
        ("object", Value::Null) => {
            *value = Value::Object(Map::new());
            complete_object(schema, &member.of, shown, value);
        }
        ("object", Value::Object(_)) => complete_object(schema, &member.of, shown, value),
        ("list", Value::Null) => *value = Value::Array(Vec::new()),
        ("list", Value::Array(items)) => {
            if let Some(first) = shown.as_array().and_then(|l| l.first()) {
                if schema.objects.contains_key(&member.of) {
                    for item in items {
                        complete_object(schema, &member.of, first, item);
                    }
                }
            }
        }
        (kind, Value::Null) => *value = zero(kind),
        _ => {}
    }
}

fn zero(kind: &str) -> Value {
    match kind {
        "int" => Value::from(0),
        "float" => Value::from(0.0),
        "bool" => Value::Bool(false),
        _ => Value::from(""),
    }
}

/// The key paths of the official example of `action` that `reply` (the members of `Response`)
/// lacks: `Result.PodList.*.Status`. A `null` where the API documents one may be, and an empty
/// list, lack nothing below them.
pub fn missing_paths(action: &str, reply: &Value) -> Vec<String> {
    let schema = schema();
    let mut missing = Vec::new();
    if let (Some(info), Some(example)) = (schema.actions.get(action), example(action)) {
        missing_in(schema, &info.output, example, reply, "", &mut missing);
    }
    missing.sort();
    missing.dedup();
    missing
}

fn missing_in(schema: &Schema, object: &str, example: &Value, reply: &Value, prefix: &str, out: &mut Vec<String>) {
    let (Some(members), Value::Object(example)) = (schema.objects.get(object), example) else { return };
    for (name, shown) in example {
        let Some(member) = members.iter().find(|m| &m.name == name) else { continue };
        if name == "RequestId" {
            continue;
        }
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match (reply.get(name), member.kind.as_str()) {
            (None, _) => out.push(path),
            (Some(Value::Null), _) if member.nullable || shown.is_null() => {}
            (Some(Value::Null), _) => out.push(format!("{path} (null)")),
            (Some(value @ Value::Object(_)), "object") => missing_in(schema, &member.of, shown, value, &path, out),
            (Some(Value::Array(items)), "list") => {
                if let Some(first) = shown.as_array().and_then(|l| l.first()) {
                    for item in items {
                        missing_in(schema, &member.of, first, item, &format!("{path}.*"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_the_model_lacks_are_added_of_their_type_and_documented_nulls_stay() {
        // EsInfo may be null (value_allowed_null); Service may not; AppId is a string.
        let mut reply = json!({"Result": {"ApplicationId": "app-1", "EsInfo": null, "Service": null}});
        assert!(!missing_paths("DescribeApplicationInfo", &reply).is_empty());
        complete("DescribeApplicationInfo", &mut reply);
        let result = &reply["Result"];
        assert_eq!(
            (&result["ApplicationId"], &result["AppId"], &result["EsInfo"]),
            (&json!("app-1"), &json!(""), &Value::Null)
        );
        assert!(result["Service"].is_object(), "{}", result["Service"]);
        assert_eq!(result["Service"]["PortMappings"], json!([]));
        assert_eq!(missing_paths("DescribeApplicationInfo", &reply), Vec::<String>::new());
        assert_eq!(crate::schema::check_reply("DescribeApplicationInfo", reply.as_object().unwrap()), Ok(()));
    }

    #[test]
    fn list_elements_are_completed_from_the_examples_first_element() {
        let mut reply = json!({"Result": {"PodList": [{"PodId": "p-1"}], "TotalCount": 1}});
        complete("DescribeApplicationPods", &mut reply);
        let pod = &reply["Result"]["PodList"][0];
        assert_eq!((&pod["PodId"], &pod["Status"]), (&json!("p-1"), &json!("")));
        assert_eq!(missing_paths("DescribeApplicationPods", &reply), Vec::<String>::new());
    }
}
