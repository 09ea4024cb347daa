//! A request body from an action's flags and `--cli-input-json`: one generic function for
//! every action, driven by its table row.

use std::io::Read;

use clap::ArgMatches;
use serde_json::{Map, Value};

use crate::spec::{ActionSpec, Kind, ParamSpec};
use crate::Failure;

/// Largest `--cli-input-json` read, so a wrong file cannot take all memory.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The JSON object to send: `--cli-input-json` if given, then each flag given, converted by
/// its kind; every required parameter must be in it, and no unknown one.
pub fn request_body(
    spec: &ActionSpec,
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
    check_required(spec, &body)?;
    Ok(body)
}

/// `--cli-input-json FILE|-`: an object whose keys are the action's parameters.
fn read_input_json(spec: &ActionSpec, source: &str, stdin: &mut dyn Read) -> Result<Map<String, Value>, Failure> {
    let mut text = String::new();
    let read = if source == "-" {
        stdin.take(MAX_INPUT_BYTES).read_to_string(&mut text)
    } else {
        std::fs::File::open(source).and_then(|f| f.take(MAX_INPUT_BYTES).read_to_string(&mut text))
    };
    let name = if source == "-" { "standard input" } else { source };
    read.map_err(|e| Failure::input(format!("error: --cli-input-json: cannot read {name}: {e}")))?;
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

fn check_required(spec: &ActionSpec, body: &Map<String, Value>) -> Result<(), Failure> {
    let missing: Vec<String> = spec
        .params
        .iter()
        .filter(|p| p.required && !body.contains_key(p.wire))
        .map(|p| format!("--{}", p.flag))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::input(format!(
            "error: {} needs {} (or the same in --cli-input-json)",
            spec.command,
            missing.join(", ")
        )))
    }
}
