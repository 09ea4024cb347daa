//! Fault injection against the local front door (`tem_tests::FrontDoor`): for each fault, the
//! exact error kind the call returns and the number of requests the server received, for an
//! action that changes nothing (`DescribeApplications`) and one that changes something
//! (`RollingUpdateApplicationByVersion`, 20 requests a second at most).
//!
//! Retries use tiny delays here (1–5 ms) so the whole suite runs in a few seconds; the rules
//! are the ones of the default policy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use serde_json::json;
use tem_api::operation::describe_applications::{DescribeApplicationsError, DescribeApplicationsRequest};
use tem_api::operation::rolling_update_application_by_version::{
    RollingUpdateApplicationByVersionError as RollingUpdateError, RollingUpdateApplicationByVersionRequest,
    RollingUpdateApplicationByVersionResponse,
};
use tem_api::{Client, CommonError, Config, Credentials, Error, ErrorKind};
use tem_core::{Action, CallOptions, RetryPolicy};
use tem_tests::{FrontDoor, FrontDoorOptions, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

/// Three attempts, as by default, with waits of at most 1, 2 (… up to 5) ms.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::new().with_base_delay(Duration::from_millis(1)).with_max_delay(Duration::from_millis(5))
}

fn config(server: &FrontDoor) -> Config {
    config_for(&server.endpoint())
}

fn config_for(endpoint: &str) -> Config {
    Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(endpoint)
        .unwrap()
        .with_retry_policy(fast_retries())
}

fn rolling_update() -> RollingUpdateApplicationByVersionRequest {
    RollingUpdateApplicationByVersionRequest::builder()
        .application_id("app-xxxxxx")
        .environment_id("en-xxxxxx")
        .deploy_version("v1")
        .deploy_strategy_type("AUTO")
        .build()
        .unwrap()
}

type MutatingResult = Result<RollingUpdateApplicationByVersionResponse, Error<RollingUpdateError>>;

async fn mutating(config: Config) -> MutatingResult {
    Client::new(config).unwrap().send(&rolling_update()).await
}

async fn read_only(config: Config) -> Result<(), Error<DescribeApplicationsError>> {
    let request = DescribeApplicationsRequest::builder().build().unwrap();
    Client::new(config).unwrap().send(&request).await.map(|_| ())
}

/// A front door answering every request with `response`.
async fn serving(response: Response) -> FrontDoor {
    FrontDoor::serving(move |_| response.clone()).await
}

/// The fault against both actions: (kind, requests received) for the read-only one, then for
/// the mutating one. Each gets a front door of its own.
async fn against_both(response: Response) -> [(ErrorKind, usize, u32); 2] {
    let server = serving(response.clone()).await;
    let err = read_only(config(&server)).await.expect_err("the read-only call must fail");
    let first = (err.kind(), server.request_count(), err.attempts());
    let server = serving(response).await;
    let err = mutating(config(&server)).await.expect_err("the mutating call must fail");
    [first, (err.kind(), server.request_count(), err.attempts())]
}

// The two actions are what this suite says they are.
const _: () = assert!(<DescribeApplicationsRequest as Action>::READ_ONLY);
const _: () = assert!(!<RollingUpdateApplicationByVersionRequest as Action>::READ_ONLY);

#[test]
fn the_mutating_action_has_the_documented_rate_limit() {
    assert_eq!(<RollingUpdateApplicationByVersionRequest as Action>::RATE_LIMIT_PER_SECOND, Some(20));
}

// ---------------------------------------------------------------------------------------------
// The connection
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn connection_reset_before_a_reply_is_resent_only_for_the_read_only_action() {
    let outcomes = against_both(Response::reset()).await;
    assert_eq!(outcomes, [(ErrorKind::Dispatch, 3, 3), (ErrorKind::Dispatch, 1, 1)]);
}

#[tokio::test]
async fn mutating_action_reset_after_the_request_was_read_is_not_resent_unless_the_caller_opts_in() {
    let server = serving(Response::reset()).await;
    let err = mutating(config(&server)).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count()), (ErrorKind::Dispatch, 1));
    assert!(server.requests()[0].accepted(), "the request was read and accepted before the reset");
    assert!(err.to_string().contains("may have received the request"), "{err}");

    let server = serving(Response::reset()).await;
    let client = Client::new(config(&server)).unwrap();
    let options = CallOptions::new().with_retry_after_dispatch(true);
    let err = client.core().send_with(&rolling_update(), options).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count(), err.attempts()), (ErrorKind::Dispatch, 3, 3));
    assert!(err.to_string().contains("[after 3 attempts]"), "{err}");
}

