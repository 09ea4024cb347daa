//! Where requests go (the SDK's configuration chain with tccli's files, or an in-process
//! emulator), how they are sent (with `--debug`, shown), and how failures become exit
//! statuses and messages in command-line terms (`--region`, `--profile`, not the SDK's names).
//!
//! Credentials, in order: `TENCENTCLOUD_SECRET_ID`/`TENCENTCLOUD_SECRET_KEY`(/`TENCENTCLOUD_SECURITY_TOKEN`);
//! the profile (`--profile`, else `TENCENTCLOUD_PROFILE`, else `default`) of
//! `~/.tencentcloud/credentials` (or `TENCENTCLOUD_CREDENTIALS_FILE`); when that file lacks the
//! profile, tccli's `~/.tccli/<profile>.credential`; then the CVM role and TKE's OIDC. The region:
//! `--region`, `TENCENTCLOUD_REGION`, then the profile's `region` (of whichever file had it).

use std::time::Instant;

use clap::ArgMatches;
use serde_json::{Map, Value};
use tem_core::credentials::{
    ChainProvider, CvmRoleProvider, Environment, EnvironmentProvider, WebIdentityProvider, ENV_PROFILE,
};
use tem_core::{
    CallOptions, CommonError, Config, ConfigError, ConfigErrorKind, Credentials, Error, ErrorKind, ProvideCredentials,
    ENV_ENDPOINT, ENV_REGION,
};

use crate::diagnostics::note;
use crate::tccli::{locate_profile, ProfileName, TccliProfile};
use crate::{Exit, Failure};

/// The configuration to call with, and the emulator serving it, if any (kept running while
/// this lives).
pub struct Target {
    pub config: Config,
    pub emulator: Option<crate::emulator::Running>,
    /// `--debug`: each request and its timing on standard error.
    debug: bool,
    show_secrets: bool,
}

impl Target {
    /// From the global flags: `--emulator`, else the SDK's chain with `--profile` (and tccli's
    /// files, see the module); then `--region` and `--endpoint` override. Rate limits are
    /// honoured (each action's documented limit, waited for before sending).
    pub async fn from_matches(matches: &ArgMatches) -> Result<Self, Failure> {
        let (mut config, emulator) = if matches.get_flag("emulator") {
            let speed = matches.get_one::<f64>("emulator-speed").copied().unwrap_or(crate::emulator::DEFAULT_SPEED);
            let running = crate::emulator::start(speed).await?;
            (running.config(), Some(running))
        } else {
            (environment_config(matches.get_one::<String>("profile"))?, None)
        };
        if let Some(region) = matches.get_one::<String>("region") {
            config = config.with_region(region).map_err(|e| config_failure_named("--region", e))?;
        }
        if let Some(endpoint) = matches.get_one::<String>("endpoint") {
            config = config.with_endpoint(endpoint).map_err(|e| config_failure_named("--endpoint", e))?;
        }
        Ok(Self {
            config: config.with_rate_limiting(true),
            emulator,
            debug: matches.get_flag("debug"),
            show_secrets: matches.get_flag("show-secrets"),
        })
    }

    pub fn core(&self) -> Result<tem_core::Client, Failure> {
        tem_core::Client::new(tem_api::SERVICE, self.config.clone()).map_err(config_failure)
    }

    pub fn api(&self) -> Result<tem_api::Client, Failure> {
        tem_api::Client::new(self.config.clone()).map_err(config_failure)
    }

    /// The time rollouts are waited on when it is not the client's own: the emulator's, which
    /// may run faster than real time.
    pub fn wait_time(&self) -> Option<crate::EmulatorTime> {
        self.emulator.as_ref().map(crate::emulator::Running::time)
    }

    /// The Unix time of the server's clock, in seconds: the emulator's, else the system's.
    pub fn unix_now(&self) -> i64 {
        match &self.emulator {
            Some(running) => running.unix_now(),
            None => crate::clock::unix_now(),
        }
    }

