//! The command line's table of actions: for each action its subcommand and, for each request
//! parameter, its flag, kind, whether it is required, and its help. The `tem` binary builds
//! its clap commands and request bodies from this data with one generic function each, so
//! nothing is emitted per action but a table row.

use crate::emit::HEADER;
use crate::names::{rust_name, Case};
use crate::paginate::{self, Style};
use crate::schema::{Action, Member, Service, Ty};

/// Flags the command line itself defines on every subcommand; a parameter whose natural flag
/// is one of these gets the suffix `-param`.
pub const RESERVED_FLAGS: &[&str] = &[
    "cli-input-json",
    "dry-run",
    "emulator",
    "endpoint",
    "help",
    "output",
    "profile",
    "region",
    "show-secrets",
    "version",
];

/// The subcommand of an action: its wire name in kebab case (`describe-applications`).
pub fn command_name(wire: &str) -> String {
    rust_name(wire, Case::Snake).trim_end_matches('_').replace('_', "-")
}

/// The flag of a parameter (without `--`): its wire name in kebab case, suffixed `-param`
/// when the command line reserves that flag.
pub fn flag_name(wire: &str) -> String {
    let flag = rust_name(wire, Case::Snake).trim_end_matches('_').replace('_', "-");
    if RESERVED_FLAGS.contains(&flag.as_str()) {
        format!("{flag}-param")
    } else {
        flag
    }
}

/// `src/actions.rs` of the command line crate: `pub static ACTIONS: &[ActionSpec]`, sorted by
/// wire name, using `crate::spec::{ActionSpec, ParamSpec, Kind}`. Each text is there in
/// English (`api.en.json`, else ours in `extensions.json`, else the official Chinese) and in
/// Chinese (`api.json`), for `tem --language`.
pub fn generate_cli_table(service: &Service) -> String {
    let mut out = format!(
        "{HEADER}\n// Source: the API description of `{}` {}.\n\n\
         //! Every action of `{}` {} as a subcommand: its flags, their kinds and help.\n\n\
         use crate::spec::{{ActionSpec, Kind, PageStyle, PagingSpec, ParamSpec}};\n\n\
         /// The actions, sorted by wire name.\n\
         pub static ACTIONS: &[ActionSpec] = &[\n",
        service.name, service.version, service.name, service.version
    );
    for action in &service.actions {
        let title = english(action.title_en.as_deref(), &action.title);
        let doc = english(action.doc_en.as_deref(), &action.doc);
        out.push_str(&format!(
            "    ActionSpec {{\n        name: {:?},\n        command: {:?},\n        about: {:?},\n        \
             long_about: {:?},\n        about_zh: {:?},\n        long_about_zh: {:?},\n        \
             read_only: {},\n        params: &[\n",
            action.wire,
            command_name(&action.wire),
            first_line(&plain(title)),
            plain(doc),
            first_line(&plain(&action.title)),
            plain(&action.doc),
            action.read_only
        ));
        for member in action.input.members.iter().filter(|m| !m.deprecated) {
            let (kind, shape) = kind(service, member);
            let doc = plain(english(member.doc_en.as_deref(), &member.doc));
            let doc_zh = plain(&member.doc);
            let example = member.example.as_deref().and_then(|e| cli_example(service, &member.ty, e));
            let example_en = member.example_en.as_deref().and_then(|e| cli_example(service, &member.ty, e));
            let long_help = |doc: &str, labels: [&str; 2], example: Option<&String>| {
                let mut text = doc.to_owned();
                if let Some(shape) = &shape {
                    text.push_str(&format!("\n\n{}{shape}", labels[0]));
                }
                if let Some(example) = example {
                    text.push_str(&format!("\n\n{}{example}", labels[1]));
                }
                text
            };
            out.push_str(&format!(
                "            ParamSpec {{\n                wire: {:?},\n                flag: {:?},\n                \
                 kind: Kind::{kind},\n                required: {},\n                help: {:?},\n                \
                 long_help: {:?},\n                help_zh: {:?},\n                long_help_zh: {:?},\n            }},\n",
                member.wire,
                flag_name(&member.wire),
                member.required,
                first_line(&doc),
                long_help(&doc, ["JSON: ", "Example: "], example_en.as_ref().or(example.as_ref())),
                first_line(&doc_zh),
                long_help(&doc_zh, ["JSON：", "示例："], example.as_ref()),
            ));
        }
        out.push_str("        ],\n");
        out.push_str(&paging_field(service, action));
        out.push_str("    },\n");
    }
    out.push_str("];\n");
    out
}

