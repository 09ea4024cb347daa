//! The dispatcher: each action of the API by name, its parameters read and its reply made from
//! the state (the documents around a deployment are in [`super::resources`]).

use serde_json::{json, Map, Value};

use super::error::ServiceError;
use super::render::{deploy_detail, namespace_info, paged, run_version_pod, strategy_conf, tem_time};
use super::rollout::RolloutPlan;
use super::state::{
    Application, DeploySettings, Deployment, EnvPair, Environment, Pod, RolloutStatus, State, Strategy, MAX_ENV_VARS,
    MAX_REPLICAS,
};

/// The account the emulator answers as: `AppId` (a Tencent Cloud APPID) and `Uin`s of creators.
pub const ACCOUNT_APP_ID: &str = "1250000000";
/// The `Uin` of the emulated account, as creator and modifier.
pub const ACCOUNT_UIN: &str = "100000000001";

/// The result of an action the model handles.
pub enum Outcome {
    /// The members of `Response` (without `RequestId`), or an error.
    Done(Result<Value, ServiceError>),
    /// An action the model does not emulate.
    NotModelled,
}

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

/// The registry TEM builds a package's image into (`RepoServer` of a JAR/WAR deployment).
const HOSTED_REGISTRY: &str = "tem-emulator-registry.tencentcloudcr.com";

/// `ImgName` as TEM answers it: the repository (`namespace/name`) the deploy's `ImgRepo` gave,
/// or for a package, the repository TEM built its image into (`tem-<uin>-<suffix>/<name>` in the
/// official example). `ImgRepo` itself is answered `""`, as in that example; the Terraform
/// provider reads a workload's `img_repo` back from `ImgName` for the same reason.
fn image_name(app: &Application, dep: &Deployment) -> String {
    if !dep.settings.img_repo.is_empty() {
        dep.settings.img_repo.clone()
    } else if !dep.package.is_empty() {
        format!("tem-{ACCOUNT_UIN}-emul/{}", app.name)
    } else {
        String::new()
    }
}

