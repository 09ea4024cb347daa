//! The emitter: a pure function from a [`Service`] to the files of its crate, one module per
//! concern:
//!
//! - `emitter`: the shared context (the service, Rust names, schema types as Rust types);
//! - `types`: data structures and their builders;
//! - `operations`: one module per action, with its request, response and client method;
//! - `errors`: each action's error enum, and the table of common error codes;
//! - `paginators`: `Paginate` for the actions that page;
//! - `crate_root`: the crate's `lib.rs`;
//! - `docs` and `file`: rustdoc from the schema's prose, and a file's header and formatting.

mod crate_root;
mod docs;
mod emitter;
mod errors;
mod file;
mod operations;
mod paginators;
mod types;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;

pub use file::HEADER;

use crate::model::CommonErrorsFile;
use crate::names::{rust_name, Case};
use crate::schema::Service;
use emitter::Emitter;

/// Options of one generation.
#[derive(Clone, Debug)]
pub struct Options {
    /// The crate's name as Rust code spells it in docs (`tem_api`).
    pub crate_name: String,
    /// Hand-written modules of the crate (`waiter`) that the generated `lib.rs` declares.
    pub hand_written_modules: Vec<String>,
}

/// Generated files by path relative to the crate root, in sorted order.
pub type Files = BTreeMap<String, String>;

/// Generates a service crate's `src/` files.
pub fn generate(service: &Service, options: &Options) -> Files {
    let emitter = Emitter::new(service);
    let mut files = Files::new();
    let source = format!("// Source: the API description of `{}` {}.", service.name, service.version);
    let mut put = |path: String, tokens: TokenStream| {
        files.insert(path, file::render(&source, tokens));
    };

    let mut type_mods = Vec::new();
    for (structure, module) in service.structures.values().zip(&emitter.type_modules) {
        put(format!("src/types/{module}.rs"), emitter.data_structure(structure));
        type_mods.push((module.clone(), emitter.type_name(&structure.wire), emitter.has_builder(structure)));
    }
    put("src/types/mod.rs".into(), types::types_mod(&type_mods));

    let mut op_mods = Vec::new();
    for action in &service.actions {
        let module = rust_name(&action.wire, Case::Snake);
        put(format!("src/operation/{module}.rs"), emitter.action(action));
        op_mods.push((module, action));
    }
    put("src/operation/mod.rs".into(), operations::operation_mod(&op_mods));
    put("src/lib.rs".into(), crate_root::lib_rs(service, options));
    files
}

/// A list of every action's request type, for tests that visit them all (such as the
/// official examples): one `name => path` line per action inside `for_each_action!`.
pub fn generate_action_list(service: &Service, options: &Options) -> String {
    operations::action_list(service, options)
}

/// Generates `tem-core`'s table of the error codes every action may return.
pub fn generate_common_errors(common: &CommonErrorsFile, source: &str) -> String {
    file::render(&format!("// Source: {source}."), errors::common_errors(common))
}