/// The `paging:` field of `action`'s entry: the pagination tem-api's paginators follow.
fn paging_field(service: &Service, action: &Action) -> String {
    let Some(pagination) = paginate::recognize(service, action) else {
        return "        paging: None,\n".to_owned();
    };
    let style = match pagination.style {
        Style::Offset => "Offset",
        Style::Token => "Token",
    };
    let page: Vec<&str> = pagination.page_path.iter().map(|m| m.wire.as_str()).collect();
    format!(
        "        paging: Some(PagingSpec {{\n            style: PageStyle::{style},\n            page: &{page:?},\n            \
         items: {:?},\n            next: {:?},\n        }}),\n",
        pagination.items.wire, pagination.next.wire
    )
}

/// The English text, else the official (Chinese) one.
fn english<'a>(en: Option<&'a str>, zh: &'a str) -> &'a str {
    en.filter(|t| !t.trim().is_empty()).unwrap_or(zh)
}

/// An official example as a value the member's flag accepts, or none. The official files write
/// examples loosely: `无` ("none") for structures, one bare element for a list (`subnet-xxxx`),
/// `1` or `{}` for anything, a word for a boolean (`force`). Help shows only examples that
/// work when used: a list of scalars given one bare element becomes a JSON list of it; a JSON
/// example must have the member's shape and say something (not `{}` or `[]`); a number or a
/// boolean must parse as one.
pub fn cli_example(service: &Service, ty: &Ty, example: &str) -> Option<String> {
    let example = example.trim();
    // `无` is "none"; `NONE` can be a value (ModifyGatewayIngress's `RewriteType`).
    if example.is_empty() || example == "无" {
        return None;
    }
    let fits = |value: &serde_json::Value| fits(service, ty, value);
    match ty {
        Ty::String | Ty::Binary => Some(example.to_owned()),
        Ty::Int64 => example.parse::<i64>().is_ok().then(|| example.to_owned()),
        Ty::UInt64 => example.parse::<u64>().is_ok().then(|| example.to_owned()),
        Ty::Float => example.parse::<f64>().is_ok_and(f64::is_finite).then(|| example.to_owned()),
        Ty::Bool => matches!(example, "true" | "false").then(|| example.to_owned()),
        Ty::List(element) => {
            let parsed = serde_json::from_str::<serde_json::Value>(example).ok();
            if let Some(value) = parsed.as_ref().filter(|v| fits(v) && !is_empty(v)) {
                return Some(value.to_string());
            }
            // One bare element of a list of scalars: a string as it is, else as JSON.
            let element_value = match &**element {
                Ty::String | Ty::Binary => serde_json::Value::String(example.to_owned()),
                Ty::Struct(_) | Ty::List(_) => return None,
                _ => parsed?,
            };
            let list = serde_json::Value::Array(vec![element_value]);
            fits(&list).then(|| list.to_string())
        }
        Ty::Struct(_) => {
            let value = serde_json::from_str::<serde_json::Value>(example).ok()?;
            (fits(&value) && !is_empty(&value)).then(|| value.to_string())
        }
    }
}

/// Whether a JSON value has the shape of `ty`: its JSON type, and only known members in objects.
fn fits(service: &Service, ty: &Ty, value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (ty, value) {
        (Ty::String | Ty::Binary, Value::String(_)) => true,
        (Ty::Int64, Value::Number(n)) => n.is_i64(),
        (Ty::UInt64, Value::Number(n)) => n.is_u64(),
        (Ty::Float, Value::Number(_)) => true,
        (Ty::Bool, Value::Bool(_)) => true,
        (Ty::List(element), Value::Array(items)) => items.iter().all(|item| fits(service, element, item)),
        (Ty::Struct(name), Value::Object(object)) => service.structures.get(name).is_some_and(|structure| {
            object.iter().all(|(key, value)| {
                structure.members.iter().find(|m| &m.wire == key).is_some_and(|m| fits(service, &m.ty, value))
            })
        }),
        _ => false,
    }
}

/// `{}` or `[]`, which show nothing the shape does not.
fn is_empty(value: &serde_json::Value) -> bool {
    value.as_object().is_some_and(|o| o.is_empty()) || value.as_array().is_some_and(|a| a.is_empty())
}

/// The table's kind of a member, and for JSON members the shape expected.
fn kind(service: &Service, member: &Member) -> (&'static str, Option<String>) {
    match &member.ty {
        // Bytes travel in a JSON body as text; TEM has none.
        Ty::String | Ty::Binary => ("String", None),
        Ty::Int64 => ("Int", None),
        Ty::UInt64 => ("UInt", None),
        Ty::Float => ("Float", None),
        Ty::Bool => ("Bool", None),
        ty => ("Json", Some(shape(service, ty, 0))),
    }
}