/// What a `DeployApplication` request sets, read from its (validated) parameters.
fn deploy_settings(p: &Params<'_>) -> Result<DeploySettings, ServiceError> {
    fn typed<T: serde::de::DeserializeOwned>(p: &Params<'_>, name: &str) -> Result<Option<T>, ServiceError> {
        p.0.get(name)
            .filter(|v| !v.is_null())
            .map(|v| serde_json::from_value(v.clone()))
            .transpose()
            .map_err(|e| ServiceError::new("InvalidParameterValue", format!("{name}: {e}")))
    }
    let env_conf: Vec<EnvPair> = typed(p, "EnvConf")?.unwrap_or_default();
    if env_conf.len() > MAX_ENV_VARS {
        return Err(ServiceError::new(
            "InvalidParameterValue",
            format!("EnvConf has {} variables, more than {MAX_ENV_VARS}.", env_conf.len()),
        ));
    }
    Ok(DeploySettings {
        img_repo: p.text("ImgRepo").to_owned(),
        repo_server: p.text("RepoServer").to_owned(),
        repo_type: p.int("RepoType"),
        tcr_instance_id: p.text("TcrInstanceId").to_owned(),
        jdk_version: p.text("JdkVersion").to_owned(),
        jvm_opts: p.text("JvmOpts").to_owned(),
        env_conf,
        post_start: p.text("PostStart").to_owned(),
        pre_stop: p.text("PreStop").to_owned(),
        liveness: typed(p, "Liveness")?,
        readiness: typed(p, "Readiness")?,
        startup_probe: typed(p, "StartupProbe")?,
        security_group_ids: p.strings("SecurityGroupIds"),
        image_command: p.text("ImageCommand").to_owned(),
        image_args: typed(p, "ImageArgs")?,
        os_flavour: p.text("OsFlavour").to_owned(),
        speed_up: p.bool("SpeedUp").unwrap_or(false),
    })
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

impl State {
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
                    "ModifyDate": tem_time(e.modified_ms), "Modifier": ACCOUNT_UIN, "Creator": ACCOUNT_UIN, "ApplicationNum": apps.len(),
                    "RunInstancesNum": pods, "SubnetId": e.subnet_ids.join(","), "ClusterStatus": "NORMAL",
                    "EnableTswTraceService": false, "Locked": 0, "AppId": ACCOUNT_APP_ID, "Uin": ACCOUNT_UIN, "SubAccountUin": ACCOUNT_UIN,
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
                    "Modifier": ACCOUNT_UIN, "Creator": ACCOUNT_UIN, "RepoType": 3, "InstanceId": "", "RepoName": "",
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
            "Zones": ["ap-guangzhou-3"], "NodeInfos": [],
            "PodList": {
                "Offset": 0, "Limit": dep.pods.len(), "TotalCount": dep.pods.len(), "RequestId": "",
                "PodList": dep.pods.iter().map(|p| run_version_pod(p, &app.name)).collect::<Vec<_>>(),
            },
            "WorkloadInfo": self.workload(app, env_id, dep),
            "CreateDate": tem_time(dep.created_ms), "RegionId": "",
        })
    }

    /// The Kubernetes workload of a deployment: its replicas, ready and updated (of the version
    /// rolling out, or running).
    fn workload(&self, app: &Application, env_id: &str, dep: &Deployment) -> Value {
        let target = dep.rollout.as_ref().map_or(dep.version_id.as_str(), |r| r.version_id.as_str());
        let updated: Vec<&Pod> = dep.pods.iter().filter(|p| p.version_id == target).collect();
        json!({
            "ClusterId": self.environments.get(env_id).map(|e| e.cluster_id.clone()).unwrap_or_default(),
            "ApplicationName": app.name, "VersionName": dep.version,
            "ReadyReplicas": dep.pods.iter().filter(|p| p.status == "Running").count(),
            "Replicas": dep.replicas, "UpdatedReplicas": updated.len(),
            "UpdatedReadyReplicas": updated.iter().filter(|p| p.status == "Running").count(),
            "UpdateRevision": target, "CurrentRevision": dep.version_id,
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
        let brief = self.version_brief(app, &env_id, dep);
        let last_success = dep
            .rollout
            .iter()
            .chain(dep.history.iter().rev())
            .find(|r| r.status == RolloutStatus::Success)
            .and_then(|r| r.ended_ms);
        let autoscalers: Vec<Value> = self
            .resources
            .autoscalers
            .get(&format!("{}/{env_id}", app.id))
            .into_iter()
            .flat_map(|m| m.values().cloned())
            .collect();
        let ready = dep.pods.iter().filter(|p| p.status == "Running").count();
        let set = &dep.settings;
        // Every variable with all the members TEM answers; `Type` "default" (by value) if not given.
        let env_conf: Vec<Value> = set
            .env_conf
            .iter()
            .map(|v| {
                let kind = if v.kind.is_empty() { "default" } else { v.kind.as_str() };
                json!({"Key": v.key, "Value": v.value, "Type": kind, "Config": v.config, "Secret": v.secret})
            })
            .collect();
        let under = dep.rollout.as_ref().is_some_and(|r| !r.status.is_final());
        let mut info = json!({
            "VersionId": dep.version_id, "ApplicationId": app.id, "DeployMode": app.deploy_mode,
            "JdkVersion": set.jdk_version, "Description": app.description, "DeployVersion": dep.version,
            "PublishMode": "", "JvmOpts": set.jvm_opts, "InitPodNum": dep.replicas, "CpuSpec": dep.cpu,
            "MemorySpec": dep.memory, "ImgRepo": "", "ImgName": image_name(app, dep), "ImgVersion": dep.version,
            "EsInfo": null, "EnvConf": env_conf, "StorageConfs": [],
            "Status": if dep.stopped { "STOPPED" } else if under { "DEPLOYING" } else { "RUNNING" },
            "Vpc": env.vpc, "SubnetId": env.subnet_ids.join(","), "CreateDate": tem_time(dep.created_ms),
            "ModifyDate": tem_time(app.modified_ms), "StorageMountConfs": [], "VersionName": dep.version,
            "ApplicationName": app.name, "ApplicationDescription": app.description, "EnvironmentName": env.name,
            "EnvironmentId": env.id, "CurrentInstances": ready, "ExpectedInstances": dep.replicas,
            "CodingLanguage": app.coding_language, "PkgName": dep.package, "LastDeployDate": tem_time(dep.last_deploy_ms),
            "UnderDeploying": under, "StoppedManually": dep.stopped,
            "BatchDeployStatus": dep.rollout.as_ref().map_or("", |r| r.status.as_str()),
            "DeployStrategyConf": dep.rollout.as_ref().map(strategy_conf),
        });
        let more = json!({
            // The account (made up, one for the whole emulator) and where it runs.
            "AppId": ACCOUNT_APP_ID, "Uin": ACCOUNT_UIN, "SubAccountUin": ACCOUNT_UIN,
            "Creator": ACCOUNT_UIN, "Modifier": ACCOUNT_UIN, "Region": env.region, "Zones": ["ap-guangzhou-3"],
            "RepoType": set.repo_type.unwrap_or(3), "ImageTag": dep.version, "ImageType": 1, "Tags": [],
            "RepoServer": if set.repo_server.is_empty() && !dep.package.is_empty() { HOSTED_REGISTRY } else { &set.repo_server },
            "TcrInstanceId": set.tcr_instance_id, "PostStart": set.post_start, "PreStop": set.pre_stop,
            "Liveness": set.liveness, "Readiness": set.readiness, "StartupProbe": set.startup_probe,
            "SecurityGroupIds": set.security_group_ids, "ImageCommand": set.image_command,
            "ImageArgs": set.image_args, "OsFlavour": set.os_flavour, "SpeedUp": set.speed_up,
            "LastDeploySuccessDate": last_success.map(tem_time).unwrap_or_default(),
            "AutoscalerList": autoscalers,
            "PodList": brief["PodList"], "WorkloadInfo": brief["WorkloadInfo"],
        });
        if let (Value::Object(info), Value::Object(more)) = (&mut info, more) {
            info.extend(more);
        }
        Ok(json!({"Result": info}))
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
            settings: Some(deploy_settings(p)?),
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
        let app_id = p.text("ApplicationId");
        let id = self.start_rollout(app_id, p.text("EnvironmentId"), p.text("DeployVersion"), package, plan, now_ms)?;
        if let Some(mode) = p.str("DeployMode").filter(|m| !m.is_empty()) {
            if let Some(app) = self.applications.get_mut(app_id) {
                app.deploy_mode = mode.to_owned();
            }
        }
        Ok(json!({"Result": id}))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rollout::RolloutPlan;

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
}
