//! Model -> plan -> tokens: checks every waiter, compiles every acceptor, and writes the
//! waiter types and the extension trait.

use std::collections::BTreeMap;
use std::time::Duration;

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;
use waiters_model::{
    AcceptorState, ErrorExpectation, JsonPath, Matcher, WaiterDefinition, WaiterModel,
};

use crate::Options;
use crate::compile::{CompileError, CompiledMatch, Compiler, mentions_ident};
use crate::docs::{doc_text, fenced, inline_code};
use crate::error::{Problem, ProblemKind};
use crate::naming::{snake_case, suggest, type_name_problem};
use crate::operations::{self, OperationSpec};
use crate::shapes::ShapeTable;

/// What gets generated for one waiter.
struct WaiterPlan {
    name: String,
    ident: Ident,
    method: Ident,
    operation: &'static OperationSpec,
    delay: Duration,
    max_attempts: u32,
    description: Option<String>,
    /// The waiter's JSON, pretty-printed.
    model_json: String,
    acceptors: Vec<AcceptorPlan>,
}

/// One acceptor that compiled.
struct AcceptorPlan {
    index: usize,
    state: AcceptorState,
    explanation: String,
    json: String,
    summary: String,
    body: Body,
}

enum Body {
    Path(CompiledMatch),
    Status(u16),
    ErrorCode(String),
    AnyError,
    NoError,
}

/// Checks and compiles a model: the tokens (complete, or a fallback without the broken
/// parts) and every problem found.
pub(crate) fn expand(options: &Options, json: &str) -> (TokenStream, Vec<Problem>) {
    let mut problems = Vec::new();
    let table = match ShapeTable::batch() {
        Ok(table) => Some(table),
        Err(e) => {
            problems.push(Problem {
                path: JsonPath::root(),
                kind: ProblemKind::Internal(e.to_string()),
            });
            None
        }
    };
    let runtime = &options.runtime;
    let mut plans = match WaiterModel::from_json_str(json) {
        Ok(model) => {
            let waiters: Vec<&WaiterDefinition> = model.waiters().collect();
            waiters
                .into_iter()
                .filter_map(|w| {
                    let raw = model.waiter_json(w.name()).unwrap_or(Value::Null);
                    plan_waiter(w, &raw, table, runtime, &mut problems)
                })
                .collect()
        }
        Err(error) => {
            problems.extend(error.problems().iter().map(|p| Problem {
                path: p.path.clone(),
                kind: ProblemKind::Model(p.kind.clone()),
            }));
            fallback_plans(json, &mut problems)
        }
    };
    check_clashes(&mut plans, options, &mut problems);
    (emit(options, &plans), problems)
}

fn waiter_path(name: &str) -> JsonPath {
    JsonPath::root().key("waiters").key(name)
}

