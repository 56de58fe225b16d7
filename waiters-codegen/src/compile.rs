//! JMESPath arguments compiled to Rust over the SDK's typed outputs.
//!
//! Every expression becomes a Rust expression whose type follows from the shape table:
//! a field is a getter call (`Option<&str>`, `Option<i32>`, `Option<&JobDetail>`, ...),
//! a projection an iterator (`Option<impl Iterator>`), a comparison a `bool`. The
//! semantics are those of the run-time matchers (the `jmespath` crate over the response
//! JSON): `None` is JSON `null`, projections drop nulls, and a JMESPath run-time error
//! (`length(null)`) makes the acceptor not match, which the generated code does by
//! returning `None` through `?` from a search function.
//!
//! Two rules keep the typed and the run-time results identical:
//! - lists are read through the public field (`output.jobs.as_deref()`), not the getter:
//!   the getter turns an absent list into an empty one, and JMESPath tells `null` from `[]`
//!   (`length(jobs)` is an error on one and 0 on the other);
//! - an iterator that is consumed lazily never contains fallible code: a projection whose
//!   right side can fail is collected first, so an error in a late element is not skipped
//!   by a short-circuiting `any`/`all`.

use proc_macro2::{Group, Ident, Literal, TokenStream, TokenTree};
use quote::{format_ident, quote};
use serde_json::Value;
use waiters_model::jmespath::Variable;
use waiters_model::jmespath::ast::{Ast, Comparator};

use crate::naming::{rust_ident, suggest};

/// The value smithy-rs gives a required enum member that a response lacks.
const CORRECTED_ENUM_VALUE: &str = "no value was set";
use crate::shapes::{Shape, ShapeTable, getter_name};

/// The static type of a non-null value, which also fixes its Rust representation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ty {
    /// `bool`.
    Bool,
    /// A number, held as the given Rust type.
    Num(Num),
    /// `&str`; for an enum, its shape name and values.
    Str(Option<EnumInfo>),
    /// `&T` for the structure shape.
    Struct(String),
    /// `&HashMap<String, V>`, with the value type.
    Map(Box<Ty>),
    /// `&[T]` (a list member), with the element type after conversion.
    Slice(Box<Ty>),
    /// `impl Iterator<Item = T> + Clone` (a projection), with the element type.
    Iter(Box<Ty>),
    /// The literal `null`.
    Null,
    /// A literal array or object; only used in comparisons.
    Json(Value),
}

/// How a number is held in Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Num {
    I32,
    I64,
    F32,
    F64,
    Usize,
    /// A timestamp: `DateTime` in the SDK, seconds since the epoch (`f64`) once read, as
    /// the JSON wire format has it.
    Timestamp,
}

/// An enum: its shape name, wire values, and the SDK's Rust names. Enum values are held
/// as `&Enum` and compared with literals by variant (a discriminant test, as a hand-written
/// `match` would), and read as text (`as_str()`) where JMESPath needs the string.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EnumInfo {
    pub(crate) shape: String,
    pub(crate) values: Vec<String>,
    /// The enum's name in `aws_sdk_batch::types`.
    pub(crate) rust: String,
    /// Wire value -> variant, for the values the SDK has a variant for.
    pub(crate) variants: std::collections::BTreeMap<String, String>,
}

impl Ty {
    fn is_list(&self) -> bool {
        matches!(self, Ty::Slice(_) | Ty::Iter(_))
    }

    fn element(&self) -> Option<&Ty> {
        match self {
            Ty::Slice(e) | Ty::Iter(e) => Some(e),
            _ => None,
        }
    }

    /// What a value of this type is, for messages: `a JobStatus string`, `a list of ...`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Ty::Bool => "a boolean".into(),
            Ty::Num(Num::Timestamp) => "a timestamp".into(),
            Ty::Num(_) => "a number".into(),
            Ty::Str(Some(e)) => format!("a {} string", e.shape),
            Ty::Str(None) => "a string".into(),
            Ty::Struct(s) => format!("a {s} structure"),
            Ty::Map(v) => format!("a map of {}", v.plural()),
            Ty::Slice(e) | Ty::Iter(e) => format!("a list of {}", e.plural()),
            Ty::Null => "null".into(),
            Ty::Json(Value::Array(_)) => "a literal array".into(),
            Ty::Json(_) => "a literal object".into(),
        }
    }

    /// The plural form, for `a list of ...` and `its elements are ...`.
    pub(crate) fn plural(&self) -> String {
        match self {
            Ty::Bool => "booleans".into(),
            Ty::Num(Num::Timestamp) => "timestamps".into(),
            Ty::Num(_) => "numbers".into(),
            Ty::Str(Some(e)) => format!("{} strings", e.shape),
            Ty::Str(None) => "strings".into(),
            Ty::Struct(s) => format!("{s} structures"),
            Ty::Map(_) => "maps".into(),
            Ty::Slice(e) | Ty::Iter(e) => format!("lists of {}", e.plural()),
            Ty::Null => "nulls".into(),
            Ty::Json(_) => "literals".into(),
        }
    }
}

/// Operator precedence of a value's code, so that it is parenthesized exactly where it
/// has to be (needless parentheses are a warning in the user's crate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    /// `a == b`, `a != b`.
    Compare,
    /// `!a`.
    Unary,
    /// Paths, calls, method chains, blocks, literals.
    Atom,
}

/// A compiled (sub)expression.
#[derive(Clone, Debug)]
struct Val {
    /// The Rust expression: `Option<R>` when `nullable`, else `R`.
    code: TokenStream,
    ty: Ty,
    nullable: bool,
    /// The code contains `?`: it must run in a function returning `Option`.
    fallible: bool,
    /// The code is a variable (or a clone of one): using it twice costs nothing.
    simple: bool,
    prec: Prec,
    /// The value, when it is a string literal (to check enum values).
    constant: Option<String>,
    /// For a `bool`: code for its negation that is simpler than `!(...)`.
    negation: Option<Coded>,
    /// For a projection: elements still to drop (a corrected member's default), left to
    /// the consumer so that `pathAll` can test them only when they do not match.
    skip: Option<Correction>,
    /// For a projection of one member over a list member (`jobs[].status`): the parts, so
    /// that `pathAll`/`pathAny` can loop over the list directly, as a hand-written loop.
    fields: Option<FieldProjection>,
}

/// `list[].member`, taken apart.
#[derive(Clone, Debug)]
struct FieldProjection {
    /// The list: `Option<&[T]>` when `nullable`, else `&[T]`.
    list: TokenStream,
    nullable: bool,
    /// The element variable and the member read from it (`Option<V>`).
    var: Ident,
    read: TokenStream,
}

/// A test for a required member's SDK default, over the variable `var`.
#[derive(Clone, Debug)]
struct Correction {
    var: Ident,
    /// True when the value is a real one.
    present: TokenStream,
    /// True when it is the SDK's default (read as null).
    absent: TokenStream,
}

/// Code with its precedence.
type Coded = (TokenStream, Prec);

impl Val {
    fn new(code: TokenStream, ty: Ty, nullable: bool, fallible: bool) -> Self {
        Self {
            code,
            ty,
            nullable,
            fallible,
            simple: false,
            prec: Prec::Atom,
            constant: None,
            negation: None,
            skip: None,
            fields: None,
        }
    }

    /// A non-null `bool` with the given precedence.
    fn boolean(code: TokenStream, prec: Prec, fallible: bool) -> Self {
        Self {
            prec,
            ..Self::new(code, Ty::Bool, false, fallible)
        }
    }

