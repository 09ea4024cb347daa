//! The reply body type every route answers with.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;

/// A reply body sent in one piece. Its length is declared to hyper only when `exact`: a fault
/// that sets its own (lying) `Content-Length` needs hyper to trust the header instead.
pub struct ReplyBody {
    data: Option<Bytes>,
    exact: bool,
}

impl ReplyBody {
    /// A body of exactly these bytes.
    pub fn new(data: impl Into<Bytes>) -> Self {
        Self { data: Some(data.into()), exact: true }
    }
    /// A body whose length hyper takes from the reply's headers.
    pub fn undeclared(data: impl Into<Bytes>) -> Self {
        Self { data: Some(data.into()), exact: false }
    }
}

impl hyper::body::Body for ReplyBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.data.take().filter(|d| !d.is_empty()).map(|d| Ok(hyper::body::Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.as_ref().is_none_or(Bytes::is_empty)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match (&self.data, self.exact) {
            (Some(d), true) => hyper::body::SizeHint::with_exact(d.len() as u64),
            (None, true) => hyper::body::SizeHint::with_exact(0),
            _ => hyper::body::SizeHint::default(),
        }
    }
}
