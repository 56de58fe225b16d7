//! Every credential source the binary takes through aws-config's providers, run against
//! the local Batch endpoint, which records the access key id that signed each request:
//! `credential_process`, IAM Identity Center (SSO) profiles whose token cache this test
//! writes, with the SSO portal played by a stand-in in this process, and the one-line
//! `aws sso login` message for a missing, expired or refused token.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::{Local, assert_exit, stderr, stdout, temp_dir};
use serde_json::json;
use sha1::{Digest, Sha1};
use waiters_local::TEST_ACCESS_KEY_ID;

/// Past the five phases: the job has finished.
const FINISHED: u32 = 6;

const ACCOUNT: &str = "123456789012";
const ROLE: &str = "BatchReader";
const SSO_ACCESS_KEY: &str = "AKIDFROMSSO";
const PROCESS_ACCESS_KEY: &str = "AKIDFROMPROCESS";
/// A token the SSO stand-in refuses, as the portal does a revoked one.
const REVOKED_TOKEN: &str = "revoked-token";

/// A home directory with `~/.aws/config`, and `waiters` run in it with no credentials in
/// the environment.
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str, config: &str) -> Self {
        let dir = temp_dir(name);
        std::fs::create_dir_all(dir.join(".aws/sso/cache")).expect("create ~/.aws");
        std::fs::write(dir.join(".aws/config"), config).expect("write ~/.aws/config");
        Self { dir }
    }

    /// Writes the SSO token cache file of `identifier` (the sso-session name, or the
    /// start URL of a legacy profile), as `aws sso login` does.
    fn cache_token(&self, identifier: &str, token: &str, expires_at: &str) {
        let name = format!("{:x}.json", Sha1::digest(identifier.as_bytes()));
        let cached = json!({
            "startUrl": "https://corp.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": token,
            "expiresAt": expires_at,
        });
        std::fs::write(
            self.dir.join(".aws/sso/cache").join(name),
            cached.to_string(),
        )
        .expect("write the token cache");
    }

    /// `waiters ARGS` against `local`, in this home, with no credentials in the environment.
    fn waiters(&self, local: &Local, args: &[&str]) -> Command {
        let mut command = local.waiters(args);
        command
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("HOME", &self.dir)
            .env("AWS_CONFIG_FILE", self.dir.join(".aws/config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.join(".aws/credentials"),
            );
        command
    }
}

/// The Batch calls after the test's own SubmitJob were signed with `access_key_id`, and
/// no other.
fn assert_signed_by(local: &Local, access_key_id: &str) {
    assert_eq!(
        local.server.access_key_ids(),
        [TEST_ACCESS_KEY_ID, access_key_id]
    );
}

/// A finished job.
fn finished_job(local: &Local) -> String {
    let job = local.submit(&[]);
    local.advance_phases(FINISHED);
    job
}

