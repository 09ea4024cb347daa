//! The rollout waiter on the client's time source: with a manual clock set on the `Config`
//! (nothing set on the waiter itself), its polls, its backoff and the client's retries all wait
//! on that clock, and the wait ends on the deadline without any real sleep.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::json;
use tem_api::waiter::WaitError;
use tem_api::{Client, Config, Credentials};
use tem_core::time::{ManualClock, TimeSource};
use tem_tests::{FrontDoor, FrontDoorOptions, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

#[tokio::test]
async fn the_waiter_and_the_clients_retries_wait_on_the_clients_manual_clock() {
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&polls);
    // The front door checks timestamps against real time: the manual clock, started now, runs
    // ten minutes ahead by the end.
    let options = FrontDoorOptions::default().with_max_clock_skew(Duration::from_secs(3600));
    let server = FrontDoor::start(options.with_responder(move |_| {
        // Throttled once (the client retries it), then a rollout that never ends.
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Response::service_error("RequestLimitExceeded", "too many requests");
        }
        Response::ok(json!({"Result": {
            "Status": "Deploying", "ErrorMessage": "", "NewDeployVersion": "v2", "OldDeployVersion": "v1",
            "DeployStrategyConf": {"TotalBatchCount": 1, "DeployStrategyType": 0},
            "OtherBatchDetail": [{"BatchIndex": 1, "BatchStatus": "Deploying", "PodNum": 1,
                                  "OldPods": [], "NewPods": [], "NextBatchStartTime": 0}]
        }}))
    }))
    .await;
    let start = SystemTime::now();
    let clock = ManualClock::new(start);
    let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .with_region("ap-guangzhou")
        .unwrap()
        .with_endpoint(&server.endpoint())
        .unwrap()
        .with_time_source(clock.clone())
        .with_sleep(clock.clone());
    let waiter = Client::new(config)
        .unwrap()
        .wait_for_rollout("app-1", "en-1")
        .deadline(Duration::from_secs(600))
        .poll_interval(Duration::from_secs(5), Duration::from_secs(20));
    // Real waits of 600 s would hit this bound long before the deadline.
    let result = tokio::time::timeout(Duration::from_secs(30), waiter.wait(|_| {})).await.expect("no real waits");
    assert!(matches!(result, Err(WaitError::DeadlineExceeded { .. })), "{result:?}");
    let waited = clock.now().duration_since(start).unwrap();
    assert!(waited >= Duration::from_secs(600), "{waited:?} on the manual clock");
    // The throttled poll and its retry, then one poll every 5 to 20 s of the manual clock.
    let polls = polls.load(Ordering::SeqCst);
    assert!((30..=130).contains(&polls), "{polls} polls");
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.accepted()), "signed with the manual clock's time, within the skew allowed");
    let last: u64 = requests.last().unwrap().header("X-TC-Timestamp").unwrap().parse().unwrap();
    let first: u64 = requests[0].header("X-TC-Timestamp").unwrap().parse().unwrap();
    assert!(last - first >= 580, "timestamps follow the manual clock: {first} then {last}");
}
