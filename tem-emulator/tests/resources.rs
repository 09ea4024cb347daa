//! The documents around a deployment, through the SDK's client: created, described, listed
//! (paged), modified and deleted, with the documented error codes.

use pretty_assertions::assert_eq;
use serde_json::{json, Value};
use tem_core::{Client, Config, Credentials, ServiceSpec};
use tem_emulator::schema::check_reply;
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_REGION};

struct Setup {
    _emulator: Emulator,
    client: Client,
    env: String,
    app: String,
}

async fn setup() -> Setup {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let env = emulator.seed_environment("dev").unwrap();
    let app = emulator.seed_application(&env, "web", "v1", 2).unwrap();
    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap();
    let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config).unwrap();
    Setup { _emulator: emulator, client, env, app }
}

impl Setup {
    /// `Ok(Response)` or `Err(code)`.
    async fn call(&self, action: &'static str, body: Value) -> Result<Value, String> {
        let reply = self.client.send_raw(action, body.to_string().into_bytes()).await.unwrap();
        let value: Value = serde_json::from_slice(&reply.body).unwrap();
        match value["Response"]["Error"]["Code"].as_str() {
            Some(code) => Err(code.to_owned()),
            None => {
                let response = value["Response"].as_object().unwrap();
                check_reply(action, response)
                    .unwrap_or_else(|why| panic!("{action}: the reply is not schema-valid: {why}"));
                Ok(value["Response"].clone())
            }
        }
    }
}

#[tokio::test]
async fn config_data_lives_and_pages_by_continue_token() {
    let s = setup().await;
    for i in 0..5 {
        let body = json!({"EnvironmentId": s.env, "Name": format!("cfg-{i}"), "Data": [{"Key": "k", "Value": format!("{i}")}]});
        s.call("CreateConfigData", body).await.unwrap();
    }
    let again = json!({"EnvironmentId": s.env, "Name": "cfg-0", "Data": []});
    assert_eq!(s.call("CreateConfigData", again).await.unwrap_err(), "InvalidParameterValue.ConfigDataAlreadyExist");

    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let page = s
            .call("DescribeConfigDataList", json!({"EnvironmentId": s.env, "Limit": 2, "ContinueToken": token}))
            .await
            .unwrap();
        names.extend(
            page["Result"]["Records"].as_array().unwrap().iter().map(|r| r["Name"].as_str().unwrap().to_owned()),
        );
        token = page["Result"]["ContinueToken"].as_str().unwrap().to_owned();
        if token.is_empty() {
            assert_eq!(page["Result"]["RemainingCount"], 0);
            break;
        }
    }
    assert_eq!(names, ["cfg-0", "cfg-1", "cfg-2", "cfg-3", "cfg-4"]);
    let bad = json!({"EnvironmentId": s.env, "ContinueToken": "forged"});
    assert_eq!(s.call("DescribeConfigDataList", bad).await.unwrap_err(), "InvalidParameterValue");

    let modify = json!({"EnvironmentId": s.env, "Name": "cfg-1", "Data": [{"Key": "k", "Value": "new"}]});
    s.call("ModifyConfigData", modify).await.unwrap();
    let one = s.call("DescribeConfigData", json!({"EnvironmentId": s.env, "Name": "cfg-1"})).await.unwrap();
    // Members the request did not give are there as the official reply has them, empty.
    assert_eq!(one["Result"]["Data"], json!([{"Key": "k", "Value": "new", "Type": "", "Config": "", "Secret": ""}]));
    s.call("DestroyConfigData", json!({"EnvironmentId": s.env, "Name": "cfg-1"})).await.unwrap();
    let gone = s.call("DescribeConfigData", json!({"EnvironmentId": s.env, "Name": "cfg-1"})).await.unwrap_err();
    assert_eq!(gone, "ResourceNotFound.ConfigDataNotFound");
    let nowhere = s.call("DescribeConfigDataList", json!({"EnvironmentId": "en-nothere"})).await.unwrap_err();
    assert_eq!(nowhere, "ResourceNotFound.NamespaceNotFound");
}

