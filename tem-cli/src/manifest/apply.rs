//! Carrying out a plan: environments first, one by one; then the applications, up to
//! `parallel` at a time, each created, then deployed or rolled out (followed by the SDK's
//! waiter), then scaled, then its autoscaler and services. A failure stops only its own
//! application; the others finish.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tem_api::types::{
    Autoscaler, DeployStrategyConf, HorizontalAutoscaler, Pair, ServicePortMapping, ServicePortMappingItem,
};
use tem_api::waiter::WaitError;
use tem_api::Client;

use super::diff::{Action, ApplicationPlan, AutoscalerPlan, DeploySpec, Plan, ServicePlan};
use super::progress::Progress;
use crate::client::error_failure;
use crate::{Exit, Failure};

/// How to apply.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Applications worked on at once (at least 1).
    pub parallel: usize,
    /// Revert a rollout that fails.
    pub revert_on_failure: bool,
    /// Resume BETA and MANUAL rollouts whenever they wait for confirmation.
    pub auto_resume: bool,
    /// How long each rollout may take.
    pub deadline: Duration,
    /// The time rollouts are waited on, when not the client's own: an emulator's.
    pub wait_time: Option<crate::EmulatorTime>,
}

/// How one application's changes went.
#[derive(Debug)]
pub struct Outcome {
    pub application: String,
    /// What was done, or why it stopped.
    pub result: Result<String, Failure>,
}

/// Applies `plan`; the outcome of every application that had changes, in the plan's order.
/// An environment that cannot be created or changed stops everything (its applications
/// would have nowhere to go).
pub async fn apply(
    client: &Client,
    plan: &Plan,
    options: &ApplyOptions,
    progress: Arc<Progress>,
) -> Result<Vec<Outcome>, Failure> {
    let mut env_ids = BTreeMap::new();
    for env in &plan.environments {
        let id = match (env.action, &env.id) {
            (Action::Create, _) => {
                let mut request = client.create_environment().environment_name(env.name.clone());
                if let Some(description) = &env.description {
                    request = request.description(description.clone());
                }
                if let Some(vpc) = &env.vpc {
                    request = request.vpc(vpc.clone());
                }
                if !env.subnets.is_empty() {
                    request = request.subnet_ids(env.subnets.clone());
                }
                let id =
                    request.send().await.map_err(|e| step_failure(&format!("environment {}", env.name), &e))?.result;
                progress.note(&format!("environment {}", env.name), &format!("created {id}"));
                id
            }
            (Action::Update, Some(id)) => {
                let description = env.description.clone().unwrap_or_default();
                client
                    .modify_environment()
                    .environment_id(id.clone())
                    .description(description)
                    .send()
                    .await
                    .map_err(|e| step_failure(&format!("environment {}", env.name), &e))?;
                progress.note(&format!("environment {}", env.name), "updated");
                id.clone()
            }
            (_, id) => id.clone().unwrap_or_default(),
        };
        env_ids.insert(env.name.clone(), id);
    }

    let queue: VecDeque<(usize, ApplicationPlan)> =
        plan.applications.iter().filter(|a| a.action != Action::Unchanged).cloned().enumerate().collect();
    let queue = Arc::new(Mutex::new(queue));
    let env_ids = Arc::new(env_ids);
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.parallel.max(1) {
        let (queue, env_ids, client, options, progress) =
            (Arc::clone(&queue), Arc::clone(&env_ids), client.clone(), options.clone(), Arc::clone(&progress));
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let next = queue.lock().expect("no panics while held").pop_front();
                let Some((order, app)) = next else { break };
                let env_id = env_ids.get(&app.environment).cloned().unwrap_or_default();
                let result = application(&client, &app, &env_id, &options, &progress).await;
                match &result {
                    Ok(message) => progress.finish(&app.name, message),
                    // The message names the application already (for the summary).
                    Err(failure) => {
                        let message = failure.message.strip_prefix(&format!("{}: ", app.name));
                        progress.fail(&app.name, message.unwrap_or(&failure.message))
                    }
                }
                done.push((order, Outcome { application: app.name.clone(), result }));
            }
            done
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = workers.join_next().await {
        outcomes.extend(done.map_err(|e| Failure { exit: Exit::Transport, message: format!("error: {e}") })?);
    }
    outcomes.sort_by_key(|(order, _)| *order);
    Ok(outcomes.into_iter().map(|(_, outcome)| outcome).collect())
}

/// The exit status of a set of outcomes: 0 when all succeeded, else the highest status of
/// the failures (5 deadline over 4 failed rollout over 3 transport over 1 service error).
pub fn exit_status(outcomes: &[Outcome]) -> Exit {
    let failures = outcomes.iter().filter_map(|o| o.result.as_ref().err());
    failures.map(|f| f.exit).max_by_key(|e| *e as i32).unwrap_or(Exit::Success)
}

