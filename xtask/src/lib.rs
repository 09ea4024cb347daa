//! The project's tasks: `codegen` (generate, or `--check` the committed output) and
//! `import` (take official API description files into `schema/`).
//!
//! [`ensure_file_contents`] is the one comparison behind `cargo xtask codegen`, its
//! `--check`, the drift test and CI.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use codegen::{Options, Service, ServiceFiles, SourceFile};

/// Write the generated files, or only compare them with what is on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// A task failure, with what to do about it.
#[derive(Debug)]
pub struct TaskError(pub String);

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TaskError {}

impl From<codegen::SchemaError> for TaskError {
    fn from(e: codegen::SchemaError) -> Self {
        Self(format!("invalid schema: {e}"))
    }
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}

/// A service crate generated from one schema directory.
#[derive(Clone, Debug)]
pub struct Target {
    /// `schema/<service>/<version>`, relative to the root.
    pub schema_dir: PathBuf,
    /// The crate's directory, relative to the root (or absolute).
    pub crate_dir: PathBuf,
    pub crate_name: String,
    /// Where to write the list of the crate's actions for the example tests, if anywhere.
    pub action_list: Option<PathBuf>,
    /// Hand-written modules of the crate's `src/` that its generated `lib.rs` declares.
    pub hand_written_modules: Vec<String>,
    /// Where to write the command line's table of actions, if anywhere.
    pub cli_table: Option<PathBuf>,
}

/// What `cargo xtask codegen` generates by default: TEM into `tem-api`, and the test fixture
/// of odd cases from real services into `tests/fixtures/oddities`.
pub fn default_targets() -> Vec<Target> {
    vec![
        Target {
            schema_dir: "schema/tem/2021-07-01".into(),
            crate_dir: "tem-api".into(),
            crate_name: "tem-api".into(),
            action_list: Some("tests/tests/examples/tem_api_actions.rs".into()),
            hand_written_modules: vec!["waiter".into()],
            cli_table: Some("tem-cli/src/actions.rs".into()),
        },
        Target {
            schema_dir: "tests/fixtures/oddities/schema".into(),
            crate_dir: "tests/fixtures/oddities".into(),
            crate_name: "oddities-api".into(),
            action_list: Some("tests/tests/examples/oddities_api_actions.rs".into()),
            hand_written_modules: Vec::new(),
            cli_table: None,
        },
    ]
}

/// The generated files: the common error table of `tem-core`, then every target's `src/`.
pub fn codegen(root: &Path, targets: &[Target], mode: Mode) -> Result<(), TaskError> {
    let common = read(&root.join("schema/common-errors.json"))?;
    let common = codegen::load_common_errors(SourceFile { name: "schema/common-errors.json", text: &common })?;
    let text = codegen::generate_common_errors(&common, "schema/common-errors.json");
    ensure_file_contents(&root.join("tem-core/src/common_error.rs"), &text, mode)?;
    for target in targets {
        let crate_dir = root.join(&target.crate_dir);
        let (service, files) = generate_target_with_service(root, target)?;
        if let Some(list) = &target.action_list {
            let text = codegen::generate_action_list(&service, &options(target));
            ensure_file_contents(&root.join(list), &text, mode)?;
        }
        if let Some(table) = &target.cli_table {
            ensure_file_contents(&root.join(table), &codegen::generate_cli_table(&service), mode)?;
        }
        for (path, text) in &files {
            ensure_file_contents(&crate_dir.join(path), text, mode)?;
        }
        remove_stale(&crate_dir, &files.keys().cloned().collect(), mode)?;
        let manifest = crate_dir.join("Cargo.toml");
        if !manifest.exists() {
            ensure_file_contents(&manifest, &standalone_manifest(root, target)?, mode)?;
        }
    }
    Ok(())
}

/// Loads a target's schema directory and generates its files (in memory).
pub fn generate_target(root: &Path, target: &Target) -> Result<codegen::Files, TaskError> {
    generate_target_with_service(root, target).map(|(_, files)| files)
}

fn options(target: &Target) -> Options {
    Options {
        crate_name: target.crate_name.replace('-', "_"),
        hand_written_modules: target.hand_written_modules.clone(),
    }
}

fn generate_target_with_service(root: &Path, target: &Target) -> Result<(Service, codegen::Files), TaskError> {
    let service = load_target(root, target)?;
    let files = codegen::generate(&service, &options(target));
    Ok((service, files))
}

