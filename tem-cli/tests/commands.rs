//! Every action is a subcommand with its flags; request bodies from flags and
//! `--cli-input-json`; `--dry-run` masks secrets; bad input exits 2. The help of all 51
//! actions is rendered in this process through clap; the rest runs the `tem` binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use tem_cli::actions::ACTIONS;

mod common;

const SECRET_ID: &str = "AKIDcliTEST0000000000000000000000000";
const SECRET_KEY: &str = "cliTESTsecretKEY00000000000000000";
const TOKEN: &str = "cliTESTsessionTOKEN-do-not-print";

/// The binary in an environment of our own: no credentials but the ones given, no home.
fn tem(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tem"));
    command.args(args).env_clear().envs(env.iter().copied());
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("the tem binary runs");
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    common::bounded(child)
}

fn credentials() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TENCENTCLOUD_SECRET_ID", SECRET_ID),
        ("TENCENTCLOUD_SECRET_KEY", SECRET_KEY),
        ("TENCENTCLOUD_SECURITY_TOKEN", TOKEN),
        ("TENCENTCLOUD_REGION", "ap-guangzhou"),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The JSON body of a printed curl command (`-d '...'`, last).
fn sent_body(curl: &str) -> serde_json::Value {
    let quoted = curl.rsplit_once(" -d '").expect("a body").1.trim_end();
    serde_json::from_str(quoted.strip_suffix('\'').expect("quoted")).expect("a JSON body")
}

