//! Waiting for a rollout: after `RollingUpdateApplicationByVersion` (or `DeployApplication`)
//! has started one, [`Client::wait_for_rollout`] polls `DescribeDeployApplicationDetail`
//! until the rollout succeeds, fails or a deadline passes, and reports its progress as typed
//! [`RolloutEvent`]s, through a callback ([`RolloutWaiter::wait`]), one at a time
//! ([`RolloutWaiter::next_event`]) or as a `Stream` ([`RolloutWaiter::into_stream`]). Hand-written (the generated `lib.rs` declares it).
//!
//! ```no_run
//! # async fn example(client: tem_api::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use tem_api::waiter::RolloutEvent;
//!
//! let summary = client
//!     .wait_for_rollout("app-xxxxxx", "en-xxxxxx")
//!     .deadline(Duration::from_secs(600))
//!     .wait(|event| match event {
//!         RolloutEvent::BatchStarted { batch } => println!("{batch} started"),
//!         RolloutEvent::Pods { batch, new_ready, planned, .. } => println!("{batch}: {new_ready}/{planned} new pods ready"),
//!         other => println!("{other:?}"),
//!     })
//!     .await?;
//! println!("{} serves", summary.new_version);
//! # Ok(())
//! # }
//! ```
//!
//! **Statuses.** Batch statuses are documented (`NotStart`, `Deploying`, `WaitForResume`,
//! `WaitForTimeExceed`, `Finish`); the rollout's own `Status` is not, so [`RolloutStatus`]
//! lists the values known from TEM and its official example. A value outside these is
//! reported as [`RolloutEvent::UnknownStatus`] and the wait goes on, to a known success or
//! failure, or the deadline. One exception, so that a rollout that plainly succeeded does not
//! wait for the deadline: when every batch shows `Finish` and `ErrorMessage` is empty, the
//! pods are asked (`DescribeApplicationPods`); if every pod runs the new version, running and
//! ready, and none of the old version is left, the wait ends in success, after a
//! [`RolloutEvent::SucceededByPods`] warning naming the unknown value.
//!
//! **Batches** are numbered as TEM numbers them: the beta batch (`BetaBatchDetail`,
//! `BatchIndex` 0), then batches 1 to `TotalBatchCount` (`OtherBatchDetail`). A reply whose
//! `OtherBatchDetail` counts from 0 (no beta batch) is shifted by one, so batches are always
//! 1..=N: show them as "batch i/N".
//!
//! **Polling.** The first poll is immediate; then the interval starts at
//! [`RolloutWaiter::poll_interval`]'s minimum (never faster than the action's documented rate
//! limit, or 20 a second where none is documented), doubles while nothing changes, up to the
//! maximum, and returns to the minimum when something does. A throttled, timed out or
//! dropped poll (after the client's own retries) is reported as [`RolloutEvent::PollFailed`]
//! and retried after a longer wait; any other error ends the wait. Interval arithmetic
//! saturates: any durations may be given.
//!
//! **The deadline** bounds the poll in flight too: each poll may take at most the time left
//! (the client's own per-call timeout may be longer), so a hanging reply ends the wait at the
//! deadline (or a second after it, for the poll that falls on the deadline itself), not a
//! call timeout later. tem-core's `CallOptions` has no per-call timeout, so the bound is a
//! timeout around the call, in real time (a test clock whose sleeps return at once must not
//! end every poll).
//!
//! **Time** is tem-core's one time source ([`tem_core::time`]): the client's clock and sleep
//! (`Config::with_time_source`, `Config::with_sleep`), or others given to this wait alone
//! ([`RolloutWaiter::time_source`], [`RolloutWaiter::sleep`]), such as an emulator's clock that
//! runs faster than the one requests are signed with. A manual clock (`ManualClock`, feature
//! `test-util`) makes a rollout of minutes a test of milliseconds. Tokio's paused time
//! (`tokio::time::pause`) would also jump ahead while a request waits on the network, firing
//! the client's timeouts: against a server, inject a clock instead.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use tem_core::time::{AsyncSleep, SharedAsyncSleep, SharedTimeSource, TimeSource};
use tem_core::{Action, ErrorKind};

