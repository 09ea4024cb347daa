//! The control API: `/_emulator/...` on the emulator's own port, JSON in and out (PascalCase
//! names, as the TEM API and the state file), no signature. It has no authentication unless the
//! emulator was started with a control token (`--control-token`): then every route but
//! `health` needs `Authorization: Bearer <token>` (401 otherwise).
//!
//! | request | does |
//! | --- | --- |
//! | `GET /_emulator/` | lists these routes |
//! | `GET /_emulator/health` | `{"Ready": true, "Version", "UptimeSeconds"}` |
//! | `POST /_emulator/reset` | forgets state, faults and the request log |
//! | `POST /_emulator/advance` `{"Seconds": n}` | moves the rollout clock forward |
//! | `POST /_emulator/faults` a [`FaultRule`] | adds a fault |
//! | `POST /_emulator/faults/clear` | removes every fault |
//! | `POST /_emulator/clock-skew` `{"Seconds": n}` | runs the front door's clock `n` s off |
//! | `POST /_emulator/versions` `{"DeployVersion": v, "Behaviour": "CrashLoop", "ErrorMessage": m}` | scripts a version |
//! | `POST /_emulator/seed` `{"EnvironmentName", "ApplicationName", "DeployVersion", "Replicas"}` | seeds an environment and a running application; answers their ids |
//! | `GET /_emulator/state`, `POST /_emulator/state` | the state as JSON; replaces it |
//! | `GET /_emulator/requests` | the request log, each with its verdict |

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use crate::faults::FaultRule;
use crate::model::{State, VersionBehaviour};
use crate::reply::ReplyBody;
use crate::shared::Shared;

/// The routes, as `GET /_emulator/` lists them: method, path, what it does.
pub const ROUTES: [(&str, &str, &str); 13] = [
    ("GET", "/_emulator/", "lists these routes"),
    ("GET", "/_emulator/health", "Ready, Version and UptimeSeconds (no token needed)"),
    ("POST", "/_emulator/reset", "forgets state, faults, clock skew and the request log"),
    ("POST", "/_emulator/advance", "{\"Seconds\": n}: moves the rollout clock forward"),
    ("POST", "/_emulator/faults", "a fault rule: {\"Action\", \"Fault\": {\"Kind\", ...}, \"Count\", \"Probability\"}"),
    ("POST", "/_emulator/faults/clear", "removes every fault rule"),
    ("POST", "/_emulator/clock-skew", "{\"Seconds\": n}: runs the front door's clock n s off"),
    (
        "POST",
        "/_emulator/versions",
        "{\"DeployVersion\", \"Behaviour\": \"CrashLoop\"|\"Healthy\", \"ErrorMessage\"}: scripts a version",
    ),
    (
        "POST",
        "/_emulator/seed",
        "{\"EnvironmentName\", \"ApplicationName\", \"DeployVersion\", \"Replicas\"}: seeds a running application",
    ),
    ("GET", "/_emulator/state", "the state (the state file's JSON)"),
    ("POST", "/_emulator/state", "replaces the state (checked first: 400 if it cannot run)"),
    ("GET", "/_emulator/requests", "the request log, each with its verdict"),
    ("GET", "/_emulator/faults", "the fault rules in force"),
];

type Reply = Box<hyper::Response<ReplyBody>>;

