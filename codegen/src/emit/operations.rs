//! Actions: one module per action with its request (and builder), response, error, the
//! `Action` impl and the client's fluent method; `operation/mod.rs`; the list of actions for
//! tests.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs::{bilingual, doc_attrs, doc_inner, first_line};
use super::emitter::{ident, Emitter};
use super::file::HEADER;
use super::types::StructKind;
use super::Options;
use crate::names::{rust_name, Case};
use crate::paginate::{self, Style};
use crate::schema::{Action, Service, Structure, Ty};

impl Emitter<'_> {
    pub(super) fn action(&self, action: &Action) -> TokenStream {
        let request = ident(&rust_name(&action.input.wire, Case::Pascal));
        let response = ident(&rust_name(&action.output.wire, Case::Pascal));
        let builder = format_ident!("{}Builder", request);
        let error = format_ident!("{}Error", rust_name(&action.wire, Case::Pascal));
        let method = ident(&rust_name(&action.wire, Case::Snake));
        let wire = &action.wire;

        let request_def = self.structure(&action.input, &request, StructKind::Request);
        let request_builder = self.builder(&action.input, &request, &builder, true);
        let fields = self.field_names(&action.input);
        let response_def = self.structure(&action.output, &response, StructKind::Response);
        let error_def = self.error_enum(action, &error);
        let deprecated = action.deprecated.then(|| quote!(#[deprecated]));
        let read_only = action.read_only;
        // As the official SDKs' `IsMultipart`: a top-level `binary` member.
        let multipart = action.input.members.iter().any(|m| m.ty == Ty::Binary).then(|| {
            quote!(
                const MULTIPART: bool = true;
            )
        });
        let rate_limit = match action.rate_limit_per_second {
            Some(limit) => quote!(::std::option::Option::Some(#limit)),
            None => quote!(::std::option::Option::None),
        };
        let module_doc = doc_inner(&format!(
            // Full paths: with the outer doc of its `mod` item, a module's own doc resolves links
            // from the parent module.
            "`{wire}`: {}\n\nThe request [`{request}`](crate::operation::{method}::{request}), its builder, the response [`{response}`](crate::operation::{method}::{response}), the error [`{error}`](crate::operation::{method}::{error}), and [`Client::{method}`](crate::Client::{method}).",
            action.title
        ));
        let method_doc = doc_attrs(&self.method_doc(action, &request, &response, &error));
        let paginator =
            paginate::recognize(self.service, action).map(|p| self.paginator(&p, &request, &response, &builder));
        quote! {
            #module_doc

            #request_def
            #request_builder

            impl ::tem_core::Action for #request {
                const NAME: &'static str = #wire;
                const READ_ONLY: bool = #read_only;
                const RATE_LIMIT_PER_SECOND: ::std::option::Option<u32> = #rate_limit;
                type Response = #response;
                type Error = #error;
                #multipart
            }

            #response_def
            #error_def

            ::tem_core::fluent_builder_impls!(#builder => #request, #response, #error);
            #paginator

            impl crate::Client {
                #method_doc
                #deprecated
                pub fn #method(&self) -> #builder<::tem_core::fluent::Sender> {
                    #builder {
                        #(#fields: ::std::option::Option::None,)*
                        sender: ::tem_core::fluent::Sender::new(::std::clone::Clone::clone(self.core())),
                    }
                }
            }
        }
    }

    fn method_doc(&self, action: &Action, request: &Ident, response: &Ident, error: &Ident) -> String {
        let mut doc = bilingual(&action.title, action.title_en.as_deref());
        // Many actions' descriptions only repeat their titles: say each thing once.
        let zh = Some(action.doc.trim()).filter(|d| !d.is_empty() && *d != action.title.trim());
        let en = action
            .doc_en
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty() && Some(*d) != action.title_en.as_deref().map(str::trim));
        let description = match (zh, en) {
            (Some(zh), en) => bilingual(zh, en),
            (None, Some(en)) => en.to_owned(),
            (None, None) => String::new(),
        };
        if !description.is_empty() {
            doc.push_str("\n\n");
            doc.push_str(&description);
        }
        if let Some(limit) = action.rate_limit_per_second {
            doc.push_str(&format!("\n\nDefault rate limit: {limit} requests per second."));
        }
        let params = |s: &Structure, input: bool| {
            s.members
                .iter()
                .map(|m| {
                    let need = if !input {
                        ""
                    } else if m.required {
                        ", required"
                    } else {
                        ", optional"
                    };
                    format!("\n- `{}` ({}{need}): {}", m.wire, ty_doc(&m.ty), first_line(&m.doc))
                })
                .collect::<String>()
        };
        doc.push_str(&format!(
            "\n\n# Parameters\nSet them with the returned builder's methods, then call `send()` (or `send_with(options)`); the same as building a [`{request}`] and passing it to [`Client::send`](crate::Client::send):{}",
            params(&action.input, true)
        ));
        doc.push_str(&format!("\n\n# Returns\n[`{response}`]:{}", params(&action.output, false)));
        doc.push_str(&format!("\n\n# Errors\n[`{error}`], with the codes:"));
        for e in &action.errors {
            doc.push_str(&format!("\n- `{}`: {}", e.code, first_line(&e.description)));
        }
        doc.push_str("\n\nand the common codes ([`CommonError`](::tem_core::CommonError)); runtime failures are other [`ErrorKind`](::tem_core::ErrorKind)s.");
        if let Some(p) = paginate::recognize(self.service, action) {
            let how = match p.style {
                Style::Offset => "the next `Offset`",
                Style::Token => "the reply's `ContinueToken`",
            };
            doc.push_str(&format!(
                "\n\n# Pages\nA listing: `.into_paginator()` on the builder gives a [`Paginator`](::tem_core::paginator::Paginator) whose `items()` streams every `{}` of every page, and `pages()` every reply; each page is asked for with {how}.",
                p.items.wire
            ));
        }
        if action.deprecated {
            doc.push_str("\n\nDeprecated in the API description.");
        }
        doc
    }
}

/// A type as the method documentation names it.
fn ty_doc(ty: &Ty) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::Int64 => "Integer".into(),
        Ty::UInt64 => "Integer ≥ 0".into(),
        Ty::Float => "Float".into(),
        Ty::Bool => "Boolean".into(),
        Ty::Binary => "Binary".into(),
        Ty::Struct(name) => name.clone(),
        Ty::List(inner) => format!("Array of {}", ty_doc(inner)),
    }
}

/// `operation/mod.rs`: one documented module per action.
pub(super) fn operation_mod(ops: &[(String, &Action)]) -> TokenStream {
    let mods = ops.iter().map(|(module, action)| {
        let module = ident(module);
        let doc = doc_attrs(&format!("`{}`: {}", action.wire, first_line(&action.title)));
        quote!(#doc pub mod #module;)
    });
    quote! {
        //! One module per action: its request and builder, response, error, and client method.

        #(#mods)*
    }
}

/// A list of every action's request type, for tests that visit them all (such as the
/// official examples): one `name => path` line per action inside `for_each_action!`.
pub(super) fn action_list(service: &Service, options: &Options) -> String {
    let krate = &options.crate_name;
    let mut out = format!("{HEADER}\n// Source: the API description of `{}` {}.\n\n", service.name, service.version);
    out.push_str("for_each_action! {\n");
    for action in &service.actions {
        let module = rust_name(&action.wire, Case::Snake);
        let request = rust_name(&action.input.wire, Case::Pascal);
        out.push_str(&format!("    {module} => {krate}::operation::{module}::{request},\n"));
    }
    out.push_str("}\n");
    out
}