fn plan_waiter(
    waiter: &WaiterDefinition,
    raw: &Value,
    table: Option<&ShapeTable>,
    runtime: &TokenStream,
    problems: &mut Vec<Problem>,
) -> Option<WaiterPlan> {
    let name = waiter.name();
    let path = waiter_path(name);
    if let Some(reason) = type_name_problem(name) {
        problems.push(Problem {
            path,
            kind: ProblemKind::InvalidWaiterName {
                name: name.to_owned(),
                reason,
            },
        });
        return None;
    }
    let supported = operations::supported(waiter.operation());
    if supported.is_none() {
        let operation = waiter.operation().to_owned();
        let kind = match table {
            Some(table) if table.operations.contains_key(&operation) => {
                ProblemKind::UnsupportedOperation {
                    operation,
                    supported: operations::supported_names(),
                }
            }
            _ => ProblemKind::UnknownOperation {
                suggestion: table
                    .and_then(|t| suggest(&operation, t.operations.keys().map(String::as_str)))
                    .map(str::to_owned),
                operation,
                supported: operations::supported_names(),
            },
        };
        problems.push(Problem {
            path: path.key("operation"),
            kind,
        });
    }
    let mut plan = WaiterPlan {
        ident: format_ident!("{}", name),
        method: format_ident!("wait_until_{}", snake_case(name)),
        name: name.to_owned(),
        // The fallback for an unsupported operation keeps the API of a supported one.
        operation: supported.unwrap_or(&operations::SUPPORTED[0]),
        delay: waiter.delay(),
        max_attempts: waiter.max_attempts(),
        description: waiter.description().map(str::to_owned),
        model_json: serde_json::to_string_pretty(raw).unwrap_or_default(),
        acceptors: Vec::new(),
    };
    let (Some(table), Some(operation)) = (table, supported) else {
        return Some(plan);
    };
    let Some(Some(shapes)) = table.operations.get(operation.name) else {
        problems.push(Problem {
            path: path.key("operation"),
            kind: ProblemKind::Internal(format!(
                "the shape table has no output for {}",
                operation.name
            )),
        });
        return Some(plan);
    };
    let mut compiler = Compiler::new(table, runtime);
    for (index, acceptor) in waiter.acceptors().iter().enumerate() {
        let acceptor_path = path.key("acceptors").index(index);
        let raw_acceptor = raw
            .get("acceptors")
            .and_then(|a| a.get(index))
            .cloned()
            .unwrap_or(Value::Null);
        let compiled = match &acceptor.matcher {
            Matcher::Path { argument, expected } => compiler
                .path(&shapes.output, argument.ast(), expected)
                .map(Body::Path),
            Matcher::PathAll { argument, expected } => compiler
                .path_list(&shapes.output, argument.ast(), expected, true)
                .map(Body::Path),
            Matcher::PathAny { argument, expected } => compiler
                .path_list(&shapes.output, argument.ast(), expected, false)
                .map(Body::Path),
            Matcher::Status { expected } => Ok(Body::Status(*expected)),
            Matcher::Error { expected } => Ok(match expected {
                ErrorExpectation::Code(code) => Body::ErrorCode(code.clone()),
                ErrorExpectation::AnyError => Body::AnyError,
                ErrorExpectation::NoError => Body::NoError,
            }),
        };
        match compiled {
            Ok(body) => plan.acceptors.push(AcceptorPlan {
                index,
                state: acceptor.state,
                explanation: acceptor.explanation(),
                json: serde_json::to_string(&raw_acceptor).unwrap_or_default(),
                summary: summary(&acceptor.matcher, acceptor.state),
                body,
            }),
            Err(error) => {
                let expression = acceptor
                    .matcher
                    .argument()
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_default();
                problems.push(compile_problem(&acceptor_path, expression, error));
            }
        }
    }
    Some(plan)
}

fn compile_problem(acceptor: &JsonPath, expression: String, error: CompileError) -> Problem {
    let argument = acceptor.key("argument");
    match error {
        CompileError::UnknownMember {
            shape,
            member,
            suggestion,
            missing_from_sdk,
        } => Problem {
            path: argument,
            kind: ProblemKind::UnknownMember {
                expression,
                shape,
                member,
                suggestion,
                missing_from_sdk,
            },
        },
        CompileError::Unsupported { offset, construct } => Problem {
            path: argument,
            kind: ProblemKind::UnsupportedExpression {
                expression,
                column: offset,
                construct,
            },
        },
        CompileError::Type(message) => Problem {
            path: argument,
            kind: ProblemKind::ExpressionType {
                expression,
                message,
            },
        },
        CompileError::Expected { found, gives } => Problem {
            path: acceptor.key("expected"),
            kind: ProblemKind::ExpectedType {
                expression,
                found,
                gives,
            },
        },
    }
}

