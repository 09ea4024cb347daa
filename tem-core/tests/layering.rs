//! The layers of tem-core, checked in the spirit of rust-analyzer's tidy tests: every module
//! is listed in [`LAYERS`], bottom first, and may name (`crate::…`, `super::…`, in code and in
//! doc links alike) only modules listed before it. A new module fails this test until it is
//! given its place; a `use` against the order fails it with the edge named.

use std::collections::BTreeMap;
use std::path::Path;

/// Bottom first. The providers that call a service (STS, web identity, the CVM role) and the
/// default chain sit above the call path, as aws-config sits above the AWS runtime; the
/// crate root (`lib.rs`) re-exports from every layer and is not listed.
const LAYERS: &[&str] = &[
    // Foundations: errors and serde helpers.
    "de",
    "error",
    "common_error",
    // The time source.
    "time",
    // TC3-HMAC-SHA256 and the legacy signatures.
    "signing",
    "signing::key_cache",
    "signing::legacy",
    // Credentials: the types, the cache, and the providers that call no service.
    "credentials",
    "credentials::cache",
    "credentials::static_credentials",
    "credentials::env",
    // The HTTP layer.
    "transport::message",
    "transport",
    "transport::settings",
    "transport::reqwest_client",
    "transport::replay",
    // Policies the configuration holds.
    "call::retry",
    "call::rate_limit",
    "config",
    // The call path.
    "call::multipart",
    "call::decode",
    "call",
    "call::client",
    "dry_run",
    "fluent",
    "paginator",
    // Providers that call a service, and the default chain.
    "credentials::sts",
    "credentials::cvm_role",
    "credentials::profile",
    "credentials::web_identity",
    "credentials::chain",
    "credentials::default_chain",
];

#[test]
fn every_module_names_only_the_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let rank: BTreeMap<&str, usize> = LAYERS.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let unlisted: Vec<&String> = modules.keys().filter(|m| !m.is_empty() && !rank.contains_key(m.as_str())).collect();
    assert!(unlisted.is_empty(), "modules not in LAYERS (give each its place): {unlisted:?}");
    let gone: Vec<&&str> = LAYERS.iter().filter(|m| !modules.contains_key(**m)).collect();

    let aliases = aliases(&modules);
    let mut against = Vec::new();
    for (module, text) in &modules {
        if module.is_empty() {
            continue;
        }
        for path in named_paths(module, text) {
            let Some(target) = resolve(&path, &modules, &aliases) else { continue };
            if target == *module || target.is_empty() {
                continue;
            }
            if rank[target.as_str()] > rank[module.as_str()] {
                against.push(format!("{module} -> {target} (crate::{path})"));
            }
        }
    }
    against.sort();
    against.dedup();
    assert!(against.is_empty(), "edges against the declared order:\n{}", against.join("\n"));
    assert!(gone.is_empty(), "LAYERS lists modules that do not exist: {gone:?}");
}