fn answer(status: u16, value: Value) -> Reply {
    let mut response = Box::new(hyper::Response::new(ReplyBody::new(value.to_string())));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

fn bad(why: impl std::fmt::Display) -> Reply {
    answer(400, json!({"Error": why.to_string()}))
}

pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    route: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> hyper::Response<ReplyBody> {
    if let Some(token) = &shared.control_token {
        let sent = authorization.and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default();
        if route != "health" && !crate::signing::same_signature(token, sent) {
            return *answer(401, json!({"Error": "the control API needs Authorization: Bearer <control token>"}));
        }
    }
    if method == "POST" {
        // Any control POST may change what a state file holds.
        shared.generation.fetch_add(1, Ordering::SeqCst);
    }
    let input = || -> Result<Value, Reply> {
        if body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON: {e}")))
    };
    let seconds = |v: &Value| v.get("Seconds").and_then(Value::as_f64).filter(|s| s.is_finite());
    let result = match (method, route) {
        ("GET", "") => Ok(json!({"Routes": ROUTES
            .iter()
            .map(|(method, path, does)| json!({"Method": method, "Path": path, "Does": does}))
            .collect::<Vec<_>>()})),
        ("GET", "health") => Ok(json!({
            "Ready": true,
            "Version": env!("CARGO_PKG_VERSION"),
            "UptimeSeconds": shared.started.elapsed().as_secs(),
        })),
        ("GET", "faults") => serde_json::to_value(&*shared.faults()).map_err(bad),
        ("POST", "reset") => {
            crate::reset(shared);
            Ok(json!({"Result": true}))
        }
        ("POST", "advance") => input().and_then(|v| match seconds(&v) {
            Some(s) if (0.0..1e12).contains(&s) => {
                shared.clock.advance(Duration::from_secs_f64(s));
                Ok(json!({"Result": true, "NowMillis": shared.clock.now_ms()}))
            }
            _ => Err(bad("advance needs {\"Seconds\": n} with n >= 0")),
        }),
        ("POST", "faults") => input().and_then(|v| match serde_json::from_value::<FaultRule>(v) {
            Ok(rule) => {
                shared.faults().push(rule);
                Ok(json!({"Result": true}))
            }
            Err(e) => Err(bad(format!("not a fault rule: {e}"))),
        }),
        ("POST", "faults/clear") => {
            shared.faults().clear();
            Ok(json!({"Result": true}))
        }
        ("POST", "clock-skew") => input().and_then(|v| match seconds(&v) {
            Some(s) if s.abs() < 1e10 => {
                shared.skew_secs.store(s as i64, Ordering::SeqCst);
                Ok(json!({"Result": true}))
            }
            _ => Err(bad("clock-skew needs {\"Seconds\": n}")),
        }),
        ("POST", "versions") => input().and_then(|v| {
            let Some(version) = v.get("DeployVersion").and_then(Value::as_str) else {
                return Err(bad("versions needs DeployVersion"));
            };
            let behaviour: VersionBehaviour =
                serde_json::from_value(v.clone()).map_err(|e| bad(format!("not a behaviour: {e}")))?;
            shared.state().versions.insert(version.to_owned(), behaviour);
            Ok(json!({"Result": true}))
        }),
        ("POST", "seed") => input().and_then(|v| {
            let text = |name: &str, default: &str| v.get(name).and_then(Value::as_str).unwrap_or(default).to_owned();
            let replicas = v.get("Replicas").and_then(Value::as_u64).unwrap_or(2);
            let now = shared.clock.now_ms();
            let mut state = shared.state();
            crate::seed(
                &mut state,
                &text("EnvironmentName", "dev"),
                &text("ApplicationName", "demo"),
                &text("DeployVersion", "v1"),
                replicas,
                now,
            )
            .map(|(env, app)| json!({"EnvironmentId": env, "ApplicationId": app}))
            .map_err(bad)
        }),
        ("GET", "state") => {
            let now = shared.clock.now_ms();
            let mut state = shared.state();
            state.catch_up(now);
            serde_json::to_value(&*state).map_err(bad)
        }
        ("POST", "state") => match serde_json::from_slice::<State>(body) {
            Ok(state) if state.check().is_err() => {
                Err(bad(format!("not a state to run: {}", state.check().err().unwrap_or_default())))
            }
            Ok(mut state) => {
                state.sanitize();
                *shared.state() = state;
                Ok(json!({"Result": true}))
            }
            Err(e) => Err(bad(format!("not a state file: {e}"))),
        },
        ("GET", "requests") => serde_json::to_value(shared.log().iter().collect::<Vec<_>>()).map_err(bad),
        _ => Err(answer(404, json!({"Error": format!("no control route {method} /_emulator/{route}")}))),
    };
    *match result {
        Ok(value) => answer(200, value),
        Err(reply) => reply,
    }
}