/// Stand-ins for the waiters of a model that did not load: every waiter whose name can
/// be a type, with the model's timings where they are readable and no acceptors, so that
/// the user's code that names them compiles and only the model's problems are reported.
fn fallback_plans(json: &str, problems: &mut Vec<Problem>) -> Vec<WaiterPlan> {
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let Some(Value::Object(waiters)) = root.get("waiters") else {
        return Vec::new();
    };
    let sorted: BTreeMap<&String, &Value> = waiters.iter().collect();
    sorted
        .into_iter()
        .filter(|(name, _)| match type_name_problem(name) {
            // Reported now too, so that every problem shows in one build.
            Some(reason) if !name.is_empty() => {
                problems.push(Problem {
                    path: waiter_path(name),
                    kind: ProblemKind::InvalidWaiterName {
                        name: (*name).clone(),
                        reason,
                    },
                });
                false
            }
            Some(_) => false,
            None => true,
        })
        .map(|(name, raw)| WaiterPlan {
            ident: format_ident!("{}", name),
            method: format_ident!("wait_until_{}", snake_case(name)),
            name: name.clone(),
            operation: &operations::SUPPORTED[0],
            delay: raw
                .get("delay")
                .and_then(Value::as_f64)
                .and_then(|d| Duration::try_from_secs_f64(d).ok())
                .unwrap_or_default(),
            max_attempts: raw
                .get("maxAttempts")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1),
            description: raw
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            model_json: serde_json::to_string_pretty(raw).unwrap_or_default(),
            acceptors: Vec::new(),
        })
        .collect()
}

/// Two waiters whose methods would have the same name, or a waiter named like the
/// extension trait: the later one is reported and left out.
fn check_clashes(plans: &mut Vec<WaiterPlan>, options: &Options, problems: &mut Vec<Problem>) {
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    let trait_name = options.extension_trait.to_string();
    plans.retain(|plan| {
        if plan.name == trait_name {
            problems.push(Problem {
                path: waiter_path(&plan.name),
                kind: ProblemKind::NameClash {
                    what: "type",
                    rust_name: plan.name.clone(),
                    other: "the generated extension trait (rename the trait with \
                            `extension_trait = OtherName`)"
                        .to_owned(),
                },
            });
            return false;
        }
        let method = plan.method.to_string();
        if let Some(first) = methods.get(&method) {
            problems.push(Problem {
                path: waiter_path(&plan.name),
                kind: ProblemKind::NameClash {
                    what: "method",
                    rust_name: method,
                    other: format!("the one generated for waiter {first:?}"),
                },
            });
            return false;
        }
        methods.insert(method, plan.name.clone());
        true
    });
}

/// `pathAll` of `jobs[].status` == `"SUCCEEDED"` -> `success`.
fn summary(matcher: &Matcher, state: AcceptorState) -> String {
    let test = match matcher {
        Matcher::Path { argument, expected }
        | Matcher::PathAll { argument, expected }
        | Matcher::PathAny { argument, expected } => format!(
            "`{}` of {} == {}",
            matcher.name(),
            inline_code(argument.as_str()),
            inline_code(&expected.to_string())
        ),
        Matcher::Status { expected } => format!("`status` == {expected}"),
        Matcher::Error { expected } => match expected {
            ErrorExpectation::Code(code) if code.is_empty() => {
                "`error` == `\"\"` (any successful response)".to_owned()
            }
            ErrorExpectation::Code(code) => format!("`error` == {}", inline_code(code)),
            ErrorExpectation::AnyError => "`error` == `true` (any service error)".to_owned(),
            ErrorExpectation::NoError => "`error` == `false` (no error)".to_owned(),
        },
    };
    format!("{test} → `{}`", state.as_str())
}