/// One application's steps; what was done.
async fn application(
    client: &Client,
    app: &ApplicationPlan,
    env_id: &str,
    options: &ApplyOptions,
    progress: &Progress,
) -> Result<String, Failure> {
    let label = app.name.as_str();
    let mut done = Vec::new();
    let id = match &app.id {
        Some(id) => id.clone(),
        None => {
            let mut request =
                client.create_application().application_name(app.name.clone()).description(app.description.clone());
            if let Some(mode) = app.deploy.as_ref().map(|d| d.deploy_mode.clone()).filter(|m| !m.is_empty()) {
                request = request.deploy_mode(mode);
            }
            let id = request.send().await.map_err(|e| step_failure(label, &e))?.result;
            progress.line(label, &format!("created {id}"));
            done.push(format!("created {id}"));
            id
        }
    };
    if let Some(deploy) = &app.deploy {
        let version = rollout(client, label, &id, env_id, deploy, options, progress).await?;
        done.push(version);
    }
    if let Some(replicas) = app.scale {
        client
            .modify_application_replicas()
            .application_id(id.clone())
            .environment_id(env_id)
            .replicas(replicas)
            .send()
            .await
            .map_err(|e| step_failure(label, &e))?;
        progress.line(label, &format!("scaled to {replicas}"));
        done.push(format!("scaled to {replicas}"));
    }
    if let Some(scaler) = app.autoscaler.as_ref().filter(|s| s.action != Action::Unchanged) {
        autoscaler(client, label, &id, env_id, scaler).await?;
        done.push(format!("autoscaler {} {}", scaler.name, past(scaler.action)));
    }
    for service in app.services.iter().filter(|s| s.action != Action::Unchanged) {
        self::service(client, label, &id, env_id, service).await?;
        done.push(format!("service {} {}", service.name, past(service.action)));
    }
    Ok(done.join(", "))
}

fn past(action: Action) -> &'static str {
    if action == Action::Create {
        "created"
    } else {
        "updated"
    }
}

/// Deploys and waits; what now serves, or why not (reverting first if asked to).
async fn rollout(
    client: &Client,
    label: &str,
    app_id: &str,
    env_id: &str,
    deploy: &DeploySpec,
    options: &ApplyOptions,
    progress: &Progress,
) -> Result<String, Failure> {
    let env: Vec<Pair> = deploy
        .env
        .iter()
        .map(|(key, value)| {
            Pair::builder()
                .key(key.clone())
                .value(value.clone())
                .type_("default")
                .build()
                .expect("key and value are set")
        })
        .collect();
    let mut request = client
        .deploy_application()
        .application_id(app_id)
        .environment_id(env_id)
        .deploy_version(deploy.version.clone())
        .init_pod_num(u64::try_from(deploy.replicas).unwrap_or(0))
        .cpu_spec(deploy.cpu)
        .memory_spec(deploy.memory)
        .env_conf(env);
    if !deploy.image.is_empty() {
        request = request.img_repo(deploy.image.clone());
    }
    if !deploy.package.is_empty() {
        request = request.pkg_name(deploy.package.clone());
    }
    if !deploy.deploy_mode.is_empty() {
        request = request.deploy_mode(deploy.deploy_mode.clone());
    }
    if deploy.rollout {
        let strategy = deploy.strategy.clone().unwrap_or_default();
        let mut conf = DeployStrategyConf::builder()
            .deploy_strategy_type(strategy.kind.code())
            .total_batch_count(strategy.batches.as_ref().map_or(1, |b| *b.get_ref()));
        if let Some(beta) = &strategy.beta_pods {
            conf = conf.beta_batch_num(*beta.get_ref());
        }
        if let Some(interval) = &strategy.interval {
            conf = conf.batch_interval(*interval.get_ref());
        }
        if let Some(min) = &strategy.min_available {
            conf = conf.min_available(*min.get_ref());
        }
        request = request.deploy_strategy_conf(conf.build().expect("nothing is required"));
    }
    let version_id = request.send().await.map_err(|e| step_failure(label, &e))?.result;
    progress.line(label, &format!("deployment of {} started: {version_id}", deploy.version));
    let waiter = |version_id: Option<&str>| {
        let mut waiter =
            client.wait_for_rollout(app_id, env_id).deadline(options.deadline).auto_resume(options.auto_resume);
        if let Some(time) = &options.wait_time {
            waiter = waiter.time_source(time.clone()).sleep(time.clone());
        }
        match version_id {
            Some(id) => waiter.version_id(id),
            None => waiter,
        }
    };
    let show = |event: &_| progress.event(label, event, app_id, env_id);
    let result = waiter(Some(&version_id)).wait(show).await;
    let error = match result {
        Ok(summary) => return Ok(format!("{} serves", summary.new_version)),
        Err(error) => error,
    };
    let mut failure = wait_failure(label, &error);
    if options.revert_on_failure && matches!(error, WaitError::Failed { .. }) {
        progress.line(label, "reverting (--revert-on-failure)");
        let reverted = match client.revert_rollout(app_id, env_id).await {
            Err(e) => format!("; reverting failed: {}", error_failure(&e).message),
            Ok(()) => match waiter(None).wait(show).await {
                Err(WaitError::Reverted { .. }) => "; reverted to the previous version".to_owned(),
                Ok(_) => "; the revert ended with the new version serving".to_owned(),
                Err(e) => format!("; the revert did not finish: {e}"),
            },
        };
        failure.message.push_str(&reverted);
    }
    Err(failure)
}

