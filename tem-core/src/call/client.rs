//! The client: the one generic call every action goes through.

use std::convert::Infallible;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::time::{AsyncSleep, TimeSource};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;
use tracing::{Instrument, Span};

use crate::call::decode::{self, Inspection, Reply};
use crate::call::multipart::{self, RequestForm, GET_CONTENT_TYPE, MULTIPART_CONTENT_TYPE};
use crate::call::rate_limit::RateLimiter;
use crate::call::retry::{classify, CallOptions, Decision, Failure, Jitter};
use crate::config::{Config, Endpoint};
use crate::credentials::{Credentials, CredentialsErrorKind, ProvideCredentials};
use crate::error::{ConfigError, Error, ErrorKind, OperationError};
use crate::signing::{self, SigningInput, SigningKeyCache, JSON_CONTENT_TYPE};
use crate::transport::{self, HttpRequest, ReqwestTransport, SharedTransport, TransportError, TransportErrorKind};

/// What identifies a service: its name (the host's first label) and API version. Built with
/// [`ServiceSpec::new`]; it may gain fields (hence `#[non_exhaustive]`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    /// The service name, e.g. `tem`: the host's first label and the credential scope's service.
    pub name: &'static str,
    /// The API version, e.g. `2021-07-01`, sent as `X-TC-Version`.
    pub version: &'static str,
    /// The documented rate limits, requests per second, of the actions that have one: what an
    /// untyped call ([`Client::send_json`]) is limited to.
    pub rate_limits: &'static [(&'static str, u32)],
}

impl ServiceSpec {
    /// The service `name` at API `version`, with no rate limits listed.
    pub const fn new(name: &'static str, version: &'static str) -> Self {
        Self { name, version, rate_limits: &[] }
    }

    /// Lists the documented rate limits of the service's actions: `(action, per second)`.
    pub const fn with_rate_limits(mut self, rate_limits: &'static [(&'static str, u32)]) -> Self {
        self.rate_limits = rate_limits;
        self
    }

    /// The documented rate limit of `action`, if listed.
    pub fn rate_limit(&self, action: &str) -> Option<u32> {
        self.rate_limits.iter().find(|(name, _)| *name == action).map(|(_, limit)| *limit)
    }
}

/// One action's request type, linked to its response and error types. Generated.
pub trait Action: Serialize {
    /// The wire name, sent as `X-TC-Action`.
    const NAME: &'static str;
    /// The action changes nothing: resending it after a failure mid-request is safe.
    const READ_ONLY: bool;
    /// The documented default rate limit, requests per second, where the schema has one.
    const RATE_LIMIT_PER_SECOND: Option<u32>;
    /// The typed response, read from the reply's `Response`.
    type Response: DeserializeOwned;
    /// The action's typed error codes.
    type Error: OperationError;
    /// The request has `binary` members and is sent as `multipart/form-data`
    /// ([`crate::multipart`]), as the official SDKs send it.
    const MULTIPART: bool = false;
}

/// A client of one service. Cheap to clone: clones share the connection pool.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<ClientInner>,
}

#[derive(Debug)]
struct ClientInner {
    /// Where every request goes: reqwest, or the configuration's own transport.
    transport: SharedTransport,
    service: ServiceSpec,
    config: Config,
    endpoint: Endpoint,
    /// Parsed once; each request takes a clone.
    url: reqwest::Url,
    /// The derived signing key of the latest credentials and day.
    signing_keys: SigningKeyCache,
    calls: CallState,
}

/// What a client learns across calls: the server's clock, the rate limits' buckets, and the
/// random source (backoff jitter, legacy-signature nonces). Shared by clones.
#[derive(Debug)]
struct CallState {
    /// Seconds to add to the local clock to get the server's, learnt from the `Date` of a reply
    /// refusing a signature as expired.
    clock_offset: AtomicI64,
    limiter: RateLimiter,
    jitter: Jitter,
}

impl Default for CallState {
    fn default() -> Self {
        Self { clock_offset: AtomicI64::new(0), limiter: RateLimiter::default(), jitter: Jitter::new() }
    }
}

/// What the retry loop needs to know of an action, without its types.
#[derive(Clone, Copy, Debug)]
struct CallSpec {
    action: &'static str,
    form: RequestForm,
    read_only: bool,
    rate_limit: Option<u32>,
    /// `Authorization: SKIP` ([`CallOptions::unsigned`]).
    unsigned: bool,
}

