//! Compacts the TEM schema (`../schema/tem/2021-07-01`) into the table the emulator validates
//! requests with and the example replies it answers unmodelled actions with, so that nothing
//! about the API is listed by hand in the emulator's source.
//!
//! Output (`$OUT_DIR/schema.json`):
//! `{"actions": {Action: {"input": Obj, "output": Obj, "example": output text or null}},
//!   "objects": {Obj: [[member, type, element or object, required, nullable], ...]}}`.

use std::path::PathBuf;

use serde_json::{json, Map, Value};

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../schema/tem/2021-07-01");
    let api_path = dir.join("api.json");
    let examples_path = dir.join("examples.json");
    println!("cargo:rerun-if-changed={}", api_path.display());
    println!("cargo:rerun-if-changed={}", examples_path.display());
    let read = |path: &PathBuf| -> Value {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
    };
    let api = read(&api_path);
    let examples = read(&examples_path);

    let mut actions = Map::new();
    for (name, action) in api["actions"].as_object().expect("api.json has actions") {
        let example = examples["actions"][name]
            .as_array()
            .and_then(|list| list.iter().find_map(|e| e["output"].as_str()))
            .map_or(Value::Null, Value::from);
        actions.insert(name.clone(), json!({"input": action["input"], "output": action["output"], "example": example}));
    }
    let mut objects = Map::new();
    for (name, object) in api["objects"].as_object().expect("api.json has objects") {
        let members: Vec<Value> = object["members"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                json!([
                    m["name"],
                    m["type"],
                    m["member"],
                    m["required"].as_bool().unwrap_or(false),
                    m["value_allowed_null"].as_bool().unwrap_or(false)
                ])
            })
            .collect();
        objects.insert(name.clone(), Value::from(members));
    }
    let table = json!({"version": api["metadata"]["apiVersion"], "actions": actions, "objects": objects});
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("schema.json");
    std::fs::write(&out, table.to_string()).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