#[tokio::test]
async fn reply_cut_short_in_transit_is_a_dispatch_error_resent_only_for_the_read_only_action() {
    let outcomes = against_both(Response::cut_short(r#"{"Response":{"Result":"#, 4096)).await;
    assert_eq!(outcomes, [(ErrorKind::Dispatch, 3, 3), (ErrorKind::Dispatch, 1, 1)]);
}

/// A server that reads each request whole, then closes the connection cleanly (FIN, no
/// reset: nothing is left unread) without a word; it counts the requests it read.
async fn closing_after_reading() -> (String, Arc<AtomicUsize>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let read = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&read);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // The head, then as many body bytes as it declares.
                loop {
                    let Ok(n @ 1..) = stream.read(&mut buffer).await else { return };
                    request.extend_from_slice(&buffer[..n]);
                    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let declared = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .and_then(|n| n.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + declared {
                        break;
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            });
        }
    });
    (endpoint, read)
}

#[tokio::test]
async fn mutating_request_read_then_closed_cleanly_without_a_reply_is_sent_once_and_fails_as_dispatch() {
    let (endpoint, read) = closing_after_reading().await;
    let err = tokio::time::timeout(Duration::from_secs(10), mutating(config_for(&endpoint)))
        .await
        .expect("no hang")
        .unwrap_err();
    assert_eq!((err.kind(), read.load(Ordering::SeqCst), err.attempts()), (ErrorKind::Dispatch, 1, 1));
    assert!(err.to_string().contains("may have received the request"), "{err}");
}

#[tokio::test]
async fn refused_connection_is_a_connect_error_retried_for_every_action() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let err = mutating(config_for(&endpoint)).await.unwrap_err();
    // No server: the attempts are the count of requests that never left.
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Connect, 3));
    let err = read_only(config_for(&endpoint)).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Connect, 3));
    assert!(std::error::Error::source(&err).is_some(), "the transport error is the source");
}

#[tokio::test]
async fn reply_slower_than_the_timeout_is_a_timeout_resent_only_for_the_read_only_action() {
    let slow = Response::delay(Duration::from_secs(5), Response::ok(json!({})));
    let timeout = Duration::from_millis(150);
    let started = Instant::now();
    let server = serving(slow.clone()).await;
    let err = mutating(config(&server).with_timeout(timeout)).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count()), (ErrorKind::Timeout, 1));
    let server = serving(slow).await;
    let err = read_only(config(&server).with_timeout(timeout)).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count()), (ErrorKind::Timeout, 3));
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn huge_reply_is_refused_unread_and_not_retried() {
    // Declared: a terabyte, refused from the header.
    let declared = Response::raw(200, [("Content-Length", "1099511627776"), ("Connection", "close")], "{}");
    let outcomes = against_both(declared).await;
    assert_eq!(outcomes, [(ErrorKind::ResponseTooLarge, 1, 1), (ErrorKind::ResponseTooLarge, 1, 1)]);
    // Undeclared (chunked): refused once the limit is crossed.
    let big = "x".repeat(256 * 1024);
    let mut chunked = String::new();
    for chunk in big.as_bytes().chunks(8192) {
        chunked.push_str(&format!("{:x}\r\n{}\r\n", chunk.len(), std::str::from_utf8(chunk).unwrap()));
    }
    chunked.push_str("0\r\n\r\n");
    let server = serving(Response::raw(200, [("Transfer-Encoding", "chunked")], chunked)).await;
    let err = read_only(config(&server).with_max_response_bytes(64 * 1024)).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count()), (ErrorKind::ResponseTooLarge, 1));
    assert!(err.to_string().contains("the limit is 65536"), "{err}");
}