    /// Sends `body` for `action` and returns the reply's `Response` object, through the SDK's
    /// own call ([`tem_core::Client::send_json`]): its signing, clock-skew correction, rate
    /// limit and retries (after a request may have been received, only a read-only action is
    /// resent). With `--debug`, the signed request and the call's timing go to standard error.
    pub async fn call(
        &self,
        action: &'static str,
        read_only: bool,
        body: &Map<String, Value>,
    ) -> Result<Value, Failure> {
        let client = self.core()?;
        if self.debug {
            let bytes = serde_json::to_vec(body).expect("a JSON object serializes");
            match client.dry_run(action, bytes).await {
                Ok(prepared) => note(&format!(
                    "debug: {action}: the request as signed now (each attempt is signed afresh){}:\n{}",
                    if self.show_secrets { "" } else { ", secrets masked" },
                    prepared.to_curl(self.show_secrets)
                )),
                Err(e) => note(&format!("debug: {action}: cannot sign the request: {}", chain(&e))),
            }
        }
        let started = Instant::now();
        let result = client.send_json(action, read_only, body, CallOptions::new()).await;
        if self.debug {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            match &result {
                Ok(reply) => note(&format!(
                    "debug: {action}: answered in {ms:.1} ms (request id {})",
                    reply.get("RequestId").and_then(Value::as_str).unwrap_or("")
                )),
                Err(e) => note(&format!(
                    "debug: {action}: failed after {ms:.1} ms and {} attempt(s): {}",
                    e.attempts(),
                    chain(e)
                )),
            }
        }
        result.map_err(|e| error_failure(&e))
    }
}

/// The configuration of the environment, for the profile `--profile` names (else the one
/// `TENCENTCLOUD_PROFILE` names, else `default`): the SDK's own when the credentials file has
/// the profile (or there is no file and no tccli profile); tccli's files when only they have it.
fn environment_config(flag: Option<&String>) -> Result<Config, Failure> {
    let (env, profile, tccli) = locate_profile(flag).map_err(|e| config_failure(e.into()))?;
    match tccli {
        Some(tccli) => tccli_config(&env, &tccli),
        None => Config::from_environment(&env).map_err(|e| profile_failure(e, &profile)),
    }
}

/// The SDK's chain with tccli's profile in the place of the credentials file, and its region.
fn tccli_config(env: &Environment, tccli: &TccliProfile) -> Result<Config, Failure> {
    let chain = ChainProvider::new()
        .with_provider("environment", EnvironmentProvider::with_environment(env.clone()))
        .with_provider("tccli", tccli.provider())
        .with_provider("CVM role", CvmRoleProvider::with_environment(env))
        .with_provider("TKE OIDC", WebIdentityProvider::with_environment(env));
    chain.check().map_err(|e| config_failure(e.into()))?;
    // The placeholder is replaced by the chain at once.
    let mut config = Config::new(Credentials::new("", "")).with_credentials_provider(chain);
    let variable = |name: &str| env.var(name).ok().flatten().filter(|v| !v.trim().is_empty());
    let region = match variable(ENV_REGION) {
        Some(region) => Some((ENV_REGION.to_owned(), region)),
        None => tccli
            .region
            .clone()
            .map(|r| (format!("{} region", tccli.credential_path.with_extension("configure").display()), r)),
    };
    if let Some((source, region)) = region {
        config = config.with_region(&region).map_err(|e| config_failure_named(&source, e))?;
    }
    if let Some(endpoint) = variable(ENV_ENDPOINT) {
        config = config.with_endpoint(&endpoint).map_err(|e| config_failure_named(ENV_ENDPOINT, e))?;
    }
    Ok(config)
}

/// A configuration error, with an unknown profile said to come from where its name came from.
fn profile_failure(error: ConfigError, profile: &ProfileName) -> Failure {
    if error.kind() != ConfigErrorKind::UnknownProfile {
        return config_failure(error);
    }
    let source = profile.source.unwrap_or(ENV_PROFILE);
    let message = error.to_string();
    let file = message.split(" has no profile").next().unwrap_or_default();
    let file = file.rsplit(": ").next().unwrap_or(file);
    Failure::input(format!(
        "error: profile [{name}] (named by {source}) is neither in {file} nor in tccli's ~/.tccli/{name}.credential",
        name = profile.name
    ))
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
    crate::output::write_stdout(&format!("{}\n", prepared.to_curl(reveal_secrets)))
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

/// What `tem` says of a configuration error: a missing region in command-line terms; the
/// others as the SDK words them (they name their file or variable).
pub fn config_failure(error: ConfigError) -> Failure {
    if error.kind() == ConfigErrorKind::MissingRegion {
        return Failure::input(NO_REGION);
    }
    Failure::input(format!("error: {}", chain(&error)))
}

/// The message of a missing region.
const NO_REGION: &str =
    "error: no region: pass --region REGION (e.g. --region ap-guangzhou), set TENCENTCLOUD_REGION, \
     or set `region` in the profile (~/.tencentcloud/credentials, or tccli's ~/.tccli/<profile>.configure)";

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
