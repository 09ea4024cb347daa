//! Explicit static credentials are a provider of themselves.

use super::{Credentials, CredentialsError, CredentialsFuture, ProvideCredentials};
use crate::error::ConfigErrorKind;

impl Credentials {
    fn checked(&self) -> Result<(), CredentialsError> {
        match self.part_with_control_character() {
            None => Ok(()),
            Some(part) => Err(CredentialsError::config(
                ConfigErrorKind::InvalidValue,
                "static",
                format!("the {part} contains a control character"),
            )),
        }
    }
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let credentials = self.checked().map(|()| self.clone());
        Box::pin(async move { credentials })
    }

    fn check(&self) -> Result<(), CredentialsError> {
        self.checked()
    }
}