#[tokio::test]
async fn a_reply_exactly_as_long_as_the_limit_is_accepted_and_one_byte_longer_is_not() {
    let body = json!({"Response": {"Result": {"TotalCount": 0, "Records": []}, "RequestId": "r-1"}}).to_string();
    // Declared by Content-Length, then undeclared (chunked).
    for chunked in [false, true] {
        let response = if chunked {
            let encoded = format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
            Response::raw(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")], encoded)
        } else {
            Response::json(200, body.clone())
        };
        let server = serving(response.clone()).await;
        read_only(config(&server).with_max_response_bytes(body.len())).await.expect("exactly the limit is accepted");
        let server = serving(response).await;
        let err = read_only(config(&server).with_max_response_bytes(body.len() - 1)).await.unwrap_err();
        assert_eq!((err.kind(), server.request_count()), (ErrorKind::ResponseTooLarge, 1), "chunked: {chunked}");
    }
}

// ---------------------------------------------------------------------------------------------
// Replies that are not what the protocol promises
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn http_500_is_resent_only_for_the_read_only_action() {
    let body = json!({"Response": {"Error": {"Code": "InternalError", "Message": "oops"}, "RequestId": "req-500"}});
    let outcomes = against_both(Response::json(500, body)).await;
    assert_eq!(outcomes, [(ErrorKind::HttpStatus, 3, 3), (ErrorKind::HttpStatus, 1, 1)]);
}

#[tokio::test]
async fn http_502_with_an_html_body_is_resent_only_for_the_read_only_action() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let outcomes = against_both(Response::raw(502, [("Content-Type", "text/html")], page)).await;
    assert_eq!(outcomes, [(ErrorKind::HttpStatus, 3, 3), (ErrorKind::HttpStatus, 1, 1)]);

    // A passing 502: the read-only call succeeds on its second attempt.
    let server = FrontDoor::serving(move |request| match request.sequence {
        0 => Response::raw(502, [("Content-Type", "text/html")], page),
        _ => Response::ok(json!({})),
    })
    .await;
    read_only(config(&server)).await.unwrap();
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn malformed_replies_are_decode_errors_and_never_resent() {
    let cases = [
        ("truncated JSON", Response::json(200, r#"{"Response":{"Result":{"TotalCount":1,"Ro"#)),
        ("not JSON", Response::raw(200, [("Content-Type", "text/plain")], "Service temporarily unavailable")),
        ("no Response key", Response::json(200, json!({"Data": {"Result": "x"}, "RequestId": "r"}))),
        ("Error without Code", Response::json(200, json!({"Response": {"Error": {"Message": "m"}, "RequestId": "r"}}))),
    ];
    for (what, response) in cases {
        let outcomes = against_both(response).await;
        assert_eq!(outcomes, [(ErrorKind::Decode, 1, 1), (ErrorKind::Decode, 1, 1)], "{what}");
    }
}

// ---------------------------------------------------------------------------------------------
// Error codes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn request_limit_exceeded_twice_then_success_is_retried_for_a_mutating_action() {
    let server = FrontDoor::serving(|request| match request.sequence {
        0 => Response::service_error("RequestLimitExceeded", "too many requests"),
        1 => Response::service_error("RequestLimitExceeded.UinLimitExceeded", "too many requests for the account"),
        _ => Response::ok(json!({"Result": "revision-3"})),
    })
    .await;
    let response = mutating(config(&server)).await.unwrap();
    assert_eq!(response.result, "revision-3");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.accepted()), "every attempt is signed and verifies");
    assert_eq!(response.request_id, requests[2].request_id);
}

#[tokio::test]
async fn resource_in_use_is_returned_at_once_with_code_message_and_request_id() {
    let server = serving(Response::service_error("ResourceInUse.ServiceDeploying", "服务部署中")).await;
    let err = mutating(config(&server)).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count(), err.attempts()), (ErrorKind::Service, 1, 1));
    let request_id = server.requests()[0].request_id.clone();
    let shown = err.to_string();
    for part in ["ResourceInUse.ServiceDeploying", "服务部署中", request_id.as_str()] {
        assert!(shown.contains(part), "{part:?} is missing from {shown:?}");
    }
    assert!(matches!(err.service_error(), Some(RollingUpdateError::ResourceInUseServiceDeploying(_))));
}

#[tokio::test]
async fn quota_and_state_codes_are_never_retried_and_internal_errors_only_for_the_read_only_action() {
    for code in ["LimitExceeded", "ResourceInUse", "ResourceUnavailable.ApplicationStopped", "FailedOperation"] {
        let outcomes = against_both(Response::service_error(code, "no")).await;
        assert_eq!(outcomes, [(ErrorKind::Service, 1, 1), (ErrorKind::Service, 1, 1)], "{code}");
    }
    for code in ["InternalError", "InternalError.ActionReadTimeout", "ServiceUnavailable"] {
        let outcomes = against_both(Response::service_error(code, "try later")).await;
        assert_eq!(outcomes, [(ErrorKind::Service, 3, 3), (ErrorKind::Service, 1, 1)], "{code}");
    }
}

