//! The credentials in use never show up in errors, `Debug` output or logs, at any level:
//! recognisable static credentials against the local endpoint, every kind of wait
//! ending (success, service error, throttling, refused connection, timeout, a body that
//! is not JSON, an endless body), and every log line at TRACE captured.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::Credentials;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use tokio::net::TcpListener;
use waiters_local::{FaultKind, FaultRule, FaultSchedule, JobProfile, LocalBatch};
use waiters_runtime::{BatchWaiters, JobWaitOptions};

const ACCESS_KEY_ID: &str = "AKIDSECRETSTEST";
const SECRET_KEY: &str =
    "SecretKey-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SESSION_TOKEN: &str =
    "SessionToken-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Everything written to the log, shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

fn assert_clean(what: &str, text: &str) {
    for secret in [SECRET_KEY, SESSION_TOKEN] {
        assert!(
            !text.contains(secret),
            "{what} contains a secret:\n{}",
            &text[text.find(secret).unwrap_or(0).saturating_sub(300)..]
                .chars()
                .take(700)
                .collect::<String>()
        );
    }
}

fn client(server: &LocalBatch, url: &str) -> Client {
    Client::from_conf(
        server
            .client_config()
            .credentials_provider(Credentials::new(
                ACCESS_KEY_ID,
                SECRET_KEY,
                Some(SESSION_TOKEN.to_owned()),
                None,
                "secrets-test",
            ))
            .endpoint_url(url)
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    )
}

#[tokio::test(start_paused = true)]
async fn secrets_never_reach_errors_debug_output_or_trace_logs() {
    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(log.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = LocalBatch::builder()
        .default_profile(JobProfile::succeeding_after(Duration::from_secs(30)))
        .start()
        .await
        .expect("the local endpoint starts");
    let url = server.endpoint_url();
    let batch = client(&server, &url);
    let job = batch
        .submit_job()
        .job_name("secrets")
        .job_queue("q")
        .job_definition("d")
        .send()
        .await
        .expect("SubmitJob")
        .job_id()
        .expect("a job id")
        .to_owned();
    let waiters = BatchWaiters::new(batch.clone());
    let mut waiter = waiters.get_waiter("JobComplete").expect("bundled");
    let mut texts: Vec<(String, String)> = vec![
        ("client Debug".into(), format!("{batch:?}")),
        ("waiters Debug".into(), format!("{waiters:?}")),
        ("waiter Debug".into(), format!("{waiter:?}")),
    ];
    let mut record = |what: &str, display: String, debug: String| {
        texts.push((format!("{what} Display"), display));
        texts.push((format!("{what} Debug"), debug));
    };

    // Success, after polling.
    waiter.config.delay = Duration::from_secs(10);
    let waited = waiter.wait([job.as_str()]).await.expect("success");
    record(
        "success",
        format!("{:?}", waited.acceptor()),
        format!("{waited:?}"),
    );

    // Throttled until the budget runs out, then a server error, then a service error.
    server
        .faults()
        .add(FaultRule::new(FaultKind::Throttle, FaultSchedule::Always))
        .expect("a rule");
    waiter.config.max_attempts = Some(2);
    let error = waiter.wait([job.as_str()]).await.unwrap_err();
    record("throttled", error.to_string(), format!("{error:?}"));
    server.faults().clear();
    server.faults().server_error_next(10);
    let error = waiter.wait([job.as_str()]).await.unwrap_err();
    record("server error", error.to_string(), format!("{error:?}"));
    server.faults().clear();
    let not_batch = BatchWaiters::new(client(&server, &format!("{url}/not-batch")));
    let error = not_batch
        .get_waiter("JobComplete")
        .expect("bundled")
        .wait(["x"])
        .await
        .unwrap_err();
    record("service error", error.to_string(), format!("{error:?}"));

    // No answer: a call timeout, then a refused connection given up on.
    server.faults().never_answer_next(1);
    let mut quick = waiters.get_waiter("JobComplete").expect("bundled");
    quick.config.call_timeout = Some(Duration::from_secs(5));
    quick.config.max_attempts = Some(1);
    let error = quick.wait([job.as_str()]).await.unwrap_err();
    record("call timeout", error.to_string(), format!("{error:?}"));
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let closed_url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let unreachable = BatchWaiters::new(client(&server, &closed_url));
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        connect_give_up: Some(Duration::from_secs(5)),
        ..JobWaitOptions::default()
    };
    let error = unreachable
        .wait_for_job_with("x", &options, waiters_runtime::engine::NoObserver)
        .await
        .unwrap_err();
    record("unreachable", error.to_string(), format!("{error:?}"));

    // Bodies that are not what DescribeJobs returns.
    server
        .faults()
        .add(FaultRule::new(
            FaultKind::EndlessBody,
            FaultSchedule::Always,
        ))
        .expect("a rule");
    let error = quick.wait([job.as_str()]).await.unwrap_err();
    record("endless body", error.to_string(), format!("{error:?}"));
    server.faults().clear();

    let logs = log.text();
    assert!(
        logs.contains("TRACE") && logs.lines().count() > 100,
        "the subscriber captured the SDK's trace output ({} lines)",
        logs.lines().count()
    );
    // The access key id is not secret (it is in every signature) and shows that the
    // credentials really were in use.
    assert!(
        logs.contains(ACCESS_KEY_ID),
        "the credentials were not used"
    );
    assert_clean("the TRACE log", &logs);
    for (what, text) in &texts {
        assert_clean(what, text);
    }
}
