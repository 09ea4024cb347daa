//! Testing code that uses the SDK without a server: errors built by hand, as a user's test
//! builds them, behave as the errors of real calls.

use std::error::Error as _;

use tem_api::operation::rolling_update_application_by_version::RollingUpdateApplicationByVersionError;
use tem_core::{CommonError, ConfigError, ConfigErrorKind, Error, ErrorKind, OperationError};

type RollingError = Error<RollingUpdateApplicationByVersionError>;

#[test]
fn every_error_kind_can_be_built_and_shows_like_a_real_one() {
    let kinds = [
        ErrorKind::InvalidRequest,
        ErrorKind::Config,
        ErrorKind::Timeout,
        ErrorKind::Connect,
        ErrorKind::Dispatch,
        ErrorKind::HttpStatus,
        ErrorKind::Decode,
        ErrorKind::ResponseTooLarge,
        ErrorKind::Credentials,
    ];
    for kind in kinds {
        let error = RollingError::from_kind(kind, "what happened")
            .with_action("RollingUpdateApplicationByVersion")
            .with_attempts(2)
            .with_source(std::io::Error::other("the cause"));
        assert_eq!(error.kind(), kind);
        assert_eq!(error.action(), Some("RollingUpdateApplicationByVersion"));
        assert_eq!(error.attempts(), 2);
        assert!(error.service_error().is_none() && error.code().is_none());
        let shown = error.to_string();
        assert!(
            shown.starts_with("RollingUpdateApplicationByVersion: ")
                && shown.ends_with(": what happened [after 2 attempts]"),
            "{shown}"
        );
        assert_eq!(error.source().unwrap().to_string(), "the cause");
    }
    let error = RollingError::from_kind(ErrorKind::HttpStatus, "bad gateway")
        .with_http_status(502)
        .with_request_id(Some("req-502".into()));
    assert_eq!((error.http_status(), error.request_id()), (Some(502), Some("req-502")));
    assert_eq!(error.to_string(), "unexpected HTTP status 502: bad gateway (request id: req-502)");

    // A configuration error converts as the client's do.
    let error: RollingError = ConfigError::with_kind(ConfigErrorKind::InvalidRegion, "no region").into();
    assert_eq!((error.kind(), error.to_string().as_str()), (ErrorKind::Config, "configuration error: no region"));
}

#[test]
fn a_service_error_built_from_a_code_lands_in_the_variant_a_reply_with_that_code_would() {
    let error = RollingError::from_code("ResourceInUse.ServiceDeploying", "a deployment is running", "req-1");
    assert_eq!(error.kind(), ErrorKind::Service);
    assert!(matches!(
        error.service_error(),
        Some(RollingUpdateApplicationByVersionError::ResourceInUseServiceDeploying(_))
    ));
    assert_eq!(
        (error.code(), error.message(), error.request_id()),
        (Some("ResourceInUse.ServiceDeploying"), Some("a deployment is running"), Some("req-1"))
    );
    assert_eq!(error.to_string(), "ResourceInUse.ServiceDeploying: a deployment is running (request id: req-1)");

    // A code every action may return lands in `Common`, as from a reply.
    let error = RollingError::from_code("RequestLimitExceeded", "slow down", "req-2");
    assert!(matches!(
        error.service_error(),
        Some(RollingUpdateApplicationByVersionError::Common(CommonError::RequestLimitExceeded(_)))
    ));

    // An undocumented code is kept verbatim.
    let error = RollingError::from_code("FailedOperation.Brand.New", "new in a newer API", "req-3");
    assert_eq!(error.code(), Some("FailedOperation.Brand.New"));

    // The same, one level down: the action's error enum from a code, and `Error::service`.
    let typed = RollingUpdateApplicationByVersionError::from_metadata(tem_core::ErrorMetadata::new(
        "ResourceInUse.ServiceDeploying",
        "m",
        "req-4",
    ));
    let error = RollingError::service(typed.clone());
    assert_eq!(error.service_error(), Some(&typed));
    assert_eq!(error.into_service_error().unwrap().request_id(), "req-4");
}
