//! Credentials resolved once, before any call: a missing or expired IAM Identity Center
//! (SSO) token is a one-line usage error telling the user to sign in, instead of a
//! request failure on the first call.
//!
//! Every source is aws-config's own provider chain (environment, profiles with SSO,
//! `credential_process`, web identity, ECS and EC2 instance metadata); this module only
//! asks it early and reads its error.

use std::borrow::Cow;
use std::error::Error;
use std::sync::{Mutex, PoisonError};

use aws_config::default_provider::region::DefaultRegionChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_types::os_shim_internal::{Env, Fs};

use crate::cli::AwsArgs;
use crate::error::{CliError, SsoProblem};

/// How many `source_profile` links are followed to find the profile with the SSO
/// settings (a role assumed from an SSO profile).
const MAX_SOURCE_PROFILES: usize = 8;

/// Resolves credentials through the configuration's provider chain before any call.
///
/// On success the configuration's provider hands these credentials to the first call and
/// asks the chain again when they are due for refresh, so a `credential_process` runs and
/// the SSO portal is asked once, not twice. A missing or expired SSO token is
/// [`CliError::SsoLogin`]; any other failure is left to the first call, which reports it
/// as it always has (exit 4, naming the credential error).
pub(crate) async fn resolve(
    config: SdkConfig,
    profile: Option<&str>,
) -> Result<SdkConfig, CliError> {
    let Some(chain) = config.credentials_provider() else {
        return Ok(config);
    };
    match chain.provide_credentials().await {
        Ok(credentials) => {
            tracing::debug!(
                access_key_id = credentials.access_key_id(),
                "credentials resolved"
            );
            let provider = FirstThenChain {
                first: Mutex::new(Some(credentials)),
                chain,
            };
            Ok(config
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build())
        }
        Err(error) => match sso_problem(&error) {
            Some(problem) => Err(CliError::SsoLogin {
                profile: sso_profile(profile).await,
                problem,
            }),
            None => {
                tracing::debug!(error = %chain_text(&error), "no credentials yet");
                Ok(config)
            }
        },
    }
}

/// The credentials of `--profile NAME`: the profile's own (keys, SSO, `credential_process`,
/// role), ahead of any in the environment, as with the AWS CLI's `--profile`. (`AWS_PROFILE`
/// goes through the default chain, where environment keys come first, as in the AWS CLI.)
pub(crate) async fn profile_provider(name: &str, args: &AwsArgs) -> ProfileFileCredentialsProvider {
    // The region for STS (roles) and the SSO portal when the profile names none.
    let region = match &args.region {
        Some(region) => Some(Region::new(region.clone())),
        None => {
            DefaultRegionChain::builder()
                .profile_name(name)
                .build()
                .region()
                .await
        }
    };
    ProfileFileCredentialsProvider::builder()
        .configure(&ProviderConfig::default().with_region(region))
        .profile_name(name)
        .build()
}

/// The credentials resolved up front for the first call, then the chain.
#[derive(Debug)]
struct FirstThenChain {
    first: Mutex<Option<Credentials>>,
    chain: SharedCredentialsProvider,
}

impl ProvideCredentials for FirstThenChain {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let first = self
            .first
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match first {
            Some(credentials) => future::ProvideCredentials::ready(Ok(credentials)),
            None => self.chain.provide_credentials(),
        }
    }
}

/// The SSO problem behind a credential error, if it is one. aws-config's SSO errors are
/// private types, so their messages are what can be matched.
pub(crate) fn sso_problem(error: &CredentialsError) -> Option<SsoProblem> {
    let text = chain_text(error);
    if text.contains("SSO token has expired") {
        Some(SsoProblem::Expired)
    } else if text.contains("cached SSO token") || text.contains("/sso/cache/") {
        Some(SsoProblem::Missing)
    } else if text.contains("UnauthorizedException") {
        Some(SsoProblem::Refused)
    } else {
        None
    }
}

/// The error and its sources, joined.
fn chain_text(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// The profile to sign in with: the selected one (`--profile`, `AWS_PROFILE`, else
/// `default`), or the profile it takes its credentials from that has the SSO settings.
async fn sso_profile(selected: Option<&str>) -> String {
    let set = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &Default::default(),
        selected.map(|name| Cow::Owned(name.to_owned())),
    )
    .await;
    let Ok(set) = set else {
        return selected.unwrap_or("default").to_owned();
    };
    let mut name = set.selected_profile();
    for _ in 0..MAX_SOURCE_PROFILES {
        let Some(profile) = set.get_profile(name) else {
            break;
        };
        if profile.get("sso_session").is_some() || profile.get("sso_start_url").is_some() {
            return name.to_owned();
        }
        match profile.get("source_profile") {
            Some(source) => name = source,
            None => break,
        }
    }
    set.selected_profile().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sso_errors_are_told_apart_from_others() {
        let expired =
            CredentialsError::provider_error("the SSO token has expired and cannot be refreshed");
        assert_eq!(sso_problem(&expired), Some(SsoProblem::Expired));
        let missing = CredentialsError::provider_error("failed to load the cached SSO token");
        assert_eq!(sso_problem(&missing), Some(SsoProblem::Missing));
        let unreadable =
            CredentialsError::provider_error("failed to read `/home/u/.aws/sso/cache/0123.json`");
        assert_eq!(sso_problem(&unreadable), Some(SsoProblem::Missing));
        let other = CredentialsError::not_loaded("no providers in chain provided credentials");
        assert_eq!(sso_problem(&other), None);
    }
}
