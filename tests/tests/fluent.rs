//! Fluent calls (`client.action().param(value).send()`): every action's fluent builder is
//! visited against the local front door, and the seed's fluent call sends what the
//! build-then-send form sends.

use pretty_assertions::assert_eq;
use serde_json::json;
use tem_api::{CallOptions, ErrorKind};
use tem_core::Action;
use tem_tests::{examples_responder, FrontDoor, FrontDoorOptions, Response};

/// Every action: its fluent builder with no parameter set either refuses to send, naming the
/// first required parameter as `build` does, or (no parameter is required) sends `{}` as that
/// action and decodes the official example's reply.
#[allow(deprecated)] // ModifyIngress is deprecated in the API description, and visited too.
mod every_action {
    use super::*;
    use pretty_assertions::assert_eq;

    macro_rules! for_each_action {
        ($($module:ident => $request:ty,)*) => {
            $(
                #[tokio::test]
                async fn $module() {
                    let server = FrontDoor::start(FrontDoorOptions::default().with_responder(examples_responder())).await;
                    let outcome = server.client().$module().send().await;
                    match <$request>::builder().build() {
                        Err(missing) => {
                            let err = outcome.expect_err("a required parameter is not set");
                            assert_eq!(err.kind(), ErrorKind::InvalidRequest);
                            assert_eq!(err.action(), Some(<$request as Action>::NAME));
                            assert!(err.to_string().contains(&format!("`{}`", missing.parameter())), "{err}");
                            assert_eq!(server.request_count(), 0, "nothing is sent");
                        }
                        Ok(_) => {
                            outcome.expect("no parameter is required, and the example reply decodes");
                            let requests = server.requests();
                            assert_eq!(requests.len(), 1);
                            assert_eq!(requests[0].action(), Some(<$request as Action>::NAME));
                            assert_eq!(requests[0].body_json(), Some(json!({})));
                            assert!(requests[0].accepted(), "{:?}", requests[0].verdict);
                        }
                    }
                }
            )*
        };
    }

    include!("examples/tem_api_actions.rs");
}

#[tokio::test]
async fn the_seed_fluent_call_sends_what_build_then_send_sends() {
    let server = FrontDoor::start(FrontDoorOptions::default().with_responder(examples_responder())).await;
    let client = server.client();
    let fluent = client
        .rolling_update_application_by_version()
        .application_id("app-1")
        .environment_id("en-1")
        .deploy_version("v2")
        .deploy_strategy_type("BETA")
        .total_batch_count(3)
        .send()
        .await
        .unwrap();
    let request =
        tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest::builder()
            .application_id("app-1")
            .environment_id("en-1")
            .deploy_version("v2")
            .deploy_strategy_type("BETA")
            .total_batch_count(3)
            .build()
            .unwrap();
    let built = client.send(&request).await.unwrap();
    assert_eq!(fluent, built);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(
        requests[0].body_json(),
        Some(json!({
            "ApplicationId": "app-1", "EnvironmentId": "en-1", "DeployVersion": "v2",
            "DeployStrategyType": "BETA", "TotalBatchCount": 3
        }))
    );
}

#[tokio::test]
async fn a_fluent_call_missing_a_required_parameter_names_it_and_sends_nothing() {
    let server = FrontDoor::start(FrontDoorOptions::default()).await;
    let err = server
        .client()
        .rolling_update_application_by_version()
        .application_id("app-1")
        .deploy_version("v2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.attempts(), 0);
    assert_eq!(
        err.to_string(),
        "RollingUpdateApplicationByVersion: invalid request: required parameter `EnvironmentId` of \
         RollingUpdateApplicationByVersionRequest is not set"
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn send_with_passes_the_call_options() {
    // InternalError is retried for an action that changes something only when the call says
    // resending is safe.
    let server = FrontDoor::serving(|_| Response::service_error("InternalError", "try again")).await;
    let client = server.client();
    let call = || {
        client
            .rolling_update_application_by_version()
            .application_id("app-1")
            .environment_id("en-1")
            .deploy_version("v2")
    };
    let plain = call().send().await.unwrap_err();
    assert_eq!(plain.attempts(), 1);
    let retried = call().send_with(CallOptions::new().with_retry_after_dispatch(true)).await.unwrap_err();
    assert_eq!(retried.attempts(), 3);
    assert_eq!(server.request_count(), 4);
}
