//! Errors: the service's own error replies, typed per action, and one opaque runtime
//! error type with a [`ErrorKind`] to match on and a `source()` chain.

use std::error::Error as StdError;
use std::fmt;

/// A boxed error, the `source()` of runtime errors.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What every error reply carries: `{"Response":{"Error":{"Code","Message"},"RequestId"}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMetadata {
    code: String,
    message: String,
    request_id: String,
}

impl ErrorMetadata {
    /// The code, message and request id of an error reply (public so that tests can build one).
    pub fn new(code: impl Into<String>, message: impl Into<String>, request_id: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), request_id: request_id.into() }
    }

    /// The error code exactly as the service sent it, e.g. `ResourceInUse.ServiceDeploying`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The service's explanation, in the language asked for (`X-TC-Language`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request id the service assigned; quote it when asking Tencent Cloud for help.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
}

impl fmt::Display for ErrorMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (request id: {})", self.code, self.message, self.request_id)
    }
}

/// The typed error codes of one action. Generated for every action; `CommonError`
/// is the implementation for codes every action may return.
///
/// Tests can build one from a code with [`OperationError::from_metadata`] (or a whole
/// [`Error`] with [`Error::from_code`]).
pub trait OperationError: StdError + Send + Sync + Sized + 'static {
    /// Sorts an error reply into the variant of its code (or the fallback that keeps it).
    fn from_metadata(metadata: ErrorMetadata) -> Self;
    /// The code, message and request id of the reply.
    fn metadata(&self) -> &ErrorMetadata;
}

/// What went wrong, for matching. New kinds may be added.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The service answered with an error code: see [`Error::service_error`].
    Service,
    /// The request was refused before sending: a required parameter is missing, or the
    /// request could not be serialized.
    InvalidRequest,
    /// The client is misconfigured: credentials, region or endpoint.
    Config,
    /// The call did not complete within its timeout.
    Timeout,
    /// No connection could be made (DNS, refused, TLS handshake): the request never left.
    Connect,
    /// The connection failed after the request may have reached the server.
    Dispatch,
    /// The server answered with an HTTP status other than 200.
    HttpStatus,
    /// The reply is not JSON, lacks `Response`, or does not match the response type.
    Decode,
    /// The reply is larger than the configured limit and was not read.
    ResponseTooLarge,
    /// A credentials provider (CVM instance role, STS AssumeRole) could not fetch credentials:
    /// the metadata service or STS failed or answered with an error. Unlike `Config`, trying
    /// again later may succeed.
    Credentials,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::Service => "service error",
            Self::InvalidRequest => "invalid request",
            Self::Config => "configuration error",
            Self::Timeout => "timed out",
            Self::Connect => "could not connect",
            Self::Dispatch => "connection failed during the request",
            Self::HttpStatus => "unexpected HTTP status",
            Self::Decode => "could not decode the reply",
            Self::ResponseTooLarge => "reply too large",
            Self::Credentials => "could not fetch credentials",
        }
    }
}

/// The error of a call: a typed service error `E`, or a runtime error of some [`ErrorKind`].
pub struct Error<E> {
    inner: Box<Inner<E>>,
}

struct Inner<E> {
    kind: ErrorKind,
    action: Option<&'static str>,
    service: Option<E>,
    message: String,
    http_status: Option<u16>,
    request_id: Option<String>,
    source: Option<BoxError>,
    /// Requests sent for the call, retries included; 0 when nothing was sent.
    attempts: u32,
}