/// Loads and validates a target's schema directory.
pub fn load_target(root: &Path, target: &Target) -> Result<Service, TaskError> {
    let dir = root.join(&target.schema_dir);
    let label = |file: &str| format!("{}/{file}", target.schema_dir.display());
    let optional = |file: &str| -> Result<Option<(String, String)>, TaskError> {
        let path = dir.join(file);
        if path.exists() {
            Ok(Some((label(file), read(&path)?)))
        } else {
            Ok(None)
        }
    };
    let api = (label("api.json"), read(&dir.join("api.json"))?);
    let api_en = optional("api.en.json")?;
    let examples = optional("examples.json")?;
    let errors = optional("errors.json")?;
    let extensions = optional("extensions.json")?;
    fn source(file: &Option<(String, String)>) -> Option<SourceFile<'_>> {
        file.as_ref().map(|(name, text)| SourceFile { name, text })
    }
    Ok(Service::load(ServiceFiles {
        api: SourceFile { name: &api.0, text: &api.1 },
        api_en: source(&api_en),
        examples: source(&examples),
        errors: source(&errors),
        extensions: source(&extensions),
    })?)
}

/// Makes `path` hold `contents` (Write), or fails with a diff when it does not (Check).
pub fn ensure_file_contents(path: &Path, contents: &str, mode: Mode) -> Result<(), TaskError> {
    let current = fs::read_to_string(path).ok();
    if current.as_deref() == Some(contents) {
        return Ok(());
    }
    match mode {
        Mode::Write => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| TaskError(format!("cannot create {}: {e}", parent.display())))?;
            }
            fs::write(path, contents).map_err(|e| TaskError(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("updated {}", path.display());
            Ok(())
        }
        Mode::Check => Err(TaskError(match current {
            None => format!("{} is missing; run `cargo xtask codegen`", path.display()),
            Some(current) => {
                format!(
                    "{} is out of date; run `cargo xtask codegen`\n{}",
                    path.display(),
                    focused_diff(&current, contents)
                )
            }
        })),
    }
}

/// The changed hunks of two texts with three lines of context, each shown as
/// pretty_assertions shows a comparison (committed on the left, generated on the right):
/// whole files would bury the change.
pub fn focused_diff(committed: &str, generated: &str) -> String {
    const CONTEXT: usize = 3;
    let old: Vec<&str> = committed.split_inclusive('\n').collect();
    let new: Vec<&str> = generated.split_inclusive('\n').collect();
    let mut out = String::new();
    for (old_range, new_range) in hunks(&old, &new, CONTEXT) {
        out.push_str(&format!(
            "@@ committed lines {}-{}, generated lines {}-{} @@\n{}\n",
            old_range.start + 1,
            old_range.end,
            new_range.start + 1,
            new_range.end,
            pretty_assertions::StrComparison::new(&old[old_range.clone()].concat(), &new[new_range.clone()].concat())
        ));
    }
    out
}

/// Ranges of lines that differ, widened by `context` and merged where they touch.
fn hunks(old: &[&str], new: &[&str], context: usize) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    // Trim the common ends, then align the middle by longest common subsequence; generated
    // files are small enough for the quadratic table, and larger middles are one hunk.
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (a, b) = (&old[prefix..old.len() - suffix], &new[prefix..new.len() - suffix]);
    if a.is_empty() && b.is_empty() {
        return Vec::new();
    }
    let mut changes: Vec<(usize, usize, usize, usize)> = Vec::new(); // old start/end, new start/end
    if a.len().saturating_mul(b.len()) > 16_000_000 {
        changes.push((0, a.len(), 0, b.len()));
    } else {
        let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                i += 1;
                j += 1;
                continue;
            }
            let (si, sj) = (i, j);
            while (i < a.len() || j < b.len()) && !(i < a.len() && j < b.len() && a[i] == b[j]) {
                if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
                    j += 1;
                } else {
                    i += 1;
                }
            }
            changes.push((si, i, sj, j));
        }
    }
    let mut out: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = Vec::new();
    for (os, oe, ns, ne) in changes {
        let old_range = (prefix + os).saturating_sub(context)..(prefix + oe + context).min(old.len());
        let new_range = (prefix + ns).saturating_sub(context)..(prefix + ne + context).min(new.len());
        match out.last_mut() {
            Some((o, n)) if old_range.start <= o.end => {
                o.end = old_range.end;
                n.end = new_range.end;
            }
            _ => out.push((old_range, new_range)),
        }
    }
    out
}

