//! The Batch client, configured by the standard AWS chain plus `--region`/`--endpoint-url`.

use aws_config::{BehaviorVersion, Region};
use waiters_runtime::aws_sdk_batch::Client;

use crate::cli::{AwsArgs, parse_endpoint_url, parse_region};
use crate::error::CliError;

/// Environment variables that set the endpoint, most specific first (the SDK reads them
/// in this order).
const ENDPOINT_VARIABLES: [&str; 2] = ["AWS_ENDPOINT_URL_BATCH", "AWS_ENDPOINT_URL"];

/// A Batch client and the endpoint it calls, for messages.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) client: Client,
    /// The endpoint URL as configured, or the regional AWS endpoint.
    pub(crate) endpoint: String,
}

/// Loads the AWS configuration (credentials are resolved lazily, on the first call) and
/// builds a Batch client. A missing or malformed region, and a malformed endpoint from
/// the environment, are reported here (exit 2) rather than on the first call, where they
/// would surface as request failures.
pub(crate) async fn batch_client(args: &AwsArgs) -> Result<Batch, CliError> {
    let mut from_environment = None;
    if args.endpoint_url.is_none() {
        for variable in ENDPOINT_VARIABLES {
            if let Some(value) = std::env::var_os(variable) {
                let value = value.to_string_lossy().into_owned();
                parse_endpoint_url(&value)
                    .map_err(|why| CliError::Usage(format!("{variable}: {why}")))?;
                from_environment = Some(value);
                break;
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
    let config = loader.load().await;
    let Some(region) = config.region() else {
        return Err(CliError::NoRegion);
    };
    // --region is checked by the option parser; one from the environment or a config
    // file is checked here.
    parse_region(region.as_ref())
        .map_err(|why| CliError::Usage(format!("the configured region: {why}")))?;
    let endpoint = args
        .endpoint_url
        .clone()
        .or(from_environment)
        .or_else(|| config.endpoint_url().map(str::to_owned))
        .unwrap_or_else(|| format!("https://batch.{region}.amazonaws.com"));
    tracing::debug!(%region, %endpoint, "AWS configuration loaded");
    Ok(Batch {
        client: Client::new(&config),
        endpoint,
    })
}