#[tokio::test]
async fn signature_expired_by_a_skewed_server_clock_is_recovered_and_the_offset_kept() {
    let server = FrontDoor::start(
        FrontDoorOptions::default()
            .with_clock_offset(3600)
            .with_responder(|_| Response::ok(json!({"Result": "revision-1"}))),
    )
    .await;
    // Even with retries disabled: the refused request was never acted on.
    let client = Client::new(config(&server).with_retry_policy(RetryPolicy::disabled())).unwrap();
    let response = client.send(&rolling_update()).await.unwrap();
    assert_eq!(response.result, "revision-1");
    let verdicts: Vec<_> = server.requests().into_iter().map(|r| r.verdict).collect();
    assert_eq!(verdicts, [Some("AuthFailure.SignatureExpire".to_owned()), None]);
    let offset = client.core().clock_offset();
    assert!((3598..=3602).contains(&offset), "offset {offset}");

    // Later calls (and clones) sign with the server's clock at once.
    client.clone().send(&rolling_update()).await.unwrap();
    assert_eq!(server.request_count(), 3);
    assert!(server.requests()[2].accepted());
}

#[tokio::test]
async fn signature_expired_without_a_clock_difference_is_not_retried() {
    // The server says expired but its Date agrees with ours: signing again cannot help.
    let server = serving(Response::service_error("AuthFailure.SignatureExpire", "expired")).await;
    let err = mutating(config(&server)).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count()), (ErrorKind::Service, 1));
    assert!(matches!(
        err.service_error(),
        Some(RollingUpdateError::Common(CommonError::AuthFailureSignatureExpire(_)))
    ));
    // An unreadable Date neither.
    let server =
        serving(Response::service_error("AuthFailure.SignatureExpire", "expired").with_header("Date", "yesterday"))
            .await;
    let err = mutating(config(&server)).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count()), (ErrorKind::Service, 1));
}

// ---------------------------------------------------------------------------------------------
// Budget, cancellation, rate limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn retries_stop_at_the_budget() {
    let server = serving(Response::service_error("RequestLimitExceeded", "slow down")).await;
    let policy = RetryPolicy::new()
        .with_max_attempts(100)
        .with_base_delay(Duration::from_millis(40))
        .with_max_delay(Duration::from_millis(40))
        .with_budget(Duration::from_millis(300));
    let started = Instant::now();
    let err = mutating(config(&server).with_retry_policy(policy)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    let count = server.request_count();
    assert!((2..100).contains(&count), "{count} requests");
    assert_eq!(err.attempts() as usize, count);
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn dropping_the_call_ends_its_backoff_at_once() {
    let server = serving(Response::service_error("RequestLimitExceeded", "slow down")).await;
    let policy = RetryPolicy::new().with_base_delay(Duration::from_secs(60)).with_max_delay(Duration::from_secs(60));
    // Full jitter may draw a short wait; a long budget and many attempts make the backoff
    // chain long in any case.
    let policy = policy.with_max_attempts(50).with_budget(Duration::from_secs(3600));
    let client = Client::new(config(&server).with_retry_policy(policy)).unwrap();
    let started = Instant::now();
    let request = rolling_update();
    let call = client.send(&request);
    let outcome = tokio::time::timeout(Duration::from_millis(300), call).await;
    assert!(outcome.is_err(), "the call was still waiting");
    assert!(started.elapsed() < Duration::from_secs(2));
    let sent = server.request_count();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.request_count(), sent, "nothing is sent after the call was dropped");
}

