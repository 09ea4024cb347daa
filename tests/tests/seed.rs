//! The seed's action, `RollingUpdateApplicationByVersion`, as the seed page states it: the
//! schema holds it exactly, and the typed API agrees with the schema.

use std::path::Path;

use codegen::schema::Ty;
use codegen::{Service, ServiceFiles, SourceFile};
use pretty_assertions::assert_eq;
use tem_api::operation::rolling_update_application_by_version::{
    RollingUpdateApplicationByVersionError, RollingUpdateApplicationByVersionRequest,
};
use tem_core::{Action, ErrorMetadata, OperationError};

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/tem/2021-07-01").join(file)).unwrap()
}

fn service() -> Service {
    let (api, en, examples, errors, extensions) =
        (read("api.json"), read("api.en.json"), read("examples.json"), read("errors.json"), read("extensions.json"));
    let file = |name, text| Some(SourceFile { name, text });
    Service::load(ServiceFiles {
        api: SourceFile { name: "api.json", text: &api },
        api_en: file("api.en.json", &en),
        examples: file("examples.json", &examples),
        errors: file("errors.json", &errors),
        extensions: file("extensions.json", &extensions),
    })
    .unwrap()
}

/// The seed page's table: name, required, type, description, example.
const PARAMETERS: &[(&str, bool, Ty, &str, &str)] = &[
    ("ApplicationId", true, Ty::String, "应用ID", "app-xxxxxx"),
    ("EnvironmentId", true, Ty::String, "环境ID", "en-xxxxxx"),
    ("DeployVersion", true, Ty::String, "更新版本，IMAGE 部署为 tag 值；JAR/WAR 部署 为 Version", "v1"),
    ("PackageName", false, Ty::String, "JAR/WAR 包名，仅 JAR/WAR 部署时必填", "package-name-xxx.jar"),
    ("From", false, Ty::String, "请求来源平台，含 IntelliJ，Coding", "IntelliJ"),
    (
        "DeployStrategyType",
        false,
        Ty::String,
        "部署策略，AUTO 为全自动；BETA 为小批量验证后自动；MANUAL 为全手动；",
        "AUTO",
    ),
    ("TotalBatchCount", false, Ty::Int64, "发布批次数", "2"),
    ("BatchInterval", false, Ty::Int64, "批次间隔时间", "60"),
    ("BetaBatchNum", false, Ty::Int64, "小批量验证批次的实例数", "1"),
    ("MinAvailable", false, Ty::Int64, "发布过程中保障的最小可用实例数", "1"),
    ("Force", false, Ty::Bool, "是否强制发布", "force"),
];

const ERROR_CODES: [&str; 26] = [
    "InternalError.DefaultInternalError",
    "InternalError.DeployVersionError",
    "InvalidParameterValue.ApmNotBind",
    "InvalidParameterValue.InvalidDeployVersion",
    "InvalidParameterValue.InvalidEnvName",
    "InvalidParameterValue.InvalidMountPath",
    "InvalidParameterValue.JdkVersionRequired",
    "InvalidParameterValue.NamespaceNotBelongToAppid",
    "InvalidParameterValue.OsNotSupport",
    "InvalidParameterValue.RegistryNotBind",
    "InvalidParameterValue.ServiceNotBelongToAppid",
    "InvalidParameterValue.ServicePodReachMaximum",
    "InvalidParameterValue.TemIdInvalid",
    "InvalidParameterValue.VersionLengthLimit",
    "InvalidParameterValue.VersionLowerCase",
    "MissingParameter.DeployModeNull",
    "MissingParameter.DeployVersionNull",
    "MissingParameter.LogsetOrTopicNull",
    "MissingParameter.NamespaceIdNull",
    "MissingParameter.SvcRepoNotReady",
    "ResourceInUse.ServiceDeploying",
    "ResourceNotFound.ServiceNotFound",
    "ResourceNotFound.VersionNamespaceNotFound",
    "ResourceUnavailable.WaitForKruise",
    "UnauthorizedOperation.MissingEksLogRole",
    "UnauthorizedOperation.UnauthorizedOperation",
];

