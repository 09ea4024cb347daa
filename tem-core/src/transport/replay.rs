//! Test doubles of the HTTP layer, for testing code that calls the SDK without a server
//! (feature `test-util`).
//!
//! A `Client` whose configuration has a [`Transport`]
//! ([`Config::with_transport`]) hands it each signed request instead of sending it over HTTP,
//! and treats what comes back exactly as a reply from the network: decoding, typed service
//! errors, retries, the reply size limit. [`StaticReplayTransport`] answers with canned
//! replies, in order, and records every request, in the spirit of aws-smithy-mocks'
//! `StaticReplayClient`; [`FnTransport`] answers with a function of each request.
//!
//! Without the feature none of this exists.
//!
//! ```
//! use serde_json::json;
//! use tem_core::transport::{HttpReply, StaticReplayTransport};
//! use tem_core::{Client, CommonError, Config, Credentials, ServiceSpec};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let transport = StaticReplayTransport::new()
//!     .with_reply(HttpReply::ok(json!({"Result": true})))
//!     .with_reply(HttpReply::service_error("ResourceNotFound.ApplicationNotExist", "no such application"));
//! let config = Config::new(Credentials::new("AKIDtest", "test-key"))
//!     .with_region("ap-guangzhou")
//!     .unwrap()
//!     .with_transport(transport.clone());
//! let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config).unwrap();
//!
//! let reply = client.send_raw("RestartApplication", br#"{"ApplicationId":"app-1"}"#.to_vec()).await.unwrap();
//! let response: serde_json::Value = tem_core::decode_reply::<_, CommonError>("RestartApplication", &reply).unwrap();
//! assert_eq!(response["Result"], true);
//!
//! let requests = transport.requests();
//! assert_eq!(requests[0].action(), Some("RestartApplication"));
//! assert_eq!(requests[0].body_json().unwrap(), json!({"ApplicationId": "app-1"}));
//! assert_eq!(transport.remaining(), 1);
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use super::{HttpReply, HttpRequest, Transport, TransportError, TransportErrorKind, TransportFuture};

/// A transport answering with canned replies, one per request in order, and recording every
/// request. Clones share the replies and the record: keep one to look at what was sent.
///
/// When no reply is left, a request fails as a [`TransportErrorKind::Dispatch`] saying so.
#[derive(Clone, Debug, Default)]
pub struct StaticReplayTransport {
    state: Arc<Mutex<ReplayState>>,
}

#[derive(Debug, Default)]
struct ReplayState {
    replies: VecDeque<Result<HttpReply, TransportErrorKind>>,
    requests: Vec<HttpRequest>,
}

impl StaticReplayTransport {
    /// No replies yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers the next request not yet answered with `reply`.
    pub fn with_reply(self, reply: HttpReply) -> Self {
        self.lock().replies.push_back(Ok(reply));
        self
    }

    /// Fails the next request not yet answered with a failure of `kind`.
    pub fn with_failure(self, kind: TransportErrorKind) -> Self {
        self.lock().replies.push_back(Err(kind));
        self
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.lock().requests.clone()
    }

    /// Replies and failures not used yet.
    pub fn remaining(&self) -> usize {
        self.lock().replies.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReplayState> {
        // A test that panicked while holding it leaves the record as it was: still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Transport for StaticReplayTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        let mut state = self.lock();
        let number = state.requests.len() + 1;
        let action = request.action().unwrap_or("?").to_owned();
        state.requests.push(request);
        let answer = match state.replies.pop_front() {
            Some(Ok(reply)) => Ok(reply),
            Some(Err(kind)) => Err(TransportError::new(kind, format!("canned {kind:?} failure"))),
            None => Err(TransportError::new(
                TransportErrorKind::Dispatch,
                format!("StaticReplayTransport has no reply left for request {number} ({action})"),
            )),
        };
        Box::pin(async move { answer })
    }
}

type Answer = Arc<dyn Fn(&HttpRequest) -> Result<HttpReply, TransportErrorKind> + Send + Sync>;

/// A transport answering each request with a function of it (e.g. by
/// [`HttpRequest::action`]), and recording every request. Clones share the record.
///
/// ```
/// use tem_core::transport::{FnTransport, HttpReply, TransportErrorKind};
///
/// let transport = FnTransport::new(|request| match request.action() {
///     Some("DescribeApplications") => Ok(HttpReply::ok(serde_json::json!({"Result": {"TotalCount": 0}}))),
///     _ => Err(TransportErrorKind::Connect),
/// });
/// # drop(transport);
/// ```
#[derive(Clone)]
pub struct FnTransport {
    answer: Answer,
    requests: Arc<Mutex<Vec<HttpRequest>>>,
}

impl FnTransport {
    /// Answers every request with `answer(request)`.
    pub fn new(answer: impl Fn(&HttpRequest) -> Result<HttpReply, TransportErrorKind> + Send + Sync + 'static) -> Self {
        Self { answer: Arc::new(answer), requests: Arc::default() }
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl fmt::Debug for FnTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTransport").field("requests", &self.requests().len()).finish_non_exhaustive()
    }
}

impl Transport for FnTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        let answer = (self.answer)(&request)
            .map_err(|kind| TransportError::new(kind, format!("{kind:?} failure from the FnTransport function")));
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).push(request);
        Box::pin(async move { answer })
    }
}
