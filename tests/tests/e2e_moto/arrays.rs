//! Array jobs on moto. moto runs an array's children and keeps the parent's
//! `statusSummary`, and marks the parent `SUCCEEDED` once every child has; but a parent
//! with a failed child is never marked `FAILED` (moto 5 leaves it `SUBMITTED`), where
//! Batch marks it so once every child has ended. `wait_for_array` ends such a wait when the summary shows every child ended:
//! a failure, reported with the parent as moto describes it.

use aws_sdk_batch::types::{ArrayProperties, JobStatus};
use waiters_runtime::JobWaitError;
use waiters_runtime::array::{ArrayProgress, failed_children, wait_for_array};
use waiters_runtime::engine::NoObserver;

use super::{batch_client, create_batch_resources, fast_waiters, set_moto_use_docker};

async fn submit_array(client: &aws_sdk_batch::Client, queue: &str, definition: &str) -> String {
    client
        .submit_job()
        .job_name("waiters-moto-array")
        .job_queue(queue)
        .job_definition(definition)
        .array_properties(ArrayProperties::builder().size(3).build())
        .send()
        .await
        .expect("SubmitJob")
        .job_id()
        .expect("jobId")
        .to_owned()
}

#[tokio::test]
async fn moto_array_succeeds_with_its_children() {
    set_moto_use_docker(false).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "array-ok").await;
    let parent = submit_array(&client, &queue, &definition).await;
    let (waiters, options) = fast_waiters(client.clone());
    let job = wait_for_array(&waiters, &parent, &options, NoObserver)
        .await
        .expect("every child succeeded");
    let progress = ArrayProgress::from_job(&job).expect("an array parent");
    assert_eq!((progress.size(), progress.succeeded()), (3, 3));
    assert!(
        failed_children(&client, &parent)
            .await
            .unwrap()
            .children
            .is_empty()
    );
}

#[tokio::test]
async fn moto_array_with_failed_children_ends_when_every_child_ended() {
    // Without a Docker engine, moto's Docker backend fails every child.
    set_moto_use_docker(true).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "array-fails").await;
    let parent = submit_array(&client, &queue, &definition).await;
    let (waiters, options) = fast_waiters(client.clone());
    let err = wait_for_array(&waiters, &parent, &options, NoObserver)
        .await
        .unwrap_err();
    set_moto_use_docker(false).await;
    let JobWaitError::JobFailed { job, .. } = &err else {
        panic!("expected JobFailed, got {err}")
    };
    // The parent as moto describes it: not FAILED, every child ended.
    assert_ne!(
        job.status(),
        Some(&JobStatus::Failed),
        "moto changed: {job:?}"
    );
    let progress = ArrayProgress::from_job(job).expect("an array parent");
    assert_eq!((progress.size(), progress.failed()), (3, 3));
    let failed = failed_children(&client, &parent).await.unwrap();
    let indexes: Vec<_> = failed.children.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [Some(0), Some(1), Some(2)]);
    assert_eq!(failed.list_calls, 1);
    println!("moto: {err}; parent {:?}, {progress}", job.status());
}
