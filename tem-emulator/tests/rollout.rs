//! Rollouts through the real SDK client against the emulator, on a manual clock (no sleeps).

use std::time::Duration;

use pretty_assertions::assert_eq;
use tem_api::operation::describe_application_pods::DescribeApplicationPodsRequest;
use tem_api::operation::describe_deploy_application_detail::DescribeDeployApplicationDetailRequest;
use tem_api::operation::resume_deploy_application::ResumeDeployApplicationRequest;
use tem_api::operation::revert_deploy_application::RevertDeployApplicationRequest;
use tem_api::operation::rolling_update_application_by_version::{
    RollingUpdateApplicationByVersionError, RollingUpdateApplicationByVersionRequest,
};
use tem_api::types::TemDeployApplicationDetailInfo;
use tem_api::{Client, Config, Credentials};
use tem_emulator::{Emulator, EmulatorOptions, DEFAULT_REGION};

const POD_START: Duration = Duration::from_secs(10);

struct Setup {
    emulator: Emulator,
    client: Client,
    env: String,
    app: String,
}

async fn setup(replicas: u64) -> Setup {
    let emulator = Emulator::start(EmulatorOptions::new().with_manual_clock()).await.unwrap();
    let env = emulator.seed_environment("dev").unwrap();
    let app = emulator.seed_application(&env, "web", "v1", replicas).unwrap();
    let config = Config::new(Credentials::new(emulator.secret_id(), emulator.secret_key()))
        .with_region(DEFAULT_REGION)
        .unwrap()
        .with_endpoint(&emulator.endpoint())
        .unwrap();
    Setup { client: Client::new(config).unwrap(), emulator, env, app }
}

impl Setup {
    async fn roll(&self, version: &str, strategy: &str, batches: i64, beta: i64, interval: i64) -> String {
        let request = RollingUpdateApplicationByVersionRequest::builder()
            .application_id(&self.app)
            .environment_id(&self.env)
            .deploy_version(version)
            .deploy_strategy_type(strategy)
            .total_batch_count(batches)
            .beta_batch_num(beta)
            .batch_interval(interval)
            .build()
            .unwrap();
        self.client.send(&request).await.unwrap().result
    }

    /// Starts an AUTO rollout of one batch with `MinAvailable`.
    async fn roll_with_min_available(
        &self,
        version: &str,
        min_available: i64,
    ) -> Result<String, tem_core::Error<RollingUpdateApplicationByVersionError>> {
        let request = RollingUpdateApplicationByVersionRequest::builder()
            .application_id(&self.app)
            .environment_id(&self.env)
            .deploy_version(version)
            .deploy_strategy_type("AUTO")
            .total_batch_count(1)
            .min_available(min_available)
            .build()
            .unwrap();
        self.client.send(&request).await.map(|r| r.result)
    }

    /// Ready (`Running`) pods of the old and of the new version.
    async fn ready(&self, old: &str, new: &str) -> (usize, usize) {
        let pods = self.pod_versions().await;
        let count = |version: &str| pods.iter().filter(|(v, status)| v == version && status == "Running").count();
        (count(old), count(new))
    }

    async fn detail(&self) -> TemDeployApplicationDetailInfo {
        let request = DescribeDeployApplicationDetailRequest::builder()
            .application_id(&self.app)
            .environment_id(&self.env)
            .build()
            .unwrap();
        self.client.send(&request).await.unwrap().result
    }

    /// `(Status, CurrentBatchIndex, CurrentBatchStatus, [BatchStatus of each batch])`.
    async fn progress(&self) -> (String, i64, String, Vec<String>) {
        let d = self.detail().await;
        let batches = d.beta_batch_detail.iter().chain(&d.other_batch_detail).map(|b| b.batch_status.clone()).collect();
        (d.status, d.current_batch_index.unwrap_or(-1), d.current_batch_status, batches)
    }

    async fn pod_versions(&self) -> Vec<(String, String)> {
        let request = DescribeApplicationPodsRequest::builder()
            .application_id(&self.app)
            .environment_id(&self.env)
            .build()
            .unwrap();
        let page = self.client.send(&request).await.unwrap().result;
        page.pod_list.into_iter().map(|p| (p.deploy_version, p.status)).collect()
    }

