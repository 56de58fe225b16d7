//! The access key ids that signed Batch requests, so that a test can tell which
//! credentials a client resolved (a profile, an SSO sign-in, a `credential_process`).
//! Signatures are not checked: any credentials are accepted.

use std::sync::{Mutex, PoisonError};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// Distinct access key ids, in the order first seen.
#[derive(Debug, Default)]
pub(crate) struct Signers {
    access_key_ids: Mutex<Vec<String>>,
}

impl Signers {
    /// Takes in the access key id of a SigV4 `Authorization` header, if there is one.
    pub(crate) fn record(&self, headers: &HeaderMap) {
        let Some(id) = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(access_key_id)
        else {
            return;
        };
        let mut ids = self
            .access_key_ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
    }

    pub(crate) fn access_key_ids(&self) -> Vec<String> {
        self.access_key_ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `AKID` of `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/batch/aws4_request, ...`.
fn access_key_id(authorization: &str) -> Option<&str> {
    let (_, credential) = authorization.split_once("Credential=")?;
    let (id, _) = credential.split_once('/')?;
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_key_id_is_read_from_a_sigv4_header() {
        assert_eq!(
            access_key_id(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/batch/aws4_request, \
                 SignedHeaders=host, Signature=abc"
            ),
            Some("AKIDEXAMPLE")
        );
        assert_eq!(access_key_id("Bearer token"), None);
        assert_eq!(access_key_id("AWS4-HMAC-SHA256 Credential=/x"), None);
    }

    #[test]
    fn each_id_is_kept_once_in_order() {
        let signers = Signers::default();
        for id in ["B", "A", "B"] {
            let mut headers = HeaderMap::new();
            let value = format!("AWS4-HMAC-SHA256 Credential={id}/d/r/batch/aws4_request");
            headers.insert(AUTHORIZATION, value.parse().expect("a header value"));
            signers.record(&headers);
        }
        assert_eq!(signers.access_key_ids(), ["B", "A"]);
    }
}