/// Building errors, for tests.
///
/// A call builds its errors itself; these constructors are public so that code handling
/// errors can be tested without a server: a runtime error of any [`ErrorKind`], or a service
/// error with a chosen code, message and request id, sorted into the action's variant exactly
/// as a reply with that code would be.
///
/// ```
/// use tem_core::{CommonError, Error, ErrorKind};
///
/// let timeout: Error<CommonError> = Error::from_kind(ErrorKind::Timeout, "no reply within 60 s").with_attempts(3);
/// assert_eq!((timeout.kind(), timeout.attempts()), (ErrorKind::Timeout, 3));
///
/// let throttled: Error<CommonError> = Error::from_code("RequestLimitExceeded", "too many requests", "req-1");
/// assert_eq!(throttled.kind(), ErrorKind::Service);
/// assert!(matches!(throttled.service_error(), Some(CommonError::RequestLimitExceeded(_))));
/// assert_eq!((throttled.code(), throttled.request_id()), (Some("RequestLimitExceeded"), Some("req-1")));
///
/// let bad_gateway: Error<CommonError> =
///     Error::from_kind(ErrorKind::HttpStatus, "bad gateway").with_http_status(502).with_action("DescribeApplications");
/// assert_eq!(bad_gateway.to_string(), "DescribeApplications: unexpected HTTP status 502: bad gateway");
/// ```
impl<E> Error<E> {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                action: None,
                service: None,
                message: message.into(),
                http_status: None,
                request_id: None,
                source: None,
                attempts: 0,
            }),
        }
    }

    /// An error of `kind` saying `message`, as a call would return it (meant for tests).
    ///
    /// For [`ErrorKind::Service`] use [`Error::service`] or [`Error::from_code`], which carry
    /// the typed service error; given `Service` here, the error has that kind but no
    /// [`Error::service_error`].
    pub fn from_kind(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::new(kind, message)
    }

    /// A service error: the service answered with the code `error` holds (meant for tests;
    /// see [`Error::from_code`] to build `error` from a code).
    pub fn service(error: E) -> Self {
        let mut this = Self::new(ErrorKind::Service, "");
        this.inner.service = Some(error);
        this
    }

    /// Sets the error's cause, shown by `source()`.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Sets the action that failed, shown first by `Display`.
    pub fn with_action(mut self, action: &'static str) -> Self {
        self.inner.action = Some(action);
        self
    }

    /// Sets the HTTP status of a reply that was not 200 (as for [`ErrorKind::HttpStatus`]).
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }

    /// Sets the request id of a reply that was not a service error (a service error keeps its
    /// own, in `E`).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.inner.request_id = request_id;
        self
    }

    /// Adds what the client did not do and why (e.g. a server clock it refused to learn): shown
    /// after a service error, or after the message of another.
    pub(crate) fn with_note(mut self, note: Option<String>) -> Self {
        if let Some(note) = note {
            self.inner.message =
                if self.inner.message.is_empty() { note } else { format!("{}; {note}", self.inner.message) };
        }
        self
    }

    /// Sets how many requests the call sent ([`Error::attempts`]).
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// The request id of a runtime error's reply (service errors keep theirs in `E`).
    pub(crate) fn reply_request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How many requests the call sent, retries included: 0 when it failed before sending
    /// (an invalid request, a configuration error), 1 when it was not retried.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// What went wrong, to match on.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The action that failed, when the error arose in a call.
    pub fn action(&self) -> Option<&'static str> {
        self.inner.action
    }

    /// The typed service error, when the service answered with an error code.
    pub fn service_error(&self) -> Option<&E> {
        self.inner.service.as_ref()
    }

    /// The typed service error, or `self` when the error is of another kind.
    pub fn into_service_error(self) -> Result<E, Self> {
        if self.inner.service.is_some() {
            let mut inner = self.inner;
            Ok(inner.service.take().expect("checked above"))
        } else {
            Err(self)
        }
    }

    /// The HTTP status of a reply that was not 200.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }
}

impl<E: OperationError> Error<E> {
    /// A service error with this code, message and request id, sorted into `E`'s variant for
    /// the code exactly as a reply carrying it would be (meant for tests). An undocumented
    /// code lands where such a reply's would.
    pub fn from_code(code: impl Into<String>, message: impl Into<String>, request_id: impl Into<String>) -> Self {
        Self::service(E::from_metadata(ErrorMetadata::new(code, message, request_id)))
    }

    /// The service's error code, for service errors.
    pub fn code(&self) -> Option<&str> {
        self.inner.service.as_ref().map(|e| e.metadata().code())
    }

    /// The service's message, for service errors.
    pub fn message(&self) -> Option<&str> {
        self.inner.service.as_ref().map(|e| e.metadata().message())
    }

    /// The request id, whenever the reply carried one.
    pub fn request_id(&self) -> Option<&str> {
        match &self.inner.service {
            Some(e) => Some(e.metadata().request_id()),
            None => self.inner.request_id.as_deref(),
        }
    }
}

impl<E: StdError + 'static> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(action) = self.inner.action {
            write!(f, "{action}: ")?;
        }
        match &self.inner.service {
            Some(e) => {
                write!(f, "{e}")?;
                if !self.inner.message.is_empty() {
                    write!(f, " ({})", self.inner.message)?;
                }
            }
            None => {
                f.write_str(self.inner.kind.describe())?;
                if let Some(status) = self.inner.http_status {
                    write!(f, " {status}")?;
                }
                if !self.inner.message.is_empty() {
                    write!(f, ": {}", self.inner.message)?;
                }
                if let Some(request_id) = &self.inner.request_id {
                    write!(f, " (request id: {request_id})")?;
                }
            }
        }
        if self.inner.attempts > 1 {
            write!(f, " [after {} attempts]", self.inner.attempts)?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind);
        if let Some(action) = self.inner.action {
            d.field("action", &action);
        }
        match &self.inner.service {
            Some(e) if self.inner.message.is_empty() => d.field("service", e),
            Some(e) => d.field("service", e).field("note", &self.inner.message),
            None => d.field("message", &self.inner.message),
        };
        if let Some(status) = self.inner.http_status {
            d.field("http_status", &status);
        }
        if let Some(request_id) = &self.inner.request_id {
            d.field("request_id", request_id);
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        if self.inner.attempts != 0 {
            d.field("attempts", &self.inner.attempts);
        }
        d.finish()
    }
}

impl<E: StdError + 'static> StdError for Error<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.inner.service {
            Some(e) => Some(e),
            None => self.inner.source.as_deref().map(|s| s as &(dyn StdError + 'static)),
        }
    }
}