/// 100 calls at once against a front door that refuses more than 20 a second.
async fn burst(rate_limiting: bool) -> (usize, usize, usize) {
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    let responder = tem_tests::rate_limited(20, move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
        Response::ok(json!({"Result": "r"}))
    });
    let server = FrontDoor::serving(responder).await;
    let config = config(&server).with_rate_limiting(rate_limiting).with_retry_policy(RetryPolicy::disabled());
    let client = Client::new(config).unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let client = client.clone();
        calls.spawn(async move { client.send(&rolling_update()).await });
    }
    let mut failed = 0;
    while let Some(outcome) = calls.join_next().await {
        if let Err(e) = outcome.unwrap() {
            assert!(matches!(
                e.service_error(),
                Some(RollingUpdateError::Common(CommonError::RequestLimitExceeded(_)))
            ));
            failed += 1;
        }
    }
    (server.request_count(), accepted.load(Ordering::Relaxed), failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_100_calls_is_smoothed_by_the_limiter_instead_of_rejected() {
    let started = Instant::now();
    let (requests, served, failed) = burst(true).await;
    assert_eq!((requests, served, failed), (100, 100, 0));
    // 100 calls at 20 a second: the last leaves 4.95 s after the first.
    assert!(started.elapsed() >= Duration::from_millis(4900), "took {:?}", started.elapsed());

    // Without the limiter (and without retries) the same burst is mostly refused.
    let (requests, served, failed) = burst(false).await;
    assert_eq!(requests, 100);
    assert!(failed >= 50 && served + failed == 100, "{served} served, {failed} refused");
}

// ---------------------------------------------------------------------------------------------
// Hardening (issue 12): skew under concurrency, cancelled waits, local failures, slow credentials
// ---------------------------------------------------------------------------------------------

/// `n` calls started at once (a barrier) on one fresh client against a front door whose clock
/// is 1,000 s ahead: how many succeeded, and how many requests the front door received.
async fn skewed_burst(n: usize, mutating_action: bool) -> (usize, usize) {
    let server = FrontDoor::start(
        FrontDoorOptions::default().with_clock_offset(1000).with_responder(tem_tests::examples_responder()),
    )
    .await;
    let client = Client::new(config(&server).with_retry_policy(RetryPolicy::disabled())).unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (client, barrier) = (client.clone(), Arc::clone(&barrier));
        calls.spawn(async move {
            barrier.wait().await;
            if mutating_action {
                client.send(&rolling_update()).await.map(|_| ()).map_err(|e| e.kind())
            } else {
                let request = DescribeApplicationsRequest::builder().build().unwrap();
                client.send(&request).await.map(|_| ()).map_err(|e| e.kind())
            }
        });
    }
    let mut succeeded = 0;
    while let Some(outcome) = calls.join_next().await {
        match outcome.unwrap() {
            Ok(()) => succeeded += 1,
            Err(kind) => eprintln!("a call failed: {kind:?}"),
        }
    }
    (succeeded, server.request_count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_against_a_skewed_server_clock_all_recover_with_two_requests_each_at_most() {
    for n in [2, 8, 32] {
        for mutating_action in [false, true] {
            let (succeeded, requests) = skewed_burst(n, mutating_action).await;
            eprintln!("{n} calls at once (mutating: {mutating_action}): {succeeded} succeeded, {requests} requests");
            assert_eq!(succeeded, n, "{n} calls at once (mutating: {mutating_action}): all succeed");
            assert!(requests <= 2 * n, "{n} calls at once (mutating: {mutating_action}): {requests} requests");
        }
    }
}

#[tokio::test]
async fn an_absurd_server_date_is_not_learnt_and_the_error_says_why() {
    let server = serving(
        Response::service_error("AuthFailure.SignatureExpire", "expired")
            .with_header("Date", "Fri, 31 Dec 9999 23:59:59 GMT"),
    )
    .await;
    let client = Client::new(config(&server)).unwrap();
    let err = client.send(&rolling_update()).await.unwrap_err();
    assert_eq!((err.kind(), server.request_count(), err.attempts()), (ErrorKind::Service, 1, 1));
    assert!(matches!(
        err.service_error(),
        Some(RollingUpdateError::Common(CommonError::AuthFailureSignatureExpire(_)))
    ));
    assert_eq!(client.core().clock_offset(), 0, "the offset is not learnt");
    let shown = err.to_string();
    assert!(shown.contains("clock") && shown.contains("86400"), "the error says why: {shown}");
}

#[tokio::test]
async fn calls_dropped_while_waiting_for_the_rate_limit_give_their_slots_back() {
    let server = serving(Response::ok(json!({"Result": "r"}))).await;
    let config = config(&server).with_rate_limiting(true).with_timeout(Duration::from_secs(1));
    let client = Client::new(config).unwrap();
    let request = rolling_update();
    // 400 calls, each polled once (so that it is queued for its slot: the first takes it) and
    // dropped at once: nothing is sent.
    for _ in 0..400 {
        let call = client.send(&request);
        assert!(tokio::time::timeout(Duration::ZERO, call).await.is_err());
    }
    // The next call waits for one slot at most (50 ms at 20 a second), not for 400. The guard
    // only keeps the test from hanging on a regression; the call's own timeout is 1 s.
    let call = client.send(&request);
    let outcome = tokio::time::timeout(Duration::from_secs(10), call).await;
    let outcome = outcome.expect("the call waited for the slots of dropped calls");
    assert_eq!(outcome.unwrap().result, "r");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_rate_limit_slot_counts_against_the_timeout() {
    let server = serving(Response::ok(json!({"Result": "r"}))).await;
    // 40 calls at once at 20 a second with a 1 s timeout: the slots of the last ~20 come
    // after their deadline.
    let config = config(&server).with_rate_limiting(true).with_timeout(Duration::from_secs(1));
    let client = Client::new(config).unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let client = client.clone();
        calls.spawn(async move { client.send(&rolling_update()).await });
    }
    let (mut succeeded, mut not_sent, mut late) = (0, 0, 0);
    while let Some(outcome) = calls.join_next().await {
        match outcome.unwrap() {
            Ok(_) => succeeded += 1,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
                // Refused a slot (sent nothing), or given one too close to the deadline for the
                // exchange to finish.
                match e.attempts() {
                    0 => not_sent += 1,
                    _ => late += 1,
                }
            }
        }
    }
    let requests = server.request_count();
    assert!(requests >= succeeded && requests <= succeeded + late, "a call that timed out waiting sent nothing");
    assert!(not_sent >= 10 && succeeded >= 10, "{succeeded} succeeded, {not_sent} not sent, {late} late");
}

#[tokio::test]
async fn a_request_that_cannot_be_built_is_invalid_and_never_sent_nor_retried() {
    let server = serving(Response::ok(json!({}))).await;
    let bad = [
        Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).with_token("tok\nen"),
        Credentials::new("AKID\r\nX-Injected: 1", DEFAULT_SECRET_KEY),
    ];
    for credentials in bad {
        // From a provider that checks nothing, so that the request itself is what fails (the
        // static credentials are refused before, when the client is built).
        let config = config(&server).with_credentials_provider(Unchecked(credentials));
        let err = read_only(config.clone()).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidRequest | ErrorKind::Config), "{err}");
        assert_eq!(err.attempts(), 0, "{err}");
        let err = mutating(config).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidRequest | ErrorKind::Config), "{err}");
        assert_eq!(err.attempts(), 0, "{err}");
    }
    assert_eq!(server.request_count(), 0);
}

