//! The manifest `tem.toml`: its structure, how it is read, and the checks made before anything
//! is sent. Every error names the file, a line and a column.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Most pods an application may have (the emulator's and TEM console's limit).
pub const MAX_REPLICAS: i64 = 200;
/// Most batches of a rollout.
pub const MAX_BATCHES: i64 = 100;
/// Longest pause between batches, in seconds (one day).
pub const MAX_INTERVAL_SECS: i64 = 86_400;

/// A whole manifest: environments and applications, each by its name (the key matched to
/// live resources).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentSpec>,
    #[serde(default)]
    pub applications: BTreeMap<String, ApplicationSpec>,
}

/// `[environments.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// Managed (`ModifyEnvironment`).
    pub description: Option<String>,
    /// Used when creating only: TEM cannot move an environment to another network.
    pub vpc: Option<String>,
    /// Used when creating only.
    pub subnets: Option<Vec<String>>,
}

/// `[applications.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSpec {
    /// The manifest name of the environment it runs in.
    pub environment: Spanned<String>,
    /// Used when creating.
    pub description: Option<String>,
    /// The image repository (`ImgRepo`; deploy mode IMAGE); `version` is its tag.
    pub image: Option<Spanned<String>>,
    /// The package (`PkgName`, e.g. `/demo-1.0.jar`; deploy mode JAR or WAR).
    pub package: Option<Spanned<String>>,
    /// The version to run (`DeployVersion`).
    pub version: Spanned<String>,
    /// CPU cores (`CpuSpec`).
    pub cpu: Option<Spanned<f64>>,
    /// Memory in GiB (`MemorySpec`).
    pub memory: Option<Spanned<f64>>,
    /// Pods (`InitPodNum`, then `ModifyApplicationReplicas`).
    pub replicas: Option<Spanned<i64>>,
    /// Environment variables (`EnvConf`); all of them when given.
    pub env: Option<BTreeMap<String, String>>,
    /// How rollouts go; not compared with anything live.
    pub strategy: Option<Spanned<StrategySpec>>,
    pub autoscaler: Option<Spanned<AutoscalerSpec>>,
    pub services: Option<Vec<Spanned<ServiceSpec>>>,
}

/// `[applications.NAME.strategy]`: the `DeployStrategyConf` of a rollout.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    /// `AUTO` (default), `BETA` or `MANUAL`.
    #[serde(default, rename = "type")]
    pub kind: StrategyKind,
    /// `TotalBatchCount` (after the beta batch for BETA).
    pub batches: Option<Spanned<i64>>,
    /// `BetaBatchNum`: pods in the beta batch.
    pub beta_pods: Option<Spanned<i64>>,
    /// `BatchInterval`, seconds between batches.
    pub interval: Option<Spanned<i64>>,
    /// `MinAvailable`: pods kept ready during the rollout.
    pub min_available: Option<Spanned<i64>>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum StrategyKind {
    #[default]
    Auto,
    Beta,
    Manual,
}

impl StrategyKind {
    /// `DeployStrategyType`: 0 automatic, 1 manual, 2 beta.
    pub fn code(self) -> i64 {
        match self {
            Self::Auto => 0,
            Self::Manual => 1,
            Self::Beta => 2,
        }
    }
}

/// `[applications.NAME.autoscaler]`: one autoscaler, matched by `name`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AutoscalerSpec {
    pub name: String,
    pub min_replicas: i64,
    pub max_replicas: i64,
    /// Default true.
    pub enabled: Option<bool>,
    /// Scaling rules on metrics.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// A metric rule of an autoscaler (`HorizontalAutoscaler`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `CPU`, `MEMORY`, `CPU_CORE_USED`, `MEMORY_SIZE_USED`, ...
    pub metric: String,
    pub threshold: i64,
}

/// `[[applications.NAME.services]]`: an access setting, matched by `name`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub name: String,
    /// `CLUSTER` (inside the environment), `EXTERNAL` (public) or `VPC`.
    #[serde(rename = "type")]
    pub kind: String,
    pub ports: Vec<PortSpec>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PortSpec {
    pub port: i64,
    pub target_port: i64,
    /// `TCP` (default) or `UDP`.
    #[serde(default = "tcp")]
    pub protocol: String,
}

