//! The error reply of an action.

/// An error reply of an action: `Response.Error.Code` and `.Message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// `Response.Error.Code`.
    pub code: String,
    /// `Response.Error.Message`.
    pub message: String,
}

impl ServiceError {
    /// An error with this code and message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into() }
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ServiceError {}
