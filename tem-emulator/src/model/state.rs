//! What the emulator knows, as the state file holds it: environments, applications, their
//! deployments (version, replicas, pods), rollouts and their batches; ids; the checks a state
//! read from a file passes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::documents::Resources;
use super::error::ServiceError;

/// How long, in emulated seconds, a batch's new pods take to start (and a revert's pods).
pub const DEFAULT_POD_START_SECS: u64 = 10;
/// How many finished rollouts per deployment stay queryable by `VersionId`.
pub(crate) const HISTORY: usize = crate::limits::ROLLOUT_HISTORY;
/// Upper bound on replicas, so a request cannot make the emulator allocate without bound.
pub const MAX_REPLICAS: u64 = crate::limits::MAX_REPLICAS;
/// Upper bound on environments and on applications.
pub const MAX_RESOURCES: usize = crate::limits::MAX_RESOURCES;
/// Upper bound on a deployment's environment variables.
pub const MAX_ENV_VARS: usize = crate::limits::MAX_ENV_VARS;

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
    /// What the last `DeployApplication` set besides the version, pods, CPU, memory and
    /// package (absent from state files written before it was kept).
    #[serde(default)]
    pub settings: DeploySettings,
}

/// What `DeployApplication` sets and `DescribeApplicationInfo` reports back, as the request
/// gave it. Each `DeployApplication` replaces it whole; `RollingUpdateApplicationByVersion`
/// keeps it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(default, deny_unknown_fields)]
pub struct DeploySettings {
    /// `ImgRepo`: the image repository (`namespace/name`) of an IMAGE deployment; TEM reports
    /// it back as `ImgName`.
    pub img_repo: String,
    /// `RepoServer`: the registry of the image.
    pub repo_server: String,
    /// `RepoType`: 0 personal, 1 enterprise, 2 public, 3 TEM-hosted, 4 demo.
    pub repo_type: Option<i64>,
    /// `TcrInstanceId`.
    pub tcr_instance_id: String,
    /// `JdkVersion` (`KONA:11`...).
    pub jdk_version: String,
    /// `JvmOpts`.
    pub jvm_opts: String,
    /// `EnvConf`, in the order given.
    pub env_conf: Vec<EnvPair>,
    /// `PostStart`.
    pub post_start: String,
    /// `PreStop`.
    pub pre_stop: String,
    /// `Liveness`.
    pub liveness: Option<HealthCheck>,
    /// `Readiness`.
    pub readiness: Option<HealthCheck>,
    /// `StartupProbe`.
    pub startup_probe: Option<HealthCheck>,
    /// `SecurityGroupIds`.
    pub security_group_ids: Vec<String>,
    /// `ImageCommand`.
    pub image_command: String,
    /// `ImageArgs`.
    pub image_args: Option<Vec<String>>,
    /// `OsFlavour`.
    pub os_flavour: String,
    /// `SpeedUp`.
    pub speed_up: bool,
}

/// An environment variable (`Pair`): `Type` is `default` (by value), `reserved` (TEM's) or
/// `referenced` (from config data `Config` or secret `Secret`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(default, deny_unknown_fields)]
pub struct EnvPair {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
    /// `Type`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// `Config`: the config data a `referenced` variable reads.
    pub config: String,
    /// `Secret`: the secret a `referenced` variable reads.
    pub secret: String,
}

/// A probe (`HealthCheckConfig`); members the request left out stay out of the reply.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// `HttpGet`, `TcpSocket` or `Exec`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// `Protocol` (HttpGet): `HTTP` or `HTTPS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// `Path` (HttpGet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `Exec`: the script (Exec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<String>,
    /// `Port` (HttpGet, TcpSocket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// `InitialDelaySeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<i64>,
    /// `TimeoutSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i64>,
    /// `PeriodSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i64>,
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

    pub(crate) fn from_code(code: i64) -> Option<Self> {
        [Self::Auto, Self::Manual, Self::Beta, Self::Initial].into_iter().find(|s| s.code() == code)
    }

    /// `AUTO`, `BETA`, `MANUAL` (any case) or the numeric codes, as the official examples send.
    pub(crate) fn parse(text: &str) -> Option<Self> {
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
    /// What the deployment ran before this rollout, restored by a revert (absent from state
    /// files written before it was kept: a revert then keeps the new template).
    #[serde(default)]
    pub old_template: Option<PodTemplate>,
}

/// What a deploy sets for every pod (a rollout replaces it, a revert brings the old one back,
/// as Kubernetes' rollback restores the pod template and keeps the pod count).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct PodTemplate {
    /// `CpuSpec`.
    pub cpu: f64,
    /// `MemorySpec`.
    pub memory: f64,
    /// `PkgName`.
    pub package: String,
    /// The rest of what `DeployApplication` set.
    pub settings: DeploySettings,
}

impl PodTemplate {
    /// The template `dep` runs now.
    pub fn of(dep: &Deployment) -> Self {
        Self { cpu: dep.cpu, memory: dep.memory, package: dep.package.clone(), settings: dep.settings.clone() }
    }