#[tokio::test]
async fn log_configs_services_autoscalers_and_ingresses_live_and_die() {
    let s = setup().await;
    let (env, app) = (s.env.clone(), s.app.clone());

    let log = json!({"EnvironmentId": env, "ApplicationId": app, "Name": "stdout", "InputType": "container_stdout", "LogType": "minimalist_log"});
    s.call("CreateLogConfig", log.clone()).await.unwrap();
    assert_eq!(s.call("CreateLogConfig", log).await.unwrap_err(), "InvalidParameterValue.LogConfigAlreadyExist");
    let modify = json!({"EnvironmentId": env, "ApplicationId": app, "Name": "stdout", "Data": {"LogType": "json_log"}});
    s.call("ModifyLogConfig", modify).await.unwrap();
    let got = s
        .call("DescribeLogConfig", json!({"EnvironmentId": env, "ApplicationId": app, "Name": "stdout"}))
        .await
        .unwrap();
    assert_eq!(
        (got["Result"]["LogType"].as_str(), got["Result"]["ApplicationName"].as_str()),
        (Some("json_log"), Some("web"))
    );
    let list = s.call("DescribePagedLogConfigList", json!({"EnvironmentId": env, "ApplicationId": app})).await.unwrap();
    assert_eq!(list["Result"]["Records"].as_array().unwrap().len(), 1);
    s.call("DestroyLogConfig", json!({"EnvironmentId": env, "ApplicationId": app, "Name": "stdout"})).await.unwrap();
    let gone = s.call("DescribeLogConfig", json!({"EnvironmentId": env, "ApplicationId": app, "Name": "stdout"})).await;
    assert_eq!(gone.unwrap_err(), "ResourceNotFound.LogConfigNotFound");

    let service = json!({"ApplicationId": app, "EnvironmentId": env, "Service": {"Type": "CLUSTER", "ServiceName": "web-svc", "PortMappingItemList": [{"Port": 80, "TargetPort": 8080, "Protocol": "TCP"}]}});
    s.call("CreateApplicationService", service.clone()).await.unwrap();
    assert_eq!(
        s.call("CreateApplicationService", service).await.unwrap_err(),
        "InvalidParameterValue.ApplicationServiceAlreadyExist"
    );
    let services =
        s.call("DescribeApplicationServiceList", json!({"ApplicationId": app, "EnvironmentId": env})).await.unwrap();
    assert_eq!(services["Result"]["ServicePortMappingList"][0]["ServiceName"], "web-svc");
    s.call("DeleteApplicationService", json!({"ApplicationId": app, "EnvironmentId": env, "ServiceName": "web-svc"}))
        .await
        .unwrap();
    let gone = s
        .call("DeleteApplicationService", json!({"ApplicationId": app, "EnvironmentId": env, "ServiceName": "web-svc"}))
        .await;
    assert_eq!(gone.unwrap_err(), "InvalidParameterValue.ApplicationServiceNotFound");

    let scaler = json!({"ApplicationId": app, "EnvironmentId": env, "Autoscaler": {"MinReplicas": 1, "MaxReplicas": 4, "AutoscalerName": "cpu"}});
    let id = s.call("CreateApplicationAutoscaler", scaler).await.unwrap()["Result"].as_str().unwrap().to_owned();
    assert!(id.starts_with("autoscaler-"), "{id}");
    let ids = json!({"ApplicationId": app, "EnvironmentId": env, "AutoscalerId": id});
    s.call("EnableApplicationAutoscaler", ids.clone()).await.unwrap();
    assert_eq!(
        s.call("DeleteApplicationAutoscaler", ids.clone()).await.unwrap_err(),
        "InvalidParameterValue.DisableScalerBeforeDelete"
    );
    let inverted = json!({"ApplicationId": app, "EnvironmentId": env, "AutoscalerId": id, "Autoscaler": {"MinReplicas": 5, "MaxReplicas": 2}});
    assert_eq!(
        s.call("ModifyApplicationAutoscaler", inverted).await.unwrap_err(),
        "InvalidParameterValue.HpaMinMaxInvalid"
    );
    s.call("DisableApplicationAutoscaler", ids.clone()).await.unwrap();
    s.call("DeleteApplicationAutoscaler", ids).await.unwrap();
    let list =
        s.call("DescribeApplicationAutoscalerList", json!({"ApplicationId": app, "EnvironmentId": env})).await.unwrap();
    assert_eq!(list["Result"], json!([]));

    let ingress = json!({"Ingress": {"EnvironmentId": env, "ClusterNamespace": "default", "IngressName": "web-in", "AddressIPVersion": "IPV4", "ClbId": "", "Rules": [{"Http": {"Paths": [{"Path": "/", "Backend": {"ServiceName": "web", "ServicePort": 80}}]}}]}});
    s.call("ModifyIngress", ingress).await.unwrap();
    let related = s
        .call(
            "DescribeRelatedIngresses",
            json!({"EnvironmentId": env, "ClusterNamespace": "default", "ApplicationId": app}),
        )
        .await
        .unwrap();
    assert_eq!(related["Result"][0]["IngressName"], "web-in");
    let one = json!({"EnvironmentId": env, "ClusterNamespace": "default", "IngressName": "web-in"});
    s.call("DeleteIngress", one.clone()).await.unwrap();
    assert_eq!(s.call("DescribeIngress", one).await.unwrap_err(), "ResourceNotFound");
}