fn doc(text: impl AsRef<str>) -> TokenStream {
    let lines: Vec<TokenStream> = text
        .as_ref()
        .lines()
        .map(|line| {
            let line = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #line])
        })
        .collect();
    quote!(#(#lines)*)
}

fn emit(options: &Options, plans: &[WaiterPlan]) -> TokenStream {
    let runtime = &options.runtime;
    let source = &options.source_name;
    let include = options.include_path.as_ref().map(|path| {
        let path = Literal::string(path);
        quote! {
            // Makes cargo rebuild the crate when the model changes.
            const _: &str = ::core::include_str!(#path);
        }
    });
    let trait_name = &options.extension_trait;
    let example = plans
        .first()
        .map(|plan| format!(":\n`client.{}().jobs(job_id).wait().await`", plan.method))
        .unwrap_or_default();
    let trait_doc = doc(format!(
        "Typed waiters of `{source}` as methods of the Batch client.\n\nBring the trait into \
         scope, then start a wait from a client{example} (one method per waiter, named \
         `wait_until_` + the waiter's name in snake_case).\n\n\
         Generated by `waiters!` from `{source}`; do not edit."
    ));
    let trait_methods = plans.iter().map(|plan| {
        let WaiterPlan { ident, method, .. } = plan;
        let text = doc(format!(
            "A [`{ident}`] waiter on this client{}.",
            plan.description
                .as_deref()
                .map(|d| format!(": {}", doc_text(d)))
                .unwrap_or_default()
        ));
        quote! {
            #text
            fn #method(&self) -> #ident;
        }
    });
    let trait_impls = plans.iter().map(|plan| {
        let WaiterPlan { ident, method, .. } = plan;
        quote! {
            fn #method(&self) -> #ident {
                #ident::new(self)
            }
        }
    });
    let waiters = plans.iter().map(|plan| emit_waiter(options, plan));
    quote! {
        #include

        #trait_doc
        pub trait #trait_name {
            #(#trait_methods)*
        }

        #[automatically_derived]
        impl #trait_name for #runtime::aws_sdk_batch::Client {
            #(#trait_impls)*
        }

        #(#waiters)*
    }
}