/// A `credential_process` script printing fixed credentials.
fn credential_process(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("credentials.sh");
    let script = format!(
        "#!/bin/sh\nprintf '%s' '{{\"Version\": 1, \"AccessKeyId\": \"{PROCESS_ACCESS_KEY}\", \
         \"SecretAccessKey\": \"process-secret\"}}'\n"
    );
    std::fs::write(&path, script).expect("write the script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .expect("make the script executable");
    path
}

fn process_home(name: &str) -> Home {
    let home = Home::new(name, "");
    let script = credential_process(&home.dir);
    let config = format!(
        "[profile builder]\ncredential_process = {}\nregion = us-east-1\n",
        script.display()
    );
    std::fs::write(home.dir.join(".aws/config"), config).expect("write ~/.aws/config");
    home
}

#[test]
fn credential_process_of_the_profile_signs_the_batch_calls() {
    let local = Local::start();
    let job = finished_job(&local);
    let home = process_home("process");
    let output = home
        .waiters(
            &local,
            &[
                "wait",
                "JobComplete",
                "--job-id",
                &job,
                "--profile",
                "builder",
            ],
        )
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_signed_by(&local, PROCESS_ACCESS_KEY);
}

#[test]
fn aws_profile_selects_the_profile() {
    let local = Local::start();
    let job = finished_job(&local);
    let home = process_home("aws-profile");
    let output = home
        .waiters(&local, &["wait-for-job", &job, "--delay", "0"])
        .env("AWS_PROFILE", "builder")
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_signed_by(&local, PROCESS_ACCESS_KEY);
}

#[test]
fn the_profile_option_wins_over_keys_in_the_environment() {
    let local = Local::start();
    let job = finished_job(&local);
    let home = process_home("profile-over-env");
    let output = home
        .waiters(
            &local,
            &[
                "wait",
                "JobComplete",
                "--job-id",
                &job,
                "--profile",
                "builder",
            ],
        )
        .env("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT")
        .env("AWS_SECRET_ACCESS_KEY", "environment-secret")
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_signed_by(&local, PROCESS_ACCESS_KEY);
}

/// What the SSO stand-in was asked.
#[derive(Debug, Default)]
struct PortalLog {
    /// (bearer token, account id, role name) of each GetRoleCredentials call.
    calls: Vec<(String, String, String)>,
}

/// The SSO portal's GetRoleCredentials (`GET /federation/credentials`), in this process.
struct Portal {
    url: String,
    log: Arc<Mutex<PortalLog>>,
    // Serves the stand-in; dropping it stops the server.
    _runtime: tokio::runtime::Runtime,
}

impl Portal {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let log = Arc::new(Mutex::new(PortalLog::default()));
        let app = axum::Router::new()
            .route(
                "/federation/credentials",
                axum::routing::get(get_role_credentials),
            )
            .with_state(Arc::clone(&log));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the SSO stand-in");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            url,
            log,
            _runtime: runtime,
        }
    }

    fn calls(&self) -> Vec<(String, String, String)> {
        self.log.lock().expect("the portal log").calls.clone()
    }
}

async fn get_role_credentials(
    State(log): State<Arc<Mutex<PortalLog>>>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let token = headers
        .get("x-amz-sso_bearer_token")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let field = |name: &str| query.get(name).cloned().unwrap_or_default();
    log.lock().expect("the portal log").calls.push((
        token.clone(),
        field("account_id"),
        field("role_name"),
    ));
    if token == REVOKED_TOKEN {
        return (
            StatusCode::UNAUTHORIZED,
            [("x-amzn-errortype", "UnauthorizedException")],
            Json(json!({"message": "Session token not found or invalid"})),
        )
            .into_response();
    }
    let in_an_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis()
        + 3_600_000;
    Json(json!({
        "roleCredentials": {
            "accessKeyId": SSO_ACCESS_KEY,
            "secretAccessKey": "sso-secret",
            "sessionToken": "sso-session-token",
            "expiration": in_an_hour as u64,
        }
    }))
    .into_response()
}

/// A profile signing in through the `corp` sso-session.
fn sso_session_config() -> String {
    format!(
        "[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n\
         region = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
         sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    )
}

/// A legacy SSO profile (start URL in the profile, no sso-session).
const LEGACY_START_URL: &str = "https://legacy.awsapps.com/start";

fn legacy_config() -> String {
    format!(
        "[profile legacy]\nsso_start_url = {LEGACY_START_URL}\nsso_region = us-east-1\n\
         sso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\nregion = us-east-1\n"
    )
}

#[test]
fn an_sso_session_profile_gets_role_credentials_from_the_portal() {
    let local = Local::start();
    let job = finished_job(&local);
    let portal = Portal::start();
    let home = Home::new("sso-session", &sso_session_config());
    home.cache_token("corp", "valid-token", "2999-01-01T00:00:00Z");
    let output = home
        .waiters(
            &local,
            &["wait", "JobComplete", "--job-id", &job, "--profile", "dev"],
        )
        .env("AWS_ENDPOINT_URL_SSO", &portal.url)
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_eq!(
        portal.calls(),
        [(
            "valid-token".to_owned(),
            ACCOUNT.to_owned(),
            ROLE.to_owned()
        )],
        "one GetRoleCredentials call, with the cached token"
    );
    assert_signed_by(&local, SSO_ACCESS_KEY);
}

