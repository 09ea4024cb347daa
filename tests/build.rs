//! Turns each signing vector in `data/signing-vectors.json` and `data/legacy-signing-vectors.json`
//! into a test of its own, so a new vector is a new test and a failure names the vector.

use std::fmt::Write;

fn main() {
    generate("data/signing-vectors.json", "signing_vectors.rs");
    generate("data/legacy-signing-vectors.json", "legacy_signing_vectors.rs");
}

fn generate(path: &str, out_name: &str) {
    println!("cargo:rerun-if-changed={path}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("tests/{path} is committed: {e}"));
    let data: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is JSON: {e}"));
    let mut out = String::new();
    for vector in data["vectors"].as_array().expect("a `vectors` array") {
        let name = vector["name"].as_str().expect("every vector has a name");
        let ident: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        writeln!(out, "#[test]\nfn {ident}() {{\n    check_vector({name:?});\n}}").unwrap();
    }
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join(out_name);
    std::fs::write(dest, out).unwrap();
}
