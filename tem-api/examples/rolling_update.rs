//! Rolls an application out to a new version with `RollingUpdateApplicationByVersion`.
//!
//! ```text
//! cargo run -p tem-api --example rolling_update -- --application-id ID --environment-id ID \
//!     --deploy-version V [--package-name NAME] [--from SOURCE] [--deploy-strategy-type AUTO|BETA|MANUAL]
//!     [--total-batch-count N] [--batch-interval SECONDS] [--beta-batch-num N] [--min-available N] [--force]
//! ```
//!
//! Credentials come from `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and the optional
//! `TENCENTCLOUD_SECURITY_TOKEN`; the region from `TENCENTCLOUD_REGION`; an endpoint override
//! (`scheme://host[:port]`) from `TENCENTCLOUD_ENDPOINT`.

use std::process::ExitCode;

use tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest;
use tem_api::{Client, Config};

const USAGE: &str = "usage: rolling_update --application-id ID --environment-id ID --deploy-version V \
[--package-name NAME] [--from SOURCE] [--deploy-strategy-type AUTO|BETA|MANUAL] [--total-batch-count N] \
[--batch-interval SECONDS] [--beta-batch-num N] [--min-available N] [--force]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let request = match parse(std::env::args().skip(1)) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client = match Config::from_env().and_then(|config| {
        if config.region().is_none() {
            return Err(tem_api::ConfigError::new("environment variable TENCENTCLOUD_REGION is not set"));
        }
        Client::new(config)
    }) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match client.send(&request).await {
        Ok(response) => {
            println!("revision id: {}", response.result);
            println!("request id: {}", response.request_id);
            ExitCode::SUCCESS
        }
        Err(e) => {
            match e.service_error() {
                Some(service) => {
                    eprintln!("error code: {}", service.code());
                    eprintln!("message: {}", service.message());
                    eprintln!("request id: {}", service.request_id());
                }
                None => {
                    // One line: the error and what caused it.
                    let mut line = format!("error: {e}");
                    let mut source = std::error::Error::source(&e);
                    while let Some(cause) = source {
                        line.push_str(&format!(": {cause}"));
                        source = cause.source();
                    }
                    eprintln!("{line}");
                    if e.kind() == tem_api::ErrorKind::Config {
                        return ExitCode::from(2);
                    }
                }
            }
            ExitCode::FAILURE
        }
    }
}

fn parse(args: impl Iterator<Item = String>) -> Result<RollingUpdateApplicationByVersionRequest, String> {
    let mut builder = RollingUpdateApplicationByVersionRequest::builder();
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "--force" {
            builder = builder.force(true);
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err("usage requested".into());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number =
            |value: &str| value.parse::<i64>().map_err(|_| format!("{flag} needs a whole number, not {value:?}"));
        builder = match flag.as_str() {
            "--application-id" => builder.application_id(value),
            "--environment-id" => builder.environment_id(value),
            "--deploy-version" => builder.deploy_version(value),
            "--package-name" => builder.package_name(value),
            "--from" => builder.from(value),
            "--deploy-strategy-type" => builder.deploy_strategy_type(value),
            "--total-batch-count" => builder.total_batch_count(number(&value)?),
            "--batch-interval" => builder.batch_interval(number(&value)?),
            "--beta-batch-num" => builder.beta_batch_num(number(&value)?),
            "--min-available" => builder.min_available(number(&value)?),
            other => return Err(format!("unknown argument {other}")),
        };
    }
    builder.build().map_err(|e| {
        let flag = match e.parameter() {
            "ApplicationId" => "--application-id",
            "EnvironmentId" => "--environment-id",
            "DeployVersion" => "--deploy-version",
            other => other,
        };
        format!("{flag} is required ({e})")
    })
}
