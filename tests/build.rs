//! Turns each signing vector in `data/signing-vectors.json` into a test of its own, so a
//! new vector is a new test and a failure names the vector.

use std::fmt::Write;

fn main() {
    let path = "data/signing-vectors.json";
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).expect("tests/data/signing-vectors.json is committed");
    let data: serde_json::Value = serde_json::from_str(&text).expect("signing-vectors.json is JSON");
    let mut out = String::new();
    for vector in data["vectors"].as_array().expect("a `vectors` array") {
        let name = vector["name"].as_str().expect("every vector has a name");
        let ident: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        writeln!(out, "#[test]\nfn {ident}() {{\n    check_vector({name:?});\n}}").unwrap();
    }
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("signing_vectors.rs");
    std::fs::write(dest, out).unwrap();
}
