//! Paginators: which actions are recognized (against the committed list), and the listing
//! loop against the local front door: every item once, in order, whatever the page size the
//! service grants; a cap on pages; retries per page; errors end the stream.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pretty_assertions::assert_eq;
use serde_json::{json, Value};
use tem_api::{Config, Credentials, ErrorKind};
use tem_tests::{FrontDoor, FrontDoorOptions, ReceivedRequest, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};
use xtask::{default_targets, load_target, workspace_root};

#[test]
fn recognized_paginators_match_the_committed_list() {
    let root = workspace_root();
    let mut recognized = Vec::new();
    for target in default_targets() {
        let service = load_target(&root, &target).unwrap();
        for pagination in codegen::paginate::paginations(&service) {
            recognized.push(format!("{} {}", target.crate_name, pagination.describe()));
        }
    }
    let committed = std::fs::read_to_string(root.join("tests/data/paginators.txt")).unwrap();
    let committed: Vec<&str> = committed.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    assert_eq!(recognized, committed, "update tests/data/paginators.txt if the change is intended");
}

fn body(request: &ReceivedRequest) -> Value {
    request.body_json().unwrap()
}

/// DescribeApplications over `total` applications, at most `cap` a page whatever `Limit` asks.
fn applications(total: usize, cap: usize) -> impl Fn(&ReceivedRequest) -> Response + Send + Sync + 'static {
    move |request| {
        let body = body(request);
        let offset = body["Offset"].as_u64().unwrap_or(0) as usize;
        let limit = (body["Limit"].as_u64().unwrap_or(20) as usize).min(cap);
        let records: Vec<Value> = (offset..total.min(offset + limit))
            .map(|i| json!({"ApplicationId": format!("app-{i:03}"), "EnvironmentId": "en-1"}))
            .collect();
        let size = records.len();
        Response::ok(json!({"Result": {"Records": records, "Total": total, "Size": size}}))
    }
}

fn ids(items: &[tem_api::types::TemService]) -> Vec<String> {
    items.iter().map(|s| s.application_id.clone()).collect()
}

fn expected_ids(total: usize) -> Vec<String> {
    (0..total).map(|i| format!("app-{i:03}")).collect()
}

#[tokio::test]
async fn items_over_250_applications_in_pages_of_20_yields_each_once() {
    let server = FrontDoor::serving(applications(250, 100)).await;
    let items = server
        .client()
        .describe_applications()
        .environment_id("en-1")
        .limit(20)
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 250);
    assert_eq!(ids(&items).into_iter().collect::<BTreeSet<_>>().len(), 250, "each once");
    assert_eq!(ids(&items), expected_ids(250), "in order");

    let requests = server.requests();
    assert_eq!(requests.len(), 13, "ceil(250 / 20) pages");
    let offsets: Vec<u64> = requests.iter().map(|r| body(r)["Offset"].as_u64().unwrap_or(0)).collect();
    assert_eq!(offsets, (0..13).map(|p| p * 20).collect::<Vec<_>>());
    for request in &requests {
        assert!(request.accepted(), "every page is signed: {:?}", request.verdict);
        assert_eq!(
            (body(request)["EnvironmentId"].as_str(), body(request)["Limit"].as_u64()),
            (Some("en-1"), Some(20))
        );
    }
}

#[tokio::test]
async fn offsets_follow_the_items_received_when_the_service_grants_fewer_than_the_limit() {
    let server = FrontDoor::serving(applications(45, 7)).await;
    let items =
        server.client().describe_applications().limit(20).offset(3).into_paginator().items().try_collect().await;
    assert_eq!(ids(&items.unwrap()), expected_ids(45)[3..].to_vec());
    let offsets: Vec<u64> = server.requests().iter().map(|r| body(r)["Offset"].as_u64().unwrap()).collect();
    assert_eq!(offsets, [3, 10, 17, 24, 31, 38]);
}

#[tokio::test]
async fn max_pages_caps_the_pages_fetched() {
    let server = FrontDoor::serving(applications(250, 100)).await;
    let pages = server.client().describe_applications().limit(20).into_paginator().max_pages(3).pages();
    let pages = pages.try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2].result.records.len(), 20);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn an_empty_page_ends_the_listing_even_when_the_total_says_more() {
    // A wrong total must not make the loop endless.
    let server = FrontDoor::serving(|request| {
        let offset = body(request)["Offset"].as_u64().unwrap_or(0);
        let records = if offset == 0 { vec![json!({"ApplicationId": "app-000"})] } else { vec![] };
        Response::ok(json!({"Result": {"Records": records, "Total": 1000}}))
    })
    .await;
    let items = server.client().describe_applications().into_paginator().items().try_collect().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn each_page_is_retried_like_any_call() {
    // The second page fails once with a retryable error; DescribeApplications is read-only.
    let failures = Arc::new(AtomicUsize::new(0));
    let inner = applications(50, 100);
    let seen = Arc::clone(&failures);
    let server = FrontDoor::serving(move |request| {
        if body(request)["Offset"].as_u64() == Some(20) && seen.fetch_add(1, Ordering::SeqCst) == 0 {
            return Response::service_error("InternalError", "try again");
        }
        inner(request)
    })
    .await;
    let items = server.client().describe_applications().limit(20).into_paginator().items().try_collect().await;
    assert_eq!(ids(&items.unwrap()), expected_ids(50));
    assert_eq!(server.request_count(), 4, "3 pages and one retry");
}

#[tokio::test]
async fn an_error_ends_the_stream_after_the_items_before_it() {
    let inner = applications(50, 100);
    let server = FrontDoor::serving(move |request| {
        if body(request)["Offset"].as_u64() == Some(20) {
            return Response::service_error("ResourceNotFound.EnvironmentNotExist", "gone");
        }
        inner(request)
    })
    .await;
    let mut items = server.client().describe_applications().limit(20).into_paginator().items();
    for _ in 0..20 {
        items.next().await.unwrap().unwrap();
    }
    let err = items.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.code(), Some("ResourceNotFound.EnvironmentNotExist"));
    assert!(items.next().await.is_none(), "the stream ends after an error");
    assert_eq!(server.request_count(), 2);
}

