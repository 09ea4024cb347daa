//! The state of the emulated TEM and the actions that act on it: environments, applications,
//! their deployments in environments (version, replicas, pods) and rollouts that take time.
//!
//! Rollouts advance lazily: every action first brings each deployment up to the clock's
//! current time ([`State::catch_up`]), so the outcome depends only on the clock, never on when
//! requests happen to arrive.
//!
//! `MinAvailable` bounds how many pods a batch may take down at once, as Kubernetes'
//! `maxUnavailable = replicas - MinAvailable` does: a batch replaces its pods in steps of at
//! most `replicas - MinAvailable` pods, each step's old pods stopping when the step starts and
//! its new pods becoming ready a pod start later, so ready pods (old + new) never
//! drop below `MinAvailable`. With `MinAvailable` equal to the replicas, steps of one pod start
//! beside the old ones (a surge). Without `MinAvailable` (or 0), a whole batch starts beside its
//! old pods, which stop once the new ones are ready. A `MinAvailable` above the replicas cannot
//! be honoured and is refused with `InvalidParameterValue` (TEM documents no more specific code).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::signing::civil_from_days;

/// How long, in emulated seconds, a batch's new pods take to start (and a revert's pods).
pub const DEFAULT_POD_START_SECS: u64 = 10;
/// How many finished rollouts per deployment stay queryable by `VersionId`.
const HISTORY: usize = 8;
/// Upper bound on replicas, so a request cannot make the emulator allocate without bound.
pub const MAX_REPLICAS: u64 = 200;
/// Upper bound on environments and on applications.
pub const MAX_RESOURCES: usize = 10_000;

/// An error reply of an action: `Response.Error.Code` and `.Message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// `Response.Error.Code`.
    pub code: String,
    /// `Response.Error.Message`.
    pub message: String,
}

impl ServiceError {
    /// An error with this code and message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into() }
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ServiceError {}

/// What a version's pods do when started.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Behaviour")]
pub enum VersionBehaviour {
    /// They start and become ready.
    #[default]
    Healthy,
    /// They crash-loop (`CrashLoopBackOff`): the batch that starts them ends the rollout with
    /// `Status: "Error"` and this `ErrorMessage`.
    CrashLoop {
        #[serde(rename = "ErrorMessage")]
        /// The rollout's `ErrorMessage`.
        error_message: String,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
/// An environment (a TEM namespace).
pub struct Environment {
    /// `en-xxxxxxxx`.
    pub id: String,
    /// `EnvironmentName`, unique.
    pub name: String,
    /// `Description`.
    pub description: String,
    /// The VPC id.
    pub vpc: String,
    /// The subnet ids.
    pub subnet_ids: Vec<String>,
    /// The cluster id, `cls-xxxxxxxx`.
    pub cluster_id: String,
    /// The region it was created in.
    pub region: String,
    /// Created, Unix milliseconds on the emulator's clock.
    pub created_ms: i64,
    /// Last modified, Unix milliseconds.
    pub modified_ms: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
/// An application; deployed into environments.
pub struct Application {
    /// `app-xxxxxxxx`.
    pub id: String,
    /// `ApplicationName`, unique.
    pub name: String,
    /// `Description`.
    pub description: String,
    /// `CodingLanguage`.
    pub coding_language: String,
    /// `DeployMode`.
    pub deploy_mode: String,
    /// Created, Unix milliseconds.
    pub created_ms: i64,
    /// Last modified, Unix milliseconds.
    pub modified_ms: i64,
    /// By environment id.
    pub deployments: BTreeMap<String, Deployment>,
}

/// An application deployed in one environment.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deployment {
    /// The version running (the last that finished rolling out), `""` before the first.
    pub version: String,
    /// The running version's id (`revision-xxxxxxxx`).
    pub version_id: String,
    /// The package of the last deployment.
    pub package: String,
    /// How many pods it should run.
    pub replicas: u64,
    /// `CpuSpec`, cores.
    pub cpu: f64,
    /// `MemorySpec`, GiB.
    pub memory: f64,
    /// Whether `StopApplication` stopped it.
    pub stopped: bool,
    /// Its pods, in order of creation.
    pub pods: Vec<Pod>,
    /// The current (or last) rollout.
    pub rollout: Option<Rollout>,
    /// Earlier rollouts, oldest first, queryable by `VersionId`.
    pub history: Vec<Rollout>,
    /// First deployed, Unix milliseconds.
    pub created_ms: i64,
    /// Last deployment started, Unix milliseconds.
    pub last_deploy_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
/// A pod of a deployment.
pub struct Pod {
    /// `<application name>-xxxxx`.
    pub id: String,
    /// Its `DeployVersion`.
    pub version: String,
    /// Its version id.
    pub version_id: String,
    /// `Pending`, `Running` or `CrashLoopBackOff`.
    pub status: String,
    /// Created, Unix milliseconds.
    pub created_ms: i64,
    /// Restarts (a crash-looping pod's grow).
    pub restart_count: u64,
    /// Its IP address (made up, in 10.0.0.0/16).
    pub ip: String,
    /// Its zone.
    pub zone: String,
}

/// The deployment strategy of a rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strategy {
    /// Batches follow each other, `BatchInterval` seconds apart.
    Auto,
    /// Every batch after the first waits for `ResumeDeployApplication`.
    Manual,
    /// A beta batch of `BetaBatchNum` pods, then a wait for `ResumeDeployApplication`, then
    /// the other batches automatically.
    Beta,
    /// The first deployment of an application in an environment: one batch of every pod.
    Initial,
}

impl Strategy {
    /// `DeployStrategyConf.DeployStrategyType`: 0 automatic, 1 manual, 2 beta, 3 initial.
    pub fn code(self) -> i64 {
        match self {
            Self::Auto => 0,
            Self::Manual => 1,
            Self::Beta => 2,
            Self::Initial => 3,
        }
    }

    fn from_code(code: i64) -> Option<Self> {
        [Self::Auto, Self::Manual, Self::Beta, Self::Initial].into_iter().find(|s| s.code() == code)
    }

    /// `AUTO`, `BETA`, `MANUAL` (any case) or the numeric codes, as the official examples send.
    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "" | "AUTO" => Some(Self::Auto),
            "BETA" => Some(Self::Beta),
            "MANUAL" => Some(Self::Manual),
            other => other.parse().ok().and_then(Self::from_code),
        }
    }
}

/// `BatchStatus` / `CurrentBatchStatus` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchStatus {
    /// Not started yet.
    NotStart,
    /// Its new pods are starting.
    Deploying,
    /// Waiting for `ResumeDeployApplication`.
    WaitForResume,
    /// Waiting for `BatchInterval` to pass.
    WaitForTimeExceed,
    /// Done.
    Finish,
}

impl BatchStatus {
    /// The name TEM uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStart => "NotStart",
            Self::Deploying => "Deploying",
            Self::WaitForResume => "WaitForResume",
            Self::WaitForTimeExceed => "WaitForTimeExceed",
            Self::Finish => "Finish",
        }
    }
}

/// The rollout's `Status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RolloutStatus {
    /// Batches are deploying or waiting (for the interval or for a resume).
    Running,
    /// Every batch finished.
    Success,
    /// A batch's pods failed (crash-loop).
    Error,
    /// `RevertDeployApplication` was called; the old version's pods are starting.
    Reverting,
    /// The old version runs again.
    Reverted,
}

impl RolloutStatus {
    /// The name TEM uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "Running",
            Self::Success => "Success",
            Self::Error => "Error",
            Self::Reverting => "Reverting",
            Self::Reverted => "Reverted",
        }
    }

    /// Whether the rollout has ended (no more changes without a new call).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Success | Self::Error | Self::Reverted)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
