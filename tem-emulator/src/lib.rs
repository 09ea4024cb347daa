//! # tem-emulator: a local TEM
//!
//! A stand-in for Tencent Cloud's Elastic Microservice (TEM) API 2021-07-01 on `127.0.0.1` (or
//! an address of your choice), for tests and demos. It checks every request as Tencent Cloud's front door does (TC3-HMAC-SHA256
//! and the legacy `HmacSHA1`/`HmacSHA256` signatures, the `X-TC-*` headers, clock skew, body
//! size: see [`front_door`]), validates the parameters against the schema ([`schema`]), and
//! keeps the state a deployment touches: environments, applications, their pods, and
//! **rollouts that take time**, batch by batch, on a clock the caller controls.
//!
//! Emulator use is always explicit: the SDK never falls back to it. Point a client at
//! [`Emulator::endpoint`] with the emulator's credentials.
//!
//! ## In-process use
//!
//! ```no_run
//! use std::time::Duration;
//! use tem_emulator::{Emulator, EmulatorOptions};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // A manual clock: rollouts move only when the test advances it.
//! let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await?;
//! let env_id = emulator.seed_environment("dev")?;                 // "en-xxxxxxxx"
//! let app_id = emulator.seed_application(&env_id, "web", "v1", 4)?; // "app-xxxxxxxx", 4 pods of v1
//! emulator.crash_loop("v3", "Back-off restarting failed container"); // v3's pods will crash-loop
//!
//! // Configure any client with these:
//! let (endpoint, secret_id, secret_key) = (emulator.endpoint(), emulator.secret_id(), emulator.secret_key());
//! # let _ = (endpoint, secret_id, secret_key);
//! // ... call RollingUpdateApplicationByVersion, then poll DescribeDeployApplicationDetail,
//! // advancing the clock between polls:
//! emulator.advance(Duration::from_secs(10));
//! # let _ = app_id;
//! # Ok(())
//! # }
//! ```
//!
//! Options ([`EmulatorOptions`]): [`with_manual_clock`](EmulatorOptions::with_manual_clock) or
//! [`with_speed`](EmulatorOptions::with_speed) (real time × factor; default 1), [`with_port`](EmulatorOptions::with_port)
//! (default 0: any free port), [`with_credential`](EmulatorOptions::with_credential) (default:
//! [`DEFAULT_SECRET_ID`]/[`DEFAULT_SECRET_KEY`]), [`with_pod_start`](EmulatorOptions::with_pod_start)
//! (how long a batch's pods take to start, default 10 s of emulated time),
//! [`with_host`](EmulatorOptions::with_host) and [`with_control_token`](EmulatorOptions::with_control_token),
//! and the bounds of [`limits`] that tests may tighten ([`with_max_request_bytes`](EmulatorOptions::with_max_request_bytes),
//! [`with_max_log`](EmulatorOptions::with_max_log), [`with_max_log_bytes`](EmulatorOptions::with_max_log_bytes),
//! [`with_idle_timeout`](EmulatorOptions::with_idle_timeout), [`with_max_connections`](EmulatorOptions::with_max_connections)).
//! The emulator accepts any region name; [`DEFAULT_REGION`] is a good one to use.
//!
//! ## Rollouts
//!
//! `DeployApplication` (first deployment of an application in an environment: one batch of
//! `InitPodNum` pods, `DeployStrategyType` 3; later ones: a rollout by its
//! `DeployStrategyConf`) and `RollingUpdateApplicationByVersion` start a rollout and answer its
//! version id (`revision-xxxxxxxx`). A second one while one runs is
//! `ResourceInUse.ServiceDeploying`. `DescribeDeployApplicationDetail` reports it:
//!
//! - The pods are split into batches, numbered as TEM's fields number them:
//!
//!   | strategy | `BetaBatchDetail` | `OtherBatchDetail` | `TotalBatchCount` |
//!   | --- | --- | --- | --- |
//!   | `BETA` | the beta batch: `BatchIndex` 0, `PodNum` = `BetaBatchNum` | `BatchIndex` 1..=`TotalBatchCount`, the rest of the pods | the batches after the beta batch |
//!   | `AUTO`, `MANUAL` | `null` | `BatchIndex` 0..`TotalBatchCount` | all the batches |
//!   | first deployment (`DeployStrategyType` 3) | `null` | one batch, `BatchIndex` 0, every pod | 1 |
//!
//!   `CurrentBatchIndex` is the `BatchIndex` of the batch deploying or waiting, so for `BETA` it
//!   runs 0 (beta), 1, …, `TotalBatchCount`: a client shows "beta batch", then "batch i/N" with
//!   i = `BatchIndex` and N = `TotalBatchCount` (never "batch 4 of 3"), and announces "a beta
//!   batch, then N batches" (the waiter and `tem deploy --wait` do). Pods are spread as evenly
//!   as possible, earlier batches taking the remainder; `BetaBatchNum` is at most the replicas.
//! - Each batch: `NotStart` → `Deploying` (its new pods `Pending` for the pod-start time; then
//!   `Running`, and its old pods are gone) → `Finish`. The batch after it then is
//!   `WaitForResume` (`MANUAL`: after every batch; `BETA`: after the beta batch) until
//!   `ResumeDeployApplication`, or `WaitForTimeExceed` until `BatchInterval` seconds have
//!   passed (`NextBatchStartTime`, Unix seconds), or `Deploying` at once.
//! - `Status`: `Running` (including while waiting), then `Success` when the last batch
//!   finishes. `CurrentBatchStatus` is the current batch's status. A waiter is done when
//!   `Status` is `Success`, `Error` or `Reverted` (the final ones: [`RolloutStatus::is_final`]).
//!   [`Emulator::rollout`] gives the same from Rust, without a request.
//! - A version scripted to crash-loop ([`Emulator::crash_loop`]): its first batch's pods go
//!   `CrashLoopBackOff` after the pod-start time, the batch is `Finish`, `Status` is `Error` and
//!   `ErrorMessage` is the scripted message. Nothing else happens until a revert or a new deploy.
//! - `RevertDeployApplication` (while `Running` or `Error`): `Status` `Reverting`, then after
//!   the pod-start time `Reverted`, with the old version's pods running again.
//! - `ResumeDeployApplication` when no batch waits: `FailedOperation`.
//! - `StopApplication` removes the pods; `RestartApplication` starts them again (new pod ids);
//!   `RestartApplicationPod` replaces one; `ModifyApplicationReplicas` scales.
//! - Times (`StartTime`, `EndTime`, `CreateTime`) are `YYYY-MM-DD HH:MM:SS` in UTC+8, as TEM's.
//!
//! Rollouts advance lazily to the clock's current time on every request, so the outcome depends
//! only on the clock: with a manual clock, a test advances it and then asks.
//!
//! ## Other actions
//!
//! All 51 actions of the API are modelled: environments (`CreateEnvironment`,
//! `DescribeEnvironment(s)`, `ModifyEnvironment`, `DestroyEnvironment`,
//! `DescribeEnvironmentStatus`, `CreateResource`), applications (`CreateApplication`,
//! `DescribeApplications`, `DescribeApplicationInfo`, `ModifyApplicationInfo`,
//! `DeleteApplication`, `DescribeApplicationsStatus`), pods (`DescribeApplicationPods` with
//! `Offset`/`Limit`), the rollout actions above, packages (`CreateCosToken`,
//! `GenerateApplicationPackageDownloadUrl`: made-up credentials and URLs, nothing is stored) and
//! the documents around a deployment (see [`model::resources`]): config data, log configs
//! (listings paged by `Limit` and `ContinueToken`), application services, autoscalers (create,
//! modify, enable, disable, delete), ingresses and gateway ingresses. Unknown ids give the
//! documented codes (`ResourceNotFound.ServiceNotFound`, `ResourceNotFound.NamespaceNotFound`,
//! `ResourceNotFound.ServiceRunningVersionNotFound`). Every reply has each member its official
//! example shows ([`replies`]): what the model computes, the others empty of their type (or
//! `null` where the API documents they may be). An action the model did not know would answer
//! `UnsupportedOperation` with `X-Emulator-Modelled: false`, never a canned reply.
//!
//! ## Faults, control, observation
//!
//! [`Emulator::add_fault`] with a [`FaultRule`] (per action, count, probability) makes
//! requests fail: [`Fault`] lists throttling and other error codes, HTTP 5xx, HTML pages,
//! resets before and after the body is read, slow replies, truncated and malformed JSON;
//! [`Emulator::set_clock_skew`] runs the front door's clock off. [`Emulator::requests`] is the
//! request log (at most [`DEFAULT_MAX_LOG`] entries and [`limits::MAX_LOG_BYTES`] bytes, oldest
//! dropped) with each verdict. The same
//! is available over HTTP (see [`control`]); the state can be saved and loaded as JSON
//! ([`Emulator::state`], [`Emulator::load_state`], `--state FILE` of the binary).
//!
//! ## The binary
//!
//! ```text
//! tem-emulator [--port P] [--host ADDR] [--control-token T] [--secret-id ID --secret-key KEY [--token T]]
//!              [--speed X] [--state FILE] [--seed] [--log] [--idle-timeout SECS]
//! ```
//!
//! listens on `127.0.0.1:4577` by default ([`DEFAULT_PORT`]; `--port 0`: any free port) and
//! prints its endpoint, credentials, `/_emulator/health` and the control API's address. On an
//! address other than loopback without `--control-token` it warns that the control API has no
//! authentication. `--state FILE` loads the state (or creates the file when there is none) and
//! saves it atomically after changes and on SIGTERM or Ctrl-C. `--log` writes a line per request
//! to stderr. What it accepts (sizes, counts, timeouts) is in [`limits`].
//!
//! Clients that can only name a real endpoint (the official Node SDK signs for the service named
//! by the endpoint's first label) keep `tem.tencentcloudapi.com` as their endpoint, `http://` as
//! their protocol and the emulator as their HTTP proxy: it answers `CONNECT
//! tem.tencentcloudapi.com:PORT` itself (any other host: 403).