    async fn resume(&self) -> Result<bool, String> {
        let request = ResumeDeployApplicationRequest::builder()
            .application_id(&self.app)
            .environment_id(&self.env)
            .build()
            .unwrap();
        self.client.send(&request).await.map(|r| r.result).map_err(|e| e.to_string())
    }

    async fn revert(&self) -> bool {
        let request = RevertDeployApplicationRequest::builder()
            .application_id(&self.app)
            .environment_id(&self.env)
            .build()
            .unwrap();
        self.client.send(&request).await.unwrap().result
    }
}

fn owned(status: &str, index: i64, current: &str, batches: &[&str]) -> (String, i64, String, Vec<String>) {
    (status.into(), index, current.into(), batches.iter().map(|s| s.to_string()).collect())
}

#[tokio::test]
async fn beta_rollout_pauses_after_the_beta_batch_resumes_and_finishes() {
    let s = setup(5).await;
    let revision = s.roll("v2", "BETA", 2, 1, 0).await;
    assert!(revision.starts_with("revision-"), "{revision}");
    // Beta batch of 1 pod, then 4 pods in 2 batches.
    assert_eq!(s.progress().await, owned("Running", 0, "Deploying", &["Deploying", "NotStart", "NotStart"]));
    let detail = s.detail().await;
    assert_eq!(detail.beta_batch_detail.as_ref().map(|b| (b.pod_num, b.new_pods.len())), Some((1, 1)));
    assert_eq!(detail.other_batch_detail.iter().map(|b| b.pod_num).collect::<Vec<_>>(), [2, 2]);
    assert_eq!((detail.new_deploy_version.as_str(), detail.old_deploy_version.as_str()), ("v2", "v1"));

    s.emulator.advance(POD_START);
    assert_eq!(s.progress().await, owned("Running", 1, "WaitForResume", &["Finish", "WaitForResume", "NotStart"]));
    // It stays paused however long one waits.
    s.emulator.advance(Duration::from_secs(3600));
    assert_eq!(s.progress().await, owned("Running", 1, "WaitForResume", &["Finish", "WaitForResume", "NotStart"]));
    let mut versions = s.pod_versions().await;
    versions.sort();
    assert_eq!(versions.iter().filter(|(v, _)| v == "v2").count(), 1);
    assert_eq!(versions.len(), 5);

    assert_eq!(s.resume().await, Ok(true));
    assert_eq!(s.progress().await, owned("Running", 1, "Deploying", &["Finish", "Deploying", "NotStart"]));
    s.emulator.advance(POD_START);
    // AUTO after the beta batch: the next batch starts at once.
    assert_eq!(s.progress().await, owned("Running", 2, "Deploying", &["Finish", "Finish", "Deploying"]));
    s.emulator.advance(POD_START);
    assert_eq!(s.progress().await, owned("Success", 2, "Finish", &["Finish", "Finish", "Finish"]));
    assert!(s.pod_versions().await.iter().all(|(v, status)| v == "v2" && status == "Running"));
    assert!(!s.detail().await.end_time.is_empty());
    // Nothing waits any more.
    assert!(s.resume().await.unwrap_err().contains("FailedOperation"));
}

#[tokio::test]
async fn a_second_rollout_while_one_runs_is_service_deploying() {
    let s = setup(2).await;
    s.roll("v2", "AUTO", 2, 0, 0).await;
    let request = RollingUpdateApplicationByVersionRequest::builder()
        .application_id(&s.app)
        .environment_id(&s.env)
        .deploy_version("v3")
        .build()
        .unwrap();
    let err = s.client.send(&request).await.unwrap_err();
    assert!(
        matches!(err.service_error(), Some(RollingUpdateApplicationByVersionError::ResourceInUseServiceDeploying(_))),
        "{err}"
    );
}

