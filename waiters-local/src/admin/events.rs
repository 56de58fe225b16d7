//! Admin routes for the events, under `/_local/events`: counters and event faults, for
//! processes that only have the endpoint URL (the `waiters-local` binary).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::events::{EventCounters, EventFaultKind, EventFaultRule};
use crate::faults::FaultSchedule;
use crate::wire::json_response;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/_local/events", get(get_events))
        .route("/_local/events/counters", delete(reset_counters))
        .route(
            "/_local/events/faults",
            get(get_faults).post(add_fault).delete(clear_faults),
        )
}

fn respond(app: &App, status: StatusCode, body: &Value) -> Response {
    json_response(status, body, &app.request_id())
}

fn counters_json(counters: &EventCounters) -> Value {
    json!({
        "stateChanges": counters.state_changes,
        "published": counters.published,
        "dropped": counters.dropped,
        "duplicated": counters.duplicated,
        "delayed": counters.delayed,
        "failed": counters.failed,
        "putEventsCalls": counters.put_events_calls,
    })
}

fn rule_json(rule: &EventFaultRule) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!(rule.kind.name()));
    if let EventFaultKind::Delay(by) = rule.kind {
        out.insert("delayMillis".into(), json!(by.as_millis()));
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

fn rules_json(app: &App) -> Value {
    Value::Array(app.events.faults.rules().iter().map(rule_json).collect())
}

async fn get_events(State(app): State<Arc<App>>) -> Response {
    let counters = app.events.counters.snapshot();
    let body = json!({ "counters": counters_json(&counters), "faults": rules_json(&app) });
    respond(&app, StatusCode::OK, &body)
}

async fn reset_counters(State(app): State<Arc<App>>) -> Response {
    app.events.counters.reset();
    respond(&app, StatusCode::OK, &json!({}))
}

async fn get_faults(State(app): State<Arc<App>>) -> Response {
    respond(&app, StatusCode::OK, &json!({ "faults": rules_json(&app) }))
}

async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    app.events.faults.clear();
    respond(&app, StatusCode::OK, &json!({}))
}

/// `{"kind": "drop" | "duplicate" | "delay", "delayMillis": ms (delay only),` plus
/// exactly one of `"next": n`, `"everyNth": n`, `"probability": p` (with optional
/// `"seed"`), `"forMillis": ms`, `"always": true}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventFaultRequest {
    kind: String,
    delay_millis: Option<u64>,
    next: Option<u64>,
    every_nth: Option<u64>,
    probability: Option<f64>,
    seed: Option<u64>,
    for_millis: Option<u64>,
    always: Option<bool>,
}

impl EventFaultRequest {
    fn into_rule(self) -> Result<EventFaultRule, String> {
        let kind = match (self.kind.as_str(), self.delay_millis) {
            ("drop", None) => EventFaultKind::Drop,
            ("duplicate", None) => EventFaultKind::Duplicate,
            ("delay", Some(millis)) => EventFaultKind::Delay(Duration::from_millis(millis)),
            ("delay", None) => return Err("a delay needs delayMillis".into()),
            ("drop" | "duplicate", Some(_)) => {
                return Err("delayMillis belongs to kind delay only".into());
            }
            (other, _) => {
                return Err(format!(
                    "unknown event fault kind `{other}`; expected drop, duplicate or delay"
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
        match <[FaultSchedule; 1]>::try_from(schedules) {
            Ok([schedule]) => Ok(EventFaultRule::new(kind, schedule)),
            Err(_) => {
                Err("give exactly one of next, everyNth, probability, forMillis, always".into())
            }
        }
    }
}

async fn add_fault(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let rule = serde_json::from_slice::<EventFaultRequest>(&body)
        .map_err(|e| format!("invalid admin request body: {e}"))
        .and_then(EventFaultRequest::into_rule);
    let rule = match rule {
        Ok(rule) => rule,
        Err(message) => {
            return respond(
                &app,
                StatusCode::BAD_REQUEST,
                &json!({ "message": message }),
            );
        }
    };
    let shown = rule_json(&rule);
    match app.events.faults.add(rule) {
        Ok(()) => respond(&app, StatusCode::OK, &shown),
        Err(error) => respond(
            &app,
            StatusCode::BAD_REQUEST,
            &json!({ "message": error.to_string() }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<EventFaultRule, String> {
        serde_json::from_str::<EventFaultRequest>(body)
            .map_err(|e| e.to_string())
            .and_then(EventFaultRequest::into_rule)
    }

    #[test]
    fn requests_become_rules_or_say_what_is_wrong() {
        assert_eq!(
            parse(r#"{"kind": "delay", "delayMillis": 1500, "everyNth": 2}"#),
            Ok(EventFaultRule::new(
                EventFaultKind::Delay(Duration::from_millis(1500)),
                FaultSchedule::EveryNth(2)
            ))
        );
        assert_eq!(
            parse(r#"{"kind": "drop", "next": 3}"#),
            Ok(EventFaultRule::new(
                EventFaultKind::Drop,
                FaultSchedule::Next(3)
            ))
        );
        for (body, expected) in [
            (r#"{"kind": "delay", "next": 1}"#, "delayMillis"),
            (
                r#"{"kind": "drop", "delayMillis": 1, "next": 1}"#,
                "delay only",
            ),
            (r#"{"kind": "lose", "next": 1}"#, "unknown event fault kind"),
            (r#"{"kind": "drop"}"#, "exactly one"),
            (
                r#"{"kind": "drop", "next": 1, "always": true}"#,
                "exactly one",
            ),
            (r#"{"kind": "drop", "nxt": 1}"#, "unknown field"),
        ] {
            let error = parse(body).unwrap_err();
            assert!(error.contains(expected), "{body}: {error}");
        }
    }
}
