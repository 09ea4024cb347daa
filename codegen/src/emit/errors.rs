//! Errors: each action's error enum, and `tem-core`'s table of the codes common to every action.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::docs::doc_attrs;
use super::emitter::{ident, Emitter};
use crate::model::CommonErrorsFile;
use crate::names::{assign, Case};
use crate::schema::Action;

/// `tem-core`'s table of the error codes every action may return.
pub(super) fn common_errors(common: &CommonErrorsFile) -> TokenStream {
    let codes: Vec<&str> = common.codes.keys().map(String::as_str).collect();
    let variants = variant_names(&codes);
    let items = codes.iter().zip(&variants).map(|(code, variant)| {
        let doc = doc_attrs(&format!("`{code}`: {}", common.codes[*code]));
        quote! { #doc #variant(crate::ErrorMetadata), }
    });
    let arms = codes.iter().zip(&variants).map(|(code, variant)| quote! { #code => Self::#variant(metadata), });
    quote! {
        //! The error codes every Tencent Cloud API 3.0 action may return ("公共错误码").

        /// An error code every action may return, with the reply's metadata.
        #[non_exhaustive]
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum CommonError {
            #(#items)*
            /// A code not in the common table, opaque: match on `code()` instead.
            #[deprecated(note = "matching `Unhandled` is not forward compatible: match on `code()` instead")]
            Unhandled(crate::Unhandled),
        }

        impl CommonError {
            /// The common error of `metadata`'s code, or the metadata back if it is not common.
            pub fn try_from_metadata(metadata: crate::ErrorMetadata) -> ::std::result::Result<Self, crate::ErrorMetadata> {
                ::std::result::Result::Ok(match metadata.code() {
                    #(#arms)*
                    _ => return ::std::result::Result::Err(metadata),
                })
            }
        }

        impl crate::OperationError for CommonError {
            fn from_metadata(metadata: crate::ErrorMetadata) -> Self {
                #[allow(deprecated)]
                Self::try_from_metadata(metadata).unwrap_or_else(|metadata| Self::Unhandled(crate::Unhandled::new(metadata)))
            }

            fn metadata(&self) -> &crate::ErrorMetadata {
                #[allow(deprecated)]
                match self {
                    #(Self::#variants(metadata))|* => metadata,
                    Self::Unhandled(unhandled) => unhandled.metadata(),
                }
            }
        }

        crate::operation_error_impls!(CommonError);
    }
}

/// Error variant names for codes, avoiding the fallback variants' names.
fn variant_names(codes: &[&str]) -> Vec<Ident> {
    assign(codes, Case::Pascal, &["Common", "Unhandled"]).iter().map(|n| ident(n)).collect()
}

impl Emitter<'_> {
    /// An action's error enum: a variant per documented code, then the common codes and the rest.
    pub(super) fn error_enum(&self, action: &Action, error: &Ident) -> TokenStream {
        let codes: Vec<&str> = action.errors.iter().map(|e| e.code.as_str()).collect();
        let variants = variant_names(&codes);
        let items = action.errors.iter().zip(&variants).map(|(e, variant)| {
            let doc = doc_attrs(&format!("`{}`: {}", e.code, e.description));
            quote! { #doc #variant(::tem_core::ErrorMetadata), }
        });
        let arms = codes.iter().zip(&variants).map(|(code, variant)| quote! { #code => Self::#variant(metadata), });
        let fallback = quote! {
            match ::tem_core::CommonError::try_from_metadata(metadata) {
                ::std::result::Result::Ok(common) => Self::Common(common),
                ::std::result::Result::Err(metadata) => Self::Unhandled(::tem_core::Unhandled::new(metadata)),
            }
        };
        // Without documented codes, a `match` on the code would have only its `_` arm.
        let from_metadata = if codes.is_empty() {
            fallback
        } else {
            quote! {
                match metadata.code() {
                    #(#arms)*
                    _ => #fallback,
                }
            }
        };
        let doc = doc_attrs(&format!(
            "The errors `{}` may return: its documented codes, the common codes, and any other code.",
            action.wire
        ));
        quote! {
            #doc
            #[non_exhaustive]
            #[derive(::std::clone::Clone, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::Eq)]
            pub enum #error {
                #(#items)*
                /// A code every action may return.
                Common(::tem_core::CommonError),
                /// A code not documented for this action, opaque: match on `code()` instead, as a
                /// newer API description may give the code a variant of its own.
                #[deprecated(note = "matching `Unhandled` is not forward compatible: match on `code()` instead")]
                Unhandled(::tem_core::Unhandled),
            }

            impl ::tem_core::OperationError for #error {
                fn from_metadata(metadata: ::tem_core::ErrorMetadata) -> Self {
                    #from_metadata
                }

                fn metadata(&self) -> &::tem_core::ErrorMetadata {
                    match self {
                        #(Self::#variants(metadata) => metadata,)*
                        Self::Common(common) => ::tem_core::OperationError::metadata(common),
                        Self::Unhandled(unhandled) => unhandled.metadata(),
                    }
                }
            }

            ::tem_core::operation_error_impls!(#error);
        }
    }
}
