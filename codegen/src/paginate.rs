//! Which actions page through a list, and how: the rules that generate paginators.
//!
//! - **Offset**: the request has integer `Offset` and `Limit`; the reply (or its one
//!   structure member, such as `Result`) has exactly one list and an integer `TotalCount` (or
//!   `Total`). The next page starts at the offset plus the items received so far.
//! - **Token**: the request has a string `ContinueToken`; the reply (or its one structure
//!   member) has exactly one list and a string `ContinueToken`, empty or absent on the last page.
//!
//! An action that changes something (not read-only) never pages, whatever its members.

use crate::schema::{Action, Member, Service, Structure, Ty};

/// How the next page is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Offset,
    Token,
}

/// A recognized paginated action.
#[derive(Clone, Debug)]
pub struct Pagination<'a> {
    pub action: &'a Action,
    pub style: Style,
    /// The request member the paginator sets: `Offset` or `ContinueToken`.
    pub cursor: &'a Member,
    /// From the response to the structure holding the page: empty, or e.g. `[Result]`.
    pub page_path: Vec<&'a Member>,
    /// The structure holding the page (the response itself when `page_path` is empty).
    pub page: &'a Structure,
    /// The list of items in `page`.
    pub items: &'a Member,
    /// `TotalCount`/`Total` (offset style) or `ContinueToken` (token style) in `page`.
    pub next: &'a Member,
}

impl Pagination<'_> {
    /// One line for the committed list of paginators: `Action style items next`, with paths
    /// of wire names, e.g. `DescribeApplications offset Result.Records Result.Total`.
    pub fn describe(&self) -> String {
        let path = |m: &Member| {
            self.page_path.iter().map(|p| p.wire.as_str()).chain([m.wire.as_str()]).collect::<Vec<_>>().join(".")
        };
        let style = match self.style {
            Style::Offset => "offset",
            Style::Token => "token",
        };
        format!("{} {style} {} {}", self.action.wire, path(self.items), path(self.next))
    }
}

/// The paginated actions of a service, in the service's action order.
pub fn paginations(service: &Service) -> Vec<Pagination<'_>> {
    service.actions.iter().filter_map(|action| recognize(service, action)).collect()
}

/// The pagination of `action`, if it follows one of the rules.
pub fn recognize<'a>(service: &'a Service, action: &'a Action) -> Option<Pagination<'a>> {
    if !action.read_only {
        return None;
    }
    let member = |s: &'a Structure, name: &str| s.members.iter().find(|m| m.wire == name);
    let integer = |m: &&Member| matches!(m.ty, Ty::Int64 | Ty::UInt64);
    let string = |m: &&Member| m.ty == Ty::String;
    let (style, cursor) = match (
        member(&action.input, "Offset").filter(integer),
        member(&action.input, "Limit").filter(integer),
        member(&action.input, "ContinueToken").filter(string),
    ) {
        (Some(offset), Some(_), _) => (Style::Offset, offset),
        (_, _, Some(token)) => (Style::Token, token),
        _ => return None,
    };
    // The page is the response itself, or its one structure member.
    let candidates = std::iter::once((Vec::new(), &action.output)).chain(
        action
            .output
            .members
            .iter()
            .filter_map(|m| match &m.ty {
                Ty::Struct(name) => service.structures.get(name).map(|s| (vec![m], s)),
                _ => None,
            })
            .filter(|_| action.output.members.iter().filter(|m| matches!(m.ty, Ty::Struct(_))).count() == 1),
    );
    for (page_path, page) in candidates {
        let lists: Vec<&Member> = page.members.iter().filter(|m| matches!(m.ty, Ty::List(_))).collect();
        let next = match style {
            Style::Offset => member(page, "TotalCount").or_else(|| member(page, "Total")).filter(integer),
            Style::Token => member(page, "ContinueToken").filter(string),
        };
        // A structure that leads back to itself is boxed: not a page.
        let boxed =
            page_path.iter().any(|m| matches!(&m.ty, Ty::Struct(t) if service.is_cycle(&action.output.wire, t)));
        if let ([items], Some(next), false) = (lists.as_slice(), next, boxed) {
            return Some(Pagination { action, style, cursor, page_path, page, items, next });
        }
    }
    None
}
