//! Every official example (`schema/tem/2021-07-01/examples.json`) through the typed API:
//! the request body deserializes into the typed request and serializes back to an equal
//! JSON value; the response parses into the typed response; and every action is called over
//! HTTP, signed, against the local front door answering with the example's reply. The same
//! for the fixture of odd cases (`tests/fixtures/oddities`), whose every action is called.
//! An action without an example is called with a minimal valid request built from the schema
//! (every required member, recursively, with a value of its type).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use codegen::schema::{Service, ServiceFiles, SourceFile, Structure, Ty};

use pretty_assertions::assert_eq;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tem_core::{decode_reply, Action, Client, Config, Credentials, Reply};
use tem_tests::{FrontDoor, FrontDoorOptions, Response, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

/// Examples that break their own schema, by action and title. The request types read them
/// (numbers and booleans sent as strings are accepted, as servers accept them) but write the
/// schema's types back, so the round trip differs — only in that way, which is checked.
const SCHEMA_BREAKING: &[(&str, &str, &str)] = &[(
    "RollingUpdateApplicationByVersion",
    "部署成功",
    "TotalBatchCount, BatchInterval and BetaBatchNum are Integer but sent as strings",
)];

/// A generated crate under test: where its examples are, and which service it calls.
struct Crate {
    api_file: &'static str,
    /// `api_file`, loaded once.
    api: OnceLock<Service>,
    examples_file: &'static str,
    /// `examples_file`, read once for all of the crate's tests.
    examples: OnceLock<BTreeMap<String, Vec<Example>>>,
    service: tem_core::ServiceSpec,
}

static TEM: Crate = Crate {
    api_file: "../schema/tem/2021-07-01/api.json",
    api: OnceLock::new(),
    examples_file: "../schema/tem/2021-07-01/examples.json",
    examples: OnceLock::new(),
    service: tem_api::SERVICE,
};
static ODDITIES: Crate = Crate {
    api_file: "fixtures/oddities/schema/api.json",
    api: OnceLock::new(),
    examples_file: "fixtures/oddities/schema/examples.json",
    examples: OnceLock::new(),
    service: oddities_api::SERVICE,
};

mod tem {
    use super::*;

    macro_rules! for_each_action {
        ($($module:ident => $request:ty,)*) => {
            $(
                #[test]
                fn $module() {
                    check::<$request>(&TEM);
                }
            )*

            pub const ACTIONS: &[&str] = &[$(<$request as Action>::NAME),*];
        };
    }

    include!("examples/tem_api_actions.rs");
}

mod oddities {
    use super::*;

    macro_rules! for_each_action {
        ($($module:ident => $request:ty,)*) => {
            $(
                #[test]
                fn $module() {
                    check::<$request>(&ODDITIES);
                }
            )*
        };
    }

    include!("examples/oddities_api_actions.rs");
}

#[derive(serde::Deserialize)]
struct Example {
    title: String,
    input: String,
    output: String,
}

fn examples(krate: &Crate) -> &BTreeMap<String, Vec<Example>> {
    krate.examples.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            actions: BTreeMap<String, Vec<Example>>,
        }
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(krate.examples_file);
        let text = std::fs::read_to_string(path).unwrap();
        serde_json::from_str::<File>(&text).unwrap().actions
    })
}

fn service(krate: &Crate) -> &Service {
    krate.api.get_or_init(|| {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(krate.api_file)).unwrap();
        let files = ServiceFiles {
            api: SourceFile { name: krate.api_file, text: &text },
            api_en: None,
            examples: None,
            errors: None,
            extensions: None,
        };
        Service::load(files).unwrap()
    })
}

/// The smallest valid request of `action`: its required members, each a value of its type,
/// structures filled the same way and lists of one element.
fn minimal_request(krate: &Crate, action: &str) -> Value {
    fn value(ty: &Ty, service: &Service, depth: usize) -> Value {
        match ty {
            Ty::String | Ty::Binary => Value::from("x"),
            Ty::Int64 | Ty::UInt64 => Value::from(1),
            Ty::Float => Value::from(1.5),
            Ty::Bool => Value::from(true),
            Ty::List(inner) => Value::Array(vec![value(inner, service, depth)]),
            Ty::Struct(name) => object(&service.structures[name], service, depth + 1),
        }
    }
    fn object(structure: &Structure, service: &Service, depth: usize) -> Value {
        // A cycle of required members could never be sent; the schema has none.
        assert!(depth < 32, "{}: required members form a cycle", structure.wire);
        let members = structure.members.iter().filter(|m| m.required && !m.deprecated);
        Value::Object(members.map(|m| (m.wire.clone(), value(&m.ty, service, depth))).collect())
    }
    let service = service(krate);
    let action = service.actions.iter().find(|a| a.wire == action).expect("the action is in the schema");
    object(&action.input, service, 0)
}

