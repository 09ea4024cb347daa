//! Data structures: the struct of a request, response or shared structure, the builder of
//! those that requests carry, and `types/mod.rs`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs::{bilingual, doc_attrs};
use super::emitter::{ident, Emitter};
use crate::schema::{Member, Structure, Ty};

impl Emitter<'_> {
    /// The struct definition of a request, response or data structure.
    pub(super) fn structure(&self, structure: &Structure, name: &Ident, kind: StructKind) -> TokenStream {
        let fields = self.field_names(structure);
        let defs = structure.members.iter().zip(&fields).map(|(member, field)| {
            let optional = self.is_optional(structure, member);
            let mut ty = self.member_type(&structure.wire, &member.ty);
            if optional {
                ty = quote!(::std::option::Option<#ty>);
            }
            let wire = &member.wire;
            let scalar = !matches!(&member.ty, Ty::Struct(_)) && member.ty.structure().is_none();
            let mut serde_args = vec![quote!(rename = #wire)];
            if member.ty == Ty::Binary {
                // Text in JSON, a file part in a multipart form.
                let with =
                    if optional { "::tem_core::multipart::binary::option" } else { "::tem_core::multipart::binary" };
                if optional || kind != StructKind::Request {
                    serde_args.push(quote!(default));
                }
                if optional {
                    serde_args.push(quote!(skip_serializing_if = "::std::option::Option::is_none"));
                }
                serde_args.push(quote!(with = #with));
            } else if optional {
                serde_args.push(quote!(default));
                serde_args.push(quote!(skip_serializing_if = "::std::option::Option::is_none"));
                if scalar {
                    serde_args.push(quote!(deserialize_with = "::tem_core::de::lenient"));
                }
            } else {
                // A required request parameter must be present; elsewhere a missing or null
                // value is read as the default (servers omit what they promise).
                if kind != StructKind::Request {
                    serde_args.push(quote!(default));
                }
                let with = if scalar { "::tem_core::de::lenient" } else { "::tem_core::de::null_as_default" };
                serde_args.push(quote!(deserialize_with = #with));
            }
            let doc = doc_attrs(&self.member_doc(structure, member, optional));
            let deprecated = member.deprecated.then(|| quote!(#[deprecated]));
            quote! {
                #doc
                #deprecated
                #[serde(#(#serde_args),*)]
                pub #field: #ty,
            }
        });
        let doc = doc_attrs(&bilingual(&structure.doc, structure.doc_en.as_deref()));
        let default = (kind != StructKind::Request).then(|| quote!(::std::default::Default,));
        quote! {
            #doc
            #[non_exhaustive]
            #[derive(::std::clone::Clone, ::std::fmt::Debug, #default ::std::cmp::PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct #name {
                #(#defs)*
            }
        }
    }

    pub(super) fn member_doc(&self, structure: &Structure, member: &Member, optional: bool) -> String {
        let mut doc = bilingual(&member.doc, member.doc_en.as_deref());
        let usage = structure.usage;
        let mut facts = Vec::new();
        if usage.input {
            facts.push(if member.required { "Required." } else { "Optional." }.to_owned());
        }
        if usage.output && optional && !usage.input {
            facts.push("May be absent or null.".to_owned());
        }
        if let Some(example) = &member.example {
            facts.push(format!("Example: `{}`", example.replace('`', "'")));
        }
        if member.deprecated {
            facts.push("Deprecated: disabled in the API description.".to_owned());
        }
        if !facts.is_empty() {
            doc.push_str("\n\n");
            doc.push_str(&facts.join(" "));
        }
        doc
    }

    /// A builder for an input structure: setters, and `build` checking required members.
    ///
    /// A request's builder is generic over what it carries besides the parameters: nothing
    /// (`()`, the default), or the [`tem_core::fluent::Sender`] of a fluent call; the setters
    /// and `build` serve both.
    pub(super) fn builder(&self, structure: &Structure, name: &Ident, builder: &Ident, request: bool) -> TokenStream {
        let fields = self.field_names(structure);
        let wire_name = &structure.wire;
        let mut slots = Vec::new();
        let mut setters = Vec::new();
        let mut inits = Vec::new();
        for (member, field) in structure.members.iter().zip(&fields) {
            let optional = self.is_optional(structure, member);
            let ty = self.member_type(&structure.wire, &member.ty);
            slots.push(quote!(#field: ::std::option::Option<#ty>,));
            let (param, value) = self.setter_param(&structure.wire, &member.ty);
            let doc = doc_attrs(&self.member_doc(structure, member, optional));
            let deprecated = member.deprecated.then(|| quote!(#[deprecated]));
            setters.push(quote! {
                #doc
                #deprecated
                pub fn #field(mut self, value: #param) -> Self {
                    self.#field = ::std::option::Option::Some(#value);
                    self
                }
            });
            let wire = &member.wire;
            inits.push(if optional {
                quote!(#field: self.#field,)
            } else {
                quote! {
                    #field: self.#field.ok_or_else(|| ::tem_core::BuildError::missing(#wire_name, #wire))?,
                }
            });
        }
        let doc = format!(" Builds [`{name}`]; `build` fails naming the first required parameter not set.");
        let (generics, impl_generics, sender_slot, sender_doc) = if request {
            (
                quote!(<S = ()>),
                quote!(<S>),
                quote! {
                    /// What the builder carries besides the parameters: `()`, or the
                    /// [`Sender`](::tem_core::fluent::Sender) of a fluent call.
                    sender: S,
                },
                doc_attrs(&format!(
                    "\nFrom [`{name}::builder`] it ends in `build`; from the client's method of the action (a fluent call) it carries a [`Sender`](::tem_core::fluent::Sender) and ends in `send`."
                )),
            )
        } else {
            Default::default()
        };
        quote! {
            #[doc = #doc]
            #sender_doc
            #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::default::Default)]
            pub struct #builder #generics {
                #(#slots)*
                #sender_slot
            }

            #[allow(deprecated)]
            impl #impl_generics #builder #impl_generics {
                #(#setters)*

                /// The structure, or an error naming the first required parameter not set.
                pub fn build(self) -> ::std::result::Result<#name, ::tem_core::BuildError> {
                    ::std::result::Result::Ok(#name { #(#inits)* })
                }
            }

            impl #name {
                /// A builder; set the required parameters, then call `build`.
                pub fn builder() -> #builder {
                    <#builder as ::std::default::Default>::default()
                }
            }
        }
    }

    pub(super) fn data_structure(&self, structure: &Structure) -> TokenStream {
        let name = ident(&self.type_name(&structure.wire));
        let definition = self.structure(structure, &name, StructKind::Data);
        let builder = self.has_builder(structure).then(|| {
            let builder = format_ident!("{}Builder", name);
            self.builder(structure, &name, &builder, false)
        });
        quote! {
            #definition
            #builder
        }
    }
}

/// What a structure is, which decides its derives and how absent members read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum StructKind {
    Request,
    Response,
    Data,
}

/// `types/mod.rs`: each structure's module, re-exports, and the builders.
pub(super) fn types_mod(types: &[(String, String, bool)]) -> TokenStream {
    let mods = types.iter().map(|(module, _, _)| {
        let module = ident(module);
        quote!(mod #module;)
    });
    let uses = types.iter().map(|(module, name, _)| {
        let (module, name) = (ident(module), ident(name));
        quote!(pub use #module::#name;)
    });
    let builders = types.iter().filter(|(_, _, b)| *b).map(|(module, name, _)| {
        let module = ident(module);
        let builder = format_ident!("{}Builder", name);
        quote!(pub use super::#module::#builder;)
    });
    quote! {
        //! The data structures shared by the actions' requests and responses.

        #(#mods)*
        #(#uses)*

        /// Builders of the structures that requests carry.
        pub mod builders {
            #(#builders)*
        }
    }
}