use crate::operation::describe_deploy_application_detail::{
    DescribeDeployApplicationDetailError, DescribeDeployApplicationDetailRequest,
};
use crate::operation::resume_deploy_application::{ResumeDeployApplicationError, ResumeDeployApplicationRequest};
use crate::operation::revert_deploy_application::{RevertDeployApplicationError, RevertDeployApplicationRequest};
use crate::types::{DeployServiceBatchDetail, DeployServicePodDetail, TemDeployApplicationDetailInfo};
use crate::{Client, Error};

/// Default time a wait may take.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30 * 60);
/// Default shortest wait between two polls.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(2);
/// Default longest wait between two polls.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(20);
/// The least time a poll is given, even at the deadline (see [`crate::waiter`]).
const LAST_POLL_FLOOR: Duration = Duration::from_secs(1);
/// TEM's usual default rate limit, for actions whose limit is not documented.
const UNDOCUMENTED_RATE_LIMIT_PER_SECOND: u32 = 20;

/// A batch of a rollout: the beta batch, or one of the others by its index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BatchRef {
    /// The beta batch (`BetaBatchDetail`) rather than one of `OtherBatchDetail`.
    pub beta: bool,
    /// The batch's number: `BatchIndex`, which is 0 for the beta batch and 1 to
    /// `TotalBatchCount` for the others (plus one where the server counts those from 0).
    pub index: i64,
}

impl fmt::Display for BatchRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.beta {
            write!(f, "beta batch")
        } else {
            write!(f, "batch {}", self.index)
        }
    }
}

/// The rollout's `Status`, as far as it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RolloutStatus {
    /// Deploying, or between batches.
    InProgress,
    /// Paused until a resume (BETA and MANUAL strategies) or a batch interval.
    Paused,
    /// Done: the new version serves.
    Succeeded,
    /// Ended in error; `ErrorMessage` says why.
    Failed,
    /// Rolled back to the old version.
    Reverted,
    /// A value this SDK does not know; the wait goes on.
    Unknown(String),
}

impl RolloutStatus {
    /// Classifies a `Status` value (case-insensitive).
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "deploying" | "running" | "notstart" | "pending" | "starting" | "reverting" | "rollbacking" => {
                Self::InProgress
            }
            "waitforresume" | "waitfortimeexceed" | "paused" | "suspended" => Self::Paused,
            "finish" | "finished" | "success" | "succeeded" | "done" => Self::Succeeded,
            "error" | "failed" | "fail" | "failure" => Self::Failed,
            "revert" | "reverted" | "rollback" | "rolledback" | "stopped" => Self::Reverted,
            _ => Self::Unknown(value.to_owned()),
        }
    }
}

/// A batch's documented `BatchStatus`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum BatchStatus {
    NotStart,
    Deploying,
    WaitForResume,
    WaitForTimeExceed,
    Finish,
    Unknown(String),
}

impl BatchStatus {
    fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "notstart" | "" => Self::NotStart,
            "deploying" => Self::Deploying,
            "waitforresume" => Self::WaitForResume,
            "waitfortimeexceed" => Self::WaitForTimeExceed,
            "finish" | "finished" => Self::Finish,
            _ => Self::Unknown(value.to_owned()),
        }
    }
}