/// The last reply of a call and what it says, for the typed decoding.
struct Answered {
    reply: Reply,
    inspection: Inspection,
    attempts: u32,
    /// Why a clock correction was not made, to add to the final error.
    note: Option<String>,
}

/// One attempt's outcome: a reply and what it says, or a transport failure and what it tells
/// of whether the request was received.
type Attempt = Result<(Reply, Inspection), (Error<Infallible>, Failure<'static>)>;

/// A reply, and the clock offset its request was signed with.
type Sent = (Reply, i64);

/// A server clock differing from the offset a refused request was signed with by less than
/// this is the `Date` header's rounding, not a skew that signing again would cure.
const MIN_CLOCK_CORRECTION_SECS: i64 = 2;

/// The largest clock offset learnt from a `Date` (one day): a larger one is a broken or
/// hostile `Date`, not a clock to sign with.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 86_400;

/// The `Authorization` of an unsigned call ([`CallOptions::unsigned`]), as the official SDKs
/// send it.
const UNSIGNED_AUTHORIZATION: &str = "SKIP";

/// `X-TC-RequestClient` and `User-Agent`: this SDK and its version.
pub(crate) const REQUEST_CLIENT: &str = concat!("tem-sdk-rust/", env!("CARGO_PKG_VERSION"));

impl Client {
    /// A client of `service`. Fails, before any request, if the configuration is inconsistent
    /// or the credentials provider's configuration is bad ([`ProvideCredentials::check`]).
    ///
    /// The host is the endpoint override if any, else `<service>.<region>.<root domain>` with
    /// [`Config::with_region_domain`], else the nearest-access `<service>.<root domain>`.
    pub fn new(service: ServiceSpec, config: Config) -> Result<Self, ConfigError> {
        config.credentials.check()?;
        if config.region.is_none() && config.region_required {
            return Err(ConfigError::with_kind(
                crate::error::ConfigErrorKind::MissingRegion,
                format!(
                    "no region is set for {}: set one with Config::with_region, {} or the credentials profile's \
                     region (Config::without_region for an API that takes none)",
                    service.name,
                    crate::config::ENV_REGION
                ),
            ));
        }
        if config.signature_method != signing::SignatureMethod::Tc3HmacSha256 && config.unsigned_payload {
            return Err(ConfigError::new(format!(
                "an unsigned payload needs TC3-HMAC-SHA256, not {}",
                config.signature_method.as_str()
            )));
        }
        let endpoint = match (&config.endpoint, config.region_domain) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, true) => {
                let region = config.region.as_deref().ok_or_else(|| {
                    ConfigError::with_kind(
                        crate::error::ConfigErrorKind::InvalidRegion,
                        "the region's own domain was asked for, but no region is set",
                    )
                })?;
                Endpoint::for_service_in(service.name, Some(region), &config.root_domain)
            }
            (None, false) => Endpoint::for_service_in(service.name, None, &config.root_domain),
        };
        let invalid_endpoint = |why: String| {
            ConfigError::with_kind(crate::error::ConfigErrorKind::InvalidEndpoint, format!("invalid endpoint: {why}"))
        };
        let url = reqwest::Url::parse(&endpoint.url()).map_err(|e| invalid_endpoint(e.to_string()))?;
        if url.host_str().is_none() {
            return Err(invalid_endpoint("no host".to_owned()));
        }
        let transport = match &config.transport {
            Some(transport) => transport.clone(),
            None => SharedTransport::new(ReqwestTransport::from_settings(&config.http)?),
        };
        let header = |what: &str, value: &str| {
            HeaderValue::from_str(value)
                .map_err(|_| ConfigError::new(format!("the {what} {value:?} is not a valid header value")))
        };
        // Values every request sends: refused now rather than at each call.
        header("service version", service.version)?;
        config.region.as_deref().map(|region| header("region", region)).transpose()?;
        config.language.as_deref().map(|language| header("language", language)).transpose()?;
        Ok(Self {
            inner: Arc::new(ClientInner {
                transport,
                service,
                config,
                endpoint,
                url,
                signing_keys: SigningKeyCache::new(),
                calls: CallState::default(),
            }),
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The service the client calls.
    pub fn service(&self) -> ServiceSpec {
        self.inner.service
    }

    /// Where the requests go: the override, or the service's domain chosen at build.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// Calls an action: serializes, signs, sends, and decodes the reply or its error. Failures
    /// are retried by the client's [`crate::RetryPolicy`] and the rules of [`crate::retry`]
    /// (every attempt signed afresh), after waiting for the action's rate limit if rate limiting
    /// is on. Dropping the future ends any wait at once.
    pub async fn send<A: Action>(&self, request: &A) -> Result<A::Response, Error<A::Error>> {
        self.send_with(request, CallOptions::default()).await
    }

    /// As [`Client::send`], with options for this call: e.g.
    /// `CallOptions::new().with_retry_after_dispatch(true)` to allow resending an action that
    /// changes something after a failure that may have reached the server.
    pub async fn send_with<A: Action>(
        &self,
        request: &A,
        options: CallOptions,
    ) -> Result<A::Response, Error<A::Error>> {
        let invalid = |e: Box<dyn std::error::Error + Send + Sync>| {
            Error::new(ErrorKind::InvalidRequest, "cannot serialize the request").with_source(e).with_action(A::NAME)
        };
        let form = match (A::MULTIPART, options.get) {
            (true, _) => RequestForm::Multipart,
            (false, true) => RequestForm::Get,
            (false, false) => RequestForm::Json,
        };
        let body = match form {
            RequestForm::Multipart => {
                let jitter = &self.inner.calls.jitter;
                let boundary = multipart::boundary(u128::from(jitter.next_u64()) << 64 | u128::from(jitter.next_u64()));
                multipart::multipart_body(request, &boundary).map_err(|e| invalid(e.into()))?
            }
            _ => serde_json::to_vec(request).map_err(|e| invalid(e.into()))?,
        };
        let body = match form {
            RequestForm::Get => multipart::get_query(&body).map_err(|e| invalid(e.into()))?.into_bytes(),
            _ => body,
        };
        let spec = CallSpec {
            action: A::NAME,
            form,
            read_only: A::READ_ONLY,
            rate_limit: options.rate_limit.or(A::RATE_LIMIT_PER_SECOND),
            unsigned: options.unsigned,
        };
        self.call_and_decode(spec, body, options).await
    }

    /// Calls `action` with a JSON object built at run time (a command line, a proxy) rather
    /// than a typed request: the same signing, retries (`read_only` decides what is retried,
    /// see [`crate::retry`]), rate limiting (the action's limit is
    /// [`CallOptions::with_rate_limit`]'s, else the one [`ServiceSpec::rate_limits`] lists) and
    /// reply decoding as [`Client::send_with`], answering the reply's `Response` object untyped.
    pub async fn send_json(
        &self,
        action: &'static str,
        read_only: bool,
        body: &serde_json::Map<String, serde_json::Value>,
        options: CallOptions,
    ) -> Result<serde_json::Value, Error<crate::CommonError>> {
        let body = serde_json::to_vec(body).map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, "cannot serialize the request").with_source(e).with_action(action)
        })?;
        let rate_limit = options.rate_limit.or_else(|| self.inner.service.rate_limit(action));
        let spec = CallSpec { action, form: RequestForm::Json, read_only, rate_limit, unsigned: options.unsigned };
        self.call_and_decode(spec, body, options).await
    }

    /// Every attempt of a call, then its last reply decoded into a response or an error.
    async fn call_and_decode<R: DeserializeOwned, E: OperationError>(
        &self,
        spec: CallSpec,
        body: Vec<u8>,
        options: CallOptions,
    ) -> Result<R, Error<E>> {
        // Shared by every attempt without a copy.
        let answered = self.call(spec, Bytes::from(body), options).await.map_err(Error::widen)?;
        let note = answered.note;
        decode::finish(spec.action, &answered.reply, answered.inspection)
            .map_err(|e| e.with_attempts(answered.attempts).with_note(note))
    }

    /// The untyped part of a call, in a span: every attempt, until one is final.
    async fn call(&self, spec: CallSpec, body: Bytes, options: CallOptions) -> Result<Answered, Error<Infallible>> {
        // Fields are what identifies a call; never headers, credentials or bodies.
        let span = tracing::debug_span!(
            "tencentcloud_call",
            service = self.inner.service.name,
            action = spec.action,
            region = self.inner.config.region.as_deref().unwrap_or(""),
            attempt = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.attempts(spec, body, &options, &span).instrument(span.clone()).await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        result
    }

    async fn attempts(
        &self,
        spec: CallSpec,
        body: Bytes,
        options: &CallOptions,
        span: &Span,
    ) -> Result<Answered, Error<Infallible>> {
        let inner = &*self.inner;
        let policy = options.retry_policy.as_ref().unwrap_or(&inner.config.retry_policy);
        let clock = &inner.config.time_source;
        let started = clock.now();
        let (mut attempts, mut retries, mut clock_corrected) = (0u32, 0u32, false);
        let mut note = None;
        loop {
            // The attempt's timeout covers its wait for a rate-limit slot too.
            let deadline = deadline_after(inner.config.timeout);
            if let (true, Some(per_second)) = (inner.config.rate_limiting, spec.rate_limit) {
                let (clock, sleep) = (&inner.config.time_source, &inner.config.sleep);
                let slot_deadline =
                    clock.now().checked_add(inner.config.timeout).unwrap_or(SystemTime::UNIX_EPOCH + CENTURIES);
                if inner.calls.limiter.acquire(spec.action, per_second, slot_deadline, clock, sleep).await.is_err() {
                    let message = format!(
                        "no slot of the rate limit ({per_second} a second) within the timeout of {:?}; not sent",
                        inner.config.timeout
                    );
                    return Err(Error::new(ErrorKind::Timeout, message)
                        .with_action(spec.action)
                        .with_attempts(attempts));
                }
            }
            attempts += 1;
            span.record("attempt", attempts);
            let mut signed_offset = 0;
            let attempt: Attempt = match self.send_once(spec, body.clone(), deadline).await {
                Ok((reply, offset)) => {
                    signed_offset = offset;
                    let inspection = decode::inspect(spec.action, &reply);
                    Ok((reply, inspection))
                }
                Err(failed) => Err(failed),
            };
            if let Err((_, Failure::Local)) = &attempt {
                // Nothing was sent: not a request of the call.
                attempts -= 1;
            }
            let (failure, request_id) = match &attempt {
                Ok((_, inspection)) => (inspection.failure(), inspection.request_id.as_deref()),
                Err((error, failure)) => (Some(*failure), error.reply_request_id()),
            };
            if let Some(request_id) = request_id {
                span.record("request_id", request_id);
            }
            let Some(failure) = failure else {
                return conclude(attempt, attempts, note);
            };
            let wait = match classify(failure, spec.read_only, options.retry_after_dispatch) {
                Decision::Stop => None,
                Decision::CorrectClock if clock_corrected => None,
                Decision::CorrectClock => {
                    let date = attempt.as_ref().ok().and_then(|(reply, _)| reply.date.as_deref());
                    match date.map(|date| self.correct_clock(date, signed_offset)) {
                        Some(Ok(Some(offset))) => {
                            tracing::warn!(offset_s = offset, "the server's clock differs from ours; signing with it");
                            clock_corrected = true;
                            Some(Duration::ZERO)
                        }
                        Some(Err(refused)) => {
                            tracing::warn!(reason = %refused, "the server's Date is not learnt");
                            note = Some(refused);
                            None
                        }
                        _ => None,
                    }
                }
                Decision::Retry => {
                    let delay = policy.delay(retries + 1, &inner.calls.jitter);
                    let more = attempts - u32::from(clock_corrected) < policy.max_attempts();
                    (more && clock.since(started) + delay <= policy.budget()).then_some(delay)
                }
            };
            let Some(wait) = wait else {
                if attempts > 1 {
                    tracing::debug!(attempts, reason = %failure, "giving up");
                }
                return conclude(attempt, attempts, note);
            };
            if !wait.is_zero() {
                retries += 1;
            }
            tracing::info!(attempt = attempts, reason = %failure, delay_ms = wait.as_millis() as u64, "retrying");
            inner.config.sleep.sleep(wait).await;
        }
    }

    /// Takes the server's clock from the `Date` of a reply refusing a request signed with the
    /// offset `signed_with`: the offset to sign with now, if it differs enough from that one
    /// for signing again to help. Compared with the refused request's offset, not the stored
    /// one: concurrent calls refused alike have each stored the same correction, and each must
    /// still sign again. An offset beyond [`MAX_CLOCK_OFFSET_SECS`] is refused, and why is
    /// returned.
    fn correct_clock(&self, date: &str, signed_with: i64) -> Result<Option<i64>, String> {
        let Some(server) = server_time(date) else {
            return Ok(None);
        };
        let offset = server.saturating_sub(self.inner.config.time_source.unix_seconds());
        if offset.saturating_abs() > MAX_CLOCK_OFFSET_SECS {
            return Err(format!(
                "the server's Date {date:?} is {offset} s from the local clock, beyond the \
                 {MAX_CLOCK_OFFSET_SECS} s a clock offset is learnt up to; not signed again"
            ));
        }
        if (offset - signed_with).abs() < MIN_CLOCK_CORRECTION_SECS {
            return Ok(None);
        }
        self.inner.calls.clock_offset.store(offset, Ordering::Relaxed);
        Ok(Some(offset))
    }

    /// Seconds the server's clock is ahead of ours (negative: behind), as learnt from a reply
    /// refusing a signature as expired; 0 until then. Requests are signed with it.
    pub fn clock_offset(&self) -> i64 {
        self.inner.calls.clock_offset.load(Ordering::Relaxed)
    }

    /// Signs and sends one JSON body for `action`, once; returns the raw reply of any status.
    /// No retry, no rate limit; the learnt clock offset is applied.
    pub async fn send_raw(&self, action: &'static str, body: Vec<u8>) -> Result<Reply, Error<Infallible>> {
        let deadline = deadline_after(self.inner.config.timeout);
        let spec = CallSpec { action, form: RequestForm::Json, read_only: false, rate_limit: None, unsigned: false };
        let sent = self.send_once(spec, Bytes::from(body), deadline).await;
        sent.map(|(reply, _)| reply).map_err(|(error, _)| error)
    }

    /// One attempt, to be complete by `deadline`; a failure comes with what it tells of
    /// whether the request was received.
    async fn send_once(
        &self,
        spec: CallSpec,
        body: Bytes,
        deadline: Instant,
    ) -> Result<Sent, (Error<Infallible>, Failure<'static>)> {
        let CallSpec { action, form, .. } = spec;
        let credentials = match spec.unsigned {
            true => None,
            false => Some(self.credentials().await.map_err(|e| (e, Failure::Local))?),
        };
        // Signed with the time the credentials are in hand: a slow provider must not make the
        // request expire on arrival.
        let offset = self.clock_offset();
        let timestamp = self.inner.config.time_source.unix_seconds() + offset;
        // A request that cannot be built (a header value with a control character) never
        // left, and sending it again cannot help.
        let local =
            |message: String| (Error::new(ErrorKind::InvalidRequest, message).with_action(action), Failure::Local);
        // The request as `prepare_form` shows it, in every form and under every method.
        let prepared = self.prepare_request(credentials.as_ref(), action, form, body.to_vec(), timestamp);
        let url = if prepared.url == self.inner.url.as_str() {
            self.inner.url.clone()
        } else {
            reqwest::Url::parse(&prepared.url)
                .map_err(|_| local("the request cannot be built (its URL is not valid); not sent".to_owned()))?
        };
        let mut headers = HeaderMap::with_capacity(prepared.headers.len() + 1);
        for (name, value) in prepared.headers {
            let mut value = header_value(value).map_err(|_| {
                local(format!("the request cannot be built (the {name} header has a character HTTP forbids); not sent"))
            })?;
            value.set_sensitive(name == "Authorization" || name == "X-TC-Token");
            headers.append(header_name(name), value);
        }
        // What an HTTP client would add; not signed, so not in what `prepare` shows.
        headers.insert(reqwest::header::USER_AGENT, HeaderValue::from_static(REQUEST_CLIENT));
        let method = if form == RequestForm::Get { reqwest::Method::GET } else { reqwest::Method::POST };
        let body = Bytes::from(prepared.body);
        let request =
            HttpRequest::new(method, url, headers, body).with_max_response_bytes(self.inner.config.max_response_bytes);
        let remaining = deadline.saturating_duration_since(Instant::now());
        let reply =
            transport::exchange(&self.inner.transport, request, remaining).await.map_err(|e| failed(action, e))?;
        let date = reply.header("Date").map(str::to_owned);
        let reply = Reply { status: reply.status, date, body: reply.body };
        Ok((reply, offset))
    }

    /// The credentials to sign one attempt with, from the configured provider.
    ///
    /// A provider's failure is an error of kind [`ErrorKind::Config`] when configuration is at
    /// fault (no credentials anywhere, a bad file or variable), and [`ErrorKind::Credentials`]
    /// when fetching failed (metadata service, STS), which may succeed later. Its source is the
    /// [`crate::credentials::CredentialsError`].
    pub async fn credentials(&self) -> Result<Credentials, Error<Infallible>> {
        self.inner.config.credentials.provide_credentials().await.map_err(|e| {
            // The details are the source's to tell: Display does not repeat them.
            let (kind, summary) = match e.kind() {
                CredentialsErrorKind::Provider => (ErrorKind::Credentials, "fetching credentials failed"),
                CredentialsErrorKind::NotFound
                | CredentialsErrorKind::Config(crate::error::ConfigErrorKind::NoCredentials) => {
                    (ErrorKind::Config, "no credentials found")
                }
                _ => (ErrorKind::Config, "the credentials are misconfigured"),
            };
            Error::new(kind, summary).with_source(e)
        })
    }

    /// The request as it will be sent at `timestamp`: URL, headers (signed) and body. Pure,
    /// so tests can compare it with what the official SDKs send.
    ///
    /// With a legacy signature method ([`Config::with_signature_method`]) the JSON body becomes
    /// form-encoded parameters ([`signing::legacy`]) with a random `Nonce`;
    /// [`Client::prepare_legacy`] takes the nonce as an argument.
    pub fn prepare(&self, credentials: &Credentials, action: &str, body: Vec<u8>, timestamp: i64) -> PreparedRequest {
        self.prepare_form(credentials, action, RequestForm::Json, body, timestamp)
    }

    /// The request signed with the configured legacy method (`HmacSHA256` or `HmacSHA1`) and
    /// `nonce`. Its `signature` holds the legacy string to sign and signature; the canonical
    /// request and `Authorization` are empty. A body that is not a JSON object is sent with no
    /// parameters of its own (generated actions always serialize to an object).
    pub fn prepare_legacy(
        &self,
        credentials: &Credentials,
        action: &str,
        json_body: &[u8],
        timestamp: i64,
        nonce: u64,
    ) -> PreparedRequest {
        let inner = &*self.inner;
        let config = &inner.config;
        let method = match config.signature_method {
            signing::SignatureMethod::Tc3HmacSha256 => signing::SignatureMethod::HmacSha256,
            legacy => legacy,
        };
        let params = signing::legacy::flatten_params(json_body).unwrap_or_else(|e| {
            tracing::warn!(action, error = %e, "the body is not a JSON object; sending no parameters");
            Vec::new()
        });
        let legacy = signing::legacy::sign(
            &signing::legacy::LegacyInput {
                method,
                host: inner.endpoint.host(),
                action,
                version: inner.service.version,
                region: config.region.as_deref(),
                language: config.language.as_deref(),
                request_client: REQUEST_CLIENT,
                timestamp,
                nonce,
                secret_id: credentials.secret_id(),
                token: credentials.token().map(|t| t.expose()),
                params: &params,
            },
            credentials.secret_key().expose(),
        );
        let token = credentials.token().map(|token| token.expose());
        let headers = self.headers(token, None, signing::legacy::FORM_CONTENT_TYPE.to_owned(), action, timestamp);
        let signature = signing::Signature {
            string_to_sign: legacy.string_to_sign,
            signature: legacy.signature,
            ..signing::Signature::default()
        };
        PreparedRequest { url: inner.url.as_str().to_owned(), headers, body: legacy.body.into_bytes(), signature }
    }

    /// The request of `action` in `form`, as it will be sent at `timestamp`: for
    /// [`RequestForm::Json`], [`Client::prepare`]; for the multipart form, `body` is the
    /// [`multipart_body`](crate::multipart::multipart_body); for `GET`, `body` is the
    /// [`get_query`](crate::multipart::get_query), which goes into the URL.
    /// These two forms are signed TC3-HMAC-SHA256 whatever the configured method, as the
    /// official SDKs sign multipart requests. Every form is signed by [`signing::sign_with`]
    /// with the client's key cache.
    pub fn prepare_form(
        &self,
        credentials: &Credentials,
        action: &str,
        form: RequestForm,
        body: Vec<u8>,
        timestamp: i64,
    ) -> PreparedRequest {
        self.prepare_request(Some(credentials), action, form, body, timestamp)
    }

    /// As [`Client::prepare_form`]; with no credentials, unsigned ([`CallOptions::unsigned`]):
    /// `Authorization: SKIP` and an empty [`signing::Signature`].
    fn prepare_request(
        &self,
        credentials: Option<&Credentials>,
        action: &str,
        form: RequestForm,
        body: Vec<u8>,
        timestamp: i64,
    ) -> PreparedRequest {
        let inner = &*self.inner;
        let config = &inner.config;
        if let (Some(credentials), RequestForm::Json, false) =
            (credentials, form, config.signature_method == signing::SignatureMethod::Tc3HmacSha256)
        {
            // A random positive `Nonce` up to `i64::MAX`, as the official SDKs draw one.
            let nonce = (inner.calls.jitter.next_u64() & i64::MAX as u64).max(1);
            return self.prepare_legacy(credentials, action, &body, timestamp, nonce);
        }
        let mut url = inner.url.as_str().to_owned();
        let query = match form {
            RequestForm::Get => String::from_utf8_lossy(&body).into_owned(),
            _ => String::new(),
        };
        let content_type = match form {
            RequestForm::Json => JSON_CONTENT_TYPE.to_owned(),
            RequestForm::Multipart => {
                // The body starts with `--<boundary>\r\n`.
                let boundary = body.strip_prefix(b"--").and_then(|rest| rest.split(|&b| b == b'\r').next());
                format!("{MULTIPART_CONTENT_TYPE}; boundary={}", String::from_utf8_lossy(boundary.unwrap_or_default()))
            }
            RequestForm::Get => {
                url = format!("{url}?{query}");
                GET_CONTENT_TYPE.to_owned()
            }
        };
        let mut input = SigningInput::new(inner.service.name, inner.endpoint.host(), &body, timestamp)
            .with_content_type(&content_type)
            .with_unsigned_payload(config.unsigned_payload);
        if form == RequestForm::Get {
            input = input.with_get_query(&query);
        }
        let signature = match credentials {
            Some(credentials) => {
                let (id, key) = (credentials.secret_id(), credentials.secret_key().expose());
                signing::sign_with(&input, id, key, Some(&inner.signing_keys))
            }
            None => {
                signing::Signature { authorization: UNSIGNED_AUTHORIZATION.to_owned(), ..signing::Signature::default() }
            }
        };
        let token = credentials.and_then(Credentials::token).map(|token| token.expose());
        let headers = self.headers(token, Some(&signature.authorization), content_type, action, timestamp);
        let body = if form == RequestForm::Get { Vec::new() } else { body };
        PreparedRequest { url, headers, body, signature }
    }

    /// Every header a request is sent with, in the order the official SDKs send them: the
    /// one place they are built, for JSON, multipart, GET and legacy requests. A legacy
    /// request (no `authorization`) carries the rest in its signed form body.
    fn headers(
        &self,
        token: Option<&str>,
        authorization: Option<&str>,
        content_type: String,
        action: &str,
        timestamp: i64,
    ) -> Vec<(&'static str, String)> {
        let inner = &*self.inner;
        let config = &inner.config;
        let host = ("Host", inner.endpoint.host().to_owned());
        let Some(authorization) = authorization else {
            return vec![("Content-Type", content_type), host];
        };
        // As the official SDKs: the action's first letter is sent upper-cased.
        let mut action = action.to_owned();
        if let Some(first) = action.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let mut headers = Vec::with_capacity(11);
        headers.push(("Authorization", authorization.to_owned()));
        headers.push(("Content-Type", content_type));
        headers.push(host);
        headers.push(("X-TC-Action", action));
        headers.push(("X-TC-Timestamp", timestamp.to_string()));
        headers.push(("X-TC-Version", inner.service.version.to_owned()));
        if let Some(region) = &config.region {
            headers.push(("X-TC-Region", region.clone()));
        }
        if let Some(token) = token {
            headers.push(("X-TC-Token", token.to_owned()));
        }
        if let Some(language) = &config.language {
            headers.push(("X-TC-Language", language.clone()));
        }
        if config.unsigned_payload {
            headers.push(("X-TC-Content-SHA256", signing::UNSIGNED_PAYLOAD.to_owned()));
        }
        headers.push(("X-TC-RequestClient", REQUEST_CLIENT.to_owned()));
        headers
    }
}

