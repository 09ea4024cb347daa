//! Paginators: `Paginate` for the request of an action that pages (see [`crate::paginate`]),
//! and the fluent builder's `into_paginator`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::emitter::{ident, Emitter};
use crate::paginate::{Pagination, Style};
use crate::schema::{Member, Structure, Ty};

impl Emitter<'_> {
    /// `Paginate` for a paginated action's request, and the fluent builder's `into_paginator`.
    pub(super) fn paginator(
        &self,
        p: &Pagination<'_>,
        request: &Ident,
        response: &Ident,
        builder: &Ident,
    ) -> TokenStream {
        let field = |structure: &Structure, member: &Member| {
            let index =
                structure.members.iter().position(|m| std::ptr::eq(m, member)).expect("a member of the structure");
            (self.field_names(structure)[index].clone(), self.is_optional(structure, member))
        };
        let to_i64 = |ty: &Ty, value: TokenStream| match ty {
            Ty::UInt64 => quote!(i64::try_from(#value).unwrap_or(i64::MAX)),
            _ => value,
        };
        // The structure holding the page, as `Option<&T>` and as `Option<T>` (owned).
        let mut by_ref = quote!(::std::option::Option::Some(response));
        let mut owned = by_ref.clone();
        let mut owner = &p.action.output;
        for step in &p.page_path {
            let (name, optional) = field(owner, step);
            if optional {
                by_ref = quote!(#by_ref.and_then(|v| v.#name.as_ref()));
                owned = quote!(#owned.and_then(|v| v.#name));
            } else {
                by_ref = quote!(#by_ref.map(|v| &v.#name));
                owned = quote!(#owned.map(|v| v.#name));
            }
            owner = match &step.ty {
                Ty::Struct(target) => &self.service.structures[target],
                _ => unreachable!("a page path goes through structures"),
            };
        }
        let (items, items_optional) = field(p.page, p.items);
        let (count, all_items) = if items_optional {
            (
                quote!(page.and_then(|v| v.#items.as_ref()).map_or(0, ::std::vec::Vec::len)),
                quote!(#owned.and_then(|v| v.#items)),
            )
        } else {
            (quote!(page.map_or(0, |v| v.#items.len())), quote!(#owned.map(|v| v.#items)))
        };
        let item = match &p.items.ty {
            Ty::List(element) => match &**element {
                Ty::Struct(target) => {
                    let name = ident(&self.type_name(target));
                    quote!(crate::types::#name)
                }
                other => self.member_type(&p.page.wire, other),
            },
            _ => unreachable!("the items are a list"),
        };
        let (next, next_optional) = field(p.page, p.next);
        let next_value = match (p.style, next_optional) {
            (Style::Offset, true) => {
                let total = quote!(page.and_then(|v| v.#next));
                // A total already `i64` (scf's `ListAsyncEvents`) needs no `map`: clippy's map_identity.
                let total = match &p.next.ty {
                    Ty::UInt64 => {
                        let converted = to_i64(&p.next.ty, quote!(total));
                        quote!(#total.map(|total| #converted))
                    }
                    _ => total,
                };
                quote!(::tem_core::paginator::Next::Total(#total))
            }
            (Style::Offset, false) => {
                let total = to_i64(&p.next.ty, quote!(v.#next));
                quote!(::tem_core::paginator::Next::Total(page.map(|v| #total)))
            }
            (Style::Token, true) => quote!(::tem_core::paginator::Next::Token(page.and_then(|v| v.#next.clone()))),
            (Style::Token, false) => quote!(::tem_core::paginator::Next::Token(page.map(|v| v.#next.clone()))),
        };
        let (cursor, cursor_optional) = field(&p.action.input, p.cursor);
        let (get, set) = match (p.style, cursor_optional) {
            (Style::Offset, optional) => {
                let value = if optional { quote!(self.#cursor.unwrap_or(0)) } else { quote!(self.#cursor) };
                let value = to_i64(&p.cursor.ty, value);
                let stored = match &p.cursor.ty {
                    Ty::UInt64 => quote!(u64::try_from(offset).unwrap_or(0)),
                    _ => quote!(offset),
                };
                let stored = if optional { quote!(::std::option::Option::Some(#stored)) } else { stored };
                (
                    quote!(::tem_core::paginator::Cursor::Offset(#value)),
                    quote! {
                        if let ::tem_core::paginator::Cursor::Offset(offset) = cursor {
                            self.#cursor = #stored;
                        }
                    },
                )
            }
            (Style::Token, true) => (
                quote!(::tem_core::paginator::Cursor::Token(self.#cursor.clone())),
                quote! {
                    if let ::tem_core::paginator::Cursor::Token(token) = cursor {
                        self.#cursor = token;
                    }
                },
            ),
            (Style::Token, false) => (
                quote!(::tem_core::paginator::Cursor::Token(::std::option::Option::Some(self.#cursor.clone()))),
                quote! {
                    if let ::tem_core::paginator::Cursor::Token(token) = cursor {
                        self.#cursor = token.unwrap_or_default();
                    }
                },
            ),
        };
        quote! {
            impl ::tem_core::paginator::Paginate for #request {
                type Item = #item;

                fn cursor(&self) -> ::tem_core::paginator::Cursor {
                    #get
                }

                fn set_cursor(&mut self, cursor: ::tem_core::paginator::Cursor) {
                    #set
                }

                fn page_info(response: &#response) -> (usize, ::tem_core::paginator::Next) {
                    let page = #by_ref;
                    (#count, #next_value)
                }

                fn into_items(response: #response) -> ::std::vec::Vec<#item> {
                    #all_items.unwrap_or_default()
                }
            }

            ::tem_core::paginator_impls!(#builder => #request);
        }
    }
}
