//! Every page of a listing by default, as the AWS CLI does: `--max-items`, `--page-size`,
//! `--starting-token`, `--no-paginate`.
//!
//! tem-core's paginators ([`tem_core::paginator`]) serve typed requests, so the command line
//! finds the pages of its untyped calls itself: an action pages when it is read-only and takes
//! integer `Offset` and `Limit`, or a string `ContinueToken` (as the generator's `paginate`
//! module decides for the SDK). Which page comes next, and when the listing ends, is tem-core's
//! one rule ([`Progress`]). The items are the one list of the reply or of
//! its one structure member (`Result`); the output is the first reply with that list holding
//! every item. A result cut short by `--max-items` carries `NextToken`, the
//! `--starting-token` to go on from.

use base64::Engine;
use clap::{Arg, ArgAction, ArgMatches};
use serde_json::{json, Map, Value};
use tem_core::paginator::{self, Next, Progress};

use crate::client::Target;
use crate::spec::{ActionSpec, Kind};
use crate::Failure;

/// How an action pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Offset,
    Token,
}

impl Style {
    /// `spec`'s paging, if it pages.
    pub fn of(spec: &ActionSpec) -> Option<Self> {
        let has = |wire: &str, kinds: &[Kind]| spec.params.iter().any(|p| p.wire == wire && kinds.contains(&p.kind));
        let integer = [Kind::Int, Kind::UInt];
        if !spec.read_only {
            None
        } else if has("Offset", &integer) && has("Limit", &integer) {
            Some(Self::Offset)
        } else if has("ContinueToken", &[Kind::String]) {
            Some(Self::Token)
        } else {
            None
        }
    }
}

const HEADING: &str = "Paging";

/// The paging flags of a paginated action.
pub fn args() -> [Arg; 4] {
    let count = |name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name("N")
            .value_parser(clap::value_parser!(u64).range(1..))
            .help(help)
            .help_heading(HEADING)
    };
    [
        count("max-items", "Print at most N items; a cut result carries NextToken, to go on with --starting-token"),
        count("page-size", "Ask for N items a call (Limit); every page is still fetched"),
        Arg::new("starting-token")
            .long("starting-token")
            .value_name("TOKEN")
            .help("Start where an earlier --max-items result stopped (its NextToken)")
            .help_heading(HEADING),
        Arg::new("no-paginate")
            .long("no-paginate")
            .action(ArgAction::SetTrue)
            .conflicts_with("max-items")
            .help("One call: only the page the parameters ask for")
            .help_heading(HEADING),
    ]
}

/// Where the listing starts: an offset, or a token and the items of its page already printed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cursor {
    Offset(i64),
    Token { token: Option<String>, skip: usize },
}

impl Cursor {
    fn encode(&self) -> String {
        let value = match self {
            Self::Offset(offset) => json!({ "Offset": offset }),
            Self::Token { token, skip } => json!({ "ContinueToken": token, "Skip": skip }),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    }

    fn decode(text: &str, style: Style) -> Option<Self> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let value: Value = serde_json::from_slice(&bytes).ok()?;
        match style {
            Style::Offset => value.get("Offset")?.as_i64().filter(|o| *o >= 0).map(Self::Offset),
            Style::Token => Some(Self::Token {
                token: value.get("ContinueToken")?.as_str().map(str::to_owned),
                skip: usize::try_from(value.get("Skip")?.as_u64()?).ok()?,
            }),
        }
    }
}

/// The paging flags' values.
pub struct Settings {
    max_items: Option<usize>,
    page_size: Option<u64>,
    starting_token: Option<String>,
    no_paginate: bool,
}

impl Settings {
    pub fn from_matches(matches: &ArgMatches) -> Result<Self, Failure> {
        Ok(Self {
            max_items: matches.get_one::<u64>("max-items").map(|n| usize::try_from(*n).unwrap_or(usize::MAX)),
            page_size: matches.get_one::<u64>("page-size").copied(),
            starting_token: matches.get_one::<String>("starting-token").cloned(),
            no_paginate: matches.get_flag("no-paginate"),
        })
    }
}

