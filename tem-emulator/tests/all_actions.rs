//! Every one of the 51 actions is modelled: a scenario calls each with parameters taken from its
//! official example (ids and names made to match what the scenario created), and each answers
//! from the model (the request log says `Modelled`, no error), with a reply that is schema-valid
//! and has every key path of its official example reply.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};
use tem_core::{Client, Config, Credentials, RetryPolicy, ServiceSpec};
use tem_emulator::{replies, schema, Emulator, EmulatorOptions, DEFAULT_REGION};

const TEM: ServiceSpec = ServiceSpec::new("tem", "2021-07-01");

struct Scenario {
    emulator: Emulator,
    client: Client,
    examples: Value,
    failures: Vec<String>,
    called: BTreeSet<String>,
}

/// Replaces, at any depth, the value of each member named in `set`.
fn patch(value: &mut Value, set: &[(&str, Value)]) {
    match value {
        Value::Object(map) => {
            for (name, member) in map.iter_mut() {
                match set.iter().find(|(n, _)| n == name) {
                    Some((_, new)) => *member = new.clone(),
                    None => patch(member, set),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| patch(item, set)),
        _ => {}
    }
}

impl Scenario {
    /// The first official example request of `action`.
    fn example(&self, action: &str) -> Value {
        let input = self.examples["actions"][action][0]["input"].as_str().unwrap();
        serde_json::from_str(input.split_once("\n\n").unwrap().1).unwrap()
    }

    /// Calls `action` with its example request patched by `set` and extended by `add`; records a
    /// failure unless the model answered it without an error and as fully as the example.
    async fn call(&mut self, action: &'static str, set: &[(&str, Value)], add: Value) -> Value {
        let mut body = self.example(action);
        patch(&mut body, set);
        if let (Value::Object(body), Value::Object(add)) = (&mut body, add) {
            body.extend(add);
        }
        let reply = self.client.send_raw(action, body.to_string().into_bytes()).await.unwrap();
        let value: Value = serde_json::from_slice(&reply.body).unwrap();
        let response = value["Response"].clone();
        self.called.insert(action.to_owned());
        let logged = self.emulator.requests().pop().unwrap();
        if !response["Error"].is_null() || !logged.modelled {
            self.failures.push(format!("{action}: {} (modelled: {})", response["Error"], logged.modelled));
            return response;
        }
        if let Err(why) = schema::check_reply(action, response.as_object().unwrap()) {
            self.failures.push(format!("{action}: not schema-valid: {why}"));
        }
        let missing = replies::missing_paths(action, &response);
        if !missing.is_empty() {
            self.failures.push(format!("{action}: lacks {missing:?}"));
        }
        response
    }
}

#[tokio::test]
async fn all_51_actions_are_modelled_and_reply_as_fully_as_the_official_examples() {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap()
        .with_retry_policy(RetryPolicy::disabled());
    let client = Client::new(TEM, config).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/tem/2021-07-01/examples.json");
    let examples = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut s = Scenario { emulator, client, examples, failures: Vec::new(), called: BTreeSet::new() };
    let minute = Duration::from_secs(60);

    // Environments.
    let env = s.call("CreateEnvironment", &[("EnvironmentName", json!("all"))], json!({})).await["Result"].clone();
    let ids_env = [("EnvironmentId", env.clone())];
    s.call("DescribeEnvironment", &ids_env, json!({})).await;
    s.call("DescribeEnvironments", &[], json!({})).await;
    s.call("DescribeEnvironmentStatus", &[("EnvironmentIds", json!([env]))], json!({})).await;
    s.call("ModifyEnvironment", &[("EnvironmentId", env.clone()), ("EnvironmentName", json!("all"))], json!({})).await;

    // An application, deployed, rolled out, resumed, reverted, scaled, restarted.
    let app = s.call("CreateApplication", &[("ApplicationName", json!("all-app"))], json!({})).await["Result"].clone();
    let ids = [("EnvironmentId", env.clone()), ("ApplicationId", app.clone())];
    let deploy = [ids[0].clone(), ids[1].clone(), ("InitPodNum", json!(2)), ("DeployVersion", json!("v1"))];
    s.call("DeployApplication", &deploy, json!({})).await;
    s.emulator.advance(minute);
    s.call("DescribeApplications", &[], json!({})).await;
    s.call("DescribeApplicationInfo", &ids, json!({})).await;
    s.call("DescribeApplicationsStatus", &ids_env, json!({})).await;
    let no_filter = [ids[0].clone(), ids[1].clone(), ("PodName", json!("")), ("Status", json!(""))];
    let pods = s.call("DescribeApplicationPods", &no_filter, json!({})).await;
    assert_eq!(pods["Result"]["TotalCount"], 2, "{pods}");
    s.call("ModifyApplicationInfo", &[("ApplicationId", app.clone())], json!({})).await;
    let update = [
        ids[0].clone(),
        ids[1].clone(),
        ("DeployVersion", json!("v2")),
        ("DeployStrategyType", json!("MANUAL")),
        ("TotalBatchCount", json!(2)),
    ];
    s.call("RollingUpdateApplicationByVersion", &update, json!({})).await;
    s.emulator.advance(minute);
    s.call("DescribeDeployApplicationDetail", &[ids[0].clone(), ids[1].clone(), ("VersionId", json!(""))], json!({}))
        .await;
    s.call("ResumeDeployApplication", &ids, json!({})).await;
    s.call("RevertDeployApplication", &ids, json!({})).await;
    s.emulator.advance(minute);
    s.call("ModifyApplicationReplicas", &[ids[0].clone(), ids[1].clone(), ("Replicas", json!(3))], json!({})).await;
    s.call("RestartApplication", &ids, json!({})).await;
    let pods = s.call("DescribeApplicationPods", &no_filter, json!({})).await;
    let pod = pods["Result"]["PodList"][0]["PodId"].clone();
    s.call("RestartApplicationPod", &[ids[0].clone(), ids[1].clone(), ("PodName", pod)], json!({})).await;

    // Config data.
    let name = [("EnvironmentId", env.clone()), ("Name", json!("cfg"))];
    s.call("CreateConfigData", &name, json!({})).await;
    s.call("DescribeConfigData", &name, json!({})).await;
    s.call(
        "DescribeConfigDataList",
        &[ids_env[0].clone(), ("ContinueToken", json!("")), ("Limit", json!(10))],
        json!({}),
    )
    .await;
    s.call("ModifyConfigData", &name, json!({})).await;

    // Log configs.
    let log = [ids[0].clone(), ids[1].clone(), ("Name", json!("logs"))];
    s.call("CreateLogConfig", &log, json!({})).await;
    s.call("DescribeLogConfig", &log, json!({})).await;
    let paged = [
        ids[0].clone(),
        ids[1].clone(),
        ("Name", json!("logs")),
        ("ApplicationName", json!("all-app")),
        ("ContinueToken", json!("")),
        ("Limit", json!(10)),
    ];
    s.call("DescribePagedLogConfigList", &paged, json!({})).await;
    s.call("ModifyLogConfig", &log, json!({})).await;

    // Services.
    let service = [ids[0].clone(), ids[1].clone(), ("ServiceName", json!("web")), ("Name", json!("web"))];
    s.call("CreateApplicationService", &service, json!({})).await;
    s.call("DescribeApplicationServiceList", &ids, json!({})).await;
    s.call("ModifyApplicationService", &service, json!({})).await;

    // Autoscalers.
    let scaler = s.call("CreateApplicationAutoscaler", &ids, json!({})).await["Result"].clone();
    s.call("DescribeApplicationAutoscalerList", &ids, json!({})).await;
    let with_scaler = [ids[0].clone(), ids[1].clone(), ("AutoscalerId", scaler)];
    s.call("ModifyApplicationAutoscaler", &with_scaler, json!({})).await;
    s.call("EnableApplicationAutoscaler", &with_scaler, json!({})).await;
    s.call("DisableApplicationAutoscaler", &with_scaler, json!({})).await;

    // Ingresses.
    let ingress = [
        ("EnvironmentId", env.clone()),
        ("ClusterNamespace", json!("default")),
        ("IngressName", json!("edge")),
        ("ServiceName", json!("all-app")),
    ];
    s.call("ModifyIngress", &ingress, json!({})).await;
    s.call("DescribeIngress", &ingress, json!({})).await;
    s.call(
        "DescribeIngresses",
        &[ingress[0].clone(), ingress[1].clone(), ("IngressNames", json!(["edge"]))],
        json!({}),
    )
    .await;
    s.call("DescribeRelatedIngresses", &[ingress[0].clone(), ingress[1].clone(), ids[1].clone()], json!({})).await;
    s.call("ModifyGatewayIngress", &[("EnvironmentId", env.clone())], json!({})).await;

    // Packages and resources.
    s.call("CreateCosToken", &[("ApplicationId", app.clone())], json!({})).await;
    s.call("GenerateApplicationPackageDownloadUrl", &[("ApplicationId", app.clone())], json!({})).await;
    s.call("CreateResource", &ids_env, json!({})).await;

    // Tearing down.
    s.call("DeleteIngress", &ingress, json!({})).await;
    s.call("DeleteApplicationAutoscaler", &with_scaler, json!({})).await;
    s.call("DeleteApplicationService", &service, json!({})).await;
    s.call("DestroyLogConfig", &log, json!({})).await;
    s.call("DestroyConfigData", &name, json!({})).await;
    s.call("StopApplication", &ids, json!({})).await;
    s.call(
        "DeleteApplication",
        &[ids[0].clone(), ids[1].clone(), ("DeleteApplicationIfNoRunningVersion", json!(false))],
        json!({}),
    )
    .await;
    s.call("DestroyEnvironment", &ids_env, json!({})).await;

    let all: BTreeSet<String> = schema::schema().actions.keys().cloned().collect();
    let uncalled: Vec<&String> = all.difference(&s.called).collect();
    assert!(uncalled.is_empty(), "not called: {uncalled:?}");
    assert_eq!(s.called.len(), 51);
    assert!(s.failures.is_empty(), "{} failures:\n{}", s.failures.len(), s.failures.join("\n"));
}