fn tcp() -> String {
    "TCP".to_owned()
}

/// `ServicePortMapping.Type`, as the API documents it (in Chinese: "EXTERNAL，VPC，CLUSTER").
const SERVICE_TYPES: [&str; 3] = ["CLUSTER", "EXTERNAL", "VPC"];
const PROTOCOLS: [&str; 2] = ["TCP", "UDP"];
/// `HorizontalAutoscaler.Metrics`, as the API documents them.
const METRICS: [&str; 14] = [
    "CPU",
    "MEMORY",
    "CPU_CORE_USED",
    "MEMORY_SIZE_USED",
    "NETWORK_BANDWIDTH_RECEIVE",
    "NETWORK_BANDWIDTH_TRANSMIT",
    "NETWORK_TRAFFIC_RECEIVE",
    "NETWORK_TRAFFIC_TRANSMIT",
    "NETWORK_PACKETS_RECEIVE",
    "NETWORK_PACKETS_TRANSMIT",
    "FS_IOPS_WRITE",
    "FS_IOPS_READ",
    "FS_SIZE_WRITE",
    "FS_SIZE_READ",
];

/// Reads and checks a manifest; `path` names it in errors.
pub fn parse(path: &str, text: &str) -> Result<Manifest, String> {
    let at = |span: Option<Range<usize>>, message: &str| {
        let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
        format!("{path}:{line}:{column}: {message}")
    };
    let manifest: Manifest = toml::from_str(text).map_err(|e| at(e.span(), e.message().trim_end()))?;
    let mut errors = Vec::new();
    check(&manifest, &mut |span, message| errors.push((span.start, at(Some(span), &message))));
    if errors.is_empty() {
        return Ok(manifest);
    }
    // In the order of the file.
    errors.sort();
    Err(errors.into_iter().map(|(_, e)| e).collect::<Vec<_>>().join("\n"))
}

/// Line and column (from 1, in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Every check toml's types cannot make; `error` gets each failure at its place.
fn check(manifest: &Manifest, error: &mut dyn FnMut(Range<usize>, String)) {
    for (name, app) in &manifest.applications {
        let env = &app.environment;
        if !manifest.environments.contains_key(env.get_ref()) {
            error(
                env.span(),
                format!(
                    "application {name:?} names the environment {:?}, which the manifest does not define",
                    env.get_ref()
                ),
            );
        }
        if app.version.get_ref().is_empty() || app.version.get_ref().len() > 128 {
            error(app.version.span(), "version must be 1 to 128 characters".into());
        }
        if let (Some(image), Some(_)) = (&app.image, &app.package) {
            error(image.span(), format!("application {name:?} has both image and package; give one"));
        }
        for spec in [&app.cpu, &app.memory].into_iter().flatten() {
            if !(spec.get_ref().is_finite() && *spec.get_ref() > 0.0) {
                error(spec.span(), "cpu and memory must be positive numbers".into());
            }
        }
        if let Some(replicas) = &app.replicas {
            if !(0..=MAX_REPLICAS).contains(replicas.get_ref()) {
                error(replicas.span(), format!("replicas must be 0 to {MAX_REPLICAS}"));
            }
        }
        if let Some(strategy) = &app.strategy {
            check_strategy(strategy, app.replicas.as_ref().map(|r| *r.get_ref()), error);
        }
        if let Some(scaler) = &app.autoscaler {
            check_autoscaler(scaler, error);
        }
        let mut seen = BTreeSet::new();
        for service in app.services.iter().flatten() {
            let s = service.get_ref();
            if !seen.insert(s.name.as_str()) {
                error(service.span(), format!("application {name:?} has two services named {:?}", s.name));
            }
            check_service(service, error);
        }
    }
}

