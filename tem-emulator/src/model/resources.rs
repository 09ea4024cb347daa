//! The resources around a deployment that the emulator keeps as the documents they are: config
//! data, log configs, application services (access), autoscalers and ingresses. Each is stored as
//! the validated request structure (schema-shaped), so replies built from it are schema-valid.
//!
//! Listings with `ContinueToken` (`DescribeConfigDataList`, `DescribePagedLogConfigList`) page
//! by `Limit` (default 20, at most 100) and answer an opaque token for the next page (`""` at
//! the end); a token that this emulator did not issue is `InvalidParameterValue`.

use serde_json::{json, Map, Value};

use super::error::ServiceError;
use super::render::tem_time;
use super::state::{State, MAX_REPLICAS};

/// Most documents of one kind under one owner, so that requests cannot grow memory without bound.
const MAX_PER_OWNER: usize = crate::limits::MAX_DOCUMENTS_PER_OWNER;

fn text<'a>(p: &'a Map<String, Value>, name: &str) -> &'a str {
    p.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn object(p: &Map<String, Value>, name: &str) -> Map<String, Value> {
    p.get(name).and_then(Value::as_object).cloned().unwrap_or_default()
}

fn not_found(code: &str, what: String) -> ServiceError {
    ServiceError::new(code, format!("{what} is not found."))
}

fn full(what: &str) -> ServiceError {
    ServiceError::new("LimitExceeded", format!("At most {MAX_PER_OWNER} {what} each."))
}

/// One page of `items` after `token`: `(page, next token, remaining)`.
fn continue_page(
    items: Vec<Value>,
    token: &str,
    limit: Option<i64>,
) -> Result<(Vec<Value>, String, usize), ServiceError> {
    let start = if token.is_empty() {
        0
    } else {
        token.strip_prefix("ct-").and_then(|n| n.parse::<usize>().ok()).filter(|&n| n <= items.len()).ok_or_else(
            || ServiceError::new("InvalidParameterValue", format!("The ContinueToken {token:?} is not valid.")),
        )?
    };
    let limit = match limit {
        None => 20,
        Some(l) if l > 0 => usize::try_from(l.min(100)).unwrap_or(100),
        Some(l) => return Err(ServiceError::new("InvalidParameterValue", format!("Limit {l} must be positive."))),
    };
    let end = (start + limit).min(items.len());
    let remaining = items.len() - end;
    let next = if remaining == 0 { String::new() } else { format!("ct-{end}") };
    Ok((items[start..end].to_vec(), next, remaining))
}

impl State {
    /// The application's name, checking the environment and then the application exist (with
    /// `State`'s own not-found errors).
    fn need_application(&self, app_id: &str, env_id: &str) -> Result<String, ServiceError> {
        self.environment(env_id)?;
        self.application(app_id).map(|a| a.name.clone())
    }

