//! The shape of the generated table of actions (`actions.rs`, which uses these types; this
//! module does not depend on it), and its help in the user's language.
//!
//! The command line is built in English; [`localize`] swaps in the table's Chinese texts when
//! [`Language::choose`] says so (`--language zh-CN`, or a `zh` locale).

use std::ffi::OsString;

use clap::{Arg, Command};

/// One action as a subcommand.
#[derive(Debug)]
pub struct ActionSpec {
    /// The wire name (`DescribeApplications`), sent as `X-TC-Action`.
    pub name: &'static str,
    /// The subcommand (`describe-applications`).
    pub command: &'static str,
    /// One line for the list of subcommands, in English.
    pub about: &'static str,
    /// The action's documentation, in English.
    pub long_about: &'static str,
    /// `about` in Chinese (`api.json`).
    pub about_zh: &'static str,
    /// `long_about` in Chinese (`api.json`).
    pub long_about_zh: &'static str,
    /// Changes nothing on the server.
    pub read_only: bool,
    /// The request's parameters.
    pub params: &'static [ParamSpec],
    /// How the action pages, if it does: the generator's rules (`codegen::paginate`), the same
    /// as tem-api's paginators.
    pub paging: Option<PagingSpec>,
}

/// How a paginated action pages.
#[derive(Debug)]
pub struct PagingSpec {
    pub style: PageStyle,
    /// The reply's members down to the object holding the page: none, or e.g. `["Result"]`.
    pub page: &'static [&'static str],
    /// The page's list of items (`Records`).
    pub items: &'static str,
    /// The page's `TotalCount`/`Total` (offset paging) or `ContinueToken` (token paging).
    pub next: &'static str,
}

/// How the next page is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageStyle {
    /// Integer `Offset` and `Limit`.
    Offset,
    /// A string `ContinueToken`.
    Token,
}

/// One request parameter as a flag.
#[derive(Debug)]
pub struct ParamSpec {
    /// The wire name (`EnvironmentId`).
    pub wire: &'static str,
    /// The flag without `--` (`environment-id`).
    pub flag: &'static str,
    pub kind: Kind,
    /// The request needs it (from the flag or `--cli-input-json`).
    pub required: bool,
    /// One line of help, in English.
    pub help: &'static str,
    /// The whole documentation in English, with the JSON shape (`\n\nJSON: `) and an example
    /// (`\n\nExample: `) where known.
    pub long_help: &'static str,
    /// `help` in Chinese (`api.json`).
    pub help_zh: &'static str,
    /// `long_help` in Chinese (`api.json`): `\n\nJSON：` and `\n\n示例：`.
    pub long_help_zh: &'static str,
}

/// How a flag's text becomes a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Int,
    UInt,
    Float,
    /// `--flag`, `--flag true`, `--flag false`.
    Bool,
    /// A JSON text: lists and structures.
    Json,
}

impl Kind {
    /// The value name shown in help.
    pub fn value_name(self) -> &'static str {
        match self {
            Self::String => "TEXT",
            Self::Int => "INT",
            Self::UInt => "UINT",
            Self::Float => "NUMBER",
            Self::Bool => "BOOL",
            Self::Json => "JSON",
        }
    }
}

/// The language of the help taken from the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    #[default]
    English,
    /// From `api.json`, the official description (`zh-CN`).
    Chinese,
}

impl Language {
    /// The values of `--language`.
    pub const VALUES: [&'static str; 2] = ["en-US", "zh-CN"];

    /// `--language` wherever it stands in `args` (help is built before they are parsed), else
    /// the locale: the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set and not empty,
    /// Chinese when it starts with `zh` (`zh_CN.UTF-8`).
    pub fn choose(args: &[OsString], env: impl Fn(&str) -> Option<OsString>) -> Self {
        let mut args = args.iter().skip(1).map(|a| a.to_string_lossy());
        while let Some(arg) = args.next() {
            if arg == "--" {
                break;
            }
            let value = match arg.strip_prefix("--language") {
                Some("") => args.next().map(|v| v.into_owned()),
                Some(rest) => rest.strip_prefix('=').map(str::to_owned),
                None => None,
            };
            if let Some(language) = value.as_deref().and_then(Self::from_tag) {
                return language;
            }
        }
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].into_iter().filter_map(env).find(|v| !v.is_empty());
        match locale {
            Some(locale) if locale.to_string_lossy().to_ascii_lowercase().starts_with("zh") => Self::Chinese,
            _ => Self::English,
        }
    }

    fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Self::Chinese)
        } else if tag.starts_with("en") {
            Some(Self::English)
        } else {
            None
        }
    }
}

impl ActionSpec {
    /// One line for the list of subcommands.
    pub fn about_in(&self, language: Language) -> &'static str {
        pick(language, self.about, self.about_zh)
    }

    /// The action's documentation.
    pub fn long_about_in(&self, language: Language) -> &'static str {
        pick(language, self.long_about, self.long_about_zh)
    }
}

impl ParamSpec {
    /// One line of help, marked when the parameter is required.
    pub fn help_in(&self, language: Language) -> String {
        let help = pick(language, self.help, self.help_zh);
        if self.required {
            format!("{help} {}", required(language))
        } else {
            help.to_owned()
        }
    }

    /// The whole documentation, marked when the parameter is required; its example as typed
    /// ([`ParamSpec::typed_example`]).
    pub fn long_help_in(&self, language: Language) -> String {
        let help = pick(language, self.long_help, self.long_help_zh);
        let help = match EXAMPLE_LABELS.iter().find_map(|label| Some((label, help.rsplit_once(label)?))) {
            Some((label, (text, example))) => format!("{text}{label}{}", self.typed_example(example)),
            None => help.to_owned(),
        };
        if self.required {
            format!("{help}\n\n{}", required(language))
        } else {
            help.to_owned()
        }
    }
}

/// What introduces a parameter's example, at the end of its documentation (`long_help`,
/// `long_help_zh`).
pub const EXAMPLE_LABELS: [&str; 2] = ["\n\nExample: ", "\n\n示例："];

impl ParamSpec {
    /// `value` as typed after the flag: itself, or `--flag=value` (one shell word) when it starts
    /// with `-` and is no number, since text flags take no values that look like flags.
    pub fn typed_example(&self, value: &str) -> String {
        let numeric = matches!(self.kind, Kind::Int | Kind::UInt | Kind::Float);
        if value.starts_with('-') && !numeric {
            format!("--{}={}", self.flag, crate::shell::shell_word(value))
        } else {
            value.to_owned()
        }
    }
}

fn pick(language: Language, english: &'static str, chinese: &'static str) -> &'static str {
    match language {
        Language::Chinese if !chinese.is_empty() => chinese,
        _ => english,
    }
}

fn required(language: Language) -> &'static str {
    match language {
        Language::English => "[required]",
        Language::Chinese => "[必填]",
    }
}

/// The command line with the table's texts in `language`; it is built in English. Each
/// action's subcommand (by name) gets its row's texts; each flag made from a parameter gets the
/// parameter's, also under a subcommand that is no action but takes one's flags (`deploy`):
/// there the parameter is the one whose wire name and English help the flag has.
pub fn localize(command: Command, actions: &'static [ActionSpec], language: Language) -> Command {
    if language == Language::English {
        return command;
    }
    command.mut_subcommands(|sub| {
        let row = actions.iter().find(|a| a.command == sub.get_name());
        let sub = match row {
            Some(row) => sub.about(row.about_in(language)).long_about(row.long_about_in(language)),
            None => sub,
        };
        sub.mut_args(|arg| match param_of(&arg, row, actions) {
            Some(param) => arg.help(param.help_in(language)).long_help(param.long_help_in(language)),
            None => arg,
        })
    })
}

