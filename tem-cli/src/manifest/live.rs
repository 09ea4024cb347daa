//! What runs in TEM now, read with the Describe actions: every environment and application
//! (paginated listings, matched to the manifest by name), and for each application the manifest
//! names, its deployment, autoscalers and services. Reads only.

use std::collections::BTreeMap;

use tem_api::types::{Autoscaler, ServicePortMapping, TemServiceVersionInfo};
use tem_api::Client;

use super::document::{Manifest, PortSpec, RuleSpec};
use crate::client::error_failure;
use crate::Failure;

/// The live state, by name.
#[derive(Debug, Default)]
pub struct Live {
    pub environments: BTreeMap<String, LiveEnvironment>,
    pub applications: BTreeMap<String, LiveApplication>,
}

#[derive(Debug)]
pub struct LiveEnvironment {
    pub id: String,
    pub description: String,
}

#[derive(Debug)]
pub struct LiveApplication {
    pub id: String,
    /// Its deployment in the environment the manifest gives it, if it has one.
    pub deployment: Option<Deployment>,
}

/// The fields of a deployment the manifest can manage.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub version: String,
    pub cpu: f64,
    pub memory: f64,
    pub replicas: i64,
    pub image: String,
    pub package: String,
    pub deploy_mode: String,
    pub env: BTreeMap<String, String>,
    /// A rollout is under way.
    pub deploying: bool,
    pub autoscalers: Vec<LiveAutoscaler>,
    pub services: Vec<LiveService>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LiveAutoscaler {
    pub id: String,
    pub name: String,
    pub min_replicas: i64,
    pub max_replicas: i64,
    pub enabled: bool,
    pub rules: Vec<RuleSpec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LiveService {
    pub name: String,
    pub kind: String,
    pub ports: Vec<PortSpec>,
}

/// Reads every environment and application, and the details of those `manifest` names.
pub async fn read(client: &Client, manifest: &Manifest) -> Result<Live, Failure> {
    let mut live = Live::default();
    let mut environments = client.describe_environments().into_paginator().items();
    while let Some(env) = environments.next().await {
        let env = env.map_err(|e| error_failure(&e))?;
        let name = env.environment_name.clone();
        if live
            .environments
            .insert(name.clone(), LiveEnvironment { id: env.environment_id, description: env.description })
            .is_some()
        {
            return Err(ambiguous("environments", &name));
        }
    }
    let mut applications = client.describe_applications().into_paginator().items();
    let mut ids = BTreeMap::new();
    while let Some(app) = applications.next().await {
        let app = app.map_err(|e| error_failure(&e))?;
        if ids.insert(app.application_name.clone(), app.application_id).is_some() {
            return Err(ambiguous("applications", &app.application_name));
        }
    }
    for (name, id) in ids {
        let deployment = match manifest.applications.get(&name) {
            Some(spec) => match live.environments.get(spec.environment.get_ref()) {
                Some(env) => deployment(client, &id, &env.id).await?,
                None => None,
            },
            None => None,
        };
        live.applications.insert(name, LiveApplication { id, deployment });
    }
    Ok(live)
}

fn ambiguous(kind: &str, name: &str) -> Failure {
    Failure {
        exit: crate::Exit::Service,
        message: format!("error: two live {kind} are named {name:?}; the manifest matches by name, so rename one"),
    }
}

/// An application's deployment in an environment; `None` when it has none there.
async fn deployment(client: &Client, app_id: &str, env_id: &str) -> Result<Option<Deployment>, Failure> {
    let info = client.describe_application_info().application_id(app_id).environment_id(env_id).send().await;
    let info = match info {
        Ok(reply) => reply.result,
        Err(e) if e.code().is_some_and(|c| c.starts_with("ResourceNotFound")) => return Ok(None),
        Err(e) => return Err(error_failure(&e)),
    };
    let scalers = client
        .describe_application_autoscaler_list()
        .application_id(app_id)
        .environment_id(env_id)
        .send()
        .await
        .map_err(|e| error_failure(&e))?
        .result;
    let services = client
        .describe_application_service_list()
        .application_id(app_id)
        .environment_id(env_id)
        .send()
        .await
        .map_err(|e| error_failure(&e))?
        .result
        .service_port_mapping_list
        .unwrap_or_default();
    Ok(Some(Deployment {
        autoscalers: scalers.iter().map(live_autoscaler).collect(),
        services: services.iter().map(live_service).collect(),
        ..deployment_fields(&info)
    }))
}

fn deployment_fields(info: &TemServiceVersionInfo) -> Deployment {
    Deployment {
        version: info.deploy_version.clone(),
        cpu: info.cpu_spec,
        memory: info.memory_spec,
        // The wanted count: ExpectedInstances where given (it follows scaling), else InitPodNum.
        replicas: info.expected_instances.unwrap_or(info.init_pod_num),
        image: image(info),
        package: info.pkg_name.clone(),
        deploy_mode: info.deploy_mode.clone(),
        // Only the variables set by value: `reserved` ones are TEM's, `referenced` ones name
        // a config data entry the manifest does not describe.
        env: info
            .env_conf
            .iter()
            .filter(|p| p.type_.as_deref().is_none_or(|t| t.is_empty() || t == "default"))
            .map(|p| (p.key.clone(), p.value.clone()))
            .collect(),
        deploying: info.under_deploying,
        autoscalers: Vec::new(),
        services: Vec::new(),
    }
}

/// The image repository an IMAGE deployment was given (`ImgRepo` of `DeployApplication`): TEM
/// answers it in `ImgName` (`ImgRepo` is `""` in the official example; the Terraform provider
/// reads it back from `ImgName` too). A package's deployment has none of the user's: its
/// `ImgName` is the image TEM built.
fn image(info: &TemServiceVersionInfo) -> String {
    if info.deploy_mode != "IMAGE" {
        return String::new();
    }
    if info.img_name.is_empty() {
        info.img_repo.clone()
    } else {
        info.img_name.clone()
    }
}

fn live_autoscaler(scaler: &Autoscaler) -> LiveAutoscaler {
    LiveAutoscaler {
        id: scaler.autoscaler_id.clone().unwrap_or_default(),
        name: scaler.autoscaler_name.clone().unwrap_or_default(),
        min_replicas: scaler.min_replicas,
        max_replicas: scaler.max_replicas,
        enabled: scaler.enabled.unwrap_or(false),
        rules: scaler
            .horizontal_autoscaler
            .iter()
            .flatten()
            .map(|rule| RuleSpec {
                metric: rule.metrics.clone().unwrap_or_default(),
                threshold: rule.threshold.unwrap_or(0),
            })
            .collect(),
    }
}

fn live_service(service: &ServicePortMapping) -> LiveService {
    LiveService {
        name: service.service_name.clone().unwrap_or_default(),
        kind: service.type_.clone().unwrap_or_default(),
        ports: service
            .port_mapping_item_list
            .iter()
            .flatten()
            .map(|item| PortSpec {
                port: item.port.unwrap_or(0),
                target_port: item.target_port.unwrap_or(0),
                protocol: item.protocol.clone().unwrap_or_default(),
            })
            .collect(),
    }
}
