//! The generator: a pure function from a Tencent Cloud API description (the official
//! `api.json` format) to the Rust files of a typed client crate.
//!
//! Nothing here touches the disk: callers pass file contents in ([`ServiceFiles`]) and
//! receive file contents back ([`generate`]); `xtask` and the tests do the I/O.

pub mod cli;
pub mod emit;
pub mod model;
pub mod names;
pub mod paginate;
pub mod schema;

pub use cli::generate_cli_table;
pub use emit::{generate, generate_action_list, generate_common_errors, Files, Options, HEADER};
pub use schema::{load_common_errors, SchemaError, Service, ServiceFiles, SourceFile};