#[tokio::test]
async fn every_modelled_environment_application_and_rollout_reply_is_schema_valid() {
    let s = setup().await;
    let (env, app) = (s.env.clone(), s.app.clone());
    let ids = json!({"ApplicationId": app, "EnvironmentId": env});
    let created = s.call("CreateEnvironment", json!({"EnvironmentName": "qa", "Description": "d"})).await.unwrap();
    let qa = created["Result"].as_str().unwrap().to_owned();
    s.call("ModifyEnvironment", json!({"EnvironmentId": qa, "Description": "e"})).await.unwrap();
    s.call("DescribeEnvironment", json!({"EnvironmentId": env})).await.unwrap();
    let page = s.call("DescribeEnvironments", json!({"Limit": 1, "Offset": 1})).await.unwrap();
    assert_eq!((page["Result"]["Total"].clone(), page["Result"]["Records"].as_array().unwrap().len()), (json!(2), 1));
    s.call("DescribeEnvironmentStatus", json!({"EnvironmentIds": [env, qa]})).await.unwrap();
    s.call("DestroyEnvironment", json!({"EnvironmentId": qa})).await.unwrap();
    let other = s.call("CreateApplication", json!({"ApplicationName": "api", "Description": "d"})).await.unwrap();
    let other = other["Result"].as_str().unwrap().to_owned();
    s.call("ModifyApplicationInfo", json!({"ApplicationId": other, "Description": "e"})).await.unwrap();
    let deploy = json!({"ApplicationId": other, "EnvironmentId": env, "InitPodNum": 2, "CpuSpec": 0.5, "MemorySpec": 1, "DeployVersion": "v1"});
    s.call("DeployApplication", deploy).await.unwrap();
    s.call("DescribeApplications", json!({"EnvironmentId": env})).await.unwrap();
    s.call("DescribeApplicationInfo", ids.clone()).await.unwrap();
    s.call("DescribeApplicationsStatus", json!({"EnvironmentId": env})).await.unwrap();
    let pods = s
        .call("DescribeApplicationPods", json!({"ApplicationId": app, "EnvironmentId": env, "Limit": 1}))
        .await
        .unwrap();
    assert_eq!(
        (pods["Result"]["TotalCount"].clone(), pods["Result"]["PodList"].as_array().unwrap().len()),
        (json!(2), 1)
    );
    let pod = pods["Result"]["PodList"][0]["PodId"].as_str().unwrap().to_owned();
    s.call("RestartApplicationPod", json!({"ApplicationId": app, "EnvironmentId": env, "PodName": pod})).await.unwrap();
    s.call("ModifyApplicationReplicas", json!({"ApplicationId": app, "EnvironmentId": env, "Replicas": 3}))
        .await
        .unwrap();
    let update = json!({"ApplicationId": app, "EnvironmentId": env, "DeployVersion": "v2", "DeployStrategyType": "BETA", "TotalBatchCount": 2});
    s.call("RollingUpdateApplicationByVersion", update).await.unwrap();
    let detail = s.call("DescribeDeployApplicationDetail", ids.clone()).await.unwrap();
    assert_eq!(detail["Result"]["Status"], "Running");
    s.call("RevertDeployApplication", ids.clone()).await.unwrap();
    assert_eq!(s.call("ResumeDeployApplication", ids.clone()).await.unwrap_err(), "FailedOperation");
    s._emulator.advance(std::time::Duration::from_secs(10));
    s.call("DescribeDeployApplicationDetail", ids.clone()).await.unwrap();
    s.call("StopApplication", ids.clone()).await.unwrap();
    let stopped = s.call("DescribeApplicationPods", ids.clone()).await.unwrap();
    assert_eq!(stopped["Result"]["TotalCount"], 0);
    s.call("RestartApplication", ids.clone()).await.unwrap();
    let restarted = s.call("DescribeApplicationPods", ids.clone()).await.unwrap();
    assert_eq!(restarted["Result"]["TotalCount"], 3);
    s.call("DeleteApplication", ids).await.unwrap();
    let gone = s.call("DescribeApplicationInfo", json!({"ApplicationId": app})).await.unwrap_err();
    assert_eq!(gone, "ResourceNotFound.ServiceNotFound");
}