/// A signed request, ready to send, as [`Client::prepare`] returns it. `Debug` redacts the
/// token. It may gain fields (hence `#[non_exhaustive]`).
#[non_exhaustive]
#[derive(Clone)]
pub struct PreparedRequest {
    /// The URL, `scheme://host[:port]/`.
    pub url: String,
    /// Header names as sent; `Authorization` and `X-TC-Token` are secrets-bearing.
    pub headers: Vec<(&'static str, String)>,
    /// The body as sent.
    pub body: Vec<u8>,
    /// The signature and the strings it covers, for comparison with other SDKs.
    pub signature: signing::Signature,
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (*name, if *name == "X-TC-Token" { "** redacted **" } else { value.as_str() }))
            .collect();
        f.debug_struct("PreparedRequest").field("url", &self.url).field("headers", &headers).finish_non_exhaustive()
    }
}

/// The name header `name` of [`Client::headers`] is sent as: lowercase, made at compile time
/// (`HeaderName::from_static` at run time, a search of the standard names and a check of every
/// byte, and the case-insensitive search that preceded it were ~1,500 instructions a call).
fn header_name(name: &str) -> HeaderName {
    match name {
        "Authorization" => const { HeaderName::from_static("authorization") },
        "Content-Type" => const { HeaderName::from_static("content-type") },
        "Host" => const { HeaderName::from_static("host") },
        "X-TC-Action" => const { HeaderName::from_static("x-tc-action") },
        "X-TC-Timestamp" => const { HeaderName::from_static("x-tc-timestamp") },
        "X-TC-Version" => const { HeaderName::from_static("x-tc-version") },
        "X-TC-Region" => const { HeaderName::from_static("x-tc-region") },
        "X-TC-Token" => const { HeaderName::from_static("x-tc-token") },
        "X-TC-Language" => const { HeaderName::from_static("x-tc-language") },
        "X-TC-Content-SHA256" => const { HeaderName::from_static("x-tc-content-sha256") },
        "X-TC-RequestClient" => const { HeaderName::from_static("x-tc-requestclient") },
        _ => const { HeaderName::from_static("x-unknown") },
    }
}