    /// Handles the resource actions; `None` for any other action.
    pub(crate) fn handle_resource(
        &mut self,
        action: &str,
        p: &Map<String, Value>,
        now_ms: i64,
    ) -> Option<Result<Value, ServiceError>> {
        let result = match action {
            "CreateConfigData" | "ModifyConfigData" => self.put_config_data(p, now_ms, action == "CreateConfigData"),
            "DescribeConfigData" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let (env, name) = (text(p, "EnvironmentId"), text(p, "Name"));
                let found = self.resources.config_data.get(env).and_then(|m| m.get(name)).cloned();
                found
                    .map(|c| json!({"Result": self.with_related(c)}))
                    .ok_or_else(|| not_found("ResourceNotFound.ConfigDataNotFound", format!("The config data {name:?}")))
            }),
            "DescribeConfigDataList" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let all: Vec<Value> = self
                    .resources
                    .config_data
                    .get(text(p, "EnvironmentId"))
                    .into_iter()
                    .flat_map(|m| m.values().cloned())
                    .map(|c| self.with_related(c))
                    .collect();
                let (page, next, remaining) =
                    continue_page(all, text(p, "ContinueToken"), p.get("Limit").and_then(Value::as_i64))?;
                Ok(json!({"Result": {"Records": page, "ContinueToken": next, "RemainingCount": remaining}}))
            }),
            "DestroyConfigData" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let name = text(p, "Name");
                let removed = self.resources.config_data.get_mut(text(p, "EnvironmentId")).and_then(|m| m.remove(name));
                removed
                    .map(|_| json!({"Result": true}))
                    .ok_or_else(|| not_found("ResourceNotFound.ConfigDataNotFound", format!("The config data {name:?}")))
            }),
            "CreateLogConfig" => self.create_log_config(p, now_ms),
            "ModifyLogConfig" => self.modify_log_config(p, now_ms),
            "DescribeLogConfig" => self.need_application(text(p, "ApplicationId"), text(p, "EnvironmentId")).and_then(|_| {
                let key = format!("{}/{}", text(p, "ApplicationId"), text(p, "Name"));
                let found = self.resources.log_configs.get(text(p, "EnvironmentId")).and_then(|m| m.get(&key)).cloned();
                found
                    .map(|c| json!({"Result": c}))
                    .ok_or_else(|| not_found("ResourceNotFound.LogConfigNotFound", format!("The log config {:?}", text(p, "Name"))))
            }),
            "DescribePagedLogConfigList" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let (app, app_name, name) = (text(p, "ApplicationId"), text(p, "ApplicationName"), text(p, "Name"));
                let all: Vec<Value> = self
                    .resources
                    .log_configs
                    .get(text(p, "EnvironmentId"))
                    .into_iter()
                    .flat_map(|m| m.values().cloned())
                    .filter(|c| app.is_empty() || c["ApplicationId"] == app)
                    .filter(|c| app_name.is_empty() || c["ApplicationName"] == app_name)
                    .filter(|c| name.is_empty() || c["Name"] == name)
                    .collect();
                let (page, next, _) = continue_page(all, text(p, "ContinueToken"), p.get("Limit").and_then(Value::as_i64))?;
                Ok(json!({"Result": {"Records": page, "ContinueToken": next}}))
            }),
            "DestroyLogConfig" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let (env, app, name) = (text(p, "EnvironmentId"), text(p, "ApplicationId"), text(p, "Name"));
                let configs = self.resources.log_configs.entry(env.to_owned()).or_default();
                let key = configs.keys().find(|k| k.ends_with(&format!("/{name}")) && (app.is_empty() || k.starts_with(&format!("{app}/")))).cloned();
                key.and_then(|k| configs.remove(&k))
                    .map(|_| json!({"Result": true}))
                    .ok_or_else(|| not_found("ResourceNotFound.LogConfigNotFound", format!("The log config {name:?}")))
            }),
            "CreateApplicationService" => self.put_service(p, true),
            "ModifyApplicationService" => self.put_service(p, false),
            "DeleteApplicationService" => self.need_application(text(p, "ApplicationId"), text(p, "EnvironmentId")).and_then(|_| {
                let key = format!("{}/{}", text(p, "ApplicationId"), text(p, "EnvironmentId"));
                let name = text(p, "ServiceName");
                let removed = self.resources.services.get_mut(&key).and_then(|m| m.remove(name));
                removed.map(|_| json!({"Result": true})).ok_or_else(|| {
                    not_found("InvalidParameterValue.ApplicationServiceNotFound", format!("The service {name:?}"))
                })
            }),
            "DescribeApplicationServiceList" => self.need_application(text(p, "ApplicationId"), text(p, "EnvironmentId")).map(|name| {
                let key = format!("{}/{}", text(p, "ApplicationId"), text(p, "EnvironmentId"));
                let list: Vec<Value> = self.resources.services.get(&key).into_iter().flat_map(|m| m.values().cloned()).collect();
                json!({"Result": {
                    "Name": name, "ApplicationName": name, "ApplicationId": text(p, "ApplicationId"),
                    "ServicePortMappingList": list, "Ports": [], "ClusterIp": [], "PortMappings": [],
                    "Type": "", "Yaml": "", "VersionName": "", "ExternalIp": "", "SubnetId": "", "LoadBalanceId": "",
                    "FlushAll": false, "EnableRegistryNextDeploy": 0, "AllIpDone": true, "ExternalDomain": "",
                }})
            }),
            "CreateApplicationAutoscaler" => self.create_autoscaler(p, now_ms),
            "ModifyApplicationAutoscaler" | "EnableApplicationAutoscaler" | "DisableApplicationAutoscaler" | "DeleteApplicationAutoscaler" => {
                self.change_autoscaler(action, p, now_ms)
            }
            "DescribeApplicationAutoscalerList" => self.need_application(text(p, "ApplicationId"), text(p, "EnvironmentId")).map(|_| {
                let key = format!("{}/{}", text(p, "ApplicationId"), text(p, "EnvironmentId"));
                let list: Vec<Value> = self.resources.autoscalers.get(&key).into_iter().flat_map(|m| m.values().cloned()).collect();
                json!({"Result": list})
            }),
            "ModifyIngress" => self.put_ingress(p, now_ms),
            "DescribeIngress" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let key = format!("{}/{}", text(p, "EnvironmentId"), text(p, "ClusterNamespace"));
                let name = text(p, "IngressName");
                let found = self.resources.ingresses.get(&key).and_then(|m| m.get(name)).cloned();
                found.map(|i| json!({"Result": i})).ok_or_else(|| not_found("ResourceNotFound", format!("The ingress {name:?}")))
            }),
            "DescribeIngresses" | "DescribeRelatedIngresses" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let key = format!("{}/{}", text(p, "EnvironmentId"), text(p, "ClusterNamespace"));
                let names: Vec<&str> = p.get("IngressNames").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
                let app_name = if action == "DescribeRelatedIngresses" {
                    Some(self.need_application(text(p, "ApplicationId"), text(p, "EnvironmentId"))?)
                } else {
                    None
                };
                let list: Vec<Value> = self
                    .resources
                    .ingresses
                    .get(&key)
                    .into_iter()
                    .flat_map(|m| m.values().cloned())
                    .filter(|i| names.is_empty() || names.iter().any(|n| i["IngressName"] == *n))
                    .filter(|i| app_name.as_ref().is_none_or(|app| i["Rules"].to_string().contains(&format!("\"ServiceName\":\"{app}\""))))
                    .collect();
                Ok(json!({"Result": list}))
            }),
            "DeleteIngress" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let key = format!("{}/{}", text(p, "EnvironmentId"), text(p, "ClusterNamespace"));
                let name = text(p, "IngressName");
                let removed = self.resources.ingresses.get_mut(&key).and_then(|m| m.remove(name));
                removed.map(|_| json!({"Result": true})).ok_or_else(|| not_found("ResourceNotFound", format!("The ingress {name:?}")))
            }),
            "CreateCosToken" => self.cos_token(p, now_ms),
            "GenerateApplicationPackageDownloadUrl" => {
                let (app, pkg, version) = (text(p, "ApplicationId"), text(p, "PkgName"), text(p, "DeployVersion"));
                self.application(app).map(|_| {
                    json!({"Result": format!(
                        "https://tem-emulator-1250000000.cos.ap-guangzhou.myqcloud.com/{app}/{version}/{pkg}?sign=emulated&t={}",
                        now_ms / 1000 + 3600
                    )})
                })
            }
            "CreateResource" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let resources = self.resources.environment_resources.entry(text(p, "EnvironmentId").to_owned()).or_default();
                let key = format!("{}/{}", text(p, "ResourceType"), text(p, "ResourceId"));
                if !resources.contains_key(&key) && resources.len() >= MAX_PER_OWNER {
                    return Err(full("resources per environment"));
                }
                resources.insert(key, Value::Object(p.clone()));
                Ok(json!({"Result": true}))
            }),
            "ModifyGatewayIngress" => self.environment(text(p, "EnvironmentId")).map(drop).and_then(|()| {
                let gateways = self.resources.gateway_ingresses.entry(text(p, "EnvironmentId").to_owned()).or_default();
                let name = text(p, "Name");
                if !gateways.contains_key(name) && gateways.len() >= MAX_PER_OWNER {
                    return Err(full("gateway ingresses per environment"));
                }
                gateways.insert(name.to_owned(), Value::Object(p.clone()));
                Ok(json!({"Result": true}))
            }),
            _ => return None,
        };
        Some(result)
    }

    /// Temporary credentials for the package bucket (made up: nothing is stored), valid an hour.
    fn cos_token(&mut self, p: &Map<String, Value>, now_ms: i64) -> Result<Value, ServiceError> {
        let (app, pkg) = (text(p, "ApplicationId"), text(p, "PkgName"));
        self.application(app)?;
        let start = now_ms / 1000;
        let secret = self.fresh("AKIDtmp", 24);
        let key = self.fresh("", 32);
        let token = self.fresh("token-", 40);
        Ok(json!({"Result": {
            "RequestId": "", "Bucket": "tem-emulator-1250000000", "Region": "ap-guangzhou",
            "TmpSecretId": secret, "TmpSecretKey": key, "SessionToken": token,
            "StartTime": start.to_string(), "ExpiredTime": (start + 3600).to_string(),
            "FullPath": format!("/{app}/{}/{pkg}", text(p, "TimeVersion")),
        }}))
    }

    /// A config data document as described: `RelatedApplications` is not tracked (empty).
    fn with_related(&self, mut config: Value) -> Value {
        if let Value::Object(map) = &mut config {
            map.entry("RelatedApplications").or_insert_with(|| json!([]));
        }
        config
    }

    fn put_config_data(&mut self, p: &Map<String, Value>, now_ms: i64, create: bool) -> Result<Value, ServiceError> {
        let (env, name) = (text(p, "EnvironmentId"), text(p, "Name"));
        self.environment(env)?;
        let configs = self.resources.config_data.entry(env.to_owned()).or_default();
        let existing = configs.get(name).cloned();
        match (create, &existing) {
            (true, Some(_)) => {
                return Err(ServiceError::new(
                    "InvalidParameterValue.ConfigDataAlreadyExist",
                    format!("The config data {name:?} exists."),
                ))
            }
            (false, None) => {
                return Err(not_found("ResourceNotFound.ConfigDataNotFound", format!("The config data {name:?}")))
            }
            (true, None) if configs.len() >= MAX_PER_OWNER => return Err(full("config data per environment")),
            _ => {}
        }
        let created = existing
            .as_ref()
            .and_then(|c| c["CreateTime"].as_str().map(str::to_owned))
            .unwrap_or_else(|| tem_time(now_ms));
        configs.insert(
            name.to_owned(),
            json!({"Name": name, "CreateTime": created, "Data": p.get("Data").cloned().unwrap_or(json!([]))}),
        );
        Ok(json!({"Result": true}))
    }

    fn create_log_config(&mut self, p: &Map<String, Value>, now_ms: i64) -> Result<Value, ServiceError> {
        let (env, app, name) = (text(p, "EnvironmentId"), text(p, "ApplicationId"), text(p, "Name"));
        let app_name = self.need_application(app, env)?;
        let configs = self.resources.log_configs.entry(env.to_owned()).or_default();
        let key = format!("{app}/{name}");
        if configs.contains_key(&key) {
            return Err(ServiceError::new(
                "InvalidParameterValue.LogConfigAlreadyExist",
                format!("The log config {name:?} exists."),
            ));
        }
        if configs.len() >= MAX_PER_OWNER {
            return Err(full("log configs per environment"));
        }
        let mut config = p.clone();
        config.remove("EnvironmentId");
        config.insert("ApplicationName".into(), Value::from(app_name));
        config.insert("CreateDate".into(), Value::from(tem_time(now_ms)));
        config.insert("ModifyDate".into(), Value::from(tem_time(now_ms)));
        configs.insert(key, Value::Object(config));
        Ok(json!({"Result": true}))
    }

    fn modify_log_config(&mut self, p: &Map<String, Value>, now_ms: i64) -> Result<Value, ServiceError> {
        let (env, app, name) = (text(p, "EnvironmentId"), text(p, "ApplicationId"), text(p, "Name"));
        self.need_application(app, env)?;
        let key = format!("{app}/{name}");
        let Some(config) = self.resources.log_configs.get_mut(env).and_then(|m| m.get_mut(&key)) else {
            return Err(not_found("ResourceNotFound.LogConfigNotFound", format!("The log config {name:?}")));
        };
        if let Value::Object(stored) = config {
            for (field, value) in object(p, "Data") {
                // The identity of a log config is not changed by modifying it.
                if !matches!(field.as_str(), "Name" | "ApplicationId" | "ApplicationName" | "CreateDate") {
                    stored.insert(field, value);
                }
            }
            stored.insert("ModifyDate".into(), Value::from(tem_time(now_ms)));
        }
        Ok(json!({"Result": true}))
    }

    fn put_service(&mut self, p: &Map<String, Value>, create: bool) -> Result<Value, ServiceError> {
        let (app, env) = (text(p, "ApplicationId"), text(p, "EnvironmentId"));
        self.need_application(app, env)?;
        let service = if create { object(p, "Service") } else { object(p, "Data") };
        let name = service.get("ServiceName").and_then(Value::as_str).unwrap_or_default().to_owned();
        if name.is_empty() {
            return Err(ServiceError::new("InvalidParameter.ServiceNameNotValid", "The service needs a ServiceName."));
        }
        let services = self.resources.services.entry(format!("{app}/{env}")).or_default();
        match (create, services.contains_key(&name)) {
            (true, true) => {
                return Err(ServiceError::new(
                    "InvalidParameterValue.ApplicationServiceAlreadyExist",
                    format!("The service {name:?} exists."),
                ))
            }
            (false, false) => {
                return Err(not_found(
                    "InvalidParameterValue.ApplicationServiceNotFound",
                    format!("The service {name:?}"),
                ))
            }
            (true, false) if services.len() >= MAX_PER_OWNER => return Err(full("services per application")),
            _ => {}
        }
        services.insert(name, Value::Object(service));
        Ok(json!({"Result": true}))
    }

    fn create_autoscaler(&mut self, p: &Map<String, Value>, now_ms: i64) -> Result<Value, ServiceError> {
        let (app, env) = (text(p, "ApplicationId"), text(p, "EnvironmentId"));
        self.need_application(app, env)?;
        let mut scaler = object(p, "Autoscaler");
        check_min_max(&scaler)?;
        let name = scaler.get("AutoscalerName").and_then(Value::as_str).unwrap_or_default().to_owned();
        let key = format!("{app}/{env}");
        let taken = self
            .resources
            .autoscalers
            .get(&key)
            .is_some_and(|m| m.values().any(|s| !name.is_empty() && s["AutoscalerName"] == name.as_str()));
        if taken {
            return Err(ServiceError::new(
                "InvalidParameterValue.ScalerNameDuplicated",
                format!("The autoscaler {name:?} exists."),
            ));
        }
        if self.resources.autoscalers.get(&key).is_some_and(|m| m.len() >= MAX_PER_OWNER) {
            return Err(full("autoscalers per application"));
        }
        let id = self.fresh("autoscaler-", 8);
        scaler.insert("AutoscalerId".into(), Value::from(id.clone()));
        scaler.insert("CreateDate".into(), Value::from(tem_time(now_ms)));
        scaler.insert("ModifyDate".into(), Value::from(tem_time(now_ms)));
        scaler.entry("Enabled").or_insert(Value::Bool(false));
        scaler.entry("EnableDate").or_insert(Value::from(""));
        self.resources.autoscalers.entry(key).or_default().insert(id.clone(), Value::Object(scaler));
        Ok(json!({"Result": id}))
    }

    fn change_autoscaler(&mut self, action: &str, p: &Map<String, Value>, now_ms: i64) -> Result<Value, ServiceError> {
        let (app, env, id) = (text(p, "ApplicationId"), text(p, "EnvironmentId"), text(p, "AutoscalerId"));
        self.need_application(app, env)?;
        let scalers = self.resources.autoscalers.entry(format!("{app}/{env}")).or_default();
        let Some(Value::Object(scaler)) = scalers.get_mut(id) else {
            return Err(not_found("ResourceNotFound", format!("The autoscaler {id:?}")));
        };
        let enabled = scaler.get("Enabled").and_then(Value::as_bool).unwrap_or(false);
        match action {
            "DeleteApplicationAutoscaler" if enabled => {
                return Err(ServiceError::new(
                    "InvalidParameterValue.DisableScalerBeforeDelete",
                    "Disable the autoscaler before deleting it.",
                ))
            }
            "DeleteApplicationAutoscaler" => {
                scalers.remove(id);
            }
            "EnableApplicationAutoscaler" | "DisableApplicationAutoscaler" => {
                let enable = action == "EnableApplicationAutoscaler";
                scaler.insert("Enabled".into(), Value::Bool(enable));
                if enable {
                    scaler.insert("EnableDate".into(), Value::from(tem_time(now_ms)));
                }
            }
            _ => {
                let new = object(p, "Autoscaler");
                check_min_max(&new)?;
                for (field, value) in new {
                    if !matches!(field.as_str(), "AutoscalerId" | "CreateDate") {
                        scaler.insert(field, value);
                    }
                }
                scaler.insert("ModifyDate".into(), Value::from(tem_time(now_ms)));
            }
        }
        Ok(json!({"Result": true}))
    }

    fn put_ingress(&mut self, p: &Map<String, Value>, now_ms: i64) -> Result<Value, ServiceError> {
        let mut ingress = object(p, "Ingress");
        let env = ingress.get("EnvironmentId").and_then(Value::as_str).unwrap_or_default().to_owned();
        self.environment(&env)?;
        let namespace = ingress.get("ClusterNamespace").and_then(Value::as_str).unwrap_or_default().to_owned();
        let name = ingress.get("IngressName").and_then(Value::as_str).unwrap_or_default().to_owned();
        let cluster = self.environments.get(&env).map(|e| e.cluster_id.clone()).unwrap_or_default();
        let ingresses = self.resources.ingresses.entry(format!("{env}/{namespace}")).or_default();
        if !ingresses.contains_key(&name) && ingresses.len() >= MAX_PER_OWNER {
            return Err(full("ingresses per namespace"));
        }
        let created = ingresses
            .get(&name)
            .and_then(|i| i["CreateTime"].as_str().map(str::to_owned))
            .unwrap_or_else(|| tem_time(now_ms));
        ingress.insert("CreateTime".into(), Value::from(created));
        ingress.entry("ClusterId").or_insert(Value::from(cluster));
        ingresses.insert(name, Value::Object(ingress));
        Ok(json!({"Result": true}))
    }

    /// Forgets what belonged to an application in an environment.
    pub(crate) fn forget_application(&mut self, app_id: &str, env_id: &str) {
        self.resources.services.remove(&format!("{app_id}/{env_id}"));
        self.resources.autoscalers.remove(&format!("{app_id}/{env_id}"));
        if let Some(configs) = self.resources.log_configs.get_mut(env_id) {
            configs.retain(|key, _| !key.starts_with(&format!("{app_id}/")));
        }
    }

    /// Forgets what belonged to an environment.
    pub(crate) fn forget_environment(&mut self, env_id: &str) {
        self.resources.config_data.remove(env_id);
        self.resources.environment_resources.remove(env_id);
        self.resources.gateway_ingresses.remove(env_id);
        self.resources.log_configs.remove(env_id);
        self.resources.ingresses.retain(|key, _| !key.starts_with(&format!("{env_id}/")));
    }
}