/// One batch of a rollout.
pub struct Batch {
    /// `BatchIndex`.
    pub index: usize,
    /// `PodNum`: pods it replaces.
    pub pod_num: u64,
    /// `BatchStatus`.
    pub status: BatchStatus,
    /// When it started deploying, Unix milliseconds.
    pub started_ms: Option<i64>,
    /// When it will start (`WaitForTimeExceed`), Unix milliseconds.
    pub next_start_ms: Option<i64>,
    /// The old pods it replaces.
    pub old_pods: Vec<Pod>,
    /// The new pods it starts.
    pub new_pods: Vec<Pod>,
    /// How many of `new_pods` are ready (steps done, see `MinAvailable` in the module docs).
    #[serde(default)]
    pub ready_pods: u64,
    /// When the step deploying now started, Unix milliseconds.
    #[serde(default)]
    pub step_started_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
/// A rollout of a new version.
pub struct Rollout {
    /// Its version id, `revision-xxxxxxxx`.
    pub version_id: String,
    /// `NewDeployVersion`.
    pub new_version: String,
    /// `OldDeployVersion` (`""` for a first deployment).
    pub old_version: String,
    /// The old version's id.
    pub old_version_id: String,
    /// `NewVersionPackageInfo`.
    pub package: String,
    /// How batches follow each other.
    pub strategy: Strategy,
    /// `TotalBatchCount` (beyond the beta batch).
    pub total_batch_count: u64,
    /// `BetaBatchNum`: pods in the beta batch.
    pub beta_batch_num: u64,
    /// `BatchInterval`, seconds.
    pub batch_interval_secs: u64,
    /// `MinAvailable`: ready pods a batch keeps (see the module docs), 0 when not given.
    pub min_available: u64,
    /// `Force` (recorded).
    pub force: bool,
    /// Started, Unix milliseconds.
    pub started_ms: i64,
    /// Ended, Unix milliseconds.
    pub ended_ms: Option<i64>,
    /// `Status`.
    pub status: RolloutStatus,
    /// `ErrorMessage`.
    pub error_message: String,
    /// The beta batch first when there is one.
    pub batches: Vec<Batch>,
    /// `CurrentBatchIndex`: the batch deploying or waiting.
    pub current: usize,
    /// When `RevertDeployApplication` was called, Unix milliseconds.
    pub reverting_since_ms: Option<i64>,
}

/// Everything the emulator knows; serializable as the state file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(default)]
pub struct State {
    /// Environments by id.
    pub environments: BTreeMap<String, Environment>,
    /// Applications by id.
    pub applications: BTreeMap<String, Application>,
    /// What each deploy version's pods do, by `DeployVersion`.
    pub versions: BTreeMap<String, VersionBehaviour>,
    /// How long a batch's pods take to start, in emulated seconds (0: the default, 10).
    pub pod_start_secs: u64,
    /// Feeds the id generator.
    pub next_id: u64,
    /// Config data, log configs, services, autoscalers, ingresses.
    pub resources: crate::resources::Resources,
}

/// The result of an action the model handles.
pub enum Outcome {
    /// The members of `Response` (without `RequestId`), or an error.
    Done(Result<Value, ServiceError>),
    /// An action the model does not emulate.
    NotModelled,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// `YYYY-MM-DD HH:MM:SS` in China Standard Time (UTC+8), as TEM reports times.
pub fn tem_time(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000) + 8 * 3600;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// RFC 3339 in UTC, as pods' `StartTime`.
fn rfc3339(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/// Typed access to validated parameters (validation has normalized their types).
struct Params<'a>(&'a Map<String, Value>);

impl<'a> Params<'a> {
    fn str(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).and_then(Value::as_str)
    }
    fn text(&self, name: &str) -> &'a str {
        self.str(name).unwrap_or_default()
    }
    fn int(&self, name: &str) -> Option<i64> {
        self.0.get(name).and_then(|v| v.as_i64().or_else(|| v.as_u64().map(|u| u as i64)))
    }
    fn float(&self, name: &str) -> Option<f64> {
        self.0.get(name).and_then(Value::as_f64)
    }
    fn bool(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(Value::as_bool)
    }
    fn strings(&self, name: &str) -> Vec<String> {
        self.0
            .get(name)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }
    fn object(&self, name: &str) -> Option<Params<'a>> {
        self.0.get(name).and_then(Value::as_object).map(Params)
    }
}

