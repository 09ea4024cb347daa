//! `--output table`: a page of records as aligned columns, padded by display width (a CJK
//! character takes two columns), or a reply's scalars as `name value` lines.

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

/// A table of the reply: the first list of objects found (a page of records) as rows and
/// columns, each column a scalar member; otherwise the reply's scalar members as
/// `name value` lines, nested ones named by their path. `RequestId` comes last.
pub fn table(response: &Value) -> String {
    let mut out = String::new();
    // What a --query may leave: a list of records, a list of values, one value.
    match response {
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            return table(&serde_json::json!({ "": items }));
        }
        Value::Array(items) => return items.iter().map(|item| format!("{}\n", compact(item))).collect(),
        Value::Object(_) => {}
        scalar => return format!("{}\n", compact(scalar)),
    }
    if let Some((path, rows)) = find_rows(response, String::new(), 0) {
        let mut columns: Vec<String> = Vec::new();
        for row in rows.iter().filter_map(Value::as_object) {
            for (key, value) in row {
                if is_scalar(value) && !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| columns.iter().map(|c| row.get(c).map(scalar_text).unwrap_or_default()).collect())
            .collect();
        if !path.is_empty() {
            out.push_str(&format!("{path}:\n"));
        }
        out.push_str(&render(&columns, &cells));
        // The page's own scalars (TotalCount...) and the request id, after the rows.
        let mut facts = Vec::new();
        flatten(response, String::new(), &mut facts, Some(&path));
        for (name, value) in facts {
            out.push_str(&format!("{name}: {value}\n"));
        }
        return out;
    }
    let mut facts = Vec::new();
    flatten(response, String::new(), &mut facts, None);
    let width = facts.iter().map(|(n, _)| n.width()).max().unwrap_or(0);
    for (name, value) in facts {
        out.push_str(&format!("{}  {value}\n", pad(&name, width)));
    }
    out
}

/// `text` followed by spaces up to `width` display columns.
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

/// The first list of objects, breadth-first, at most three levels down.
fn find_rows(value: &Value, path: String, depth: usize) -> Option<(String, &Vec<Value>)> {
    let object = value.as_object()?;
    for (key, member) in object {
        if let Value::Array(items) = member {
            if !items.is_empty() && items.iter().all(Value::is_object) {
                return Some((join(&path, key), items));
            }
        }
    }
    if depth >= 3 {
        return None;
    }
    object.iter().find_map(|(key, member)| find_rows(member, join(&path, key), depth + 1))
}

/// Scalar members by path, `RequestId` last; `skip` leaves out one member's subtree.
fn flatten(value: &Value, path: String, out: &mut Vec<(String, String)>, skip: Option<&str>) {
    let Value::Object(object) = value else {
        if !path.is_empty() && skip != Some(path.as_str()) {
            out.push((path, compact(value)));
        }
        return;
    };
    let mut keys: Vec<&String> = object.keys().filter(|k| k.as_str() != "RequestId").collect();
    if path.is_empty() && object.contains_key("RequestId") {
        keys.push(object.keys().find(|k| k.as_str() == "RequestId").expect("just seen"));
    }
    for key in keys {
        let child = join(&path, key);
        if skip == Some(child.as_str()) {
            continue;
        }
        flatten(&object[key], child, out, skip);
    }
}

fn render(columns: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| rows.iter().map(|r| r[i].width()).chain([c.width()]).max().unwrap_or(0))
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(columns);
    out.push_str(&line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>()));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.replace(['\n', '\t'], " "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_records_is_a_table_with_its_total_after() {
        let response = serde_json::json!({
            "Result": {"Records": [{"ApplicationId": "app-1", "ApplicationName": "web", "Tags": []},
                                   {"ApplicationId": "app-22", "ApplicationName": "api"}],
                       "TotalCount": 2},
            "RequestId": "r-1"
        });
        assert_eq!(
            table(&response),
            "Result.Records:\nApplicationId  ApplicationName\n-------------  ---------------\n\
             app-1          web\napp-22         api\nResult.TotalCount: 2\nRequestId: r-1\n"
        );
    }

    #[test]
    fn scalars_are_name_value_lines() {
        let response = serde_json::json!({"RequestId": "r-1", "Result": "revision-1"});
        assert_eq!(table(&response), "Result     revision-1\nRequestId  r-1\n");
    }

    #[test]
    fn what_a_query_leaves_is_a_table_too() {
        let records = serde_json::json!([{"Id": "app-1", "Name": "web"}, {"Id": "app-22", "Name": "api"}]);
        assert_eq!(table(&records), "Id      Name\n------  ----\napp-1   web\napp-22  api\n");
        assert_eq!(table(&serde_json::json!(["app-1", 2])), "app-1\n2\n");
        assert_eq!(table(&serde_json::json!("app-1")), "app-1\n");
    }

    #[test]
    fn cjk_text_is_padded_by_display_width() {
        let response = serde_json::json!({"Result": {"Records": [
            {"Name": "服务a", "Zone": "z-1"},
            {"Name": "web", "Zone": "z-2"}]}});
        let table = table(&response);
        let lines: Vec<&str> = table.lines().collect();
        // "服务a" takes 5 columns: "web" gets 2 more spaces, and the second column lines up.
        assert_eq!(lines[2], "-----  ----", "{table}");
        assert_eq!(lines[3], "服务a  z-1", "{table}");
        assert_eq!(lines[4], "web    z-2", "{table}");
    }
}
