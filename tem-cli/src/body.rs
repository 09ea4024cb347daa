//! A request body from an action's flags and `--cli-input-json` (inline JSON, `file://PATH`,
//! a path, or `-`): one generic function for every action, driven by its table row; and
//! `--generate-cli-skeleton`, the object `--cli-input-json` takes.

use std::io::Read;

use clap::ArgMatches;
use serde_json::{Map, Value};

use crate::spec::{ActionSpec, Kind, ParamSpec};
use crate::Failure;

/// Largest `--cli-input-json` read, so a wrong file cannot take all memory.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// How a command names itself and its flags in messages: an action's subcommand by default;
/// `deploy` its own name and `--version`.
pub struct Names {
    command: &'static str,
    renamed: Vec<(&'static str, &'static str)>,
}

impl Names {
    /// The names of `spec`'s own subcommand.
    pub fn of(spec: &ActionSpec) -> Self {
        Self { command: spec.command, renamed: Vec::new() }
    }

    /// The command's name.
    pub fn command(mut self, command: &'static str) -> Self {
        self.command = command;
        self
    }

    /// The flag the parameter `wire` is named by.
    pub fn flag(mut self, wire: &'static str, flag: &'static str) -> Self {
        self.renamed.push((wire, flag));
        self
    }

    fn flag_of<'a>(&'a self, param: &'a ParamSpec) -> &'a str {
        self.renamed.iter().find(|(wire, _)| *wire == param.wire).map_or(param.flag, |(_, flag)| flag)
    }
}

/// The JSON object to send: `--cli-input-json` if given, then each flag given, converted by
/// its kind; every required parameter must be in it, and no unknown one.
pub fn request_body(
    spec: &ActionSpec,
    names: &Names,
    matches: &ArgMatches,
    stdin: &mut dyn Read,
) -> Result<Map<String, Value>, Failure> {
    let mut body = match matches.get_one::<String>("cli-input-json") {
        Some(source) => read_input_json(spec, source, stdin)?,
        None => Map::new(),
    };
    for param in spec.params {
        if let Some(text) = matches.get_one::<String>(param.wire) {
            body.insert(param.wire.to_owned(), flag_value(param, text)?);
        }
    }
    check_required(spec, names, &body)?;
    Ok(body)
}

/// `--cli-input-json`: an object whose keys are the action's parameters, given inline (a
/// text starting with `{`), as `file://PATH` (as tccli and the AWS CLI take it), as a path, or
/// `-` for standard input.
fn read_input_json(spec: &ActionSpec, source: &str, stdin: &mut dyn Read) -> Result<Map<String, Value>, Failure> {
    let (name, text) = if source.trim_start().starts_with('{') {
        ("the inline JSON".to_owned(), source.to_owned())
    } else if source == "-" {
        let name = "standard input".to_owned();
        let text = read_limited(stdin, &name)?;
        (name, text)
    } else {
        let path = source.strip_prefix("file://").unwrap_or(source);
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::input(format!("error: --cli-input-json: cannot read {path}: {e}")))?;
        let text = read_limited(&mut &file, path)?;
        (path.to_owned(), text)
    };
    let name = name.as_str();
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::input(format!("error: --cli-input-json: {name} is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(Failure::input(format!("error: --cli-input-json: {name} must hold a JSON object")));
    };
    if let Some(unknown) = object.keys().find(|k| !spec.params.iter().any(|p| p.wire == k.as_str())) {
        let known: Vec<&str> = spec.params.iter().map(|p| p.wire).collect();
        return Err(Failure::input(format!(
            "error: --cli-input-json: `{unknown}` is not a parameter of {}; its parameters are {}",
            spec.name,
            known.join(", ")
        )));
    }
    Ok(object)
}

/// All of `input` as text, refusing more than [`MAX_INPUT_BYTES`] with a message of its own.
fn read_limited(input: &mut dyn Read, name: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    input
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::input(format!("error: --cli-input-json: cannot read {name}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::input(format!(
            "error: --cli-input-json: {name} is over the {} MiB limit of an input",
            MAX_INPUT_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|_| Failure::input(format!("error: --cli-input-json: {name} is not UTF-8 text")))
}

/// `--generate-cli-skeleton`: every parameter of the action with an empty value of its kind,
/// as the object `--cli-input-json` takes (pretty JSON).
pub fn skeleton(spec: &ActionSpec) -> String {
    let mut object = Map::new();
    for param in spec.params {
        let value = match param.kind {
            Kind::String => Value::String(String::new()),
            Kind::Int | Kind::UInt => Value::from(0),
            Kind::Float => Value::from(0.0),
            Kind::Bool => Value::Bool(false),
            Kind::Json => match json_hint(param).trim_start_matches("expected: ").chars().next() {
                Some('[') => Value::Array(Vec::new()),
                Some('{') => Value::Object(Map::new()),
                _ => Value::Null,
            },
        };
        object.insert(param.wire.to_owned(), value);
    }
    format!("{}\n", serde_json::to_string_pretty(&Value::Object(object)).expect("a JSON value serializes"))
}

/// A flag's text as the JSON value of its kind.
pub fn flag_value(param: &ParamSpec, text: &str) -> Result<Value, Failure> {
    let invalid = |expected: &str| {
        Failure::input(format!("error: invalid value '{text}' for --{}: expected {expected}", param.flag))
    };
    Ok(match param.kind {
        Kind::String => Value::String(text.to_owned()),
        Kind::Int => Value::from(text.trim().parse::<i64>().map_err(|_| invalid("an integer"))?),
        Kind::UInt => Value::from(text.trim().parse::<u64>().map_err(|_| invalid("a non-negative integer"))?),
        Kind::Float => {
            let number = text.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64);
            Value::Number(number.ok_or_else(|| invalid("a number"))?)
        }
        Kind::Bool => match text.trim() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(invalid("true or false")),
        },
        Kind::Json => serde_json::from_str(text).map_err(|e| {
            Failure::input(format!("error: invalid JSON for --{}: {e}\n{}", param.flag, json_hint(param)))
        })?,
    })
}

/// The expected JSON shape, from the parameter's help.
fn json_hint(param: &ParamSpec) -> String {
    match param.long_help.split("\n\nJSON: ").nth(1) {
        Some(rest) => format!("expected: {}", rest.split("\n\n").next().unwrap_or(rest)),
        None => "see --help".to_owned(),
    }
}

fn check_required(spec: &ActionSpec, names: &Names, body: &Map<String, Value>) -> Result<(), Failure> {
    let missing: Vec<String> = spec
        .params
        .iter()
        .filter(|p| p.required && !body.contains_key(p.wire))
        .map(|p| format!("--{}", names.flag_of(p)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::input(format!(
            "error: {} needs {} (or the same in --cli-input-json)",
            names.command,
            missing.join(", ")
        )))
    }
}
