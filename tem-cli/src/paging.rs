//! Every page of a listing by default, as the AWS CLI does: `--max-items`, `--page-size`,
//! `--starting-token`, `--no-paginate`.
//!
//! tem-core's paginators ([`tem_core::paginator`]) serve typed requests, so the command line
//! pages its untyped calls itself, by the same rules: which actions page, and where a reply
//! holds its items and its total or next token, is the generator's decision for tem-api's
//! paginators, carried in the table ([`PagingSpec`]); which page comes next, and when the
//! listing ends, is tem-core's one rule ([`Progress`]). The output is the first reply with its
//! list holding every item. A result cut short by `--max-items` carries `NextToken`, the
//! `--starting-token` to go on from.

use base64::Engine;
use clap::{Arg, ArgAction, ArgMatches};
use serde_json::{json, Map, Value};
use tem_core::paginator::{self, Next, Progress};

use crate::client::Target;
use crate::spec::{ActionSpec, PageStyle as Style, PagingSpec};
use crate::Failure;

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
    paging: &'static PagingSpec,
    mut body: Map<String, Value>,
    settings: &Settings,
) -> Result<Value, Failure> {
    let style = paging.style;
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
        let Some(page) = page_of(&reply, paging) else {
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
            return Ok(gathered(first.clone(), paging, items, Some(resume)));
        }
        match next {
            Some(next) => cursor = next,
            None => return Ok(gathered(first.clone(), paging, items, None)),
        }
    }
}

/// What one reply says: its items, its total and its next token.
struct Page<'a> {
    items: &'a [Value],
    total: Option<i64>,
    token: Option<String>,
}

/// The object holding the page, down `paging.page` from the reply.
fn page_object<'a>(reply: &'a Value, paging: &PagingSpec) -> Option<&'a Map<String, Value>> {
    paging.page.iter().try_fold(reply, |value, member| value.get(member))?.as_object()
}

fn page_of<'a>(reply: &'a Value, paging: &PagingSpec) -> Option<Page<'a>> {
    let page = page_object(reply, paging)?;
    let items = page.get(paging.items)?.as_array()?;
    let next = page.get(paging.next);
    Some(Page { items, total: next.and_then(Value::as_i64), token: next.and_then(Value::as_str).map(str::to_owned) })
}

/// The first reply with its list holding `items`, and `NextToken` when cut short.
fn gathered(mut first: Value, paging: &PagingSpec, items: Vec<Value>, resume: Option<Cursor>) -> Value {
    let page =
        paging.page.iter().try_fold(&mut first, |value, member| value.get_mut(member)).and_then(Value::as_object_mut);
    if let Some(page) = page {
        page.insert(paging.items.to_owned(), Value::Array(items));
        if paging.style == Style::Token {
            // Every page is in: no next page to ask for.
            page.insert(paging.next.to_owned(), Value::from(""));
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
            crate::actions::ACTIONS.iter().filter(|a| a.paging.is_some()).map(|a| a.name).collect();
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