/// One clock: the time of day is read, and waits are slept, only through `crate::time`
/// (`TimeSource`, `AsyncSleep`, set on `Config`), in tem-core and in tem-api's waiter, so that a
/// manual clock reaches every timestamp, expiry, backoff and poll. Tokio's monotonic `Instant`
/// stays allowed: it times the per-attempt timeout, which is the HTTP layer's by design.
#[test]
fn time_is_read_and_slept_only_through_the_time_module() {
    const READS: &[&str] = &["SystemTime::now", "tokio::time::sleep", "sleep_until(", "use tokio::time::{"];
    // (module, what, why): each exception names its reason.
    const ALLOWED: &[(&str, &str, &str)] = &[
        ("time", "SystemTime::now", "the system clock itself"),
        ("time", "tokio::time::sleep", "tokio's sleep itself"),
        ("credentials::web_identity", "SystemTime::now", "a default session name's microseconds: a name, not a time"),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut modules = modules(&root.join("src"));
    for (name, text) in self::modules(&root.join("../tem-api/src")) {
        modules.insert(format!("tem_api::{name}"), text);
    }
    let mut found = Vec::new();
    for (module, text) in &modules {
        for read in READS {
            let allowed = ALLOWED.iter().any(|(m, what, _)| m == module && what == read);
            if text.contains(read) && !allowed {
                found.push(format!("{module}: {read}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "time read or slept outside crate::time (use the Config's TimeSource and AsyncSleep):\n{}",
        found.join("\n")
    );
}

/// Every module of `src`, by path (`call::client`; the root is ""), with its text minus its
/// unit tests (`#[cfg(test)] mod tests` to the end of the file: not the design).
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let mut text = std::fs::read_to_string(&path).unwrap();
            if let Some(at) = text.find("#[cfg(test)]\nmod tests") {
                text.truncate(at);
            }
            out.insert(parts.join("::"), text);
        }
    }
    out
}

/// What each module re-exports, `module::Name` (`Name` at the root) → the module it comes
/// from: `pub use a::b::{C, d};` and `pub use a::b::C;` (relative, or from `crate::`). A
/// re-exported module is an alias of it.
fn aliases(modules: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut aliases = BTreeMap::new();
    for (module, text) in modules {
        for statement in text.split(';') {
            let Some(at) = statement.find("pub use ") else { continue };
            let body: String = statement[at + 8..].chars().filter(|c| !c.is_whitespace()).collect();
            let body = body.strip_prefix("crate::").map(str::to_owned).unwrap_or_else(|| {
                if module.is_empty() {
                    body.clone()
                } else {
                    format!("{module}::{body}")
                }
            });
            let (prefix, names) = match body.split_once("::{") {
                Some((prefix, names)) => (prefix.to_owned(), names.trim_end_matches('}').to_owned()),
                None => match body.rsplit_once("::") {
                    Some((prefix, name)) => (prefix.to_owned(), name.to_owned()),
                    None => continue,
                },
            };
            for name in names.split(',').filter(|n| !n.is_empty()) {
                let module_named = format!("{prefix}::{name}");
                let from = if modules.contains_key(&module_named) { module_named } else { prefix.clone() };
                let key = if module.is_empty() { name.to_owned() } else { format!("{module}::{name}") };
                aliases.insert(key, from);
            }
        }
    }
    aliases
}

/// The crate paths `module`'s text names: `crate::a::b` (also `$crate::`), each item of
/// `crate::{a, b::c}`, and `super::x` resolved from `module`.
fn named_paths(module: &str, text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p).to_owned();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent)] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let preceded_by_ident =
                rest[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            rest = &rest[at + prefix.len()..];
            if preceded_by_ident {
                continue;
            }
            let join = |path: &str| if base.is_empty() { path.to_owned() } else { format!("{base}::{path}") };
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            let path = rest[..end].trim_end_matches(':');
            if let Some(group) = rest[end..].strip_prefix('{') {
                // `prefix::{a, b::c}`: each item (nested groups are read as their first path).
                let close = group.find('}').unwrap_or(group.len());
                for item in group[..close].split(',') {
                    let item: String = item.chars().filter(|c| !c.is_whitespace() && *c != '{').collect();
                    let item = if item == "self" { path.to_owned() } else { format!("{path}::{item}") };
                    let item = item.trim_start_matches(':');
                    if !item.is_empty() {
                        paths.push(join(item));
                    }
                }
            } else if !path.is_empty() {
                paths.push(join(path));
            }
        }
    }
    paths
}

/// The module `path` leads to: its longest prefix that is a module, through re-exports.
fn resolve(path: &str, modules: &BTreeMap<String, String>, aliases: &BTreeMap<String, String>) -> Option<String> {
    let mut current = String::new();
    for part in path.split("::") {
        let candidate = if current.is_empty() { part.to_owned() } else { format!("{current}::{part}") };
        if let Some(module) = aliases.get(&candidate).filter(|m| modules.contains_key(*m)) {
            current = module.clone();
        } else if modules.contains_key(&candidate) {
            current = candidate;
        } else {
            break;
        }
    }
    (!current.is_empty()).then_some(current)
}