fn wait_failure(label: &str, error: &WaitError) -> Failure {
    match error {
        WaitError::Failed { .. } | WaitError::Reverted { .. } => {
            Failure { exit: Exit::RolloutFailed, message: format!("{label}: {error}") }
        }
        WaitError::DeadlineExceeded { .. } => Failure { exit: Exit::Deadline, message: format!("{label}: {error}") },
        WaitError::Describe(e) => prefixed(error_failure(e), label, error),
        WaitError::Resume(e) => prefixed(error_failure(e), label, error),
        _ => Failure { exit: Exit::Transport, message: format!("{label}: {error}") },
    }
}

fn prefixed(mut failure: Failure, label: &str, error: &WaitError) -> Failure {
    failure.message = format!("{label}: {error}: {}", one_line(&failure.message));
    failure
}

/// A request's failure, named by the resource it was for.
fn step_failure<E: tem_core::OperationError>(label: &str, error: &tem_core::Error<E>) -> Failure {
    let mut failure = error_failure(error);
    failure.message = format!("{label}: {}", one_line(&failure.message));
    failure
}

/// `error: x` and `code: y` lines as one line.
fn one_line(message: &str) -> String {
    message.trim_start_matches("error: ").lines().collect::<Vec<_>>().join("; ")
}

async fn autoscaler(
    client: &Client,
    label: &str,
    app_id: &str,
    env_id: &str,
    plan: &AutoscalerPlan,
) -> Result<(), Failure> {
    let spec = &plan.spec;
    let rules: Vec<HorizontalAutoscaler> = spec
        .rules
        .iter()
        .map(|rule| {
            HorizontalAutoscaler::builder()
                .metrics(rule.metric.clone())
                .threshold(rule.threshold)
                .enabled(true)
                .min_replicas(spec.min_replicas)
                .max_replicas(spec.max_replicas)
                .build()
                .expect("the required members are set")
        })
        .collect();
    let body = Autoscaler::builder()
        .autoscaler_name(spec.name.clone())
        .min_replicas(spec.min_replicas)
        .max_replicas(spec.max_replicas)
        .horizontal_autoscaler(rules)
        .build()
        .expect("the required members are set");
    let label = format!("{label}: autoscaler {}", spec.name);
    let id = match &plan.id {
        None => {
            let request =
                client.create_application_autoscaler().application_id(app_id).environment_id(env_id).autoscaler(body);
            request.send().await.map_err(|e| step_failure(&label, &e))?.result
        }
        Some(id) => {
            if plan.changes.iter().any(|c| c.field != "enabled") {
                client
                    .modify_application_autoscaler()
                    .application_id(app_id)
                    .environment_id(env_id)
                    .autoscaler_id(id.clone())
                    .autoscaler(body)
                    .send()
                    .await
                    .map_err(|e| step_failure(&label, &e))?;
            }
            id.clone()
        }
    };
    if plan.switch {
        if spec.enabled.unwrap_or(true) {
            let request = client.enable_application_autoscaler().application_id(app_id).environment_id(env_id);
            request.autoscaler_id(id).send().await.map_err(|e| step_failure(&label, &e))?;
        } else {
            let request = client.disable_application_autoscaler().application_id(app_id).environment_id(env_id);
            request.autoscaler_id(id).send().await.map_err(|e| step_failure(&label, &e))?;
        }
    }
    Ok(())
}

async fn service(client: &Client, label: &str, app_id: &str, env_id: &str, plan: &ServicePlan) -> Result<(), Failure> {
    let spec = &plan.spec;
    let items: Vec<ServicePortMappingItem> = spec
        .ports
        .iter()
        .map(|p| {
            ServicePortMappingItem::builder()
                .port(p.port)
                .target_port(p.target_port)
                .protocol(p.protocol.clone())
                .build()
                .expect("nothing is required")
        })
        .collect();
    let body = ServicePortMapping::builder()
        .service_name(spec.name.clone())
        .type_(spec.kind.clone())
        .ports(spec.ports.iter().map(|p| p.port).collect::<Vec<i64>>())
        .port_mapping_item_list(items)
        .build()
        .expect("nothing is required");
    let label = format!("{label}: service {}", spec.name);
    if plan.action == Action::Create {
        let request = client.create_application_service().application_id(app_id).environment_id(env_id).service(body);
        request.send().await.map_err(|e| step_failure(&label, &e))?;
    } else {
        let request = client.modify_application_service().application_id(app_id).environment_id(env_id).data(body);
        request.send().await.map_err(|e| step_failure(&label, &e))?;
    }
    Ok(())
}