/// `Offset`/`Limit` of a listing: defaults 0 and 20, `Limit` at most 100 (a negative value
/// is `InvalidParameterValue`).
fn page(params: &Params<'_>) -> Result<(usize, usize), ServiceError> {
    let offset = params.int("Offset").unwrap_or(0);
    let limit = params.int("Limit").unwrap_or(20);
    if offset < 0 || limit < 0 {
        return Err(ServiceError::new("InvalidParameterValue", "Offset and Limit must not be negative."));
    }
    Ok((usize::try_from(offset).unwrap_or(usize::MAX), usize::try_from(limit.min(100)).unwrap_or(100)))
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

impl State {
    /// An empty state.
    pub fn new() -> Self {
        Self { pod_start_secs: DEFAULT_POD_START_SECS, ..Self::default() }
    }

    pub(crate) fn fresh_id(&mut self, prefix: &str, len: usize) -> String {
        self.fresh(prefix, len)
    }

    fn fresh(&mut self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        // Never overflows from a checked state (at most 2^53); wrapping keeps a hand-made one safe.
        self.next_id = self.next_id.wrapping_add(1);
        let mut x = splitmix(self.next_id);
        let mut id = String::with_capacity(prefix.len() + len);
        id.push_str(prefix);
        for _ in 0..len {
            id.push(ALPHABET[(x % 36) as usize] as char);
            x /= 36;
            if x == 0 {
                x = splitmix(self.next_id ^ 0xA5A5);
            }
        }
        id
    }

    /// The pod-start time; 0 (a state file without it) means the default.
    fn pod_start_ms(&self) -> i64 {
        let secs = if self.pod_start_secs == 0 { DEFAULT_POD_START_SECS } else { self.pod_start_secs };
        i64::try_from(secs).unwrap_or(i64::MAX / 1000).saturating_mul(1000)
    }

    fn new_pod(&mut self, app_name: &str, version: &str, version_id: &str, now_ms: i64) -> Pod {
        let id = self.fresh(&format!("{app_name}-"), 5);
        let n = self.next_id;
        Pod {
            id,
            version: version.to_owned(),
            version_id: version_id.to_owned(),
            status: "Pending".into(),
            created_ms: now_ms,
            restart_count: 0,
            ip: format!("10.0.{}.{}", (n / 250) % 250, n % 250 + 2),
            zone: "ap-guangzhou-3".into(),
        }
    }

    /// Creates an environment; returns its id.
    pub fn create_environment(
        &mut self,
        name: &str,
        description: &str,
        region: &str,
        now_ms: i64,
    ) -> Result<String, ServiceError> {
        if name.is_empty() {
            return Err(ServiceError::new(
                "MissingParameter.EnvironmentNameNull",
                "The environment name must not be empty.",
            ));
        }
        if self.environments.values().any(|e| e.name == name) {
            return Err(ServiceError::new(
                "InvalidParameterValue.NamespaceDuplicateError",
                format!("The environment {name:?} exists."),
            ));
        }
        if self.environments.len() >= MAX_RESOURCES {
            return Err(ServiceError::new("InvalidParameterValue.NamespaceReachMaximum", "Too many environments."));
        }
        let id = self.fresh("en-", 8);
        let cluster_id = self.fresh("cls-", 8);
        let vpc = self.fresh("vpc-", 8);
        let subnet = self.fresh("subnet-", 8);
        let env = Environment {
            id: id.clone(),
            name: name.to_owned(),
            description: description.to_owned(),
            vpc,
            subnet_ids: vec![subnet],
            cluster_id,
            region: region.to_owned(),
            created_ms: now_ms,
            modified_ms: now_ms,
        };
        self.environments.insert(id.clone(), env);
        Ok(id)
    }

    /// Creates an application (not yet deployed anywhere); returns its id.
    pub fn create_application(&mut self, name: &str, description: &str, now_ms: i64) -> Result<String, ServiceError> {
        let valid = !name.is_empty()
            && name.len() <= 45
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && name.as_bytes()[0].is_ascii_lowercase();
        if !valid {
            return Err(ServiceError::new(
                "InvalidParameterValue.InvalidServiceName",
                format!("The application name {name:?} is not valid: lowercase letters, digits and `-`, starting with a letter, at most 45."),
            ));
        }
        if self.applications.values().any(|a| a.name == name) {
            return Err(ServiceError::new(
                "InvalidParameterValue.ServiceNameDuplicateError",
                format!("The application {name:?} exists."),
            ));
        }
        if self.applications.len() >= MAX_RESOURCES {
            return Err(ServiceError::new("InvalidParameterValue.ServiceReachMaximum", "Too many applications."));
        }
        let id = self.fresh("app-", 8);
        let app = Application {
            id: id.clone(),
            name: name.to_owned(),
            description: description.to_owned(),
            coding_language: "JAVA".into(),
            deploy_mode: "IMAGE".into(),
            created_ms: now_ms,
            modified_ms: now_ms,
            deployments: BTreeMap::new(),
        };
        self.applications.insert(id.clone(), app);
        Ok(id)
    }

    fn environment(&self, id: &str) -> Result<&Environment, ServiceError> {
        self.environments.get(id).ok_or_else(|| {
            ServiceError::new("ResourceNotFound.NamespaceNotFound", format!("The environment {id:?} is not found."))
        })
    }

    fn application(&self, id: &str) -> Result<&Application, ServiceError> {
        self.applications.get(id).ok_or_else(|| {
            ServiceError::new("ResourceNotFound.ServiceNotFound", format!("The application {id:?} is not found."))
        })
    }

    fn deployment(&self, app_id: &str, env_id: &str) -> Result<(&Application, &Deployment), ServiceError> {
        let app = self.application(app_id)?;
        self.environment(env_id)?;
        let dep = app.deployments.get(env_id).ok_or_else(|| {
            ServiceError::new(
                "ResourceNotFound.ServiceRunningVersionNotFound",
                format!("The application {app_id:?} has no version deployed in the environment {env_id:?}."),
            )
        })?;
        Ok((app, dep))
    }

    /// Starts a deployment of `version` of an application in an environment: the first one
    /// (all pods in one batch) or a rollout by `strategy`.
    #[allow(clippy::too_many_arguments)]
    pub fn start_rollout(
        &mut self,
        app_id: &str,
        env_id: &str,
        version: &str,
        package: &str,
        plan: RolloutPlan,
        now_ms: i64,
    ) -> Result<String, ServiceError> {
        self.catch_up(now_ms);
        self.environment(env_id)?;
        let app = self.application(app_id)?;
        let app_name = app.name.clone();
        if version.is_empty() {
            return Err(ServiceError::new(
                "MissingParameter.DeployVersionNull",
                "The deploy version must not be empty.",
            ));
        }
        if version.len() > 128 {
            return Err(ServiceError::new(
                "InvalidParameterValue.VersionLengthLimit",
                "The version is longer than 128.",
            ));
        }
        let existing = app.deployments.get(env_id).cloned();
        if let Some(dep) = &existing {
            if dep.rollout.as_ref().is_some_and(|r| !r.status.is_final()) {
                return Err(ServiceError::new(
                    "ResourceInUse.ServiceDeploying",
                    format!(
                        "The application {app_id:?} is being deployed in {env_id:?}; wait for it to end or revert it."
                    ),
                ));
            }
            if dep.stopped {
                return Err(ServiceError::new(
                    "ResourceUnavailable.ApplicationStopped",
                    format!("The application {app_id:?} is stopped."),
                ));
            }
        } else if plan.replicas.is_none() {
            return Err(ServiceError::new(
                "ResourceNotFound.ServiceRunningVersionNotFound",
                format!("The application {app_id:?} has no version deployed in the environment {env_id:?}; use DeployApplication first."),
            ));
        }
        let replicas = plan.replicas.map_or(existing.as_ref().map_or(0, |d| d.replicas), |r| r.min(MAX_REPLICAS));
        if plan.min_available > replicas {
            // No batch size can keep more pods ready than there are.
            return Err(ServiceError::new(
                "InvalidParameterValue",
                format!("MinAvailable {} is larger than the {replicas} replicas.", plan.min_available),
            ));
        }
        let version_id = self.fresh("revision-", 8);
        let mut dep = existing.unwrap_or_else(|| Deployment {
            version: String::new(),
            version_id: String::new(),
            package: String::new(),
            replicas: 0,
            cpu: 0.25,
            memory: 0.5,
            stopped: false,
            pods: Vec::new(),
            rollout: None,
            history: Vec::new(),
            created_ms: now_ms,
            last_deploy_ms: now_ms,
        });
        if let Some(replicas) = plan.replicas {
            dep.replicas = replicas.min(MAX_REPLICAS);
        }
        if let Some(cpu) = plan.cpu {
            dep.cpu = cpu;
        }
        if let Some(memory) = plan.memory {
            dep.memory = memory;
        }
        let strategy = if dep.version.is_empty() { Strategy::Initial } else { plan.strategy };
        let sizes = batch_sizes(strategy, dep.replicas, plan.total_batch_count, plan.beta_batch_num);
        let batches = sizes
            .iter()
            .enumerate()
            .map(|(index, &pod_num)| Batch {
                index,
                pod_num,
                status: BatchStatus::NotStart,
                started_ms: None,
                next_start_ms: None,
                old_pods: Vec::new(),
                new_pods: Vec::new(),
                ready_pods: 0,
                step_started_ms: None,
            })
            .collect::<Vec<_>>();
        let rollout = Rollout {
            version_id: version_id.clone(),
            new_version: version.to_owned(),
            old_version: dep.version.clone(),
            old_version_id: dep.version_id.clone(),
            package: package.to_owned(),
            strategy,
            total_batch_count: sizes.len() as u64 - u64::from(strategy == Strategy::Beta && sizes.len() > 1),
            beta_batch_num: if strategy == Strategy::Beta { sizes[0] } else { 0 },
            batch_interval_secs: plan.batch_interval_secs,
            min_available: plan.min_available,
            force: plan.force,
            started_ms: now_ms,
            ended_ms: None,
            status: RolloutStatus::Running,
            error_message: String::new(),
            batches,
            current: 0,
            reverting_since_ms: None,
        };
        if let Some(previous) = dep.rollout.replace(rollout) {
            dep.history.push(previous);
            if dep.history.len() > HISTORY {
                dep.history.remove(0);
            }
        }
        dep.last_deploy_ms = now_ms;
        if !package.is_empty() {
            dep.package = package.to_owned();
        }
        let pod_start = self.pod_start_ms();
        let behaviours = self.versions.clone();
        let app = self.applications.get_mut(app_id).expect("checked above");
        app.modified_ms = now_ms;
        let mut ids = IdSource { state_next: &mut self.next_id };
        start_batch(&mut dep, &app_name, 0, now_ms, &mut ids);
        advance_deployment(&mut dep, &app_name, now_ms, pod_start, &behaviours, &mut ids);
        app.deployments.insert(env_id.to_owned(), dep);
        Ok(version_id)
    }

    /// Checks a state read from a file or posted to the control API before it replaces the
    /// running one: the counters must be able to grow (a state file is user input; what this does
    /// not refuse, [`State::sanitize`] brings within bounds).
    pub fn check(&self) -> Result<(), String> {
        if self.next_id > crate::limits::MAX_NEXT_ID {
            return Err(format!(
                "NextId {} is above {}: ids could not be made",
                self.next_id,
                crate::limits::MAX_NEXT_ID
            ));
        }
        if self.pod_start_secs > 86_400 {
            return Err(format!("PodStartSecs {} is above a day (86400)", self.pod_start_secs));
        }
        for app in self.applications.values() {
            for (env, dep) in &app.deployments {
                if dep.replicas > MAX_REPLICAS {
                    return Err(format!("{} in {env}: Replicas {} is above {MAX_REPLICAS}", app.id, dep.replicas));
                }
            }
        }
        Ok(())
    }

    /// Makes a state read from a file safe to run: counts within their bounds, rollouts with at
    /// least one batch and a current batch that exists. (A state file is user input.)
    pub fn sanitize(&mut self) {
        self.next_id = self.next_id.min(crate::limits::MAX_NEXT_ID);
        let cap = usize::try_from(MAX_REPLICAS).unwrap_or(usize::MAX);
        for app in self.applications.values_mut() {
            for dep in app.deployments.values_mut() {
                dep.replicas = dep.replicas.min(MAX_REPLICAS);
                dep.pods.truncate(cap * 2);
                dep.history.truncate(HISTORY);
                for rollout in dep.rollout.iter_mut().chain(dep.history.iter_mut()) {
                    rollout.batches.truncate(101);
                    if rollout.batches.is_empty() {
                        rollout.status = RolloutStatus::Error;
                        rollout.error_message = "the state file had a rollout without batches".into();
                        rollout.batches.push(Batch {
                            index: 0,
                            pod_num: 0,
                            status: BatchStatus::Finish,
                            started_ms: None,
                            next_start_ms: None,
                            old_pods: Vec::new(),
                            new_pods: Vec::new(),
                            ready_pods: 0,
                            step_started_ms: None,
                        });
                    }
                    rollout.current = rollout.current.min(rollout.batches.len() - 1);
                    for batch in &mut rollout.batches {
                        batch.pod_num = batch.pod_num.min(MAX_REPLICAS);
                        batch.old_pods.truncate(cap);
                        batch.new_pods.truncate(cap);
                        batch.ready_pods = batch.ready_pods.min(batch.pod_num);
                    }
                }
            }
        }
        self.pod_start_secs = self.pod_start_secs.min(86_400);
    }

    /// Brings every rollout up to `now_ms`.
    pub fn catch_up(&mut self, now_ms: i64) {
        let pod_start = self.pod_start_ms();
        let behaviours = &self.versions;
        let mut ids = IdSource { state_next: &mut self.next_id };
        for app in self.applications.values_mut() {
            for dep in app.deployments.values_mut() {
                advance_deployment(dep, &app.name, now_ms, pod_start, behaviours, &mut ids);
            }
        }
    }

    /// Runs one action; [`Outcome::NotModelled`] for the actions the model does not emulate.
    pub fn handle(&mut self, action: &str, params: &Map<String, Value>, region: &str, now_ms: i64) -> Outcome {
        self.catch_up(now_ms);
        let p = Params(params);
        let result = match action {
            "CreateEnvironment" => self
                .create_environment(
                    p.text("EnvironmentName"),
                    p.text("Description"),
                    p.str("CreateRegion").unwrap_or(region),
                    now_ms,
                )
                .map(|id| {
                    let env = self.environments.get_mut(&id).expect("just created");
                    if let Some(vpc) = p.str("Vpc") {
                        env.vpc = vpc.to_owned();
                    }
                    let subnets = p.strings("SubnetIds");
                    if !subnets.is_empty() {
                        env.subnet_ids = subnets;
                    }
                    json!({"Result": id})
                }),
            "DescribeEnvironment" => {
                self.environment(p.text("EnvironmentId")).map(|e| json!({"Result": namespace_info(e)}))
            }
            "DescribeEnvironments" => self.describe_environments(&p),
            "DescribeEnvironmentStatus" => Ok(
                json!({"Result": p.strings("EnvironmentIds").iter().filter_map(|id| self.environments.get(id)).map(|e| json!({
                "EnvironmentId": e.id, "EnvironmentName": e.name, "ClusterId": e.cluster_id, "ClusterStatus": "NORMAL",
                "EnvironmentStartingStatus": null, "EnvironmentStoppingStatus": null,
            })).collect::<Vec<_>>()}),
            ),
            "ModifyEnvironment" => self.modify_environment(&p, now_ms),
            "DestroyEnvironment" => self.destroy_environment(p.text("EnvironmentId")),
            "CreateApplication" => {
                self.create_application(p.text("ApplicationName"), p.text("Description"), now_ms).map(|id| {
                    let app = self.applications.get_mut(&id).expect("just created");
                    if let Some(lang) = p.str("CodingLanguage") {
                        app.coding_language = lang.to_owned();
                    }
                    if let Some(mode) = p.str("DeployMode") {
                        app.deploy_mode = mode.to_owned();
                    }
                    json!({"Result": id})
                })
            }
            "DescribeApplications" => self.describe_applications(&p),
            "DescribeApplicationInfo" => self.describe_application_info(&p),
            "DescribeApplicationsStatus" => self.environment(p.text("EnvironmentId")).map(|e| {
                let env_id = e.id.clone();
                let list: Vec<Value> = self
                    .applications
                    .values()
                    .filter_map(|a| a.deployments.get(&env_id).map(|d| self.version_brief(a, &env_id, d)))
                    .collect();
                json!({"Result": list})
            }),
            "ModifyApplicationInfo" => self.modify_application_info(&p, now_ms),
            "DeleteApplication" => self.delete_application(&p),
            "DeployApplication" => self.deploy_application(&p, now_ms),
            "RollingUpdateApplicationByVersion" => self.rolling_update(&p, now_ms),
            "DescribeDeployApplicationDetail" => self.describe_deploy_detail(&p),
            "ResumeDeployApplication" => self.resume(p.text("ApplicationId"), p.text("EnvironmentId"), now_ms),
            "RevertDeployApplication" => self.revert(p.text("ApplicationId"), p.text("EnvironmentId"), now_ms),
            "DescribeApplicationPods" => self.describe_pods(&p),
            "StopApplication" => self.stop(p.text("ApplicationId"), p.text("EnvironmentId"), now_ms),
            "RestartApplication" => self.restart(p.text("ApplicationId"), p.text("EnvironmentId"), None, now_ms),
            "RestartApplicationPod" => {
                self.restart(p.text("ApplicationId"), p.text("EnvironmentId"), Some(p.text("PodName")), now_ms)
            }
            "ModifyApplicationReplicas" => self.modify_replicas(&p, now_ms),
            _ => match self.handle_resource(action, params, now_ms) {
                Some(result) => result,
                None => return Outcome::NotModelled,
            },
        };
        Outcome::Done(result)
    }

    fn describe_environments(&self, p: &Params<'_>) -> Result<Value, ServiceError> {
        let (offset, limit) = page(p)?;
        let wanted = p.str("EnvironmentId").filter(|s| !s.is_empty());
        let all: Vec<&Environment> = self.environments.values().filter(|e| wanted.is_none_or(|w| w == e.id)).collect();
        let records: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|e| {
                let apps: Vec<&Application> = self.applications.values().filter(|a| a.deployments.contains_key(&e.id)).collect();
                let pods: usize = apps.iter().map(|a| a.deployments[&e.id].pods.len()).sum();
                json!({
                    "EnvironmentId": e.id, "Channel": "", "EnvironmentName": e.name, "Region": e.region,
                    "Description": e.description, "Status": 1, "Vpc": e.vpc, "CreateDate": tem_time(e.created_ms),
                    "ModifyDate": tem_time(e.modified_ms), "Modifier": "", "Creator": "", "ApplicationNum": apps.len(),
                    "RunInstancesNum": pods, "SubnetId": e.subnet_ids.join(","), "ClusterStatus": "NORMAL",
                    "EnableTswTraceService": false, "Locked": 0, "AppId": "", "Uin": "", "SubAccountUin": "",
                    "ClusterId": e.cluster_id, "Tags": [], "HasAuthority": true, "EnvType": "test", "RegionId": e.region,
                })
            })
            .collect();
        Ok(json!({"Result": paged(records, all.len(), offset, limit, "Records", "Total")}))
    }

    fn modify_environment(&mut self, p: &Params<'_>, now_ms: i64) -> Result<Value, ServiceError> {
        let id = p.text("EnvironmentId").to_owned();
        self.environment(&id)?;
        if let Some(name) = p.str("EnvironmentName") {
            if self.environments.values().any(|e| e.name == name && e.id != id) {
                return Err(ServiceError::new(
                    "InvalidParameterValue.NamespaceDuplicateError",
                    format!("The environment {name:?} exists."),
                ));
            }
        }
        let env = self.environments.get_mut(&id).expect("checked");
        if let Some(name) = p.str("EnvironmentName") {
            env.name = name.to_owned();
        }
        if let Some(description) = p.str("Description") {
            env.description = description.to_owned();
        }
        env.modified_ms = now_ms;
        Ok(json!({"Result": true}))
    }

    fn destroy_environment(&mut self, id: &str) -> Result<Value, ServiceError> {
        self.environment(id)?;
        if self.applications.values().any(|a| a.deployments.contains_key(id)) {
            return Err(ServiceError::new(
                "ResourceInUse.ResourceAlreadyUsed",
                format!("The environment {id:?} still has applications deployed in it."),
            ));
        }
        self.environments.remove(id);
        self.forget_environment(id);
        Ok(json!({"Result": true}))
    }

    fn describe_applications(&self, p: &Params<'_>) -> Result<Value, ServiceError> {
        let (offset, limit) = page(p)?;
        let env = p.str("EnvironmentId").filter(|s| !s.is_empty());
        if let Some(env) = env {
            self.environment(env)?;
        }
        let id = p.str("ApplicationId").filter(|s| !s.is_empty());
        let keyword = p.str("Keyword").unwrap_or_default();
        let all: Vec<&Application> = self
            .applications
            .values()
            .filter(|a| env.is_none_or(|e| a.deployments.contains_key(e)))
            .filter(|a| id.is_none_or(|i| i == a.id))
            .filter(|a| a.name.contains(keyword) || a.id.contains(keyword))
            .collect();
        let records: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|a| {
                let env_id = env.map(str::to_owned).or_else(|| a.deployments.keys().next().cloned()).unwrap_or_default();
                let versions: Vec<Value> = a.deployments.get(&env_id).map(|d| self.version_brief(a, &env_id, d)).into_iter().collect();
                json!({
                    "ApplicationId": a.id, "ApplicationName": a.name, "Description": a.description,
                    "EnvironmentId": env_id, "CreateDate": tem_time(a.created_ms), "ModifyDate": tem_time(a.modified_ms),
                    "Modifier": "", "Creator": "", "RepoType": 3, "InstanceId": "", "RepoName": "",
                    "CodingLanguage": a.coding_language, "DeployMode": a.deploy_mode,
                    "EnvironmentName": self.environments.get(&env_id).map(|e| e.name.clone()).unwrap_or_default(),
                    "ActiveVersions": versions, "EnableTracing": 0, "Tags": [], "HasAuthority": true,
                })
            })
            .collect();
        Ok(json!({"Result": paged(records, all.len(), offset, limit, "Records", "Total")}))
    }

    fn version_brief(&self, app: &Application, env_id: &str, dep: &Deployment) -> Value {
        let ready = dep.pods.iter().filter(|p| p.status == "Running").count();
        let under = dep.rollout.as_ref().is_some_and(|r| !r.status.is_final());
        json!({
            "VersionName": dep.version, "Status": if dep.stopped { "STOPPED" } else if under { "DEPLOYING" } else { "RUNNING" },
            "EnableEs": 0, "CurrentInstances": ready, "VersionId": dep.version_id, "LogOutputConf": null,
            "ExpectedInstances": dep.replicas, "DeployMode": app.deploy_mode, "BuildTaskId": "",
            "EnvironmentId": env_id, "EnvironmentName": self.environments.get(env_id).map(|e| e.name.clone()).unwrap_or_default(),
            "ApplicationId": app.id, "ApplicationName": app.name, "UnderDeploying": under,
            "BatchDeployStatus": dep.rollout.as_ref().map_or("", |r| r.status.as_str()),
            "Zones": ["ap-guangzhou-3"], "NodeInfos": [], "PodList": null, "WorkloadInfo": null,
            "CreateDate": tem_time(dep.created_ms), "RegionId": "",
        })
    }

    fn describe_application_info(&self, p: &Params<'_>) -> Result<Value, ServiceError> {
        let app = self.application(p.text("ApplicationId"))?;
        let env_id = p
            .str("EnvironmentId")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| app.deployments.keys().next().cloned());
        let Some(env_id) = env_id else {
            return Err(ServiceError::new(
                "ResourceNotFound.ServiceRunningVersionNotFound",
                "The application is not deployed.",
            ));
        };
        let (app, dep) = self.deployment(&app.id, &env_id)?;
        let env = &self.environments[&env_id];
        let ready = dep.pods.iter().filter(|p| p.status == "Running").count();
        let under = dep.rollout.as_ref().is_some_and(|r| !r.status.is_final());
        Ok(json!({"Result": {
            "VersionId": dep.version_id, "ApplicationId": app.id, "DeployMode": app.deploy_mode, "JdkVersion": "",
            "Description": app.description, "DeployVersion": dep.version, "PublishMode": "", "JvmOpts": "",
            "InitPodNum": dep.replicas, "CpuSpec": dep.cpu, "MemorySpec": dep.memory, "ImgRepo": "", "ImgName": "",
            "ImgVersion": dep.version, "EsInfo": null, "EnvConf": [], "StorageConfs": [],
            "Status": if dep.stopped { "STOPPED" } else if under { "DEPLOYING" } else { "RUNNING" },
            "Vpc": env.vpc, "SubnetId": env.subnet_ids.join(","), "CreateDate": tem_time(dep.created_ms),
            "ModifyDate": tem_time(app.modified_ms), "StorageMountConfs": [], "VersionName": dep.version,
            "ApplicationName": app.name, "ApplicationDescription": app.description, "EnvironmentName": env.name,
            "EnvironmentId": env.id, "CurrentInstances": ready, "ExpectedInstances": dep.replicas,
            "CodingLanguage": app.coding_language, "PkgName": dep.package, "LastDeployDate": tem_time(dep.last_deploy_ms),
            "UnderDeploying": under, "StoppedManually": dep.stopped,
            "BatchDeployStatus": dep.rollout.as_ref().map_or("", |r| r.status.as_str()),
            "DeployStrategyConf": dep.rollout.as_ref().map(strategy_conf),
        }}))
    }

    fn modify_application_info(&mut self, p: &Params<'_>, now_ms: i64) -> Result<Value, ServiceError> {
        let id = p.text("ApplicationId").to_owned();
        self.application(&id)?;
        let app = self.applications.get_mut(&id).expect("checked");
        if let Some(description) = p.str("Description") {
            app.description = description.to_owned();
        }
        app.modified_ms = now_ms;
        Ok(json!({"Result": true}))
    }

    fn delete_application(&mut self, p: &Params<'_>) -> Result<Value, ServiceError> {
        let (app_id, env_id) = (p.text("ApplicationId"), p.text("EnvironmentId"));
        let app = self.application(app_id)?;
        self.environment(env_id)?;
        if app.deployments.get(env_id).is_some_and(|d| d.rollout.as_ref().is_some_and(|r| !r.status.is_final())) {
            return Err(ServiceError::new(
                "ResourceInUse.ServiceDeploying",
                format!("The application {app_id:?} is being deployed."),
            ));
        }
        let only_if_idle = p.bool("DeleteApplicationIfNoRunningVersion").unwrap_or(false);
        if only_if_idle && app.deployments.get(env_id).is_some_and(|d| !d.pods.is_empty()) {
            return Err(ServiceError::new(
                "InvalidParameterValue.ServiceFoundRunningVersion",
                "The application has running pods.",
            ));
        }
        let app = self.applications.get_mut(app_id).expect("checked");
        app.deployments.remove(env_id);
        if app.deployments.is_empty() {
            self.applications.remove(app_id);
        }
        self.forget_application(app_id, env_id);
        Ok(json!({"Result": true}))
    }

    fn deploy_application(&mut self, p: &Params<'_>, now_ms: i64) -> Result<Value, ServiceError> {
        let init = p.int("InitPodNum").unwrap_or(1);
        if !(0..=MAX_REPLICAS as i64).contains(&init) {
            return Err(ServiceError::new(
                "InvalidParameterValue.ServicePodReachMaximum",
                format!("InitPodNum must be 0 to {MAX_REPLICAS}."),
            ));
        }
        let mut plan = RolloutPlan {
            replicas: Some(init as u64),
            cpu: p.float("CpuSpec"),
            memory: p.float("MemorySpec"),
            ..RolloutPlan::default()
        };
        if let Some(conf) = p.object("DeployStrategyConf") {
            plan.strategy = conf.int("DeployStrategyType").and_then(Strategy::from_code).unwrap_or(Strategy::Auto);
            plan.apply_numbers(
                conf.int("TotalBatchCount"),
                conf.int("BetaBatchNum"),
                conf.int("BatchInterval"),
                conf.int("MinAvailable"),
            )?;
            plan.force = conf.bool("Force").unwrap_or(false);
        }
        let package = p.str("PkgName").unwrap_or_default();
        self.start_rollout(
            p.text("ApplicationId"),
            p.text("EnvironmentId"),
            p.text("DeployVersion"),
            package,
            plan,
            now_ms,
        )
        .map(|id| json!({"Result": id}))
    }

    fn rolling_update(&mut self, p: &Params<'_>, now_ms: i64) -> Result<Value, ServiceError> {
        let strategy_text = p.text("DeployStrategyType");
        let Some(strategy) = Strategy::parse(strategy_text) else {
            return Err(ServiceError::new(
                "InvalidParameterValue",
                format!("DeployStrategyType {strategy_text:?} is not AUTO, BETA or MANUAL."),
            ));
        };
        let mut plan = RolloutPlan { strategy, force: p.bool("Force").unwrap_or(false), ..RolloutPlan::default() };
        plan.apply_numbers(
            p.int("TotalBatchCount"),
            p.int("BetaBatchNum"),
            p.int("BatchInterval"),
            p.int("MinAvailable"),
        )?;
        self.start_rollout(
            p.text("ApplicationId"),
            p.text("EnvironmentId"),
            p.text("DeployVersion"),
            p.text("PackageName"),
            plan,
            now_ms,
        )
        .map(|id| json!({"Result": id}))
    }

    fn describe_deploy_detail(&self, p: &Params<'_>) -> Result<Value, ServiceError> {
        let (app, dep) = self.deployment(p.text("ApplicationId"), p.text("EnvironmentId"))?;
        let wanted = p.str("VersionId").filter(|s| !s.is_empty());
        let rollout = dep
            .rollout
            .iter()
            .chain(dep.history.iter().rev())
            .find(|r| wanted.is_none_or(|w| w == r.version_id))
            .ok_or_else(|| {
                ServiceError::new(
                    "ResourceNotFound.VersionServiceNotFound",
                    format!("No deployment {} of this application in this environment.", wanted.unwrap_or("at all")),
                )
            })?;
        Ok(json!({"Result": deploy_detail(rollout, dep, &app.name)}))
    }

    fn rollout_mut(&mut self, app_id: &str, env_id: &str) -> Result<(String, &mut Deployment), ServiceError> {
        self.deployment(app_id, env_id)?;
        let app = self.applications.get_mut(app_id).expect("checked");
        Ok((app.name.clone(), app.deployments.get_mut(env_id).expect("checked")))
    }

    /// `ResumeDeployApplication`: starts the batch that waits for it.
    pub fn resume(&mut self, app_id: &str, env_id: &str, now_ms: i64) -> Result<Value, ServiceError> {
        self.catch_up(now_ms);
        let pod_start = self.pod_start_ms();
        let behaviours = self.versions.clone();
        let mut next_id = self.next_id;
        let (name, dep) = self.rollout_mut(app_id, env_id)?;
        let waiting = dep.rollout.as_ref().is_some_and(|r| {
            r.status == RolloutStatus::Running
                && r.batches.get(r.current).is_some_and(|b| b.status == BatchStatus::WaitForResume)
        });
        if !waiting {
            return Err(ServiceError::new("FailedOperation", "No batch of this deployment is waiting to be resumed."));
        }
        let current = dep.rollout.as_ref().map_or(0, |r| r.current);
        let mut ids = IdSource { state_next: &mut next_id };
        start_batch(dep, &name, current, now_ms, &mut ids);
        advance_deployment(dep, &name, now_ms, pod_start, &behaviours, &mut ids);
        self.next_id = next_id;
        Ok(json!({"Result": true}))
    }

    /// `RevertDeployApplication`: replaces the rollout's pods by the previous version's.
    pub fn revert(&mut self, app_id: &str, env_id: &str, now_ms: i64) -> Result<Value, ServiceError> {
        self.catch_up(now_ms);
        let (_, dep) = self.rollout_mut(app_id, env_id)?;
        let Some(rollout) = dep.rollout.as_mut() else {
            return Err(ServiceError::new("FailedOperation", "This application has no deployment to revert."));
        };
        if !matches!(rollout.status, RolloutStatus::Running | RolloutStatus::Error) {
            return Err(ServiceError::new(
                "FailedOperation",
                format!("The deployment is {}; only a running or failed one can be reverted.", rollout.status.as_str()),
            ));
        }
        if rollout.old_version.is_empty() {
            return Err(ServiceError::new(
                "FailedOperation",
                "The first deployment has no previous version to revert to.",
            ));
        }
        rollout.status = RolloutStatus::Reverting;
        rollout.reverting_since_ms = Some(now_ms);
        Ok(json!({"Result": true}))
    }

    fn describe_pods(&self, p: &Params<'_>) -> Result<Value, ServiceError> {
        let (offset, limit) = page(p)?;
        let (app, dep) = self.deployment(p.text("ApplicationId"), p.text("EnvironmentId"))?;
        let status = p.str("Status").filter(|s| !s.is_empty());
        let name = p.str("PodName").filter(|s| !s.is_empty());
        let all: Vec<&Pod> = dep
            .pods
            .iter()
            .filter(|pod| status.is_none_or(|s| s.eq_ignore_ascii_case(&pod.status)))
            .filter(|pod| name.is_none_or(|n| pod.id.contains(n)))
            .collect();
        let list: Vec<Value> = all.iter().skip(offset).take(limit).map(|pod| run_version_pod(pod, &app.name)).collect();
        Ok(
            json!({"Result": {"Offset": offset, "Limit": limit, "TotalCount": all.len(), "RequestId": "", "PodList": list}}),
        )
    }

    fn stop(&mut self, app_id: &str, env_id: &str, _now_ms: i64) -> Result<Value, ServiceError> {
        let (_, dep) = self.rollout_mut(app_id, env_id)?;
        if dep.rollout.as_ref().is_some_and(|r| !r.status.is_final()) {
            return Err(ServiceError::new("ResourceInUse.ServiceDeploying", "The application is being deployed."));
        }
        dep.stopped = true;
        dep.pods.clear();
        Ok(json!({"Result": true}))
    }

    fn restart(&mut self, app_id: &str, env_id: &str, pod: Option<&str>, now_ms: i64) -> Result<Value, ServiceError> {
        let (name, dep) = self.rollout_mut(app_id, env_id)?;
        if dep.rollout.as_ref().is_some_and(|r| !r.status.is_final()) {
            return Err(ServiceError::new("ResourceInUse.ServiceDeploying", "The application is being deployed."));
        }
        let (version, version_id) = (dep.version.clone(), dep.version_id.clone());
        let replaced: Vec<usize> = match pod {
            Some(pod) => {
                let Some(at) = dep.pods.iter().position(|p| p.id == pod) else {
                    return Err(ServiceError::new("ResourceNotFound", format!("The pod {pod:?} is not found.")));
                };
                vec![at]
            }
            None => {
                dep.stopped = false;
                let count = usize::try_from(dep.replicas).unwrap_or(0);
                dep.pods.truncate(count);
                (0..count).collect()
            }
        };
        let replicas = replaced.len();
        let mut fresh = Vec::with_capacity(replicas);
        for _ in 0..replicas {
            let mut p = self.new_pod(&name, &version, &version_id, now_ms);
            p.status = "Running".into();
            fresh.push(p);
        }
        let (_, dep) = self.rollout_mut(app_id, env_id)?;
        for (slot, pod) in replaced.into_iter().zip(fresh) {
            if slot < dep.pods.len() {
                dep.pods[slot] = pod;
            } else {
                dep.pods.push(pod);
            }
        }
        Ok(json!({"Result": true}))
    }

    fn modify_replicas(&mut self, p: &Params<'_>, now_ms: i64) -> Result<Value, ServiceError> {
        let replicas = p.int("Replicas").unwrap_or(0);
        if !(0..=MAX_REPLICAS as i64).contains(&replicas) {
            return Err(ServiceError::new("InvalidParameterValue", format!("Replicas must be 0 to {MAX_REPLICAS}.")));
        }
        let (app_id, env_id) = (p.text("ApplicationId"), p.text("EnvironmentId"));
        let (name, dep) = self.rollout_mut(app_id, env_id)?;
        if dep.rollout.as_ref().is_some_and(|r| !r.status.is_final()) {
            return Err(ServiceError::new("ResourceInUse.ServiceDeploying", "The application is being deployed."));
        }
        let (version, version_id, have) = (dep.version.clone(), dep.version_id.clone(), dep.pods.len());
        dep.replicas = replicas as u64;
        dep.pods.truncate(replicas as usize);
        let mut fresh = Vec::new();
        for _ in have..replicas as usize {
            let mut pod = self.new_pod(&name, &version, &version_id, now_ms);
            pod.status = "Running".into();
            fresh.push(pod);
        }
        let (_, dep) = self.rollout_mut(app_id, env_id)?;
        dep.pods.extend(fresh);
        Ok(json!({"Result": true}))
    }
}