#![warn(missing_docs)]

pub mod clock;
pub mod control;
pub mod faults;
pub mod front_door;
pub mod limits;
pub mod model;
pub mod replies;
mod reply;
pub mod request_log;
pub mod schema;
mod server;
mod shared;
pub mod signing;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

pub use clock::Clock;
pub use faults::{Fault, FaultRule};
pub use front_door::{Policy, Rejection};
pub use model::{BatchStatus, RolloutStatus, ServiceError, State, VersionBehaviour};
pub use reply::ReplyBody;
pub use request_log::LoggedRequest;
pub use server::{ResettableStream, NOT_MODELLED_HEADER};

/// The secret id the emulator accepts unless told otherwise.
pub const DEFAULT_SECRET_ID: &str = "AKIDtemEMULATOR00000000000000000000";
/// The secret key of [`DEFAULT_SECRET_ID`].
pub const DEFAULT_SECRET_KEY: &str = "temEMULATORkey000000000000000000";
/// The port the binary listens on by default (LocalStack's is 4566; this one is its own).
pub const DEFAULT_PORT: u16 = 4577;
/// A region to configure clients with (any region name is accepted).
pub const DEFAULT_REGION: &str = "ap-guangzhou";
/// How many requests the log keeps.
pub const DEFAULT_MAX_LOG: usize = limits::MAX_LOG_ENTRIES;