fn check_min_max(scaler: &Map<String, Value>) -> Result<(), ServiceError> {
    let min = scaler.get("MinReplicas").and_then(Value::as_i64).unwrap_or(0);
    let max = scaler.get("MaxReplicas").and_then(Value::as_i64).unwrap_or(0);
    if min < 0 || max < min || max > MAX_REPLICAS as i64 {
        return Err(ServiceError::new(
            "InvalidParameterValue.HpaMinMaxInvalid",
            format!("MinReplicas {min} and MaxReplicas {max} must satisfy 0 <= min <= max <= {}.", MAX_REPLICAS),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_page_and_refuse_strangers() {
        let items: Vec<Value> = (0..5).map(Value::from).collect();
        let (page, next, remaining) = continue_page(items.clone(), "", Some(2)).unwrap();
        assert_eq!((page, next.as_str(), remaining), (vec![json!(0), json!(1)], "ct-2", 3));
        let (page, next, remaining) = continue_page(items.clone(), "ct-4", Some(2)).unwrap();
        assert_eq!((page, next.as_str(), remaining), (vec![json!(4)], "", 0));
        assert_eq!(continue_page(items.clone(), "ct-9", None).unwrap_err().code, "InvalidParameterValue");
        assert_eq!(continue_page(items.clone(), "garbage", None).unwrap_err().code, "InvalidParameterValue");
        assert_eq!(continue_page(items, "", Some(0)).unwrap_err().code, "InvalidParameterValue");
    }
}
