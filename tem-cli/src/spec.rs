//! The shape of the generated table of actions (`actions.rs`, which uses these types; this
//! module does not depend on it).

/// One action as a subcommand.
#[derive(Debug)]
pub struct ActionSpec {
    /// The wire name (`DescribeApplications`), sent as `X-TC-Action`.
    pub name: &'static str,
    /// The subcommand (`describe-applications`).
    pub command: &'static str,
    /// One line for the list of subcommands.
    pub about: &'static str,
    /// The action's documentation.
    pub long_about: &'static str,
    /// Changes nothing on the server.
    pub read_only: bool,
    /// The request's parameters.
    pub params: &'static [ParamSpec],
}

/// One request parameter as a flag.
#[derive(Debug)]
pub struct ParamSpec {
    /// The wire name (`EnvironmentId`).
    pub wire: &'static str,
    /// The flag without `--` (`environment-id`).
    pub flag: &'static str,
    pub kind: Kind,
    /// The request needs it (from the flag or `--cli-input-json`).
    pub required: bool,
    /// One line of help.
    pub help: &'static str,
    /// The whole documentation, with the JSON shape and an example where known.
    pub long_help: &'static str,
}

/// How a flag's text becomes a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Int,
    UInt,
    Float,
    /// `--flag`, `--flag true`, `--flag false`.
    Bool,
    /// A JSON text: lists and structures.
    Json,
}

impl Kind {
    /// The value name shown in help.
    pub fn value_name(self) -> &'static str {
        match self {
            Self::String => "TEXT",
            Self::Int => "INT",
            Self::UInt => "UINT",
            Self::Float => "NUMBER",
            Self::Bool => "BOOL",
            Self::Json => "JSON",
        }
    }
}