/// A configuration problem found before any request is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    message: String,
}

/// What is wrong with a configuration, for matching. New kinds may be added.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigErrorKind {
    /// No credentials source had credentials; the message lists every source tried.
    NoCredentials,
    /// A required environment variable is not set (e.g. the secret key when the id is).
    MissingVariable,
    /// An environment variable is set but empty.
    EmptyVariable,
    /// The credentials file cannot be read.
    UnreadableFile,
    /// The credentials file is not valid INI, or a profile lacks or garbles a key.
    MalformedFile,
    /// The profile named by `TENCENTCLOUD_PROFILE` is not in the credentials file.
    UnknownProfile,
    /// The region is not a region name.
    InvalidRegion,
    /// No region is set for a client of a regional API (every API, unless
    /// `Config::without_region` says otherwise).
    MissingRegion,
    /// The endpoint is not `scheme://host[:port]`.
    InvalidEndpoint,
    /// Any other invalid value: a secret with surrounding spaces, a language, a proxy, a domain.
    InvalidValue,
}

impl ConfigError {
    /// An invalid value ([`ConfigErrorKind::InvalidValue`]) explained by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self::with_kind(ConfigErrorKind::InvalidValue, message)
    }

    /// A configuration error of `kind` explained by `message`.
    pub fn with_kind(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// What is wrong, to match on.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    pub(crate) fn empty_variable(name: &str) -> Self {
        Self::with_kind(ConfigErrorKind::EmptyVariable, format!("environment variable {name} is empty"))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ConfigError {}

impl<E> From<ConfigError> for Error<E> {
    fn from(error: ConfigError) -> Self {
        Self::new(ErrorKind::Config, error.message)
    }
}

/// A request that cannot be built: a required parameter was not set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    structure: &'static str,
    parameter: &'static str,
}

impl BuildError {
    /// `parameter` (wire name) of `structure` (e.g. `RollingUpdateApplicationByVersionRequest`)
    /// is required and was not set.
    pub fn missing(structure: &'static str, parameter: &'static str) -> Self {
        Self { structure, parameter }
    }

    /// The structure being built, e.g. `RollingUpdateApplicationByVersionRequest`.
    pub fn structure(&self) -> &'static str {
        self.structure
    }

    /// The wire name of the parameter not set.
    pub fn parameter(&self) -> &'static str {
        self.parameter
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "required parameter `{}` of {} is not set", self.parameter, self.structure)
    }
}

impl StdError for BuildError {}

impl<E> From<BuildError> for Error<E> {
    fn from(error: BuildError) -> Self {
        Self::new(ErrorKind::InvalidRequest, error.to_string()).with_source(error)
    }
}

impl Error<std::convert::Infallible> {
    /// A runtime error (which never holds a service error) as the error of any action.
    pub fn widen<E>(self) -> Error<E> {
        let inner = *self.inner;
        Error {
            inner: Box::new(Inner {
                kind: inner.kind,
                action: inner.action,
                service: None,
                message: inner.message,
                http_status: inner.http_status,
                request_id: inner.request_id,
                source: inner.source,
                attempts: inner.attempts,
            }),
        }
    }
}

/// An error code the action's description does not document, kept verbatim but opaque: the
/// payload of every operation error's `Unhandled` variant.
///
/// Match on the error's `code()` rather than on `Unhandled`: a newer API description may give
/// the same code a variant of its own, and a `match` on `Unhandled` would then silently stop
/// matching it. To make such an error in a test, use
/// [`OperationError::from_metadata`] with an [`ErrorMetadata`] of the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unhandled {
    metadata: ErrorMetadata,
}

impl Unhandled {
    /// Generated code's constructor; use [`OperationError::from_metadata`] instead.
    #[doc(hidden)]
    pub fn new(metadata: ErrorMetadata) -> Self {
        Self { metadata }
    }

    /// The reply's code, message and request id.
    #[doc(hidden)]
    pub fn metadata(&self) -> &ErrorMetadata {
        &self.metadata
    }
}

/// The accessors and trait impls every operation error shares, written once: inherent
/// `code()`, `message()` and `request_id()` (no trait import needed), `Display` (code,
/// message and request id) and `std::error::Error`. Generated code calls it after it
/// implements [`OperationError`] for `$name`.
#[macro_export]
macro_rules! operation_error_impls {
    ($name:ident) => {
        impl $name {
            /// The error code exactly as the service sent it.
            pub fn code(&self) -> &str {
                $crate::OperationError::metadata(self).code()
            }

            /// The service's message.
            pub fn message(&self) -> &str {
                $crate::OperationError::metadata(self).message()
            }

            /// The request id; quote it when asking Tencent Cloud for help.
            pub fn request_id(&self) -> &str {
                $crate::OperationError::metadata(self).request_id()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt($crate::OperationError::metadata(self), f)
            }
        }

        impl ::std::error::Error for $name {}
    };
}