    /// A variable holding a value of type `ty`.
    fn variable(var: &Ident, ty: Ty, nullable: bool) -> Self {
        Self {
            simple: true,
            code: if matches!(ty, Ty::Iter(_)) {
                quote!(#var.clone())
            } else {
                quote!(#var)
            },
            ..Self::new(TokenStream::new(), ty, nullable, false)
        }
    }

    /// The code where an operand or method receiver goes.
    fn operand(&self) -> TokenStream {
        self.operand_at(Prec::Atom)
    }

    fn operand_at(&self, needed: Prec) -> TokenStream {
        parenthesize(&self.code, self.prec, needed)
    }

    /// The value as an `Option`, in argument position (nullable values are atoms).
    fn option(&self) -> TokenStream {
        let code = &self.code;
        if self.nullable {
            code.clone()
        } else {
            quote!(::core::option::Option::Some(#code))
        }
    }
}

/// A problem found while compiling, before it gets its JSON path and expression text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CompileError {
    UnknownMember {
        shape: String,
        member: String,
        suggestion: Option<String>,
        /// The SDK crate, when the service model has the member but the SDK does not.
        missing_from_sdk: Option<String>,
    },
    Unsupported {
        offset: usize,
        construct: String,
    },
    Type(String),
    Expected {
        found: String,
        gives: String,
    },
}

type Result<T> = std::result::Result<T, CompileError>;

fn type_error<T>(message: impl Into<String>) -> Result<T> {
    Err(CompileError::Type(message.into()))
}

fn unsupported<T>(offset: usize, construct: impl Into<String>) -> Result<T> {
    Err(CompileError::Unsupported {
        offset,
        construct: construct.into(),
    })
}

/// Which equality: JMESPath's own `==` inside an expression, or the matcher's comparison
/// of the result with `expected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Equality {
    /// The `jmespath` crate's `==`: numbers equal within a relative epsilon.
    Jmespath,
    /// `waiters_model::json_eq`: integers exactly, other numbers by `f64` value.
    Expected,
}

/// Why a value and a literal can never be equal; `Some` when there is more to say than
/// their types.
type Mismatch = Option<String>;

/// A matcher's compiled body: `bool` code over `output: &Output`.
#[derive(Debug)]
pub(crate) struct CompiledMatch {
    pub(crate) code: TokenStream,
    /// The code contains `?`: it must run in a function returning `Option<bool>`, where
    /// `None` (a JMESPath error) means no match.
    pub(crate) fallible: bool,
    /// The code calls a getter the SDK deprecates (`#[allow(deprecated)]` goes on it).
    pub(crate) deprecated: bool,
}

/// Compiles the arguments of acceptors against one output structure.
pub(crate) struct Compiler<'a> {
    table: &'a ShapeTable,
    /// `#runtime::__private`.
    private: TokenStream,
    /// `#runtime::aws_sdk_batch`.
    sdk: TokenStream,
    next_var: usize,
    /// A deprecated getter was used since the last reset.
    deprecated: bool,
}

impl<'a> Compiler<'a> {
    /// A compiler whose code reaches the runtime through `runtime` (`::waiters_runtime`).
    pub(crate) fn new(table: &'a ShapeTable, runtime: &TokenStream) -> Self {
        Self {
            table,
            private: quote!(#runtime::__private),
            sdk: quote!(#runtime::aws_sdk_batch),
            next_var: 0,
            deprecated: false,
        }
    }

    /// Starts a new matcher: fresh variable names, no deprecated getters seen.
    fn reset(&mut self) {
        self.next_var = 0;
        self.deprecated = false;
    }

    fn fresh(&mut self, prefix: &str) -> Ident {
        self.next_var += 1;
        format_ident!("__{}{}", prefix, self.next_var)
    }

    /// The root: `output`, a `&Output` of the operation's output structure.
    fn root(output_shape: &str) -> Val {
        Val::variable(
            &format_ident!("output"),
            Ty::Struct(output_shape.to_owned()),
            false,
        )
    }

    /// A `path` matcher: the result equals `expected`.
    pub(crate) fn path(
        &mut self,
        output_shape: &str,
        ast: &Ast,
        expected: &Value,
    ) -> Result<CompiledMatch> {
        self.reset();
        if let Ast::Literal { offset, .. } = ast {
            return unsupported(*offset, "an argument that is only a literal");
        }
        let found = self.compile(ast, &Self::root(output_shape))?;
        let code = match (&found.ty, expected) {
            (Ty::Null | Ty::Json(_), _) => {
                return unsupported(offset(ast), "an argument that is only a literal");
            }
            (_, Value::Null) if found.nullable => {
                let f = found.operand();
                quote!(#f.is_none())
            }
            (ty, Value::Null) => {
                return Err(CompileError::Expected {
                    found: describe_json(expected),
                    gives: format!("it gives {}, never null", ty.describe()),
                });
            }
            (ty, _) => {
                let ty = ty.clone();
                let x = self.fresh("x");
                let eq = self
                    .literal_eq(Equality::Expected, &ty, &quote!(#x), expected)
                    .map_err(|mismatch| CompileError::Expected {
                        found: describe_json(expected),
                        gives: mismatch.unwrap_or_else(|| format!("it gives {}", ty.describe())),
                    })?;
                if found.nullable {
                    let f = found.operand();
                    quote!(#f.is_some_and(|#x| #eq))
                } else {
                    let_in(&x, &found, eq)
                }
            }
        };
        Ok(CompiledMatch {
            code,
            fallible: found.fallible,
            deprecated: self.deprecated,
        })
    }

    /// A `pathAll` (`all`) or `pathAny` matcher: the result is a non-empty list and every
    /// (some) element equals `expected`.
    pub(crate) fn path_list(
        &mut self,
        output_shape: &str,
        ast: &Ast,
        expected: &Value,
        all: bool,
    ) -> Result<CompiledMatch> {
        self.reset();
        let found = self.compile_unsettled(ast, &Self::root(output_shape))?;
        // A pending correction is applied by `pathAll` only to elements that do not match
        // (the SDK's default never equals an enum value); `pathAny` does not need it: such
        // an element never matches, and a match means the list was not empty.
        let skip = found.skip.clone();
        let fields = found.fields.clone();
        let found = Val {
            skip: None,
            fields: None,
            ..found
        };
        let Some(element) = found.ty.element().cloned() else {
            return type_error(format!(
                "{} needs a list, but the argument gives {} (the `path` matcher compares a \
                 single value)",
                if all { "pathAll" } else { "pathAny" },
                found.ty.describe()
            ));
        };
        let x = self.fresh("x");
        let eq = self
            .literal_eq(Equality::Expected, &element, &quote!(#x), expected)
            .map_err(|mismatch| CompileError::Expected {
                found: describe_json(expected),
                gives: mismatch.unwrap_or_else(|| format!("its elements are {}", element.plural())),
            })?;
        let private = self.private.clone();
        if let Some(FieldProjection {
            list,
            nullable,
            var,
            read,
        }) = fields
        {
            let list = if nullable {
                list
            } else {
                quote!(::core::option::Option::Some(#list))
            };
            let code = match (all, skip) {
                (true, Some(Correction { var: e, absent, .. })) => {
                    quote!(#private::path_all_fields(
                        #list, |#var| #read, |#e| #absent, |#x| #eq
                    ))
                }
                (true, None) => quote!(#private::path_all_fields(
                    #list, |#var| #read, |_| false, |#x| #eq
                )),
                (false, _) => quote!(#private::path_any_fields(#list, |#var| #read, |#x| #eq)),
            };
            return Ok(CompiledMatch {
                code,
                fallible: found.fallible,
                deprecated: self.deprecated,
            });
        }
        let items = self.option_iter(&found);
        let private = &self.private;
        let code = match (all, skip) {
            (true, Some(Correction { var, absent, .. })) => {
                quote!(#private::path_all_except(#items, |#var| #absent, |#x| #eq))
            }
            (true, None) => quote!(#private::path_all(#items, |#x| #eq)),
            (false, _) => quote!(#private::path_any(#items, |#x| #eq)),
        };
        Ok(CompiledMatch {
            code,
            fallible: found.fallible,
            deprecated: self.deprecated,
        })
    }

    /// A list value as `Option<impl Iterator<Item = element>>`.
    fn option_iter(&mut self, list: &Val) -> TokenStream {
        let element = list.ty.element().cloned().unwrap_or(Ty::Null);
        let l = self.fresh("l");
        let iter = self.iter_of(&element, &list.ty, &quote!(#l));
        if list.nullable {
            let code = list.operand();
            if is_ident(&iter, &l) {
                code
            } else {
                quote!(#code.map(|#l| #iter))
            }
        } else {
            let some = quote!(::core::option::Option::Some(#iter));
            let_in(&l, list, some)
        }
    }

    /// An iterator over the elements of the non-null list in `code` (of type `list_ty`).
    fn iter_of(&mut self, element: &Ty, list_ty: &Ty, code: &TokenStream) -> TokenStream {
        if !matches!(list_ty, Ty::Slice(_)) {
            return code.clone();
        }
        let convert = self.convert_refs(element);
        quote!(#code.iter()#convert)
    }

    /// What turns an `Option` or iterator of `&T` (list or map elements) into the value
    /// representation: `.map(|e| e.as_str())`, `.copied()`, or nothing for structures and
    /// maps, whose references already are it.
    fn convert_refs(&mut self, element: &Ty) -> TokenStream {
        let e = self.fresh("e");
        match element {
            Ty::Str(None) => quote!(.map(|#e| #e.as_str())),
            Ty::Num(Num::Timestamp) => quote!(.map(|#e| #e.as_secs_f64())),
            Ty::Num(_) | Ty::Bool => quote!(.copied()),
            Ty::Slice(_) => quote!(.map(|#e| #e.as_slice())),
            Ty::Str(Some(_))
            | Ty::Struct(_)
            | Ty::Map(_)
            | Ty::Iter(_)
            | Ty::Null
            | Ty::Json(_) => {
                quote!()
            }
        }
    }

    /// The path of an enum's variant.
    fn variant(&self, info: &EnumInfo, value: &str) -> Option<TokenStream> {
        let variant = info.variants.get(value)?;
        let sdk = &self.sdk;
        let ty = format_ident!("{}", info.rust);
        let variant = format_ident!("{}", variant);
        Some(quote!(#sdk::types::#ty::#variant))
    }

    /// A string value as `&str` (an enum through `as_str()`).
    fn text(&mut self, value: &Val) -> Val {
        if !matches!(value.ty, Ty::Str(Some(_))) {
            return value.clone();
        }
        let c = value.operand();
        let code = if value.nullable {
            let e = self.fresh("e");
            quote!(#c.map(|#e| #e.as_str()))
        } else {
            quote!(#c.as_str())
        };
        Val {
            code,
            ty: Ty::Str(None),
            simple: false,
            prec: Prec::Atom,
            negation: None,
            ..value.clone()
        }
    }

    /// The type of a shape.
    fn ty_of_shape(&self, shape: &str) -> Result<Ty> {
        Ok(match self.table.shape(shape) {
            Some(Shape::Structure(_)) => Ty::Struct(shape.to_owned()),
            Some(Shape::List(member)) => Ty::Slice(Box::new(self.ty_of_shape(member)?)),
            Some(Shape::Map(value)) => Ty::Map(Box::new(self.ty_of_shape(value)?)),
            Some(Shape::String(info)) => Ty::Str(info.as_ref().map(|info| EnumInfo {
                shape: shape.to_owned(),
                values: info.values.clone(),
                rust: info.rust.clone(),
                variants: info.variants.clone(),
            })),
            Some(Shape::Integer) => Ty::Num(Num::I32),
            Some(Shape::Long) => Ty::Num(Num::I64),
            Some(Shape::Double) => Ty::Num(Num::F64),
            Some(Shape::Float) => Ty::Num(Num::F32),
            Some(Shape::Boolean) => Ty::Bool,
            Some(Shape::Timestamp) => Ty::Num(Num::Timestamp),
            Some(Shape::Other(kind)) => {
                return type_error(format!("{shape} is a {kind}, which acceptors cannot read"));
            }
            None => return type_error(format!("the shape table has no shape {shape}")),
        })
    }

    /// The code reading `member` (target shape `target`) of the non-null `&structure` in
    /// `owner`: an `Option` of the value representation.
    pub(crate) fn member_access(
        &mut self,
        structure: &str,
        owner: &TokenStream,
        member: &str,
        target: &str,
    ) -> Result<(TokenStream, Ty)> {
        let (code, ty, correction) = self.member_read(structure, owner, member, target)?;
        Ok(match correction {
            Some(Correction { var, present, .. }) => (quote!(#code.filter(|#var| #present)), ty),
            None => (code, ty),
        })
    }

    /// [`member_access`](Self::member_access) without applying the correction test.
    fn member_read(
        &mut self,
        structure: &str,
        owner: &TokenStream,
        member: &str,
        target: &str,
    ) -> Result<(TokenStream, Ty, Option<Correction>)> {
        if self.table.is_deprecated(structure, member) {
            self.deprecated = true;
        }
        let getter = rust_ident(&getter_name(member)).ok_or_else(|| {
            CompileError::Type(format!(
                "member `{member}` has no Rust getter name the code generator knows"
            ))
        })?;
        let ty = self.ty_of_shape(target)?;
        let code = match &ty {
            // The field, not the getter: `null` and `[]` differ in JMESPath.
            Ty::Slice(_) => quote!(#owner.#getter.as_deref()),
            Ty::Num(Num::Timestamp) => {
                let e = self.fresh("e");
                quote!(#owner.#getter().map(|#e| #e.as_secs_f64()))
            }
            _ => quote!(#owner.#getter()),
        };
        if !self.table.is_corrected(structure, member) {
            return Ok((code, ty, None));
        }
        // A required member the response lacked holds the SDK's default ("", 0, false, [],
        // "no value was set"); JMESPath over the response sees null there, so read the
        // default as null. (AWS does not send these defaults for required members.)
        let e = self.fresh("e");
        let (present, absent) = match &ty {
            Ty::Str(Some(info)) => {
                // A known variant is set; only an unknown one can be the default (tested by
                // discriminant first, so the common case reads no string).
                let sentinel = Literal::string(CORRECTED_ENUM_VALUE);
                let known: Vec<TokenStream> = info
                    .values
                    .iter()
                    .filter_map(|v| self.variant(info, v))
                    .collect();
                if known.is_empty() {
                    (
                        quote!(#e.as_str() != #sentinel),
                        quote!(#e.as_str() == #sentinel),
                    )
                } else {
                    (
                        quote!(::core::matches!(#e, #(#known)|*) || #e.as_str() != #sentinel),
                        quote!(!::core::matches!(#e, #(#known)|*) && #e.as_str() == #sentinel),
                    )
                }
            }
            Ty::Str(None) | Ty::Slice(_) | Ty::Map(_) => {
                (quote!(!#e.is_empty()), quote!(#e.is_empty()))
            }
            Ty::Num(Num::I32 | Num::I64 | Num::Usize) => (quote!(*#e != 0), quote!(*#e == 0)),
            Ty::Num(Num::F32 | Num::F64 | Num::Timestamp) => {
                (quote!(*#e != 0.0), quote!(*#e == 0.0))
            }
            Ty::Bool => (quote!(*#e), quote!(!*#e)),
            Ty::Struct(_) | Ty::Iter(_) | Ty::Null | Ty::Json(_) => return Ok((code, ty, None)),
        };
        Ok((
            code,
            ty,
            Some(Correction {
                var: e,
                present,
                absent,
            }),
        ))
    }

    /// Whether `member` of the elements (`element`) of a projection is a corrected enum,
    /// whose correction a `pathAll` can apply late.
    fn deferrable(&self, element: &Ty, member: &str) -> bool {
        let Ty::Struct(shape) = element else {
            return false;
        };
        let Some(target) = self.table.member(shape, member) else {
            return false;
        };
        self.table.is_corrected(shape, member)
            && matches!(self.table.shape(target), Some(Shape::String(Some(_))))
    }

    /// Applies a projection's pending correction: drops the elements that hold the SDK's
    /// default.
    fn settle(&mut self, value: Val) -> Val {
        let value = Val {
            fields: None,
            ..value
        };
        let Some(Correction { var, present, .. }) = value.skip.clone() else {
            return value;
        };
        let c = value.operand();
        let code = if value.nullable {
            let l = self.fresh("l");
            quote!(#c.map(|#l| #l.filter(|&#var| #present)))
        } else {
            quote!(#c.filter(|&#var| #present))
        };
        Val {
            code,
            skip: None,
            simple: false,
            prec: Prec::Atom,
            ..value
        }
    }

    /// Compiles `ast` with `cur` as the current node.
    fn compile(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        let value = self.compile_unsettled(ast, cur)?;
        Ok(self.settle(value))
    }

    /// [`compile`](Self::compile), leaving a projection's correction to the caller.
    fn compile_unsettled(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        match ast {
            Ast::Identity { .. } => Ok(cur.clone()),
            Ast::Field { name, offset } => self.field(name, *offset, cur),
            Ast::Subexpr { lhs, rhs, .. } => {
                let left = self.compile(lhs, cur)?;
                if uses_current_once(rhs) {
                    self.compile(rhs, &left)
                } else {
                    self.with_bound(&left, |this, left| this.compile(rhs, left))
                }
            }
            Ast::Index { idx, offset } => self.index(*idx, *offset, cur),
            Ast::Projection { lhs, rhs, offset } => self.projection(lhs, rhs, *offset, cur),
            Ast::Flatten { node, offset } => self.flatten(node, *offset, cur),
            Ast::Literal { value, offset } => literal(value, *offset),
            Ast::Comparison {
                comparator,
                lhs,
                rhs,
                offset,
            } => self.with_bound(cur, |this, cur| {
                let a = this.compile(lhs, cur)?;
                let b = this.compile(rhs, cur)?;
                this.comparison(comparator, &a, &b, *offset)
            }),
            Ast::Not { .. } | Ast::And { .. } | Ast::Or { .. } => self.logic(ast, cur),
            Ast::Function { name, args, offset } => self.function(name, args, *offset, cur),
            Ast::Condition { offset, .. } => unsupported(*offset, "a filter outside a projection"),
            Ast::Slice { offset, .. } => unsupported(*offset, "a slice (`[start:stop:step]`)"),
            Ast::ObjectValues { offset, .. } => {
                unsupported(*offset, "an object wildcard (`*` over an object)")
            }
            Ast::MultiList { offset, .. } => unsupported(*offset, "a multi-select list (`[a, b]`)"),
            Ast::MultiHash { offset, .. } => unsupported(*offset, "a multi-select hash (`{a: b}`)"),
            Ast::Expref { offset, .. } => unsupported(*offset, "an expression reference (`&expr`)"),
        }
    }

    /// Runs `f` with `cur` held in a variable when it is not one already, so that `f` may
    /// use it several times; the variable is left out when `f` does not use it.
    fn with_bound(
        &mut self,
        cur: &Val,
        f: impl FnOnce(&mut Self, &Val) -> Result<Val>,
    ) -> Result<Val> {
        if cur.simple {
            return f(self, cur);
        }
        let var = self.fresh("v");
        let bound = Val {
            fallible: false,
            ..Val::variable(&var, cur.ty.clone(), cur.nullable)
        };
        let mut result = f(self, &bound)?;
        let init = &cur.code;
        let body = &result.code;
        result.code = if mentions(&result.code, &var) > 0 {
            quote!({ let #var = #init; #body })
        } else if cur.fallible {
            // Still evaluated: its error ends the search, as in JMESPath.
            quote!({ let _ = #init; #body })
        } else {
            return Ok(result);
        };
        result.fallible |= cur.fallible;
        result.simple = false;
        result.prec = Prec::Atom;
        result.constant = None;
        result.negation = None;
        Ok(result)
    }

    fn field(&mut self, name: &str, offset: usize, cur: &Val) -> Result<Val> {
        match &cur.ty {
            Ty::Struct(shape) => {
                let Some(target) = self.table.member(shape, name).map(str::to_owned) else {
                    let members = self.table.member_names(shape);
                    return Err(CompileError::UnknownMember {
                        shape: shape.clone(),
                        member: name.to_owned(),
                        suggestion: suggest(name, members).map(str::to_owned),
                        missing_from_sdk: self
                            .table
                            .is_missing_from_sdk(shape, name)
                            .then(|| self.table.sdk.clone()),
                    });
                };
                let shape = shape.clone();
                let (code, ty) = if cur.nullable {
                    let o = self.fresh("o");
                    let (access, ty) = self.member_access(&shape, &quote!(#o), name, &target)?;
                    let c = cur.operand();
                    (quote!(#c.and_then(|#o| #access)), ty)
                } else {
                    self.member_access(&shape, &cur.operand(), name, &target)?
                };
                Ok(Val::new(code, ty, true, cur.fallible))
            }
            Ty::Map(value) => {
                let value = (**value).clone();
                let key = Literal::string(name);
                let m = self.fresh("m");
                let convert = self.convert_refs(&value);
                let get = quote!(#m.get(#key)#convert);
                let code = if cur.nullable {
                    let c = cur.operand();
                    quote!(#c.and_then(|#m| #get))
                } else {
                    let_in(&m, cur, get)
                };
                Ok(Val::new(code, value, true, cur.fallible))
            }
            Ty::Slice(_) | Ty::Iter(_) => type_error(format!(
                "`{name}` (column {offset}) is looked up on {}, which has no members; \
                 project over the list with `[].{name}` or `[*].{name}`",
                cur.ty.describe()
            )),
            other => type_error(format!(
                "`{name}` (column {offset}) is looked up on {}, which has no members",
                other.describe()
            )),
        }
    }

    fn index(&mut self, idx: i32, offset: usize, cur: &Val) -> Result<Val> {
        let Some(element) = cur.ty.element().cloned() else {
            return type_error(format!(
                "`[{idx}]` (column {offset}) indexes {}, which is not a list",
                cur.ty.describe()
            ));
        };
        let l = self.fresh("l");
        let n = Literal::usize_unsuffixed(idx.unsigned_abs() as usize);
        let pick = match &cur.ty {
            Ty::Slice(_) => {
                let get = if idx == 0 {
                    quote!(#l.first())
                } else if idx == -1 {
                    quote!(#l.last())
                } else if idx > 0 {
                    quote!(#l.get(#n))
                } else {
                    let i = self.fresh("i");
                    quote!(#l.len().checked_sub(#n).and_then(|#i| #l.get(#i)))
                };
                let convert = self.convert_refs(&element);
                quote!(#get #convert)
            }
            _ if idx == 0 => quote!(#l.next()),
            // Every projection iterator is double-ended.
            _ if idx == -1 => quote!(#l.next_back()),
            _ if idx > 0 => quote!(#l.nth(#n)),
            _ => {
                let all = self.fresh("all");
                let i = self.fresh("i");
                quote!({
                    let #all: ::std::vec::Vec<_> = #l.collect();
                    #all.len().checked_sub(#n).and_then(|#i| #all.into_iter().nth(#i))
                })
            }
        };
        let iterator = matches!(cur.ty, Ty::Iter(_));
        let code = if cur.nullable {
            let c = cur.operand();
            let param = if iterator { quote!(mut #l) } else { quote!(#l) };
            quote!(#c.and_then(|#param| #pick))
        } else if iterator {
            let c = &cur.code;
            quote!({ let mut #l = #c; #pick })
        } else {
            let_in(&l, cur, pick)
        };
        Ok(Val::new(code, element, true, cur.fallible))
    }

    fn projection(&mut self, lhs: &Ast, rhs: &Ast, offset: usize, cur: &Val) -> Result<Val> {
        let left = self.compile(lhs, cur)?;
        let Some(element) = left.ty.element().cloned() else {
            return type_error(format!(
                "the projection at column {offset} goes over {}, which is not a list",
                left.ty.describe()
            ));
        };
        let l = self.fresh("l");
        let base = self.iter_of(&element, &left.ty, &quote!(#l));
        let v = self.fresh("v");
        let copy = !matches!(element, Ty::Iter(_));
        let item = Val::variable(&v, element.clone(), false);
        let mut skip = None;
        let mut fields = None;
        let (iter, ty, eager) = match rhs {
            Ast::Identity { .. } => (base, element.clone(), false),
            Ast::Condition {
                predicate, then, ..
            } => {
                let keep = self.truthy(predicate, &item)?;
                if matches!(**then, Ast::Identity { .. }) && !keep.fallible {
                    let param = if mentions(&keep.code, &v) == 0 {
                        quote!(_)
                    } else if copy {
                        quote!(&#v)
                    } else {
                        quote!(#v)
                    };
                    let k = &keep.code;
                    (quote!(#base.filter(|#param| #k)), element.clone(), false)
                } else {
                    let kept = self.compile(then, &item)?;
                    let value = kept.option();
                    let k = self.fresh("keep");
                    let keep_code = &keep.code;
                    let body = quote!({
                        let #k = #keep_code;
                        if #k { #value } else { ::core::option::Option::None }
                    });
                    let fallible = keep.fallible || kept.fallible;
                    let param = param_for(&body, &v);
                    let mapped = if fallible {
                        eager_map(&base, &param, &body)
                    } else {
                        quote!(#base.filter_map(|#param| #body))
                    };
                    (mapped, kept.ty, fallible)
                }
            }
            Ast::Field { name, .. } if self.deferrable(&element, name) => {
                let shape = match &element {
                    Ty::Struct(shape) => shape.clone(),
                    _ => String::new(),
                };
                let target = self
                    .table
                    .member(&shape, name)
                    .unwrap_or_default()
                    .to_owned();
                let (read, ty, correction) =
                    self.member_read(&shape, &quote!(#v), name, &target)?;
                skip = correction;
                if matches!(left.ty, Ty::Slice(_)) {
                    fields = Some(FieldProjection {
                        list: left.code.clone(),
                        nullable: left.nullable,
                        var: v.clone(),
                        read: read.clone(),
                    });
                }
                (quote!(#base.filter_map(|#v| #read)), ty, false)
            }
            _ => {
                let mapped = self.compile(rhs, &item)?;
                let param = param_for(&mapped.code, &v);
                let body = &mapped.code;
                let code = if mapped.fallible {
                    eager_map(&base, &param, &mapped.option())
                } else if mapped.nullable {
                    quote!(#base.filter_map(|#param| #body))
                } else {
                    quote!(#base.map(|#param| #body))
                };
                (code, mapped.ty, mapped.fallible)
            }
        };
        let code = wrap_list(&left, &l, &iter, eager);
        Ok(Val {
            skip,
            fields,
            ..Val::new(
                code,
                Ty::Iter(Box::new(ty)),
                left.nullable,
                left.fallible || eager,
            )
        })
    }

    fn flatten(&mut self, node: &Ast, offset: usize, cur: &Val) -> Result<Val> {
        let left = self.compile(node, cur)?;
        let Some(element) = left.ty.element().cloned() else {
            return type_error(format!(
                "`[]` at column {offset} flattens {}, which is not a list",
                left.ty.describe()
            ));
        };
        let (iter_code, ty) = match &element {
            Ty::Slice(inner) => {
                let l = self.fresh("l");
                let base = self.iter_of(&element, &left.ty, &quote!(#l));
                let x = self.fresh("x");
                let inner_iter = self.iter_of(inner, &element, &quote!(#x));
                (
                    (l, quote!(#base.flat_map(|#x| #inner_iter))),
                    (**inner).clone(),
                )
            }
            Ty::Iter(inner) => {
                let l = self.fresh("l");
                let base = self.iter_of(&element, &left.ty, &quote!(#l));
                ((l, quote!(#base.flatten())), (**inner).clone())
            }
            // Flattening a list of non-lists gives the same list.
            _ => return Ok(left),
        };
        let (l, iter) = iter_code;
        let code = wrap_list(&left, &l, &iter, false);
        Ok(Val::new(
            code,
            Ty::Iter(Box::new(ty)),
            left.nullable,
            left.fallible,
        ))
    }

    fn comparison(
        &mut self,
        comparator: &Comparator,
        a: &Val,
        b: &Val,
        offset: usize,
    ) -> Result<Val> {
        let fallible = a.fallible || b.fallible;
        if let Comparator::Equal | Comparator::NotEqual = comparator {
            let (eq, ne) = self.equality(a, b, offset)?;
            let (code, negation) = if matches!(comparator, Comparator::Equal) {
                (eq, ne)
            } else {
                (ne, eq)
            };
            return Ok(Val {
                negation: Some(negation),
                ..Val::boolean(code.0, code.1, fallible)
            });
        }
        let helper = match comparator {
            Comparator::LessThan => quote!(num_lt),
            Comparator::LessThanEqual => quote!(num_le),
            Comparator::GreaterThan => quote!(num_gt),
            _ => quote!(num_ge),
        };
        match (&a.ty, &b.ty) {
            (Ty::Num(_), Ty::Num(_)) => {
                let (x, y) = (a.option(), b.option());
                let private = &self.private;
                Ok(Val::new(
                    quote!(#private::#helper(#x, #y)),
                    Ty::Bool,
                    true,
                    fallible,
                ))
            }
            (x, y) => type_error(format!(
                "the comparison at column {offset} orders {} and {}, but `<`, `<=`, `>` and \
                 `>=` only order numbers (JMESPath gives null)",
                x.describe(),
                y.describe()
            )),
        }
    }

    /// `a == b` with JMESPath's equality: the code of `==` and of `!=`, each with its
    /// precedence (so that `!(a == b)` is never written).
    fn equality(&mut self, a: &Val, b: &Val, offset: usize) -> Result<(Coded, Coded)> {
        let never = |a: &Ty, b: &Ty| {
            type_error(format!(
                "the comparison at column {offset} compares {} with {}, which are never equal",
                a.describe(),
                b.describe()
            ))
        };
        // Literals on the right, to halve the cases.
        let (a, b) = if matches!(a.ty, Ty::Null | Ty::Json(_)) && !matches!(b.ty, Ty::Null) {
            (b, a)
        } else {
            (a, b)
        };
        match (&a.ty, &b.ty) {
            (Ty::Null, Ty::Null) => Ok(((quote!(true), Prec::Atom), (quote!(false), Prec::Atom))),
            (_, Ty::Null) if a.nullable => {
                let x = a.operand();
                Ok((
                    (quote!(#x.is_none()), Prec::Atom),
                    (quote!(#x.is_some()), Prec::Atom),
                ))
            }
            (ty, Ty::Null) => type_error(format!(
                "the comparison at column {offset} tests whether {} is null, which it never is",
                ty.describe()
            )),
            (Ty::Json(_), _) => unsupported(offset, "a comparison of two literals"),
            (ty, Ty::Json(_) | Ty::Str(_)) if literal_of(b).is_some() => {
                let literal = literal_of(b).unwrap_or(Value::Null);
                let ty = ty.clone();
                let x = self.fresh("x");
                let eq = match self.literal_eq(Equality::Jmespath, &ty, &quote!(#x), &literal) {
                    Ok(eq) => eq,
                    Err(Some(message)) => return type_error(message),
                    Err(None) => return never(&ty, &b.ty),
                };
                let code = if a.nullable {
                    let c = a.operand();
                    quote!(#c.is_some_and(|#x| #eq))
                } else {
                    let_in(&x, a, eq)
                };
                Ok(((code.clone(), Prec::Atom), (quote!(!#code), Prec::Unary)))
            }
            (Ty::Str(enum_a), Ty::Str(enum_b)) => {
                check_enum_literal(enum_a.as_ref(), b)?;
                check_enum_literal(enum_b.as_ref(), a)?;
                // Two values of one enum compare as enums; anything else as text.
                let (a, b) = if enum_a.is_some() && enum_a == enum_b {
                    (a.clone(), b.clone())
                } else {
                    (self.text(a), self.text(b))
                };
                let (x, y) = if a.nullable == b.nullable {
                    (a.operand_at(Prec::Unary), b.operand_at(Prec::Unary))
                } else {
                    (a.option(), b.option())
                };
                Ok((
                    (quote!(#x == #y), Prec::Compare),
                    (quote!(#x != #y), Prec::Compare),
                ))
            }
            (Ty::Bool, Ty::Bool) => {
                let (x, y) = if a.nullable == b.nullable {
                    (a.operand_at(Prec::Unary), b.operand_at(Prec::Unary))
                } else {
                    (a.option(), b.option())
                };
                Ok((
                    (quote!(#x == #y), Prec::Compare),
                    (quote!(#x != #y), Prec::Compare),
                ))
            }
            (Ty::Num(_), Ty::Num(_)) => {
                let (x, y) = (a.option(), b.option());
                let private = &self.private;
                let code = quote!(#private::num_eq(#x, #y));
                Ok(((code.clone(), Prec::Atom), (quote!(!#code), Prec::Unary)))
            }
            (x, y) if x.is_list() && y.is_list() => {
                unsupported(offset, "a comparison of two lists that are not literals")
            }
            (Ty::Struct(_) | Ty::Map(_), _) | (_, Ty::Struct(_) | Ty::Map(_)) => unsupported(
                offset,
                format!(
                    "a comparison of {} with {}",
                    a.ty.describe(),
                    b.ty.describe()
                ),
            ),
            (x, y) => never(x, y),
        }
    }

    /// `x == literal` for the non-null value in `x` of type `ty`.
    fn literal_eq(
        &mut self,
        equality: Equality,
        ty: &Ty,
        x: &TokenStream,
        literal: &Value,
    ) -> std::result::Result<TokenStream, Mismatch> {
        let private = self.private.clone();
        Ok(match (ty, literal) {
            (Ty::Str(Some(info)), Value::String(s)) => {
                if !info.values.contains(s) {
                    return Err(Some(unknown_enum_value(info, s)));
                }
                match self.variant(info, s) {
                    Some(variant) => quote!(::core::matches!(#x, #variant)),
                    // A value this SDK version has no variant for: compare the text.
                    None => {
                        let s = Literal::string(s);
                        quote!(#x.as_str() == #s)
                    }
                }
            }
            (Ty::Str(None), Value::String(s)) => {
                let s = Literal::string(s);
                quote!(#x == #s)
            }
            (Ty::Num(_), Value::Number(n)) => match equality {
                Equality::Jmespath => {
                    let n = number_literal(n);
                    quote!(#private::num_eq(
                        ::core::option::Option::Some(#x),
                        ::core::option::Option::Some(#n)
                    ))
                }
                Equality::Expected => match n.as_i128() {
                    Some(i) => {
                        let i = Literal::i128_suffixed(i);
                        quote!(#private::expected_int(#x, #i))
                    }
                    None => {
                        let f = Literal::f64_suffixed(n.as_f64().unwrap_or(0.0));
                        quote!(#private::expected_float(#x, #f))
                    }
                },
            },
            (Ty::Bool, Value::Bool(true)) => x.clone(),
            (Ty::Bool, Value::Bool(false)) => quote!(!#x),
            (list, Value::Array(items)) if list.is_list() => {
                let element = list.element().cloned().unwrap_or(Ty::Null);
                let it = self.fresh("it");
                let iter = self.iter_of(&element, list, x);
                let mut checks = Vec::new();
                for item in items {
                    let y = self.fresh("y");
                    let eq = self.literal_eq(equality, &element, &quote!(#y), item)?;
                    checks.push(quote!(#it.next().is_some_and(|#y| #eq)));
                }
                quote!({
                    let mut #it = #iter;
                    #(#checks &&)* #it.next().is_none()
                })
            }
            (Ty::Struct(_) | Ty::Map(_), Value::Object(_)) => {
                return Err(Some(format!(
                    "comparing {} with a JSON object is not supported",
                    ty.describe()
                )));
            }
            _ => return Err(None),
        })
    }

    /// `!`, `&&` and `||` as values. JMESPath's `a && b` gives `a` when `a` is falsy, else
    /// `b` (and `||` the other way round), so they keep a Rust type only when both sides
    /// have the same scalar type; anywhere else they are used through their truth.
    fn logic(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        let (lhs, rhs, and, offset) = match ast {
            Ast::And { lhs, rhs, offset } => (lhs, rhs, true, *offset),
            Ast::Or { lhs, rhs, offset } => (lhs, rhs, false, *offset),
            _ => return self.truthy(ast, cur),
        };
        self.with_bound(cur, |this, cur| {
            let a = this.compile(lhs, cur)?;
            let b = this.compile(rhs, cur)?;
            let fallible = a.fallible || b.fallible;
            if a.ty == Ty::Bool && b.ty == Ty::Bool && !a.nullable && !b.nullable {
                // Plain booleans: Rust's operators are exactly JMESPath's.
                let (prec, op) = if and {
                    (Prec::And, quote!(&&))
                } else {
                    (Prec::Or, quote!(||))
                };
                let (x, y) = (a.operand_at(prec), b.operand_at(Prec::Compare));
                return Ok(Val::boolean(quote!(#x #op #y), prec, fallible));
            }
            if a.ty != b.ty || !matches!(a.ty, Ty::Bool | Ty::Str(_) | Ty::Num(_)) {
                return unsupported(
                    offset,
                    format!(
                        "`{}` between {} and {} outside a filter or `!` (it gives one of the \
                         two values, which Rust cannot type)",
                        if and { "&&" } else { "||" },
                        a.ty.describe(),
                        b.ty.describe()
                    ),
                );
            }
            let first = this.fresh("a");
            let decided = this.fresh("decided");
            let truthy = this.truthy_value(&Val::variable(&first, a.ty.clone(), true));
            let (x, y) = (a.option(), b.option());
            let pick = if and {
                quote!(if #decided { #y } else { #first })
            } else {
                quote!(if #decided { #first } else { #y })
            };
            Ok(Val::new(
                quote!({
                    let #first = #x;
                    let #decided = #truthy;
                    #pick
                }),
                a.ty.clone(),
                true,
                fallible,
            ))
        })
    }

    /// `ast` as a condition (JMESPath truthiness): a non-null `bool`.
    fn truthy(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        match ast {
            Ast::And { lhs, rhs, .. } | Ast::Or { lhs, rhs, .. } => {
                let and = matches!(ast, Ast::And { .. });
                self.with_bound(cur, |this, cur| {
                    let a = this.truthy(lhs, cur)?;
                    let b = this.truthy(rhs, cur)?;
                    let (prec, op) = if and {
                        (Prec::And, quote!(&&))
                    } else {
                        (Prec::Or, quote!(||))
                    };
                    // Left-associative: the right operand needs parentheses at equal
                    // precedence only for another operator, which is lower.
                    let (x, y) = (a.operand_at(prec), b.operand_at(prec));
                    Ok(Val::boolean(
                        quote!(#x #op #y),
                        prec,
                        a.fallible || b.fallible,
                    ))
                })
            }
            Ast::Not { node, .. } => {
                let inner = self.truthy(node, cur)?;
                let negated = match &inner.negation {
                    Some((code, prec)) => Val::boolean(code.clone(), *prec, inner.fallible),
                    None => {
                        let code = inner.operand_at(Prec::Unary);
                        Val::boolean(quote!(!#code), Prec::Unary, inner.fallible)
                    }
                };
                Ok(Val {
                    negation: Some((inner.code.clone(), inner.prec)),
                    ..negated
                })
            }
            _ => {
                let value = self.compile(ast, cur)?;
                if let Ty::Struct(shape) = &value.ty {
                    return type_error(format!(
                        "the truth of a {shape} structure depends on members the typed output \
                         may not show; test one of its members instead"
                    ));
                }
                if value.ty == Ty::Bool && !value.nullable {
                    return Ok(value);
                }
                let code = self.truthy_value(&value);
                // Matches the shapes `truthy_value` writes.
                let prec = match (&value.ty, value.nullable) {
                    (Ty::Bool, true) => Prec::Compare,
                    (Ty::Str(_) | Ty::Slice(_) | Ty::Map(_), false) => Prec::Unary,
                    _ => Prec::Atom,
                };
                let negation = (value.ty == Ty::Bool && value.nullable).then(|| {
                    let c = value.operand();
                    (
                        quote!(#c != ::core::option::Option::Some(true)),
                        Prec::Compare,
                    )
                });
                Ok(Val {
                    negation,
                    ..Val::boolean(code, prec, value.fallible)
                })
            }
        }
    }

    /// JMESPath truthiness of a compiled value, as `bool` code.
    fn truthy_value(&mut self, value: &Val) -> TokenStream {
        let value = &self.text(value);
        let c = value.operand();
        let t = self.fresh("t");
        if value.nullable {
            match &value.ty {
                Ty::Bool => quote!(#c == ::core::option::Option::Some(true)),
                Ty::Str(_) | Ty::Slice(_) | Ty::Map(_) => {
                    quote!(#c.is_some_and(|#t| !#t.is_empty()))
                }
                Ty::Iter(_) => quote!(#c.is_some_and(|mut #t| #t.next().is_some())),
                Ty::Num(_) | Ty::Struct(_) => quote!(#c.is_some()),
                Ty::Null => quote!(false),
                Ty::Json(v) => json_truthy(v),
            }
        } else {
            match &value.ty {
                Ty::Bool => value.code.clone(),
                Ty::Str(_) | Ty::Slice(_) | Ty::Map(_) => quote!(!#c.is_empty()),
                Ty::Iter(_) => {
                    let code = &value.code;
                    quote!({ let mut #t = #code; #t.next().is_some() })
                }
                Ty::Num(_) | Ty::Struct(_) if value.fallible => {
                    let code = &value.code;
                    quote!({ let _ = #code; true })
                }
                Ty::Num(_) | Ty::Struct(_) => quote!(true),
                Ty::Null => quote!(false),
                Ty::Json(v) => json_truthy(v),
            }
        }
    }

    fn function(&mut self, name: &str, args: &[Ast], offset: usize, cur: &Val) -> Result<Val> {
        match (name, args) {
            ("length", [arg]) => {
                let x = self.compile(arg, cur)?;
                let x = self.text(&x);
                let subject = if x.nullable {
                    // length(null) is a JMESPath error: the acceptor does not match.
                    let c = x.operand();
                    quote!(#c?)
                } else {
                    x.operand()
                };
                let code = match &x.ty {
                    Ty::Str(_) => quote!(#subject.chars().count()),
                    Ty::Slice(_) | Ty::Map(_) => quote!(#subject.len()),
                    Ty::Iter(_) => quote!(#subject.count()),
                    Ty::Struct(shape) => {
                        return unsupported(
                            offset,
                            format!(
                                "length() of a {shape} structure (the number of members \
                                 present in the JSON, which the typed output does not keep)"
                            ),
                        );
                    }
                    other => {
                        return type_error(format!(
                            "length() at column {offset} is given {}, which is a JMESPath \
                             error at run time (it takes a string, a list or an object)",
                            other.describe()
                        ));
                    }
                };
                Ok(Val::new(
                    code,
                    Ty::Num(Num::Usize),
                    false,
                    x.fallible || x.nullable,
                ))
            }
            ("contains", [haystack, needle]) => self.with_bound(cur, |this, cur| {
                let h = this.compile(haystack, cur)?;
                let n = this.compile(needle, cur)?;
                this.contains(&h, &n, offset)
            }),
            ("length" | "contains", _) => type_error(format!(
                "{name}() at column {offset} takes {} argument(s), given {}",
                if name == "length" { 1 } else { 2 },
                args.len()
            )),
            _ => unsupported(offset, format!("the function {name}()")),
        }
    }

    fn contains(&mut self, h: &Val, n: &Val, offset: usize) -> Result<Val> {
        let (h, n) = match (&h.ty, &n.ty) {
            (Ty::Str(_), Ty::Str(_)) => (self.text(h), self.text(n)),
            _ => (h.clone(), n.clone()),
        };
        let (h, n) = (&h, &n);
        let needle_literal = literal_of(n);
        let hv = self.fresh("h");
        let nv = self.fresh("n");
        let never = |h: &Ty, n: &Ty| {
            type_error(format!(
                "contains() at column {offset} looks for {} in {}: never found",
                n.describe(),
                h.describe()
            ))
        };
        let test = match (&h.ty, &n.ty) {
            (Ty::Str(_), Ty::Str(_)) => quote!(#hv.contains(#nv)),
            (list, needle_ty) if list.is_list() => {
                let element = list.element().cloned().unwrap_or(Ty::Null);
                let e = self.fresh("e");
                let iter = self.iter_of(&element, list, &quote!(#hv));
                let eq = match (needle_ty, &needle_literal) {
                    (_, Some(literal)) => {
                        match self.literal_eq(Equality::Jmespath, &element, &quote!(#e), literal) {
                            Ok(eq) => eq,
                            Err(Some(message)) => return type_error(message),
                            Err(None) => return never(list, needle_ty),
                        }
                    }
                    (Ty::Null, _) => return never(list, needle_ty),
                    _ => {
                        let item = Val::variable(&e, element.clone(), false);
                        let needle = Val {
                            constant: n.constant.clone(),
                            ..Val::variable(&nv, needle_ty.clone(), false)
                        };
                        match self.equality(&item, &needle, offset) {
                            Ok(((eq, _), _)) => eq,
                            Err(CompileError::Type(message)) if message.contains(" is not a ") => {
                                return type_error(message);
                            }
                            Err(_) => return never(list, needle_ty),
                        }
                    }
                };
                quote!(#iter.any(|#e| #eq))
            }
            (Ty::Str(_), other) => return never(&h.ty, other),
            (other, _) => {
                return type_error(format!(
                    "contains() at column {offset} searches {}, which is a JMESPath error at \
                     run time (it takes a string or a list)",
                    other.describe()
                ));
            }
        };
        // Both arguments are evaluated first, as JMESPath does; a null haystack is an error.
        let subject = if h.nullable {
            let c = h.operand();
            quote!(#c?)
        } else {
            h.code.clone()
        };
        let needle = &n.code;
        let literal_needle = needle_literal.is_some() && h.ty.is_list();
        let (needle_init, body) = match &n.ty {
            _ if literal_needle => (quote!(), test),
            _ if n.nullable => (
                quote!(let #nv = #needle;),
                quote!(#nv.is_some_and(|#nv| #test)),
            ),
            _ => (quote!(let #nv = #needle;), test),
        };
        let binding = if matches!(h.ty, Ty::Iter(_)) {
            quote!(mut #hv)
        } else {
            quote!(#hv)
        };
        let code = quote!({
            let #binding = #subject;
            #needle_init
            #body
        });
        Ok(Val::new(
            code,
            Ty::Bool,
            false,
            h.fallible || h.nullable || n.fallible,
        ))
    }
}

/// A literal's value.
fn literal(value: &Variable, offset: usize) -> Result<Val> {
    Ok(match value {
        Variable::String(s) => {
            let lit = Literal::string(s);
            Val {
                constant: Some(s.clone()),
                ..Val::new(quote!(#lit), Ty::Str(None), false, false)
            }
        }
        Variable::Number(n) => {
            let kind = if n.is_f64() { Num::F64 } else { Num::I64 };
            Val::new(number_literal(n), Ty::Num(kind), false, false)
        }
        Variable::Bool(b) => Val::new(quote!(#b), Ty::Bool, false, false),
        Variable::Null => Val::new(quote!(()), Ty::Null, false, false),
        Variable::Array(_) | Variable::Object(_) => {
            let json = serde_json::to_value(value).unwrap_or(Value::Null);
            Val::new(quote!(()), Ty::Json(json), false, false)
        }
        Variable::Expref(_) => return unsupported(offset, "an expression reference (`&expr`)"),
    })
}

/// The value of a literal string, array or object operand.
fn literal_of(value: &Val) -> Option<Value> {
    match (&value.ty, &value.constant) {
        (Ty::Json(literal), _) => Some(literal.clone()),
        (Ty::Str(None), Some(text)) => Some(Value::String(text.clone())),
        _ => None,
    }
}

/// A JSON number as a suffixed Rust literal (`5i64`, `1.5f64`).
fn number_literal(n: &serde_json::Number) -> TokenStream {
    match n.as_i64() {
        Some(i) if !n.is_f64() => {
            let i = Literal::i64_suffixed(i);
            quote!(#i)
        }
        _ => {
            let f = Literal::f64_suffixed(n.as_f64().unwrap_or(0.0));
            quote!(#f)
        }
    }
}

/// JMESPath truthiness of a literal array or object.
fn json_truthy(value: &Value) -> TokenStream {
    let truthy = match value {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(_) => true,
        Value::Null => false,
    };
    quote!(#truthy)
}

/// `body` with `var` bound to `val`: the variable is replaced by the value's code when
/// that is a variable itself.
fn let_in(var: &Ident, val: &Val, body: TokenStream) -> TokenStream {
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
fn wrap_list(list: &Val, var: &Ident, iter: &TokenStream, eager: bool) -> TokenStream {
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
fn eager_map(base: &TokenStream, param: &TokenStream, body: &TokenStream) -> TokenStream {
    quote!(#base
        .map(|#param| ::core::option::Option::Some(#body))
        .collect::<::core::option::Option<::std::vec::Vec<_>>>()?
        .into_iter()
        .flatten())
}

/// The closure parameter for an element: `_` when the body does not use it.
fn param_for(body: &TokenStream, var: &Ident) -> TokenStream {
    if mentions(body, var) == 0 {
        quote!(_)
    } else {
        quote!(#var)
    }
}

fn parenthesize(code: &TokenStream, prec: Prec, needed: Prec) -> TokenStream {
    if prec < needed {
        quote!((#code))
    } else {
        code.clone()
    }
}

/// How many times `ident` occurs in `tokens`.
/// Whether `tokens` use `ident` anywhere.
pub(crate) fn mentions_ident(tokens: &TokenStream, ident: &Ident) -> bool {
    mentions(tokens, ident) > 0
}

fn mentions(tokens: &TokenStream, ident: &Ident) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(i) => usize::from(&i == ident),
            TokenTree::Group(g) => mentions(&g.stream(), ident),
            _ => 0,
        })
        .sum()
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

fn is_ident(tokens: &TokenStream, ident: &Ident) -> bool {
    let mut trees = tokens.clone().into_iter();
    matches!((trees.next(), trees.next()), (Some(TokenTree::Ident(i)), None) if &i == ident)
}

/// Whether a node reads the current node exactly once, in a position where its code can
/// be pasted (so no variable is needed).
fn uses_current_once(ast: &Ast) -> bool {
    match ast {
        Ast::Field { .. } | Ast::Index { .. } | Ast::Identity { .. } => true,
        Ast::Subexpr { lhs, .. } | Ast::Projection { lhs, .. } => uses_current_once(lhs),
        Ast::Flatten { node, .. } => uses_current_once(node),
        _ => false,
    }
}

/// The column of a node.
pub(crate) fn offset(ast: &Ast) -> usize {
    match ast {
        Ast::Comparison { offset, .. }
        | Ast::Condition { offset, .. }
        | Ast::Identity { offset }
        | Ast::Expref { offset, .. }
        | Ast::Flatten { offset, .. }
        | Ast::Function { offset, .. }
        | Ast::Field { offset, .. }
        | Ast::Index { offset, .. }
        | Ast::Literal { offset, .. }
        | Ast::MultiList { offset, .. }
        | Ast::MultiHash { offset, .. }
        | Ast::Not { offset, .. }
        | Ast::Projection { offset, .. }
        | Ast::ObjectValues { offset, .. }
        | Ast::And { offset, .. }
        | Ast::Or { offset, .. }
        | Ast::Slice { offset, .. }
        | Ast::Subexpr { offset, .. } => *offset,
    }
}

/// A string literal compared with an enum must be one of its values.
fn check_enum_literal(info: Option<&EnumInfo>, other: &Val) -> Result<()> {
    match (info, &other.constant) {
        (Some(info), Some(value)) if !info.values.contains(value) => {
            type_error(unknown_enum_value(info, value))
        }
        _ => Ok(()),
    }
}

fn unknown_enum_value(info: &EnumInfo, value: &str) -> String {
    let hint = match suggest(value, info.values.iter().map(String::as_str)) {
        Some(s) => format!(" (did you mean {s:?}?)"),
        None => String::new(),
    };
    format!(
        "{value:?} is not a {} value{hint}; {} values are {}",
        info.shape,
        info.shape,
        info.values.join(", ")
    )
}

/// A JSON value as messages name it: `the number 1`, `the string "X"`.
pub(crate) fn describe_json(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", Value::from(s.as_str())),
        Value::Array(_) => format!("the array {value}"),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use serde_json::json;
    use waiters_model::Expression;

    use super::*;

    /// Compiles a matcher over DescribeJobs's output: its code as a string, or the error.
    fn compile(matcher: &str, argument: &str, expected: Value) -> Result<CompiledMatch> {
        let table = ShapeTable::batch().expect("bundled table");
        let mut compiler = Compiler::new(table, &quote!(rt));
        let expression = Expression::compile(argument).expect("valid JMESPath");
        match matcher {
            "path" => compiler.path("DescribeJobsResponse", expression.ast(), &expected),
            "pathAll" => {
                compiler.path_list("DescribeJobsResponse", expression.ast(), &expected, true)
            }
            _ => compiler.path_list("DescribeJobsResponse", expression.ast(), &expected, false),
        }
    }

    fn code(matcher: &str, argument: &str, expected: Value) -> String {
        let compiled =
            compile(matcher, argument, expected).unwrap_or_else(|e| panic!("{argument}: {e:?}"));
        compiled.code.to_string()
    }

    fn error(matcher: &str, argument: &str, expected: Value) -> CompileError {
        match compile(matcher, argument, expected) {
            Ok(compiled) => panic!("{argument} compiled to {}", compiled.code),
            Err(e) => e,
        }
    }

    #[test]
    fn projection_of_an_enum_reads_the_list_field_and_matches_variants() {
        let status = quote!(rt::aws_sdk_batch::types::JobStatus);
        let known = quote!(#status::Submitted
            | #status::Pending
            | #status::Runnable
            | #status::Starting
            | #status::Running
            | #status::Succeeded
            | #status::Failed);
        // pathAll loops over the jobs as a hand-written loop does, and tests the SDK's
        // default for a missing status only on a mismatch.
        assert_eq!(
            code("pathAll", "jobs[].status", json!("SUCCEEDED")),
            quote!(rt::__private::path_all_fields(
                output.jobs.as_deref(),
                |__v3| __v3.status(),
                |__e4| !::core::matches!(__e4, #known) && __e4.as_str() == "no value was set",
                |__x5| ::core::matches!(__x5, #status::Succeeded)
            ))
            .to_string()
        );
        // pathAny never needs it.
        assert_eq!(
            code("pathAny", "jobs[].status", json!("FAILED")),
            quote!(rt::__private::path_any_fields(
                output.jobs.as_deref(),
                |__v3| __v3.status(),
                |__x5| ::core::matches!(__x5, #status::Failed)
            ))
            .to_string()
        );
        // A projection over a projection keeps the iterator, with the late test.
        let nested = code("pathAll", "jobs[?jobId][].status", json!("FAILED"));
        assert!(
            nested.starts_with("rt :: __private :: path_all_except"),
            "{nested}"
        );
        // Anywhere else the default is dropped from the list first.
        let length = code("path", "length(jobs[].status)", json!(1));
        assert!(
            length.contains(". filter (| & __e4 | :: core :: matches ! (__e4 ,"),
            "{length}"
        );
    }

    #[test]
    fn enums_are_text_where_jmespath_needs_strings() {
        let length = code("path", "length(jobs[0].status)", json!(7));
        assert!(
            length.contains(". as_str ()) ? . chars () . count ()"),
            "{length}"
        );
        let contains = code("path", "contains(jobs[0].status, 'ED')", json!(true));
        assert!(contains.contains(". as_str ())"), "{contains}");
        let compared = code("path", "jobs[0].status == jobs[0].jobId", json!(true));
        assert!(compared.contains(". as_str ())"), "{compared}");
    }

    #[test]
    fn length_of_a_member_list_can_fail() {
        let compiled = compile("path", "length(jobs)", json!(0)).expect("compiles");
        assert!(compiled.fallible, "length(null) is an error");
        assert_eq!(
            compiled.code.to_string(),
            quote!({
                let __x1 = output.jobs.as_deref()?.len();
                rt::__private::expected_int(__x1, 0i128)
            })
            .to_string()
        );
    }

    #[test]
    fn filter_with_identity_is_a_filter() {
        let code = code(
            "path",
            "length(jobs[?status == 'FAILED']) > `0`",
            json!(true),
        );
        assert!(code.contains(". filter (| & __v3 |"), "{code}");
        assert!(code.contains("rt :: __private :: num_gt"), "{code}");
        assert!(
            !code.contains("collect"),
            "an infallible filter stays lazy: {code}"
        );
    }

    #[test]
    fn fallible_filter_is_collected_first() {
        let compiled = compile(
            "path",
            "length(jobs[?length(statusReason) > `2`]) == `1`",
            json!(true),
        )
        .expect("compiles");
        let code = compiled.code.to_string();
        assert!(compiled.fallible);
        assert!(
            code.contains("collect :: < :: core :: option :: Option"),
            "{code}"
        );
        assert!(code.contains("status_reason () ?"), "{code}");
    }

    #[test]
    fn nested_members_and_flatten() {
        let code = code("pathAll", "jobs[].attempts[].container.exitCode", json!(0));
        assert!(code.contains("__v3 . attempts . as_deref ()"), "{code}");
        assert!(code.contains("flat_map"), "{code}");
        assert!(
            code.contains("and_then (| __o9 | __o9 . exit_code ())"),
            "{code}"
        );
        assert!(
            code.contains("rt :: __private :: expected_int (__x10 , 0i128)"),
            "{code}"
        );
    }

    #[test]
    fn indexes_use_first_last_and_get() {
        assert!(code("path", "jobs[0].jobId", json!("x")).contains("__l1 . first ()"));
        assert!(code("path", "jobs[-1].jobId", json!("x")).contains("__l1 . last ()"));
        assert!(code("path", "jobs[2].jobId", json!("x")).contains("__l1 . get (2)"));
        assert!(
            code("path", "jobs[-3].jobId", json!("x")).contains("checked_sub (3)"),
            "negative index from the end"
        );
    }

    #[test]
    fn booleans_compare_without_bool_literals() {
        let code = code("path", "jobs[0].isCancelled", json!(false));
        assert!(code.ends_with("is_some_and (| __x4 | ! __x4)"), "{code}");
    }

    #[test]
    fn null_expected_means_absent() {
        let code = code("path", "jobs[0].startedAt", Value::Null);
        assert!(code.ends_with(". is_none ()"), "{code}");
        assert!(matches!(
            error("path", "length(jobs)", Value::Null),
            CompileError::Expected { .. }
        ));
    }

    #[test]
    fn logic_on_plain_booleans_is_rust_logic() {
        let code = code(
            "path",
            "jobs[0].status == 'RUNNING' || contains(jobs[].status, 'STARTING')",
            json!(true),
        );
        assert!(code.contains("||"), "{code}");
        assert!(!code.contains("__decided"), "{code}");
        let mixed = code_of_mixed();
        assert!(mixed.contains("__decided"), "{mixed}");
    }

    fn code_of_mixed() -> String {
        code(
            "path",
            "!contains(jobs[].jobQueue, 'q') && length(jobs) > `0`",
            json!(false),
        )
    }

    #[test]
    fn unknown_members_are_suggested() {
        assert_eq!(
            error("pathAll", "jobs[].statuz", json!("X")),
            CompileError::UnknownMember {
                shape: "JobDetail".into(),
                member: "statuz".into(),
                suggestion: Some("status".into()),
                missing_from_sdk: None,
            }
        );
        match error("path", "jobs[0].containr.exitCode", json!(0)) {
            CompileError::UnknownMember { suggestion, .. } => {
                assert_eq!(suggestion.as_deref(), Some("container"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn type_errors_say_why() {
        for (matcher, argument, expected, needle) in [
            ("path", "jobs.status", json!("X"), "project over the list"),
            (
                "path",
                "length(jobs[0].schedulingPriority)",
                json!(1),
                "is given a number",
            ),
            (
                "path",
                "jobs[0].status > `1`",
                json!(true),
                "only order numbers",
            ),
            ("path", "jobs[0].status == `1`", json!(true), "never equal"),
            (
                "path",
                "jobs[0].status == 'FAILD'",
                json!(true),
                "did you mean \"FAILED\"",
            ),
            (
                "path",
                "length(jobs[0].jobId) == `null`",
                json!(true),
                "never is",
            ),
            (
                "path",
                "contains(jobs[0].jobId, `1`)",
                json!(true),
                "never found",
            ),
            (
                "path",
                "contains(length(jobs), 'x')",
                json!(true),
                "string or a list",
            ),
            (
                "path",
                "length(jobs[?container])",
                json!(1),
                "truth of a ContainerDetail",
            ),
            (
                "pathAny",
                "jobs[0].status",
                json!("X"),
                "pathAny needs a list",
            ),
            ("path", "jobs[0][0]", json!(1), "not a list"),
            ("path", "jobs[0].status[]", json!(1), "not a list"),
            ("path", "length(jobs[], 'a')", json!(1), "takes 1 argument"),
        ] {
            match error(matcher, argument, expected) {
                CompileError::Type(message) => {
                    assert!(message.contains(needle), "{argument}: {message}")
                }
                other => panic!("{argument}: {other:?}"),
            }
        }
    }

    #[test]
    fn expected_mismatches() {
        for (matcher, argument, expected, gives) in [
            (
                "pathAll",
                "jobs[].status",
                json!(1),
                "its elements are JobStatus strings",
            ),
            ("path", "length(jobs)", json!("0"), "it gives a number"),
            (
                "path",
                "jobs[0].isCancelled",
                json!(1),
                "it gives a boolean",
            ),
            (
                "pathAny",
                "jobs[].status",
                json!("FAILD"),
                "did you mean \"FAILED\"",
            ),
            (
                "path",
                "jobs[0]",
                json!({"a": 1}),
                "JSON object is not supported",
            ),
        ] {
            match error(matcher, argument, expected) {
                CompileError::Expected { gives: message, .. } => {
                    assert!(message.contains(gives), "{argument}: {message}")
                }
                other => panic!("{argument}: {other:?}"),
            }
        }
    }

    #[test]
    fn unsupported_constructs_are_named() {
        for (argument, construct) in [
            ("jobs[0:1].status", "a slice"),
            ("jobs[0].parameters.*", "object wildcard"),
            ("jobs[].[jobId, status]", "multi-select list"),
            ("jobs[].{a: jobId}", "multi-select hash"),
            (
                "sort_by(jobs, &createdAt)[0].status",
                "the function sort_by()",
            ),
            (
                "jobs[0] == jobs[1]",
                "a comparison of a JobDetail structure",
            ),
            (
                "jobs[0].jobId || jobs[0].status",
                "`||` between a string and a JobStatus string",
            ),
            ("`\"x\"`", "only a literal"),
            ("length(jobs[0])", "length() of a JobDetail structure"),
        ] {
            match error("path", argument, json!("x")) {
                CompileError::Unsupported { construct: c, .. } => {
                    assert!(c.contains(construct), "{argument}: {c}")
                }
                other => panic!("{argument}: {other:?}"),
            }
        }
    }

    #[test]
    fn maps_are_read_by_key() {
        let code = code("path", "jobs[0].parameters.mode", json!("fast"));
        assert!(code.contains("get (\"mode\")"), "{code}");
        assert!(code.contains("as_str ()"), "{code}");
        let code = code_len_map();
        assert!(code.contains(". len ()"), "{code}");
    }

    fn code_len_map() -> String {
        code("path", "length(jobs[0].tags)", json!(2))
    }

    #[test]
    fn list_literals_compare_element_by_element() {
        let code = code("path", "jobs[].status", json!(["RUNNING", "FAILED"]));
        assert!(code.contains("__it"), "{code}");
        assert!(code.ends_with(". next () . is_none () })"), "{code}");
        let inner = code_inner();
        assert!(inner.contains("rt :: __private :: num_eq"), "{inner}");
    }

    fn code_inner() -> String {
        code(
            "path",
            "jobs[0].dependsOn[].jobId == `[\"a\"]`",
            json!(true),
        )
        .replace("rt :: num_eq", "")
            + &code("path", "jobs[].schedulingPriority == `[1, 2]`", json!(true))
    }
}
