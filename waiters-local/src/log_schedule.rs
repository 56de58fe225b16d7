//! What a job prints and when: from its container command's `echo` parts, or from the
//! `local:logLines` schedule; and the log faults a job can ask for. A leaf module, so that
//! the schedule parameters are checked at submission and read by the Logs API alike.

use std::time::Duration;

/// `local:logLines`: one line per row, `<millis after the container started> <text>`.
pub(crate) const LOG_LINES: &str = "local:logLines";
/// `local:logStreamDelayMillis`: the stream is created this long after the container
/// starts (lines written before are buffered, as the awslogs driver does).
pub(crate) const LOG_STREAM_DELAY_MILLIS: &str = "local:logStreamDelayMillis";
/// `local:logLagMillis`: each line can be read this long after it is written.
pub(crate) const LOG_LAG_MILLIS: &str = "local:logLagMillis";

/// A job's lines: each with its offset from the container's start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LogSchedule {
    pub(crate) lines: Vec<(Duration, String)>,
    pub(crate) stream_delay: Duration,
    pub(crate) lag: Duration,
}

/// Why a log parameter is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{key}` value `{value}`: {expected}")]
pub struct LogParameterError {
    /// The parameter.
    pub key: &'static str,
    /// The value given.
    pub value: String,
    /// What would be accepted.
    pub expected: &'static str,
}

/// Checks one log parameter's value (`Ok(false)`: the key is not a log parameter).
pub(crate) fn check(key: &str, value: &str) -> Result<bool, LogParameterError> {
    match key {
        LOG_LINES => parse_lines(value).map(|_| true),
        LOG_STREAM_DELAY_MILLIS => millis(LOG_STREAM_DELAY_MILLIS, value).map(|_| true),
        LOG_LAG_MILLIS => millis(LOG_LAG_MILLIS, value).map(|_| true),
        _ => Ok(false),
    }
}

impl LogSchedule {
    /// The schedule of a job: `local:logLines` if given, else the command's `echo` parts
    /// spread evenly over the `running` phase. Bad values (refused at submission) are
    /// left out.
    pub(crate) fn of<'a>(
        parameters: impl IntoIterator<Item = (&'a str, &'a str)>,
        command: &[String],
        running: Duration,
    ) -> Self {
        let mut schedule = LogSchedule::default();
        let mut lines = None;
        for (key, value) in parameters {
            match key {
                LOG_LINES => lines = parse_lines(value).ok(),
                LOG_STREAM_DELAY_MILLIS => {
                    schedule.stream_delay =
                        millis(LOG_STREAM_DELAY_MILLIS, value).unwrap_or_default();
                }
                LOG_LAG_MILLIS => schedule.lag = millis(LOG_LAG_MILLIS, value).unwrap_or_default(),
                _ => {}
            }
        }
        schedule.lines = lines.unwrap_or_else(|| {
            let echoed = echoed(command);
            let count = u32::try_from(echoed.len()).unwrap_or(u32::MAX).max(1);
            (0u32..)
                .zip(echoed)
                .map(|(i, text)| (running / count * i, text))
                .collect()
        });
        schedule
    }
}

fn millis(key: &'static str, value: &str) -> Result<Duration, LogParameterError> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| LogParameterError {
            key,
            value: value.to_owned(),
            expected: "milliseconds, a non-negative integer",
        })
}

fn parse_lines(value: &str) -> Result<Vec<(Duration, String)>, LogParameterError> {
    let bad = || LogParameterError {
        key: LOG_LINES,
        value: value.to_owned(),
        expected: "rows of `<millis> <text>`, in order of time",
    };
    let mut lines: Vec<(Duration, String)> = Vec::new();
    for row in value.lines().filter(|row| !row.trim().is_empty()) {
        let (at, text) = row.trim_start().split_once(' ').unwrap_or((row.trim(), ""));
        let at = Duration::from_millis(at.parse().map_err(|_| bad())?);
        if lines.last().is_some_and(|(last, _)| *last > at) {
            return Err(bad());
        }
        lines.push((at, text.to_owned()));
    }
    Ok(lines)
}

/// The texts a shell command echoes: `["echo", "hi"]`, or `sh -c 'echo a; sleep 1 && echo "b c"'`.
fn echoed(command: &[String]) -> Vec<String> {
    let script = match command {
        [shell, flag, script, ..] if flag == "-c" && shell.ends_with("sh") => script.clone(),
        _ => command.join(" "),
    };
    script
        .split(['\n', ';', '|', '&'])
        .filter_map(|part| {
            let part = part.trim();
            let text = part
                .strip_prefix("echo ")
                .or_else(|| (part == "echo").then_some(""))?;
            Some(unquote(text.trim()))
        })
        .collect()
}

fn unquote(text: &str) -> String {
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            return inner.to_owned();
        }
    }
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| (*p).to_owned()).collect()
    }

    #[test]
    fn echo_parts_become_lines_spread_over_the_run() {
        let command = cmd(&[
            "sh",
            "-c",
            "echo start; sleep 3 && echo \"step 1\"\necho 'done'",
        ]);
        let schedule = LogSchedule::of([], &command, Duration::from_secs(3));
        let texts: Vec<(u64, &str)> = schedule
            .lines
            .iter()
            .map(|(at, t)| (at.as_millis() as u64, t.as_str()))
            .collect();
        assert_eq!(texts, [(0, "start"), (1000, "step 1"), (2000, "done")]);
        assert_eq!(
            LogSchedule::of(
                [],
                &cmd(&["echo", "hello", "world"]),
                Duration::from_secs(1)
            )
            .lines,
            [(Duration::ZERO, "hello world".to_owned())]
        );
        assert!(
            LogSchedule::of([], &cmd(&["python", "train.py"]), Duration::from_secs(1))
                .lines
                .is_empty()
        );
    }

    #[test]
    fn a_line_schedule_and_faults_come_from_parameters() {
        let parameters = [
            (LOG_LINES, "0 a\n1500 b c\n1500 d"),
            (LOG_LAG_MILLIS, "200"),
            (LOG_STREAM_DELAY_MILLIS, "900"),
        ];
        let schedule = LogSchedule::of(
            parameters,
            &cmd(&["echo", "ignored"]),
            Duration::from_secs(9),
        );
        assert_eq!(
            schedule.lines[1],
            (Duration::from_millis(1500), "b c".to_owned())
        );
        assert_eq!(
            (schedule.lag, schedule.stream_delay),
            (Duration::from_millis(200), Duration::from_millis(900))
        );
        assert_eq!(check(LOG_LINES, "10 x\n5 y").unwrap_err().key, LOG_LINES);
        assert!(check(LOG_LAG_MILLIS, "-1").is_err());
        assert_eq!(check("local:outcome", "FAILED"), Ok(false));
    }
}