/// What the waiter saw happen.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RolloutEvent {
    /// The first reply: what is being rolled out.
    Started {
        /// `OldDeployVersion`: the version being replaced.
        old_version: String,
        /// `NewDeployVersion`: the version rolled out.
        new_version: String,
        /// `DeployStrategyConf.TotalBatchCount`, where given.
        total_batches: Option<i64>,
        /// `DeployStrategyConf.DeployStrategyType`: 0 automatic, 1 manual, 2 beta, 3 first release.
        strategy: Option<i64>,
    },
    /// A batch began deploying.
    BatchStarted {
        /// The batch.
        batch: BatchRef,
    },
    /// A batch's pods changed: how many old pods remain ready, how many new ones are ready.
    Pods {
        /// The batch.
        batch: BatchRef,
        /// Old pods of the batch still ready.
        old_ready: usize,
        /// Old pods of the batch listed.
        old_total: usize,
        /// New pods of the batch ready (running).
        new_ready: usize,
        /// New pods of the batch listed.
        new_total: usize,
        /// `PodNum`: the pods the batch replaces.
        planned: i64,
    },
    /// A batch finished.
    BatchFinished {
        /// The batch.
        batch: BatchRef,
    },
    /// The rollout is paused before `next_batch`, after `after`: until a resume when
    /// `next_batch_start_time` is `None` (BETA and MANUAL), else until that Unix time.
    WaitingForConfirmation {
        /// The batch the pause follows, if any.
        after: Option<BatchRef>,
        /// The batch that waits, if known.
        next_batch: Option<BatchRef>,
        /// When the next batch starts by itself (Unix seconds), for a timed pause.
        next_batch_start_time: Option<i64>,
    },
    /// The waiter resumed the rollout itself ([`RolloutWaiter::auto_resume`]).
    Resumed,
    /// A status value this SDK does not know. Reported once per value; the wait goes on until
    /// a known end or the deadline.
    UnknownStatus {
        /// `Status` or `BatchStatus`.
        field: &'static str,
        /// The value, verbatim.
        value: String,
    },
    /// A poll failed in a way that may pass (throttling, timeout, dropped connection, server
    /// error).
    PollFailed {
        /// The error and its causes, on one line.
        error: String,
        /// When the next poll is.
        retry_in: Duration,
    },
    /// A warning before [`RolloutEvent::Succeeded`]: `Status` has a value this SDK does not
    /// know, but every batch finished without an error message and the pods show the new
    /// version serving alone (all running and ready, no old one left); taken as success.
    SucceededByPods {
        /// `Status`, verbatim.
        status: String,
        /// The new version's pods, all running and ready.
        pods: usize,
    },
    /// The rollout succeeded: the last event.
    Succeeded(RolloutSummary),
}

/// A finished rollout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutSummary {
    /// The version that now serves.
    pub new_version: String,
    /// The version it replaced.
    pub old_version: String,
    /// Batches that finished, beta included.
    pub batches: usize,
    /// Polls made.
    pub polls: u32,
}

/// Why a wait ended without success.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError {
    /// The rollout ended in error.
    Failed {
        /// The server's `ErrorMessage` (may be empty).
        message: String,
        /// The batch that was being deployed, where known.
        batch: Option<BatchRef>,
        /// `Status` as the server wrote it.
        status: String,
    },
    /// The rollout was rolled back (`RevertDeployApplication`, or by the service).
    Reverted {
        /// `Status` as the server wrote it.
        status: String,
    },
    /// The deadline passed first.
    DeadlineExceeded {
        /// The deadline.
        deadline: Duration,
        /// The last `Status` seen, if any.
        last_status: Option<String>,
    },
    /// Polling failed for good (not found, unauthorized, bad reply...).
    Describe(Error<DescribeDeployApplicationDetailError>),
    /// Resuming ([`RolloutWaiter::auto_resume`]) failed.
    Resume(Error<ResumeDeployApplicationError>),
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed { message, batch, status } => {
                write!(f, "the rollout failed (status {status})")?;
                if let Some(batch) = batch {
                    write!(f, " in {batch}")?;
                }
                if message.is_empty() {
                    write!(f, "; the server gave no message")
                } else {
                    write!(f, ": {message}")
                }
            }
            Self::Reverted { status } => write!(f, "the rollout was reverted (status {status})"),
            Self::DeadlineExceeded { deadline, last_status } => {
                write!(f, "the rollout did not finish within {} s", deadline.as_secs_f64())?;
                match last_status {
                    Some(status) => write!(f, " (last status {status})"),
                    None => Ok(()),
                }
            }
            Self::Describe(_) => f.write_str("polling the rollout failed"),
            Self::Resume(_) => f.write_str("resuming the rollout failed"),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Describe(e) => Some(e),
            Self::Resume(e) => Some(e),
            _ => None,
        }
    }
}

