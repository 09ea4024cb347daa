//! The rollout state machine: how a deployment's pods are split into batches and replaced, batch
//! by batch and step by step, as the clock moves (see the module docs of [`crate::model`]).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::error::ServiceError;
use super::state::{
    Batch, BatchStatus, DeploySettings, Deployment, Pod, PodTemplate, Rollout, RolloutStatus, State, Strategy,
    VersionBehaviour, HISTORY, MAX_REPLICAS,
};

impl State {
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
            settings: DeploySettings::default(),
        });
        let old_template = PodTemplate::of(&dep);
        if let Some(replicas) = plan.replicas {
            dep.replicas = replicas.min(MAX_REPLICAS);
        }
        if let Some(cpu) = plan.cpu {
            dep.cpu = cpu;
        }
        if let Some(memory) = plan.memory {
            dep.memory = memory;
        }
        if let Some(settings) = plan.settings {
            dep.settings = settings;
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
            old_template: Some(old_template),
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
    /// For `DeployApplication`: the settings it replaces the last ones with (a rolling update
    /// keeps them).
    pub settings: Option<DeploySettings>,
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
            settings: None,
            total_batch_count: 1,
            beta_batch_num: 1,
            batch_interval_secs: 0,
            min_available: 0,
            force: false,
        }
    }
}

impl RolloutPlan {
    pub(crate) fn apply_numbers(
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

pub(crate) struct IdSource<'a> {
    state_next: &'a mut u64,
}

impl IdSource<'_> {
    pub(crate) fn pod(&mut self, app_name: &str, version: &str, version_id: &str, now_ms: i64) -> Pod {
        let mut state = State { next_id: *self.state_next, ..State::default() };
        let pod = state.new_pod(app_name, version, version_id, now_ms);
        *self.state_next = state.next_id;
        pod
    }
}

/// Makes batch `index` the current one, deploying from `at_ms`: its new pods are created
/// (`Pending`) and the old pods it replaces are chosen.
pub(crate) fn start_batch(dep: &mut Deployment, app_name: &str, index: usize, at_ms: i64, ids: &mut IdSource<'_>) {
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
pub(crate) fn step_plan(rollout: &Rollout, replicas: u64, pod_num: u64) -> (u64, bool) {
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
pub(crate) fn start_step(dep: &mut Deployment, index: usize, at_ms: i64) {
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
pub(crate) fn advance_deployment(
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
            if let Some(template) = rollout.old_template.clone() {
                template.restore(dep);
            }
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
}