/// A short description of a JSON value's shape: `[{Key: string, Value: string}]`.
fn shape(service: &Service, ty: &Ty, depth: usize) -> String {
    match ty {
        Ty::String | Ty::Binary => "string".into(),
        Ty::Int64 | Ty::UInt64 => "integer".into(),
        Ty::Float => "number".into(),
        Ty::Bool => "boolean".into(),
        Ty::List(inner) => format!("[{}]", shape(service, inner, depth)),
        Ty::Struct(name) => match service.structures.get(name) {
            // Two levels are enough to write a value; deeper ones are named.
            Some(structure) if depth < 2 => {
                let members: Vec<String> = structure
                    .members
                    .iter()
                    .filter(|m| !m.deprecated)
                    .map(|m| format!("{}: {}", m.wire, shape(service, &m.ty, depth + 1)))
                    .collect();
                format!("{{{}}}", members.join(", "))
            }
            _ => name.clone(),
        },
    }
}

/// Documentation as plain text for a terminal: HTML tags dropped, entities decoded, blank
/// runs collapsed.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    let mut joined = String::new();
    for line in lines {
        if line.is_empty() {
            if !joined.is_empty() && !joined.ends_with("\n\n") {
                joined.push_str("\n\n");
            }
        } else {
            if !joined.is_empty() && !joined.ends_with('\n') {
                joined.push('\n');
            }
            joined.push_str(line);
        }
    }
    joined.trim().to_owned()
}

fn first_line(text: &str) -> String {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_flags_are_kebab_case() {
        assert_eq!(command_name("DescribeApplications"), "describe-applications");
        assert_eq!(command_name("RollingUpdateApplicationByVersion"), "rolling-update-application-by-version");
        assert_eq!(flag_name("EnvironmentId"), "environment-id");
        assert_eq!(flag_name("Type"), "type");
        assert_eq!(flag_name("Region"), "region-param");
        assert_eq!(flag_name("Version"), "version-param");
    }

    /// A service with one structure `Tag {Key: string, Value: int}` for the shapes of examples.
    fn service() -> Service {
        let api = r#"{"metadata": {"apiVersion": "2020-01-01", "serviceShortName": "svc"},
            "actions": {"Do": {"input": "DoRequest", "output": "DoResponse"}},
            "objects": {"DoRequest": {"members": [{"name": "Tags", "type": "list", "member": "Tag"}]},
                        "DoResponse": {"members": []},
                        "Tag": {"members": [{"name": "Key", "type": "string", "member": "string"},
                                            {"name": "Value", "type": "int", "member": "int64"}]}}}"#;
        let files = crate::ServiceFiles {
            api: crate::SourceFile { name: "api.json", text: api },
            api_en: None,
            examples: None,
            errors: None,
            extensions: None,
        };
        Service::load(files).unwrap()
    }

    #[test]
    fn examples_are_shown_only_as_values_their_flag_accepts() {
        let service = service();
        let list = |t: Ty| Ty::List(Box::new(t));
        let tag = || Ty::Struct("Tag".into());
        let cases: &[(Ty, &str, Option<&str>)] = &[
            // "None" says nothing; `NONE` may be a value.
            (tag(), "无", None),
            (Ty::String, "NONE", Some("NONE")),
            // One bare element of a list of scalars becomes a JSON list.
            (list(Ty::String), "subnet-xxxx", Some(r#"["subnet-xxxx"]"#)),
            (list(Ty::Int64), "3", Some("[3]")),
            (list(Ty::String), r#"["a","b"]"#, Some(r#"["a","b"]"#)),
            // JSON of the wrong shape, empty, or not JSON at all.
            (list(tag()), "1", None),
            (list(tag()), "{}", None),
            (tag(), "{}", None),
            (tag(), r#"{"Key":"k","Nope":1}"#, None),
            (tag(), r#"{"Key":"k","Value":"1"}"#, None),
            (tag(), r#"{"Port":9090,"Path:"/data"}"#, None),
            (list(tag()), r#"[{"Key": "k", "Value": 1}]"#, Some(r#"[{"Key":"k","Value":1}]"#)),
            // Scalars must parse as their kind.
            (Ty::Bool, "force", None),
            (Ty::Bool, "true", Some("true")),
            (Ty::Int64, "-1", Some("-1")),
            (Ty::UInt64, "-1", None),
            (Ty::Float, "0.5", Some("0.5")),
        ];
        for (ty, example, expected) in cases {
            assert_eq!(cli_example(&service, ty, example).as_deref(), *expected, "{ty:?} {example}");
        }
    }

    #[test]
    fn documentation_becomes_plain_text() {
        assert_eq!(plain("<p>One &amp; two</p>\n\n\n<p>three</p>"), "One & two\n\nthree");
        assert_eq!(first_line("\n  a\nb"), "a");
    }
}