/// Calls `spec` for every page (or as the settings say) and answers one reply holding all
/// the items.
pub async fn call_all(
    target: &Target,
    spec: &'static ActionSpec,
    style: Style,
    mut body: Map<String, Value>,
    settings: &Settings,
) -> Result<Value, Failure> {
    let mut cursor = match &settings.starting_token {
        Some(text) => Cursor::decode(text, style).ok_or_else(|| {
            Failure::input(format!("error: --starting-token: `{text}` is not a NextToken of {}", spec.command))
        })?,
        None => match style {
            Style::Offset => Cursor::Offset(body.get("Offset").and_then(Value::as_i64).unwrap_or(0)),
            Style::Token => {
                Cursor::Token { token: body.get("ContinueToken").and_then(Value::as_str).map(str::to_owned), skip: 0 }
            }
        },
    };
    if let Some(size) = settings.page_size {
        body.insert("Limit".to_owned(), Value::from(size));
    }
    let mut progress = Progress::new(&match &cursor {
        Cursor::Offset(offset) => paginator::Cursor::Offset(*offset),
        Cursor::Token { token, .. } => paginator::Cursor::Token(token.clone()),
    });
    let mut first: Option<Value> = None;
    let mut items: Vec<Value> = Vec::new();
    loop {
        match &cursor {
            Cursor::Offset(offset) => {
                body.insert("Offset".to_owned(), Value::from(*offset));
            }
            Cursor::Token { token: Some(token), .. } => {
                body.insert("ContinueToken".to_owned(), Value::from(token.clone()));
            }
            Cursor::Token { token: None, .. } => {
                body.remove("ContinueToken");
            }
        }
        let reply = target.call(spec.name, spec.read_only, &body).await?;
        if settings.no_paginate {
            return Ok(reply);
        }
        let Some(page) = page_of(&reply) else {
            // No list to gather: the reply as it is.
            return Ok(first.unwrap_or(reply));
        };
        let received = page.items.len();
        let skip = match &cursor {
            Cursor::Token { skip, .. } => (*skip).min(received),
            Cursor::Offset(_) => 0,
        };
        let room = settings.max_items.map_or(usize::MAX, |max| max.saturating_sub(items.len()));
        let taken = (received - skip).min(room);
        items.extend(page.items.iter().skip(skip).take(taken).cloned());
        let said = match style {
            Style::Offset => Next::Total(page.total),
            Style::Token => Next::Token(page.token),
        };
        let next = progress.advance(received, said).map(|next| match next {
            paginator::Cursor::Offset(offset) => Cursor::Offset(offset),
            paginator::Cursor::Token(token) => Cursor::Token { token, skip: 0 },
        });
        let first = first.get_or_insert(reply.clone());
        // Cut short inside this page, or at its end with more to come.
        let cut = skip + taken < received || (room == taken && next.is_some() && settings.max_items.is_some());
        if cut {
            let resume = match &cursor {
                _ if skip + taken == received => next.clone().expect("more to come"),
                Cursor::Offset(offset) => Cursor::Offset(offset + (skip + taken) as i64),
                Cursor::Token { token, .. } => Cursor::Token { token: token.clone(), skip: skip + taken },
            };
            return Ok(gathered(first.clone(), items, Some(resume)));
        }
        match next {
            Some(next) => cursor = next,
            None => return Ok(gathered(first.clone(), items, None)),
        }
    }
}

/// What one reply says: its items, its total and its next token.
struct Page<'a> {
    items: &'a [Value],
    total: Option<i64>,
    token: Option<String>,
}

/// The object holding the list: the reply, or its one object member.
fn page_object(reply: &Value) -> Option<&Map<String, Value>> {
    let object = reply.as_object()?;
    let lists = |o: &Map<String, Value>| o.values().filter(|v| v.is_array()).count();
    if lists(object) == 1 {
        return Some(object);
    }
    let mut members = object.values().filter_map(Value::as_object);
    let member = members.next()?;
    (members.next().is_none() && lists(member) == 1).then_some(member)
}

fn page_of(reply: &Value) -> Option<Page<'_>> {
    let page = page_object(reply)?;
    let items = page.values().find_map(Value::as_array)?;
    Some(Page {
        items,
        total: page.get("TotalCount").or_else(|| page.get("Total")).and_then(Value::as_i64),
        token: page.get("ContinueToken").and_then(Value::as_str).map(str::to_owned),
    })
}

/// The first reply with its list holding `items`, and `NextToken` when cut short.
fn gathered(mut first: Value, items: Vec<Value>, resume: Option<Cursor>) -> Value {
    let page = match first.as_object_mut() {
        Some(object) if object.values().filter(|v| v.is_array()).count() == 1 => Some(object),
        Some(object) => object.values_mut().find_map(Value::as_object_mut),
        None => None,
    };
    if let Some(page) = page {
        if let Some(list) = page.values_mut().find(|v| v.is_array()) {
            *list = Value::Array(items);
        }
        if page.contains_key("ContinueToken") {
            page.insert("ContinueToken".to_owned(), Value::from(""));
        }
    }
    if let (Some(resume), Some(object)) = (resume, first.as_object_mut()) {
        object.insert("NextToken".to_owned(), Value::from(resume.encode()));
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_garbage() {
        for cursor in [Cursor::Offset(40), Cursor::Token { token: Some("abc".into()), skip: 3 }] {
            let style = if matches!(cursor, Cursor::Offset(_)) { Style::Offset } else { Style::Token };
            assert_eq!(Cursor::decode(&cursor.encode(), style), Some(cursor));
        }
        assert_eq!(Cursor::decode("nope", Style::Offset), None);
        assert_eq!(Cursor::decode(&Cursor::Offset(-1).encode(), Style::Offset), None);
    }

    #[test]
    fn the_paginated_actions_are_those_of_the_sdk() {
        let mut paged: Vec<&str> =
            crate::actions::ACTIONS.iter().filter(|a| Style::of(a).is_some()).map(|a| a.name).collect();
        paged.sort();
        // As tests/data/paginators.txt lists them for tem-api.
        assert_eq!(
            paged,
            [
                "DescribeApplicationPods",
                "DescribeApplications",
                "DescribeConfigDataList",
                "DescribeEnvironments",
                "DescribePagedLogConfigList"
            ]
        );
    }
}
