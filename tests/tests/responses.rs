//! Replies as servers really send them: extra fields, promised fields left out, null where a
//! value is promised, numbers as strings. They parse; what cannot be read sanely is a decode
//! error naming the field.

use pretty_assertions::assert_eq;
use tem_api::operation::describe_applications::{DescribeApplicationsError, DescribeApplicationsResponse};
use tem_core::{decode_reply, Error, ErrorKind, Reply};

fn decode(body: &str) -> Result<DescribeApplicationsResponse, Error<DescribeApplicationsError>> {
    let reply = Reply::new(200, body.as_bytes());
    decode_reply("DescribeApplications", &reply)
}

#[test]
fn fields_the_schema_lacks_are_ignored() {
    let response = decode(
        r#"{"Response":{"RequestId":"r","NewTopLevel":{"x":[1,2]},"Result":{"Total":1,"Surprise":true,
            "Records":[{"ApplicationId":"app-1","FutureField":"?"}]}}}"#,
    )
    .unwrap();
    assert_eq!(response.result.total, 1);
    assert_eq!(response.result.records[0].application_id, "app-1");
}

#[test]
fn promised_fields_left_out_take_their_defaults() {
    let response = decode(r#"{"Response":{"RequestId":"r","Result":{"Records":[{}]}}}"#).unwrap();
    let record = &response.result.records[0];
    assert_eq!((record.application_id.as_str(), record.repo_type, record.has_authority), ("", 0, false));
    assert!(record.active_versions.is_empty());
    assert_eq!(response.result.total, 0);

    let response = decode(r#"{"Response":{"RequestId":"r"}}"#).unwrap();
    assert!(response.result.records.is_empty());
}

#[test]
fn null_where_a_value_is_promised_reads_as_the_default() {
    let response = decode(
        r#"{"Response":{"RequestId":"r","Result":{"Total":null,"Records":[{"ApplicationId":null,"Tags":null,
            "ActiveVersions":null,"HasAuthority":null,"EnableTracing":null}]}}}"#,
    )
    .unwrap();
    let record = &response.result.records[0];
    assert_eq!(response.result.total, 0);
    assert_eq!(record.application_id, "");
    assert!(record.tags.is_empty() && record.active_versions.is_empty());
    let response = decode(r#"{"Response":{"RequestId":"r","Result":null}}"#).unwrap();
    assert_eq!(response.result.total, 0);
}

#[test]
fn numbers_and_booleans_sent_as_strings_are_read() {
    let response = decode(
        r#"{"Response":{"RequestId":"r","Result":{"Total":"3","Size":"20",
            "Records":[{"RepoType":"1","EnableTracing":"0","HasAuthority":"true"}]}}}"#,
    )
    .unwrap();
    assert_eq!((response.result.total, response.result.size), (3, 20));
    let record = &response.result.records[0];
    assert_eq!((record.repo_type, record.enable_tracing, record.has_authority), (1, 0, true));
}

#[test]
fn an_unreadable_value_is_a_decode_error_naming_its_path() {
    let error =
        decode(r#"{"Response":{"RequestId":"req-9","Result":{"Records":[{},{"RepoType":"one"}]}}}"#).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.request_id(), Some("req-9"), "the request id is kept for support");
    let shown = error.to_string();
    assert!(shown.contains("Response.Result.Records[1].RepoType"), "{shown}");
    let cause = std::error::Error::source(&error).expect("the serde error is the source").to_string();
    assert!(cause.contains("\"one\""), "{cause}");
}

#[test]
fn a_negative_number_where_unsigned_is_due_is_a_decode_error() {
    let error = decode(r#"{"Response":{"RequestId":"r","Result":{"Records":[{"EnableTracing":-1}]}}}"#).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(error.to_string().contains("Records[0].EnableTracing"), "{error}");
}