impl Client {
    /// A waiter for the rollout of `application_id` in `environment_id`; configure it, then
    /// [`RolloutWaiter::wait`] or [`RolloutWaiter::next_event`]. See [`crate::waiter`].
    pub fn wait_for_rollout(
        &self,
        application_id: impl Into<String>,
        environment_id: impl Into<String>,
    ) -> RolloutWaiter {
        RolloutWaiter::new(self.clone(), application_id.into(), environment_id.into())
    }

    /// Resumes a paused rollout (`ResumeDeployApplication`): the next batch starts.
    pub async fn resume_rollout(
        &self,
        application_id: impl Into<String>,
        environment_id: impl Into<String>,
    ) -> Result<(), Error<ResumeDeployApplicationError>> {
        let request = ResumeDeployApplicationRequest::builder()
            .application_id(application_id)
            .environment_id(environment_id)
            .build()
            .expect("both required parameters are set");
        self.send(&request).await.map(|_| ())
    }

    /// Rolls a rollout back to the old version (`RevertDeployApplication`).
    pub async fn revert_rollout(
        &self,
        application_id: impl Into<String>,
        environment_id: impl Into<String>,
    ) -> Result<(), Error<RevertDeployApplicationError>> {
        let request = RevertDeployApplicationRequest::builder()
            .application_id(application_id)
            .environment_id(environment_id)
            .build()
            .expect("both required parameters are set");
        self.send(&request).await.map(|_| ())
    }
}

/// What the waiter last saw of a batch.
#[derive(Clone, Debug, Default, PartialEq)]
struct BatchSeen {
    started: bool,
    finished: bool,
    pods: Option<(usize, usize, usize, usize)>,
}

/// Which pause: the batch it follows (or precedes) and the time it ends, if timed.
type PauseKey = (Option<BatchRef>, Option<i64>);

/// Polls one rollout; see [`crate::waiter`].
pub struct RolloutWaiter {
    client: Client,
    application_id: String,
    environment_id: String,
    version_id: Option<String>,
    deadline: Duration,
    min_interval: Duration,
    max_interval: Duration,
    auto_resume: bool,
    time: SharedTimeSource,
    sleep: SharedAsyncSleep,
    // Progress.
    started_at: Option<SystemTime>,
    interval: Duration,
    polls: u32,
    events: VecDeque<RolloutEvent>,
    done: bool,
    announced: bool,
    batches: BTreeMap<BatchRef, BatchSeen>,
    unknown: BTreeSet<(&'static str, String)>,
    waiting: Option<PauseKey>,
    resumed: Option<PauseKey>,
    last_status: Option<String>,
    versions: (String, String),
}

impl fmt::Debug for RolloutWaiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RolloutWaiter")
            .field("application_id", &self.application_id)
            .field("environment_id", &self.environment_id)
            .field("deadline", &self.deadline)
            .field("polls", &self.polls)
            .finish_non_exhaustive()
    }
}

impl RolloutWaiter {
    fn new(client: Client, application_id: String, environment_id: String) -> Self {
        let config = client.core().config();
        let (time, sleep) = (config.time_source().clone(), config.sleep_impl().clone());
        let mut waiter = Self {
            client,
            application_id,
            environment_id,
            version_id: None,
            deadline: DEFAULT_DEADLINE,
            min_interval: DEFAULT_MIN_INTERVAL,
            max_interval: DEFAULT_MAX_INTERVAL,
            auto_resume: false,
            time,
            sleep,
            started_at: None,
            interval: DEFAULT_MIN_INTERVAL,
            polls: 0,
            events: VecDeque::new(),
            done: false,
            announced: false,
            batches: BTreeMap::new(),
            unknown: BTreeSet::new(),
            waiting: None,
            resumed: None,
            last_status: None,
            versions: (String::new(), String::new()),
        };
        waiter = waiter.poll_interval(DEFAULT_MIN_INTERVAL, DEFAULT_MAX_INTERVAL);
        waiter
    }