/// How a rollout was asked for.
#[derive(Clone, Debug)]
pub struct RolloutPlan {
    /// `AUTO`, `BETA` or `MANUAL` (a first deployment is always [`Strategy::Initial`]).
    pub strategy: Strategy,
    /// For `DeployApplication`: the number of pods (`InitPodNum`).
    pub replicas: Option<u64>,
    /// `CpuSpec`.
    pub cpu: Option<f64>,
    /// `MemorySpec`.
    pub memory: Option<f64>,
    /// Batches (beyond the beta batch), at least 1.
    pub total_batch_count: u64,
    /// Pods in the beta batch, at least 1.
    pub beta_batch_num: u64,
    /// Seconds between batches.
    pub batch_interval_secs: u64,
    /// `MinAvailable`.
    pub min_available: u64,
    /// `Force`.
    pub force: bool,
}

impl Default for RolloutPlan {
    fn default() -> Self {
        Self {
            strategy: Strategy::Auto,
            replicas: None,
            cpu: None,
            memory: None,
            total_batch_count: 1,
            beta_batch_num: 1,
            batch_interval_secs: 0,
            min_available: 0,
            force: false,
        }
    }
}

impl RolloutPlan {
    fn apply_numbers(
        &mut self,
        total: Option<i64>,
        beta: Option<i64>,
        interval: Option<i64>,
        min: Option<i64>,
    ) -> Result<(), ServiceError> {
        let check = |name: &str, value: Option<i64>, max: i64| -> Result<Option<u64>, ServiceError> {
            match value {
                None => Ok(None),
                Some(v) if (0..=max).contains(&v) => Ok(Some(v as u64)),
                Some(v) => {
                    Err(ServiceError::new("InvalidParameterValue", format!("{name} {v} is not within 0 to {max}.")))
                }
            }
        };
        if let Some(total) = check("TotalBatchCount", total, 100)?.filter(|&t| t > 0) {
            self.total_batch_count = total;
        }
        if let Some(beta) = check("BetaBatchNum", beta, MAX_REPLICAS as i64)?.filter(|&b| b > 0) {
            self.beta_batch_num = beta;
        }
        self.batch_interval_secs = check("BatchInterval", interval, 86_400)?.unwrap_or(0);
        self.min_available = check("MinAvailable", min, MAX_REPLICAS as i64)?.unwrap_or(0);
        Ok(())
    }
}