fn emit_waiter(options: &Options, plan: &WaiterPlan) -> TokenStream {
    let runtime = &options.runtime;
    let private = quote!(#runtime::__private);
    let source = &options.source_name;
    let op = plan.operation;
    let module = format_ident!("{}", op.module);
    let output_ty = format_ident!("{}", op.output);
    let error_ty = format_ident!("{}", op.error);
    let output = quote!(#runtime::aws_sdk_batch::operation::#module::#output_ty);
    let error = quote!(
        #private::SdkError<#runtime::aws_sdk_batch::operation::#module::#error_ty, #private::HttpResponse>
    );
    let response = quote!(::core::result::Result<#output, #error>);
    let ident = &plan.ident;
    let name = Literal::string(&plan.name);
    let operation_name = Literal::string(op.name);
    let client_method = format_ident!("{}", op.client_method);
    let param = format_ident!("{}", op.param);
    let set_param = format_ident!("set_{}", op.param);
    let get_param = format_ident!("get_{}", op.param);
    let secs = Literal::u64_suffixed(plan.delay.as_secs());
    let nanos = Literal::u32_suffixed(plan.delay.subsec_nanos());
    let max_attempts = Literal::u32_suffixed(plan.max_attempts);
    let description = match &plan.description {
        Some(d) => {
            let d = Literal::string(d);
            quote!(::core::option::Option::Some(#d))
        }
        None => quote!(::core::option::Option::None),
    };
    let model_json = Literal::string(&plan.model_json);
    let delay_text = format_duration(plan.delay);

    let acceptor_list: String = plan
        .acceptors
        .iter()
        .map(|a| format!("{}. {}\n", a.index, a.summary))
        .collect();
    let struct_doc = doc(format!(
        "{}\n\nThe typed `{}` waiter of `{source}`: calls `{}` every {delay_text}, at most {} \
         times, until one of its acceptors (tried in this order) ends the wait:\n\n{}\n\
         A response no acceptor matches polls again; an unmatched service error ends the \
         wait (transient ones are retried, see `WaiterConfig::transient_errors`).\n\n\
         Start one with [`{trait_name}::{method}`] or [`{ident}::new`], give it the job ids \
         with [`{param}`](Self::{param}), change this wait's pacing with \
         [`max_wait`](Self::max_wait), [`delay`](Self::delay), [`jitter`](Self::jitter) or \
         [`max_attempts`](Self::max_attempts) (the defaults are the constants below), then \
         [`wait`](Self::wait).\n\nGenerated by `waiters!` from `{source}`; do not edit.",
        plan.description
            .as_deref()
            .map(doc_text)
            .unwrap_or_else(|| format!("Waiter `{}`.", plan.name)),
        plan.name,
        op.name,
        plan.max_attempts,
        if acceptor_list.is_empty() {
            "(no acceptors)\n".to_owned()
        } else {
            acceptor_list
        },
        trait_name = options.extension_trait,
        method = plan.method,
    ));

    let matchers = plan
        .acceptors
        .iter()
        .map(|a| emit_acceptor(&plan.name, a, &response, &output, &private));
    let classify_arms = plan.acceptors.iter().map(|a| {
        let matcher = format_ident!("acceptor_{}", a.index);
        let index = Literal::usize_suffixed(a.index);
        let state = match a.state {
            AcceptorState::Success => quote!(Success),
            AcceptorState::Failure => quote!(Failure),
            AcceptorState::Retry => quote!(Retry),
        };
        let explanation = Literal::string(&a.explanation);
        quote! {
            if Self::#matcher(response) {
                return ::core::option::Option::Some(#private::matched(
                    #index,
                    #runtime::AcceptorState::#state,
                    #explanation,
                ));
            }
        }
    });
    let acceptor_fns = plan
        .acceptors
        .iter()
        .map(|a| format_ident!("acceptor_{}", a.index));
    let response_param = if plan.acceptors.is_empty() {
        quote!(_response)
    } else {
        quote!(response)
    };
    let param_doc = op.param_doc;
    let jobs_doc = doc(format!(
        "Adds {param_doc} to the `{}` input ({} `{}`); call it once per id.",
        op.name, op.name, op.param
    ));

    quote! {
        #struct_doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #[must_use = "a waiter does nothing until `.wait()` is awaited"]
        pub struct #ident {
            client: #runtime::aws_sdk_batch::Client,
            #param: ::std::vec::Vec<::std::string::String>,
            config: #runtime::WaiterConfig,
        }

        impl #ident {
            /// The waiter's name in the model.
            pub const NAME: &'static str = #name;
            /// The operation it calls.
            pub const OPERATION: &'static str = #operation_name;
            /// The model's delay between attempts (`delay`).
            pub const DELAY: ::core::time::Duration = ::core::time::Duration::new(#secs, #nanos);
            /// The model's attempt budget (`maxAttempts`; 0 and 1 both mean one call).
            pub const MAX_ATTEMPTS: u32 = #max_attempts;
            /// The model's description.
            pub const DESCRIPTION: ::core::option::Option<&'static str> = #description;
            /// The waiter as written in the model (JSON).
            pub const MODEL_JSON: &'static str = #model_json;
            /// The acceptors, in model order: `ACCEPTORS[i]` is `acceptor_i`.
            pub const ACCEPTORS: &'static [#private::AcceptorFn<#output, #error>] = &[#(Self::#acceptor_fns),*];

            /// A waiter on `client` with the model's delay and attempt budget, no deadline,
            /// and no job ids yet.
            pub fn new(client: &#runtime::aws_sdk_batch::Client) -> Self {
                Self {
                    client: ::core::clone::Clone::clone(client),
                    #param: ::std::vec::Vec::new(),
                    config: Self::default_config(),
                }
            }

            /// The model's pacing: fixed [`DELAY`](Self::DELAY), at most
            /// [`MAX_ATTEMPTS`](Self::MAX_ATTEMPTS) calls, no deadline, transient errors
            /// retried with backoff.
            pub fn default_config() -> #runtime::WaiterConfig {
                #runtime::WaiterConfig::new(
                    Self::DELAY,
                    ::core::option::Option::Some(Self::MAX_ATTEMPTS),
                )
            }

            #jobs_doc
            pub fn #param(mut self, id: impl ::core::convert::Into<::std::string::String>) -> Self {
                self.#param.push(id.into());
                self
            }

            /// Replaces the ids to wait on (`None` clears them).
            pub fn #set_param(mut self, ids: ::core::option::Option<::std::vec::Vec<::std::string::String>>) -> Self {
                self.#param = ids.unwrap_or_default();
                self
            }

            /// The ids this waiter waits on.
            pub fn #get_param(&self) -> &[::std::string::String] {
                &self.#param
            }

            /// Sleeps `delay` between attempts instead of [`DELAY`](Self::DELAY).
            pub fn delay(mut self, delay: ::core::time::Duration) -> Self {
                self.config.delay = delay;
                self
            }

            /// Makes at most `max_attempts` calls instead of
            /// [`MAX_ATTEMPTS`](Self::MAX_ATTEMPTS) (0 and 1 both mean one call).
            pub fn max_attempts(mut self, max_attempts: u32) -> Self {
                self.config.max_attempts = ::core::option::Option::Some(max_attempts);
                self
            }

            /// Polls without an attempt budget, until an acceptor ends the wait or
            /// [`max_wait`](Self::max_wait) runs out.
            pub fn unlimited_attempts(mut self) -> Self {
                self.config.max_attempts = ::core::option::Option::None;
                self
            }

            /// Gives up after `max_wait` (from the start of the wait), with the last
            /// response.
            pub fn max_wait(mut self, max_wait: ::core::time::Duration) -> Self {
                self.config.max_wait = ::core::option::Option::Some(max_wait);
                self
            }

            /// Draws every sleep uniformly from `[max(minimum, delay - width), delay + width]`
            /// (Airflow's `add_jitter`).
            pub fn jitter(mut self, width: ::core::time::Duration, minimum: ::core::time::Duration) -> Self {
                self.config.delay_strategy = #runtime::DelayStrategy::Jitter { width, minimum };
                self
            }

            /// Paces the sleeps with `strategy`.
            pub fn delay_strategy(mut self, strategy: #runtime::DelayStrategy) -> Self {
                self.config.delay_strategy = strategy;
                self
            }

            /// What happens to transient errors (throttling, 5xx, timeouts) no acceptor
            /// matched.
            pub fn transient_errors(mut self, retry: #runtime::TransientRetry) -> Self {
                self.config.transient_errors = retry;
                self
            }

            /// Replaces the whole configuration.
            pub fn with_config(mut self, config: #runtime::WaiterConfig) -> Self {
                self.config = config;
                self
            }

            /// This waiter's configuration.
            pub fn config(&self) -> &#runtime::WaiterConfig {
                &self.config
            }

            /// This waiter's configuration, to change in place.
            pub fn config_mut(&mut self) -> &mut #runtime::WaiterConfig {
                &mut self.config
            }

            /// Waits: calls the operation now, then after every sleep, until an acceptor
            /// ends the wait. Returns the matching response (the typed output) with the
            /// acceptor and the attempt count.
            ///
            /// # Errors
            ///
            /// A `WaitError` with botocore's reason (a `failure` acceptor matched, the attempt
            /// or time budget ran out, or an unmatched service error) and the last typed
            /// response.
            pub async fn wait(&self) -> ::core::result::Result<#runtime::Waited<#output, #error>, #runtime::WaitError<#output, #error>> {
                self.wait_observed(#runtime::NoObserver).await
            }

            /// [`wait`](Self::wait), telling `observer` about every attempt.
            ///
            /// # Errors
            ///
            /// As [`wait`](Self::wait).
            pub async fn wait_observed<Obs>(&self, observer: Obs) -> ::core::result::Result<#runtime::Waited<#output, #error>, #runtime::WaitError<#output, #error>>
            where
                Obs: #runtime::Observer<#output, #error>,
            {
                let client = &self.client;
                let ids = &self.#param;
                #runtime::engine::wait(
                    Self::NAME,
                    &self.config,
                    || {
                        client
                            .#client_method()
                            .#set_param(::core::option::Option::Some(::core::clone::Clone::clone(ids)))
                            .send()
                    },
                    Self::classify,
                    observer,
                )
                .await
            }

            /// The first acceptor, in model order, that matches a response.
            pub fn classify(#response_param: &#response) -> ::core::option::Option<#runtime::AcceptorMatch> {
                #(#classify_arms)*
                ::core::option::Option::None
            }

            #(#matchers)*
        }
    }
}