/// How to start an [`Emulator`].
#[derive(Clone, Debug)]
pub struct EmulatorOptions {
    host: IpAddr,
    port: u16,
    control_token: Option<String>,
    log_to_stderr: bool,
    policy: Policy,
    default_credentials: bool,
    clock: Option<Clock>,
    speed: f64,
    pod_start: Duration,
    max_log: usize,
    max_log_bytes: usize,
    idle_timeout: Duration,
    max_connections: usize,
    state: Option<State>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl EmulatorOptions {
    /// Any free port, the default credentials, real time, pods starting in 10 s.
    pub fn new() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            control_token: None,
            log_to_stderr: false,
            policy: Policy::default(),
            default_credentials: true,
            clock: None,
            speed: 1.0,
            pod_start: Duration::from_secs(model::DEFAULT_POD_START_SECS),
            max_log: DEFAULT_MAX_LOG,
            max_log_bytes: limits::MAX_LOG_BYTES,
            idle_timeout: limits::IDLE_TIMEOUT,
            max_connections: limits::MAX_CONNECTIONS,
            state: None,
        }
    }

    /// Listens on this port (0: any free one; the default).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Listens on this address (default `127.0.0.1`). The control API has no authentication
    /// unless [`with_control_token`](Self::with_control_token) is set: bind another address only
    /// on a network you trust.
    pub fn with_host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// Requires `Authorization: Bearer <token>` on every control request but
    /// `/_emulator/health`.
    pub fn with_control_token(mut self, token: &str) -> Self {
        self.control_token = Some(token.to_owned());
        self
    }

    /// Writes one line per request to stderr: sequence, action, verdict, milliseconds.
    pub fn with_request_lines(mut self, on: bool) -> Self {
        self.log_to_stderr = on;
        self
    }

    /// Accepts these long-term credentials instead of the default pair (call again to add more).
    pub fn with_credential(mut self, secret_id: &str, secret_key: &str) -> Self {
        self.default_credentials = false;
        self.policy = self.policy.with_credential(secret_id, secret_key);
        self
    }

    /// Accepts temporary credentials, which must send `X-TC-Token: token`.
    pub fn with_temporary_credential(mut self, secret_id: &str, secret_key: &str, token: &str) -> Self {
        self.default_credentials = false;
        self.policy = self.policy.with_temporary_credential(secret_id, secret_key, token);
        self
    }

    /// A manual clock, standing at the current time until [`Emulator::advance`] moves it.
    pub fn with_manual_clock(mut self) -> Self {
        self.clock = Some(Clock::manual());
        self
    }

    /// This clock (shared with the caller, who may advance it).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Real time, `speed` times as fast (ignored with a manual clock).
    pub fn with_speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// How long (emulated time) a batch's new pods take to start; at least 1 s.
    pub fn with_pod_start(mut self, duration: Duration) -> Self {
        self.pod_start = duration;
        self
    }

    /// The largest request body (default 10 MiB).
    pub fn with_max_request_bytes(mut self, limit: usize) -> Self {
        self.policy.max_request_bytes = limit;
        self
    }

    /// How far `X-TC-Timestamp` may be from the front door's clock (default 300 s).
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.policy.max_clock_skew = skew;
        self
    }

    /// How many requests the log keeps (default [`DEFAULT_MAX_LOG`]).
    pub fn with_max_log(mut self, entries: usize) -> Self {
        self.max_log = entries.max(1);
        self
    }

    /// How many bytes the request log may hold (default [`limits::MAX_LOG_BYTES`]).
    pub fn with_max_log_bytes(mut self, bytes: usize) -> Self {
        self.max_log_bytes = bytes;
        self
    }

    /// How long a keep-alive connection may stay idle (default [`limits::IDLE_TIMEOUT`]).
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How many connections are served at once (default [`limits::MAX_CONNECTIONS`]).
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Starts from this state (e.g. read from a state file).
    pub fn with_state(mut self, state: State) -> Self {
        self.state = Some(state);
        self
    }
}

