//! The compiler's state: the shape table, the runtime's paths and fresh variable names.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::types::{Ty, Val};
use crate::naming::rust_ident;
use crate::shapes::ShapeTable;

/// Compiles the arguments of acceptors against one output structure.
pub(crate) struct Compiler<'a> {
    pub(super) table: &'a ShapeTable,
    /// `#runtime::__private`.
    pub(super) private: TokenStream,
    /// The SDK crate under the runtime: `#runtime::aws_sdk_batch`.
    pub(super) sdk: TokenStream,
    pub(super) next_var: usize,
    /// A deprecated getter was used since the last reset.
    pub(super) deprecated: bool,
}

impl<'a> Compiler<'a> {
    /// A compiler whose code reaches the runtime through `runtime` (`::waiters_runtime`).
    pub(crate) fn new(table: &'a ShapeTable, runtime: &TokenStream) -> Self {
        // Checked to be an identifier when the table was built.
        let sdk_crate =
            rust_ident(&table.sdk_crate).unwrap_or_else(|| format_ident!("aws_sdk_batch"));
        Self {
            table,
            private: quote!(#runtime::__private),
            sdk: quote!(#runtime::#sdk_crate),
            next_var: 0,
            deprecated: false,
        }
    }

    /// Starts a new matcher: fresh variable names, no deprecated getters seen.
    pub(super) fn reset(&mut self) {
        self.next_var = 0;
        self.deprecated = false;
    }

    pub(super) fn fresh(&mut self, prefix: &str) -> Ident {
        self.next_var += 1;
        format_ident!("__{}{}", prefix, self.next_var)
    }

    /// The root: `output`, a `&Output` of the operation's output structure.
    pub(super) fn root(output_shape: &str) -> Val {
        Val::variable(
            &format_ident!("output"),
            Ty::Struct(output_shape.to_owned()),
            false,
        )
    }
}
