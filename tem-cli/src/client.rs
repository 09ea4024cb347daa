//! Where requests go (the SDK's configuration chain, or an in-process emulator), how they
//! are sent, and how failures become exit statuses.

use std::sync::Arc;

use clap::ArgMatches;
use serde_json::{Map, Value};
use tem_api::waiter::WaitClock;
use tem_core::credentials::{Environment, ENV_PROFILE, SYSTEM_CREDENTIALS_FILE};
use tem_core::{CallOptions, CommonError, Config, ConfigError, Error, ErrorKind};

use crate::{Exit, Failure};

/// The configuration to call with, and the emulator serving it, if any (kept running while
/// this lives).
pub struct Target {
    pub config: Config,
    pub emulator: Option<crate::emulator::Running>,
}

impl Target {
    /// From the global flags: `--emulator`, else the SDK's default chain with `--profile`;
    /// then `--region` and `--endpoint` override.
    pub async fn from_matches(matches: &ArgMatches) -> Result<Self, Failure> {
        let (mut config, emulator) = if matches.get_flag("emulator") {
            let speed = matches.get_one::<f64>("emulator-speed").copied().unwrap_or(crate::emulator::DEFAULT_SPEED);
            let running = crate::emulator::start(speed).await?;
            (running.config(), Some(running))
        } else {
            let env = match matches.get_one::<String>("profile") {
                None => Environment::process(),
                Some(profile) => profile_environment(profile.clone()),
            };
            (Config::from_environment(&env).map_err(config_failure)?, None)
        };
        if let Some(region) = matches.get_one::<String>("region") {
            config = config.with_region(region).map_err(|e| config_failure_named("--region", e))?;
        }
        if let Some(endpoint) = matches.get_one::<String>("endpoint") {
            config = config.with_endpoint(endpoint).map_err(|e| config_failure_named("--endpoint", e))?;
        }
        Ok(Self { config, emulator })
    }

    pub fn core(&self) -> Result<tem_core::Client, Failure> {
        tem_core::Client::new(tem_api::SERVICE, self.config.clone()).map_err(config_failure)
    }

    pub fn api(&self) -> Result<tem_api::Client, Failure> {
        tem_api::Client::new(self.config.clone()).map_err(config_failure)
    }

    /// The clock rollouts are waited with: the emulator's (which may run faster than real
    /// time), else real time.
    pub fn wait_clock(&self) -> Arc<dyn WaitClock> {
        match &self.emulator {
            Some(running) => running.wait_clock(),
            None => Arc::new(tem_api::waiter::TokioClock::new()),
        }
    }
}

/// The process's environment with `TENCENTCLOUD_PROFILE` set to `profile`.
fn profile_environment(profile: String) -> Environment {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(std::path::PathBuf::from);
    Environment::from_vars(
        move |name| if name == ENV_PROFILE { Some(profile.clone()) } else { std::env::var(name).ok() },
    )
    .with_home(home.filter(|h| !h.as_os_str().is_empty()))
    .with_system_credentials_file(Some(SYSTEM_CREDENTIALS_FILE.into()))
}

/// Sends `body` for `action` and returns the reply's `Response` object, through the SDK's
/// own call ([`tem_core::Client::send_json`]): its signing, clock-skew correction and retries
/// (the default [`tem_core::RetryPolicy`]; after a request may have been received, only a
/// read-only action is resent).
pub async fn call(
    target: &Target,
    action: &'static str,
    read_only: bool,
    body: &Map<String, Value>,
) -> Result<Value, Failure> {
    let client = target.core()?;
    client.send_json(action, read_only, body, CallOptions::new()).await.map_err(|e| error_failure(&e))
}

/// `--dry-run`: the request signed as it would be sent now, as a curl command.
pub async fn print_dry_run(
    target: &Target,
    action: &str,
    body: &Map<String, Value>,
    reveal_secrets: bool,
) -> Result<(), Failure> {
    let client = target.core()?;
    let bytes = serde_json::to_vec(body).expect("a JSON object serializes");
    let prepared = client.dry_run(action, bytes).await.map_err(|e| error_failure(&e.widen::<CommonError>()))?;
    println!("{}", prepared.to_curl(reveal_secrets));
    Ok(())
}

/// A call's error as what to print and the exit status: a service error as its code,
/// message and request id (1); configuration (2); anything else a transport failure (3).
pub fn error_failure<E: tem_core::OperationError>(error: &Error<E>) -> Failure {
    match error.kind() {
        ErrorKind::Service => Failure {
            exit: Exit::Service,
            message: format!(
                "error code: {}\nmessage: {}\nrequest id: {}",
                error.code().unwrap_or(""),
                error.message().unwrap_or(""),
                error.request_id().unwrap_or("")
            ),
        },
        ErrorKind::Config | ErrorKind::InvalidRequest => {
            Failure { exit: Exit::Input, message: format!("error: {}", chain(error)) }
        }
        _ => {
            let mut message = format!("error: {}", chain(error));
            if let Some(request_id) = error.request_id() {
                message.push_str(&format!("\nrequest id: {request_id}"));
            }
            Failure { exit: Exit::Transport, message }
        }
    }
}

fn config_failure(error: ConfigError) -> Failure {
    Failure::input(format!("error: {}", chain(&error)))
}

fn config_failure_named(flag: &str, error: ConfigError) -> Failure {
    Failure::input(format!("error: {flag}: {}", chain(&error)))
}

/// An error and its causes on one line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}