/// Generated files that the schema no longer produces.
fn remove_stale(crate_dir: &Path, expected: &BTreeSet<String>, mode: Mode) -> Result<(), TaskError> {
    for sub in ["src/operation", "src/types"] {
        let Ok(entries) = fs::read_dir(crate_dir.join(sub)) else { continue };
        let mut stale: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let rel = p.strip_prefix(crate_dir).unwrap_or(p).to_string_lossy().replace('\\', "/");
                !expected.contains(&rel)
            })
            .collect();
        stale.sort();
        for path in stale {
            match mode {
                Mode::Write => {
                    fs::remove_file(&path).map_err(|e| TaskError(format!("cannot remove {}: {e}", path.display())))?;
                    eprintln!("removed {}", path.display());
                }
                Mode::Check => {
                    return Err(TaskError(format!(
                        "{} is no longer generated; run `cargo xtask codegen`",
                        path.display()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// `Cargo.toml` of a crate generated outside the workspace's members.
fn standalone_manifest(root: &Path, target: &Target) -> Result<String, TaskError> {
    let crate_dir = root.join(&target.crate_dir);
    let core = root.join("tem-core").canonicalize().map_err(|e| TaskError(format!("tem-core: {e}")))?;
    fs::create_dir_all(&crate_dir).map_err(|e| TaskError(format!("{}: {e}", crate_dir.display())))?;
    let crate_dir = crate_dir.canonicalize().map_err(|e| TaskError(format!("{}: {e}", crate_dir.display())))?;
    let core_path = relative(&crate_dir, &core);
    let inside = crate_dir.starts_with(root.canonicalize().unwrap_or_else(|_| root.to_owned()));
    let name = &target.crate_name;
    let core_path = core_path.display();
    let workspace =
        if inside { "" } else { "\n# Generated outside the SDK's workspace: a workspace of its own.\n[workspace]\n" };
    Ok(format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
license = "Apache-2.0"
publish = false

[dependencies]
tem-core = {{ path = "{core_path}", default-features = false }}
serde = {{ version = "1", features = ["derive"] }}

# tem-core's features, forwarded as tem-api forwards them.
[features]
default = ["rustls"]
# TLS trusting the Mozilla roots bundled in the program.
rustls = ["tem-core/rustls"]
# TLS trusting the platform's certificate store; with `default-features = false`, the only roots.
native-roots = ["tem-core/native-roots"]
# The transport seam for tests of code that calls this crate.
test-util = ["tem-core/test-util"]
{workspace}"#
    ))
}

fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    out
}

/// `cargo xtask import`: copies official files into `schema/<service>/<version>/` after
/// checking that they load; the service and version come from `api.json`'s metadata.
pub fn import(
    root: &Path,
    api: &Path,
    examples: Option<&Path>,
    errors: Option<&Path>,
    docs_en: Option<&Path>,
) -> Result<PathBuf, TaskError> {
    let texts: Vec<(&str, Option<String>)> = vec![
        ("api.json", Some(read(api)?)),
        ("api.en.json", docs_en.map(read).transpose()?),
        ("examples.json", examples.map(read).transpose()?),
        ("errors.json", errors.map(read).transpose()?),
    ];
    let get = |name: &str| texts.iter().find(|(n, _)| *n == name).and_then(|(_, t)| t.as_deref());
    let names = [
        api.display().to_string(),
        docs_en.map(|p| p.display().to_string()).unwrap_or_default(),
        examples.map(|p| p.display().to_string()).unwrap_or_default(),
        errors.map(|p| p.display().to_string()).unwrap_or_default(),
    ];
    let service = Service::load(ServiceFiles {
        api: SourceFile { name: &names[0], text: get("api.json").expect("read above") },
        api_en: get("api.en.json").map(|text| SourceFile { name: &names[1], text }),
        examples: get("examples.json").map(|text| SourceFile { name: &names[2], text }),
        errors: get("errors.json").map(|text| SourceFile { name: &names[3], text }),
        extensions: None,
    })?;
    let dir = root.join("schema").join(&service.name).join(&service.version);
    for (name, text) in &texts {
        if let Some(text) = text {
            ensure_file_contents(&dir.join(name), text, Mode::Write)?;
        }
    }
    Ok(dir)
}

fn read(path: &Path) -> Result<String, TaskError> {
    fs::read_to_string(path).map_err(|e| TaskError(format!("cannot read {}: {e}", path.display())))
}
