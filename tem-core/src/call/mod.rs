//! The call path: one generic call every action takes, typed or untyped. A request is built
//! and signed ([`client`], bodies of multipart and GET requests in [`multipart`]), waits for its
//! rate limit ([`rate_limit`]), is sent through the HTTP layer, and its reply is read
//! ([`decode`]); failures are retried by the rules of [`retry`].

pub(crate) mod client;
pub(crate) mod decode;
pub mod multipart;
pub(crate) mod rate_limit;
pub mod retry;
