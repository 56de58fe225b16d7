//! The Batch client, configured by the standard AWS chain plus `--region`/`--endpoint-url`.

use aws_config::{BehaviorVersion, Region};
use waiters_runtime::aws_sdk_batch::Client;

use crate::cli::AwsArgs;
use crate::error::CliError;

/// Loads the AWS configuration (credentials are resolved lazily, on the first call) and
/// builds a Batch client. A missing region is reported here rather than on the first call,
/// where it would surface as a request failure.
pub(crate) async fn batch_client(args: &AwsArgs) -> Result<Client, CliError> {
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
    tracing::debug!(%region, endpoint_url = ?config.endpoint_url(), "AWS configuration loaded");
    Ok(Client::new(&config))
}
