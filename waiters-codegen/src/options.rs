//! How to generate: names and paths the generated code uses.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// How to generate: where the model came from and how the generated code names things.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The model's name in messages and docs: the path as the user wrote it
    /// (`models/batch-waiters.json`) or `inline JSON`.
    pub source_name: String,
    /// An absolute path to `include_str!` so that cargo rebuilds when the model changes;
    /// `None` for an inline model (and for snapshots, which must not depend on a machine).
    pub include_path: Option<String>,
    /// The path generated code reaches the runtime through (`::waiters_runtime`).
    pub runtime: TokenStream,
    /// The name of the generated extension trait (`Waiters`).
    pub extension_trait: Ident,
}

impl Options {
    /// Defaults: runtime `::waiters_runtime`, trait `Waiters`, no `include_str!`.
    ///
    /// ```
    /// let options = waiters_codegen::Options::new("models/w.json")
    ///     .include_path("/src/my-crate/models/w.json")
    ///     .runtime(quote::quote!(crate))
    ///     .extension_trait(quote::format_ident!("BatchWaiters"));
    /// assert_eq!(options.runtime.to_string(), "crate");
    /// ```
    pub fn new(source_name: impl Into<String>) -> Self {
        Self {
            source_name: source_name.into(),
            include_path: None,
            runtime: quote!(::waiters_runtime),
            extension_trait: Ident::new("Waiters", Span::call_site()),
        }
    }

    /// Sets [`include_path`](Self::include_path).
    pub fn include_path(mut self, path: impl Into<String>) -> Self {
        self.include_path = Some(path.into());
        self
    }

    /// Sets [`runtime`](Self::runtime).
    pub fn runtime(mut self, path: TokenStream) -> Self {
        self.runtime = path;
        self
    }

    /// Sets [`extension_trait`](Self::extension_trait).
    pub fn extension_trait(mut self, name: Ident) -> Self {
        self.extension_trait = name;
        self
    }
}
