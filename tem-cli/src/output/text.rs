//! `--output text`: the AWS CLI's tab-separated rules, so that `cut`, `read` and `awk` work
//! on it as they do on `aws … --output text`.
//!
//! - A scalar is a line of its own.
//! - A list of scalars is one line, its elements separated by tabs; under a key (`identifier`),
//!   one line per element, `KEY<tab>element`.
//! - An object is one line of its scalar members' values, by key in sorted order (in a list of
//!   objects, the keys of every element's scalars, so columns line up; a missing one is empty),
//!   led by its key in capitals when it has one; then each list or object member, by key.
//! - `null` is `None`, booleans `True`/`False`, as the AWS CLI (Python) writes them.

use serde_json::{Map, Value};

/// `value` as text output.
pub fn text(value: &Value) -> String {
    let mut out = String::new();
    format(value, None, None, &mut out);
    out
}

fn format(value: &Value, identifier: Option<&str>, scalar_keys: Option<&[String]>, out: &mut String) {
    match value {
        Value::Object(object) => format_object(object, identifier, scalar_keys, out),
        Value::Array(items) => format_list(items, identifier, out),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn format_list(items: &[Value], identifier: Option<&str>, out: &mut String) {
    if items.is_empty() {
        return;
    }
    if items.iter().any(Value::is_object) {
        let keys = all_scalar_keys(items);
        for item in items {
            format(item, identifier, Some(&keys), out);
        }
    } else if items.iter().any(Value::is_array) {
        let (scalars, others): (Vec<&Value>, Vec<&Value>) = items.iter().partition(|v| is_scalar(v));
        if !scalars.is_empty() {
            format_scalar_list(&scalars, identifier, out);
        }
        for other in others {
            format(other, identifier, None, out);
        }
    } else {
        format_scalar_list(&items.iter().collect::<Vec<_>>(), identifier, out);
    }
}

fn format_scalar_list(items: &[&Value], identifier: Option<&str>, out: &mut String) {
    match identifier {
        Some(identifier) => {
            for item in items {
                out.push_str(&format!("{}\t{}\n", identifier.to_uppercase(), scalar_text(item)));
            }
        }
        None => {
            let cells: Vec<String> = items.iter().map(|v| scalar_text(v)).collect();
            out.push_str(&cells.join("\t"));
            out.push('\n');
        }
    }
}

fn format_object(
    object: &Map<String, Value>,
    identifier: Option<&str>,
    scalar_keys: Option<&[String]>,
    out: &mut String,
) {
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort();
    let (mut scalars, nested): (Vec<String>, Vec<(&String, &Value)>) = match scalar_keys {
        None => {
            let scalars =
                keys.iter().filter(|k| is_scalar(&object[k.as_str()])).map(|k| scalar_text(&object[k.as_str()]));
            let nested = keys.iter().filter(|k| !is_scalar(&object[k.as_str()])).map(|k| (*k, &object[k.as_str()]));
            (scalars.collect(), nested.collect())
        }
        Some(scalar_keys) => {
            let scalars = scalar_keys.iter().map(|k| object.get(k).map(scalar_text).unwrap_or_default());
            let nested = keys.iter().filter(|k| !scalar_keys.contains(k)).map(|k| (*k, &object[k.as_str()]));
            (scalars.collect(), nested.collect())
        }
    };
    if !scalars.is_empty() {
        if let Some(identifier) = identifier {
            scalars.insert(0, identifier.to_uppercase());
        }
        out.push_str(&scalars.join("\t"));
        out.push('\n');
    }
    for (key, value) in nested {
        format(value, Some(key), None, out);
    }
}

/// The sorted keys of the scalar members of every object in `items`.
fn all_scalar_keys(items: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = items
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.iter().filter(|(_, v)| is_scalar(v)).map(|(k, _)| k.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_of_records_is_one_line_per_record_under_its_key() {
        let reply = json!({
            "Result": {"Records": [{"ApplicationId": "app-1", "ApplicationName": "web", "Tags": [{"TagKey": "k", "TagValue": "v"}]},
                                   {"ApplicationName": "api", "ApplicationId": "app-2"}],
                       "Total": 2},
            "RequestId": "r-1"
        });
        assert_eq!(text(&reply), "r-1\nRESULT\t2\nRECORDS\tapp-1\tweb\nTAGS\tk\tv\nRECORDS\tapp-2\tapi\n");
    }

    #[test]
    fn scalars_and_lists_of_scalars() {
        assert_eq!(text(&json!("app-1")), "app-1\n");
        assert_eq!(text(&json!(["app-1", "app-2", null, true])), "app-1\tapp-2\tNone\tTrue\n");
        assert_eq!(text(&json!({"Ids": ["a", "b"]})), "IDS\ta\nIDS\tb\n");
        assert_eq!(text(&json!([])), "");
    }
}
