//! Explicit static credentials are a provider of themselves.

use super::{Credentials, CredentialsFuture, ProvideCredentials};

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let credentials = self.clone();
        Box::pin(async move { Ok(credentials) })
    }
}
