//! The plan: the manifest compared with the live state, resource by resource, and the steps
//! that would make them agree. Pure: no requests.

use std::collections::BTreeMap;

use serde::Serialize;

use super::document::{ApplicationSpec, AutoscalerSpec, Manifest, PortSpec, RuleSpec, ServiceSpec, StrategySpec};
use super::live::{Deployment, Live, LiveAutoscaler, LiveService};

/// What happens to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// It does not exist: created (an application is then deployed).
    Create,
    /// An application exists but has no deployment in its environment: deployed.
    Deploy,
    /// An application's deployment changes: a rollout.
    Rollout,
    /// Changed in place (description, replicas, autoscaler, services).
    Update,
    Unchanged,
}

/// One field's change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    /// `None` when the resource does not exist yet.
    pub old: Option<String>,
    pub new: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub environments: Vec<EnvironmentPlan>,
    pub applications: Vec<ApplicationPlan>,
    /// Live resources the manifest does not name: left alone.
    pub not_managed: Vec<NotManaged>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvironmentPlan {
    pub name: String,
    pub id: Option<String>,
    pub action: Action,
    pub changes: Vec<FieldChange>,
    #[serde(skip)]
    pub description: Option<String>,
    #[serde(skip)]
    pub vpc: Option<String>,
    #[serde(skip)]
    pub subnets: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ApplicationPlan {
    pub name: String,
    pub environment: String,
    pub id: Option<String>,
    pub action: Action,
    pub changes: Vec<FieldChange>,
    /// The deployment to send (create, deploy, rollout).
    pub deploy: Option<DeploySpec>,
    /// `ModifyApplicationReplicas` after the rollout.
    pub scale: Option<i64>,
    pub autoscaler: Option<AutoscalerPlan>,
    pub services: Vec<ServicePlan>,
    /// A rollout is under way now: applying a new one will be refused until it ends.
    pub busy: bool,
    /// Set on create only.
    #[serde(skip)]
    pub description: String,
}

/// Everything `DeployApplication` is sent: the manifest's fields over the live ones.
#[derive(Clone, Debug, Serialize)]
pub struct DeploySpec {
    pub version: String,
    pub cpu: f64,
    pub memory: f64,
    pub replicas: i64,
    pub image: String,
    pub package: String,
    pub deploy_mode: String,
    pub env: BTreeMap<String, String>,
    /// The rollout's strategy (a first deployment is one batch, whatever it says).
    pub strategy: Option<StrategySpec>,
    /// Whether it is a rollout of a running version (else the first deployment).
    pub rollout: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct AutoscalerPlan {
    pub name: String,
    pub id: Option<String>,
    pub action: Action,
    pub changes: Vec<FieldChange>,
    #[serde(skip)]
    pub spec: AutoscalerSpec,
    /// Whether `Enabled` must be switched.
    #[serde(skip)]
    pub switch: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServicePlan {
    pub name: String,
    pub action: Action,
    pub changes: Vec<FieldChange>,
    #[serde(skip)]
    pub spec: ServiceSpec,
}

#[derive(Clone, Debug, Serialize)]
pub struct NotManaged {
    /// `environment`, `application`, `autoscaler` or `service`.
    pub kind: &'static str,
    /// An autoscaler's or service's as `APPLICATION/NAME`.
    pub name: String,
    /// Empty for a service (it has none).
    pub id: String,
}

impl Plan {
    /// Whether applying it would change anything.
    pub fn has_changes(&self) -> bool {
        self.environments.iter().any(|e| e.action != Action::Unchanged)
            || self.applications.iter().any(|a| a.action != Action::Unchanged)
    }
}

/// What creating an application needs that a deployment has no default for.
const DEFAULT_CPU: f64 = 0.25;
const DEFAULT_MEMORY: f64 = 0.5;

/// Compares; an error when something cannot be planned (an application to create without
/// its replicas...).
pub fn plan(manifest: &Manifest, live: &Live) -> Result<Plan, String> {
    let mut environments = Vec::new();
    for (name, spec) in &manifest.environments {
        let current = live.environments.get(name);
        let mut changes = Vec::new();
        if let Some(description) = &spec.description {
            let old = current.map(|e| e.description.clone());
            if old.as_ref() != Some(description) {
                changes.push(FieldChange { field: "description".into(), old, new: description.clone() });
            }
        }
        if current.is_none() {
            for (field, value) in [("vpc", spec.vpc.clone()), ("subnets", spec.subnets.as_ref().map(|s| s.join(",")))] {
                if let Some(value) = value {
                    changes.push(FieldChange { field: field.into(), old: None, new: value });
                }
            }
        }
        let action = match (current, changes.is_empty()) {
            (None, _) => Action::Create,
            (Some(_), false) => Action::Update,
            (Some(_), true) => Action::Unchanged,
        };
        environments.push(EnvironmentPlan {
            name: name.clone(),
            id: current.map(|e| e.id.clone()),
            action,
            changes,
            description: spec.description.clone(),
            vpc: spec.vpc.clone(),
            subnets: spec.subnets.clone().unwrap_or_default(),
        });
    }
    let mut applications = Vec::new();
    for (name, spec) in &manifest.applications {
        applications.push(application(name, spec, live)?);
    }
    let mut not_managed = Vec::new();
    for (name, env) in &live.environments {
        if !manifest.environments.contains_key(name) {
            not_managed.push(NotManaged { kind: "environment", name: name.clone(), id: env.id.clone() });
        }
    }
    for (name, app) in &live.applications {
        let Some(spec) = manifest.applications.get(name) else {
            not_managed.push(NotManaged { kind: "application", name: name.clone(), id: app.id.clone() });
            continue;
        };
        // The autoscalers and services of a managed application that the manifest does not name.
        let Some(deployment) = &app.deployment else { continue };
        let scaler = spec.autoscaler.as_ref().map(|s| s.get_ref().name.as_str());
        for live in deployment.autoscalers.iter().filter(|s| Some(s.name.as_str()) != scaler) {
            not_managed.push(NotManaged {
                kind: "autoscaler",
                name: format!("{name}/{}", live.name),
                id: live.id.clone(),
            });
        }
        let services: Vec<&str> = spec.services.iter().flatten().map(|s| s.get_ref().name.as_str()).collect();
        for live in deployment.services.iter().filter(|s| !services.contains(&s.name.as_str())) {
            not_managed.push(NotManaged { kind: "service", name: format!("{name}/{}", live.name), id: String::new() });
        }
    }
    Ok(Plan { environments, applications, not_managed })
}

fn application(name: &str, spec: &ApplicationSpec, live: &Live) -> Result<ApplicationPlan, String> {
    let current = live.applications.get(name);
    let deployed = current.and_then(|a| a.deployment.as_ref());
    let wanted = deploy_spec(name, spec, deployed)?;
    let mut changes = Vec::new();
    let mut scale = None;
    let action = match deployed {
        None => {
            changes.extend(deploy_fields(&wanted).into_iter().map(|(field, new)| FieldChange {
                field,
                old: None,
                new,
            }));
            if current.is_some() {
                Action::Deploy
            } else {
                Action::Create
            }
        }
        Some(live) => {
            let mut old: BTreeMap<String, String> = deploy_fields(&deploy_spec_of(live)).into_iter().collect();
            for (field, new) in deploy_fields(&wanted) {
                let old = old.remove(&field).unwrap_or_default();
                if old != new {
                    changes.push(FieldChange { field, old: Some(old), new });
                }
            }
            // What is live and no longer wanted (a variable removed, a package for an image).
            changes.extend(old.into_iter().map(|(field, old)| FieldChange {
                field,
                old: Some(old),
                new: String::new(),
            }));
            changes.sort_by(|a, b| field_order(&a.field).cmp(&field_order(&b.field)));
            // Replicas change by scaling, not by a rollout.
            changes.retain(|c| c.field != "replicas");
            let rollout = !changes.is_empty();
            if wanted.replicas != live.replicas {
                changes.push(FieldChange {
                    field: "replicas".into(),
                    old: Some(live.replicas.to_string()),
                    new: wanted.replicas.to_string(),
                });
                scale = Some(wanted.replicas);
            }
            if rollout {
                Action::Rollout
            } else if scale.is_some() {
                Action::Update
            } else {
                Action::Unchanged
            }
        }
    };
    let live_scalers = deployed.map_or(&[][..], |d| &d.autoscalers[..]);
    let autoscaler = spec.autoscaler.as_ref().map(|s| autoscaler(s.get_ref(), live_scalers));
    let live_services = deployed.map_or(&[][..], |d| &d.services[..]);
    let services: Vec<ServicePlan> =
        spec.services.iter().flatten().map(|s| service(s.get_ref(), live_services)).collect();
    let sub_changes = autoscaler.iter().any(|a| a.action != Action::Unchanged)
        || services.iter().any(|s| s.action != Action::Unchanged);
    let action = if action == Action::Unchanged && sub_changes { Action::Update } else { action };
    let deploy = matches!(action, Action::Create | Action::Deploy | Action::Rollout).then(|| {
        let mut deploy = wanted;
        if let Some(live) = deployed {
            // The rollout keeps the pod count; scaling follows it.
            deploy.replicas = live.replicas;
            deploy.rollout = true;
        }
        deploy
    });
    Ok(ApplicationPlan {
        name: name.to_owned(),
        environment: spec.environment.get_ref().clone(),
        id: current.map(|a| a.id.clone()),
        action,
        changes,
        deploy,
        scale,
        autoscaler,
        services,
        busy: deployed.is_some_and(|d| d.deploying),
        description: spec.description.clone().unwrap_or_else(|| name.to_owned()),
    })
}

/// The deployment the manifest asks for, with what it leaves out taken from `live` (or the
/// defaults for a first deployment).
fn deploy_spec(name: &str, spec: &ApplicationSpec, live: Option<&Deployment>) -> Result<DeploySpec, String> {
    let replicas = match (&spec.replicas, live) {
        (Some(r), _) => *r.get_ref(),
        (None, Some(live)) => live.replicas,
        (None, None) => {
            return Err(format!("application {name:?} is to be deployed: the manifest must give its replicas"))
        }
    };
    let (image, package, deploy_mode) = match (&spec.image, &spec.package, live) {
        (Some(image), _, _) => (image.get_ref().clone(), String::new(), "IMAGE".to_owned()),
        (None, Some(package), _) => {
            let mode = if package.get_ref().to_ascii_lowercase().ends_with(".war") { "WAR" } else { "JAR" };
            (String::new(), package.get_ref().clone(), mode.to_owned())
        }
        (None, None, Some(live)) => (live.image.clone(), live.package.clone(), live.deploy_mode.clone()),
        (None, None, None) => (String::new(), String::new(), String::new()),
    };
    Ok(DeploySpec {
        version: spec.version.get_ref().clone(),
        cpu: spec.cpu.as_ref().map(|c| *c.get_ref()).or(live.map(|l| l.cpu)).unwrap_or(DEFAULT_CPU),
        memory: spec.memory.as_ref().map(|m| *m.get_ref()).or(live.map(|l| l.memory)).unwrap_or(DEFAULT_MEMORY),
        replicas,
        image,
        package,
        deploy_mode,
        env: spec.env.clone().or_else(|| live.map(|l| l.env.clone())).unwrap_or_default(),
        strategy: spec.strategy.as_ref().map(|s| s.get_ref().clone()),
        rollout: false,
    })
}

fn deploy_spec_of(live: &Deployment) -> DeploySpec {
    DeploySpec {
        version: live.version.clone(),
        cpu: live.cpu,
        memory: live.memory,
        replicas: live.replicas,
        image: live.image.clone(),
        package: live.package.clone(),
        deploy_mode: live.deploy_mode.clone(),
        env: live.env.clone(),
        strategy: None,
        rollout: false,
    }
}

/// The compared fields of a deployment, as text, in the order shown.
fn deploy_fields(spec: &DeploySpec) -> Vec<(String, String)> {
    let mut fields = vec![("version".to_owned(), spec.version.clone())];
    if !spec.image.is_empty() {
        fields.push(("image".into(), spec.image.clone()));
    }
    if !spec.package.is_empty() {
        fields.push(("package".into(), spec.package.clone()));
    }
    fields.push(("cpu".into(), number(spec.cpu)));
    fields.push(("memory".into(), number(spec.memory)));
    fields.push(("replicas".into(), spec.replicas.to_string()));
    for (key, value) in &spec.env {
        fields.push((format!("env.{key}"), value.clone()));
    }
    fields
}

/// Where a field is shown: the order of [`deploy_fields`], variables by name.
fn field_order(field: &str) -> (usize, &str) {
    let rank = ["version", "image", "package", "cpu", "memory", "replicas"].iter().position(|f| *f == field);
    (rank.unwrap_or(6), field)
}

/// A number as written in a manifest: `0.5`, `2`.
fn number(value: f64) -> String {
    format!("{value}")
}

fn autoscaler(spec: &AutoscalerSpec, live: &[LiveAutoscaler]) -> AutoscalerPlan {
    let wanted_enabled = spec.enabled.unwrap_or(true);
    let fields = |min: i64, max: i64, enabled: bool, rules: &[RuleSpec]| {
        vec![
            ("min_replicas", min.to_string()),
            ("max_replicas", max.to_string()),
            ("enabled", enabled.to_string()),
            ("rules", rules.iter().map(|r| format!("{}>{}", r.metric, r.threshold)).collect::<Vec<_>>().join(",")),
        ]
    };
    let new = fields(spec.min_replicas, spec.max_replicas, wanted_enabled, &spec.rules);
    let current = live.iter().find(|s| s.name == spec.name);
    let (action, changes, switch) = match current {
        None => {
            let changes = new.into_iter().map(|(f, n)| FieldChange { field: f.into(), old: None, new: n }).collect();
            (Action::Create, changes, wanted_enabled)
        }
        Some(current) => {
            let old = fields(current.min_replicas, current.max_replicas, current.enabled, &current.rules);
            let changes: Vec<FieldChange> = old
                .into_iter()
                .zip(new)
                .filter(|(o, n)| o.1 != n.1)
                .map(|(o, n)| FieldChange { field: o.0.into(), old: Some(o.1), new: n.1 })
                .collect();
            let action = if changes.is_empty() { Action::Unchanged } else { Action::Update };
            (action, changes, current.enabled != wanted_enabled)
        }
    };
    AutoscalerPlan {
        name: spec.name.clone(),
        id: current.map(|s| s.id.clone()),
        action,
        changes,
        spec: spec.clone(),
        switch,
    }
}

fn service(spec: &ServiceSpec, live: &[LiveService]) -> ServicePlan {
    let ports = |ports: &[PortSpec]| {
        ports.iter().map(|p| format!("{}:{}/{}", p.port, p.target_port, p.protocol)).collect::<Vec<_>>().join(",")
    };
    let current = live.iter().find(|s| s.name == spec.name);
    let new = [("type", spec.kind.clone()), ("ports", ports(&spec.ports))];
    let (action, changes) = match current {
        None => {
            (Action::Create, new.into_iter().map(|(f, n)| FieldChange { field: f.into(), old: None, new: n }).collect())
        }
        Some(current) => {
            let old = [("type", current.kind.clone()), ("ports", ports(&current.ports))];
            let changes: Vec<FieldChange> = old
                .into_iter()
                .zip(new)
                .filter(|(o, n)| o.1 != n.1)
                .map(|(o, n)| FieldChange { field: o.0.into(), old: Some(o.1), new: n.1 })
                .collect();
            (if changes.is_empty() { Action::Unchanged } else { Action::Update }, changes)
        }
    };
    ServicePlan { name: spec.name.clone(), action, changes, spec: spec.clone() }
}

#[cfg(test)]
mod tests {
    use super::super::document::parse;
    use super::super::live::{LiveApplication, LiveEnvironment};
    use super::*;

    /// `web` running v1 with 2 pods, 1 CPU, 2 GiB, one variable, in `prod`.
    fn live() -> Live {
        let deployment = Deployment {
            version: "v1".into(),
            cpu: 1.0,
            memory: 2.0,
            replicas: 2,
            image: String::new(),
            package: "/web.jar".into(),
            deploy_mode: "JAR".into(),
            env: BTreeMap::from([("A".to_owned(), "1".to_owned())]),
            deploying: false,
            autoscalers: Vec::new(),
            services: Vec::new(),
        };
        Live {
            environments: BTreeMap::from([(
                "prod".to_owned(),
                LiveEnvironment { id: "en-1".into(), description: String::new() },
            )]),
            applications: BTreeMap::from([
                ("web".to_owned(), LiveApplication { id: "app-1".into(), deployment: Some(deployment) }),
                ("other".to_owned(), LiveApplication { id: "app-2".into(), deployment: None }),
            ]),
        }
    }

    fn plan_of(applications: &str) -> Plan {
        let manifest = parse("t.toml", &format!("[environments.prod]\n{applications}")).unwrap();
        plan(&manifest, &live()).unwrap()
    }

    #[test]
    fn fields_the_manifest_leaves_out_are_left_alone() {
        let plan = plan_of("[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\n");
        assert_eq!(plan.applications[0].action, Action::Unchanged);
        assert!(!plan.has_changes());
        // A rollout sends the live values of what the manifest leaves out.
        let plan = plan_of("[applications.web]\nenvironment = \"prod\"\nversion = \"v2\"\n");
        let app = &plan.applications[0];
        assert_eq!(app.action, Action::Rollout);
        assert_eq!(app.changes, [FieldChange { field: "version".into(), old: Some("v1".into()), new: "v2".into() }]);
        let deploy = app.deploy.as_ref().unwrap();
        assert_eq!((deploy.cpu, deploy.memory, deploy.replicas), (1.0, 2.0, 2));
        assert_eq!((deploy.package.as_str(), deploy.deploy_mode.as_str()), ("/web.jar", "JAR"));
        assert_eq!(deploy.env, BTreeMap::from([("A".to_owned(), "1".to_owned())]));
        assert_eq!(plan.not_managed.len(), 1, "{:?}", plan.not_managed);
        assert_eq!(plan.not_managed[0].name, "other");
    }

    #[test]
    fn replicas_scale_after_the_rollout_and_alone_are_an_update() {
        let plan = plan_of("[applications.web]\nenvironment = \"prod\"\nversion = \"v2\"\nreplicas = 5\ncpu = 2\n");
        let app = &plan.applications[0];
        assert_eq!(app.action, Action::Rollout);
        let fields: Vec<&str> = app.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["version", "cpu", "replicas"]);
        assert_eq!(app.deploy.as_ref().unwrap().replicas, 2, "the rollout keeps the pod count");
        assert_eq!(app.scale, Some(5));

        let plan = plan_of("[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\nreplicas = 3\n");
        let app = &plan.applications[0];
        assert_eq!((app.action, app.scale, app.deploy.is_none()), (Action::Update, Some(3), true));
    }

    #[test]
    fn environment_variables_given_are_all_of_them() {
        let plan = plan_of("[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\nenv = { B = \"2\" }\n");
        let app = &plan.applications[0];
        assert_eq!(app.action, Action::Rollout);
        assert_eq!(
            app.changes,
            [
                FieldChange { field: "env.A".into(), old: Some("1".into()), new: String::new() },
                FieldChange { field: "env.B".into(), old: Some(String::new()), new: "2".into() },
            ]
        );
    }

    #[test]
    fn autoscalers_and_services_the_manifest_does_not_name_are_not_managed() {
        let mut live = live();
        let deployment = live.applications.get_mut("web").unwrap().deployment.as_mut().unwrap();
        deployment.services.push(LiveService { name: "admin".into(), kind: "CLUSTER".into(), ports: Vec::new() });
        let scaler = LiveAutoscaler {
            id: "as-1".into(),
            name: "old".into(),
            min_replicas: 1,
            max_replicas: 2,
            enabled: false,
            rules: Vec::new(),
        };
        deployment.autoscalers.push(scaler);
        let manifest =
            parse("t.toml", "[environments.prod]\n[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\n");
        let plan = plan(&manifest.unwrap(), &live).unwrap();
        let names: Vec<(&str, &str)> = plan.not_managed.iter().map(|n| (n.kind, n.name.as_str())).collect();
        assert_eq!(names, [("application", "other"), ("autoscaler", "web/old"), ("service", "web/admin")]);
        assert!(!plan.has_changes());
    }

    #[test]
    fn an_application_to_create_needs_its_replicas() {
        let manifest =
            parse("t.toml", "[environments.prod]\n[applications.new]\nenvironment = \"prod\"\nversion = \"v1\"\n");
        let error = plan(&manifest.unwrap(), &live()).unwrap_err();
        assert_eq!(error, "application \"new\" is to be deployed: the manifest must give its replicas");
    }
}
