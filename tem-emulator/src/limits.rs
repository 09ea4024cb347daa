//! What the server accepts, in one place: every size, count and time bound of the emulator.

use std::time::Duration;

/// The largest request body accepted, Tencent Cloud's limit for a TC3 POST.
pub const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// How far `X-TC-Timestamp` may be from the server's clock, as Tencent Cloud allows.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);
/// The most levels of a flattened form key (`Filters.0.Values.0` has 4), as serde_json allows
/// JSON to nest.
pub const MAX_KEY_DEPTH: usize = 128;
/// The largest list index of a flattened form key.
pub const MAX_LIST_INDEX: usize = 10_000;
/// Bytes of a request's head (request line and headers) hyper buffers.
pub const MAX_HEAD_BYTES: usize = 256 * 1024;
/// How long a client may take to send a request's head.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a request body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a keep-alive connection may stay idle between requests before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 256;
/// Requests the log keeps.
pub const MAX_LOG_ENTRIES: usize = 10_000;
/// Bytes the whole request log may hold (oldest entries dropped first).
pub const MAX_LOG_BYTES: usize = 16 * 1024 * 1024;
/// Bytes of the action and of the message a log entry keeps.
pub const MAX_LOGGED_TEXT_BYTES: usize = 256;
/// Bytes of parameters a log entry keeps (larger ones are replaced by their size).
pub const MAX_LOGGED_PARAMS_BYTES: usize = 64 * 1024;
/// The largest state file read.
pub const MAX_STATE_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The largest id counter a state may hold: ids can still be made for ever after it.
pub const MAX_NEXT_ID: u64 = 1 << 53;

/// Replicas of a deployment, so that a request cannot make the emulator allocate without bound.
pub const MAX_REPLICAS: u64 = 200;
/// Environments, and applications.
pub const MAX_RESOURCES: usize = 10_000;
/// Documents of one kind under one owner (config data per environment, ...).
pub const MAX_DOCUMENTS_PER_OWNER: usize = 1_000;
/// Environment variables (`EnvConf`) of a deployment.
pub const MAX_ENV_VARS: usize = 1_000;
/// Finished rollouts per deployment that stay queryable by `VersionId`.
pub const ROLLOUT_HISTORY: usize = 8;
/// Batches of a rollout (`TotalBatchCount` at most 100, and a beta batch).
pub const MAX_BATCHES: usize = 101;