    /// The version (`VersionId`) whose rollout to follow; by default the latest.
    pub fn version_id(mut self, version_id: impl Into<String>) -> Self {
        self.version_id = Some(version_id.into());
        self
    }

    /// How long the wait may take, from its first poll (default 30 minutes).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The shortest and longest wait between polls (default 2 s and 20 s). The shortest is
    /// raised to the action's rate limit.
    pub fn poll_interval(mut self, min: Duration, max: Duration) -> Self {
        let per_second = <DescribeDeployApplicationDetailRequest as Action>::RATE_LIMIT_PER_SECOND
            .unwrap_or(UNDOCUMENTED_RATE_LIMIT_PER_SECOND)
            .max(1);
        self.min_interval = min.max(Duration::from_secs(1) / per_second);
        self.max_interval = max.max(self.min_interval);
        self.interval = self.min_interval;
        self
    }

    /// Resume the rollout whenever it waits for confirmation (BETA and MANUAL strategies),
    /// reporting [`RolloutEvent::Resumed`]. Off by default.
    pub fn auto_resume(mut self, enabled: bool) -> Self {
        self.auto_resume = enabled;
        self
    }

    /// The clock this wait's deadline is measured on (default: the client's,
    /// `Config::with_time_source`). Requests are still signed with the client's.
    pub fn time_source(mut self, time: impl TimeSource + 'static) -> Self {
        self.time = SharedTimeSource::new(time);
        self
    }

    /// How this wait sleeps between polls (default: the client's, `Config::with_sleep`). It
    /// goes with [`RolloutWaiter::time_source`]: a sleep of a duration lasts that long on it.
    pub fn sleep(mut self, sleep: impl AsyncSleep + 'static) -> Self {
        self.sleep = SharedAsyncSleep::new(sleep);
        self
    }

    /// Waits to the end, calling `on_event` for every event (the last is
    /// [`RolloutEvent::Succeeded`] on success).
    pub async fn wait(mut self, mut on_event: impl FnMut(&RolloutEvent)) -> Result<RolloutSummary, WaitError> {
        loop {
            match self.next_event().await {
                Some(Ok(RolloutEvent::Succeeded(summary))) => {
                    on_event(&RolloutEvent::Succeeded(summary.clone()));
                    return Ok(summary);
                }
                Some(Ok(event)) => on_event(&event),
                Some(Err(e)) => return Err(e),
                None => unreachable!("the waiter ends with success or an error"),
            }
        }
    }

    /// The events as a [`futures_core::Stream`]: the items of [`RolloutWaiter::next_event`].
    pub fn into_stream(self) -> RolloutEvents {
        RolloutEvents { waiter: Some(self), pending: None }
    }

