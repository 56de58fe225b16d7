//! Value parsers for options: seconds, rates, regions and endpoint URLs, checked so that a
//! typo is a usage error (exit 2) rather than a failed call.

use std::time::Duration;

use super::MAX_SECONDS;

/// Seconds as a non-negative, finite decimal number (`0`, `0.05`, `30`).
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if value.is_nan() {
        return Err("NaN is not a number of seconds".to_owned());
    }
    if value < 0.0 {
        return Err(format!("`{text}` is negative; seconds must be 0 or more"));
    }
    if value > MAX_SECONDS {
        return Err(format!(
            "`{text}` seconds is too large (at most {MAX_SECONDS:.0})"
        ));
    }
    Duration::try_from_secs_f64(value).map_err(|_| format!("`{text}` is not a number of seconds"))
}

/// Calls per second: a positive, finite number (`10`, `0.5`).
pub(crate) fn parse_rate(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of calls per second"))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!(
            "`{text}` is not a rate; give a positive, finite number of calls per second"
        ));
    }
    Ok(value)
}

/// Seconds greater than zero (a call timeout of 0 would fail every call).
pub(crate) fn parse_positive_seconds(text: &str) -> Result<Duration, String> {
    let duration = parse_seconds(text)?;
    if duration.is_zero() {
        return Err(format!("`{text}` seconds is not enough; give more than 0"));
    }
    Ok(duration)
}

/// The longest region name accepted (real ones have at most 14 characters today).
const MAX_REGION_LEN: usize = 32;

/// A region name as AWS writes them (`us-east-1`, `us-gov-west-1`, `cn-north-1`): checked
/// here so a typo is a usage error (exit 2), not an SDK error on the first call.
pub(crate) fn parse_region(text: &str) -> Result<String, String> {
    let shown = crate::escape::text(text);
    if text.is_empty() {
        return Err("the region must not be empty".to_owned());
    }
    if text.len() > MAX_REGION_LEN {
        return Err(format!(
            "`{shown}` is not a region name (at most {MAX_REGION_LEN} characters)"
        ));
    }
    let valid = text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-');
    if !valid {
        return Err(format!(
            "`{shown}` is not a region name (lowercase letters, digits and dashes, such as us-east-1)"
        ));
    }
    Ok(text.to_owned())
}

/// The longest endpoint URL accepted.
const MAX_URL_LEN: usize = 2048;

/// An http:// or https:// URL with a host (a DNS name, an IPv4 address or a bracketed
/// IPv6 address), an optional port and path; checked here so a typo is a usage error
/// (exit 2), not a failed request (exit 4).
pub(crate) fn parse_endpoint_url(text: &str) -> Result<String, String> {
    let shown = crate::escape::text(text);
    if text.len() > MAX_URL_LEN {
        return Err(format!(
            "the endpoint URL is longer than {MAX_URL_LEN} characters"
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(format!(
            "`{shown}` is not a valid URL: it contains {}",
            crate::escape::text(&format!("{c:?}"))
        ));
    }
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(|| format!("`{shown}` is not an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    check_authority(authority).map_err(|why| format!("`{shown}` is not a valid URL: {why}"))?;
    Ok(text.to_owned())
}

/// `host[:port]`, where host is a DNS name, an IPv4 address or `[IPv6]`.
fn check_authority(authority: &str) -> Result<(), String> {
    if authority.is_empty() {
        return Err("it has no host".to_owned());
    }
    if authority.contains('@') {
        return Err("user names or passwords in the URL are not supported".to_owned());
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (address, after) = bracketed
            .split_once(']')
            .ok_or("the IPv6 address has no closing `]`")?;
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("`[{address}]` is not an IPv6 address"));
        }
        match after {
            "" => (None, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return Err("unexpected text after the IPv6 address".to_owned()),
            },
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        }
    };
    if let Some(host) = host {
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if host.is_empty() {
            return Err("it has no host".to_owned());
        }
        if host.len() > 253 || !host.trim_end_matches('.').split('.').all(label_ok) {
            return Err(format!("`{host}` is not a host name"));
        }
    }
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(p) if p > 0 && port.chars().all(|c| c.is_ascii_digit()) => {}
            _ => return Err(format!("`{port}` is not a port (1 to 65535)")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_fractions_and_zero() {
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert_eq!(parse_seconds("0.05"), Ok(Duration::from_millis(50)));
        assert_eq!(parse_seconds("1e1"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("1e9"), Ok(Duration::from_secs(1_000_000_000)));
    }

    #[test]
    fn seconds_reject_negative_nan_infinite_and_text() {
        for bad in [
            "-1", "-0.5", "NaN", "nan", "inf", "1e400", "1e19", "1.1e9", "abc", "",
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn endpoint_urls_need_a_scheme_and_host() {
        for good in [
            "http://127.0.0.1:4566",
            "HTTPS://batch.example",
            "https://batch.us-east-1.amazonaws.com/",
            "http://localhost:5000/path?x=1",
            "http://[::1]:8080",
            "http://[fd00::1]",
            "http://my-host.",
        ] {
            assert_eq!(parse_endpoint_url(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "127.0.0.1:4566",
            "ftp://x",
            "http://",
            "http:///path",
            "http://a b",
            "http://[::1",
            "http://[::1]x",
            "http://[nope]:80",
            "http://host:0",
            "http://host:65536",
            "http://host:+80",
            "http://host:",
            "http://user:secret@host",
            "http://-host",
            "http://ho_st",
            "http://a..b",
            "http://exa\nmple",
            "http://h\u{e9}te",
        ] {
            let error = parse_endpoint_url(bad);
            assert!(error.is_err(), "{bad:?} should be rejected");
            assert!(!error.unwrap_err().contains('\n'), "{bad:?}");
        }
        assert!(parse_endpoint_url(&format!("http://{}", "a".repeat(3000))).is_err());
    }

    #[test]
    fn regions_are_lowercase_names() {
        for good in ["us-east-1", "us-gov-west-1", "cn-north-1", "local"] {
            assert_eq!(parse_region(good).as_deref(), Ok(good));
        }
        for bad in [
            "",
            "US-EAST-1",
            "us east 1",
            "us-east-1/",
            "-us",
            "us-",
            "us_east_1",
            "us-east-1\n",
            "a-very-long-region-name-that-goes-on-and-on",
        ] {
            let error = parse_region(bad);
            assert!(error.is_err(), "{bad:?} should be rejected");
            assert!(!error.unwrap_err().contains('\n'), "{bad:?}");
        }
    }

    #[test]
    fn rates_are_positive_and_finite() {
        assert_eq!(parse_rate("10"), Ok(10.0));
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        for bad in ["0", "-1", "NaN", "inf", "1e400", "", "fast"] {
            let error = parse_rate(bad);
            assert!(error.is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn timeouts_must_be_positive() {
        assert_eq!(
            parse_positive_seconds("0.5"),
            Ok(Duration::from_millis(500))
        );
        assert!(parse_positive_seconds("0").is_err());
        assert!(parse_positive_seconds("-1").is_err());
    }
}