/// A running emulator; it stops when dropped.
pub struct Emulator {
    addr: SocketAddr,
    secret_id: String,
    secret_key: String,
    shared: Arc<shared::Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("endpoint", &self.endpoint())
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds 127.0.0.1 and serves on the current tokio runtime.
    pub async fn start(options: EmulatorOptions) -> std::io::Result<Self> {
        let mut policy = options.policy;
        if options.default_credentials {
            policy = policy.with_credential(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY);
        }
        let (secret_id, key) =
            policy.credentials.iter().next().map(|(id, k)| (id.clone(), k.secret_key.clone())).unwrap_or_default();
        let (listener, addr) = server::bind(options.host, options.port).await?;
        let mut state = options.state.unwrap_or_default();
        state.sanitize();
        state.pod_start_secs = options.pod_start.as_secs().max(1);
        let shared = Arc::new(shared::Shared {
            policy,
            clock: options.clock.unwrap_or_else(|| Clock::scaled(options.speed)),
            state: Mutex::new(state),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(request_log::RequestLog::new(options.max_log, options.max_log_bytes)),
            idle_timeout: options.idle_timeout,
            connections: Arc::new(tokio::sync::Semaphore::new(options.max_connections)),
            sequence: AtomicU64::new(0),
            fault_draws: AtomicU64::new(0),
            skew_secs: AtomicI64::new(0),
            port: addr.port(),
            control_token: options.control_token,
            log_to_stderr: options.log_to_stderr,
            started: std::time::Instant::now(),
            generation: AtomicU64::new(0),
        });
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(Self { addr, secret_id, secret_key: key, shared, task })
    }

