//! Responses of a broken or hostile endpoint, for the `neverAnswer` and `endlessBody`
//! faults: clients must bound their calls and the bodies they read.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use hyper::body::Frame;

use crate::wire::REQUEST_ID_HEADER;

/// The size of each chunk of an endless body.
const CHUNK_BYTES: usize = 64 * 1024;

/// A 200 whose JSON body starts like a DescribeJobs answer and never ends: a status
/// reason of unbounded length, sent as fast as the client reads it.
pub(crate) fn endless_body(request_id: &str) -> Response {
    let mut response = Response::new(Body::new(EndlessJson { started: false }));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    response
}

struct EndlessJson {
    started: bool,
}

impl hyper::body::Body for EndlessJson {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let chunk = if self.started {
            Bytes::from(vec![b'x'; CHUNK_BYTES])
        } else {
            self.started = true;
            Bytes::from_static(br#"{"jobs": [{"jobId": "endless", "statusReason": ""#)
        };
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        false
    }
}

/// Waits for ever: the request was read, and no response will come while the connection
/// stays open.
pub(crate) async fn never_answer() -> Response {
    std::future::pending::<Response>().await
}