/// Pods per batch: a beta batch of `beta` pods first for [`Strategy::Beta`], then the rest
/// spread over `total` batches as evenly as possible (earlier batches take the remainder).
/// At least one batch; no batch beyond the first is empty.
pub fn batch_sizes(strategy: Strategy, replicas: u64, total: u64, beta: u64) -> Vec<u64> {
    let mut sizes = Vec::new();
    let mut rest = replicas;
    if strategy == Strategy::Beta {
        let beta = beta.clamp(1, replicas.max(1)).min(replicas);
        sizes.push(beta);
        rest -= beta;
        if rest == 0 {
            return sizes;
        }
    }
    let total = if strategy == Strategy::Initial { 1 } else { total.clamp(1, rest.max(1)) };
    for i in 0..total {
        sizes.push(rest / total + u64::from(i < rest % total));
    }
    sizes
}

struct IdSource<'a> {
    state_next: &'a mut u64,
}

impl IdSource<'_> {
    fn pod(&mut self, app_name: &str, version: &str, version_id: &str, now_ms: i64) -> Pod {
        let mut state = State { next_id: *self.state_next, ..State::default() };
        let pod = state.new_pod(app_name, version, version_id, now_ms);
        *self.state_next = state.next_id;
        pod
    }
}

/// Makes batch `index` the current one, deploying from `at_ms`: its new pods are created
/// (`Pending`) and the old pods it replaces are chosen.
fn start_batch(dep: &mut Deployment, app_name: &str, index: usize, at_ms: i64, ids: &mut IdSource<'_>) {
    let Some(rollout) = dep.rollout.as_mut() else { return };
    let (version, version_id) = (rollout.new_version.clone(), rollout.version_id.clone());
    let taken: Vec<String> = rollout.batches.iter().flat_map(|b| b.old_pods.iter().map(|p| p.id.clone())).collect();
    let Some(batch) = rollout.batches.get_mut(index) else { return };
    batch.status = BatchStatus::Deploying;
    batch.started_ms = Some(at_ms);
    batch.next_start_ms = None;
    batch.old_pods = dep
        .pods
        .iter()
        .filter(|p| p.version_id != version_id && !taken.contains(&p.id))
        .take(usize::try_from(batch.pod_num).unwrap_or(0))
        .cloned()
        .collect();
    batch.new_pods = (0..batch.pod_num).map(|_| ids.pod(app_name, &version, &version_id, at_ms)).collect();
    batch.ready_pods = 0;
    rollout.current = index;
    start_step(dep, index, at_ms);
}

