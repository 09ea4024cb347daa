//! Golden tests of the generator: the committed generated code equals what the schema
//! generates, generation is deterministic, and a schema change without regeneration fails
//! with a focused diff naming the command to run.

use std::path::Path;

use pretty_assertions::assert_eq;
use xtask::{default_targets, ensure_file_contents, generate_target, workspace_root, Mode, Target};

const SEED_MODULE: &str = "src/operation/rolling_update_application_by_version.rs";

fn tem_target() -> Target {
    default_targets().into_iter().find(|t| t.crate_name == "tem-api").expect("tem-api is a default target")
}

#[test]
fn committed_generated_code_is_up_to_date() {
    if let Err(e) = xtask::codegen(&workspace_root(), &default_targets(), Mode::Check) {
        panic!("{e}");
    }
}

/// The seed's action on its own, so a change to it shows as a diff of that one file.
#[test]
fn seed_action_matches_its_golden_file() {
    let root = workspace_root();
    let files = generate_target(&root, &tem_target()).unwrap();
    let golden = std::fs::read_to_string(root.join("tem-api").join(SEED_MODULE)).unwrap();
    assert_eq!(files[SEED_MODULE], golden);
}

/// Generating twice gives the same files, for every default target and the command line's table.
#[test]
fn generation_is_deterministic() {
    let root = workspace_root();
    for target in default_targets() {
        let first = generate_target(&root, &target).unwrap();
        let second = generate_target(&root, &target).unwrap();
        assert!(first == second, "two generations of {} from one schema differ", target.crate_name);
        let service = xtask::load_target(&root, &target).unwrap();
        assert_eq!(codegen::generate_cli_table(&service), codegen::generate_cli_table(&service));
    }
}

#[test]
fn every_generated_file_starts_with_the_header() {
    let files = generate_target(&workspace_root(), &tem_target()).unwrap();
    for (path, text) in &files {
        assert!(text.starts_with(codegen::HEADER), "{path} lacks the header");
    }
}

/// Drift: the schema changes (a parameter's documentation and a new optional parameter) but
/// the code is not regenerated. The check must fail on the seed's file, say what to run,
/// and show the changed lines.
#[test]
fn schema_change_without_regeneration_fails_with_a_focused_diff() {
    let root = workspace_root();
    let scratch = std::env::temp_dir().join(format!("tem-drift-{}", std::process::id()));
    let schema = scratch.join("schema");
    std::fs::create_dir_all(&schema).unwrap();
    for file in ["api.json", "api.en.json", "examples.json", "errors.json", "extensions.json"] {
        std::fs::copy(root.join("schema/tem/2021-07-01").join(file), schema.join(file)).unwrap();
    }
    let mut api: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema.join("api.json")).unwrap()).unwrap();
    let members = api["objects"]["RollingUpdateApplicationByVersionRequest"]["members"].as_array_mut().unwrap();
    members[0]["document"] = "应用ID（已变更）".into();
    members.push(serde_json::json!({
        "name": "DryRun", "type": "bool", "member": "bool", "required": false,
        "document": "只校验，不部署", "example": "true", "disabled": false
    }));
    std::fs::write(schema.join("api.json"), serde_json::to_string_pretty(&api).unwrap()).unwrap();

    let target = Target { action_list: None, schema_dir: schema.clone(), ..tem_target() };
    let files = generate_target(&root, &target).unwrap();
    std::fs::remove_dir_all(&scratch).unwrap();

    let mut failures = Vec::new();
    for (path, text) in &files {
        if let Err(e) = ensure_file_contents(&root.join("tem-api").join(path), text, Mode::Check) {
            failures.push(e.to_string());
        }
    }
    assert_eq!(failures.len(), 1, "only the seed's module changes: {failures:#?}");
    let report = &strip_ansi(&failures[0]);
    assert!(report.contains(&Path::new("tem-api").join(SEED_MODULE).display().to_string()), "{report}");
    assert!(report.contains("run `cargo xtask codegen`"), "{report}");
    assert!(report.contains("应用ID（已变更）"), "the diff shows the changed doc: {report}");
    assert!(report.contains("pub dry_run: ::std::option::Option<bool>"), "the diff shows the new field: {report}");
    // Focused: the two hunks with their context, not the whole file.
    assert!(report.matches("@@ committed lines").count() >= 2, "{report}");
    assert!(report.lines().count() < 200, "{} lines: {report}", report.lines().count());
}

