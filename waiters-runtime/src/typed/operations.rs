//! The Batch operations typed waiters can poll: for each, the [`Operation`] impl on the
//! SDK's operation type and the input setters of [`Waiter`], named and typed as on the
//! SDK's fluent builder (`jobs`, `set_jobs`, `get_jobs`).

use aws_sdk_batch::Client;
use aws_sdk_batch::operation;
use aws_sdk_batch::operation::describe_jobs::DescribeJobs;

use crate::operation::{Operation, Response};
use crate::poller::{JobPoller, TypedCall};
use crate::typed::waiter::{Definition, PooledCall, Route, Waiter};

/// One block per operation: its SDK module and types, then one line per input member:
/// `name(setter argument) / set_name(Option<stored>) / get_name, "what it is";`.
macro_rules! batch_operations {
    ($(
        $name:ident in $module:ident ($builder:ident -> $output:ident, $error:ident) {
            $($member:ident($param:ty) / $set:ident($stored:ty) / $get:ident, $what:literal;)*
        }
    )*) => {$(
        impl Operation for operation::$module::$name {
            const NAME: &'static str = stringify!($name);
            type Input = operation::$module::builders::$builder;
            type Output = operation::$module::$output;
            type Error = operation::$module::$error;

            fn send(
                client: &Client,
                input: &Self::Input,
            ) -> impl Future<Output = Response<Self>> + Send + 'static {
                client.$module()$(.$set(input.$get().clone()))*.send()
            }
        }

        impl<D: Definition<Operation = operation::$module::$name>>
            Waiter<D, operation::$module::$name>
        {$(
            #[doc = concat!("Adds to the `", stringify!($name), "` input's `", stringify!($member),
                "` (", $what, "), as the SDK's builder does.")]
            pub fn $member(mut self, input: $param) -> Self {
                self.input = self.input.$member(input);
                self
            }

            #[doc = concat!("Sets or clears the `", stringify!($name), "` input's `",
                stringify!($member), "`.")]
            pub fn $set(mut self, input: Option<$stored>) -> Self {
                self.input = self.input.$set(input);
                self
            }

            #[doc = concat!("The `", stringify!($name), "` input's `", stringify!($member), "`.")]
            pub fn $get(&self) -> &Option<$stored> {
                self.input.$get()
            }
        )*}
    )*};
}

/// DescribeJobs waits can share calls through a [`JobPoller`].
impl<D: Definition<Operation = DescribeJobs>> Waiter<D, DescribeJobs> {
    /// Makes this wait's calls through `poller`, merged with other waits' (see
    /// [`JobPoller`]); the outputs it sees hold only its own jobs.
    pub fn poller(mut self, poller: &JobPoller) -> Self {
        self.route = Some(Route {
            poller: poller.clone(),
            calls: |poller, input| {
                let ids = input.get_jobs().clone().unwrap_or_default();
                PooledCall(Box::new(TypedCall::new(poller.register(ids), |r| r.output)))
            },
        });
        self
    }

    /// The shared poller this wait's calls go through, if any.
    pub fn get_poller(&self) -> Option<&JobPoller> {
        self.route.as_ref().map(|route| &route.poller)
    }
}

batch_operations! {
    DescribeJobs in describe_jobs (DescribeJobsInputBuilder -> DescribeJobsOutput, DescribeJobsError) {
        jobs(impl Into<String>) / set_jobs(Vec<String>) / get_jobs,
            "a job ID or ARN; DescribeJobs takes at most 100";
    }
}