#[test]
fn a_legacy_sso_profile_gets_role_credentials_from_the_portal() {
    let local = Local::start();
    let job = finished_job(&local);
    let portal = Portal::start();
    let home = Home::new("sso-legacy", &legacy_config());
    home.cache_token(LEGACY_START_URL, "legacy-token", "2999-01-01T00:00:00Z");
    let output = home
        .waiters(&local, &["wait-for-job", &job, "--delay", "0"])
        .env("AWS_PROFILE", "legacy")
        .env("AWS_ENDPOINT_URL_SSO", &portal.url)
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_eq!(portal.calls().len(), 1);
    assert_signed_by(&local, SSO_ACCESS_KEY);
}

/// Exit 2, exactly `line` on stderr, nothing on stdout, and no Batch call.
fn assert_sign_in_asked(output: &std::process::Output, local: &Local, line: &str) {
    assert_exit(output, 2);
    assert_eq!(stderr(output), format!("{line}\n"));
    assert_eq!(stdout(output), "");
    assert_eq!(local.server.counters().total().requests, 0);
}

#[test]
fn an_expired_sso_token_asks_for_aws_sso_login_before_any_call() {
    let local = Local::start();
    let portal = Portal::start();
    let home = Home::new("sso-expired", &sso_session_config());
    home.cache_token("corp", "old-token", "2020-01-01T00:00:00Z");
    for output_format in ["text", "json"] {
        let output = home
            .waiters(&local, &["wait-for-job", "job-1", "--profile", "dev"])
            .args(["--output", output_format])
            .env("AWS_ENDPOINT_URL_SSO", &portal.url)
            .output()
            .expect("runs");
        assert_sign_in_asked(
            &output,
            &local,
            "waiters: the SSO token has expired for profile dev: run `aws sso login --profile dev`",
        );
    }
    assert_eq!(portal.calls().len(), 0, "an expired token is not sent");
}

#[test]
fn a_missing_sso_token_asks_for_aws_sso_login() {
    let local = Local::start();
    let home = Home::new("sso-missing", &sso_session_config());
    let output = home
        .waiters(&local, &["wait", "JobComplete", "--job-id", "job-1"])
        .env("AWS_PROFILE", "dev")
        .output()
        .expect("runs");
    assert_sign_in_asked(
        &output,
        &local,
        "waiters: there is no SSO token for profile dev: run `aws sso login --profile dev`",
    );
}

#[test]
fn a_token_the_portal_refuses_asks_for_aws_sso_login() {
    let local = Local::start();
    let portal = Portal::start();
    let home = Home::new("sso-refused", &legacy_config());
    home.cache_token(LEGACY_START_URL, REVOKED_TOKEN, "2999-01-01T00:00:00Z");
    let output = home
        .waiters(&local, &["wait", "JobComplete", "--job-id", "job-1"])
        .args(["--profile", "legacy"])
        .env("AWS_ENDPOINT_URL_SSO", &portal.url)
        .output()
        .expect("runs");
    assert_sign_in_asked(
        &output,
        &local,
        "waiters: the SSO portal refused the token for profile legacy: run `aws sso login --profile legacy`",
    );
}

#[test]
fn a_role_assumed_from_an_sso_profile_names_the_sso_profile() {
    let local = Local::start();
    let config = format!(
        "{}\n[profile deploy]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Deploy\nsource_profile = dev\n",
        sso_session_config()
    );
    let home = Home::new("sso-role", &config);
    home.cache_token("corp", "old-token", "2020-01-01T00:00:00Z");
    let output = home
        .waiters(&local, &["wait", "JobComplete", "--job-id", "job-1"])
        .args(["--profile", "deploy"])
        .output()
        .expect("runs");
    assert_sign_in_asked(
        &output,
        &local,
        "waiters: the SSO token has expired for profile dev: run `aws sso login --profile dev`",
    );
}