/// The actions of the committed schema, by wire name.
fn schema_actions() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/tem/2021-07-01/api.json");
    let api: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    api["actions"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn every_action_of_the_schema_is_a_subcommand_whose_help_lists_its_flags() {
    let table: Vec<String> = ACTIONS.iter().map(|a| a.name.to_owned()).collect();
    assert_eq!(table, schema_actions());
    assert_eq!(table.len(), 51);
    for action in ACTIONS {
        let error = tem_cli::command()
            .try_get_matches_from(["tem", action.command, "--help"])
            .expect_err("--help ends parsing");
        assert_eq!(error.kind(), clap::error::ErrorKind::DisplayHelp, "{}", action.command);
        let help = error.render().to_string();
        assert!(help.contains(action.long_about.lines().next().unwrap()), "{}: {help}", action.command);
        for param in action.params {
            let shown = [format!("--{} <", param.flag), format!("--{} [<", param.flag)];
            assert!(shown.iter().any(|s| help.contains(s)), "{} lacks --{}: {help}", action.command, param.flag);
        }
        assert!(help.contains("--cli-input-json") && help.contains("--dry-run"), "{}", action.command);
    }
}

#[test]
fn the_binary_shows_help_for_the_top_level_and_an_action() {
    let top = tem(&["--help"], &[], None);
    assert!(top.status.success());
    let stdout = text(&top.stdout);
    assert!(stdout.contains("describe-applications") && stdout.contains("deploy") && stdout.contains("completions"));

    let action = tem(&["rolling-update-application-by-version", "--help"], &[], None);
    assert!(action.status.success());
    let stdout = text(&action.stdout);
    assert!(stdout.contains("--deploy-strategy-type <TEXT>") && stdout.contains("--force [<BOOL>]"), "{stdout}");
}

#[test]
fn completions_cover_the_subcommands() {
    let out = tem(&["completions", "bash"], &[], None);
    assert!(out.status.success());
    let script = text(&out.stdout);
    assert!(
        script.contains("complete") && script.contains("describe-applications") && script.contains("--environment-id")
    );
}

#[test]
fn dry_run_prints_a_curl_command_with_the_signature_and_token_masked() {
    let out =
        tem(&["describe-applications", "--environment-id", "en-1", "--limit", "10", "--dry-run"], &credentials(), None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let curl = text(&out.stdout);
    assert!(curl.starts_with("curl -X POST 'https://tem.tencentcloudapi.com/'"), "{curl}");
    assert!(curl.contains("-H 'X-TC-Action: DescribeApplications'"), "{curl}");
    assert!(curl.contains("-H 'X-TC-Region: ap-guangzhou'"), "{curl}");
    assert_eq!(sent_body(&curl), serde_json::json!({"EnvironmentId": "en-1", "Limit": 10}));
    assert!(curl.contains(&format!("Credential={SECRET_ID}/")), "{curl}");
    assert!(curl.contains("Signature=***'") && curl.contains("-H 'X-TC-Token: ***'"), "{curl}");
    assert!(!curl.contains(TOKEN) && !curl.contains(SECRET_KEY), "{curl}");

    let shown = tem(&["describe-applications", "--dry-run", "--show-secrets"], &credentials(), None);
    let curl = text(&shown.stdout);
    assert!(curl.contains(&format!("-H 'X-TC-Token: {TOKEN}'")), "{curl}");
    let signature = curl.split("Signature=").nth(1).unwrap().split('\'').next().unwrap();
    assert!(signature.len() == 64 && signature.chars().all(|c| c.is_ascii_hexdigit()), "{curl}");
    assert!(!curl.contains(SECRET_KEY));
}

#[test]
fn cli_input_json_is_merged_with_flags_and_checked() {
    let input = r#"{"ApplicationId": "app-1", "EnvironmentId": "en-1", "DeployVersion": "v1", "TotalBatchCount": 2}"#;
    let out = tem(
        &[
            "rolling-update-application-by-version",
            "--cli-input-json",
            "-",
            "--deploy-version",
            "v2",
            "--force",
            "--dry-run",
        ],
        &credentials(),
        Some(input),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        sent_body(&text(&out.stdout)),
        serde_json::json!({"ApplicationId": "app-1", "DeployVersion": "v2", "EnvironmentId": "en-1", "Force": true,
                           "TotalBatchCount": 2})
    );

    let unknown =
        tem(&["describe-applications", "--cli-input-json", "-", "--dry-run"], &credentials(), Some(r#"{"Limt": 1}"#));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("`Limt` is not a parameter of DescribeApplications"));

    let not_object = tem(&["describe-applications", "--cli-input-json", "-"], &credentials(), Some("[1]"));
    assert_eq!(not_object.status.code(), Some(2));
    assert!(text(&not_object.stderr).contains("must hold a JSON object"));
}

#[test]
fn bad_input_exits_2_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["describe-applications", "--limit", "ten"], "invalid value 'ten' for --limit: expected an integer"),
        (&["describe-applications", "--sort-info", "{oops"], "invalid JSON for --sort-info"),
        (&["rolling-update-application-by-version", "--application-id", "app-1"], "--environment-id, --deploy-version"),
        (&["describe-applications", "--no-such-flag", "1"], "--no-such-flag"),
        (&["no-such-command"], "no-such-command"),
    ];
    for (args, expected) in cases {
        let out = tem(args, &credentials(), None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_connection_refused_is_a_transport_failure() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = tem(&["describe-applications", "--endpoint", &endpoint], &credentials(), None);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("could not connect") || text(&out.stderr).contains("not sent"));
}

#[test]
fn profile_picks_the_credentials_files_section() {
    let dir = std::env::temp_dir().join(format!("tem-cli-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        "[default]\nsecret_id = AKIDdefault\nsecret_key = k1\nregion = ap-guangzhou\n\n[ci]\nsecret_id = AKIDciPROFILE\nsecret_key = k2\nregion = ap-shanghai\n",
    )
    .unwrap();
    let env = [("TENCENTCLOUD_CREDENTIALS_FILE", file.to_str().unwrap())];
    let default = text(&tem(&["describe-applications", "--dry-run"], &env, None).stdout);
    let ci = tem(&["describe-applications", "--dry-run", "--profile", "ci"], &env, None);
    let overridden = text(
        &tem(&["describe-applications", "--dry-run", "--profile", "ci", "--region", "ap-beijing"], &env, None).stdout,
    );
    let unknown = tem(&["describe-applications", "--dry-run", "--profile", "nope"], &env, None);
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(default.contains("Credential=AKIDdefault/"), "{default}");
    let ci_curl = text(&ci.stdout);
    assert!(ci_curl.contains("Credential=AKIDciPROFILE/") && ci_curl.contains("X-TC-Region: ap-shanghai"), "{ci_curl}");
    assert!(overridden.contains("X-TC-Region: ap-beijing"), "{overridden}");
    assert_eq!(unknown.status.code(), Some(2), "an unknown profile is a configuration error");
    assert!(text(&unknown.stderr).contains("nope"), "{}", text(&unknown.stderr));
}

/// A scratch directory of this test process, removed by the caller.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tem-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn cli_input_json_takes_file_urls_inline_json_and_refuses_oversized_input_by_its_limit() {
    let dir = scratch("input");
    let file = dir.join("input.json");
    std::fs::write(&file, r#"{"EnvironmentId": "en-file", "Limit": 7}"#).unwrap();
    let url = format!("file://{}", file.display());
    let from_file = tem(&["describe-applications", "--cli-input-json", &url, "--dry-run"], &credentials(), None);
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    assert_eq!(sent_body(&text(&from_file.stdout)), serde_json::json!({"EnvironmentId": "en-file", "Limit": 7}));

    let inline = tem(
        &["describe-applications", "--cli-input-json", r#"{"EnvironmentId": "en-inline"}"#, "--dry-run"],
        &credentials(),
        None,
    );
    assert!(inline.status.success(), "{}", text(&inline.stderr));
    assert_eq!(sent_body(&text(&inline.stdout)), serde_json::json!({"EnvironmentId": "en-inline"}));

    // 20 MiB of valid-looking JSON: refused for its size, not as broken JSON.
    let big = dir.join("big.json");
    let mut text_of_big = String::from(r#"{"EnvironmentId": ""#);
    text_of_big.push_str(&"x".repeat(20 * 1024 * 1024));
    text_of_big.push_str("\"}");
    std::fs::write(&big, text_of_big).unwrap();
    let url = format!("file://{}", big.display());
    let oversized = tem(&["describe-applications", "--cli-input-json", &url, "--dry-run"], &credentials(), None);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(oversized.status.code(), Some(2));
    let stderr = text(&oversized.stderr);
    assert!(stderr.contains("is over the 16 MiB limit") && !stderr.contains("not valid JSON"), "{stderr}");
}

#[test]
fn generate_cli_skeleton_prints_every_parameter() {
    for action in ACTIONS.iter().filter(|a| ["DeployApplication", "DescribeApplications"].contains(&a.name)) {
        let out = tem(&[action.command, "--generate-cli-skeleton"], &[], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let skeleton: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let keys: Vec<&str> = skeleton.as_object().unwrap().keys().map(String::as_str).collect();
        let mut params: Vec<&str> = action.params.iter().map(|p| p.wire).collect();
        params.sort();
        assert_eq!(keys, params, "{}", action.command);
    }
}

#[test]
fn a_typo_gets_at_most_three_suggestions_the_closest_first() {
    let out = tem(&["describe-aplications"], &[], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let tip = stderr.lines().find(|l| l.contains("similar")).expect("a suggestion");
    let suggested: Vec<&str> = tip.split('\'').skip(1).step_by(2).collect();
    assert!(!suggested.is_empty() && suggested.len() <= 3, "{tip}");
    assert_eq!(suggested[0], "describe-applications", "{tip}");
}

#[test]
fn conflicting_flags_are_refused() {
    let cases: &[&[&str]] = &[
        &["--emulator", "--endpoint", "https://tem.tencentcloudapi.com", "describe-applications"],
        &["deploy", "--application-id", "a", "--environment-id", "e", "--version", "v", "--auto-resume"],
        &["deploy", "--application-id", "a", "--environment-id", "e", "--version", "v", "--timeout", "5"],
        &["describe-applications", "--no-paginate", "--max-items", "3"],
    ];
    for args in cases {
        let out = tem(args, &credentials(), None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).is_empty(), "{args:?}");
    }
}

#[test]
fn errors_speak_in_command_line_terms_and_name_where_values_came_from() {
    let no_region = tem(
        &["describe-applications", "--dry-run"],
        &[("TENCENTCLOUD_SECRET_ID", SECRET_ID), ("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)],
        None,
    );
    assert_eq!(no_region.status.code(), Some(2));
    let stderr = text(&no_region.stderr);
    assert!(
        stderr.contains("--region") && stderr.contains("TENCENTCLOUD_REGION") && stderr.contains("profile"),
        "{stderr}"
    );
    assert!(!stderr.contains("Config::"), "{stderr}");

    let dir = scratch("profile-source");
    std::fs::write(dir.join("credentials"), "[default]\nsecret_id = AKIDd\nsecret_key = k\n").unwrap();
    let file = dir.join("credentials");
    let env = [("TENCENTCLOUD_CREDENTIALS_FILE", file.to_str().unwrap())];
    let flag = tem(&["--profile", "nope", "describe-applications"], &env, None);
    let mut env_named = env.to_vec();
    env_named.push(("TENCENTCLOUD_PROFILE", "nope"));
    let variable = tem(&["describe-applications"], &env_named, None);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(flag.status.code(), Some(2));
    let stderr = text(&flag.stderr);
    assert!(stderr.contains("[nope] (named by --profile)") && !stderr.contains("TENCENTCLOUD_PROFILE"), "{stderr}");
    assert!(text(&variable.stderr).contains("[nope] (named by TENCENTCLOUD_PROFILE)"), "{}", text(&variable.stderr));

    let deploy = tem(&["deploy", "--application-id", "app-1"], &credentials(), None);
    assert_eq!(deploy.status.code(), Some(2));
    let stderr = text(&deploy.stderr);
    assert!(stderr.contains("error: deploy needs --environment-id, --version"), "{stderr}");
    assert!(!stderr.contains("rolling-update") && !stderr.contains("--deploy-version"), "{stderr}");
}

#[test]
fn deploy_dry_run_masks_the_signature_and_token_unless_asked() {
    let args = ["deploy", "--application-id", "app-1", "--environment-id", "en-1", "--version", "v2", "--dry-run"];
    let masked = tem(&args, &credentials(), None);
    assert!(masked.status.success(), "{}", text(&masked.stderr));
    let curl = text(&masked.stdout);
    assert!(curl.contains("Signature=***'") && curl.contains("-H 'X-TC-Token: ***'"), "{curl}");
    assert!(!curl.contains(TOKEN) && !curl.contains(SECRET_KEY), "{curl}");
    assert!(curl.contains("-H 'X-TC-Action: RollingUpdateApplicationByVersion'"), "{curl}");

    let shown = tem(&[&args[..], &["--show-secrets"]].concat(), &credentials(), None);
    assert!(text(&shown.stdout).contains(&format!("-H 'X-TC-Token: {TOKEN}'")));
}

#[test]
fn debug_writes_the_signed_request_masked_to_stderr() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = tem(&["describe-environments", "--endpoint", &endpoint, "--debug"], &credentials(), None);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("debug: DescribeEnvironments: the request as signed now"), "{stderr}");
    assert!(stderr.contains("Signature=***'") && !stderr.contains(TOKEN), "{stderr}");
    assert!(stderr.contains("debug: DescribeEnvironments: failed after "), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_tccli_profile_is_read_when_the_credentials_file_lacks_it() {
    let home = scratch("tccli-home");
    std::fs::create_dir_all(home.join(".tencentcloud")).unwrap();
    std::fs::create_dir_all(home.join(".tccli")).unwrap();
    std::fs::write(
        home.join(".tencentcloud/credentials"),
        "[default]\nsecret_id = AKIDfile\nsecret_key = k\nregion = ap-guangzhou\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".tccli/work.credential"),
        r#"{"secretId": "AKIDtccliWORK", "secretKey": "k2", "token": "tccliTOKEN"}"#,
    )
    .unwrap();
    std::fs::write(
        home.join(".tccli/work.configure"),
        r#"{"_sys_param": {"region": "ap-shanghai", "output": "json"}}"#,
    )
    .unwrap();
    // tccli's default profile stands behind a credentials file that has [default]: the file wins.
    std::fs::write(home.join(".tccli/default.credential"), r#"{"secretId": "AKIDtccliDEFAULT", "secretKey": "k3"}"#)
        .unwrap();
    let env = [("HOME", home.to_str().unwrap())];
    let work = tem(&["--profile", "work", "describe-applications", "--dry-run"], &env, None);
    let default = tem(&["describe-applications", "--dry-run"], &env, None);
    std::fs::remove_dir_all(&home).unwrap();
    assert!(work.status.success(), "{}", text(&work.stderr));
    let curl = text(&work.stdout);
    assert!(curl.contains("Credential=AKIDtccliWORK/") && curl.contains("X-TC-Region: ap-shanghai"), "{curl}");
    assert!(curl.contains("-H 'X-TC-Token: ***'"), "{curl}");
    assert!(text(&default.stdout).contains("Credential=AKIDfile/"), "{}", text(&default.stdout));
}

#[test]
fn the_exit_statuses_are_in_the_help_and_the_readme_alike() {
    let help = text(&tem(&["--help"], &[], None).stdout);
    assert!(help.contains(tem_cli::EXIT_STATUSES), "{help}");
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    assert!(readme.contains(tem_cli::EXIT_STATUSES), "the README's `tem` section shows tem_cli::EXIT_STATUSES");
    for status in ["130", "141"] {
        assert!(tem_cli::EXIT_STATUSES.contains(&format!("\n    {status} ")));
    }
}

#[test]
fn an_invalid_query_is_bad_input() {
    let out = tem(&["describe-applications", "--query", "Result.[", "--dry-run"], &credentials(), None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--query"), "{}", text(&out.stderr));
}