/// How a rollout's batches replace pods: pods per step, and whether a step's old pods stop when
/// it starts (`false`: they stop once its new pods are ready). See `MinAvailable` in the module
/// docs.
fn step_plan(rollout: &Rollout, replicas: u64, pod_num: u64) -> (u64, bool) {
    if rollout.min_available == 0 || rollout.strategy == Strategy::Initial {
        return (pod_num.max(1), false);
    }
    match replicas.saturating_sub(rollout.min_available) {
        0 => (1, false),
        budget => (budget.min(pod_num).max(1), true),
    }
}

/// Starts the next step of batch `index` at `at_ms`: stops its old pods first when the step
/// plan says so.
fn start_step(dep: &mut Deployment, index: usize, at_ms: i64) {
    let replicas = dep.replicas;
    let Some(rollout) = dep.rollout.as_mut() else { return };
    let (step, stop_first) = step_plan(rollout, replicas, rollout.batches.get(index).map_or(0, |b| b.pod_num));
    let Some(batch) = rollout.batches.get_mut(index) else { return };
    batch.step_started_ms = Some(at_ms);
    if stop_first {
        let skip = usize::try_from(batch.ready_pods).unwrap_or(usize::MAX);
        let take = usize::try_from(step).unwrap_or(0);
        let stopping: Vec<&str> = batch.old_pods.iter().skip(skip).take(take).map(|p| p.id.as_str()).collect();
        dep.pods.retain(|p| !stopping.contains(&p.id.as_str()));
    }
}

