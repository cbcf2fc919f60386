//! Human-written quantities in the config file and flags: sizes (`4G`), durations (`3m`) and
//! percentages (`20%`). Errors repeat the input and show a valid example.

use std::time::Duration;

/// `4G`, `512M`, `64K`, `1.5G`, `4GiB` or plain bytes. Units are binary (G = 2^30).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let bad = || format!("size {text:?}: write a number with an optional unit, like 4G, 512M or 1048576");
    let upper = t.to_ascii_uppercase();
    let stripped = upper.trim_end_matches("IB").trim_end_matches('B');
    let (num, mult) = match stripped.chars().last() {
        Some('K') => (&stripped[..stripped.len() - 1], 1u64 << 10),
        Some('M') => (&stripped[..stripped.len() - 1], 1 << 20),
        Some('G') => (&stripped[..stripped.len() - 1], 1 << 30),
        Some('T') => (&stripped[..stripped.len() - 1], 1 << 40),
        Some(_) => (stripped, 1),
        None => return Err(bad()),
    };
    let value: f64 = num.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value <= 0.0 {
        return Err(bad());
    }
    Ok((value * mult as f64) as u64)
}

/// `3m`, `30s`, `2h`, `500ms`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("duration {text:?}: write a number with a unit, like 3m, 30s, 2h or 500ms");
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let value: f64 = num.trim().parse().map_err(|_| bad())?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(bad()),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `20%` or `20`, between 0 and 100 inclusive.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let t = text.trim().trim_end_matches('%');
    let value: f64 = t.trim().parse().map_err(|_| format!("percentage {text:?}: write a number from 0 to 100, like 20%"))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("percentage {text:?} is outside 0..100"));
    }
    Ok(value)
}

/// Bytes as `1.5 GiB`, for people.
pub fn show_size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else if b >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", b / (1u64 << 20) as f64)
    } else {
        format!("{:.0} KiB", b / 1024.0)
    }
}

/// A duration as the flags write it: `3m`, `10s`, `1h30m`.
pub fn show_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) if d.subsec_millis() > 0 && s < 10 => format!("{}ms", d.as_millis()),
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4G").unwrap(), 4 << 30);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5g").unwrap(), 3 << 29);
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert!(parse_size("lots").unwrap_err().contains("4G"));
        assert!(parse_size("-1G").is_err());
    }

    #[test]
    fn durations_and_percentages() {
        assert_eq!(parse_duration("3m").unwrap(), Duration::from_secs(180));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("7").unwrap(), Duration::from_secs(7));
        assert!(parse_duration("3 weeks").is_err());
        assert_eq!(parse_percent("20%").unwrap(), 20.0);
        assert!(parse_percent("120").is_err());
        assert_eq!(show_duration(Duration::from_secs(180)), "3m");
        assert_eq!(show_duration(Duration::from_secs(10)), "10s");
        assert_eq!(show_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(show_duration(Duration::from_secs(5400)), "1h30m");
    }
}