fn check_strategy(
    strategy: &Spanned<StrategySpec>,
    replicas: Option<i64>,
    error: &mut dyn FnMut(Range<usize>, String),
) {
    let s = strategy.get_ref();
    let mut range = |value: &Option<Spanned<i64>>, what: &str, min: i64, max: i64| {
        if let Some(v) = value.as_ref().filter(|v| !(min..=max).contains(v.get_ref())) {
            error(v.span(), format!("strategy: {what} {} is not within {min} to {max}", v.get_ref()));
        }
    };
    range(&s.batches, "batches", 1, MAX_BATCHES);
    range(&s.beta_pods, "beta_pods", 1, MAX_REPLICAS);
    range(&s.interval, "interval", 0, MAX_INTERVAL_SECS);
    range(&s.min_available, "min_available", 0, replicas.unwrap_or(MAX_REPLICAS));
    if s.beta_pods.is_some() && s.kind != StrategyKind::Beta {
        error(strategy.span(), "strategy: beta_pods is for type = \"BETA\" only".into());
    }
}

fn check_autoscaler(scaler: &Spanned<AutoscalerSpec>, error: &mut dyn FnMut(Range<usize>, String)) {
    let s = scaler.get_ref();
    if s.name.is_empty() {
        error(scaler.span(), "autoscaler: name must not be empty".into());
    }
    if !(0 <= s.min_replicas && s.min_replicas <= s.max_replicas && s.max_replicas <= MAX_REPLICAS) {
        error(scaler.span(), format!("autoscaler: 0 <= min_replicas <= max_replicas <= {MAX_REPLICAS} does not hold"));
    }
    for rule in &s.rules {
        if !METRICS.contains(&rule.metric.as_str()) {
            error(scaler.span(), format!("autoscaler: metric {:?} is not one of {}", rule.metric, METRICS.join(", ")));
        }
        if rule.threshold <= 0 {
            error(scaler.span(), format!("autoscaler: the {} threshold must be positive", rule.metric));
        }
    }
}

fn check_service(service: &Spanned<ServiceSpec>, error: &mut dyn FnMut(Range<usize>, String)) {
    let s = service.get_ref();
    if s.name.is_empty() {
        error(service.span(), "service: name must not be empty".into());
    }
    if !SERVICE_TYPES.contains(&s.kind.as_str()) {
        error(
            service.span(),
            format!("service {:?}: type {:?} is not one of {}", s.name, s.kind, SERVICE_TYPES.join(", ")),
        );
    }
    if s.ports.is_empty() {
        error(service.span(), format!("service {:?}: at least one port", s.name));
    }
    for port in &s.ports {
        if !(1..=65_535).contains(&port.port) || !(1..=65_535).contains(&port.target_port) {
            error(service.span(), format!("service {:?}: ports must be 1 to 65535", s.name));
        }
        if !PROTOCOLS.contains(&port.protocol.as_str()) {
            error(service.span(), format!("service {:?}: protocol {:?} is not TCP or UDP", s.name, port.protocol));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_line_and_column() {
        let text = "[environments.dev]\n\n[applications.web]\nenvironment = \"prod\"\nversion = \"v1\"\n";
        assert_eq!(
            parse("tem.toml", text).unwrap_err(),
            "tem.toml:4:15: application \"web\" names the environment \"prod\", which the manifest does not define"
        );
        let text = "[environments.dev]\nregion = \"x\"\n";
        let error = parse("tem.toml", text).unwrap_err();
        assert!(error.starts_with("tem.toml:2:1: unknown field `region`"), "{error}");
        let text =
            "[environments.dev]\n[applications.web]\nenvironment = \"dev\"\nversion = \"v1\"\nreplicas = \"2\"\n";
        let error = parse("tem.toml", text).unwrap_err();
        assert!(error.starts_with("tem.toml:5:12: invalid type: string \"2\", expected i64"), "{error}");
    }

    /// The metrics accepted are those the API description lists, no fewer.
    #[test]
    fn the_metrics_are_the_documented_ones() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/tem/2021-07-01/api.en.json");
        let api: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let members = api["objects"]["HorizontalAutoscaler"]["members"].as_array().unwrap();
        let doc = members.iter().find(|m| m["name"] == "Metrics").unwrap()["document"].as_str().unwrap();
        let documented: Vec<&str> = doc.lines().filter_map(|l| l.strip_prefix('`')?.split('`').next()).collect();
        assert_eq!(documented, METRICS);
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_column("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_column("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_column("ab\ncé\nx", 6), (2, 3));
    }
}