    /// `http://HOST:PORT` (`127.0.0.1` when listening on every address).
    pub fn endpoint(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(IpAddr::from([127, 0, 0, 1]));
        }
        format!("http://{addr}")
    }

    /// Counts the changes to the state so far (requests that may change it, control requests
    /// that do): a saver compares it with the count it last saved at.
    pub fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::SeqCst)
    }

    /// Writes the state (brought up to the clock's time) to `path` atomically: to a temporary
    /// file beside it, then renamed over it, so a reader or a crash never sees half a file.
    pub fn save_state_file(&self, path: &std::path::Path) -> Result<(), String> {
        let text = serde_json::to_vec_pretty(&self.state()).map_err(|e| format!("cannot serialize the state: {e}"))?;
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(format!(".tmp-{}", std::process::id()));
        let temporary = std::path::PathBuf::from(temporary);
        let write = || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&text)?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            format!("cannot write {}: {e}", path.display())
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The secret id of the first accepted credentials (the default pair unless configured).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The secret key of [`Emulator::secret_id`].
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The rollout clock.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Moves the rollout clock forward.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Creates an environment; returns its id (`en-xxxxxxxx`).
    pub fn seed_environment(&self, name: &str) -> Result<String, ServiceError> {
        let now = self.shared.clock.now_ms();
        self.shared.state().create_environment(name, "", DEFAULT_REGION, now)
    }

    /// Creates an application deployed in `env_id` with `replicas` pods of `version`, all
    /// running, no rollout in progress; returns its id (`app-xxxxxxxx`).
    pub fn seed_application(
        &self,
        env_id: &str,
        name: &str,
        version: &str,
        replicas: u64,
    ) -> Result<String, ServiceError> {
        let now = self.shared.clock.now_ms();
        let mut state = self.shared.state();
        seed_application(&mut state, env_id, name, version, replicas, now)
    }

    /// Scripts what `version`'s pods do (for any application).
    pub fn script_version(&self, version: &str, behaviour: VersionBehaviour) {
        self.shared.state().versions.insert(version.to_owned(), behaviour);
    }

    /// Makes `version`'s pods crash-loop: its rollout ends in `Error` with `error_message`.
    pub fn crash_loop(&self, version: &str, error_message: &str) {
        self.script_version(version, VersionBehaviour::CrashLoop { error_message: error_message.to_owned() });
    }

    /// Adds a fault rule (rules are tried in the order added; the first that fires applies).
    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.faults().push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// Runs the front door's clock (signature expiry, `Date`) `seconds` off the system clock.
    pub fn set_clock_skew(&self, seconds: i64) {
        self.shared.skew_secs.store(seconds, Ordering::SeqCst);
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log().iter().cloned().collect()
    }

    /// Forgets state, faults, clock skew and the request log (the clock keeps its time).
    pub fn reset(&self) {
        reset(&self.shared);
    }

    /// The state, brought up to the clock's time.
    pub fn state(&self) -> State {
        let now = self.shared.clock.now_ms();
        let mut state = self.shared.state();
        state.catch_up(now);
        state.clone()
    }

    /// Replaces the state (made safe to run first: see [`State::sanitize`]).
    pub fn load_state(&self, mut state: State) {
        state.sanitize();
        *self.shared.state() = state;
    }

    /// Replaces the state with a state file's (JSON, as [`Emulator::state`] serializes).
    pub fn load_state_file(&self, path: &std::path::Path) -> Result<(), String> {
        let state = read_state_file(path)?;
        self.load_state(state);
        Ok(())
    }

    /// The current (or last) rollout of an application in an environment, brought up to date.
    pub fn rollout(&self, app_id: &str, env_id: &str) -> Option<model::Rollout> {
        let state = self.state();
        state.applications.get(app_id)?.deployments.get(env_id)?.rollout.clone()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // The accept task owns the connection tasks, so this stops them too.
        self.task.abort();
    }
}