#[tokio::test]
async fn batch_interval_waits_for_time_exceed_before_the_next_batch() {
    let s = setup(4).await;
    s.roll("v2", "AUTO", 2, 0, 30).await;
    s.emulator.advance(POD_START);
    let detail = s.detail().await;
    assert_eq!(detail.current_batch_status, "WaitForTimeExceed");
    let next = detail.next_batch_start_time.unwrap();
    assert_eq!(next * 1000, s.emulator.clock().now_ms() / 1000 * 1000 + 30_000);
    s.emulator.advance(Duration::from_secs(29));
    assert_eq!(s.detail().await.current_batch_status, "WaitForTimeExceed");
    s.emulator.advance(Duration::from_secs(1));
    assert_eq!(s.progress().await, owned("Running", 1, "Deploying", &["Finish", "Deploying"]));
    s.emulator.advance(POD_START);
    assert_eq!(s.progress().await.0, "Success");
}

#[tokio::test]
async fn manual_rollout_waits_before_every_batch_after_the_first() {
    let s = setup(3).await;
    s.roll("v2", "MANUAL", 3, 0, 0).await;
    for batch in 1..3 {
        s.emulator.advance(POD_START);
        assert_eq!(s.progress().await.2, "WaitForResume", "before batch {batch}");
        s.resume().await.unwrap();
    }
    s.emulator.advance(POD_START);
    assert_eq!(s.progress().await, owned("Success", 2, "Finish", &["Finish", "Finish", "Finish"]));
}

#[tokio::test]
async fn a_reverted_rollout_brings_the_old_version_back() {
    let s = setup(4).await;
    s.roll("v2", "MANUAL", 2, 0, 0).await;
    s.emulator.advance(POD_START);
    assert_eq!(s.progress().await.2, "WaitForResume");
    assert!(s.pod_versions().await.iter().any(|(v, _)| v == "v2"));
    assert!(s.revert().await);
    assert_eq!(s.progress().await.0, "Reverting");
    s.emulator.advance(POD_START);
    assert_eq!(s.progress().await.0, "Reverted");
    let versions = s.pod_versions().await;
    assert_eq!(versions.len(), 4);
    assert!(versions.iter().all(|(v, status)| v == "v1" && status == "Running"), "{versions:?}");
    // A new rollout may start after a revert.
    s.roll("v3", "AUTO", 1, 0, 0).await;
}

#[tokio::test]
async fn a_crash_looping_version_ends_the_rollout_in_error_with_the_scripted_message() {
    let s = setup(4).await;
    s.emulator.crash_loop("v2", "Back-off restarting failed container web in pod");
    s.roll("v2", "AUTO", 2, 0, 0).await;
    s.emulator.advance(POD_START);
    let detail = s.detail().await;
    assert_eq!(
        (detail.status.as_str(), detail.current_batch_status.as_str(), detail.error_message.as_str()),
        ("Error", "Finish", "Back-off restarting failed container web in pod")
    );
    let first = &detail.other_batch_detail[0];
    assert!(first.new_pods.iter().all(|p| p.status == "CrashLoopBackOff" && p.pod_status == ["CrashLoopBackOff"]));
    assert_eq!(detail.other_batch_detail[1].batch_status, "NotStart");
    // Nothing more happens on its own; the old pods still serve.
    s.emulator.advance(Duration::from_secs(600));
    assert_eq!(s.detail().await.status, "Error");
    let versions = s.pod_versions().await;
    assert_eq!(versions.iter().filter(|(v, st)| v == "v1" && st == "Running").count(), 4);
    assert_eq!(versions.iter().filter(|(v, st)| v == "v2" && st == "CrashLoopBackOff").count(), 2);
    // A failed rollout can be reverted.
    assert!(s.revert().await);
    s.emulator.advance(POD_START);
    assert_eq!(s.detail().await.status, "Reverted");
    assert!(s.pod_versions().await.iter().all(|(v, _)| v == "v1"));
}

#[tokio::test]
async fn min_available_keeps_enough_pods_ready_by_replacing_a_batch_in_steps() {
    let s = setup(4).await;
    // One batch of 4 pods, but at least 3 ready: it replaces them one at a time.
    s.roll_with_min_available("v2", 3).await.unwrap();
    let detail = s.detail().await;
    assert_eq!(detail.deploy_strategy_conf.as_ref().and_then(|c| c.min_available), Some(3));
    let mut observed = vec![s.ready("v1", "v2").await];
    while s.progress().await.0 == "Running" {
        s.emulator.advance(POD_START);
        observed.push(s.ready("v1", "v2").await);
        assert!(observed.len() <= 5, "{observed:?}");
    }
    assert!(observed.iter().all(|(old, new)| old + new >= 3), "{observed:?}");
    // Each step stops one old pod while its new one starts.
    assert_eq!(observed, [(3, 0), (2, 1), (1, 2), (0, 3), (0, 4)]);
    assert_eq!(s.progress().await, owned("Success", 0, "Finish", &["Finish"]));
}

