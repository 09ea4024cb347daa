//! The command line's table of actions: for each action its subcommand and, for each request
//! parameter, its flag, kind, whether it is required, and its help. The `tem` binary builds
//! its clap commands and request bodies from this data with one generic function each, so
//! nothing is emitted per action but a table row.

use crate::emit::HEADER;
use crate::names::{rust_name, Case};
use crate::schema::{Member, Service, Ty};

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
/// wire name, using `crate::spec::{ActionSpec, ParamSpec, Kind}`.
pub fn generate_cli_table(service: &Service) -> String {
    let mut out = format!(
        "{HEADER}\n// Source: the API description of `{}` {}.\n\n\
         //! Every action of `{}` {} as a subcommand: its flags, their kinds and help.\n\n\
         use crate::spec::{{ActionSpec, Kind, ParamSpec}};\n\n\
         /// The actions, sorted by wire name.\n\
         pub static ACTIONS: &[ActionSpec] = &[\n",
        service.name, service.version, service.name, service.version
    );
    for action in &service.actions {
        let title = action.title_en.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or(&action.title);
        let doc = action.doc_en.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or(&action.doc);
        let about = first_line(&plain(title));
        let long_about = plain(doc);
        out.push_str(&format!(
            "    ActionSpec {{\n        name: {:?},\n        command: {:?},\n        about: {:?},\n        \
             long_about: {:?},\n        read_only: {},\n        params: &[\n",
            action.wire,
            command_name(&action.wire),
            about,
            long_about,
            action.read_only
        ));
        for member in action.input.members.iter().filter(|m| !m.deprecated) {
            let (kind, shape) = kind(service, member);
            let doc = plain(member.doc_en.as_deref().filter(|t| !t.trim().is_empty()).unwrap_or(&member.doc));
            let mut long_help = doc.clone();
            if let Some(shape) = shape {
                long_help.push_str(&format!("\n\nJSON: {shape}"));
            }
            if let Some(example) = &member.example {
                long_help.push_str(&format!("\n\nExample: {example}"));
            }
            out.push_str(&format!(
                "            ParamSpec {{\n                wire: {:?},\n                flag: {:?},\n                \
                 kind: Kind::{kind},\n                required: {},\n                help: {:?},\n                \
                 long_help: {:?},\n            }},\n",
                member.wire,
                flag_name(&member.wire),
                member.required,
                first_line(&doc),
                long_help,
            ));
        }
        out.push_str("        ],\n    },\n");
    }
    out.push_str("];\n");
    out
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

    #[test]
    fn documentation_becomes_plain_text() {
        assert_eq!(plain("<p>One &amp; two</p>\n\n\n<p>three</p>"), "One & two\n\nthree");
        assert_eq!(first_line("\n  a\nb"), "a");
    }
}
