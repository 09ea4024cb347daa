//! The help's language, through the `tem` binary: English by default whatever the schema lacks,
//! Chinese (from `api.json`) with `--language zh-CN` or a `zh` locale; and negative numbers.

use std::process::{Command, Output, Stdio};

use tem_cli::actions::ACTIONS;

/// The binary with only the given environment.
fn tem(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tem"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the tem binary runs")
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    })
}

fn help(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = tem(args, env);
    assert!(output.status.success(), "tem {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn no_commands_help_has_chinese_text_by_default() {
    let english = [("LANG", "en_US.UTF-8")];
    let commands = ACTIONS.iter().map(|a| a.command).chain(["deploy", "completions"]);
    for command in commands {
        let text = help(&[command, "--help"], &english);
        assert!(!has_cjk(&text), "tem {command} --help:\n{text}");
    }
    assert!(!has_cjk(&help(&["--help"], &english)));
    // Five actions lack English in api.en.json: ours from extensions.json.
    let text = help(&["resume-deploy-application", "--help"], &[]);
    assert!(text.contains("start the next batch of a batch deployment"), "{text}");
}

#[test]
fn help_is_chinese_with_language_zh_cn_or_a_chinese_locale() {
    for (args, env) in [
        (&["--language", "zh-CN", "describe-applications", "--help"][..], &[][..]),
        (&["describe-applications", "--help", "--language=zh-CN"][..], &[][..]),
        (&["describe-applications", "--help"][..], &[("LANG", "zh_CN.UTF-8")][..]),
        (&["describe-applications", "--help"][..], &[("LC_ALL", "zh_CN.UTF-8"), ("LANG", "C")][..]),
    ] {
        let text = help(args, env);
        assert!(text.contains("获取运行服务列表"), "tem {args:?} with {env:?}:\n{text}");
    }
    // LC_ALL wins over LANG, and the flag over both.
    for (args, env) in [
        (&["describe-applications", "--help"][..], &[("LC_ALL", "C.UTF-8"), ("LANG", "zh_CN.UTF-8")][..]),
        (&["--language", "en-US", "describe-applications", "--help"][..], &[("LANG", "zh_CN.UTF-8")][..]),
    ] {
        let text = help(args, env);
        assert!(!has_cjk(&text), "tem {args:?} with {env:?}:\n{text}");
    }
    let output = tem(&["--language", "fr", "describe-applications"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--language"));
}

#[test]
fn a_negative_number_is_a_value_not_an_unknown_argument() {
    let env = [
        ("TENCENTCLOUD_SECRET_ID", "AKIDhelpTEST000000000000000000000000"),
        ("TENCENTCLOUD_SECRET_KEY", "helpTESTsecretKEY0000000000000000"),
        ("TENCENTCLOUD_REGION", "ap-guangzhou"),
    ];
    let args = [
        "rolling-update-application-by-version",
        "--application-id",
        "app-1",
        "--environment-id",
        "en-1",
        "--deploy-version",
        "v2",
        "--total-batch-count",
        "-1",
        "--dry-run",
    ];
    let output = tem(&args, &env);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(r#""TotalBatchCount":-1"#), "{stdout}");
}
