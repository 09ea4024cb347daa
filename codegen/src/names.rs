//! Wire names to Rust names: the one place where that mapping is decided.
//!
//! Wire names stay exact on the wire through `#[serde(rename = "...")]`; these functions
//! only choose the Rust identifiers. The rules, each covered by a test below:
//! 1. Split into words at non-alphanumerics, at lower→upper (`DeployVersion`), and at the
//!    end of an acronym (`DNSFormat` → `DNS`, `Format`); digits stay with their word.
//! 2. snake_case lowercases and joins with `_`; PascalCase capitalises each word's first
//!    letter and keeps the rest (so `DNSFormat` stays `DNSFormat`, `a.b-c` becomes `ABC`).
//! 3. A name starting with a digit gets the prefix `n_` (snake) or `N` (Pascal).
//! 4. Rust keywords, and names the generator reserves in a scope, get a trailing `_`
//!    (snake: `type_`) or the suffix `Value` (Pascal: `SelfValue`).
//! 5. Names of one scope that still collide ([`assign`]): the wire name that the natural
//!    Rust name converts back to keeps it (`DnsFormat` → `dns_format`); the others split at
//!    every capital (`DNSFormat` → `d_n_s_format`); what still collides is numbered
//!    (`_2`, `_3`... or `2`, `3`...) in sorted wire-name order.
//!
//! Type names equal to prelude or std items (`Result`, `Option`, `Box`, `Error`...) are
//! kept: generated code names every std item by its full path, so they cannot clash.

use std::collections::{BTreeMap, BTreeSet};

/// The two cases generated code uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// Fields, methods, modules.
    Snake,
    /// Types and enum variants.
    Pascal,
}

/// Every keyword of Rust 2015–2024, strict and reserved.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super",
    "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The Rust name of one wire name, without regard to its neighbours (rules 1–4).
pub fn rust_name(wire: &str, case: Case) -> String {
    finish(&words(wire), case, &[])
}

/// Rust names for all wire names of one scope (a structure's members, a module's types, an
/// action's error codes), distinct from each other and from `reserved` (rules 1–5).
/// Returns the names in the order of `wires`.
pub fn assign(wires: &[&str], case: Case, reserved: &[&str]) -> Vec<String> {
    let natural: Vec<String> = wires.iter().map(|w| finish(&words(w), case, reserved)).collect();
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, name) in natural.iter().enumerate() {
        by_name.entry(name).or_default().push(i);
    }
    let mut out = natural.clone();
    for indices in by_name.values().filter(|ix| ix.len() > 1) {
        for &i in indices {
            if !round_trips(wires[i], &natural[i]) {
                out[i] = finish(&capital_words(wires[i]), case, reserved);
            }
        }
    }
    // Number whatever still collides: an owner first, then in sorted wire-name order.
    let mut order: Vec<usize> = (0..wires.len()).collect();
    order.sort_by_key(|&i| (!round_trips(wires[i], &out[i]), wires[i], i));
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for &i in &order {
        *counts.entry(out[i].clone()).or_default() += 1;
    }
    for &i in &order {
        if counts[&out[i]] == 1 {
            taken.insert(out[i].clone());
        }
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for &i in &order {
        let base = out[i].clone();
        if counts[&base] == 1 {
            continue;
        }
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 && !taken.contains(&base) {
            taken.insert(base);
            continue;
        }
        let mut k = (*n).max(2);
        loop {
            let candidate = match case {
                Case::Snake => format!("{}_{k}", base.trim_end_matches('_')),
                Case::Pascal => format!("{base}{k}"),
            };
            if taken.insert(candidate.clone()) {
                out[i] = candidate;
                break;
            }
            k += 1;
        }
    }
    out
}

/// Whether `name` converts back to exactly `wire` (the owner of a contested name).
fn round_trips(wire: &str, name: &str) -> bool {
    let back: String = name
        .trim_end_matches('_')
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect();
    back == wire
}