/// The JSON body of an example's HTTP request text: what follows the first empty line.
fn request_body(input: &str) -> Value {
    let input = input.replace("\r\n", "\n");
    let (_, body) = input.split_once("\n\n").expect("an HTTP request text with a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("example body is not JSON: {e}\n{body}"))
}

fn check<A: Action + DeserializeOwned>(krate: &Crate) {
    let examples = examples(krate);
    let Some(examples) = examples.get(A::NAME) else {
        // Without an example, still call it, with the smallest valid request.
        let what = format!("{} without an example", A::NAME);
        let body = minimal_request(krate, A::NAME);
        let request: A = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{what}: {e}\n{body}"));
        let back = serde_json::to_value(&request).unwrap();
        assert_eq!(differences(&body, &back), Vec::<String>::new(), "{what}: the request round trip changed it");
        call_over_http(krate, &request, &back, r#"{"Response":{"RequestId":"r"}}"#, &what);
        return;
    };
    for example in examples {
        let what = format!("{} example {:?}", A::NAME, example.title);
        let body = request_body(&example.input);
        let typed: A = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{what}: request: {e}"));
        let back = serde_json::to_value(&typed).unwrap();
        let breaking = SCHEMA_BREAKING.iter().find(|(action, title, _)| *action == A::NAME && *title == example.title);
        let changes = differences(&body, &back);
        match breaking {
            None => assert_eq!(changes, Vec::<String>::new(), "{what}: the request round trip changed it"),
            Some((_, _, reason)) => {
                assert!(!changes.is_empty(), "{what} is listed as schema-breaking ({reason}) but round-trips");
                let beyond = differences(&numbers_from_strings(&body, &back), &back);
                assert_eq!(beyond, Vec::<String>::new(), "{what}: differs beyond {reason}");
            }
        }

        let reply = Reply::new(200, example.output.clone());
        if let Err(e) = decode_reply::<A::Response, A::Error>(A::NAME, &reply) {
            panic!("{what}: response: {e} ({:?})", std::error::Error::source(&e));
        }

        call_over_http(krate, &typed, &back, &example.output, &what);
    }
}

/// Calls the action through the client against a front door that checks the signature and
/// answers with the example's reply: the action is callable end to end.
fn call_over_http<A: Action>(krate: &Crate, request: &A, sent: &Value, reply: &str, what: &str) {
    if A::MULTIPART {
        // The front door serves JSON bodies only; multipart calls are checked against the
        // official SDK's vectors and sent through the client in tests/tests/multipart.rs.
        return;
    }
    let reply: Value = serde_json::from_str(reply).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let server = FrontDoor::start(
            FrontDoorOptions::default()
                .with_service(krate.service.name, krate.service.version)
                .with_responder(move |_| Response::json(200, reply.clone())),
        )
        .await;
        let config = Config::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
            .with_region("ap-guangzhou")
            .unwrap()
            .with_endpoint(&server.endpoint())
            .unwrap();
        let client = Client::new(krate.service, config).unwrap();
        if let Err(e) = client.send(request).await {
            panic!("{what}: call: {e}");
        }
        let received = server.requests();
        assert_eq!(received.len(), 1, "{what}");
        assert_eq!(received[0].verdict, None, "{what}: the front door refused the request");
        assert_eq!(received[0].header("X-TC-Action"), Some(A::NAME), "{what}");
        assert_eq!(received[0].body_json().as_ref(), Some(sent), "{what}: the body sent");
    });
}

/// Where two JSON values differ, as paths. Numbers are equal when their values are (`50`
/// and `50.0`: a Float parameter written back as a float is the same parameter).
fn differences(expected: &Value, actual: &Value) -> Vec<String> {
    fn walk(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
        match (expected, actual) {
            (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
            (Value::Object(a), Value::Object(b)) => {
                for (key, value) in a {
                    match b.get(key) {
                        Some(other) => walk(&format!("{path}.{key}"), value, other, out),
                        None => out.push(format!("{path}.{key}: dropped ({value})")),
                    }
                }
                for key in b.keys().filter(|k| !a.contains_key(*k)) {
                    out.push(format!("{path}.{key}: added ({})", b[key]));
                }
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    walk(&format!("{path}[{i}]"), x, y, out);
                }
            }
            (a, b) if a == b => {}
            (a, b) => out.push(format!("{path}: {a} became {b}")),
        }
    }
    let mut out = Vec::new();
    walk("", expected, actual, &mut out);
    out
}

/// `original` with the strings that `typed` holds as numbers or booleans read as such.
fn numbers_from_strings(original: &Value, typed: &Value) -> Value {
    match (original, typed) {
        (Value::String(s), Value::Number(_) | Value::Bool(_)) => serde_json::from_str(s).unwrap_or(original.clone()),
        (Value::Object(o), Value::Object(t)) => Value::Object(
            o.iter().map(|(k, v)| (k.clone(), t.get(k).map_or(v.clone(), |tv| numbers_from_strings(v, tv)))).collect(),
        ),
        (Value::Array(o), Value::Array(t)) => {
            Value::Array(o.iter().zip(t).map(|(v, tv)| numbers_from_strings(v, tv)).collect())
        }
        _ => original.clone(),
    }
}

#[test]
fn every_action_and_every_example_is_visited() {
    let examples = examples(&TEM);
    assert_eq!(tem::ACTIONS.len(), 51, "actions with a typed request");
    assert!(examples.keys().all(|a| tem::ACTIONS.contains(&a.as_str())), "an example of an unknown action");
    assert_eq!(examples.values().map(Vec::len).sum::<usize>(), 52, "official examples");
}

#[test]
fn listed_schema_breaking_examples_exist() {
    let examples = examples(&TEM);
    for (action, title, _) in SCHEMA_BREAKING {
        assert!(
            examples.get(*action).is_some_and(|list| list.iter().any(|e| e.title == *title)),
            "{action} {title:?} is listed but not in examples.json"
        );
    }
}