    /// Makes it the one `dep` runs.
    pub fn restore(self, dep: &mut Deployment) {
        dep.cpu = self.cpu;
        dep.memory = self.memory;
        dep.package = self.package;
        dep.settings = self.settings;
    }
}

/// Everything the emulator knows; serializable as the state file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(default, deny_unknown_fields)]
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
    pub resources: Resources,
}

pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl State {
    /// An empty state.
    pub fn new() -> Self {
        Self { pod_start_secs: DEFAULT_POD_START_SECS, ..Self::default() }
    }

    pub(crate) fn fresh(&mut self, prefix: &str, len: usize) -> String {
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
    pub(crate) fn pod_start_ms(&self) -> i64 {
        let secs = if self.pod_start_secs == 0 { DEFAULT_POD_START_SECS } else { self.pod_start_secs };
        i64::try_from(secs).unwrap_or(i64::MAX / 1000).saturating_mul(1000)
    }

    pub(crate) fn new_pod(&mut self, app_name: &str, version: &str, version_id: &str, now_ms: i64) -> Pod {
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

    pub(crate) fn environment(&self, id: &str) -> Result<&Environment, ServiceError> {
        self.environments.get(id).ok_or_else(|| {
            ServiceError::new("ResourceNotFound.NamespaceNotFound", format!("The environment {id:?} is not found."))
        })
    }

    pub(crate) fn application(&self, id: &str) -> Result<&Application, ServiceError> {
        self.applications.get(id).ok_or_else(|| {
            ServiceError::new("ResourceNotFound.ServiceNotFound", format!("The application {id:?} is not found."))
        })
    }

    pub(crate) fn deployment(&self, app_id: &str, env_id: &str) -> Result<(&Application, &Deployment), ServiceError> {
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

    pub(crate) fn rollout_mut(
        &mut self,
        app_id: &str,
        env_id: &str,
    ) -> Result<(String, &mut Deployment), ServiceError> {
        self.deployment(app_id, env_id)?;
        let app = self.applications.get_mut(app_id).expect("checked");
        Ok((app.name.clone(), app.deployments.get_mut(env_id).expect("checked")))
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
                let templates = dep.rollout.iter().chain(&dep.history).filter_map(|r| r.old_template.as_ref());
                let most = templates.map(|t| t.settings.env_conf.len()).chain([dep.settings.env_conf.len()]).max();
                if let Some(count) = most.filter(|&n| n > MAX_ENV_VARS) {
                    return Err(format!("{} in {env}: {count} EnvConf variables, more than {MAX_ENV_VARS}", app.id));
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
                    rollout.batches.truncate(crate::limits::MAX_BATCHES);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_tencent_shapes() {
        let mut state = State::new();
        let env = state.create_environment("dev", "", "ap-guangzhou", 0).unwrap();
        let app = state.create_application("web", "", 0).unwrap();
        assert!(env.starts_with("en-") && env.len() == 11, "{env}");
        assert!(app.starts_with("app-") && app.len() == 12, "{app}");
        assert!(env[3..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    }

    /// A deploy's settings are in the state file, PascalCase, and are checked when it is read.
    #[test]
    fn deploy_settings_persist_and_are_checked_on_load() {
        let mut state = State::new();
        let env = state.create_environment("dev", "", "ap-guangzhou", 0).unwrap();
        let app = state.create_application("web", "", 0).unwrap();
        let settings = DeploySettings {
            img_repo: "team/web".into(),
            env_conf: vec![EnvPair { key: "A".into(), value: "1".into(), ..EnvPair::default() }],
            liveness: Some(HealthCheck { kind: "TcpSocket".into(), port: Some(80), ..HealthCheck::default() }),
            ..DeploySettings::default()
        };
        let plan = crate::model::RolloutPlan {
            replicas: Some(1),
            settings: Some(settings.clone()),
            ..crate::model::RolloutPlan::default()
        };
        state.start_rollout(&app, &env, "v1", "", plan, 0).unwrap();
        let mut file = serde_json::to_value(&state).unwrap();
        let stored = &mut file["Applications"][&app]["Deployments"][&env]["Settings"];
        assert_eq!(stored["ImgRepo"], "team/web");
        assert_eq!(
            stored["EnvConf"][0],
            serde_json::json!({"Key": "A", "Value": "1", "Type": "", "Config": "", "Secret": ""})
        );
        assert_eq!(stored["Liveness"], serde_json::json!({"Type": "TcpSocket", "Port": 80}));
        let read: State = serde_json::from_value(file.clone()).unwrap();
        assert_eq!(read.applications[&app].deployments[&env].settings, settings);

        file["Applications"][&app]["Deployments"][&env]["Settings"]["EnvConf"][0]["Colour"] = "red".into();
        assert!(serde_json::from_value::<State>(file.clone()).is_err(), "an unknown member is refused");
        let pairs: Vec<serde_json::Value> =
            (0..=MAX_ENV_VARS).map(|i| serde_json::json!({"Key": format!("K{i}")})).collect();
        file["Applications"][&app]["Deployments"][&env]["Settings"]["EnvConf"] = pairs.into();
        let too_many: State = serde_json::from_value(file).unwrap();
        assert!(too_many.check().unwrap_err().contains("EnvConf"));
    }
}