    /// The next event, polling as needed: `Ok` events, then [`RolloutEvent::Succeeded`] or
    /// one error; `None` after that.
    pub async fn next_event(&mut self) -> Option<Result<RolloutEvent, WaitError>> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Some(Ok(event));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.step().await {
                self.done = true;
                return Some(Err(e));
            }
        }
    }

    /// One poll (after waiting, except for the first), queueing what it shows.
    async fn step(&mut self) -> Result<(), WaitError> {
        let started_at = *self.started_at.get_or_insert_with(|| self.time.now());
        if self.polls > 0 {
            let elapsed = self.time.since(started_at);
            if elapsed >= self.deadline {
                return Err(WaitError::DeadlineExceeded {
                    deadline: self.deadline,
                    last_status: self.last_status.clone(),
                });
            }
            // The last poll falls on the deadline itself.
            self.sleep.sleep(self.interval.min(self.deadline.saturating_sub(elapsed))).await;
        }
        let time_left = self.time_left(started_at);
        self.polls += 1;
        let mut request = DescribeDeployApplicationDetailRequest::builder()
            .application_id(self.application_id.clone())
            .environment_id(self.environment_id.clone());
        if let Some(version) = &self.version_id {
            request = request.version_id(version.clone());
        }
        let request = request.build().expect("both required parameters are set");
        // The poll in flight ends at the deadline too (see the module's documentation).
        let Ok(reply) = tokio::time::timeout(time_left, self.client.send(&request)).await else {
            return Err(WaitError::DeadlineExceeded { deadline: self.deadline, last_status: self.last_status.clone() });
        };
        match reply {
            Ok(response) => {
                let before = self.events.len();
                self.observe(&response.result).await?;
                // Back off while nothing changes; poll closely again once something does.
                self.interval = if self.events.len() > before {
                    self.min_interval
                } else {
                    self.interval.saturating_mul(2).min(self.max_interval)
                };
                Ok(())
            }
            Err(e) if is_transient(&e) => {
                self.interval =
                    self.interval.saturating_mul(2).min(self.max_interval).max(self.min_interval.saturating_mul(2));
                self.events.push_back(RolloutEvent::PollFailed { error: error_line(&e), retry_in: self.interval });
                Ok(())
            }
            Err(e) => Err(WaitError::Describe(e)),
        }
    }

    /// Compares a reply with what was seen before and queues the differences.
    async fn observe(&mut self, info: &TemDeployApplicationDetailInfo) -> Result<(), WaitError> {
        if !self.announced {
            self.announced = true;
            self.versions = (info.new_deploy_version.clone(), info.old_deploy_version.clone());
            let strategy = info.deploy_strategy_conf.as_ref();
            self.events.push_back(RolloutEvent::Started {
                old_version: info.old_deploy_version.clone(),
                new_version: info.new_deploy_version.clone(),
                total_batches: strategy.and_then(|s| s.total_batch_count),
                strategy: strategy.and_then(|s| s.deploy_strategy_type),
            });
        }
        // Batches 1..=N after the beta batch (0): a reply counting them from 0 is shifted.
        let shift = i64::from(info.other_batch_detail.iter().any(|b| b.batch_index == 0));
        let batches: Vec<(BatchRef, &DeployServiceBatchDetail)> = info
            .beta_batch_detail
            .iter()
            .map(|b| (BatchRef { beta: true, index: b.batch_index }, b))
            .chain(
                info.other_batch_detail
                    .iter()
                    .map(|b| (BatchRef { beta: false, index: b.batch_index.saturating_add(shift) }, b)),
            )
            .collect();
        let mut paused: Option<(Option<BatchRef>, Option<BatchRef>, Option<i64>)> = None;
        let mut current: Option<BatchRef> = None;
        for (i, (batch, detail)) in batches.iter().enumerate() {
            let status = BatchStatus::parse(&detail.batch_status);
            let seen = self.batches.entry(*batch).or_default();
            let mut events = Vec::new();
            // A batch waiting for a resume or its start time has not begun.
            let begun = matches!(status, BatchStatus::Deploying | BatchStatus::Finish | BatchStatus::Unknown(_));
            if begun && !seen.started {
                seen.started = true;
                events.push(RolloutEvent::BatchStarted { batch: *batch });
            }
            if seen.started {
                let pods = pod_counts(detail);
                if seen.pods != Some(pods) {
                    seen.pods = Some(pods);
                    let (old_ready, old_total, new_ready, new_total) = pods;
                    events.push(RolloutEvent::Pods {
                        batch: *batch,
                        old_ready,
                        old_total,
                        new_ready,
                        new_total,
                        planned: detail.pod_num,
                    });
                }
            }
            if status == BatchStatus::Finish && !seen.finished {
                seen.finished = true;
                events.push(RolloutEvent::BatchFinished { batch: *batch });
            }
            self.events.extend(events);
            match &status {
                BatchStatus::Deploying => current = Some(*batch),
                BatchStatus::WaitForResume | BatchStatus::WaitForTimeExceed => {
                    // The batch that waits is the next one; the pause follows the one before.
                    let after = i.checked_sub(1).map(|j| batches[j].0);
                    let start = (status == BatchStatus::WaitForTimeExceed)
                        .then_some(detail.next_batch_start_time)
                        .filter(|t| *t > 0);
                    paused.get_or_insert((after, Some(*batch), start));
                }
                BatchStatus::Unknown(value) => self.unknown("BatchStatus", value),
                _ => {}
            }
        }

        let status = RolloutStatus::parse(&info.status);
        self.last_status = Some(info.status.clone());
        match status {
            RolloutStatus::Succeeded => {
                self.done = true;
                self.events.push_back(RolloutEvent::Succeeded(self.summary()));
                return Ok(());
            }
            RolloutStatus::Failed => {
                let batch = current
                    .or_else(|| {
                        info.current_batch_index
                            .map(|index| BatchRef { beta: false, index: index.saturating_add(shift) })
                    })
                    .or_else(|| batches.iter().find(|(b, _)| !self.batches[b].finished).map(|(b, _)| *b))
                    .or_else(|| batches.last().map(|(b, _)| *b));
                return Err(WaitError::Failed {
                    message: info.error_message.clone(),
                    batch,
                    status: info.status.clone(),
                });
            }
            RolloutStatus::Reverted => return Err(WaitError::Reverted { status: info.status.clone() }),
            RolloutStatus::Unknown(value) => {
                self.unknown("Status", &value);
                let all_finished = !batches.is_empty()
                    && batches.iter().all(|(_, b)| BatchStatus::parse(&b.batch_status) == BatchStatus::Finish);
                if all_finished && info.error_message.trim().is_empty() {
                    if let Some(pods) = self.new_version_serves_alone(info).await {
                        self.done = true;
                        self.events.push_back(RolloutEvent::SucceededByPods { status: value, pods });
                        self.events.push_back(RolloutEvent::Succeeded(self.summary()));
                        return Ok(());
                    }
                }
            }
            RolloutStatus::Paused if paused.is_none() => {
                // Paused with no batch saying where: the rollout's own next batch time.
                let start = info.next_batch_start_time.filter(|t| *t > 0);
                let next = batches.iter().find(|(b, _)| !self.batches[b].started).map(|(b, _)| *b);
                paused = Some((current, next, start));
            }
            RolloutStatus::InProgress | RolloutStatus::Paused => {}
        }

        match paused {
            Some((after, next_batch, next_batch_start_time)) => {
                let key = (after.or(next_batch), next_batch_start_time);
                if self.waiting != Some(key) {
                    self.waiting = Some(key);
                    self.events.push_back(RolloutEvent::WaitingForConfirmation {
                        after,
                        next_batch,
                        next_batch_start_time,
                    });
                }
                // Once per pause: a reply may still show it just after the resume.
                if self.auto_resume && next_batch_start_time.is_none() && self.resumed != Some(key) {
                    self.client
                        .resume_rollout(self.application_id.clone(), self.environment_id.clone())
                        .await
                        .map_err(WaitError::Resume)?;
                    self.resumed = Some(key);
                    self.events.push_back(RolloutEvent::Resumed);
                }
            }
            None => self.waiting = None,
        }
        Ok(())
    }

    /// How long the call under way may take: until the deadline, and at least a moment, so
    /// that the poll falling on the deadline itself can still answer.
    fn time_left(&self, started_at: SystemTime) -> Duration {
        self.deadline.saturating_sub(self.time.since(started_at)).max(LAST_POLL_FLOOR)
    }

    fn summary(&self) -> RolloutSummary {
        RolloutSummary {
            new_version: self.versions.0.clone(),
            old_version: self.versions.1.clone(),
            batches: self.batches.values().filter(|b| b.finished).count(),
            polls: self.polls,
        }
    }

    /// The number of the new version's pods when the application's pods show it serving
    /// alone: at least one pod, every pod of the new version (by `DeployVersion`, or
    /// `VersionId` where the reply names no version), running and ready. `None` otherwise, or
    /// when the pods cannot be listed before the deadline (the wait goes on).
    async fn new_version_serves_alone(&self, info: &TemDeployApplicationDetailInfo) -> Option<usize> {
        let listing = self
            .client
            .describe_application_pods()
            .environment_id(self.environment_id.clone())
            .application_id(self.application_id.clone())
            .into_paginator()
            .items()
            .try_collect();
        let time_left = self.time_left(self.started_at.unwrap_or_else(|| self.time.now()));
        let pods = tokio::time::timeout(time_left, listing).await.ok()?.ok()?;
        let new_version = |pod: &crate::types::RunVersionPod| {
            if info.new_deploy_version.is_empty() {
                self.version_id.as_deref().is_some_and(|v| v == pod.version_id)
            } else {
                pod.deploy_version == info.new_deploy_version
            }
        };
        let serving = |pod: &crate::types::RunVersionPod| pod.status.eq_ignore_ascii_case("running") && pod.ready;
        (!pods.is_empty() && pods.iter().all(|p| new_version(p) && serving(p))).then_some(pods.len())
    }

    fn unknown(&mut self, field: &'static str, value: &str) {
        if self.unknown.insert((field, value.to_owned())) {
            self.events.push_back(RolloutEvent::UnknownStatus { field, value: value.to_owned() });
        }
    }
}

