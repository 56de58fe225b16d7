//! The results as Markdown tables, the goals, and the checks that fail the run.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::jobs::{FAILED_SHARE, INITIAL_DELAY, PHASE_RANGES};
use crate::run::{Mode, Outcome, Setup};
use crate::tap::DescribeCall;

/// DescribeJobs takes at most this many ids.
const IDS_PER_CALL: usize = 100;
/// Calls closer than this to the previous one belong to the same burst: a poller round's
/// calls go out together, though on a busy machine their requests leave over tens of
/// milliseconds; at the default scale (1/4) the waits' delays are 500 ms and more.
pub(crate) const BURST_GAP: Duration = Duration::from_millis(50);
/// "Within one long poll, about a second, of its event".
const LONG_POLL_GOAL: Duration = Duration::from_secs(1);

pub(crate) fn mode_name(mode: Mode) -> String {
    match mode {
        Mode::PerJob => "per-job polling".to_owned(),
        Mode::Poller => "shared poller".to_owned(),
        Mode::Events { reconcile } => format!("events, reconcile {}", secs(reconcile)),
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// Nearest-rank quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied()
}

/// "p50 / p99 / max" of `values`, in seconds.
fn spread(mut values: Vec<f64>) -> String {
    values.sort_by(f64::total_cmp);
    match (
        quantile(&values, 0.5),
        quantile(&values, 0.99),
        values.last(),
    ) {
        (Some(p50), Some(p99), Some(max)) => format!("{p50:.2} / {p99:.2} / {max:.2}"),
        _ => "-".to_owned(),
    }
}

/// The most events published within any one second, and the mean rate from the first
/// publication to the last: what the event path (moto here) had to keep up with.
fn publication_rate(published: impl IntoIterator<Item = Instant>) -> Option<(usize, f64)> {
    let mut at: Vec<Instant> = published.into_iter().collect();
    at.sort();
    let (first, last) = (*at.first()?, *at.last()?);
    let mut peak = 0;
    let mut start = 0;
    for (end, &instant) in at.iter().enumerate() {
        while instant.duration_since(at[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        peak = peak.max(end + 1 - start);
    }
    let span = last.duration_since(first).as_secs_f64();
    Some((
        peak,
        if span > 0.0 {
            at.len() as f64 / span
        } else {
            at.len() as f64
        },
    ))
}

fn since(later: Instant, earlier: Instant) -> f64 {
    match later.checked_duration_since(earlier) {
        Some(d) => d.as_secs_f64(),
        None => -earlier.duration_since(later).as_secs_f64(),
    }
}

/// DescribeJobs calls grouped into bursts (the calls of one poller round).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Burst {
    pub(crate) at: Instant,
    pub(crate) calls: usize,
    pub(crate) ids: usize,
}

pub(crate) fn bursts(calls: &[DescribeCall]) -> Vec<Burst> {
    let mut sorted = calls.to_vec();
    sorted.sort_by_key(|c| c.at);
    let mut bursts: Vec<Burst> = Vec::new();
    let mut last = None::<Instant>;
    for call in sorted {
        match bursts.last_mut() {
            Some(burst) if last.is_some_and(|l| call.at.duration_since(l) <= BURST_GAP) => {
                burst.calls += 1;
                burst.ids += call.ids.len();
            }
            _ => bursts.push(Burst {
                at: call.at,
                calls: 1,
                ids: call.ids.len(),
            }),
        }
        last = Some(call.at);
    }
    bursts
}

/// Events' DescribeJobs calls against what reconciliation alone requires: a first call
/// for every job, then at each reconciliation instant t0 + k * R (t0: the first call;
/// every k >= 1 with t0 + k * R before the last wait ended) one call per 100 jobs still
/// waited, ceil(W_k/100). The first calls are counted as made (calls asking for a job
/// not asked before): ceil(N/100) when every wait asks in one poller round, a call or
/// two more when the waits' first asks straddle rounds (a round does not hold its calls
/// back to gather more; the shared poller's first calls are the same).
pub(crate) struct Reconciliation {
    /// Calls asking for a job never asked for before, and the ids they asked.
    pub(crate) first_calls: u64,
    pub(crate) first_ids: usize,
    /// Calls asking only for jobs asked for before.
    pub(crate) repeat_calls: u64,
    /// (k, W_k, ceil(W_k/100)) for k >= 1.
    pub(crate) rounds: Vec<(u64, usize, u64)>,
}

impl Reconciliation {
    pub(crate) fn bound(&self) -> u64 {
        self.first_calls + self.rounds.iter().map(|r| r.2).sum::<u64>()
    }

    pub(crate) fn formula(&self) -> String {
        let mut terms = vec![format!("{} (first calls)", self.first_calls)];
        terms.extend(
            self.rounds
                .iter()
                .map(|(k, waiting, calls)| format!("ceil({waiting}/100)={calls} (k={k})")),
        );
        terms.join(" + ")
    }

    /// The most first calls accepted: two per 100 jobs and two more (the waits' first
    /// asks spread over a few rounds); one call per job would be far above.
    pub(crate) fn first_calls_limit(jobs: usize) -> u64 {
        2 * jobs.div_ceil(IDS_PER_CALL) as u64 + 2
    }
}

pub(crate) fn reconciliation(outcome: &Outcome, reconcile: Duration) -> Reconciliation {
    let mut calls = outcome.wire.describe_jobs.clone();
    calls.sort_by_key(|c| c.at);
    let first = calls.first().map_or(outcome.started, |c| c.at);
    let mut asked = std::collections::HashSet::new();
    let (mut first_calls, mut first_ids, mut repeat_calls) = (0, 0, 0);
    for call in &calls {
        let new = call
            .ids
            .iter()
            .filter(|id| asked.insert(id.as_str()))
            .count();
        if new > 0 {
            first_calls += 1;
            first_ids += new;
        } else {
            repeat_calls += 1;
        }
    }
    let end = outcome
        .records
        .iter()
        .map(|r| r.returned)
        .max()
        .unwrap_or(first);
    let mut rounds = Vec::new();
    for k in 1u32.. {
        if reconcile.is_zero() {
            break;
        }
        let Some(at) = reconcile.checked_mul(k).and_then(|d| first.checked_add(d)) else {
            break;
        };
        if at >= end {
            break;
        }
        let waiting = outcome.records.iter().filter(|r| r.returned > at).count();
        rounds.push((u64::from(k), waiting, waiting.div_ceil(IDS_PER_CALL) as u64));
    }
    Reconciliation {
        first_calls,
        first_ids,
        repeat_calls,
        rounds,
    }
}

/// Derived numbers of one mode.
struct Numbers {
    right: usize,
    attempts: [f64; 3],
    bursts: Vec<Burst>,
    lags: Vec<f64>,
    /// Events only: terminal -> its event published, published -> wait returned, and the
    /// waits that returned before their event was published.
    to_published: Vec<f64>,
    published_to_return: Vec<f64>,
    /// Events only: published -> received from SQS, received -> wait returned.
    published_to_received: Vec<f64>,
    received_to_return: Vec<f64>,
    before_event: usize,
    no_event: usize,
}

fn numbers(outcome: &Outcome) -> Numbers {
    let n = outcome.records.len().max(1) as f64;
    let mut attempts = [0.0; 3];
    let mut numbers = Numbers {
        right: 0,
        attempts,
        bursts: bursts(&outcome.wire.describe_jobs),
        lags: Vec::new(),
        to_published: Vec::new(),
        published_to_return: Vec::new(),
        published_to_received: Vec::new(),
        received_to_return: Vec::new(),
        before_event: 0,
        no_event: 0,
    };
    let events = matches!(outcome.mode, Mode::Events { .. });
    for record in &outcome.records {
        for (total, a) in attempts.iter_mut().zip(record.attempts) {
            *total += f64::from(a) / n;
        }
        let Some(terminal) = record.terminal.filter(|_| record.wrong.is_none()) else {
            continue;
        };
        numbers.right += 1;
        numbers.lags.push(since(record.returned, terminal));
        if !events {
            continue;
        }
        let key = (record.job_id.clone(), record.status.to_owned());
        match outcome.wire.published.get(&key) {
            Some(&published) => {
                numbers.to_published.push(since(published, terminal));
                if published <= record.returned {
                    numbers
                        .published_to_return
                        .push(since(record.returned, published));
                    if let Some(&received) = outcome.wire.received.get(&key) {
                        numbers
                            .published_to_received
                            .push(since(received, published));
                        if received <= record.returned {
                            numbers
                                .received_to_return
                                .push(since(record.returned, received));
                        }
                    }
                } else {
                    numbers.before_event += 1;
                }
            }
            None => numbers.no_event += 1,
        }
    }
    numbers.attempts = attempts;
    numbers
}

/// Everything one run measured.
pub(crate) struct Report {
    pub(crate) setup: Setup,
    pub(crate) outcomes: Vec<Outcome>,
    pub(crate) total: Duration,
}

impl Report {
    fn calls_of(&self, wanted: Mode) -> Option<u64> {
        self.outcomes
            .iter()
            .find(|o| o.mode == wanted)
            .map(|o| o.calls)
    }

    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let s = &self.setup;
        let n = s.jobs;
        let per_round = n.div_ceil(IDS_PER_CALL);
        let _ = writeln!(
            out,
            "Setup: N = {n} jobs, scale 1/{} (every job phase, waiter delay, poller tolerance and reconciliation interval divided by {}), seed {}; run time {:.0} s.\n",
            s.scale,
            s.scale,
            s.seed,
            self.total.as_secs_f64()
        );
        let ranges: Vec<String> = PHASE_RANGES
            .iter()
            .map(|(name, low, high)| format!("{name} {:.2}-{:.2} s", low / s.scale, high / s.scale))
            .collect();
        let _ = writeln!(
            out,
            "Jobs (at this scale): {}, PENDING, RUNNABLE and STARTING none; {:.0}% end FAILED. Waits: initial delay {:.3} s, JobExists {:.3} s, JobRunning {:.3} s, JobComplete {:.3} s, fixed; poller tolerance {:.3} s.\n",
            ranges.join(", "),
            FAILED_SHARE * 100.0,
            INITIAL_DELAY.as_secs_f64() / s.scale,
            2.0 / s.scale,
            5.0 / s.scale,
            300.0 / s.scale,
            s.tolerance().as_secs_f64(),
        );
        self.calls_table(&mut out, per_round);
        self.lag_table(&mut out);
        self.reconciliation_tables(&mut out);
        self.goals(&mut out);
        out
    }

    /// The goals for each events mode, evaluated.
    fn goals(&self, out: &mut String) {
        let evented: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| matches!(o.mode, Mode::Events { .. }))
            .collect();
        if evented.is_empty() {
            return;
        }
        let verdict = |met: bool| if met { "**met**" } else { "**missed**" };
        let _ = writeln!(
            out,
            "### Goals
"
        );
        let mut header = "| goal |".to_owned();
        let mut rule = "|---|".to_owned();
        let mut rows = [
            "| DescribeJobs calls at most what reconciliation alone requires |".to_owned(),
            "| at least 10x fewer DescribeJobs calls than the shared poller |".to_owned(),
            format!(
                "| a change reported within {} s of its event (published -> wait returned, max) |",
                LONG_POLL_GOAL.as_secs_f64()
            ),
            "| every wait ended as its job did |".to_owned(),
        ];
        for outcome in evented {
            let Mode::Events { reconcile } = outcome.mode else {
                continue;
            };
            let _ = write!(header, " {} |", mode_name(outcome.mode));
            rule.push_str("---|");
            let bound = reconciliation(outcome, reconcile).bound();
            let _ = write!(
                rows[0],
                " {}: {} <= {bound} |",
                verdict(outcome.calls <= bound),
                outcome.calls
            );
            let _ = match self.calls_of(Mode::Poller) {
                Some(poller) if outcome.calls > 0 => {
                    let ratio = poller as f64 / outcome.calls as f64;
                    write!(
                        rows[1],
                        " {}: {ratio:.1}x ({poller} / {}) |",
                        verdict(ratio >= 10.0),
                        outcome.calls
                    )
                }
                _ => write!(rows[1], " - |"),
            };
            let mut lags = numbers(outcome).published_to_return;
            lags.sort_by(f64::total_cmp);
            let _ = match lags.last() {
                Some(max) => write!(
                    rows[2],
                    " {}: {max:.2} s (p99 {:.2} s) |",
                    verdict(*max <= LONG_POLL_GOAL.as_secs_f64()),
                    quantile(&lags, 0.99).unwrap_or(*max)
                ),
                None => write!(rows[2], " - |"),
            };
            let right = numbers(outcome).right;
            let _ = write!(
                rows[3],
                " {}: {right}/{} |",
                verdict(right == outcome.records.len()),
                outcome.records.len()
            );
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for row in rows {
            let _ = writeln!(out, "{row}");
        }
        let _ = writeln!(out);
    }

    fn calls_table(&self, out: &mut String, per_round: usize) {
        let per_job = self.calls_of(Mode::PerJob);
        let poller = self.calls_of(Mode::Poller);
        let ratio = |base: Option<u64>, calls: u64| match base {
            Some(base) if calls > 0 => format!("{:.1}x", base as f64 / calls as f64),
            _ => "-".to_owned(),
        };
        let _ = writeln!(out, "### DescribeJobs calls and SQS calls\n");
        let _ = writeln!(
            out,
            "| mode | DescribeJobs calls | per-job ÷ this | poller ÷ this | first calls (asking for a job not asked before) | attempts per wait (Exists+Running+Complete) | call bursts | calls per burst, mean / max | ceil(N/100) | ReceiveMessage | DeleteMessageBatch | PutEvents (publisher) | waits ended right | wall |"
        );
        let _ = writeln!(
            out,
            "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for outcome in &self.outcomes {
            let x = numbers(outcome);
            let attempts: f64 = x.attempts.iter().sum();
            let bursts = if outcome.mode == Mode::PerJob {
                ("-".to_owned(), "-".to_owned())
            } else {
                let max = x.bursts.iter().map(|b| b.calls).max().unwrap_or(0);
                let mean = outcome.calls as f64 / x.bursts.len().max(1) as f64;
                (x.bursts.len().to_string(), format!("{mean:.2} / {max}"))
            };
            let sqs = |v: u64| {
                if outcome.source.is_some() {
                    v.to_string()
                } else {
                    "-".to_owned()
                }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.2} ({:.2}+{:.2}+{:.2}) | {} | {} | {per_round} | {} | {} | {} | {}/{} | {:.0} s |",
                mode_name(outcome.mode),
                outcome.calls,
                ratio(per_job, outcome.calls),
                ratio(poller, outcome.calls),
                reconciliation(outcome, Duration::ZERO).first_calls,
                attempts,
                x.attempts[0],
                x.attempts[1],
                x.attempts[2],
                bursts.0,
                bursts.1,
                sqs(outcome.wire.receives),
                sqs(outcome.wire.deletes),
                sqs(outcome.wire.put_events),
                x.right,
                outcome.records.len(),
                outcome.wall.as_secs_f64(),
            );
        }
        let _ = writeln!(out);
    }

    fn lag_table(&self, out: &mut String) {
        let _ = writeln!(out, "### Detection lag (seconds, p50 / p99 / max)\n");
        let _ = writeln!(
            out,
            "| mode | job terminal -> wait returned | terminal -> its event published (PutEvents sent) | event published -> wait returned | of which published -> received from SQS | of which received -> wait returned | waits returned before their event was published | waits whose event was never published |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
        for outcome in &self.outcomes {
            let x = numbers(outcome);
            let events = matches!(outcome.mode, Mode::Events { .. });
            let or_dash = |text: String| if events { text } else { "-".to_owned() };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                mode_name(outcome.mode),
                spread(x.lags),
                or_dash(spread(x.to_published)),
                or_dash(spread(x.published_to_return)),
                or_dash(spread(x.published_to_received)),
                or_dash(spread(x.received_to_return)),
                or_dash(x.before_event.to_string()),
                or_dash(x.no_event.to_string()),
            );
        }
        let _ = writeln!(out);
    }

    fn reconciliation_tables(&self, out: &mut String) {
        for outcome in &self.outcomes {
            let Mode::Events { reconcile } = outcome.mode else {
                continue;
            };
            let r = reconciliation(outcome, reconcile);
            let x = numbers(outcome);
            let first = x.bursts.first().map_or(outcome.started, |b| b.at);
            let _ = writeln!(
                out,
                "### {}: calls against reconciliation\n\nReconciliation alone requires (first calls + rounds): {} = {}. Made: {} ({} first calls asking for {} jobs, ceil(N/100) = {}; {} calls for jobs asked before).\n",
                mode_name(outcome.mode),
                r.formula(),
                r.bound(),
                outcome.calls,
                r.first_calls,
                r.first_ids,
                outcome.records.len().div_ceil(IDS_PER_CALL),
                r.repeat_calls,
            );
            let _ = writeln!(out, "| burst at (s after the first call) | calls | ids |");
            let _ = writeln!(out, "|---:|---:|---:|");
            for burst in &x.bursts {
                let _ = writeln!(
                    out,
                    "| {:.2} | {} | {} |",
                    since(burst.at, first),
                    burst.calls,
                    burst.ids
                );
            }
            if let (Some(source), Some(poller), Some(published)) =
                (outcome.source, outcome.poller, outcome.published)
            {
                let rate =
                    publication_rate(outcome.wire.published.values().copied()).unwrap_or((0, 0.0));
                let _ = writeln!(
                    out,
                    "\nEvents published: {} a second at most (any one second), {:.1} a second on average.\n\nReceiveMessage calls that returned messages took {} s (p50 / p99 / max; the long poll's wait for the first message included).\n\nEvent source: {} receives, {} messages, {} applied, {} stale, {} not waited, {} skipped. Poller: {} answers from known states, {} events applied. Publisher: {} state changes, {} published, {} failed, {} PutEvents calls.{}\n",
                    rate.0,
                    rate.1,
                    spread(
                        outcome
                            .wire
                            .receive_times
                            .iter()
                            .map(Duration::as_secs_f64)
                            .collect()
                    ),
                    source.receives,
                    source.messages,
                    source.applied,
                    source.stale,
                    source.not_waited,
                    source.skipped,
                    poller.answered_without_a_call,
                    poller.events,
                    published.state_changes,
                    published.published,
                    published.failed,
                    published.put_events_calls,
                    outcome
                        .source_error
                        .as_ref()
                        .map(|e| format!(" The source stopped: {e}."))
                        .unwrap_or_default(),
                );
            }
        }
    }

    /// What fails the run: a wait that did not end as its job did, an events mode over
    /// its reconciliation bound, or an event source that stopped.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for outcome in &self.outcomes {
            let name = mode_name(outcome.mode);
            for wrong in outcome
                .records
                .iter()
                .filter_map(|r| r.wrong.as_ref())
                .take(5)
            {
                problems.push(format!("{name}: a wait ended wrong: {wrong}"));
            }
            if let Mode::Events { reconcile } = outcome.mode {
                let r = reconciliation(outcome, reconcile);
                if outcome.calls > r.bound() {
                    problems.push(format!(
                        "{name}: {} DescribeJobs calls, more than reconciliation requires ({})",
                        outcome.calls,
                        r.bound()
                    ));
                }
                let limit = Reconciliation::first_calls_limit(outcome.records.len());
                if r.first_calls > limit {
                    problems.push(format!(
                        "{name}: {} first calls, more than {limit}",
                        r.first_calls
                    ));
                }
                if let Some(error) = &outcome.source_error {
                    problems.push(format!("{name}: the event source stopped: {error}"));
                }
            }
        }
        problems
    }
}
