//! The rollout waiter against scripted `DescribeDeployApplicationDetail` replies (the
//! documented shapes, served by `FrontDoor`): what the emulator does not produce — unknown
//! status values, throttling, the official example's error reply, a poll that fails for good.
//! Time is a test clock: no real sleeps. Every wait is bounded in real time too
//! ([`collect`]), so a waiter that never ends fails in seconds instead of hanging.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tem_api::waiter::{BatchRef, RolloutEvent, RolloutWaiter, WaitError};
use tem_api::{Client, Config, Credentials, RetryPolicy};
use tem_core::time::{AsyncSleep, Sleep, TimeSource};
use tem_tests::{example_outputs, FrontDoor, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

/// A clock that moves only when slept on, and records each sleep; clones share both.
#[derive(Clone, Debug, Default)]
struct TestClock {
    now_ms: Arc<AtomicU64>,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl TimeSource for TestClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.now_ms.load(Ordering::SeqCst))
    }
}

impl AsyncSleep for TestClock {
    fn sleep(&self, duration: Duration) -> Sleep {
        self.now_ms.fetch_add(duration.as_millis() as u64, Ordering::SeqCst);
        self.sleeps.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// A waiter waiting on a test clock (its time and its sleep).
trait OnClock {
    fn on(self, clock: &TestClock) -> Self;
}

impl OnClock for RolloutWaiter {
    fn on(self, clock: &TestClock) -> Self {
        self.time_source(clock.clone()).sleep(clock.clone())
    }
}

/// A front door answering `DescribeDeployApplicationDetail` with `replies` in turn (the last
/// one again once they run out).
async fn serving(replies: Vec<Response>) -> (FrontDoor, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&polls);
    let server = FrontDoor::serving(move |request| {
        assert_eq!(request.action(), Some("DescribeDeployApplicationDetail"));
        let n = counter.fetch_add(1, Ordering::SeqCst);
        replies[n.min(replies.len() - 1)].clone()
    })
    .await;
    (server, polls)
}

fn client(server: &FrontDoor) -> Client {
    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap()
        // The waiter's own backoff is under test, not the client's retries (which sleep for real).
        .with_retry_policy(RetryPolicy::disabled());
    Client::new(config).unwrap()
}

/// A detail reply with `status`, one batch of `batch_status`, and two new pods in `pod_status`.
fn detail(status: &str, batch_status: &str, pod_status: &str) -> Response {
    let pod = |id: &str| json!({"PodId": id, "Status": pod_status, "PodStatus": [pod_status]});
    Response::ok(json!({"Result": {
        "Status": status, "ErrorMessage": "", "NewDeployVersion": "v2", "OldDeployVersion": "v1",
        "DeployStrategyConf": {"TotalBatchCount": 1, "DeployStrategyType": 0},
        "OtherBatchDetail": [{"BatchIndex": 0, "BatchStatus": batch_status, "PodNum": 2,
                              "OldPods": [], "NewPods": [pod("p-1"), pod("p-2")], "NextBatchStartTime": 0}]
    }}))
}

/// A hang guard: no waiter test takes more than this in real time.
const TEST_BOUND: Duration = Duration::from_secs(20);

async fn collect(waiter: tem_api::waiter::RolloutWaiter) -> (Vec<RolloutEvent>, Result<(), WaitError>) {
    let mut events = Vec::new();
    let wait = waiter.wait(|e| events.push(e.clone()));
    let result =
        tokio::time::timeout(TEST_BOUND, wait).await.expect("the wait ends within the test's bound").map(|_| ());
    (events, result)
}

#[tokio::test]
async fn an_unknown_status_is_reported_once_and_the_wait_goes_on_to_the_deadline() {
    let (server, polls) = serving(vec![detail("Frobnicating", "Deploying", "Pending")]).await;
    let clock = TestClock::default();
    let waiter = client(&server)
        .wait_for_rollout("app-1", "en-1")
        .deadline(Duration::from_secs(60))
        .poll_interval(Duration::from_secs(2), Duration::from_secs(10))
        .on(&clock);
    let (events, result) = collect(waiter).await;

    let unknown: Vec<&RolloutEvent> =
        events.iter().filter(|e| matches!(e, RolloutEvent::UnknownStatus { .. })).collect();
    assert_eq!(unknown, [&RolloutEvent::UnknownStatus { field: "Status", value: "Frobnicating".into() }]);
    match result {
        Err(WaitError::DeadlineExceeded { deadline, last_status }) => {
            assert_eq!(deadline, Duration::from_secs(60));
            assert_eq!(last_status.as_deref(), Some("Frobnicating"));
        }
        other => panic!("expected the deadline, got {other:?}"),
    }
    // Backoff while nothing changes: 2, 4, 8, 10, 10... and the last sleep ends on the deadline.
    let sleeps = clock.sleeps.lock().unwrap().clone();
    assert_eq!(&sleeps[..4], &[2, 4, 8, 10].map(Duration::from_secs));
    assert_eq!(sleeps.iter().sum::<Duration>(), Duration::from_secs(60));
    assert_eq!(polls.load(Ordering::SeqCst), sleeps.len() + 1);
}

#[tokio::test]
async fn throttling_is_reported_and_waited_out() {
    let (server, _) = serving(vec![
        Response::service_error("RequestLimitExceeded", "too many requests"),
        detail("Running", "Deploying", "Pending"),
        detail("Success", "Finish", "Running"),
    ])
    .await;
    let clock = TestClock::default();
    let waiter = client(&server).wait_for_rollout("app-1", "en-1").on(&clock);
    let (events, result) = collect(waiter).await;
    result.unwrap();
    match &events[0] {
        RolloutEvent::PollFailed { error, retry_in } => {
            assert!(error.contains("RequestLimitExceeded"), "{error}");
            assert_eq!(*retry_in, Duration::from_secs(4), "twice the shortest interval");
        }
        other => panic!("expected a failed poll first, got {other:?}"),
    }
    // BatchIndex 0 without a beta batch: batch 1.
    let batch = BatchRef { beta: false, index: 1 };
    assert!(events.contains(&RolloutEvent::BatchStarted { batch }));
    assert!(events.contains(&RolloutEvent::Pods {
        batch,
        old_ready: 0,
        old_total: 0,
        new_ready: 2,
        new_total: 2,
        planned: 2
    }));
    assert!(matches!(events.last(), Some(RolloutEvent::Succeeded(s)) if s.new_version == "v2" && s.batches == 1));
}

#[tokio::test]
async fn the_official_example_reply_is_a_failure_in_its_batch() {
    let example: Value = serde_json::from_str(&example_outputs("DescribeDeployApplicationDetail")[0]).unwrap();
    let mut fields = example["Response"].clone();
    fields["Result"]["ErrorMessage"] = "Back-off restarting failed container".into();
    let (server, _) = serving(vec![Response::ok(fields)]).await;
    let waiter = client(&server).wait_for_rollout("app-1", "en-1").on(&TestClock::default());
    let (_, result) = collect(waiter).await;
    match result {
        Err(WaitError::Failed { message, batch, status }) => {
            assert_eq!(message, "Back-off restarting failed container");
            assert_eq!(status, "Error");
            // The example counts its one batch from 0: shown as batch 1 (of 1).
            assert_eq!(batch, Some(BatchRef { beta: false, index: 1 }));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_poll_that_cannot_succeed_ends_the_wait_with_its_error() {
    let (server, polls) =
        serving(vec![Response::service_error("ResourceNotFound.ServiceNotFound", "no such application")]).await;
    let waiter = client(&server).wait_for_rollout("app-404", "en-1").on(&TestClock::default());
    let (_, result) = collect(waiter).await;
    match result {
        Err(WaitError::Describe(e)) => assert_eq!(e.code(), Some("ResourceNotFound.ServiceNotFound")),
        other => panic!("expected the describe error, got {other:?}"),
    }
    assert_eq!(polls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_poll_interval_never_beats_the_rate_limit() {
    let (server, polls) = serving(vec![detail("Running", "Deploying", "Pending")]).await;
    let clock = TestClock::default();
    let waiter = client(&server)
        .wait_for_rollout("app-1", "en-1")
        .poll_interval(Duration::ZERO, Duration::ZERO)
        .deadline(Duration::from_secs(1))
        .on(&clock);
    let (_, result) = collect(waiter).await;
    assert!(matches!(result, Err(WaitError::DeadlineExceeded { .. })));
    // 20 a second where the schema documents no limit: 50 ms between polls at the least.
    assert!(clock.sleeps.lock().unwrap().iter().all(|s| *s == Duration::from_millis(50)));
    assert_eq!(polls.load(Ordering::SeqCst), 21, "one at once, then one every 50 ms for a second");
}

#[tokio::test]
async fn after_backing_off_the_interval_drops_to_the_minimum_once_something_changes() {
    let unchanged = detail("Running", "Deploying", "Pending");
    let (server, _) = serving(vec![
        unchanged.clone(),
        unchanged.clone(),
        unchanged.clone(),
        unchanged,
        detail("Running", "Deploying", "Running"),
        detail("Running", "Deploying", "Running"),
        detail("Success", "Finish", "Running"),
    ])
    .await;
    let clock = TestClock::default();
    let waiter = client(&server)
        .wait_for_rollout("app-1", "en-1")
        .poll_interval(Duration::from_secs(2), Duration::from_secs(20))
        .on(&clock);
    let (_, result) = collect(waiter).await;
    result.unwrap();
    // Nothing changes after polls 1 to 4: 2, 4, 8 s; the pods change at poll 5: 2 s again.
    let sleeps = clock.sleeps.lock().unwrap().clone();
    assert_eq!(sleeps, [2, 4, 8, 16, 2, 4].map(Duration::from_secs));
}

#[tokio::test]
async fn huge_poll_intervals_saturate_instead_of_panicking() {
    let (server, _) = serving(vec![detail("Running", "Deploying", "Pending")]).await;
    let clock = TestClock::default();
    let waiter = client(&server)
        .wait_for_rollout("app-1", "en-1")
        .poll_interval(Duration::from_secs(1 << 63), Duration::MAX)
        .deadline(Duration::from_secs(3600))
        .on(&clock);
    let (_, result) = collect(waiter).await;
    assert!(matches!(result, Err(WaitError::DeadlineExceeded { .. })), "{result:?}");
    assert_eq!(clock.sleeps.lock().unwrap().clone(), [Duration::from_secs(3600)], "one sleep, to the deadline");
}

/// A front door answering `DescribeDeployApplicationDetail` with `detail` and
/// `DescribeApplicationPods` with `pods`.
async fn serving_detail_and_pods(detail: Response, pods: Value) -> FrontDoor {
    FrontDoor::serving(move |request| match request.action() {
        Some("DescribeDeployApplicationDetail") => detail.clone(),
        Some("DescribeApplicationPods") => Response::ok(json!({"Result": {
            "Offset": 0, "Limit": 20, "TotalCount": pods.as_array().unwrap().len(), "PodList": pods.clone()
        }})),
        other => panic!("unexpected action {other:?}"),
    })
    .await
}

fn run_pod(version: &str, status: &str, ready: bool) -> Value {
    json!({"PodId": format!("p-{version}-{status}"), "Status": status, "Ready": ready, "DeployVersion": version,
           "VersionId": format!("revision-{version}")})
}

#[tokio::test]
async fn an_unknown_status_with_every_batch_finished_and_only_new_pods_ready_is_success_with_a_warning() {
    let server = serving_detail_and_pods(
        detail("Completed", "Finish", "Running"),
        json!([run_pod("v2", "Running", true), run_pod("v2", "Running", true)]),
    )
    .await;
    let waiter = client(&server).wait_for_rollout("app-1", "en-1").on(&TestClock::default());
    let (events, result) = collect(waiter).await;
    result.unwrap();
    let n = events.len();
    assert_eq!(events[n - 2], RolloutEvent::SucceededByPods { status: "Completed".into(), pods: 2 });
    assert!(matches!(&events[n - 1], RolloutEvent::Succeeded(s) if s.new_version == "v2"));
    assert!(events.contains(&RolloutEvent::UnknownStatus { field: "Status", value: "Completed".into() }));
}

#[tokio::test]
async fn an_unknown_status_is_not_success_while_an_old_pod_is_left_or_a_new_one_is_not_ready() {
    for pods in [
        json!([run_pod("v2", "Running", true), run_pod("v1", "Running", true)]),
        json!([run_pod("v2", "Running", true), run_pod("v2", "Running", false)]),
        json!([]),
    ] {
        let server = serving_detail_and_pods(detail("Completed", "Finish", "Running"), pods.clone()).await;
        let waiter = client(&server)
            .wait_for_rollout("app-1", "en-1")
            .deadline(Duration::from_secs(30))
            .on(&TestClock::default());
        let (events, result) = collect(waiter).await;
        assert!(matches!(result, Err(WaitError::DeadlineExceeded { .. })), "{pods}: {result:?}");
        assert!(!events.iter().any(|e| matches!(e, RolloutEvent::SucceededByPods { .. })), "{pods}");
    }
}
