//! The emitter's context: the service, the Rust names of its structures, and how schema types
//! become Rust types. Each concern's emitter (`types`, `operations`, `errors`, `paginators`)
//! adds its methods to [`Emitter`] in a module of its own.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::names::{assign, Case};
use crate::schema::{Member, Service, Structure, Ty};

pub(super) struct Emitter<'a> {
    pub(super) service: &'a Service,
    /// Rust type names of data structures, by wire name.
    pub(super) type_names: BTreeMap<&'a str, String>,
    /// Module names of data structures, in `service.structures` order.
    pub(super) type_modules: Vec<String>,
}

impl<'a> Emitter<'a> {
    pub(super) fn new(service: &'a Service) -> Self {
        let wires: Vec<&str> = service.structures.keys().map(String::as_str).collect();
        let names = assign(&wires, Case::Pascal, &[]);
        let type_modules = assign(&wires, Case::Snake, &["builders"]);
        Self { service, type_names: wires.iter().copied().zip(names).collect(), type_modules }
    }

    pub(super) fn type_name(&self, wire: &str) -> String {
        self.type_names[wire].clone()
    }

    /// Input structures get a builder, so required members cannot be forgotten silently.
    pub(super) fn has_builder(&self, structure: &Structure) -> bool {
        structure.usage.input
    }

    /// A member is an `Option` unless every use of its structure promises a value: a required
    /// input parameter, or an output member that is `output_required` and not nullable.
    pub(super) fn is_optional(&self, structure: &Structure, member: &Member) -> bool {
        // A required member leading back to its own structure would make the type infinite:
        // no value could be built, and `Default` would recurse forever.
        if matches!(&member.ty, Ty::Struct(target) if self.service.is_cycle(&structure.wire, target)) {
            return true;
        }
        let usage = structure.usage;
        let input_plain = member.required;
        let output_plain = member.output_required && !member.value_allowed_null;
        !((!usage.input || input_plain) && (!usage.output || output_plain) && (usage.input || usage.output))
    }

    pub(super) fn member_type(&self, owner: &str, ty: &Ty) -> TokenStream {
        match ty {
            Ty::String => quote!(::std::string::String),
            Ty::Int64 => quote!(i64),
            Ty::UInt64 => quote!(u64),
            Ty::Float => quote!(f64),
            Ty::Bool => quote!(bool),
            Ty::Binary => quote!(::std::vec::Vec<u8>),
            Ty::Struct(target) => {
                let name = ident(&self.type_name(target));
                if self.service.is_cycle(owner, target) {
                    quote!(::std::boxed::Box<crate::types::#name>)
                } else {
                    quote!(crate::types::#name)
                }
            }
            Ty::List(inner) => {
                // A list breaks a cycle by itself: no box inside.
                let inner = match &**inner {
                    Ty::Struct(target) => {
                        let name = ident(&self.type_name(target));
                        quote!(crate::types::#name)
                    }
                    // A list of `binary` stays text: no official SDK sends it as files either.
                    Ty::Binary => quote!(::std::string::String),
                    other => self.member_type(owner, other),
                };
                quote!(::std::vec::Vec<#inner>)
            }
        }
    }

    /// A setter's parameter type and the expression that stores it: strings take
    /// `impl Into<String>`, lists any iterator of (convertible) elements, boxes their content.
    pub(super) fn setter_param(&self, owner: &str, ty: &Ty) -> (TokenStream, TokenStream) {
        let into_string = quote!(impl ::std::convert::Into<::std::string::String>);
        match ty {
            Ty::String => (into_string, quote!(value.into())),
            Ty::Binary => (quote!(impl ::std::convert::Into<::std::vec::Vec<u8>>), quote!(value.into())),
            Ty::List(element) => match &**element {
                Ty::String | Ty::Binary => (
                    quote!(impl ::std::iter::IntoIterator<Item = #into_string>),
                    quote!(value.into_iter().map(::std::convert::Into::into).collect()),
                ),
                element => {
                    let item = match element {
                        Ty::Struct(target) => {
                            let name = ident(&self.type_name(target));
                            quote!(crate::types::#name)
                        }
                        other => self.member_type(owner, other),
                    };
                    (quote!(impl ::std::iter::IntoIterator<Item = #item>), quote!(value.into_iter().collect()))
                }
            },
            Ty::Struct(target) if self.service.is_cycle(owner, target) => {
                let name = ident(&self.type_name(target));
                (quote!(crate::types::#name), quote!(::std::boxed::Box::new(value)))
            }
            other => (self.member_type(owner, other), quote!(value)),
        }
    }

    /// The Rust names of a structure's fields, in member order.
    pub(super) fn field_names(&self, structure: &Structure) -> Vec<Ident> {
        let wires: Vec<&str> = structure.members.iter().map(|m| m.wire.as_str()).collect();
        // The builder's own methods and its `sender` field (a request's builder is also the
        // fluent call).
        assign(&wires, Case::Snake, &["build", "sender", "send", "send_with", "into_paginator"])
            .iter()
            .map(|n| ident(n))
            .collect()
    }
}

pub(super) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}