/// Moves a deployment's rollout forward to `now_ms`, one event at a time.
fn advance_deployment(
    dep: &mut Deployment,
    app_name: &str,
    now_ms: i64,
    pod_start_ms: i64,
    behaviours: &BTreeMap<String, VersionBehaviour>,
    ids: &mut IdSource<'_>,
) {
    loop {
        let Some(rollout) = dep.rollout.as_mut() else { return };
        if rollout.status.is_final() {
            return;
        }
        if let Some(since) = rollout.reverting_since_ms {
            let done = since.saturating_add(pod_start_ms);
            if now_ms < done {
                return;
            }
            let (old, old_id) = (rollout.old_version.clone(), rollout.old_version_id.clone());
            rollout.status = RolloutStatus::Reverted;
            rollout.ended_ms = Some(done);
            if let Some(batch) = rollout.batches.get_mut(rollout.current) {
                batch.status = BatchStatus::Finish;
            }
            let count = usize::try_from(dep.replicas).unwrap_or(0);
            let mut pods: Vec<Pod> = dep.pods.iter().filter(|p| p.version_id == old_id).take(count).cloned().collect();
            while pods.len() < count {
                let mut pod = ids.pod(app_name, &old, &old_id, since);
                pod.status = "Running".into();
                pods.push(pod);
            }
            dep.pods = pods;
            dep.version = old;
            dep.version_id = old_id;
            return;
        }
        let current = rollout.current;
        let last = current + 1 == rollout.batches.len();
        let Some(batch) = rollout.batches.get_mut(current) else { return };
        match batch.status {
            BatchStatus::NotStart | BatchStatus::WaitForResume | BatchStatus::Finish => return,
            BatchStatus::WaitForTimeExceed => {
                let at = batch.next_start_ms.unwrap_or(now_ms);
                if now_ms < at {
                    return;
                }
                start_batch(dep, app_name, current, at, ids);
            }
            BatchStatus::Deploying => {
                let started = batch.step_started_ms.or(batch.started_ms).unwrap_or(now_ms);
                let done = started.saturating_add(pod_start_ms);
                if now_ms < done {
                    return;
                }
                let pod_num = batch.pod_num;
                let (step, _) = step_plan(rollout, dep.replicas, pod_num);
                let Some(batch) = rollout.batches.get_mut(current) else { return };
                let from = usize::try_from(batch.ready_pods).unwrap_or(usize::MAX);
                let to = usize::try_from(batch.ready_pods.saturating_add(step).min(pod_num)).unwrap_or(usize::MAX);
                if to < usize::try_from(pod_num).unwrap_or(usize::MAX) {
                    // A step of the batch, not its last: its pods replace their old ones, and the
                    // next step starts at once.
                    if let Some(VersionBehaviour::CrashLoop { error_message }) = behaviours.get(&rollout.new_version) {
                        let error_message = error_message.clone();
                        batch.status = BatchStatus::Finish;
                        let failed: Vec<Pod> = batch
                            .new_pods
                            .iter_mut()
                            .skip(from)
                            .take(to.saturating_sub(from))
                            .map(|pod| {
                                pod.status = "CrashLoopBackOff".into();
                                pod.restart_count = 3;
                                pod.clone()
                            })
                            .collect();
                        rollout.status = RolloutStatus::Error;
                        rollout.error_message = error_message;
                        rollout.ended_ms = Some(done);
                        dep.pods.extend(failed);
                        return;
                    }
                    let mut ready = Vec::new();
                    for pod in batch.new_pods.iter_mut().skip(from).take(to.saturating_sub(from)) {
                        pod.status = "Running".into();
                        ready.push(pod.clone());
                    }
                    let old_ids: Vec<String> =
                        batch.old_pods.iter().skip(from).take(to.saturating_sub(from)).map(|p| p.id.clone()).collect();
                    batch.ready_pods = to as u64;
                    dep.pods.retain(|p| !old_ids.contains(&p.id));
                    dep.pods.extend(ready);
                    start_step(dep, current, done);
                    continue;
                }
                batch.status = BatchStatus::Finish;
                batch.ready_pods = pod_num;
                let behaviour = behaviours.get(&rollout.new_version).cloned().unwrap_or_default();
                // Earlier steps' pods (before `from`) are ready and already in `dep.pods`.
                if let VersionBehaviour::CrashLoop { error_message } = behaviour {
                    for pod in batch.new_pods.iter_mut().skip(from) {
                        pod.status = "CrashLoopBackOff".into();
                        pod.restart_count = 3;
                    }
                    let failed: Vec<Pod> = batch.new_pods.iter().skip(from).cloned().collect();
                    rollout.status = RolloutStatus::Error;
                    rollout.error_message = error_message;
                    rollout.ended_ms = Some(done);
                    // The crashing pods run beside the old ones, as Kubernetes keeps the old
                    // ones until the new ones are ready.
                    dep.pods.extend(failed);
                    return;
                }
                for pod in batch.new_pods.iter_mut().skip(from) {
                    pod.status = "Running".into();
                }
                let old_ids: Vec<String> = batch.old_pods.iter().map(|p| p.id.clone()).collect();
                let new_pods: Vec<Pod> = batch.new_pods.iter().skip(from).cloned().collect();
                dep.pods.retain(|p| !old_ids.contains(&p.id));
                dep.pods.extend(new_pods);
                if last {
                    rollout.status = RolloutStatus::Success;
                    rollout.ended_ms = Some(done);
                    dep.version = rollout.new_version.clone();
                    dep.version_id = rollout.version_id.clone();
                    // Pods beyond the batches' (none normally) belong to the old version.
                    let version_id = rollout.version_id.clone();
                    dep.pods.retain(|p| p.version_id == version_id);
                    return;
                }
                let next = current + 1;
                rollout.current = next;
                let pause =
                    rollout.strategy == Strategy::Manual || (rollout.strategy == Strategy::Beta && current == 0);
                let interval = i64::try_from(rollout.batch_interval_secs).unwrap_or(0).saturating_mul(1000);
                let Some(next_batch) = rollout.batches.get_mut(next) else { return };
                if pause {
                    next_batch.status = BatchStatus::WaitForResume;
                } else if interval > 0 {
                    next_batch.status = BatchStatus::WaitForTimeExceed;
                    next_batch.next_start_ms = Some(done.saturating_add(interval));
                } else {
                    start_batch(dep, app_name, next, done, ids);
                }
            }
        }
    }
}

