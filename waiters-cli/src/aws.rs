//! The AWS configuration (the standard chain plus `--profile`/`--region`/`--endpoint-url`), loaded
//! once per command, and the clients built from it: Batch for the waits, SQS and
//! EventBridge for events.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use waiters_cli::events::EventsClients;
use waiters_runtime::aws_sdk_batch::Client;

use crate::cli::{AwsArgs, parse_endpoint_url, parse_region};
use crate::error::CliError;

/// Environment variables that set the Batch endpoint, most specific first (the SDK reads
/// them in this order).
const BATCH_ENDPOINT_VARIABLES: [&str; 2] = ["AWS_ENDPOINT_URL_BATCH", "AWS_ENDPOINT_URL"];

/// The same for SQS and EventBridge.
const SQS_ENDPOINT_VARIABLES: [&str; 2] = ["AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"];
const EVENTBRIDGE_ENDPOINT_VARIABLES: [&str; 2] =
    ["AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL"];
const LOGS_ENDPOINT_VARIABLES: [&str; 2] = ["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL"];

/// A Batch client and the endpoint it calls, for messages.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) client: Client,
    /// The endpoint URL as configured, or the regional AWS endpoint.
    pub(crate) endpoint: String,
}

/// A service whose endpoint the environment may set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Service {
    Batch,
    Sqs,
    EventBridge,
    /// CloudWatch Logs (job logs).
    Logs,
}

impl Service {
    /// Environment variables that set its endpoint, most specific first (the SDK reads
    /// them in this order).
    fn endpoint_variables(self) -> [&'static str; 2] {
        match self {
            Self::Batch => BATCH_ENDPOINT_VARIABLES,
            Self::Sqs => SQS_ENDPOINT_VARIABLES,
            Self::EventBridge => EVENTBRIDGE_ENDPOINT_VARIABLES,
            Self::Logs => LOGS_ENDPOINT_VARIABLES,
        }
    }
}

/// The loaded configuration of one command; every client of the command comes from it,
/// so `--region`, `--endpoint-url` and the service-specific endpoint variables apply to
/// all of them alike.
#[derive(Debug)]
pub(crate) struct AwsConfig {
    config: SdkConfig,
    /// The Batch endpoint as configured (`--endpoint-url` or the environment).
    batch_endpoint: Option<String>,
}

impl AwsConfig {
    /// Loads the AWS configuration and resolves credentials (see
    /// [`crate::credentials::resolve`]: a missing or expired SSO token fails here).
    /// A malformed endpoint in the environment for one of `services`, and a missing or
    /// malformed region, are reported here (exit 2) rather than on the first call, where
    /// they would surface as request failures.
    pub(crate) async fn load(args: &AwsArgs, services: &[Service]) -> Result<Self, CliError> {
        let mut batch_endpoint = args.endpoint_url.clone();
        if args.endpoint_url.is_none() {
            for service in services {
                let endpoint = endpoint_from_environment(*service)?;
                if *service == Service::Batch {
                    batch_endpoint = endpoint;
                }
            }
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &args.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &args.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(profile) = &args.profile {
            loader = loader
                .profile_name(profile)
                .credentials_provider(crate::credentials::profile_provider(profile, args).await);
        }
        let config = loader.load().await;
        let Some(region) = config.region() else {
            return Err(CliError::NoRegion);
        };
        // --region is checked by the option parser; one from the environment or a config
        // file is checked here.
        parse_region(region.as_ref())
            .map_err(|why| CliError::Usage(format!("the configured region: {why}")))?;
        let batch_endpoint = batch_endpoint
            .or_else(|| config.endpoint_url().map(str::to_owned))
            .or_else(|| Some(format!("https://batch.{region}.amazonaws.com")));
        tracing::debug!(%region, ?batch_endpoint, "AWS configuration loaded");
        let config = crate::credentials::resolve(config, args.profile.as_deref()).await?;
        Ok(Self {
            config,
            batch_endpoint,
        })
    }

    /// The Batch client.
    pub(crate) fn batch(&self) -> Batch {
        Batch {
            client: Client::new(&self.config),
            endpoint: self.batch_endpoint.clone().unwrap_or_default(),
        }
    }

    /// The SQS client (event-driven waits).
    pub(crate) fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }

    /// The CloudWatch Logs client: `--endpoint-url` applies to it too, unless
    /// AWS_ENDPOINT_URL_CLOUDWATCH_LOGS names another endpoint (so that one URL serves moto
    /// or the local endpoint, and Logs can still be pointed elsewhere).
    pub(crate) fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        let mut config = aws_sdk_cloudwatchlogs::config::Builder::from(&self.config);
        if let Some(url) = std::env::var_os(LOGS_ENDPOINT_VARIABLES[0])
            .and_then(|url| parse_endpoint_url(&url.to_string_lossy()).ok())
        {
            config = config.endpoint_url(url);
        }
        aws_sdk_cloudwatchlogs::Client::from_conf(config.build())
    }

    /// The SQS and EventBridge clients of `waiters events`.
    pub(crate) fn events_clients(&self) -> EventsClients {
        EventsClients::from_sdk_config(&self.config)
    }
}

/// The first of the service's endpoint variables that is set, checked: a malformed one
/// is a usage error.
fn endpoint_from_environment(service: Service) -> Result<Option<String>, CliError> {
    for variable in service.endpoint_variables() {
        if let Some(value) = std::env::var_os(variable) {
            let value = value.to_string_lossy().into_owned();
            parse_endpoint_url(&value)
                .map_err(|why| CliError::Usage(format!("{variable}: {why}")))?;
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// Loads the configuration and builds a Batch client (see [`AwsConfig`]).
pub(crate) async fn batch_client(args: &AwsArgs) -> Result<Batch, CliError> {
    Ok(AwsConfig::load(args, &[Service::Batch]).await?.batch())
}