/// What a deploy sets is what `DescribeApplicationInfo` answers (as TEM shapes it: the image
/// repository in `ImgName`, the tag in `ImgVersion`), a rolling update keeps it, and the next
/// `DeployApplication` replaces it whole.
#[tokio::test]
async fn a_deploy_s_settings_are_described_back() {
    let s = setup().await;
    let created = s
        .call("CreateApplication", json!({"ApplicationName": "img", "Description": "", "DeployMode": "IMAGE"}))
        .await
        .unwrap();
    let app = created["Result"].as_str().unwrap().to_owned();
    let ids = json!({"ApplicationId": app, "EnvironmentId": s.env});
    let probe = json!({"Type": "HttpGet", "Protocol": "HTTP", "Path": "/healthz", "Port": 8080, "InitialDelaySeconds": 5, "TimeoutSeconds": 1, "PeriodSeconds": 10});
    let deploy = json!({
        "ApplicationId": app, "EnvironmentId": s.env, "DeployVersion": "1.4.2", "InitPodNum": 2,
        "CpuSpec": 1, "MemorySpec": 2, "DeployMode": "IMAGE", "ImgRepo": "team/web",
        "RepoServer": "ccr.ccs.tencentyun.com", "RepoType": 0, "JvmOpts": "-Xmx1g",
        "EnvConf": [{"Key": "LOG_LEVEL", "Value": "info"}, {"Key": "REGION", "Value": "gz", "Type": "default"}],
        "PostStart": "echo up", "PreStop": "sleep 5", "Liveness": probe, "Readiness": probe,
        "SecurityGroupIds": ["sg-1"],
    });
    s.call("DeployApplication", deploy).await.unwrap();
    s._emulator.advance(std::time::Duration::from_secs(60));
    let info = s.call("DescribeApplicationInfo", ids.clone()).await.unwrap()["Result"].clone();
    let pair =
        |key: &str, value: &str| json!({"Key": key, "Value": value, "Type": "default", "Config": "", "Secret": ""});
    assert_eq!(info["EnvConf"], json!([pair("LOG_LEVEL", "info"), pair("REGION", "gz")]));
    assert_eq!(
        [
            &info["ImgRepo"],
            &info["ImgName"],
            &info["ImgVersion"],
            &info["ImageTag"],
            &info["RepoServer"],
            &info["RepoType"]
        ],
        [&json!(""), &json!("team/web"), &json!("1.4.2"), &json!("1.4.2"), &json!("ccr.ccs.tencentyun.com"), &json!(0)]
    );
    assert_eq!(
        [&info["CpuSpec"], &info["MemorySpec"], &info["DeployMode"]],
        [&json!(1.0), &json!(2.0), &json!("IMAGE")]
    );
    assert_eq!(
        [&info["JvmOpts"], &info["PostStart"], &info["PreStop"]],
        [&json!("-Xmx1g"), &json!("echo up"), &json!("sleep 5")]
    );
    assert_eq!((&info["Liveness"], &info["Readiness"], &info["StartupProbe"]), (&probe, &probe, &Value::Null));
    assert_eq!(info["SecurityGroupIds"], json!(["sg-1"]));

    // A rolling update changes the version only.
    let update = json!({"ApplicationId": app, "EnvironmentId": s.env, "DeployVersion": "1.5.0"});
    s.call("RollingUpdateApplicationByVersion", update).await.unwrap();
    s._emulator.advance(std::time::Duration::from_secs(60));
    let info = s.call("DescribeApplicationInfo", ids.clone()).await.unwrap()["Result"].clone();
    assert_eq!((&info["ImgName"], &info["ImgVersion"]), (&json!("team/web"), &json!("1.5.0")));
    assert_eq!(info["EnvConf"].as_array().unwrap().len(), 2);

    // A deploy from a package: TEM builds the image into its own repository, and the next
    // deploy's settings replace the last ones whole.
    let deploy = json!({
        "ApplicationId": app, "EnvironmentId": s.env, "DeployVersion": "2.0", "InitPodNum": 2,
        "CpuSpec": 0.5, "MemorySpec": 1, "DeployMode": "JAR", "PkgName": "/web-2.0.jar", "JdkVersion": "KONA:11",
    });
    s.call("DeployApplication", deploy).await.unwrap();
    s._emulator.advance(std::time::Duration::from_secs(60));
    let info = s.call("DescribeApplicationInfo", ids).await.unwrap()["Result"].clone();
    assert_eq!(
        [&info["PkgName"], &info["DeployMode"], &info["JdkVersion"]],
        [&json!("/web-2.0.jar"), &json!("JAR"), &json!("KONA:11")]
    );
    assert_eq!(
        [&info["ImgRepo"], &info["ImgVersion"], &info["EnvConf"], &info["JvmOpts"]],
        [&json!(""), &json!("2.0"), &json!([]), &json!("")]
    );
    assert!(info["ImgName"].as_str().unwrap().ends_with("/img"), "{}", info["ImgName"]);
    assert_eq!((&info["Liveness"], &info["CpuSpec"]), (&Value::Null, &json!(0.5)));
}

