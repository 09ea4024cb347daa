//! Fluent calls: `client.some_action().param(value).send().await`.
//!
//! A generated request builder is generic over what it carries besides the parameters:
//! nothing (`()`, from `SomeActionRequest::builder()`, which ends in `build()`), or a
//! [`Sender`] (from the client's method of the action, which ends in `send()`). The setters
//! are generated once and serve both; [`fluent_builder_impls!`](crate::fluent_builder_impls)
//! adds `send` and `send_with` to the second, and they call [`Sender::send`], the one
//! generic piece every fluent call goes through.

use crate::call::client::{Action, Client};
use crate::call::retry::CallOptions;
use crate::error::{BuildError, Error};

/// What a fluent builder carries to send its request: the client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Sender {
    client: Client,
}

impl Sender {
    /// A sender through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The client requests are sent through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a built request with `options`; a request that could not be built (a required
    /// parameter not set) is an [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest)
    /// naming the parameter, and nothing is sent.
    pub async fn send<A: Action>(
        &self,
        request: Result<A, BuildError>,
        options: CallOptions,
    ) -> Result<A::Response, Error<A::Error>> {
        let request = request.map_err(|e| Error::from(e).with_action(A::NAME))?;
        self.client.send_with(&request, options).await
    }
}

/// `send` and `send_with` of the fluent builder `$builder<Sender>` of the request `$request`,
/// written once for every action. Generated code calls it beside the builder; the builder has
/// a `sender` field and a `build` method.
#[macro_export]
macro_rules! fluent_builder_impls {
    ($builder:ident => $request:ident, $response:ident, $error:ident) => {
        impl $builder<$crate::fluent::Sender> {
            /// Builds the request and sends it. A required parameter not set is an
            /// [`ErrorKind::InvalidRequest`]($crate::ErrorKind::InvalidRequest) naming it, and
            /// nothing is sent.
            pub async fn send(self) -> ::std::result::Result<$response, $crate::Error<$error>> {
                self.send_with(<$crate::CallOptions as ::std::default::Default>::default()).await
            }

            /// As `send`, with options for this call ([`CallOptions`]($crate::CallOptions)).
            pub async fn send_with(
                self,
                options: $crate::CallOptions,
            ) -> ::std::result::Result<$response, $crate::Error<$error>> {
                let sender = ::std::clone::Clone::clone(&self.sender);
                sender.send::<$request>(self.build(), options).await
            }
        }
    };
}
