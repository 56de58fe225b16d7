//! The faults of a broken endpoint: a request never answered, a body that never ends.
//! Seen from a raw TCP client, so nothing on the client side bounds them.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use waiters_local::{FaultKind, LocalBatch};

fn request(path: &str, method: &str, body: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn send(server: &LocalBatch, text: &str) -> TcpStream {
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(text.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn never_answer_keeps_the_connection_open_without_a_byte() {
    let server = LocalBatch::builder().start().await.unwrap();
    server.faults().never_answer_next(1);
    let mut stream = send(
        &server,
        &request("/v1/describejobs", "POST", r#"{"jobs": ["j"]}"#),
    )
    .await;
    let mut buffer = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buffer)).await;
    assert!(read.is_err(), "no byte may arrive: {read:?}");
    let counters = server.counters().describe_jobs;
    assert_eq!((counters.requests, counters.dropped_connections), (1, 1));
    // The rule was for one request: the next is answered.
    let mut stream = send(
        &server,
        &request("/v1/describejobs", "POST", r#"{"jobs": ["j"]}"#),
    )
    .await;
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await;
    assert!(matches!(read, Ok(Ok(1))), "{read:?}");
}

#[tokio::test]
async fn endless_body_goes_on_past_any_reasonable_size() {
    let server = LocalBatch::builder().start().await.unwrap();
    server.faults().endless_body_next(1);
    let mut stream = send(
        &server,
        &request("/v1/describejobs", "POST", r#"{"jobs": ["j"]}"#),
    )
    .await;
    let mut received = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    while received.len() < 8 * 1024 * 1024 {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "the body ended after {} bytes", received.len());
        received.extend_from_slice(&buffer[..n]);
    }
    let head = String::from_utf8_lossy(&received[..512]);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    assert!(
        head.contains(r#"{"jobs": [{"jobId": "endless", "statusReason": ""#),
        "{head}"
    );
    // Chunk framing aside, the rest is the status reason going on.
    let filler = received.iter().filter(|b| **b == b'x').count();
    assert!(
        filler * 100 >= received.len() * 99,
        "{filler} of {}",
        received.len()
    );
}

#[tokio::test]
async fn the_admin_route_installs_the_new_kinds() {
    let server = LocalBatch::builder().start().await.unwrap();
    for (kind, expected) in [
        ("neverAnswer", FaultKind::NeverAnswer),
        ("endlessBody", FaultKind::EndlessBody),
    ] {
        let body = format!(r#"{{"kind": "{kind}", "next": 1}}"#);
        let mut stream = send(&server, &request("/_local/faults", "POST", &body)).await;
        let mut answer = vec![0u8; 4096];
        let n = stream.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            server
                .faults()
                .rules()
                .iter()
                .any(|rule| rule.kind == expected),
            "{kind}"
        );
        assert_eq!(expected.name(), kind);
    }
}