fn paged(records: Vec<Value>, total: usize, offset: usize, limit: usize, list: &str, count: &str) -> Value {
    let size = limit.max(1);
    let mut page = Map::new();
    page.insert(list.into(), Value::from(records));
    page.insert(count.into(), Value::from(total));
    page.insert("Size".into(), Value::from(limit));
    page.insert("Pages".into(), Value::from(total.div_ceil(size)));
    page.insert("Current".into(), Value::from(offset / size + 1));
    Value::Object(page)
}

fn namespace_info(e: &Environment) -> Value {
    json!({
        "EnvironmentId": e.id, "NamespaceName": e.name, "Region": e.region, "VpcId": e.vpc, "SubnetIds": e.subnet_ids,
        "Description": e.description, "CreatedDate": tem_time(e.created_ms), "EnvironmentName": e.name,
        "ApmInstanceId": "", "Locked": 0, "Tags": [], "EnvType": "test",
    })
}

fn strategy_conf(r: &Rollout) -> Value {
    json!({
        "TotalBatchCount": r.total_batch_count, "BetaBatchNum": r.beta_batch_num, "DeployStrategyType": r.strategy.code(),
        "BatchInterval": r.batch_interval_secs, "MinAvailable": r.min_available, "Force": r.force,
    })
}

fn pod_detail(pod: &Pod) -> Value {
    json!({
        "PodId": pod.id, "PodStatus": [pod.status], "PodVersion": pod.version, "CreateTime": tem_time(pod.created_ms),
        "Zone": pod.zone, "Webshell": "", "Status": pod.status,
    })
}

fn run_version_pod(pod: &Pod, app_name: &str) -> Value {
    let running = pod.status == "Running";
    json!({
        "Webshell": "", "PodId": pod.id, "Status": pod.status, "CreateTime": tem_time(pod.created_ms), "PodIp": pod.ip,
        "Zone": pod.zone, "DeployVersion": pod.version, "RestartCount": pod.restart_count, "Ready": running,
        "ContainerState": if running { "running" } else if pod.status == "Pending" { "waiting" } else { "terminated" },
        "NodeInfo": null, "StartTime": rfc3339(pod.created_ms), "Unhealthy": pod.status == "CrashLoopBackOff",
        "UnhealthyWarningMsg": "", "VersionId": pod.version_id, "ApplicationName": app_name,
    })
}

/// A batch's pod as it is now: the deployment's own record when it still runs, else `Terminated`
/// if the batch saw it running (a pod that is gone is not `Running`), else as the batch left it
/// (`Pending` before it starts).
fn live_pod(pod: &Pod, dep: &Deployment) -> Pod {
    match dep.pods.iter().find(|p| p.id == pod.id) {
        Some(live) => live.clone(),
        None if pod.status == "Running" => Pod { status: "Terminated".into(), ..pod.clone() },
        None => pod.clone(),
    }
}

fn batch_detail(b: &Batch, dep: &Deployment) -> Value {
    let pods = |list: &[Pod]| list.iter().map(|p| pod_detail(&live_pod(p, dep))).collect::<Vec<_>>();
    json!({
        "OldPods": pods(&b.old_pods),
        "NewPods": pods(&b.new_pods),
        "BatchStatus": b.status.as_str(), "PodNum": b.pod_num, "BatchIndex": b.index,
        "NextBatchStartTime": b.next_start_ms.map_or(0, |ms| ms / 1000), "OldPodList": null, "NewPodList": null,
    })
}

/// `TemDeployApplicationDetailInfo` of a rollout.
fn deploy_detail(r: &Rollout, dep: &Deployment, app_name: &str) -> Value {
    let has_beta = r.strategy == Strategy::Beta;
    let (beta, others) = match r.batches.split_first() {
        Some((first, rest)) if has_beta => (Some(first), rest),
        _ => (None, &r.batches[..]),
    };
    let current_status = r.batches.get(r.current).map_or(BatchStatus::NotStart, |b| b.status);
    let next_start = r.batches.get(r.current).and_then(|b| b.next_start_ms);
    let old: Vec<&Pod> =
        dep.pods.iter().filter(|p| !r.old_version_id.is_empty() && p.version_id == r.old_version_id).collect();
    json!({
        "DeployStrategyConf": strategy_conf(r),
        "StartTime": tem_time(r.started_ms),
        "EndTime": r.ended_ms.map(tem_time).unwrap_or_default(),
        "Status": r.status.as_str(),
        "BetaBatchDetail": beta.map(|b| batch_detail(b, dep)),
        "OtherBatchDetail": others.iter().map(|b| batch_detail(b, dep)).collect::<Vec<_>>(),
        "OldVersionPodList": {
            "Offset": 0, "Limit": old.len(), "TotalCount": old.len(), "RequestId": "",
            "PodList": old.iter().map(|p| run_version_pod(p, app_name)).collect::<Vec<_>>(),
        },
        "CurrentBatchIndex": r.current,
        "ErrorMessage": r.error_message,
        "CurrentBatchStatus": current_status.as_str(),
        "NewDeployVersion": r.new_version,
        "OldDeployVersion": r.old_version,
        "NewVersionPackageInfo": r.package,
        "NextBatchStartTime": next_start.map(|ms| ms / 1000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_split_evenly_with_a_beta_batch_first() {
        assert_eq!(batch_sizes(Strategy::Auto, 10, 3, 1), [4, 3, 3]);
        assert_eq!(batch_sizes(Strategy::Beta, 10, 3, 2), [2, 3, 3, 2]);
        assert_eq!(batch_sizes(Strategy::Manual, 2, 5, 1), [1, 1]);
        assert_eq!(batch_sizes(Strategy::Initial, 4, 3, 1), [4]);
        assert_eq!(batch_sizes(Strategy::Auto, 0, 3, 1), [0]);
        assert_eq!(batch_sizes(Strategy::Beta, 1, 3, 5), [1]);
    }

    #[test]
    fn times_are_china_standard_time() {
        assert_eq!(tem_time(0), "1970-01-01 08:00:00");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn a_hostile_state_file_is_made_safe_and_never_panics() {
        let mut state = State::new();
        let env = state.create_environment("dev", "", "ap-guangzhou", 0).unwrap();
        let app = state.create_application("web", "", 0).unwrap();
        state
            .start_rollout(&app, &env, "v1", "", RolloutPlan { replicas: Some(2), ..RolloutPlan::default() }, 0)
            .unwrap();
        let mut file = serde_json::to_value(&state).unwrap();
        let dep = &mut file["Applications"][&app]["Deployments"][&env];
        dep["Replicas"] = json!(u64::MAX);
        dep["Version"] = json!("v0");
        dep["Rollout"]["Batches"] = json!([]);
        dep["Rollout"]["Current"] = json!(99);
        dep["Rollout"]["Status"] = json!("Reverting");
        dep["Rollout"]["RevertingSinceMs"] = json!(0);
        let mut hostile: State = serde_json::from_value(file).unwrap();
        hostile.sanitize();
        let ids = json!({"ApplicationId": app, "EnvironmentId": env});
        for action in [
            "DescribeDeployApplicationDetail",
            "ResumeDeployApplication",
            "RevertDeployApplication",
            "DescribeApplicationPods",
        ] {
            let _ = hostile.handle(action, ids.as_object().unwrap(), "ap-guangzhou", 1_000_000);
        }
        let dep = &hostile.applications[&app].deployments[&env];
        assert!(dep.replicas <= MAX_REPLICAS && dep.pods.len() <= MAX_REPLICAS as usize);
    }

    #[test]
    fn ids_have_tencent_shapes() {
        let mut state = State::new();
        let env = state.create_environment("dev", "", "ap-guangzhou", 0).unwrap();
        let app = state.create_application("web", "", 0).unwrap();
        assert!(env.starts_with("en-") && env.len() == 11, "{env}");
        assert!(app.starts_with("app-") && app.len() == 12, "{app}");
        assert!(env[3..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }
}
