//! Paginators: every page of a listing action as a [`Stream`] of pages or of items.
//!
//! `client.describe_applications().environment_id("en-1").into_paginator().items()` sends the
//! request, then asks for the next page (the next `Offset`, or the reply's `ContinueToken`)
//! until the last. Each page is an ordinary call, with the client's retries and rate limit.
//! Generated code implements [`Paginate`] for each action that pages (the rules are in the
//! generator's `paginate` module); this loop is written once, here.
//!
//! The streams implement [`futures_core::Stream`], and also have an inherent `next()` and
//! `try_collect()`, so no stream library is needed to use them.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::call::client::{Action, Client};
use crate::call::retry::CallOptions;
use crate::error::{BuildError, Error};
use crate::fluent::Sender;

/// Where a page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// The `Offset` of the first item of the page.
    Offset(i64),
    /// The `ContinueToken` of the previous page's reply; `None` for the first page.
    Token(Option<String>),
}

/// What a reply says of the pages after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// The total number of items of the listing (offset paging), when the reply has it.
    Total(Option<i64>),
    /// The token of the next page (token paging); `None` or empty on the last page.
    Token(Option<String>),
}

/// Where a listing stands after the pages received so far: the one rule for the page after
/// (typed paginators here, and any untyped caller, such as `tem`, that pages by hand).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The first page's offset (offset paging).
    start: i64,
    /// Items received since the first page.
    received: i64,
    /// The token the last page was asked with, to stop if the service repeats it.
    previous_token: Option<String>,
}

impl Progress {
    /// A listing whose first page is asked for at `first`.
    pub fn new(first: &Cursor) -> Self {
        match first {
            Cursor::Offset(start) => Self { start: *start, ..Self::default() },
            Cursor::Token(token) => Self { previous_token: token.clone(), ..Self::default() },
        }
    }

    /// The cursor of the page after one that held `count` items and said `next`, or `None`
    /// when the listing has ended: at the total, at an empty page, at an empty or repeated
    /// token.
    pub fn advance(&mut self, count: usize, next: Next) -> Option<Cursor> {
        self.received = self.received.saturating_add(i64::try_from(count).unwrap_or(i64::MAX));
        // An empty page ends the listing whatever the total or token says, so a wrong total
        // or a token that never runs out cannot make the loop endless.
        if count == 0 {
            return None;
        }
        match next {
            Next::Total(total) => {
                // From the first page's offset and what came since, not from `Limit`: the
                // service may send fewer items than asked for.
                let reached = self.start.saturating_add(self.received);
                total.is_none_or(|total| reached < total).then_some(Cursor::Offset(reached))
            }
            Next::Token(Some(token)) if !token.is_empty() => {
                // The same token again would fetch the same page forever.
                if self.previous_token.as_deref() == Some(token.as_str()) {
                    return None;
                }
                self.previous_token = Some(token.clone());
                Some(Cursor::Token(Some(token)))
            }
            Next::Token(_) => None,
        }
    }
}

/// An action whose request pages through a list. Generated.
pub trait Paginate: Action + Clone + Send + Sync + Unpin + 'static
where
    Self::Response: Send + 'static,
{
    /// One element of the list.
    type Item: Send + Unpin + 'static;

    /// Where the request starts (its `Offset`, default 0, or its `ContinueToken`).
    fn cursor(&self) -> Cursor;

    /// Makes the request ask for the page at `cursor`.
    fn set_cursor(&mut self, cursor: Cursor);

    /// How many items `response` holds, and what it says of the next page.
    fn page_info(response: &Self::Response) -> (usize, Next);

    /// The items of `response`.
    fn into_items(response: Self::Response) -> Vec<Self::Item>;
}

/// The pages of a listing, before they are fetched: choose how many, then [`pages`] or
/// [`items`].
///
/// [`pages`]: Paginator::pages
/// [`items`]: Paginator::items
#[derive(Debug)]
pub struct Paginator<R> {
    client: Client,
    request: Result<R, BuildError>,
    options: CallOptions,
    max_pages: Option<u32>,
}