/// A revert brings back the previous deploy's pod template (CPU, memory, package, variables,
/// image...) with its version, as Kubernetes' rollback does; the pod count stays.
#[tokio::test]
async fn a_revert_restores_the_previous_deploy_s_settings() {
    let s = setup().await;
    s._emulator.crash_loop("v-bad", "Back-off restarting failed container");
    let deploy = |version: &str, cpu: f64, value: &str| {
        json!({
            "ApplicationId": s.app, "EnvironmentId": s.env, "DeployVersion": version, "InitPodNum": 2,
            "CpuSpec": cpu, "MemorySpec": 1, "ImgRepo": format!("team/{value}"), "EnvConf": [{"Key": "K", "Value": value}],
        })
    };
    let ids = json!({"ApplicationId": s.app, "EnvironmentId": s.env});
    s.call("DeployApplication", deploy("v2", 1.0, "good")).await.unwrap();
    s._emulator.advance(std::time::Duration::from_secs(60));
    s.call("DeployApplication", deploy("v-bad", 2.0, "bad")).await.unwrap();
    s._emulator.advance(std::time::Duration::from_secs(60));
    let detail = s.call("DescribeDeployApplicationDetail", ids.clone()).await.unwrap();
    assert_eq!(detail["Result"]["Status"], "Error");
    s.call("RevertDeployApplication", ids.clone()).await.unwrap();
    s._emulator.advance(std::time::Duration::from_secs(60));
    let info = s.call("DescribeApplicationInfo", ids).await.unwrap()["Result"].clone();
    assert_eq!(
        [&info["DeployVersion"], &info["CpuSpec"], &info["ImgName"], &info["EnvConf"][0]["Value"]],
        [&json!("v2"), &json!(1.0), &json!("team/good"), &json!("good")]
    );
}
