//! `cargo xtask codegen [--check] [--schema DIR --out DIR [--crate-name NAME]]`
//! `cargo xtask import <api.json> [--examples F] [--errors F] [--docs-en F]`

use std::path::PathBuf;
use std::process::ExitCode;

use xtask::{codegen, default_targets, import, workspace_root, Mode, Target, TaskError};

const USAGE: &str = "usage:
  cargo xtask codegen [--check]                       generate tem-api (and the test fixture) from schema/
  cargo xtask codegen --schema DIR --out DIR [--crate-name NAME]
                                                      generate another service's crate from its official files
  cargo xtask import <api.json> [--examples F] [--errors F] [--docs-en F]
                                                      copy official files into schema/<service>/<version>/";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), TaskError> {
    let root = workspace_root();
    let (command, rest) = args.split_first().ok_or_else(|| TaskError(USAGE.into()))?;
    let mut flags = Flags::parse(rest)?;
    match command.as_str() {
        "codegen" => {
            let mode = if flags.switch("--check") { Mode::Check } else { Mode::Write };
            let targets = match flags.value("--schema")? {
                None => default_targets(),
                Some(schema) => {
                    let out = flags.value("--out")?.ok_or_else(|| TaskError("--schema needs --out DIR".into()))?;
                    let crate_name = match flags.value("--crate-name")? {
                        Some(name) => name,
                        None => format!(
                            "{}-api",
                            PathBuf::from(&out).file_name().and_then(|n| n.to_str()).unwrap_or("service")
                        ),
                    };
                    let cwd = std::env::current_dir().map_err(|e| TaskError(e.to_string()))?;
                    vec![Target {
                        schema_dir: cwd.join(schema),
                        crate_dir: cwd.join(out),
                        crate_name,
                        action_list: None,
                        hand_written_modules: Vec::new(),
                        cli_table: None,
                    }]
                }
            };
            flags.finish()?;
            codegen(&root, &targets, mode)
        }
        "import" => {
            let examples = flags.value("--examples")?.map(PathBuf::from);
            let errors = flags.value("--errors")?.map(PathBuf::from);
            let docs_en = flags.value("--docs-en")?.map(PathBuf::from);
            let api = flags.positional()?.ok_or_else(|| TaskError(format!("import needs <api.json>\n{USAGE}")))?;
            flags.finish()?;
            let dir = import(&root, api.as_ref(), examples.as_deref(), errors.as_deref(), docs_en.as_deref())?;
            eprintln!("imported into {}; now run `cargo xtask codegen`", dir.display());
            Ok(())
        }
        other => Err(TaskError(format!("unknown command `{other}`\n{USAGE}"))),
    }
}

/// Minimal flag parsing: `--name value`, `--switch`, and positionals.
struct Flags(Vec<String>);

impl Flags {
    fn parse(args: &[String]) -> Result<Self, TaskError> {
        Ok(Self(args.to_vec()))
    }

    fn switch(&mut self, name: &str) -> bool {
        let found = self.0.iter().position(|a| a == name);
        found.map(|i| self.0.remove(i)).is_some()
    }

    fn value(&mut self, name: &str) -> Result<Option<String>, TaskError> {
        let Some(i) = self.0.iter().position(|a| a == name) else { return Ok(None) };
        if i + 1 >= self.0.len() {
            return Err(TaskError(format!("{name} needs a value")));
        }
        let value = self.0.remove(i + 1);
        self.0.remove(i);
        Ok(Some(value))
    }

    fn positional(&mut self) -> Result<Option<String>, TaskError> {
        match self.0.iter().position(|a| !a.starts_with("--")) {
            Some(i) => Ok(Some(self.0.remove(i))),
            None => Ok(None),
        }
    }

    fn finish(self) -> Result<(), TaskError> {
        match self.0.first() {
            None => Ok(()),
            Some(extra) => Err(TaskError(format!("unexpected argument `{extra}`\n{USAGE}"))),
        }
    }
}
