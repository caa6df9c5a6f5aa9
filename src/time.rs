//! Calendar arithmetic for git timestamps: ISO 8601 formatting and `--since` parsing, without a
//! date library (the civil-from-days algorithm of Howard Hinnant, public domain).

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2024-03-05T14:07:09+01:00` for a Unix time and a UTC offset in minutes.
pub fn format_iso8601(unix_seconds: i64, offset_minutes: i32) -> String {
    let local = unix_seconds + i64::from(offset_minutes) * 60;
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let offset = offset_minutes.unsigned_abs();
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        offset / 60,
        offset % 60
    )
}

/// Parses `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM[:SS]` with an optional `Z` or `±HH:MM`,
/// or `@UNIX_SECONDS`, into Unix seconds.
pub fn parse_date(text: &str) -> Result<i64, String> {
    let bad = || {
        format!("invalid date {text:?}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[Z|±HH:MM] or @SECONDS")
    };
    let text = text.trim();
    if let Some(seconds) = text.strip_prefix('@') {
        return seconds.parse().map_err(|_| bad());
    }
    let number = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let (date, rest) = text.split_at(text.find(['T', ' ']).unwrap_or(text.len()));
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts[..] else {
        return Err(bad());
    };
    let (year, month, day) = (i64::from(number(year)?), number(month)?, number(day)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    let rest = rest.trim_start_matches(['T', ' ']);
    if rest.is_empty() {
        return Ok(seconds);
    }
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let fields: Vec<u32> = clock.split(':').map(number).collect::<Result<_, _>>()?;
    let (hours, minutes, secs) = match fields[..] {
        [h, m] => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return Err(bad()),
    };
    if hours > 23 || minutes > 59 || secs > 60 {
        return Err(bad());
    }
    seconds += i64::from(hours * 3600 + minutes * 60 + secs);
    if offset.is_empty() || offset == "Z" {
        return Ok(seconds);
    }
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let fields: Vec<u32> = offset[1..]
        .split(':')
        .map(number)
        .collect::<Result<_, _>>()?;
    let [oh, om] = fields[..] else {
        return Err(bad());
    };
    Ok(seconds - sign * i64::from(oh * 3600 + om * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_git_times() {
        assert_eq!(format_iso8601(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            format_iso8601(1_700_000_000, 60),
            "2023-11-14T23:13:20+01:00"
        );
        assert_eq!(
            format_iso8601(951_782_400, -300),
            "2000-02-28T19:00:00-05:00"
        );
    }

    #[test]
    fn parses_since_dates() {
        assert_eq!(parse_date("1970-01-02"), Ok(86_400));
        assert_eq!(parse_date("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        assert_eq!(parse_date("2023-11-14T23:13:20+01:00"), Ok(1_700_000_000));
        assert_eq!(parse_date("@1700000000"), Ok(1_700_000_000));
        assert!(parse_date("yesterday").is_err());
        assert!(parse_date("2023-13-01").is_err());
    }

    #[test]
    fn civil_round_trip() {
        for days in [-1000, 0, 59, 60, 11_016, 20_000, 100_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
