//! The rollout waiter against the emulator on its manual clock: the waiter's sleeps advance
//! the emulator's clock, so a rollout of minutes takes milliseconds and nothing sleeps.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionRequest;
use tem_api::waiter::{BatchRef, RolloutEvent, RolloutWaiter, WaitError};
use tem_api::{Client, Config, Credentials};
use tem_core::time::{AsyncSleep, Sleep, TimeSource};
use tem_emulator::{Clock, Emulator, EmulatorOptions};

/// A hang guard: no wait here takes more than this in real time.
const BOUND: Duration = Duration::from_secs(20);

const CRASH_MESSAGE: &str = "Back-off restarting failed container";

/// The emulator's manual clock as the waiter's: sleeping advances it.
#[derive(Clone, Debug)]
struct ManualClock(Clock);

impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0.now_ms() as u64)
    }
}

impl AsyncSleep for ManualClock {
    fn sleep(&self, duration: Duration) -> Sleep {
        self.0.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

struct Setup {
    emulator: Emulator,
    client: Client,
    app: String,
    env: String,
}

/// An emulator on a manual clock with an application of 4 running pods of v1.
async fn setup() -> Setup {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let env = emulator.seed_environment("test").unwrap();
    let app = emulator.seed_application(&env, "web", "v1", 4).unwrap();
    emulator.crash_loop("v-bad", CRASH_MESSAGE);
    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(tem_emulator::DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap();
    Setup { client: Client::new(config).unwrap(), emulator, app, env }
}

impl Setup {
    /// Starts a rollout of `version` with `strategy` in `batches` (beta batch of 1 for BETA).
    async fn deploy(&self, version: &str, strategy: &str, batches: i64, interval: Option<i64>) {
        let mut request = RollingUpdateApplicationByVersionRequest::builder()
            .application_id(self.app.clone())
            .environment_id(self.env.clone())
            .deploy_version(version)
            .deploy_strategy_type(strategy)
            .total_batch_count(batches);
        if strategy == "BETA" {
            request = request.beta_batch_num(1);
        }
        if let Some(interval) = interval {
            request = request.batch_interval(interval);
        }
        self.client.send(&request.build().unwrap()).await.unwrap();
    }

    fn waiter(&self) -> RolloutWaiter {
        let clock = ManualClock(self.emulator.clock().clone());
        self.client
            .wait_for_rollout(self.app.clone(), self.env.clone())
            .deadline(Duration::from_secs(600))
            .time_source(clock.clone())
            .sleep(clock)
    }

    fn elapsed_since(&self, start_ms: i64) -> Duration {
        Duration::from_millis((self.emulator.clock().now_ms() - start_ms) as u64)
    }
}

/// Every event until the end, and the end; a hang guard bounds it in real time.
async fn drain(mut waiter: RolloutWaiter) -> (Vec<RolloutEvent>, Option<WaitError>) {
    let mut events = Vec::new();
    let end = tokio::time::timeout(BOUND, async {
        while let Some(item) = waiter.next_event().await {
            match item {
                Ok(event) => events.push(event),
                Err(e) => return Some(e),
            }
        }
        None
    })
    .await
    .expect("the wait ends within the test's bound");
    (events, end)
}

const fn batch(index: i64) -> BatchRef {
    BatchRef { beta: false, index }
}

#[tokio::test]
async fn an_auto_rollout_is_followed_batch_by_batch_to_success() {
    let setup = setup().await;
    setup.deploy("v2", "AUTO", 2, None).await;
    let (events, error) = drain(setup.waiter()).await;
    assert!(error.is_none(), "{error:?}");

    assert_eq!(
        events[0],
        RolloutEvent::Started {
            old_version: "v1".into(),
            new_version: "v2".into(),
            total_batches: Some(2),
            strategy: Some(0)
        }
    );
    let order: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            RolloutEvent::BatchStarted { batch } => Some(format!("start {batch}")),
            RolloutEvent::BatchFinished { batch } => Some(format!("finish {batch}")),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["start batch 1", "finish batch 1", "start batch 2", "finish batch 2"]);
    // Numbered 1 and 2 (the emulator's BatchIndex 0 and 1: no beta batch).
    for index in [1, 2] {
        assert!(
            events.iter().any(|e| matches!(e, RolloutEvent::Pods { batch: b, new_ready: 2, new_total: 2, planned: 2, .. } if *b == batch(index))),
            "batch {index} reports its 2 new pods ready: {events:#?}"
        );
    }
    match events.last() {
        Some(RolloutEvent::Succeeded(summary)) => {
            assert_eq!((summary.new_version.as_str(), summary.old_version.as_str(), summary.batches), ("v2", "v1", 2))
        }
        other => panic!("the last event is the success, not {other:?}"),
    }
    assert!(!events.iter().any(|e| matches!(e, RolloutEvent::UnknownStatus { .. })), "{events:#?}");
}

#[tokio::test]
async fn a_beta_rollout_reports_waiting_and_finishes_once_resumed() {
    let setup = setup().await;
    setup.deploy("v2", "BETA", 2, None).await;
    let mut waiter = setup.waiter();
    let beta = BatchRef { beta: true, index: 0 };
    let mut waited = false;
    let mut events = Vec::new();
    while let Some(item) = tokio::time::timeout(BOUND, waiter.next_event()).await.expect("within the test's bound") {
        let event = item.expect("the rollout succeeds once resumed");
        if let RolloutEvent::WaitingForConfirmation { after, next_batch, next_batch_start_time } = &event {
            assert_eq!((*after, *next_batch, *next_batch_start_time), (Some(beta), Some(batch(1)), None));
            assert!(!waited, "one pause, reported once");
            waited = true;
            let (app, env) = (setup.app.clone(), setup.env.clone());
            setup.client.resume_rollout(app, env).await.unwrap();
        }
        events.push(event);
    }
    assert!(waited);
    let finished: Vec<BatchRef> = events
        .iter()
        .filter_map(|e| match e {
            RolloutEvent::BatchFinished { batch } => Some(*batch),
            _ => None,
        })
        .collect();
    assert_eq!(finished, [beta, batch(1), batch(2)]);
    assert!(matches!(events.last(), Some(RolloutEvent::Succeeded(_))));
}

#[tokio::test]
async fn auto_resume_resumes_a_beta_rollout_itself() {
    let setup = setup().await;
    setup.deploy("v2", "BETA", 2, None).await;
    let mut events = Vec::new();
    let wait = setup.waiter().auto_resume(true).wait(|e| events.push(e.clone()));
    let summary = tokio::time::timeout(BOUND, wait).await.expect("ends within the test's bound").unwrap();
    assert_eq!(summary.batches, 3);
    let waiting = events.iter().position(|e| matches!(e, RolloutEvent::WaitingForConfirmation { .. })).unwrap();
    assert_eq!(events[waiting + 1], RolloutEvent::Resumed);
    assert_eq!(events.iter().filter(|e| **e == RolloutEvent::Resumed).count(), 1);
}

#[tokio::test]
async fn a_batch_interval_is_a_timed_pause_that_ends_by_itself() {
    let setup = setup().await;
    setup.deploy("v2", "AUTO", 2, Some(120)).await;
    let (events, error) = drain(setup.waiter()).await;
    assert!(error.is_none(), "{error:?}");
    let pause = events.iter().find_map(|e| match e {
        RolloutEvent::WaitingForConfirmation { next_batch_start_time, next_batch, .. } => {
            Some((*next_batch, *next_batch_start_time))
        }
        _ => None,
    });
    let (next, start) = pause.expect("the interval is reported");
    assert_eq!(next, Some(batch(2)), "the pause is before the second batch");
    assert!(start.is_some_and(|t| t > 1_000_000_000), "a Unix time: {start:?}");
}

#[tokio::test]
async fn a_crash_looping_version_fails_with_the_servers_message_and_its_batch() {
    let setup = setup().await;
    setup.deploy("v-bad", "AUTO", 2, None).await;
    let (events, error) = drain(setup.waiter()).await;
    match error {
        Some(WaitError::Failed { message, batch: failed, status }) => {
            assert_eq!(message, CRASH_MESSAGE);
            assert_eq!(status, "Error");
            assert_eq!(failed, Some(batch(1)));
        }
        other => panic!("expected the rollout to fail, got {other:?} after {events:#?}"),
    }
    assert!(!events.iter().any(|e| matches!(e, RolloutEvent::Succeeded(_))));
}

#[tokio::test]
async fn a_deadline_ends_a_wait_that_nobody_resumes() {
    let setup = setup().await;
    setup.deploy("v2", "BETA", 2, None).await;
    let start_ms = setup.emulator.clock().now_ms();
    let (events, error) = drain(setup.waiter().deadline(Duration::from_secs(300))).await;
    match error {
        Some(WaitError::DeadlineExceeded { deadline, last_status }) => {
            assert_eq!(deadline, Duration::from_secs(300));
            assert_eq!(last_status.as_deref(), Some("Running"));
        }
        other => panic!("expected the deadline, got {other:?}"),
    }
    assert_eq!(setup.elapsed_since(start_ms), Duration::from_secs(300), "the last poll falls on the deadline");
    assert_eq!(events.iter().filter(|e| matches!(e, RolloutEvent::WaitingForConfirmation { .. })).count(), 1);
}

#[tokio::test]
async fn the_events_are_also_a_stream_that_ends_after_the_success() {
    use futures_core::Stream;

    let setup = setup().await;
    setup.deploy("v2", "AUTO", 2, None).await;
    let mut stream = Box::pin(setup.waiter().into_stream());
    let mut items = Vec::new();
    while let Some(item) = tokio::time::timeout(BOUND, std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)))
        .await
        .expect("within the test's bound")
    {
        items.push(item.expect("no error"));
    }
    assert!(matches!(items.first(), Some(RolloutEvent::Started { .. })));
    assert!(matches!(items.last(), Some(RolloutEvent::Succeeded(s)) if s.batches == 2));
    assert_eq!(items.iter().filter(|e| matches!(e, RolloutEvent::BatchFinished { .. })).count(), 2);
}
