//! Faults on demand: rules that make the emulator answer badly for some requests.
//!
//! A rule as JSON (the control API's `POST /_emulator/faults`): `{"Action": "DescribeApplicationPods"
//! (optional: every action), "Fault": {"Kind": ..., ...}, "Count": n (optional: for ever),
//! "Probability": p (optional: 1)}`. The kinds:
//!
//! | `Kind` | members | the reply |
//! | --- | --- | --- |
//! | `Throttle` | | `RequestLimitExceeded` (HTTP 200), Tencent Cloud's throttling |
//! | `ServiceError` | `Code`, `Message` | an error reply (HTTP 200) with this code, e.g. `InternalError`, `ResourceUnavailable` |
//! | `HttpStatus` | `Status` | this HTTP status (e.g. 502, 503) with a JSON error body |
//! | `Html` | `Status` | this HTTP status with an HTML page, as a proxy in the way sends |
//! | `Delay` | `Millis` | the normal reply, late |
//! | `ResetBeforeBody` | | a TCP reset before the request body is read |
//! | `ResetAfterBody` | | a TCP reset after the request is read (not acted on) |
//! | `TruncatedJson` | | a reply declaring its full length and sending half |
//! | `MalformedJson` | | a complete reply whose body is not JSON |

use serde::{Deserialize, Serialize};

/// One way of answering badly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Kind")]
pub enum Fault {
    /// `RequestLimitExceeded` (HTTP 200): Tencent Cloud's throttling.
    Throttle,
    /// An error reply (HTTP 200) with this code, e.g. `RequestLimitExceeded`, `InternalError`.
    ServiceError {
        #[serde(rename = "Code")]
        /// The error code.
        code: String,
        #[serde(rename = "Message", default)]
        /// The error message.
        message: String,
    },
    /// This HTTP status (e.g. 502) with a JSON error body.
    HttpStatus {
        #[serde(rename = "Status")]
        /// The HTTP status.
        status: u16,
    },
    /// This HTTP status with an HTML page, as a proxy in the way would send.
    Html {
        #[serde(rename = "Status")]
        /// The HTTP status.
        status: u16,
    },
    /// The connection is reset before the request body is read.
    ResetBeforeBody,
    /// The connection is reset after the request is read and checked (not acted on).
    ResetAfterBody,
    /// The normal reply, `millis` milliseconds late (real time).
    Delay {
        #[serde(rename = "Millis")]
        /// The delay in milliseconds.
        millis: u64,
    },
    /// A reply that declares its full length and sends half of it, then closes.
    TruncatedJson,
    /// A complete HTTP reply whose body is not JSON.
    MalformedJson,
}

impl Fault {
    /// The fault's name as the request log shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Throttle => "Throttle",
            Self::ServiceError { .. } => "ServiceError",
            Self::HttpStatus { .. } => "HttpStatus",
            Self::Html { .. } => "Html",
            Self::ResetBeforeBody => "ResetBeforeBody",
            Self::ResetAfterBody => "ResetAfterBody",
            Self::Delay { .. } => "Delay",
            Self::TruncatedJson => "TruncatedJson",
            Self::MalformedJson => "MalformedJson",
        }
    }

    /// `RequestLimitExceeded`, the throttling code.
    pub fn throttled() -> Self {
        Self::ServiceError {
            code: "RequestLimitExceeded".into(),
            message: "Your request rate exceeds the limit.".into(),
        }
    }

    /// `InternalError`.
    pub fn internal_error() -> Self {
        Self::ServiceError { code: "InternalError".into(), message: "An internal error occurred (a fault).".into() }
    }
}

/// When a fault applies: to which action, how many times, how often.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The action it applies to; `None`: every request.
    #[serde(rename = "Action", default)]
    pub action: Option<String>,
    #[serde(rename = "Fault")]
    /// What happens to a request it applies to.
    pub fault: Fault,
    /// How many requests it applies to before it is removed; `None`: no limit.
    #[serde(rename = "Count", default)]
    pub count: Option<u32>,
    /// The chance that a matching request gets it, 0 to 1 (default 1). The draws are a fixed
    /// pseudo-random sequence, so a run is repeatable.
    #[serde(rename = "Probability", default = "one")]
    pub probability: f64,
}

fn one() -> f64 {
    1.0
}

impl FaultRule {
    /// `fault` for every request, until removed.
    pub fn always(fault: Fault) -> Self {
        Self { action: None, fault, count: None, probability: 1.0 }
    }

    /// Only for `action`.
    pub fn for_action(mut self, action: &str) -> Self {
        self.action = Some(action.to_owned());
        self
    }

    /// Only the next `count` matching requests.
    pub fn times(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// Only with probability `p` (clamped to 0..=1).
    pub fn with_probability(mut self, p: f64) -> Self {
        self.probability = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self
    }

    pub(crate) fn matches(&self, action: &str) -> bool {
        self.count != Some(0) && self.action.as_deref().is_none_or(|a| a == action)
    }

    /// Whether draw number `draw` falls within the probability.
    pub(crate) fn fires(&self, draw: u64) -> bool {
        if self.probability >= 1.0 {
            return true;
        }
        let mut x = draw.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        ((x >> 11) as f64 / (1u64 << 53) as f64) < self.probability
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_is_about_right_and_repeatable() {
        let rule = FaultRule::always(Fault::MalformedJson).with_probability(0.25);
        let hits = (0..10_000).filter(|&d| rule.fires(d)).count();
        assert!((2_000..3_000).contains(&hits), "{hits}");
        assert_eq!(hits, (0..10_000).filter(|&d| rule.fires(d)).count());
        assert!(!FaultRule::always(Fault::MalformedJson).with_probability(f64::NAN).fires(1));
    }

    #[test]
    fn rules_read_from_json() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"Action":"DescribeApplicationPods","Fault":{"Kind":"ServiceError","Code":"RequestLimitExceeded"},"Count":2}"#,
        )
        .unwrap();
        assert_eq!(rule.count, Some(2));
        assert!(rule.matches("DescribeApplicationPods") && !rule.matches("DeployApplication"));
        assert_eq!(rule.probability, 1.0);
        let throttle: FaultRule = serde_json::from_str(r#"{"Fault":{"Kind":"Throttle"}}"#).unwrap();
        assert_eq!(throttle.fault, Fault::Throttle);
    }
}
