//! One wait registered with the poller, and the states it goes through between its calls.
//!
//! Like tokio's `Notified`, a wait is in exactly one state, and what an answer does depends
//! on it: a wait that asks gets it at once; a sleeping one keeps it and wakes; any other
//! keeps it for its next call. Rounds and events hand out answers through the one
//! transition, [`Entry::answer`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::{Answer, Form};

/// One wait registered with the poller.
pub(super) struct Entry {
    pub(super) ids: Arc<[String]>,
    pub(super) form: Form,
    state: WaitState,
}

/// Where a wait is between its calls.
enum WaitState {
    /// Registered and not asking: before its first call, or handling an answer.
    Idle,
    /// Sleeping until its next call is due at `due`; a round may answer it up to `window`
    /// early, which ends the sleep through `wake`.
    Sleeping {
        due: Instant,
        window: Duration,
        wake: oneshot::Sender<()>,
    },
    /// Its call is due: waiting for a round's answer.
    Asking(oneshot::Sender<Answer>),
    /// An answer came before its call (a round's, early, or an event's), kept until it
    /// asks (boxed: see `Kept` in engine.rs).
    Answered(Box<Answer>),
}

/// What a wait that asks gets.
pub(super) enum Asked {
    /// The answer that was kept for it.
    Kept(Box<Answer>),
    /// A round's answer, to come.
    ToCome(oneshot::Receiver<Answer>),
}

impl Entry {
    pub(super) fn new(ids: Arc<[String]>, form: Form) -> Self {
        Self {
            ids,
            form,
            state: WaitState::Idle,
        }
    }

    /// The wait asks for its next answer: the kept one, or one a round will give.
    pub(super) fn ask(&mut self) -> Asked {
        match std::mem::replace(&mut self.state, WaitState::Idle) {
            WaitState::Answered(answer) => Asked::Kept(answer),
            _ => {
                let (sender, receiver) = oneshot::channel();
                self.state = WaitState::Asking(sender);
                Asked::ToCome(receiver)
            }
        }
    }

    /// The wait sleeps until `due`, and may be answered up to `window` early: the receiver
    /// hears when it is. A wait that already has an answer does not sleep (the receiver
    /// is closed at once).
    pub(super) fn sleep(&mut self, due: Instant, window: Duration) -> oneshot::Receiver<()> {
        let (wake, woken) = oneshot::channel();
        if !matches!(self.state, WaitState::Answered(_)) {
            self.state = WaitState::Sleeping { due, window, wake };
        }
        woken
    }

    /// Gives the wait an answer: to its call if it asks, else kept for its next call,
    /// ending its sleep. A newer answer replaces a kept one.
    pub(super) fn answer(&mut self, answer: Answer) {
        match std::mem::replace(&mut self.state, WaitState::Idle) {
            WaitState::Asking(request) => {
                let _ = request.send(answer);
            }
            WaitState::Sleeping { wake, .. } => {
                self.state = WaitState::Answered(Box::new(answer));
                let _ = wake.send(());
            }
            WaitState::Idle | WaitState::Answered(_) => {
                self.state = WaitState::Answered(Box::new(answer));
            }
        }
    }

    /// Whether the wait's call is due now.
    pub(super) fn is_asking(&self) -> bool {
        matches!(self.state, WaitState::Asking(_))
    }

    /// Whether the wait has no answer and is not asking for one: an event may answer it
    /// ahead of its call.
    pub(super) fn awaits_news(&self) -> bool {
        matches!(self.state, WaitState::Idle | WaitState::Sleeping { .. })
    }

    /// When its sleeping call is due, if a call at `now` may answer it (its window reaches
    /// `now`).
    pub(super) fn due_by(&self, now: Instant) -> Option<Instant> {
        match self.state {
            WaitState::Sleeping { due, window, .. } if due <= now + window => Some(due),
            _ => None,
        }
    }
}