impl<R: Paginate> Paginator<R>
where
    R::Response: Send + 'static,
{
    /// The paginator of `request` (or of the failure to build it, which the first page
    /// reports) through `sender`'s client.
    pub fn new(sender: &Sender, request: Result<R, BuildError>) -> Self {
        Self { client: sender.client().clone(), request, options: CallOptions::default(), max_pages: None }
    }

    /// Fetches at most `pages` pages (at least one); the streams end after them. Unlimited by
    /// default: the listing ends at its last page.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages.max(1));
        self
    }

    /// Options for every page's call (retries, resending).
    pub fn call_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// Every page: each reply as it arrives. After an error the stream ends.
    pub fn pages(self) -> Pages<R> {
        let (next, failed) = match self.request {
            Ok(request) => (Some(request), None),
            Err(e) => (None, Some(Error::from(e).with_action(R::NAME))),
        };
        let progress = next.as_ref().map(|request| Progress::new(&request.cursor())).unwrap_or_default();
        Pages {
            client: self.client,
            options: self.options,
            pages_left: self.max_pages,
            next,
            failed,
            progress,
            in_flight: None,
        }
    }

    /// Every item of every page, in order. After an error the stream ends.
    pub fn items(self) -> Items<R> {
        Items { pages: self.pages(), current: Vec::new().into_iter() }
    }
}

type PageCall<R> =
    Pin<Box<dyn Future<Output = (R, Result<<R as Action>::Response, Error<<R as Action>::Error>>)> + Send + 'static>>;

/// The pages of a listing, a [`Stream`] of replies.
pub struct Pages<R: Action> {
    client: Client,
    options: CallOptions,
    pages_left: Option<u32>,
    /// The request of the next page, if there is one to fetch.
    next: Option<R>,
    /// The error to yield before ending (a request that could not be built).
    failed: Option<Error<R::Error>>,
    /// What decides the page after the last one received.
    progress: Progress,
    in_flight: Option<PageCall<R>>,
}

impl<R: Action> std::fmt::Debug for Pages<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("action", &R::NAME)
            .field("pages_left", &self.pages_left)
            .field("progress", &self.progress)
            .field("done", &(self.next.is_none() && self.in_flight.is_none()))
            .finish()
    }
}

impl<R: Paginate> Pages<R>
where
    R::Response: Send + 'static,
{
    /// The next page, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<R::Response, Error<R::Error>>> {
        next_of(self).await
    }

    /// Every page, or the first error.
    pub async fn try_collect(self) -> Result<Vec<R::Response>, Error<R::Error>> {
        try_collect_of(self).await
    }

    /// Decides the request of the page after `response`, which `request` asked for.
    fn advance(&mut self, mut request: R, response: &R::Response) {
        let (count, next) = R::page_info(response);
        let cursor = self.progress.advance(count, next);
        if let (Some(cursor), false) = (cursor, self.pages_left == Some(0)) {
            request.set_cursor(cursor);
            self.next = Some(request);
        }
    }
}

impl<R: Paginate> Stream for Pages<R>
where
    R::Response: Send + 'static,
{
    type Item = Result<R::Response, Error<R::Error>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(error) = this.failed.take() {
            return Poll::Ready(Some(Err(error)));
        }
        if this.in_flight.is_none() {
            let Some(request) = this.next.take() else { return Poll::Ready(None) };
            if let Some(left) = &mut this.pages_left {
                *left -= 1;
            }
            let (client, options) = (this.client.clone(), this.options.clone());
            this.in_flight = Some(Box::pin(async move {
                let outcome = client.send_with(&request, options).await;
                (request, outcome)
            }));
        }
        let Some(call) = &mut this.in_flight else { return Poll::Ready(None) };
        let (request, outcome) = std::task::ready!(call.as_mut().poll(cx));
        this.in_flight = None;
        Poll::Ready(Some(match outcome {
            Ok(response) => {
                this.advance(request, &response);
                Ok(response)
            }
            Err(e) => Err(e),
        }))
    }
}