/// Rule 1.
fn words(wire: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in wire.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = c.is_ascii_uppercase()
                && match prev {
                    Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                    Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                    _ => false,
                };
            if boundary && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// The fallback split of rule 5: every capital starts a word.
fn capital_words(wire: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in wire.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        let mut word = String::new();
        for c in part.chars() {
            if c.is_ascii_uppercase() && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        out.push(word);
    }
    out
}

/// Rules 2–4.
fn finish(words: &[String], case: Case, reserved: &[&str]) -> String {
    let mut name = match case {
        Case::Snake => words.iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_"),
        Case::Pascal => words
            .iter()
            .map(|w| {
                let mut chars = w.chars();
                chars.next().map_or(String::new(), |c| c.to_ascii_uppercase().to_string() + chars.as_str())
            })
            .collect(),
    };
    if name.is_empty() {
        name = match case {
            Case::Snake => "field".into(),
            Case::Pascal => "Unnamed".into(),
        };
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = match case {
            Case::Snake => format!("n_{name}"),
            Case::Pascal => format!("N{name}"),
        };
    }
    if KEYWORDS.contains(&name.as_str()) || reserved.contains(&name.as_str()) {
        match case {
            Case::Snake => name.push('_'),
            Case::Pascal => name.push_str("Value"),
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of odd cases: wire name, snake_case, PascalCase.
    const TABLE: &[(&str, &str, &str)] = &[
        // Ordinary names.
        ("ApplicationId", "application_id", "ApplicationId"),
        (
            "RollingUpdateApplicationByVersion",
            "rolling_update_application_by_version",
            "RollingUpdateApplicationByVersion",
        ),
        ("requestId", "request_id", "RequestId"),
        // Acronyms and digits.
        ("DNSFormat", "dns_format", "DNSFormat"),
        ("EnableTKE", "enable_tke", "EnableTKE"),
        ("VpcId", "vpc_id", "VpcId"),
        ("Ipv6Address", "ipv6_address", "Ipv6Address"),
        ("IPv6", "i_pv6", "IPv6"),
        ("Md5", "md5", "Md5"),
        ("K8sVersion", "k8s_version", "K8sVersion"),
        ("3DSecure", "n_3_d_secure", "N3DSecure"),
        // Separators: error codes and odd wire names.
        ("InvalidParameterValue.ApmNotBind", "invalid_parameter_value_apm_not_bind", "InvalidParameterValueApmNotBind"),
        ("FailedOperation.some-thing_odd", "failed_operation_some_thing_odd", "FailedOperationSomeThingOdd"),
        ("ALL_CAPS_NAME", "all_caps_name", "ALLCAPSNAME"),
        // Keywords.
        ("Type", "type_", "Type"),
        ("Match", "match_", "Match"),
        ("Async", "async_", "Async"),
        ("Self", "self_", "SelfValue"),
        ("Super", "super_", "Super"),
        ("Crate", "crate_", "Crate"),
        ("Gen", "gen_", "Gen"),
        ("Dyn", "dyn_", "Dyn"),
        ("Box", "box_", "Box"),
        ("Loop", "loop_", "Loop"),
        // Prelude and std names stay: generated code uses full paths.
        ("Result", "result", "Result"),
        ("Option", "option", "Option"),
        ("Error", "error", "Error"),
        ("Value", "value", "Value"),
        ("Vec", "vec", "Vec"),
        ("String", "string", "String"),
        // Nothing usable.
        ("", "field", "Unnamed"),
        ("-", "field", "Unnamed"),
    ];

    #[test]
    fn table_of_odd_cases() {
        for &(wire, snake, pascal) in TABLE {
            assert_eq!(rust_name(wire, Case::Snake), snake, "snake_case of {wire:?}");
            assert_eq!(rust_name(wire, Case::Pascal), pascal, "PascalCase of {wire:?}");
        }
    }

    #[test]
    fn every_name_is_a_valid_identifier() {
        for &(wire, _, _) in TABLE {
            for case in [Case::Snake, Case::Pascal] {
                let name = rust_name(wire, case);
                syn::parse_str::<syn::Ident>(&name).unwrap_or_else(|e| panic!("{name:?} from {wire:?}: {e}"));
            }
        }
    }

    #[test]
    fn snake_case_collision_goes_to_the_name_that_round_trips() {
        assert_eq!(assign(&["DNSFormat", "DnsFormat"], Case::Snake, &[]), ["d_n_s_format", "dns_format"]);
        assert_eq!(assign(&["DnsFormat", "DNSFormat"], Case::Snake, &[]), ["dns_format", "d_n_s_format"]);
    }

    #[test]
    fn collisions_without_an_owner_are_numbered_in_wire_order() {
        assert_eq!(
            assign(&["Zone.Id", "Zone-Id", "ZoneId"], Case::Snake, &[]),
            ["zone_id_3", "zone_id_2", "zone_id"],
            "ZoneId owns zone_id; the others split alike, so they are numbered: '-' sorts before '.'"
        );
        assert_eq!(assign(&["A.BC", "AB.C"], Case::Pascal, &[]), ["ABC", "ABC2"]);
    }

    #[test]
    fn reserved_names_are_avoided() {
        assert_eq!(assign(&["Build", "Name"], Case::Snake, &["build"]), ["build_", "name"]);
        assert_eq!(
            assign(&["Unhandled", "Common"], Case::Pascal, &["Unhandled", "Common"]),
            ["UnhandledValue", "CommonValue"]
        );
    }

    #[test]
    fn assignment_is_stable_and_distinct() {
        let wires = ["DNSFormat", "DnsFormat", "Type", "type", "TYPE", "Build"];
        let names = assign(&wires, Case::Snake, &["build"]);
        assert_eq!(names, assign(&wires, Case::Snake, &["build"]));
        let distinct: BTreeSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        assert_eq!(names, ["d_n_s_format", "dns_format", "type_", "type_2", "t_y_p_e", "build_"]);
    }
}
