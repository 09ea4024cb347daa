//! The documents kept around deployments, by owner, as the state file holds them (the actions
//! on them are in [`super::resources`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The documents, by owner.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(default, deny_unknown_fields)]
pub struct Resources {
    /// Environment id → name → `ConfigData`.
    pub config_data: BTreeMap<String, BTreeMap<String, Value>>,
    /// Environment id → `"<application id>/<name>"` → `LogConfig`.
    pub log_configs: BTreeMap<String, BTreeMap<String, Value>>,
    /// `"<application id>/<environment id>"` → service name → `ServicePortMapping`.
    pub services: BTreeMap<String, BTreeMap<String, Value>>,
    /// `"<application id>/<environment id>"` → autoscaler id → `Autoscaler`.
    pub autoscalers: BTreeMap<String, BTreeMap<String, Value>>,
    /// `"<environment id>/<cluster namespace>"` → ingress name → `IngressInfo`.
    pub ingresses: BTreeMap<String, BTreeMap<String, Value>>,
    /// Environment id → `"<ResourceType>/<ResourceId>"` → the `CreateResource` request.
    pub environment_resources: BTreeMap<String, BTreeMap<String, Value>>,
    /// Environment id → gateway ingress `Name` → the `ModifyGatewayIngress` request.
    pub gateway_ingresses: BTreeMap<String, BTreeMap<String, Value>>,
}