/// The value `value` is sent as. The constant ones are static: reqwest copies every request's
/// headers, and copying a value made from a `String` allocates (two allocations a call).
fn header_value(value: String) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    match value.as_str() {
        JSON_CONTENT_TYPE => Ok(HeaderValue::from_static(JSON_CONTENT_TYPE)),
        REQUEST_CLIENT => Ok(HeaderValue::from_static(REQUEST_CLIENT)),
        _ => HeaderValue::try_from(value),
    }
}

/// The error of an exchange that got no complete reply, and what it tells of whether the
/// request was received.
fn failed(action: &'static str, error: TransportError) -> (Error<Infallible>, Failure<'static>) {
    let (kind, failure) = match error.kind() {
        TransportErrorKind::Connect => (ErrorKind::Connect, Failure::NotSent),
        TransportErrorKind::ConnectTimeout => (ErrorKind::Timeout, Failure::NotSent),
        TransportErrorKind::Timeout => (ErrorKind::Timeout, Failure::MaybeReceived),
        TransportErrorKind::ResponseTooLarge => (ErrorKind::ResponseTooLarge, Failure::Other),
        // A kind added later: the request may have been received.
        _ => (ErrorKind::Dispatch, Failure::MaybeReceived),
    };
    let mut result = Error::new(kind, error.to_string()).with_action(action);
    if let Some(status) = error.status() {
        result = result.with_http_status(status);
    }
    (result.with_source(error), failure)
}

