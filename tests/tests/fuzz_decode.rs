//! Fuzzing of reply decoding for every action's response type, with proptest (deterministic
//! seed, so CI runs the same cases every time): arbitrary bytes, mutated official example
//! replies, example replies with values swapped for arbitrary JSON, deep nesting, huge numbers
//! and huge declared counts. Every input is decoded as the reply of each of the 51 actions.
//!
//! What must hold: no panic (nor stack overflow); the outcome is a success or an error of kind
//! `Service` or `Decode` (the status is 200); and no single allocation is larger than a small
//! multiple of the input, so nothing in the reply can make the decoder reserve memory it does
//! not need (measured by a counting global allocator, per thread).
//!
//! The number of executions is printed (`cargo test -p tem-tests --test fuzz_decode -- --nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use tem_core::{decode_reply, Action, ErrorKind, Reply};

// ---------------------------------------------------------------------------------------------
// The largest allocation, per thread
// ---------------------------------------------------------------------------------------------

struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

fn note(size: usize) {
    // `try_with`: the thread-local may already be gone while a thread exits.
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// Every action's decoder
// ---------------------------------------------------------------------------------------------

type Decoder = fn(&Reply) -> Result<(), ErrorKind>;

fn decode_as<A: Action>(reply: &Reply) -> Result<(), ErrorKind> {
    decode_reply::<A::Response, A::Error>(A::NAME, reply).map(drop).map_err(|e| e.kind())
}

macro_rules! for_each_action {
    ($($module:ident => $request:ty,)*) => {
        const DECODERS: &[(&str, Decoder)] = &[$((<$request as Action>::NAME, decode_as::<$request>)),*];
    };
}

include!("examples/tem_api_actions.rs");

thread_local! {
    /// Decodings made by this thread's test.
    static EXECUTIONS: Cell<u64> = const { Cell::new(0) };
}

fn executions() -> u64 {
    EXECUTIONS.with(Cell::get)
}

/// Decodes `body` as a 200 reply of every action, checking what must hold.
fn decode_everywhere(body: &[u8]) -> Result<(), TestCaseError> {
    let reply = Reply::new(200, body);
    for (action, decode) in DECODERS {
        LARGEST.with(|largest| largest.set(0));
        let outcome = decode(&reply);
        let largest = LARGEST.with(Cell::get);
        EXECUTIONS.with(|n| n.set(n.get() + 1));
        if let Err(kind) = outcome {
            prop_assert!(matches!(kind, ErrorKind::Decode | ErrorKind::Service), "{action}: {kind:?}");
        }
        // Error messages quote at most 200 characters of the body; values are copied once.
        let bound = 8 * body.len() + 64 * 1024;
        prop_assert!(largest <= bound, "{action}: an allocation of {largest} bytes for a {}-byte reply", body.len());
    }
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// Runs `cases` cases of `strategy` and prints how many decodings that made.
fn fuzz<S: Strategy>(what: &str, cases: u32, strategy: S, to_bytes: impl Fn(S::Value) -> Vec<u8>)
where
    S::Value: std::fmt::Debug,
{
    let before = executions();
    let started = Instant::now();
    let result = runner(cases).run(&strategy, |value| decode_everywhere(&to_bytes(value)));
    if let Err(e) = result {
        panic!("{what}: {e}");
    }
    let executions = executions() - before;
    println!("fuzz {what}: {cases} cases, {executions} decodings in {:.2?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// Every official example reply, in action order.
fn example_replies() -> Vec<String> {
    DECODERS.iter().flat_map(|(action, _)| tem_tests::example_outputs(action)).collect()
}

/// Tokens worth splicing into JSON text.
const TOKENS: &[&str] = &[
    "null",
    "true",
    "\"\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "\\",
    "-",
    "0",
    "1e999",
    "-1e999",
    "1.7976931348623157e309",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890123456789012345678901234567890",
    "0.0000000000000000000000000000000000000000000000001",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\u{feff}",
    "\"RequestId\"",
    "\"Error\"",
    "\"Response\"",
    "\"Code\"",
    "{\"Code\":\"InternalError\"}",
];

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Delete(usize),
    Duplicate(usize, usize),
    Splice(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        at.prop_map(Mutation::Truncate),
        (at, any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        at.prop_map(Mutation::Delete),
        (at, 1..64usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        (at, 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Splice(i, t)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        let at = |i: &usize| if len == 0 { 0 } else { i % len };
        match m {
            Mutation::Flip(i, b) if len > 0 => bytes[at(i)] ^= b | 1,
            Mutation::Truncate(i) => bytes.truncate(at(i)),
            Mutation::Insert(i, b) => bytes.insert(at(i), *b),
            Mutation::Delete(i) if len > 0 => {
                bytes.remove(at(i));
            }
            Mutation::Duplicate(i, n) => {
                let start = at(i);
                let piece: Vec<u8> = bytes[start..(start + n).min(len)].to_vec();
                bytes.splice(start..start, piece);
            }
            Mutation::Splice(i, t) => {
                let start = at(i);
                bytes.splice(start..start, TOKENS[*t].bytes());
            }
            _ => {}
        }
    }
    bytes
}

/// Arbitrary JSON, scalars at the edges of what the typed fields hold.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(-1), Just(0)].prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,12}".prop_map(Value::from),
        prop_oneof![Just("1"), Just("-1"), Just("1.5"), Just("true"), Just(" "), Just("99999999999999999999")]
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(("[A-Z][a-zA-Z]{0,8}", inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// `value` with its `index`-th leaf (or emptied container), in depth-first order, replaced.
fn replace_leaf(value: &mut Value, index: &mut usize, with: &Value) -> bool {
    let children: Vec<&mut Value> = match value {
        Value::Array(items) if !items.is_empty() => items.iter_mut().collect(),
        Value::Object(members) if !members.is_empty() => members.values_mut().collect(),
        _ => {
            if *index == 0 {
                *value = with.clone();
                return true;
            }
            *index -= 1;
            return false;
        }
    };
    children.into_iter().any(|child| replace_leaf(child, index, with))
}

fn leaf_count(value: &Value) -> usize {
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(leaf_count).sum(),
        Value::Object(members) if !members.is_empty() => members.values().map(leaf_count).sum(),
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------------
// The runs
// ---------------------------------------------------------------------------------------------

#[test]
fn arbitrary_bytes() {
    fuzz("arbitrary bytes", 1500, proptest::collection::vec(any::<u8>(), 0..256), |bytes| bytes);
    // Bytes behind a valid envelope's opening, so the decoder gets past the first check.
    let inside = proptest::collection::vec(any::<u8>(), 0..256);
    fuzz("bytes inside an envelope", 1500, inside, |bytes| {
        let mut body = br#"{"Response":{"Result":"#.to_vec();
        body.extend(bytes);
        body
    });
}

#[test]
fn mutated_example_replies() {
    let examples = example_replies();
    assert_eq!(examples.len(), 52);
    let strategy = (0..examples.len(), proptest::collection::vec(mutation(), 1..6));
    fuzz("mutated example replies", 3000, strategy, |(index, mutations)| {
        mutate(examples[index].clone().into_bytes(), &mutations)
    });
}

#[test]
fn example_replies_with_arbitrary_values() {
    let examples: Vec<Value> = example_replies().iter().map(|e| serde_json::from_str(e).unwrap()).collect();
    let strategy = (0..examples.len(), proptest::collection::vec((any::<usize>(), json_value()), 1..4));
    fuzz("example replies with arbitrary values", 800, strategy, |(index, replacements)| {
        let mut value = examples[index].clone();
        for (at, with) in &replacements {
            let mut at = at % leaf_count(&value);
            replace_leaf(&mut value, &mut at, with);
        }
        value.to_string().into_bytes()
    });
}

#[test]
fn deep_nesting_huge_numbers_and_huge_declared_counts() {
    let before = executions();
    let started = Instant::now();
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for depth in [126, 127, 128, 129, 1_000, 10_000] {
        for (open, close) in [("[", "]"), ("{\"A\":", "}")] {
            let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            bodies.push(format!(r#"{{"Response":{{"Result":{nested},"RequestId":"r"}}}}"#).into_bytes());
            bodies.push(format!(r#"{{"Response":{nested}}}"#).into_bytes());
            bodies.push(nested.into_bytes());
            // Unclosed: the nesting never ends.
            bodies.push(format!(r#"{{"Response":{}"#, open.repeat(depth)).into_bytes());
        }
    }
    // Every number of every example reply swapped for a huge one; every count declared huge.
    for example in example_replies() {
        let value: Value = serde_json::from_str(&example).unwrap();
        for huge in ["1e999", "-1e999", "18446744073709551616", "-9223372036854775809", &"9".repeat(400), "1e-999"] {
            let text = numbers_replaced(&value, "\u{0}NUMBER\u{0}").to_string();
            bodies.push(text.replace(r#""\u0000NUMBER\u0000""#, huge).into_bytes());
        }
        let counts = counts_declared(&value, u64::MAX).to_string();
        bodies.push(counts.into_bytes());
    }
    for body in &bodies {
        if let Err(e) = decode_everywhere(body) {
            panic!("{e}: {}", String::from_utf8_lossy(&body[..body.len().min(200)]));
        }
    }
    let executions = executions() - before;
    println!("fuzz edge cases: {} bodies, {executions} decodings in {:.2?}", bodies.len(), started.elapsed());
}

/// `value` with every number replaced by the string `marker`.
fn numbers_replaced(value: &Value, marker: &str) -> Value {
    match value {
        Value::Number(_) => Value::from(marker),
        Value::Array(items) => Value::Array(items.iter().map(|v| numbers_replaced(v, marker)).collect()),
        Value::Object(members) => {
            Value::Object(members.iter().map(|(k, v)| (k.clone(), numbers_replaced(v, marker))).collect())
        }
        other => other.clone(),
    }
}

/// `value` with every member whose name says it counts something set to `count`.
fn counts_declared(value: &Value, count: u64) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| counts_declared(v, count)).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| {
                    let counts = k.contains("Count") || k.contains("Total") || k == "Limit" || k == "Offset";
                    (k.clone(), if counts { Value::from(count) } else { counts_declared(v, count) })
                })
                .collect(),
        ),
        other => other.clone(),
    }
}