/// The events of a [`RolloutWaiter`] as a [`futures_core::Stream`].
pub struct RolloutEvents {
    /// The waiter, while no poll is under way.
    waiter: Option<RolloutWaiter>,
    pending: Option<PendingEvent>,
}

type PendingEvent = Pin<Box<dyn Future<Output = (RolloutWaiter, Option<Result<RolloutEvent, WaitError>>)> + Send>>;

impl fmt::Debug for RolloutEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RolloutEvents").field("polling", &self.pending.is_some()).finish_non_exhaustive()
    }
}

impl futures_core::Stream for RolloutEvents {
    type Item = Result<RolloutEvent, WaitError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.pending.is_none() {
            let Some(mut waiter) = this.waiter.take() else { return std::task::Poll::Ready(None) };
            this.pending = Some(Box::pin(async move {
                let item = waiter.next_event().await;
                (waiter, item)
            }));
        }
        let pending = this.pending.as_mut().expect("set above");
        let (waiter, item) = std::task::ready!(pending.as_mut().poll(cx));
        this.pending = None;
        this.waiter = Some(waiter);
        std::task::Poll::Ready(item)
    }
}

/// Old pods ready, old pods, new pods ready, new pods of a batch. A pod is ready when its
/// status says it runs.
fn pod_counts(batch: &DeployServiceBatchDetail) -> (usize, usize, usize, usize) {
    fn ready(pods: &[DeployServicePodDetail]) -> usize {
        pods.iter()
            .filter(|p| {
                let running = |s: &str| s.eq_ignore_ascii_case("running") || s.eq_ignore_ascii_case("ready");
                running(&p.status) || (p.status.is_empty() && p.pod_status.iter().any(|s| running(s)))
            })
            .count()
    }
    (ready(&batch.old_pods), batch.old_pods.len(), ready(&batch.new_pods), batch.new_pods.len())
}

/// A failure that may pass if the poll is made again later.
fn is_transient(error: &Error<DescribeDeployApplicationDetailError>) -> bool {
    match error.kind() {
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Dispatch => true,
        ErrorKind::HttpStatus => error.http_status().is_some_and(|s| s == 429 || s >= 500),
        ErrorKind::Service => error.code().is_some_and(|code| {
            code.starts_with("RequestLimitExceeded")
                || code.starts_with("InternalError")
                || code == "ServiceUnavailable"
                || code == "FailedOperation.DescribeRunPodListError"
        }),
        _ => false,
    }
}

/// An error and its causes on one line.
fn error_line(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}