/// The final outcome of a call, from its last attempt.
fn conclude(attempt: Attempt, attempts: u32, note: Option<String>) -> Result<Answered, Error<Infallible>> {
    match attempt {
        Ok((reply, inspection)) => Ok(Answered { reply, inspection, attempts, note }),
        Err((error, _)) => Err(error.with_attempts(attempts).with_note(note)),
    }
}

/// `timeout` from now; a timeout beyond what an instant can hold (`Duration::MAX`) is a
/// deadline a century away, not an overflow.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout.min(CENTURIES)).unwrap_or(now)
}

/// A timeout beyond this is no timeout: a deadline this far away, not an overflow.
const CENTURIES: Duration = Duration::from_secs(100 * 365 * 86_400);

/// The time an HTTP `Date` header gives, in seconds since the epoch.
fn server_time(date: &str) -> Option<i64> {
    let time = httpdate::parse_http_date(date.trim()).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_time_is_read_from_an_http_date_and_nothing_else() {
        assert_eq!(server_time("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(server_time(" Mon, 01 Jan 2024 00:00:00 GMT "), Some(1_704_067_200));
        for text in ["", "yesterday", "Sun, 06 Nov 1994 24:49:37 GMT", "Thu, 30 Feb 2000 00:00:00 GMT"] {
            assert_eq!(server_time(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_header_a_request_is_built_with_is_sent_under_its_own_name() {
        let config = Config::new(Credentials::new("AKIDexample", "secret").with_token("token"))
            .with_region("ap-guangzhou")
            .unwrap()
            .with_language("en-US")
            .unwrap()
            .with_unsigned_payload(true);
        let client = Client::new(ServiceSpec::new("tem", "2021-07-01"), config).unwrap();
        let credentials = Credentials::new("AKIDexample", "secret").with_token("token");
        let prepared = client.prepare(&credentials, "DescribeApplications", b"{}".to_vec(), 1_700_000_000);
        assert_eq!(prepared.headers.len(), 11, "{prepared:?}");
        for (name, _) in &prepared.headers {
            assert_eq!(header_name(name).as_str(), name.to_ascii_lowercase(), "{name}");
        }
    }
}