fn emit_acceptor(
    waiter: &str,
    acceptor: &AcceptorPlan,
    response: &TokenStream,
    output: &TokenStream,
    private: &TokenStream,
) -> TokenStream {
    let name = format_ident!("acceptor_{}", acceptor.index);
    let path = waiter_path(waiter).key("acceptors").index(acceptor.index);
    let note = match &acceptor.body {
        Body::Status(_) => {
            "\n\nA successful typed response counts as HTTP 200; an error response has the \
             status the service sent."
        }
        Body::ErrorCode(code) if code.is_empty() => {
            "\n\nA successful call has error code `\"\"`, so this matches every successful \
             response."
        }
        _ => "",
    };
    let text = doc(format!(
        "Acceptor {} of `{waiter}` (`{path}`): when it matches, the wait's state is `{}`.\n\n{}\n\n\
         Explanation in reasons: {}{note}{deprecated}",
        acceptor.index,
        acceptor.state.as_str(),
        fenced("json", &acceptor.json),
        doc_text(&acceptor.explanation),
        deprecated = match &acceptor.body {
            Body::Path(compiled) if compiled.deprecated => {
                "\n\nIt reads a member the SDK marks deprecated."
            }
            _ => "",
        },
    ));
    let body = match &acceptor.body {
        Body::Path(compiled) if compiled.fallible => {
            let code = &compiled.code;
            quote! {
                // A JMESPath error (`length(null)`) is `None`: no match.
                fn search(output: &#output) -> ::core::option::Option<bool> {
                    ::core::option::Option::Some(#code)
                }
                match response {
                    ::core::result::Result::Ok(output) => search(output).unwrap_or(false),
                    ::core::result::Result::Err(_) => false,
                }
            }
        }
        Body::Path(compiled) => {
            let code = &compiled.code;
            let output_var = format_ident!("output");
            if mentions_ident(code, &output_var) {
                quote! {
                    let ::core::result::Result::Ok(output) = response else {
                        return false;
                    };
                    #code
                }
            } else {
                quote!(response.is_ok() && #code)
            }
        }
        Body::Status(status) => {
            let status = Literal::u16_suffixed(*status);
            quote!(#private::status_matches(response, #status))
        }
        Body::ErrorCode(code) => {
            let code = Literal::string(code);
            quote!(#private::error_code_matches(response, #code))
        }
        Body::AnyError => quote!(#private::is_service_error(response)),
        Body::NoError => quote!(#private::is_success(response)),
    };
    // Generated code calls getters the user cannot change: a getter a later SDK
    // deprecates must not break builds under `#![deny(warnings)]` (the doc comment names
    // the deprecated members known now).
    let allow = match &acceptor.body {
        Body::Path(_) => quote!(#[allow(deprecated)]),
        _ => quote!(),
    };
    quote! {
        #text
        #allow
        pub fn #name(response: &#response) -> bool {
            #body
        }
    }
}

/// `300 s`, `0.5 s`.
fn format_duration(delay: Duration) -> String {
    if delay.subsec_nanos() == 0 {
        format!("{} s", delay.as_secs())
    } else {
        format!("{} s", delay.as_secs_f64())
    }
}
