//! Helpers that write code: binding a value to a variable, wrapping iterators, and
//! finding or replacing an identifier in tokens.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::quote;

use super::types::Val;

/// `body` with `var` bound to `val`: the variable is replaced by the value's code when
/// that is a variable itself.
pub(super) fn let_in(var: &Ident, val: &Val, body: TokenStream) -> TokenStream {
    if val.simple {
        return substitute(body, var, &val.code);
    }
    let init = &val.code;
    if is_ident(&body, var) {
        return init.clone();
    }
    quote!({ let #var = #init; #body })
}

/// The elements of a list value as an iterator expression, null when the list is.
pub(super) fn wrap_list(list: &Val, var: &Ident, iter: &TokenStream, eager: bool) -> TokenStream {
    if !list.nullable {
        return let_in(var, list, iter.clone());
    }
    let code = list.operand();
    if eager {
        // `?` inside: no closure.
        let scrutinee = &list.code;
        quote!(match #scrutinee {
            ::core::option::Option::Some(#var) => ::core::option::Option::Some(#iter),
            ::core::option::Option::None => ::core::option::Option::None,
        })
    } else if is_ident(iter, var) {
        code
    } else {
        quote!(#code.map(|#var| #iter))
    }
}

/// Maps every element through the fallible `body` and collects first, so that every
/// element is evaluated (and an error in any of them ends the search) before the list is
/// used.
pub(super) fn eager_map(
    base: &TokenStream,
    param: &TokenStream,
    body: &TokenStream,
) -> TokenStream {
    quote!(#base
        .map(|#param| ::core::option::Option::Some(#body))
        .collect::<::core::option::Option<::std::vec::Vec<_>>>()?
        .into_iter()
        .flatten())
}

/// The closure parameter for an element: `_` when the body does not use it.
pub(super) fn param_for(body: &TokenStream, var: &Ident) -> TokenStream {
    if !mentions_ident(body, var) {
        quote!(_)
    } else {
        quote!(#var)
    }
}

/// Whether `ident` occurs in `tokens`, inside groups too.
pub(crate) fn mentions_ident(tokens: &TokenStream, ident: &Ident) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(i) => &i == ident,
        TokenTree::Group(g) => mentions_ident(&g.stream(), ident),
        _ => false,
    })
}

/// `tokens` with every `ident` replaced by `replacement` (a variable or `var.clone()`).
fn substitute(tokens: TokenStream, ident: &Ident, replacement: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|tree| match tree {
            TokenTree::Ident(i) if &i == ident => replacement.clone(),
            TokenTree::Group(g) => {
                let mut group =
                    Group::new(g.delimiter(), substitute(g.stream(), ident, replacement));
                group.set_span(g.span());
                TokenStream::from(TokenTree::Group(group))
            }
            other => TokenStream::from(other),
        })
        .collect()
}

pub(super) fn is_ident(tokens: &TokenStream, ident: &Ident) -> bool {
    let mut trees = tokens.clone().into_iter();
    matches!((trees.next(), trees.next()), (Some(TokenTree::Ident(i)), None) if &i == ident)
}