/// DescribeConfigDataList pages by token: `t1`, `t2`, then none.
#[tokio::test]
async fn token_pages_follow_the_continue_token_until_it_is_empty() {
    let server = FrontDoor::serving(|request| {
        let (records, next) = match body(request)["ContinueToken"].as_str() {
            None => (vec!["a", "b"], "t1"),
            Some("t1") => (vec!["c"], "t2"),
            Some("t2") => (vec!["d", "e"], ""),
            Some(other) => panic!("unexpected token {other}"),
        };
        let records: Vec<Value> = records.into_iter().map(|n| json!({"Name": n})).collect();
        Response::ok(json!({"Result": {"Records": records, "ContinueToken": next}}))
    })
    .await;
    let items =
        server.client().describe_config_data_list().environment_id("en-1").into_paginator().items().try_collect().await;
    let names: Vec<String> = items.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    let tokens: Vec<Value> = server.requests().iter().map(|r| body(r)["ContinueToken"].clone()).collect();
    assert_eq!(tokens, [Value::Null, json!("t1"), json!("t2")]);
}

#[tokio::test]
async fn a_repeated_token_ends_the_listing() {
    let server =
        FrontDoor::serving(|_| Response::ok(json!({"Result": {"Records": [{"Name": "a"}], "ContinueToken": "same"}})))
            .await;
    let pages = server.client().describe_config_data_list().environment_id("en-1").into_paginator().pages();
    assert_eq!(pages.try_collect().await.unwrap().len(), 2);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_missing_required_parameter_is_the_only_item_and_nothing_is_sent() {
    let server = FrontDoor::start(FrontDoorOptions::default()).await;
    let mut items = server.client().describe_config_data_list().into_paginator().items();
    let err = items.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("`EnvironmentId`"), "{err}");
    assert!(items.next().await.is_none());
    assert_eq!(server.request_count(), 0);
}

#[test]
fn the_streams_are_futures_streams() {
    fn stream<S: futures_core::Stream + Send>() {}
    type Request = tem_api::operation::describe_applications::DescribeApplicationsRequest;
    stream::<tem_core::paginator::Pages<Request>>();
    stream::<tem_core::paginator::Items<Request>>();
}

/// The page is the reply itself (no `Result` structure) and the total is `TotalCount`: the
/// oddities fixture's DescribeAlarmNotices, taken from a real service.
#[tokio::test]
async fn a_reply_that_is_itself_the_page_pages_too() {
    let server = FrontDoor::start(
        FrontDoorOptions::default()
            .with_service(oddities_api::SERVICE.name, oddities_api::SERVICE.version)
            .with_responder(|request| {
                let offset = body(request)["Offset"].as_u64().unwrap_or(0);
                let notices: Vec<Value> =
                    (offset..7.min(offset + 3)).map(|i| json!({"Name": format!("n{i}"), "Type": "T"})).collect();
                Response::ok(json!({"AlarmNotices": notices, "TotalCount": 7}))
            }),
    )
    .await;
    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region("ap-guangzhou")
        .and_then(|config| config.with_endpoint(&server.endpoint()))
        .unwrap();
    let client = oddities_api::Client::new(config).unwrap();
    let notices = client.describe_alarm_notices().limit(3).into_paginator().items().try_collect().await.unwrap();
    let names: Vec<&str> = notices.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["n0", "n1", "n2", "n3", "n4", "n5", "n6"]);
    assert_eq!(server.request_count(), 3);
}

/// An optional total that is already `i64` (scf's ListAsyncEvents in the oddities fixture) is
/// read as it is; without it, the listing ends at the first empty page.
#[tokio::test]
async fn an_optional_integer_total_ends_the_listing_and_its_absence_an_empty_page() {
    for with_total in [true, false] {
        let server = FrontDoor::start(
            FrontDoorOptions::default()
                .with_service(oddities_api::SERVICE.name, oddities_api::SERVICE.version)
                .with_responder(move |request| {
                    let offset = body(request)["Offset"].as_u64().unwrap_or(0);
                    let events: Vec<Value> = (offset..5.min(offset + 2))
                        .map(|i| json!({"InvokeRequestId": format!("e{i}"), "Status": "FINISHED"}))
                        .collect();
                    let mut reply = json!({"EventList": events});
                    if with_total {
                        reply["TotalCount"] = json!(5);
                    }
                    Response::ok(reply)
                }),
        )
        .await;
        let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
            .with_region("ap-guangzhou")
            .and_then(|config| config.with_endpoint(&server.endpoint()))
            .unwrap();
        let client = oddities_api::Client::new(config).unwrap();
        let events = client
            .list_async_events()
            .function_name("f")
            .limit(2)
            .into_paginator()
            .items()
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<&str> = events.iter().filter_map(|e| e.invoke_request_id.as_deref()).collect();
        assert_eq!(ids, ["e0", "e1", "e2", "e3", "e4"], "with_total: {with_total}");
        // Pages of 2, 2 and 1; without the total, one more (empty) page ends the listing.
        assert_eq!(server.request_count(), if with_total { 3 } else { 4 }, "with_total: {with_total}");
    }
}