fn param_of(arg: &Arg, row: Option<&'static ActionSpec>, actions: &'static [ActionSpec]) -> Option<&'static ParamSpec> {
    let id = arg.get_id().as_str();
    if let Some(row) = row {
        return row.params.iter().find(|p| p.wire == id);
    }
    let english = arg.get_long_help()?.to_string();
    actions.iter().flat_map(|a| a.params).find(|p| p.wire == id && p.long_help_in(Language::English) == english)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::{localize, Language, EXAMPLE_LABELS};
    use crate::actions::ACTIONS;

    fn has_cjk(text: &str) -> bool {
        text.chars().any(|c| {
            matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
        })
    }

    /// Every subcommand's long help (`tem CMD --help`), and the top level's.
    fn all_help(language: Language) -> Vec<(String, String)> {
        let mut command = localize(crate::command(), ACTIONS, language);
        let mut help = vec![("tem".to_owned(), command.render_long_help().to_string())];
        let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_owned()).collect();
        for name in names {
            let sub = command.find_subcommand_mut(&name).unwrap();
            help.push((name, sub.render_long_help().to_string()));
        }
        help
    }

    #[test]
    fn no_help_in_the_default_language_has_chinese_text() {
        let help = all_help(Language::English);
        for name in ACTIONS.iter().map(|a| a.command).chain(["deploy", "completions"]) {
            assert!(help.iter().any(|(n, _)| n == name), "{name}");
        }
        for (command, text) in help {
            assert!(!has_cjk(&text), "tem {command} --help:\n{text}");
        }
    }

    #[test]
    fn chinese_help_comes_from_the_official_description() {
        let help = all_help(Language::Chinese);
        let of = |name: &str| &help.iter().find(|(n, _)| n == name).unwrap().1;
        // An action documented in English officially, one we translated, and `deploy`'s flags.
        assert!(of("describe-applications").contains("获取运行服务列表"), "{}", of("describe-applications"));
        assert!(of("resume-deploy-application").contains("需要开始下一批次的服务id"));
        assert!(of("deploy").contains("[必填]") && of("deploy").contains("环境ID"), "{}", of("deploy"));
        // Examples as the official description gives them, where ours replaced them in English.
        assert!(of("create-application").contains("示例：服务a"), "{}", of("create-application"));
    }

    /// The help's examples work when typed as the help shows them (`--flag VALUE`, or
    /// `--flag=VALUE` for a value starting with `-`): each goes through clap and the flag's parser.
    #[test]
    fn every_example_is_accepted_by_its_flags_parser() {
        let mut checked = 0;
        let mut typed_with_equals = 0;
        for action in ACTIONS {
            for param in action.params {
                for (help, label, language) in [
                    (param.long_help, EXAMPLE_LABELS[0], Language::English),
                    (param.long_help_zh, EXAMPLE_LABELS[1], Language::Chinese),
                ] {
                    let Some((_, example)) = help.rsplit_once(label) else { continue };
                    let shown = param.long_help_in(language);
                    let (_, typed) = shown.rsplit_once(label).expect("the example is shown");
                    let typed = typed.split("\n\n").next().unwrap();
                    let flag = format!("--{}", param.flag);
                    let args = match typed.strip_prefix(&format!("{flag}=")) {
                        Some(word) => {
                            typed_with_equals += 1;
                            vec![format!("{flag}={}", unquote(word))]
                        }
                        None => vec![flag.clone(), typed.to_owned()],
                    };
                    let matches = crate::command()
                        .try_get_matches_from(["tem", action.command].into_iter().map(String::from).chain(args))
                        .unwrap_or_else(|e| panic!("tem {} {typed}: {e}", action.command));
                    let (_, sub) = matches.subcommand().unwrap();
                    let text = sub.get_one::<String>(param.wire).unwrap();
                    assert_eq!(text, example);
                    if let Err(failure) = crate::body::flag_value(param, text) {
                        panic!("tem {} {flag} {example}: {}", action.command, failure.message);
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 400, "{checked} examples");
        // `--jvm-opts='-Xms128m -XX:MetaspaceSize=128m'`, in both languages.
        assert_eq!(typed_with_equals, 2);
    }

    /// A shell word as `crate::shell::shell_word` writes it.
    fn unquote(word: &str) -> String {
        match word.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')) {
            Some(quoted) => quoted.replace(r"'\''", "'"),
            None => word.to_owned(),
        }
    }

    #[test]
    fn negative_numbers_are_values_checked_by_the_flags_parser() {
        let parse = |args: &[&str]| crate::command().try_get_matches_from(args);
        let matches = parse(&["tem", "rolling-update-application-by-version", "--total-batch-count", "-1"]).unwrap();
        let (_, sub) = matches.subcommand().unwrap();
        assert_eq!(sub.get_one::<String>("TotalBatchCount").map(String::as_str), Some("-1"));
        let param = ACTIONS.iter().flat_map(|a| a.params).find(|p| p.wire == "TotalBatchCount").unwrap();
        assert_eq!(crate::body::flag_value(param, "-1").unwrap(), serde_json::json!(-1));
        // A non-negative parameter refuses it with our message, not clap's "unexpected argument".
        let unsigned = ACTIONS.iter().flat_map(|a| a.params).find(|p| p.kind == super::Kind::UInt).unwrap();
        let message = crate::body::flag_value(unsigned, "-1").unwrap_err().message;
        assert!(message.contains("expected a non-negative integer"), "{message}");
    }

    #[test]
    fn a_text_flag_does_not_take_the_next_flag_for_its_value() {
        let parse = |args: &[&str]| crate::command().try_get_matches_from(args);
        for next in [&["--description", "d"][..], &["--generate-cli-skeleton"]] {
            let args = [&["tem", "create-application", "--application-name"][..], next].concat();
            let error = parse(&args).unwrap_err();
            assert_eq!(error.kind(), clap::error::ErrorKind::InvalidValue, "{args:?}: {error}");
            assert!(error.to_string().contains("a value is required for '--application-name <TEXT>'"), "{error}");
        }
        // A flag the action does not have is not a value either.
        let error =
            parse(&["tem", "create-application", "--application-name", "--environment-id", "en-x"]).unwrap_err();
        assert!(error.to_string().contains("unexpected argument '--environment-id'"), "{error}");
        // A value starting with `-` (JVM options) is given as `--flag=value`.
        let matches = parse(&["tem", "deploy-application", "--jvm-opts=-Xms128m -Xmx1g"]).unwrap();
        assert_eq!(matches.subcommand().unwrap().1.get_one::<String>("JvmOpts").unwrap(), "-Xms128m -Xmx1g");
    }

    #[test]
    fn the_language_is_the_flags_else_the_locales() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| OsString::from(v))
        };
        let none = env(&[]);
        assert_eq!(Language::choose(&args(&["tem", "x", "--help"]), none), Language::English);
        assert_eq!(Language::choose(&args(&["tem", "--language", "zh-CN", "x"]), env(&[])), Language::Chinese);
        assert_eq!(Language::choose(&args(&["tem", "x", "--help", "--language=zh-cn"]), env(&[])), Language::Chinese);
        assert_eq!(Language::choose(&args(&["tem", "x"]), env(&[("LANG", "zh_CN.UTF-8")])), Language::Chinese);
        assert_eq!(Language::choose(&args(&["tem", "x"]), env(&[("LC_ALL", "zh_TW.UTF-8")])), Language::Chinese);
        // LC_ALL overrides LANG; an empty one does not count; the flag overrides both.
        assert_eq!(
            Language::choose(&args(&["tem"]), env(&[("LC_ALL", "C.UTF-8"), ("LANG", "zh_CN.UTF-8")])),
            Language::English
        );
        assert_eq!(Language::choose(&args(&["tem"]), env(&[("LC_ALL", ""), ("LANG", "zh_CN")])), Language::Chinese);
        assert_eq!(
            Language::choose(&args(&["tem", "--language", "en-US"]), env(&[("LANG", "zh_CN.UTF-8")])),
            Language::English
        );
        // After `--`, `--language` is a value, not the flag.
        assert_eq!(Language::choose(&args(&["tem", "--", "--language", "zh-CN"]), env(&[])), Language::English);
    }
}