/// Reads a state file: at most 64 MiB of JSON, a regular file.
pub fn read_state_file(path: &std::path::Path) -> Result<State, String> {
    const LIMIT: u64 = limits::MAX_STATE_FILE_BYTES;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() || meta.len() > LIMIT {
        return Err(format!("{} is not a regular file of at most {LIMIT} bytes", path.display()));
    }
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let state: State =
        serde_json::from_slice(&text).map_err(|e| format!("{} is not a state file: {e}", path.display()))?;
    state.check().map_err(|why| format!("{} is not a state to run: {why}", path.display()))?;
    Ok(state)
}

fn reset(shared: &shared::Shared) {
    let pod_start = shared.state().pod_start_secs;
    *shared.state() = State { pod_start_secs: pod_start, ..State::new() };
    shared.faults().clear();
    shared.log().clear();
    shared.skew_secs.store(0, Ordering::SeqCst);
}

fn seed_application(
    state: &mut State,
    env_id: &str,
    name: &str,
    version: &str,
    replicas: u64,
    now: i64,
) -> Result<String, ServiceError> {
    let app = state.create_application(name, "", now)?;
    let plan = model::RolloutPlan { replicas: Some(replicas), ..model::RolloutPlan::default() };
    state.start_rollout(&app, env_id, version, "", plan, now)?;
    // A seeded application is already running: finish its first deployment now.
    let far = now.saturating_add(i64::try_from(state.pod_start_secs).unwrap_or(1).saturating_mul(1000));
    if let Some(dep) = state.applications.get_mut(&app).and_then(|a| a.deployments.get_mut(env_id)) {
        if let Some(rollout) = dep.rollout.take() {
            let mut pods = dep.pods.clone();
            for batch in &rollout.batches {
                pods.extend(batch.new_pods.iter().cloned().map(|mut p| {
                    p.status = "Running".into();
                    p.created_ms = now;
                    p
                }));
            }
            dep.pods = pods;
            dep.version = rollout.new_version.clone();
            dep.version_id = rollout.version_id.clone();
            let mut finished = rollout;
            finished.status = RolloutStatus::Success;
            finished.ended_ms = Some(far.min(now));
            for batch in &mut finished.batches {
                batch.status = BatchStatus::Finish;
            }
            dep.rollout = Some(finished);
        }
    }
    Ok(app)
}

fn seed(
    state: &mut State,
    env_name: &str,
    app_name: &str,
    version: &str,
    replicas: u64,
    now: i64,
) -> Result<(String, String), ServiceError> {
    let env = state.create_environment(env_name, "", DEFAULT_REGION, now)?;
    let app = seed_application(state, &env, app_name, version, replicas, now)?;
    Ok((env, app))
}

/// An RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, of a Unix timestamp.
pub fn http_date(timestamp: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = timestamp.div_euclid(86_400);
    let (y, m, d) = signing::civil_from_days(days);
    let s = timestamp.rem_euclid(86_400);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(m as usize).saturating_sub(1) % 12],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_is_rfc_7231_imf_fixdate() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_868_799), "Tue, 29 Feb 2000 23:59:59 GMT");
    }
}