/// The items of a listing's pages, a [`Stream`].
pub struct Items<R: Paginate>
where
    R::Response: Send + 'static,
{
    pages: Pages<R>,
    current: std::vec::IntoIter<R::Item>,
}

impl<R: Paginate> std::fmt::Debug for Items<R>
where
    R::Response: Send + 'static,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items").field("pages", &self.pages).field("buffered", &self.current.len()).finish()
    }
}

impl<R: Paginate> Items<R>
where
    R::Response: Send + 'static,
{
    /// The next item, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<R::Item, Error<R::Error>>> {
        next_of(self).await
    }

    /// Every item, or the first error.
    pub async fn try_collect(self) -> Result<Vec<R::Item>, Error<R::Error>> {
        try_collect_of(self).await
    }
}

impl<R: Paginate> Stream for Items<R>
where
    R::Response: Send + 'static,
{
    type Item = Result<R::Item, Error<R::Error>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match std::task::ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.current = R::into_items(page).into_iter(),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// `into_paginator` of the fluent builder `$builder<Sender>` of a paginated request, written
/// once for every paginated action.
#[macro_export]
macro_rules! paginator_impls {
    ($builder:ident => $request:ident) => {
        impl $builder<$crate::fluent::Sender> {
            /// Every page of the listing, as a stream of pages or of items: see
            /// [`Paginator`]($crate::paginator::Paginator). A required parameter not set is
            /// the streams' first and only item, an
            /// [`ErrorKind::InvalidRequest`]($crate::ErrorKind::InvalidRequest).
            pub fn into_paginator(self) -> $crate::paginator::Paginator<$request> {
                let sender = ::std::clone::Clone::clone(&self.sender);
                $crate::paginator::Paginator::new(&sender, self.build())
            }
        }
    };
}

/// The next element of `stream` (the inherent `next` of [`Pages`] and [`Items`]).
async fn next_of<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Every element of `stream`, or its first error.
async fn try_collect_of<S, T, E>(mut stream: S) -> Result<Vec<T>, E>
where
    S: Stream<Item = Result<T, E>> + Unpin,
{
    let mut all = Vec::new();
    while let Some(element) = next_of(&mut stream).await {
        all.push(element?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_paging_goes_on_from_what_was_received_until_the_total() {
        let mut progress = Progress::new(&Cursor::Offset(10));
        // Fewer than asked for: the next page starts after what came, not at offset + Limit.
        assert_eq!(progress.advance(7, Next::Total(Some(30))), Some(Cursor::Offset(17)));
        assert_eq!(progress.advance(13, Next::Total(Some(30))), None);
        let mut unknown_total = Progress::new(&Cursor::Offset(0));
        assert_eq!(unknown_total.advance(5, Next::Total(None)), Some(Cursor::Offset(5)));
        assert_eq!(unknown_total.advance(0, Next::Total(None)), None);
    }

    #[test]
    fn an_empty_page_ends_the_listing_whatever_its_total_or_token_says() {
        assert_eq!(Progress::new(&Cursor::Offset(0)).advance(0, Next::Total(Some(100))), None);
        // A service that keeps giving new tokens with no items would otherwise page forever.
        assert_eq!(Progress::new(&Cursor::Token(None)).advance(0, Next::Token(Some("t2".into()))), None);
    }

    #[test]
    fn token_paging_ends_at_an_empty_or_repeated_token() {
        let mut progress = Progress::new(&Cursor::Token(None));
        assert_eq!(progress.advance(2, Next::Token(Some("a".into()))), Some(Cursor::Token(Some("a".into()))));
        assert_eq!(progress.advance(2, Next::Token(Some("a".into()))), None);
        assert_eq!(Progress::new(&Cursor::Token(None)).advance(2, Next::Token(Some(String::new()))), None);
        assert_eq!(Progress::new(&Cursor::Token(None)).advance(2, Next::Token(None)), None);
        // A listing resumed from a token does not ask for that token's page again.
        assert_eq!(Progress::new(&Cursor::Token(Some("b".into()))).advance(1, Next::Token(Some("b".into()))), None);
    }
}
