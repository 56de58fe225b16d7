//! Admin routes under `/_local/`, for changing faults and reading counters over HTTP
//! (from a shell, or from a process that only has the endpoint URL).
//!
//! Admin requests are neither counted nor faulted.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::counters::OperationCounters;
use crate::faults::{FaultKind, FaultRule, FaultSchedule};
use crate::operation::Operation;
use crate::wire::json_response;

mod events;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .merge(events::routes())
        .route("/_local/counters", get(get_counters).delete(reset_counters))
        .route(
            "/_local/faults",
            get(get_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_local/latency", put(set_latency))
        .route("/_local/clock/advance", post(advance_clock))
}

fn ok(app: &App, body: &Value) -> Response {
    json_response(StatusCode::OK, body, &app.request_id())
}

fn bad_request(app: &App, message: String) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "message": message }),
        &app.request_id(),
    )
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid admin request body: {e}"))
}

fn counters_json(counters: OperationCounters) -> Value {
    json!({
        "requests": counters.requests,
        "throttled": counters.throttled,
        "serverErrors": counters.server_errors,
        "droppedConnections": counters.dropped_connections,
    })
}

async fn get_counters(State(app): State<Arc<App>>) -> Response {
    let snapshot = app.counters.snapshot();
    let mut body = Map::new();
    for operation in Operation::ALL {
        body.insert(
            operation.name().to_owned(),
            counters_json(snapshot.get(operation)),
        );
    }
    ok(&app, &Value::Object(body))
}

async fn reset_counters(State(app): State<Arc<App>>) -> Response {
    app.counters.reset();
    ok(&app, &json!({}))
}

fn rule_json(rule: &FaultRule) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!(rule.kind.name()));
    if let Some(operation) = rule.operation {
        out.insert("operation".into(), json!(operation.name()));
    }
    match &rule.schedule {
        FaultSchedule::Next(n) => out.insert("next".into(), json!(n)),
        FaultSchedule::EveryNth(n) => out.insert("everyNth".into(), json!(n)),
        FaultSchedule::Probability { probability, seed } => {
            out.insert("probability".into(), json!(probability));
            out.insert("seed".into(), json!(seed))
        }
        FaultSchedule::For(window) => out.insert("forMillis".into(), json!(window.as_millis())),
        FaultSchedule::Always => out.insert("always".into(), json!(true)),
    };
    Value::Object(out)
}

async fn get_faults(State(app): State<Arc<App>>) -> Response {
    let rules: Vec<Value> = app.faults.rules().iter().map(rule_json).collect();
    let latency = app.faults.latency().as_millis();
    ok(&app, &json!({ "latencyMillis": latency, "rules": rules }))
}

/// `{"kind": "throttle" | "serverError" | "dropConnection" | "neverAnswer" | "endlessBody",`
/// `"operation"?: "DescribeJobs",`
/// plus exactly one of `"next": n`, `"everyNth": n`, `"probability": p` (with optional
/// `"seed"`), `"forMillis": ms`, `"always": true`}.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRuleRequest {
    kind: String,
    operation: Option<String>,
    next: Option<u64>,
    every_nth: Option<u64>,
    probability: Option<f64>,
    seed: Option<u64>,
    for_millis: Option<u64>,
    always: Option<bool>,
}

impl FaultRuleRequest {
    fn into_rule(self) -> Result<FaultRule, String> {
        let kind = match self.kind.as_str() {
            "throttle" => FaultKind::Throttle,
            "serverError" => FaultKind::ServerError,
            "dropConnection" => FaultKind::DropConnection,
            "neverAnswer" => FaultKind::NeverAnswer,
            "endlessBody" => FaultKind::EndlessBody,
            other => {
                return Err(format!(
                    "unknown fault kind `{other}`; expected throttle, serverError, \
                     dropConnection, neverAnswer or endlessBody"
                ));
            }
        };
        let mut schedules = Vec::new();
        if let Some(n) = self.next {
            schedules.push(FaultSchedule::Next(n));
        }
        if let Some(n) = self.every_nth {
            schedules.push(FaultSchedule::EveryNth(n));
        }
        if let Some(probability) = self.probability {
            schedules.push(FaultSchedule::Probability {
                probability,
                seed: self.seed.unwrap_or(0),
            });
        }
        if let Some(millis) = self.for_millis {
            schedules.push(FaultSchedule::For(Duration::from_millis(millis)));
        }
        if self.always == Some(true) {
            schedules.push(FaultSchedule::Always);
        }
        let schedule = match <[FaultSchedule; 1]>::try_from(schedules) {
            Ok([schedule]) => schedule,
            Err(_) => {
                return Err(
                    "give exactly one of next, everyNth, probability, forMillis, always".into(),
                );
            }
        };
        let mut rule = FaultRule::new(kind, schedule);
        if let Some(operation) = self.operation {
            rule = rule.only_for(operation.parse::<Operation>().map_err(|e| e.to_string())?);
        }
        Ok(rule)
    }
}

async fn add_fault(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let rule = match parse::<FaultRuleRequest>(&body).and_then(FaultRuleRequest::into_rule) {
        Ok(rule) => rule,
        Err(message) => return bad_request(&app, message),
    };
    let shown = rule_json(&rule);
    match app.faults.add(rule) {
        Ok(()) => ok(&app, &shown),
        Err(error) => bad_request(&app, error.to_string()),
    }
}

async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    app.faults.clear();
    ok(&app, &json!({}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MillisRequest {
    millis: u64,
}

async fn set_latency(State(app): State<Arc<App>>, body: Bytes) -> Response {
    match parse::<MillisRequest>(&body) {
        Ok(request) => {
            app.faults
                .set_latency(Duration::from_millis(request.millis));
            ok(&app, &json!({ "latencyMillis": request.millis }))
        }
        Err(message) => bad_request(&app, message),
    }
}

async fn advance_clock(State(app): State<Arc<App>>, body: Bytes) -> Response {
    match parse::<MillisRequest>(&body) {
        Ok(request) => {
            app.clock.advance(Duration::from_millis(request.millis));
            ok(&app, &json!({ "advancedMillis": request.millis }))
        }
        Err(message) => bad_request(&app, message),
    }
}
