//! A Rust file that proves the shape table and the naming rules match the SDK.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::compile::Compiler;
use crate::operations;
use crate::shapes::{Shape, ShapeTable, type_name};

/// See [`crate::sdk_accessor_check`].
pub(crate) fn accessor_check(runtime: &TokenStream) -> TokenStream {
    let table = match ShapeTable::batch() {
        Ok(table) => table,
        Err(e) => {
            let message = e.to_string();
            return quote!(::core::compile_error!(#message););
        }
    };
    let sdk = quote!(#runtime::aws_sdk_batch);
    let mut compiler = Compiler::new(table, runtime);
    let outputs: Vec<(String, TokenStream)> = operations::SUPPORTED
        .iter()
        .filter_map(|op| {
            let shapes = table.operations.get(op.name)?.as_ref()?;
            let module = format_ident!("{}", op.module);
            let output = format_ident!("{}", op.output);
            Some((
                shapes.output.clone(),
                quote!(#sdk::operation::#module::#output),
            ))
        })
        .collect();
    let rust_type = |shape: &str| -> TokenStream {
        match outputs.iter().find(|(name, _)| name == shape) {
            Some((_, path)) => path.clone(),
            None => owned_type(table, &sdk, shape),
        }
    };
    let functions = table.shapes().filter_map(|(name, shape)| {
        let Shape::Structure(members) = shape else {
            return None;
        };
        let function = format_ident!("check_{}", crate::naming::snake_case(name));
        let owner_ty = rust_type(name);
        let checks = members.iter().map(|(member, target)| {
            let (access, _) = match compiler.member_access(name, &quote!(v), member, target) {
                Ok(access) => access,
                Err(e) => {
                    let message = format!("{name}.{member}: {e:?}");
                    return quote!(::core::compile_error!(#message););
                }
            };
            let expected = value_type(table, &sdk, target);
            quote! {
                let _: ::core::option::Option<#expected> = #access;
            }
        });
        let allow = members
            .iter()
            .any(|(member, _)| table.is_deprecated(name, member))
            .then(|| quote!(#[allow(deprecated)]));
        Some(quote! {
            #allow
            fn #function(v: &#owner_ty) {
                #(#checks)*
            }
        })
    });
    // Every variant generated code names, by the name the table gives it, with the wire
    // value the table maps to it.
    let enum_shapes: Vec<(&str, &crate::shapes::EnumShape)> = table
        .shapes()
        .filter_map(|(name, shape)| match shape {
            Shape::String(Some(info)) => Some((name, info)),
            _ => None,
        })
        .collect();
    let enum_checks: Vec<_> = enum_shapes
        .iter()
        .map(|(name, _)| format_ident!("check_enum_{}", crate::naming::snake_case(name)))
        .collect();
    let enums = enum_shapes
        .iter()
        .zip(&enum_checks)
        .map(|((_, info), function)| {
            let ty = format_ident!("{}", info.rust);
            let variants = info.variants.values().map(|v| format_ident!("{}", v));
            let values = info.variants.keys();
            quote! {
                fn #function() {
                    #(assert_eq!(#sdk::types::#ty::#variants.as_str(), #values);)*
                }
            }
        });
    let doc = format!(
        " Every accessor of the shape table ({}), as generated acceptors read it.",
        table.source
    );
    quote! {
        #[doc = #doc]
        #[allow(dead_code, non_snake_case)]
        pub mod accessors {
            #(#functions)*
            #(#enums)*
            /// Asserts that every enum variant the table names has the table's wire value.
            pub fn check_enums() {
                #(#enum_checks();)*
            }
        }
    }
}

/// The Rust type of a value read from a member of shape `shape`, as acceptors hold it.
fn value_type(table: &ShapeTable, sdk: &TokenStream, shape: &str) -> TokenStream {
    match table.shape(shape) {
        Some(Shape::String(Some(_))) => {
            let owned = owned_type(table, sdk, shape);
            quote!(&#owned)
        }
        Some(Shape::String(None)) => quote!(&str),
        Some(Shape::Timestamp) => quote!(f64),
        Some(Shape::List(member)) => {
            let member = owned_type(table, sdk, member);
            quote!(&[#member])
        }
        Some(Shape::Structure(_) | Shape::Map(_)) => {
            let owned = owned_type(table, sdk, shape);
            quote!(&#owned)
        }
        _ => owned_type(table, sdk, shape),
    }
}

/// The SDK's owned Rust type for a shape.
fn owned_type(table: &ShapeTable, sdk: &TokenStream, shape: &str) -> TokenStream {
    let named = || {
        let ident = format_ident!("{}", type_name(shape));
        quote!(#sdk::types::#ident)
    };
    match table.shape(shape) {
        Some(Shape::String(Some(info))) => {
            let ident = format_ident!("{}", info.rust);
            quote!(#sdk::types::#ident)
        }
        Some(Shape::Structure(_)) => named(),
        Some(Shape::String(None)) => quote!(::std::string::String),
        Some(Shape::List(member)) => {
            let member = owned_type(table, sdk, member);
            quote!(::std::vec::Vec<#member>)
        }
        Some(Shape::Map(value)) => {
            let value = owned_type(table, sdk, value);
            quote!(::std::collections::HashMap<::std::string::String, #value>)
        }
        Some(Shape::Integer) => quote!(i32),
        Some(Shape::Long) => quote!(i64),
        Some(Shape::Double) => quote!(f64),
        Some(Shape::Float) => quote!(f32),
        Some(Shape::Boolean) => quote!(bool),
        Some(Shape::Timestamp) => quote!(#sdk::primitives::DateTime),
        Some(Shape::Other(_)) | None => quote!(()),
    }
}