/// Removes the colour codes pretty_assertions adds.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn focused_diff_shows_only_the_changed_lines_with_context() {
    let old: String = (1..=100).map(|i| format!("line {i}\n")).collect();
    let new = old.replace("line 50\n", "line fifty\n");
    let diff = strip_ansi(&xtask::focused_diff(&old, &new));
    assert!(diff.starts_with("@@ committed lines 47-53, generated lines 47-53 @@"), "{diff}");
    assert!(diff.contains("line fifty") && !diff.contains("line 10\n") && !diff.contains("line 90"), "{diff}");
    assert_eq!(xtask::focused_diff(&old, &old), "");
}

/// Every action and every structure of the schema has its generated item: 51 actions with
/// request and response (102 structures) and 50 data structures, 152 in all.
#[test]
fn every_action_and_structure_is_generated() {
    let root = workspace_root();
    let api: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("schema/tem/2021-07-01/api.json")).unwrap()).unwrap();
    let actions = api["actions"].as_object().unwrap();
    let objects = api["objects"].as_object().unwrap();
    assert_eq!((actions.len(), objects.len()), (51, 152));

    let files = generate_target(&root, &tem_target()).unwrap();
    let mut found = 0;
    for (name, action) in actions {
        let module = codegen::names::rust_name(name, codegen::names::Case::Snake);
        let text = &files[&format!("src/operation/{module}.rs")];
        for object in [&action["input"], &action["output"]] {
            let object = object.as_str().unwrap();
            assert!(text.contains(&format!("pub struct {object} {{")), "{object} in {module}.rs");
            found += 1;
        }
        assert!(text.contains(&format!("pub fn {module}(")), "client method {module}");
    }
    for name in objects.keys().filter(|k| !k.ends_with("Request") && !k.ends_with("Response")) {
        let module = codegen::names::rust_name(name, codegen::names::Case::Snake);
        assert!(files[&format!("src/types/{module}.rs")].contains(&format!("pub struct {name} {{")), "{name}");
        found += 1;
    }
    assert_eq!(found, 152);
}

/// `cargo xtask import` takes official files into `schema/<service>/<version>/` as they are,
/// so `git diff schema/` shows the drift; it refuses files that do not load.
#[test]
fn import_writes_official_files_under_service_and_version() {
    let root = workspace_root();
    let scratch = std::env::temp_dir().join(format!("tem-import-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let official = root.join("schema/tem/2021-07-01");
    let dir = xtask::import(
        &scratch,
        &official.join("api.json"),
        Some(&official.join("examples.json")),
        Some(&official.join("errors.json")),
        Some(&official.join("api.en.json")),
    )
    .unwrap();
    assert_eq!(dir, scratch.join("schema/tem/2021-07-01"));
    for file in ["api.json", "api.en.json", "examples.json", "errors.json"] {
        let imported = std::fs::read(dir.join(file)).unwrap();
        assert!(imported == std::fs::read(official.join(file)).unwrap(), "{file} is copied byte for byte");
    }

    let broken = scratch.join("broken-api.json");
    std::fs::write(&broken, "{\"actions\": {}}").unwrap();
    let error = xtask::import(&scratch, &broken, None, None, None).unwrap_err().to_string();
    std::fs::remove_dir_all(&scratch).unwrap();
    assert!(error.contains("broken-api.json") && error.contains("cannot parse"), "{error}");
}

/// A crate generated outside the workspace (README "Another service") forwards tem-core's TLS
/// features as tem-api does: the default `rustls`, and `native-roots` alone with
/// `default-features = false`.
#[test]
fn an_out_of_tree_crate_forwards_tem_cores_tls_features() {
    let root = workspace_root();
    let scratch = std::env::temp_dir().join(format!("tem-out-of-tree-{}", std::process::id()));
    let target = Target {
        schema_dir: root.join("tests/fixtures/oddities/schema"),
        crate_dir: scratch.join("oddities"),
        crate_name: "oddities-out-api".into(),
        action_list: None,
        hand_written_modules: Vec::new(),
        cli_table: None,
    };
    xtask::codegen(&root, &[target], Mode::Write).unwrap();
    let manifest = std::fs::read_to_string(scratch.join("oddities/Cargo.toml")).unwrap();
    std::fs::remove_dir_all(&scratch).unwrap();
    for line in [
        "default-features = false }",
        "[features]",
        "default = [\"rustls\"]",
        "rustls = [\"tem-core/rustls\"]",
        "native-roots = [\"tem-core/native-roots\"]",
        "[workspace]",
    ] {
        assert!(manifest.contains(line), "{line} in:\n{manifest}");
    }
}