#[tokio::test]
async fn min_available_equal_to_the_replicas_starts_one_new_pod_beside_the_old_ones() {
    let s = setup(3).await;
    s.roll_with_min_available("v2", 3).await.unwrap();
    let mut observed = vec![s.ready("v1", "v2").await];
    while s.progress().await.0 == "Running" {
        s.emulator.advance(POD_START);
        observed.push(s.ready("v1", "v2").await);
        assert!(observed.len() <= 4, "{observed:?}");
    }
    assert_eq!(observed, [(3, 0), (2, 1), (1, 2), (0, 3)]);
}

#[tokio::test]
async fn min_available_above_the_replicas_is_an_invalid_parameter_value_and_starts_nothing() {
    let s = setup(2).await;
    let err = s.roll_with_min_available("v2", 3).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValue"), "{err}");
    assert!(err.message().unwrap_or_default().contains("MinAvailable"), "{err}");
    assert_eq!(s.ready("v1", "v2").await, (2, 0));
    // No rollout was left running: another may start.
    s.roll("v2", "AUTO", 1, 0, 0).await;
}

#[tokio::test]
async fn without_min_available_a_batch_starts_beside_its_old_pods_and_finishes_in_one_go() {
    let s = setup(4).await;
    s.roll("v2", "AUTO", 1, 0, 0).await;
    assert_eq!(s.ready("v1", "v2").await, (4, 0));
    s.emulator.advance(POD_START);
    assert_eq!(s.ready("v1", "v2").await, (0, 4));
    assert_eq!(s.progress().await.0, "Success");
}

#[tokio::test]
async fn a_crash_looping_step_under_min_available_leaves_enough_old_pods_ready() {
    let s = setup(4).await;
    s.emulator.crash_loop("v2", "Back-off restarting failed container web in pod");
    s.roll_with_min_available("v2", 3).await.unwrap();
    assert_eq!(s.ready("v1", "v2").await, (3, 0));
    s.emulator.advance(POD_START);
    assert_eq!(s.detail().await.status, "Error");
    // Only the first step's pod crashed; the other old pods still serve.
    assert_eq!(s.ready("v1", "v2").await, (3, 0));
    let versions = s.pod_versions().await;
    assert_eq!(versions.iter().filter(|(v, st)| v == "v2" && st == "CrashLoopBackOff").count(), 1, "{versions:?}");
    assert!(s.revert().await);
    s.emulator.advance(POD_START);
    assert_eq!(s.ready("v1", "v2").await, (4, 0));
}

#[tokio::test]
async fn the_sdks_own_get_calls_are_served() {
    use tem_api::operation::create_environment::CreateEnvironmentRequest;
    use tem_api::CallOptions;

    let s = setup(3).await;
    let get = || CallOptions::new().with_get(true);
    let create = CreateEnvironmentRequest::builder()
        .environment_name("by-get")
        .description("a GET, & its query")
        .vpc("vpc-get")
        .subnet_ids(vec!["subnet-a".to_owned(), "subnet-b".to_owned()])
        .build()
        .unwrap();
    let env = s.client.send_with(&create, get()).await.unwrap().result;
    assert!(env.starts_with("en-"), "{env}");
    let environment = s.emulator.state().environments[&env].clone();
    assert_eq!((environment.description.as_str(), environment.subnet_ids.len()), ("a GET, & its query", 2));
    let pods = DescribeApplicationPodsRequest::builder()
        .application_id(&s.app)
        .environment_id(&s.env)
        .limit(1)
        .build()
        .unwrap();
    let page = s.client.send_with(&pods, get()).await.unwrap().result;
    assert_eq!((page.total_count, page.pod_list.len()), (3, 1));
    let log = s.emulator.requests();
    assert!(log.iter().all(|r| r.method == "GET" && r.verdict.is_none()), "{log:?}");
}
