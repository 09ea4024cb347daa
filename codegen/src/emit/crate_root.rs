//! The crate root, `src/lib.rs`: the crate's documentation, its modules, and the `Client`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs::doc_text;
use super::Options;
use crate::schema::Service;

/// `src/lib.rs`. rustfmt leaves it as prettyplease prints it (`#![cfg_attr(rustfmt,
/// rustfmt::skip)]`, which rustc ignores), and the generated modules (`#[rustfmt::skip]` on their
/// `mod`), so `cargo fmt --check` holds; hand-written modules are still formatted by rustfmt.
pub(super) fn lib_rs(service: &Service, options: &Options) -> TokenStream {
    let krate = &options.crate_name;
    let name = &service.name;
    let version = &service.version;
    let title = if service.title.is_empty() { name.to_uppercase() } else { service.title.clone() };
    let brief = doc_text(&service.brief);
    let doc = format!(
        r#"Typed client of the Tencent Cloud {title} API (`{name}`, version {version}):
{actions} actions, {structures} data structures.

{brief}

Each action has a module in [`operation`] with its request (and builder), response and
error, and a method on [`Client`]. Data structures are in [`types`].

An action's method on [`Client`] is a fluent call: it returns the request's builder, whose
setters take the parameters and whose `send()` (or `send_with(options)`) calls the action;
a required parameter left out is an [`ErrorKind::InvalidRequest`] naming it, and nothing is
sent. A request built with its `builder()` is sent with [`Client::send`]. Listing actions
(`Offset`/`Limit` with a total, or `ContinueToken`) also have `into_paginator()`: every page
as a stream ([`tem_core::paginator`]).

```no_run
# async fn example() -> Result<(), Box<dyn std::error::Error>> {{
// Credentials from the default chain (environment, credentials file, CVM role),
// region from TENCENTCLOUD_REGION.
let client = {krate}::Client::from_env()?;
# let _ = client;
# Ok(())
# }}
```"#,
        actions = service.actions.len(),
        structures = service.structures.len(),
    );
    // Written as it is (not through `doc_text`, which would defuse the code block), one
    // attribute a line so prettyplease prints `//!` comments.
    let doc = doc.lines().map(|line| {
        let line = Literal::string(&if line.is_empty() { String::new() } else { format!(" {line}") });
        quote!(#![doc = #line])
    });
    let client_doc = format!(" A client of the `{name}` API. Cheap to clone; clones share connections.");
    let hand_written = options.hand_written_modules.iter().map(|module| {
        let module = format_ident!("{module}");
        quote!(pub mod #module;)
    });
    quote! {
        #(#doc)*
        #![cfg_attr(rustfmt, rustfmt::skip)]
        #![allow(deprecated)]
        #![allow(clippy::doc_lazy_continuation, clippy::large_enum_variant, clippy::too_long_first_doc_paragraph)]
        // Names follow the wire: a structure `Types` or an action `Operation` (module inception),
        // a member `Add` or `Sub` (a builder setter `add(self, value)`, like `std::ops::Add::add`).
        #![allow(clippy::module_inception, clippy::should_implement_trait)]
        #![warn(missing_docs)]

        #[rustfmt::skip]
        pub mod operation;
        #[rustfmt::skip]
        pub mod types;
        #(#hand_written)*

        pub use tem_core::{
            BuildError, CallOptions, CommonError, Config, ConfigError, Credentials, Error, ErrorKind, ErrorMetadata,
            RetryPolicy,
        };

        /// The service this crate calls.
        pub const SERVICE: tem_core::ServiceSpec = tem_core::ServiceSpec::new(#name, #version);

        #[doc = #client_doc]
        #[derive(Clone, Debug)]
        pub struct Client {
            core: tem_core::Client,
        }

        impl Client {
            /// A client with the given configuration.
            pub fn new(config: Config) -> Result<Self, ConfigError> {
                Ok(Self { core: tem_core::Client::new(SERVICE, config)? })
            }

            /// A client configured from the environment: see [`Config::from_env`].
            pub fn from_env() -> Result<Self, ConfigError> {
                Self::new(Config::from_env()?)
            }

            /// Sends a request built with its builder (`SomeActionRequest::builder()...build()?`);
            /// each action's method on this client is the fluent form of the same call.
            pub async fn send<A: tem_core::Action>(&self, request: &A) -> Result<A::Response, Error<A::Error>> {
                self.core.send(request).await
            }

            /// As [`Client::send`], with options for this call.
            pub async fn send_with<A: tem_core::Action>(
                &self,
                request: &A,
                options: CallOptions,
            ) -> Result<A::Response, Error<A::Error>> {
                self.core.send_with(request, options).await
            }

            /// The service-agnostic client underneath.
            pub fn core(&self) -> &tem_core::Client {
                &self.core
            }
        }
    }
}