#[test]
fn schema_holds_the_seed_action_as_the_seed_states_it() {
    let service = service();
    let action = service.actions.iter().find(|a| a.wire == "RollingUpdateApplicationByVersion").unwrap();
    assert_eq!(action.title, "更新应用部署版本");
    assert_eq!(action.rate_limit_per_second, Some(20));
    let parameters: Vec<(&str, bool, Ty, &str, &str)> = action
        .input
        .members
        .iter()
        .map(|m| (m.wire.as_str(), m.required, m.ty.clone(), m.doc.as_str(), m.example.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(parameters, PARAMETERS);
    let outputs: Vec<(&str, Ty)> = action.output.members.iter().map(|m| (m.wire.as_str(), m.ty.clone())).collect();
    assert_eq!(outputs, [("Result", Ty::String), ("RequestId", Ty::String)]);
    let codes: Vec<&str> = action.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ERROR_CODES);
    assert_eq!(action.errors[20].description, "服务部署中。");
    let titles: Vec<&str> =
        service.examples.actions["RollingUpdateApplicationByVersion"].iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["应用部署", "部署成功"]);
}

#[test]
#[allow(deprecated)] // The fallback variant itself is under test; users match on `code()`.
fn every_documented_code_has_its_own_variant() {
    for code in ERROR_CODES {
        let error = RollingUpdateApplicationByVersionError::from_metadata(ErrorMetadata::new(code, "m", "r"));
        assert!(
            !matches!(
                error,
                RollingUpdateApplicationByVersionError::Common(_)
                    | RollingUpdateApplicationByVersionError::Unhandled(_)
            ),
            "{code} has no variant of its own"
        );
        assert_eq!((error.code(), error.message(), error.request_id()), (code, "m", "r"));
    }
    let common =
        RollingUpdateApplicationByVersionError::from_metadata(ErrorMetadata::new("RequestLimitExceeded", "m", "r"));
    assert!(matches!(
        common,
        RollingUpdateApplicationByVersionError::Common(tem_core::CommonError::RequestLimitExceeded(_))
    ));
    let unknown = RollingUpdateApplicationByVersionError::from_metadata(ErrorMetadata::new("Brand.NewCode", "m", "r"));
    assert!(matches!(unknown, RollingUpdateApplicationByVersionError::Unhandled(_)));
    assert_eq!(unknown.code(), "Brand.NewCode");
}

#[test]
fn builder_requires_the_three_required_parameters_and_omits_unset_optionals() {
    let missing =
        RollingUpdateApplicationByVersionRequest::builder().application_id("app").deploy_version("v1").build();
    let error = missing.unwrap_err();
    assert_eq!(error.parameter(), "EnvironmentId");
    assert_eq!(
        error.to_string(),
        "required parameter `EnvironmentId` of RollingUpdateApplicationByVersionRequest is not set"
    );

    let request = RollingUpdateApplicationByVersionRequest::builder()
        .application_id("app-xxxxxx")
        .environment_id("en-xxxxxx")
        .deploy_version("v1")
        .total_batch_count(2)
        .build()
        .unwrap();
    assert_eq!(<RollingUpdateApplicationByVersionRequest as Action>::NAME, "RollingUpdateApplicationByVersion");
    assert_eq!(<RollingUpdateApplicationByVersionRequest as Action>::RATE_LIMIT_PER_SECOND, Some(20));
    let read_only = <RollingUpdateApplicationByVersionRequest as Action>::READ_ONLY;
    assert!(!read_only, "a deployment changes state");
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        serde_json::json!({
            "ApplicationId": "app-xxxxxx", "EnvironmentId": "en-xxxxxx", "DeployVersion": "v1", "TotalBatchCount": 2
        })
    );
}

#[test]
fn a_request_without_a_required_parameter_does_not_deserialize() {
    let error = serde_json::from_str::<RollingUpdateApplicationByVersionRequest>(
        r#"{"ApplicationId":"a","DeployVersion":"v"}"#,
    )
    .unwrap_err();
    assert!(error.to_string().contains("missing field `EnvironmentId`"), "{error}");
}
