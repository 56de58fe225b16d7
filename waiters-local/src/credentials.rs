//! The credentials the endpoint's own SDK clients use. The server checks no signatures,
//! so any will do; these are fixed so that tests and documentation can name them.

use aws_sdk_batch::config::Credentials;

/// Access key id of the credentials [`LocalBatch::client_config`](crate::LocalBatch::client_config)
/// uses. The server does not check signatures.
pub const TEST_ACCESS_KEY_ID: &str = "AKIDWAITERSLOCAL";
/// Secret key of the credentials [`LocalBatch::client_config`](crate::LocalBatch::client_config) uses.
pub const TEST_SECRET_ACCESS_KEY: &str = "waiters-local-secret";

/// [`TEST_ACCESS_KEY_ID`] and [`TEST_SECRET_ACCESS_KEY`] as SDK credentials.
pub(crate) fn test_credentials() -> Credentials {
    Credentials::new(
        TEST_ACCESS_KEY_ID,
        TEST_SECRET_ACCESS_KEY,
        None,
        None,
        "waiters-local",
    )
}