/// A provider handing out its credentials as they are, unchecked.
#[derive(Debug)]
struct Unchecked(Credentials);

impl tem_core::credentials::ProvideCredentials for Unchecked {
    fn provide_credentials(&self) -> tem_core::credentials::CredentialsFuture<'_> {
        let credentials = self.0.clone();
        Box::pin(async move { Ok(credentials) })
    }
}

/// A provider that takes until the wall clock's next second to hand out its credentials, and
/// records that second.
#[derive(Debug, Default)]
struct SlowProvider {
    handed_out_at: Arc<std::sync::atomic::AtomicI64>,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

impl tem_core::credentials::ProvideCredentials for SlowProvider {
    fn provide_credentials(&self) -> tem_core::credentials::CredentialsFuture<'_> {
        Box::pin(async move {
            let asked_at = unix_now();
            while unix_now() == asked_at {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            self.handed_out_at.store(unix_now(), Ordering::SeqCst);
            Ok(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        })
    }
}

#[tokio::test]
async fn requests_are_signed_with_the_time_the_credentials_were_in_hand() {
    let server = serving(Response::ok(json!({"Result": "r"}))).await;
    let provider = SlowProvider::default();
    let handed_out_at = Arc::clone(&provider.handed_out_at);
    let config = config(&server).with_credentials_provider(provider).with_retry_policy(RetryPolicy::disabled());
    let _ = mutating(config).await;
    let requests = server.requests();
    let timestamp: i64 = requests[0].header("X-TC-Timestamp").unwrap().parse().unwrap();
    assert!(
        timestamp >= handed_out_at.load(Ordering::SeqCst),
        "signed at {timestamp}, credentials in hand at {}",
        handed_out_at.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn the_largest_timeout_is_no_timeout_not_a_panic() {
    // The attempt's deadline (which the rate limit's wait counts against) must not overflow.
    let server = serving(Response::ok(json!({"Result": "r"}))).await;
    let config = config(&server).with_timeout(Duration::MAX).with_rate_limiting(true);
    assert_eq!(mutating(config).await.unwrap().result, "r");
    assert_eq!(server.request_count(), 1);
}
